package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// resolved parses a checks file and resolves its ${env:} references, as the
// probe function does at init.
func resolved(t testing.TB, yaml string) *check.Config {
	t.Helper()
	cfg := parseConfig(t, yaml)
	if err := cfg.ResolveSecrets(context.Background(), check.Resolvers{check.RefEnv: check.EnvResolver}); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// block writes PEM as a YAML block scalar indented by n spaces.
func block(pem string, n int) string {
	return "|\n" + indent(pem, strings.Repeat(" ", n))
}

// TestPrivateCA: a tls block's CA is trusted by its area's steps, besides the
// prober's roots (the "system" CA here) and not instead of them, and by no
// other area: it is added to a copy of the roots.
func TestPrivateCA(t *testing.T) {
	system, private := newPKI(t), newPKI(t)
	now := time.Now()
	local := []string{"127.0.0.1"}
	public := startTarget(t, system.leaf(local, now.Add(-time.Hour), now.Add(24*time.Hour), false))
	internal := startTarget(t, private.leaf(local, now.Add(-time.Hour), now.Add(24*time.Hour), false))
	t.Setenv("LOOKOUT_TEST_CA", private.caPEM())
	p := newProber(t, Options{Roots: system.roots})

	both := `
  - url: ` + internal.URL + `/ok
  - url: ` + public.URL + `/ok`
	cases := []struct {
		name    string
		area    string
		verdict Verdict
		class   Class
		msg     string
	}{
		{name: "without the private CA", verdict: Down, class: ClassTLSUntrusted, msg: "unknown authority (Lookout Test CA)", area: `
request:
  url: ` + internal.URL + `/ok`},
		{name: "CA from a reference, system roots alongside", verdict: Up, area: `
tls:
  ca: ${env:LOOKOUT_TEST_CA}
steps:` + both},
		{name: "CA inline", verdict: Up, area: `
tls:
  ca: ` + block(private.caPEM(), 4) + `
steps:` + both},
		{name: "CA of one step only", verdict: Down, class: ClassTLSUntrusted, msg: `step "step 2": certificate signed by an unknown authority`, area: `
steps:
  - url: ` + internal.URL + `/ok
    tls:
      ca: ${env:LOOKOUT_TEST_CA}
  - url: ` + internal.URL + `/ok`},
		{name: "CA along a redirect to another host", verdict: Up, area: `
tls:
  ca: ${env:LOOKOUT_TEST_CA}
request:
  url: ` + public.URL + `/goto?u=` + internal.URL + `/ok`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := resolved(t, oneArea(tc.area)+"  - id: Other\n    request:\n      url: "+internal.URL+"/ok\n")
			rd := p.Round(context.Background(), cfg, "us-east-1", areasOf(cfg))
			r := rd.Results[0]
			t.Logf("%s %s: %s", r.Verdict, r.Class, r.Message)
			if r.Verdict != tc.verdict || r.Class != tc.class || !strings.Contains(r.Message, tc.msg) {
				t.Errorf("verdict, class, message = %s, %q, %q; want %s, %q, %q", r.Verdict, r.Class, r.Message, tc.verdict, tc.class, tc.msg)
			}
			// The area beside it has no tls block: the private CA is not its.
			if o := rd.Results[1]; o.Class != ClassTLSUntrusted {
				t.Errorf("the other area: %s %s: %s; want %s", o.Verdict, o.Class, o.Message, ClassTLSUntrusted)
			}
		})
	}
}

// TestCAFile: ca_file is read relative to the checks file's directory, when
// the file is loaded.
func TestCAFile(t *testing.T) {
	ca := newPKI(t)
	now := time.Now()
	tg := startTarget(t, ca.leaf([]string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(24*time.Hour), false))
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "certs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "certs", "internal-ca.pem"), []byte(ca.caPEM()), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "checks.yaml")
	if err := os.WriteFile(file, []byte(oneArea("tls:\n  ca_file: certs/internal-ca.pem\nrequest:\n  url: "+tg.URL+"/ok\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := check.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	// The file is read once, at load: removing it changes nothing.
	if err := os.RemoveAll(filepath.Join(dir, "certs")); err != nil {
		t.Fatal(err)
	}
	p := newProber(t, Options{Roots: newPKI(t).roots})
	if r := p.Probe(context.Background(), cfg, &cfg.Areas[0]); r.Verdict != Up {
		t.Errorf("%s %s: %s", r.Verdict, r.Class, r.Message)
	}
}

// TestMutualTLS: the configured client certificate is presented to a server
// that requires one; a certificate it does not accept, or none, fails as a
// TLS failure that says which; a step's identity replaces its area's.
func TestMutualTLS(t *testing.T) {
	servers, clients, strangers := newPKI(t), newPKI(t), newPKI(t)
	now := time.Now()
	serverCert := servers.leaf([]string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(24*time.Hour), false)
	good, bad := clients.client("lookout-probe"), strangers.client("stranger")
	t.Setenv("LOOKOUT_TEST_CERT", certPEM(good))
	t.Setenv("LOOKOUT_TEST_KEY", keyPEM(t, good))
	t.Setenv("LOOKOUT_TEST_BAD_CERT", certPEM(bad))
	t.Setenv("LOOKOUT_TEST_BAD_KEY", keyPEM(t, bad))
	elsewhere := startTarget(t, nil)
	p := newProber(t, Options{Roots: servers.roots})

	identity := "tls:\n  client_cert: ${env:LOOKOUT_TEST_CERT}\n  client_key: ${env:LOOKOUT_TEST_KEY}\n"
	stranger := "tls:\n  client_cert: ${env:LOOKOUT_TEST_BAD_CERT}\n  client_key: ${env:LOOKOUT_TEST_BAD_KEY}\n"
	for _, v := range []struct {
		name    string
		version uint16
	}{{"TLS 1.3", tls.VersionTLS13}, {"TLS 1.2", tls.VersionTLS12}} {
		srv := mtlsServer(t, serverCert, clients.roots, v.version)
		cases := []struct {
			name    string
			area    string
			verdict Verdict
			class   Class
			msg     string
		}{
			{name: "client certificate from references", verdict: Up, area: identity + `
request:
  url: ` + srv.URL + `/
  assert:
    - body_contains: client lookout-probe`},
			{name: "client certificate inline, key from a reference", verdict: Up, area: `
tls:
  client_cert: ` + block(certPEM(good), 4) + `
  client_key: ${env:LOOKOUT_TEST_KEY}
request:
  url: ` + srv.URL + `/`},
			{name: "a certificate the server does not accept", verdict: Down, class: ClassTLS,
				msg: "the server refused the client certificate of tls.client_cert (tls: ", area: stranger + `
request:
  url: ` + srv.URL + `/`},
			{name: "the step's identity over the area's", verdict: Up, area: stranger + `
steps:
  - url: ` + srv.URL + `/
    tls:
      client_cert: ${env:LOOKOUT_TEST_CERT}
      client_key: ${env:LOOKOUT_TEST_KEY}
    assert:
      - body_contains: client lookout-probe`},
			{name: "no client certificate", verdict: Down, class: ClassTLS,
				msg: "the server requires a client certificate (none configured: see tls.client_cert)", area: `
request:
  url: ` + srv.URL + `/`},
			{name: "the client certificate along a redirect to another host", verdict: Up, area: identity + `
request:
  url: ` + elsewhere.URL + `/goto?u=` + srv.URL + `/
  assert:
    - body_contains: client lookout-probe`},
		}
		for _, tc := range cases {
			t.Run(v.name+"/"+tc.name, func(t *testing.T) {
				cfg := resolved(t, oneArea(tc.area))
				r := p.Probe(context.Background(), cfg, &cfg.Areas[0])
				t.Logf("%s %s: %s", r.Verdict, r.Class, r.Message)
				if r.Verdict != tc.verdict || r.Class != tc.class || !strings.Contains(r.Message, tc.msg) {
					t.Errorf("verdict, class, message = %s, %q, %q; want %s, %q, %q", r.Verdict, r.Class, r.Message, tc.verdict, tc.class, tc.msg)
				}
			})
		}
	}
}

// TestServerName: server_name is the name sent and verified instead of the
// URL's host.
func TestServerName(t *testing.T) {
	ca := newPKI(t)
	now := time.Now()
	tg := startTarget(t, ca.leaf([]string{"api.internal.example"}, now.Add(-time.Hour), now.Add(24*time.Hour), false))
	p := newProber(t, Options{Roots: ca.roots})
	for _, tc := range []struct {
		name  string
		area  string
		class Class
	}{
		{name: "verified against server_name", area: "tls:\n  server_name: api.internal.example\nrequest:\n  url: " + tg.URL + "/ok\n"},
		{name: "verified against the URL's host", class: ClassTLSHostname, area: "request:\n  url: " + tg.URL + "/ok\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := resolved(t, oneArea(tc.area))
			if r := p.Probe(context.Background(), cfg, &cfg.Areas[0]); r.Class != tc.class {
				t.Errorf("%s %s: %s; want class %q", r.Verdict, r.Class, r.Message, tc.class)
			}
		})
	}
}

// TestTLSMaterialBuiltOnce: the CA pool and client certificate of a tls
// block are parsed once per Prober, whichever area or step holds the block.
func TestTLSMaterialBuiltOnce(t *testing.T) {
	ca, clients := newPKI(t), newPKI(t)
	c := clients.client("probe")
	p := newProber(t, Options{Roots: ca.roots})
	settings := func() *check.TLS {
		return &check.TLS{CA: ca.caPEM(), ClientCert: certPEM(c), ClientKey: keyPEM(t, c), ServerName: "a.example"}
	}
	first, err := p.tlsMaterial(settings())
	if err != nil || first == nil || first.roots == nil || first.cert == nil {
		t.Fatalf("tlsMaterial = %+v, %v", first, err)
	}
	if again, _ := p.tlsMaterial(settings()); again != first {
		t.Error("the same settings were parsed again")
	}
	if other, _ := p.tlsMaterial(&check.TLS{CA: clients.caPEM()}); other == first {
		t.Error("other settings got the same material")
	}
	if none, err := p.tlsMaterial(&check.TLS{ServerName: "a.example"}); none != nil || err != nil {
		t.Errorf("a block without CA or certificate: %+v, %v", none, err)
	}
}

// BenchmarkTLSMaterial measures what a tls block costs a probe: found in the
// Prober's cache (every probe after the first), and built (the first probe:
// the system roots copied, the CA and the client certificate parsed).
func BenchmarkTLSMaterial(b *testing.B) {
	roots, err := x509.SystemCertPool()
	if err != nil {
		b.Skip(err)
	}
	ca, clients := newPKI(b), newPKI(b)
	c := clients.client("probe")
	settings := &check.TLS{CA: ca.caPEM(), ClientCert: certPEM(c), ClientKey: keyPEM(b, c)}
	b.Run("cached", func(b *testing.B) {
		p := newProber(b, Options{Roots: roots})
		if _, err := p.tlsMaterial(settings); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.tlsMaterial(settings); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("built", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p := &Prober{roots: roots}
			if _, err := p.tlsMaterial(settings); err != nil {
				b.Fatal(err)
			}
		}
	})
}
