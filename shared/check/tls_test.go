package check_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// testCert is a self-signed certificate for cn and its private key, as PEM.
func testCert(t testing.TB, cn string) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

// yamlBlock writes text as a YAML block scalar indented by n spaces.
func yamlBlock(text string, n int) string {
	pad := strings.Repeat(" ", n)
	return "|\n" + pad + strings.ReplaceAll(strings.TrimRight(text, "\n"), "\n", "\n"+pad) + "\n"
}

// writeChecks writes a checks file (and other files, by relative path) into
// a new directory and returns the checks file's path.
func writeChecks(t *testing.T, checks string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "checks.yaml")
	if err := os.WriteFile(file, []byte(checks), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// tlsArea is a checks file whose one area has the tls block given (at column 0).
func tlsArea(tls string) string {
	return "app: shop\nareas:\n  - id: Api\n    tls:\n" + indentBy(tls, 6) +
		"    request:\n      url: https://api.internal.example/health\n"
}

func indentBy(s string, n int) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = pad + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestTLSBlockErrors: each mistake in a tls block is reported at its
// file:line and field, as it is loaded.
func TestTLSBlockErrors(t *testing.T) {
	cert, key := testCert(t, "Internal CA")
	cases := []struct {
		name  string
		tls   string
		files map[string]string
		kind  error
		want  string // the error, after "<file>:"; <dir> is the checks file's directory
	}{
		{name: "a literal private key", kind: check.ErrLiteralCred, tls: "client_cert: ${secret:app/mtls#cert}\nclient_key: " + yamlBlock(key, 8),
			want: "6: areas[0].tls.client_key: a private key must be a reference (${secret:name#key}, ${ssm:/path}, ${env:NAME}), never a literal"},
		{name: "a certificate without its key", kind: check.ErrRequired, tls: "client_cert: ${secret:app/mtls#cert}",
			want: "4: areas[0].tls.client_key: client_cert needs its private key"},
		{name: "a key without its certificate", kind: check.ErrRequired, tls: "client_key: ${secret:app/mtls#key}",
			want: "4: areas[0].tls.client_cert: client_key needs its certificate"},
		{name: "a CA that is not PEM", kind: check.ErrInvalid, tls: "ca: not a certificate",
			want: "5: areas[0].tls.ca: ca holds no PEM certificate (-----BEGIN CERTIFICATE-----)"},
		{name: "a CA with a private key in it", kind: check.ErrLiteralCred, tls: "ca: " + yamlBlock(cert+key, 8),
			want: "5: areas[0].tls.ca: ca holds a private key: only certificates go here, and a key is a reference in client_key"},
		{name: "a client certificate that does not parse", kind: check.ErrInvalid,
			tls:  "client_cert: " + yamlBlock("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----", 8) + "client_key: ${env:KEY}",
			want: "5: areas[0].tls.client_cert: client_cert holds a certificate that does not parse (number 1: "},
		{name: "a missing ca_file", kind: check.ErrInvalid, tls: "ca_file: certs/missing.pem",
			want: "5: areas[0].tls.ca_file: cannot read <dir>/certs/missing.pem: no such file or directory"},
		{name: "a ca_file outside the checks file's directory", kind: check.ErrInvalid, tls: "ca_file: ../ca.pem",
			want: `5: areas[0].tls.ca_file: "../ca.pem": give a path inside the checks file's directory, such as certs/ca.pem (the build bundles it beside the checks file)`},
		{name: "an absolute ca_file", kind: check.ErrInvalid, tls: "ca_file: /etc/ssl/cert.pem",
			want: `5: areas[0].tls.ca_file: "/etc/ssl/cert.pem": give a path inside`},
		{name: "a ca_file without a certificate", kind: check.ErrInvalid, tls: "ca_file: certs/ca.pem", files: map[string]string{"certs/ca.pem": "hello\n"},
			want: "5: areas[0].tls.ca_file: <dir>/certs/ca.pem holds no PEM certificate"},
		{name: "a ca_file that is a reference", kind: check.ErrInvalid, tls: "ca_file: ${env:CA_FILE}",
			want: "5: areas[0].tls.ca_file: a file path, not a reference: put PEM from a reference in ca"},
		{name: "a captured value", kind: check.ErrReference, tls: "client_cert: ${env:CERT}\nclient_key: ${var:key}",
			want: "6: areas[0].tls.client_key: ${var:key}: captured values are not available here"},
		{name: "a bad server name", kind: check.ErrInvalid, tls: "server_name: not a host!",
			want: `5: areas[0].tls.server_name: "not a host!" is not a host name`},
		{name: "an empty block", kind: check.ErrRequired, tls: "{}",
			want: "4: areas[0].tls: give ca_file, ca, client_cert with client_key, or server_name"},
		{name: "an unknown field", kind: check.ErrUnknownField, tls: "ca_files: certs/ca.pem",
			want: `5: areas[0].tls.ca_files: unknown field (did you mean "ca_file"?)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := writeChecks(t, tlsArea(tc.tls), tc.files)
			_, err := check.Load(file)
			want := file + ":" + strings.ReplaceAll(tc.want, "<dir>", filepath.Dir(file))
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error:\n%v\nwant:\n%s", err, want)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("errors.Is(err, %v) is false", tc.kind)
			}
			if err != nil && strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Errorf("the error shows the key: %v", err)
			}
		})
	}

	// A step's block is checked at the step's path.
	_, err := check.Parse("checks.yaml", []byte("app: shop\nareas:\n  - id: Api\n    steps:\n      - url: https://a.example/\n        tls:\n          server_name: \"-x-\"\n"))
	if want := `checks.yaml:7: areas[0].steps[0].tls.server_name: "-x-" is not a host name`; err == nil || err.Error() != want {
		t.Errorf("step tls: %v, want %s", err, want)
	}
}

// TestTLSCheckedWhenResolved: PEM that comes from a reference is checked
// once resolved: a private key that is not the certificate's, or a CA that
// is not PEM, fails ResolveSecrets (so the probe function's init) at its
// field. A reference that does not resolve is reported as such, alone.
func TestTLSCheckedWhenResolved(t *testing.T) {
	cert, key := testCert(t, "lookout-probe")
	_, otherKey := testCert(t, "someone else")
	values := map[string]string{"CERT": cert, "KEY": key, "OTHER_KEY": otherKey, "CA": cert, "GARBAGE": "not pem"}
	env := check.ResolverFunc(func(_ context.Context, r check.Ref) (string, error) {
		if v, ok := values[r.Arg]; ok {
			return v, nil
		}
		return "", errors.New("not set")
	})
	ctx := context.Background()
	for _, tc := range []struct {
		name, tls, want string
	}{
		{name: "a matching pair and a CA", tls: "ca: ${env:CA}\nclient_cert: ${env:CERT}\nclient_key: ${env:KEY}"},
		{name: "a literal certificate and its key", tls: "client_cert: " + yamlBlock(cert, 2) + "client_key: ${env:KEY}"},
		{name: "a key that is not the certificate's", tls: "client_cert: ${env:CERT}\nclient_key: ${env:OTHER_KEY}",
			want: "checks.yaml:6: areas[0].tls.client_key: the private key does not match client_cert"},
		{name: "a key that is not PEM", tls: "client_cert: ${env:CERT}\nclient_key: ${env:GARBAGE}",
			want: "checks.yaml:6: areas[0].tls.client_key: not a PEM private key: "},
		{name: "a CA that is not PEM", tls: "ca: ${env:GARBAGE}",
			want: "checks.yaml:5: areas[0].tls.ca: the resolved value holds no PEM certificate"},
		{name: "a key that does not resolve", tls: "client_cert: ${env:CERT}\nclient_key: ${env:MISSING}",
			want: "checks.yaml:6: areas[0].tls.client_key: ${env:MISSING}: not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, resolve := range []func(c *check.Config) error{
				func(c *check.Config) error { return c.ResolveSecrets(ctx, check.Resolvers{check.RefEnv: env}) },
				func(c *check.Config) error {
					return c.ResolveAreaSecrets(ctx, check.Resolvers{check.RefEnv: env}, &c.Areas[0])
				},
			} {
				c, err := check.Parse("checks.yaml", []byte(tlsArea(tc.tls)))
				if err != nil {
					t.Fatal(err)
				}
				err = resolve(c)
				switch {
				case tc.want == "" && err != nil:
					t.Errorf("error: %v", err)
				case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Count(err.Error(), "\n") > 0):
					t.Errorf("error:\n%v\nwant one error:\n%s", err, tc.want)
				}
				if err != nil && (strings.Contains(err.Error(), "PRIVATE KEY") || strings.Contains(err.Error(), "not pem")) {
					t.Errorf("the error shows a value: %v", err)
				}
			}
		})
	}
}

// TestTLSStepsAndFiles: a step's tls block replaces its area's in three
// parts, each whole (trust, identity, server_name); the references of every
// block are listed with the others; Files lists each ca_file once.
func TestTLSStepsAndFiles(t *testing.T) {
	ca, _ := testCert(t, "Internal CA")
	other, _ := testCert(t, "Other CA")
	file := writeChecks(t, `app: shop
areas:
  - id: Api
    tls:
      ca_file: certs/internal-ca.pem
      client_cert: ${secret:shop/mtls#cert}
      client_key: ${secret:shop/mtls#key}
      server_name: api.internal.example
    steps:
      - url: https://10.0.0.7/inherits
      - url: https://10.0.0.7/own-name
        tls: {server_name: other.internal.example}
      - url: https://10.0.0.7/own-trust
        tls:
          ca: `+yamlBlock(other, 12)+`      - url: https://10.0.0.7/own-identity
        tls:
          client_cert: ${ssm:/shop/other-cert}
          client_key: ${ssm:/shop/other-key}
  - id: Admin
    request:
      url: https://admin.internal.example/
      tls: {ca_file: ./certs/internal-ca.pem}
  - id: Public
    request: {url: https://shop.example/}
`, map[string]string{"certs/internal-ca.pem": ca})
	c, err := check.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Files(), []string{"certs/internal-ca.pem"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Files() = %q, want %q", got, want)
	}
	steps := c.Areas[0].AllSteps()
	type view struct{ ca, cert, key, name string }
	got := make([]view, len(steps))
	for i, st := range steps {
		got[i] = view{st.TLS.CAPEM(), st.TLS.ClientCert, st.TLS.ClientKey, st.TLS.ServerName}
	}
	area := view{ca, "${secret:shop/mtls#cert}", "${secret:shop/mtls#key}", "api.internal.example"}
	want := []view{area, area, area, area}
	want[1].name = "other.internal.example"
	want[2].ca = strings.TrimRight(other, "\n") + "\n"
	want[3].cert, want[3].key = "${ssm:/shop/other-cert}", "${ssm:/shop/other-key}"
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d: tls = %+v\nwant %+v", i+1, got[i], want[i])
		}
	}
	if c.Areas[0].Steps[0].TLS != nil {
		t.Error("AllSteps changed the area's own steps")
	}
	if st := c.Areas[2].AllSteps(); st[0].TLS != nil {
		t.Errorf("an area without tls: %+v", st[0].TLS)
	}

	var fields []string
	for _, r := range c.Refs() {
		if strings.Contains(r.Field, ".tls.") {
			fields = append(fields, r.Field+" "+r.Ref.String())
		}
	}
	wantRefs := []string{
		"areas[0].tls.client_cert ${secret:shop/mtls#cert}",
		"areas[0].tls.client_key ${secret:shop/mtls#key}",
		"areas[0].steps[3].tls.client_cert ${ssm:/shop/other-cert}",
		"areas[0].steps[3].tls.client_key ${ssm:/shop/other-key}",
	}
	if !reflect.DeepEqual(fields, wantRefs) {
		t.Errorf("tls references:\n%s\nwant:\n%s", strings.Join(fields, "\n"), strings.Join(wantRefs, "\n"))
	}
}
