package secrets_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/lookout-monitoring/lookout/shared/awstest"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/secrets"
)

const checksWithSecrets = `app: shop
areas:
  - id: Api
    request:
      url: https://api.example.com/v1/items?key=${ssm:/shop/api-key}
      headers:
        Authorization: Bearer ${secret:shop/token#token}
        X-Plain: ${secret:shop/plain}
      method: POST
      body: '{"password": "${ssm:/shop/password}"}'
`

// TestResolveAgainstMoto resolves SSM SecureString parameters and Secrets
// Manager secrets with the real SDK, and checks that Redact hides them.
func TestResolveAgainstMoto(t *testing.T) {
	srv := awstest.Start(t)
	cfg := srv.Config(t, "us-east-1")
	ctx := context.Background()
	ssmc := ssm.NewFromConfig(cfg)
	for name, value := range map[string]string{"/shop/api-key": "k-123456", "/shop/password": "hunter2-pw"} {
		if _, err := ssmc.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value),
			Type: ssmtypes.ParameterTypeSecureString}); err != nil {
			t.Fatal(err)
		}
	}
	smc := secretsmanager.NewFromConfig(cfg)
	for name, value := range map[string]string{"shop/token": `{"token": "tok-abcdef", "n": 1}`, "shop/plain": "plain-secret"} {
		if _, err := smc.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := check.Parse("checks.yaml", []byte(checksWithSecrets))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ResolveSecrets(ctx, secrets.Resolvers(cfg)); err != nil {
		t.Fatal(err)
	}
	st := c.Areas[0].Request
	u, err := c.URL(st.URL, nil) // a URL keeps its references; URL fills them in
	if err != nil || u != "https://api.example.com/v1/items?key=k-123456" || st.Headers["Authorization"] != "Bearer tok-abcdef" ||
		st.Headers["X-Plain"] != "plain-secret" || st.Body != `{"password": "hunter2-pw"}` {
		t.Errorf("resolved step: %+v, url %q, %v", st, u, err)
	}
	leak := "error at " + u + " with " + st.Headers["Authorization"] + st.Body + st.Headers["X-Plain"]
	red := c.Redact(leak)
	for _, s := range []string{"k-123456", "tok-abcdef", "hunter2-pw", "plain-secret"} {
		if strings.Contains(red, s) {
			t.Errorf("Redact left %q in %q", s, red)
		}
	}
}

func TestMissingSecretNamesTheField(t *testing.T) {
	srv := awstest.Start(t)
	cfg := srv.Config(t, "eu-west-2")
	c, err := check.Parse("checks.yaml", []byte(checksWithSecrets))
	if err != nil {
		t.Fatal(err)
	}
	err = c.ResolveSecrets(context.Background(), secrets.Resolvers(cfg))
	var errs check.Errors
	if !errors.As(err, &errs) || len(errs) != 4 {
		t.Fatalf("want 4 field errors, got %v", err)
	}
	if got := errs[0].Error(); !strings.HasPrefix(got, "checks.yaml:5: areas[0].request.url: ${ssm:/shop/api-key}: SSM parameter /shop/api-key: ") {
		t.Errorf("first error: %s", got)
	}
}

type countingSSM struct{ calls int }

func (c *countingSSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	c.calls++
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Value: aws.String("v-" + *in.Name)}}, nil
}

func TestEachReferenceIsFetchedOnce(t *testing.T) {
	fake := &countingSSM{}
	r := secrets.SSM(fake)
	for range 3 {
		v, err := r.Resolve(context.Background(), check.Ref{Kind: "ssm", Arg: "/a"})
		if err != nil || v != "v-/a" {
			t.Fatalf("%q %v", v, err)
		}
	}
	if fake.calls != 1 {
		t.Errorf("GetParameter called %d times, want 1", fake.calls)
	}
}

type fakeSecrets map[string]string

func (f fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	v, ok := f[*in.SecretId]
	if !ok {
		return nil, errors.New("ResourceNotFoundException")
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(v)}, nil
}

func TestSecretJSONKeys(t *testing.T) {
	r := secrets.SecretsManager(fakeSecrets{"obj": `{"a": "x", "n": 5, "z": null}`, "text": "not json"})
	cases := []struct {
		arg, want, err string
	}{
		{"obj#a", "x", ""},
		{"obj#n", "5", ""},
		{"obj#z", "", "is null"},
		{"obj#missing", "", `no key "missing"`},
		{"text#a", "", "not a JSON object"},
		{"text", "not json", ""},
		{"gone", "", "ResourceNotFound"},
	}
	for _, c := range cases {
		got, err := r.Resolve(context.Background(), check.Ref{Kind: "secret", Arg: c.arg})
		if c.err == "" && (err != nil || got != c.want) {
			t.Errorf("%s: %q, %v; want %q", c.arg, got, err, c.want)
		}
		if c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: err %v, want %q", c.arg, err, c.err)
		}
	}
}

func loadConfig(ctx context.Context) (aws.Config, error) { return secrets.LoadConfig(ctx, "us-east-1") }

func TestLazyResolversWithoutCredentials(t *testing.T) {
	awstest.NoAWS(t)
	t.Setenv("SHOP_TOKEN", "from-env")
	rs := secrets.LazyResolvers(loadConfig)
	if v, err := rs["env"].Resolve(context.Background(), check.Ref{Kind: "env", Arg: "SHOP_TOKEN"}); err != nil || v != "from-env" {
		t.Errorf("env: %q %v", v, err)
	}
	_, err := rs["ssm"].Resolve(context.Background(), check.Ref{Kind: "ssm", Arg: "/a"})
	var ce *secrets.CredentialsError
	if !errors.Is(err, secrets.ErrNoCredentials) || !errors.As(err, &ce) {
		t.Fatalf("ssm without credentials: %v", err)
	}
	// The SDK's own reason is kept: here, the end of the credential chain.
	if !strings.HasPrefix(err.Error(), "needs AWS credentials: ") || !strings.Contains(ce.Err.Error(), "EC2 IMDS") {
		t.Errorf("reason lost: %v", err)
	}
}

// TestEnvReferencesNeverLoadTheAWSConfiguration: env references resolve
// without asking for an AWS configuration; the first AWS reference asks once,
// and a failure is remembered rather than retried for every reference.
func TestEnvReferencesNeverLoadTheAWSConfiguration(t *testing.T) {
	t.Setenv("SHOP_TOKEN", "from-env")
	loads := 0
	rs := secrets.LazyResolvers(func(context.Context) (aws.Config, error) {
		loads++
		return aws.Config{}, errors.New("no configuration here")
	})
	for range 3 {
		if v, err := rs["env"].Resolve(context.Background(), check.Ref{Kind: "env", Arg: "SHOP_TOKEN"}); err != nil || v != "from-env" {
			t.Fatalf("env: %q %v", v, err)
		}
	}
	if loads != 0 {
		t.Fatalf("env references loaded the AWS configuration %d times", loads)
	}
	for _, ref := range []check.Ref{{Kind: "ssm", Arg: "/a"}, {Kind: "secret", Arg: "b"}, {Kind: "ssm", Arg: "/c"}} {
		_, err := rs[ref.Kind].Resolve(context.Background(), ref)
		if !errors.Is(err, secrets.ErrNoCredentials) || !strings.Contains(err.Error(), "AWS configuration: no configuration here") {
			t.Errorf("%s: %v", ref, err)
		}
	}
	if loads != 1 {
		t.Errorf("loaded %d times for 3 AWS references, want 1", loads)
	}
}

// TestExpiredSSOSessionKeepsTheReason: a profile whose SSO session has
// expired fails with the SDK's words for it, not a generic "no credentials".
func TestExpiredSSOSessionKeepsTheReason(t *testing.T) {
	awstest.NoAWS(t)
	home := os.Getenv("HOME")
	conf := filepath.Join(home, "config")
	if err := os.WriteFile(conf, []byte(`[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = ReadOnly
region = eu-west-2
[sso-session corp]
sso_start_url = https://corp.example.com/start
sso_region = us-east-1
`), 0o600); err != nil {
		t.Fatal(err)
	}
	// The token cache file is named by the SHA-1 of the session name.
	cache := filepath.Join(home, ".aws", "sso", "cache")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum([]byte("corp"))
	token := `{"accessToken": "expired", "expiresAt": "2000-01-01T00:00:00Z", "region": "us-east-1", "startUrl": "https://corp.example.com/start"}`
	if err := os.WriteFile(filepath.Join(cache, hex.EncodeToString(sum[:])+".json"), []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", conf)
	t.Setenv("AWS_PROFILE", "dev")
	_, err := secrets.LazyResolvers(loadConfig)["ssm"].Resolve(context.Background(), check.Ref{Kind: "ssm", Arg: "/a"})
	if !errors.Is(err, secrets.ErrNoCredentials) || !strings.Contains(err.Error(), "cached SSO token is expired") {
		t.Errorf("expired SSO session: %v", err)
	}
}

func TestLoadConfigRegion(t *testing.T) {
	awstest.NoAWS(t)
	cfg, err := secrets.LoadConfig(context.Background(), "ap-south-1")
	if err != nil || cfg.Region != "ap-south-1" {
		t.Errorf("no region configured: %q %v, want the fallback ap-south-1", cfg.Region, err)
	}
	t.Setenv("AWS_REGION", "eu-west-2")
	if cfg, err = secrets.LoadConfig(context.Background(), "ap-south-1"); err != nil || cfg.Region != "eu-west-2" {
		t.Errorf("AWS_REGION set: %q %v, want eu-west-2", cfg.Region, err)
	}
}

// quietChild names the environment variable that makes this test binary the
// child of TestLoadConfigIsQuiet: its value is the fake metadata service's URL.
const quietChild = "LOOKOUT_TEST_IMDS_CHILD"

// TestLoadConfigIsQuiet: the credential chain's last resort, the instance
// metadata service, makes the SDK warn on stderr when it answers the token
// request with 403 (as some networks do). LoadConfig drops the SDK's log lines;
// the reason stays in the error. The SDK writes to the process's own stderr,
// so the check runs in a child process, against a fake metadata service on
// 127.0.0.1 (named explicitly; the environment keeps the real one disabled).
func TestLoadConfigIsQuiet(t *testing.T) {
	var hits atomic.Int32
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Method == http.MethodPut { // the IMDSv2 token
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		http.NotFound(w, r) // no instance role
	}))
	t.Cleanup(imds.Close)
	child := func(mode string) (stdout, stderr string) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLoadConfigIsQuietChild$", "-test.count=1")
		cmd.Env = awstest.NoAWSEnv(t, quietChild+"="+mode+" "+imds.URL)
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("child %s: %v\n%s%s", mode, err, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	// The fake works: with the SDK's default logger, the warning is printed.
	if _, errOut := child("loud"); !strings.Contains(errOut, "WARN falling back to IMDSv1") {
		t.Fatalf("the fake metadata service did not make the SDK warn; stderr %q", errOut)
	}
	before := hits.Load()
	out, errOut := child("quiet")
	if hits.Load() == before {
		t.Fatal("the quiet child never asked the metadata service")
	}
	if strings.Contains(errOut, "SDK") || strings.Contains(errOut, "WARN") {
		t.Errorf("LoadConfig let the SDK write to stderr: %q", errOut)
	}
	if !strings.Contains(out, "needs AWS credentials: ") || !strings.Contains(out, "no EC2 IMDS role found") {
		t.Errorf("the reason is lost: %q", out)
	}
}

// TestLoadConfigIsQuietChild is the child of TestLoadConfigIsQuiet.
func TestLoadConfigIsQuietChild(t *testing.T) {
	mode, endpoint, ok := strings.Cut(os.Getenv(quietChild), " ")
	if !ok {
		t.Skip("run by TestLoadConfigIsQuiet")
	}
	ctx := context.Background()
	opts := []func(*config.LoadOptions) error{config.WithEC2IMDSClientEnableState(imds.ClientEnabled), config.WithEC2IMDSEndpoint(endpoint)}
	load := func(ctx context.Context) (aws.Config, error) { return secrets.LoadConfig(ctx, "us-east-1", opts...) }
	if mode == "loud" {
		load = func(ctx context.Context) (aws.Config, error) {
			return config.LoadDefaultConfig(ctx, append(opts, config.WithRegion("us-east-1"))...)
		}
	}
	_, err := secrets.LazyResolvers(load)["ssm"].Resolve(ctx, check.Ref{Kind: "ssm", Arg: "/a"})
	fmt.Println(err)
}

// TestLazyResolversUseTheEnvironment: the CLI path, configured only by the
// standard AWS environment variables (here pointing at moto_server).
func TestLazyResolversUseTheEnvironment(t *testing.T) {
	srv := awstest.Start(t)
	awstest.NoAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	cfg := srv.Config(t, "ap-south-1")
	if _, err := ssm.NewFromConfig(cfg).PutParameter(context.Background(), &ssm.PutParameterInput{
		Name: aws.String("/mumbai/key"), Value: aws.String("m-key-1"), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
		t.Fatal(err)
	}
	// No AWS_REGION: the region given (the run's location) is used.
	load := func(ctx context.Context) (aws.Config, error) { return secrets.LoadConfig(ctx, "ap-south-1") }
	v, err := secrets.LazyResolvers(load)["ssm"].Resolve(context.Background(), check.Ref{Kind: "ssm", Arg: "/mumbai/key"})
	if err != nil || v != "m-key-1" {
		t.Errorf("%q %v", v, err)
	}
}
