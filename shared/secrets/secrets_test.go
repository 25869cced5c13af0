package secrets_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
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
	if st.URL != "https://api.example.com/v1/items?key=k-123456" || st.Headers["Authorization"] != "Bearer tok-abcdef" ||
		st.Headers["X-Plain"] != "plain-secret" || st.Body != `{"password": "hunter2-pw"}` {
		t.Errorf("resolved step: %+v", st)
	}
	leak := "error at " + st.URL + " with " + st.Headers["Authorization"] + st.Body + st.Headers["X-Plain"]
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

func isolateAWSEnv(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL"} {
		t.Setenv(k, "")
	}
}

func TestLazyResolversWithoutCredentials(t *testing.T) {
	isolateAWSEnv(t)
	t.Setenv("SHOP_TOKEN", "from-env")
	rs := secrets.LazyResolvers()
	if v, err := rs["env"].Resolve(context.Background(), check.Ref{Kind: "env", Arg: "SHOP_TOKEN"}); err != nil || v != "from-env" {
		t.Errorf("env: %q %v", v, err)
	}
	_, err := rs["ssm"].Resolve(context.Background(), check.Ref{Kind: "ssm", Arg: "/a"})
	if !errors.Is(err, secrets.ErrNoCredentials) {
		t.Errorf("ssm without credentials: %v", err)
	}
}

// TestLazyResolversUseTheEnvironment: the CLI path, configured only by the
// standard AWS environment variables (here pointing at moto_server).
func TestLazyResolversUseTheEnvironment(t *testing.T) {
	srv := awstest.Start(t)
	isolateAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "ap-south-1")
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	cfg := srv.Config(t, "ap-south-1")
	if _, err := ssm.NewFromConfig(cfg).PutParameter(context.Background(), &ssm.PutParameterInput{
		Name: aws.String("/mumbai/key"), Value: aws.String("m-key-1"), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
		t.Fatal(err)
	}
	v, err := secrets.LazyResolvers()["ssm"].Resolve(context.Background(), check.Ref{Kind: "ssm", Arg: "/mumbai/key"})
	if err != nil || v != "m-key-1" {
		t.Errorf("%q %v", v, err)
	}
}
