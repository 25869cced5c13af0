package check_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// resolvedURL loads a file whose second step requests rawURL (the first
// captures tok, v and h), resolves it with vals and builds the URL with vars.
func resolvedURL(t *testing.T, rawURL string, vals values, vars map[string]string) (*check.Config, string) {
	t.Helper()
	c, err := check.Parse("checks.yaml", []byte(`app: shop
areas:
  - id: A
    steps:
      - url: https://shop.example/
        capture: {tok: {header: X-A}, v: {header: X-B}, h: {header: X-C}}
      - url: '`+rawURL+"'\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ResolveSecrets(context.Background(), check.Resolvers{check.RefEnv: vals}); err != nil {
		t.Fatal(err)
	}
	got, err := c.URL(c.Areas[0].Steps[1].URL, vars)
	if err != nil {
		t.Fatal(err)
	}
	return c, got
}

// TestURLValuesStayInTheirPart: whatever a value holds, it arrives whole in
// the part of the URL its reference stands in, and the host stays the one written.
func TestURLValuesStayInTheirPart(t *testing.T) {
	awkward := []string{"pa/ss", "p@ss", "p:ss", "p#ss", "p?ss", "p%ss", "p ss", "8081/rest", "a&b=c#d", "../admin", "$${x}", "${var:x}", "+plus+"}
	for _, v := range awkward {
		t.Run(v, func(t *testing.T) {
			_, got := resolvedURL(t, "https://${env:USER}:${env:PW}@shop.example:8443/items/${env:V}/x?k=${env:V}&t=${var:tok}#${env:V}",
				values{"USER": "us:er@" + v, "PW": v, "V": v}, map[string]string{"tok": v})
			u, err := url.Parse(got)
			if err != nil {
				t.Fatalf("%s: %v", got, err)
			}
			pw, _ := u.User.Password()
			segs := strings.Split(u.EscapedPath(), "/")
			seg, _ := url.PathUnescape(segs[2])
			if u.Host != "shop.example:8443" || u.User.Username() != "us:er@"+v || pw != v || len(segs) != 4 || seg != v ||
				u.Query().Get("k") != v || u.Query().Get("t") != v || len(u.Query()) != 2 || u.Fragment != v {
				t.Errorf("%s\nhost %q user %q password %q path %q query %q fragment %q", got, u.Host, u.User.Username(), pw, u.EscapedPath(), u.Query(), u.Fragment)
			}
		})
	}
}

// TestADotSegmentNeverClimbs: a value that makes a path segment "." or ".."
// is sent with its dots escaped; dots written in the file stay.
func TestADotSegmentNeverClimbs(t *testing.T) {
	for v, want := range map[string]string{
		"..":       "https://shop.example/a/%2E%2E/b/../c",
		".":        "https://shop.example/a/%2E/b/../c",
		"../admin": "https://shop.example/a/..%2Fadmin/b/../c",
		"...":      "https://shop.example/a/.../b/../c",
	} {
		if _, got := resolvedURL(t, "https://shop.example/a/${var:v}/b/../c", nil, map[string]string{"v": v}); got != want {
			t.Errorf("%q: got %s, want %s", v, got, want)
		}
	}
	if _, got := resolvedURL(t, "https://shop.example/a/.${var:v}", nil, map[string]string{"v": "."}); got != "https://shop.example/a/%2E%2E" {
		t.Errorf("a value completing a dot segment: %s", got)
	}
}

// TestLiteralPathTextKeepsValuesEscaped: text written in the path that a
// URL cannot hold as it is (a space, "${" written as "$${") is encoded, so the
// URL sent keeps a value's "/" escaped inside its segment.
func TestLiteralPathTextKeepsValuesEscaped(t *testing.T) {
	_, got := resolvedURL(t, "https://shop.example/a b/$${x}/${var:v}", nil, map[string]string{"v": "c/d"})
	u, err := url.Parse(got)
	if err != nil || got != "https://shop.example/a%20b/$%7Bx%7D/c%2Fd" || u.EscapedPath() != "/a%20b/$%7Bx%7D/c%2Fd" {
		t.Errorf("%s: path sent %q, %v", got, u.EscapedPath(), err)
	}
}

// TestHostReference: one reference may be the whole host (with the port, when
// the URL writes none); its value must be a host, checked when it is resolved.
func TestHostReference(t *testing.T) {
	for _, c := range []struct{ url, value, want string }{
		{"http://${env:H}/ok", "127.0.0.1:8080", "http://127.0.0.1:8080/ok"},
		{"http://${env:H}:8443/ok", "shop.example", "http://shop.example:8443/ok"},
		{"http://${env:H}?q=1", "[::1]:80", "http://[::1]:80?q=1"},
		{"http://u:${env:PW}@${env:H}", "shop.example.", "http://u:secret-pw@shop.example."},
	} {
		if _, got := resolvedURL(t, c.url, values{"H": c.value, "PW": "secret-pw"}, nil); got != c.want {
			t.Errorf("%s with %q: got %s, want %s", c.url, c.value, got, c.want)
		}
	}
	for _, c := range []struct{ url, value, want string }{
		{"http://${env:H}/", "shop.example/evil", "the value is not a host"},
		{"http://${env:H}/", "user@shop.example", "the value is not a host"},
		{"http://${env:H}/", "fe80::1", "the value is not a host"},
		{"http://${env:H}/", "[shop]", "the value is not a host: the brackets hold no IPv6 address"},
		{"http://${env:H}:8443/", "shop.example:80", "the value holds a port, and the URL writes one after it"},
		{"http://${env:H}/", "shop.example:99999", "the value's port is not a number from 1 to 65535"},
		{"http://${env:H}/", "shop.example:", "the value's port is not a number from 1 to 65535"},
	} {
		cfg, err := check.Parse("checks.yaml", []byte("app: shop\nareas:\n  - id: A\n    request:\n      url: '"+c.url+"'\n"))
		if err != nil {
			t.Fatal(err)
		}
		err = cfg.ResolveSecrets(context.Background(), check.Resolvers{check.RefEnv: values{"H": c.value}})
		want := "checks.yaml:5: areas[0].request.url: ${env:H}: " + c.want
		if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), c.value) {
			t.Errorf("%s with %q: got %v, want %s... (without the value)", c.url, c.value, err, want)
		}
	}
	// A captured value is checked when the URL is built.
	cfg, _ := resolvedURL(t, "http://${var:h}/", nil, map[string]string{"h": "ok.example"})
	if _, err := cfg.URL("http://${var:h}/", map[string]string{"h": "evil.example/x"}); err == nil ||
		err.Error() != "${var:h}: the value is not a host: use a host name, an IP address or a bracketed IPv6 address, optionally with :port" {
		t.Errorf("a captured host: %v", err)
	}
}

// TestResolvedValuesAreVerbatim: a value is put in as it is, never read again
// for references or escapes.
func TestResolvedValuesAreVerbatim(t *testing.T) {
	const odd = "a$${b}c${var:tok}d${env:OTHER}$${"
	c, err := check.Parse("checks.yaml", []byte(`app: shop
areas:
  - id: A
    steps:
      - url: https://shop.example/
        capture: {tok: {header: X-Tok}}
      - method: POST
        url: "https://shop.example/?k=${env:ODD}&t=${var:tok}"
        headers: {X-Key: "${env:ODD} $${kept} ${var:tok}"}
        body: "${env:ODD}"
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ResolveSecrets(context.Background(), check.Resolvers{check.RefEnv: values{"ODD": odd, "OTHER": "other"}}); err != nil {
		t.Fatal(err)
	}
	st := c.Areas[0].Steps[1]
	vars := map[string]string{"tok": "T0K3N"}
	if got := check.ExpandVars(st.Headers["X-Key"], vars); got != odd+" ${kept} T0K3N" {
		t.Errorf("header %q", got)
	}
	if got := check.ExpandVars(st.Body, vars); got != odd {
		t.Errorf("body %q", got)
	}
	if refs := check.FindRefs(st.Body); len(refs) != 0 {
		t.Errorf("references found in a value: %v", refs)
	}
	u, err := c.URL(st.URL, vars)
	if err != nil {
		t.Fatal(err)
	}
	if q, _ := url.Parse(u); q.Query().Get("k") != odd || q.Query().Get("t") != "T0K3N" {
		t.Errorf("url %s", u)
	}
	if got := c.Redact("sent " + odd); got != "sent <redacted>" {
		t.Errorf("the value sent is not the value hidden: %q", got)
	}
}

// TestARunsRedactorIsItsOwn: values a probe hides (captured tokens) are
// hidden in every form too, and do not change the Config's secrets.
func TestARunsRedactorIsItsOwn(t *testing.T) {
	const pw = `p@ss/w:rd#? "x"&=+%`
	c, _ := resolvedURL(t, "https://u:${env:PW}@shop.example/", values{"PW": pw}, nil)
	r := c.Redactor()
	r.Hide("captured-token")
	if got := c.Redact("captured-token"); got != "captured-token" {
		t.Errorf("a value hidden by a run's Redactor changed the Config's: %q", got)
	}
	if got := r.Redact("captured-token " + url.QueryEscape("captured-token/") + " " + pw); got != "<redacted> <redacted>%2F <redacted>" {
		t.Errorf("run redactor: %q", got)
	}
}

// FuzzURLValueKeepsItsPlace: no value moves the host or leaves its part.
func FuzzURLValueKeepsItsPlace(f *testing.F) {
	for _, s := range []string{"8081/x", "a@b:c", "..", "%zz", "a&b=c#d?e", " ", "${var:v}", "$${"} {
		f.Add(s)
	}
	c, err := check.Parse("checks.yaml", []byte("app: shop\nareas: [{id: A, request: {url: 'https://shop.example/'}}]\n"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, v string) {
		vars := map[string]string{"v": v}
		got, err := c.URL("https://u:${var:v}@shop.example:8443/p/${var:v}/q?k=${var:v}&z=1#${var:v}", vars)
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		pw, _ := u.User.Password()
		segs := strings.Split(u.EscapedPath(), "/")
		if u.Host != "shop.example:8443" || pw != v || len(segs) != 4 || segs[3] != "q" || u.Query().Get("k") != v || u.Query().Get("z") != "1" || u.Fragment != v {
			t.Errorf("%q: %s", v, got)
		}
	})
}

// BenchmarkURL builds a step's URL with a password, a path segment and two
// query values, as every probe of it does.
func BenchmarkURL(b *testing.B) {
	c := benchConfig(b, 2)
	vars := map[string]string{"tok": "captured/token&x"}
	for name, raw := range map[string]string{
		"loaded":     c.Areas[0].Request.URL, // parsed once, when the file was loaded
		"not-loaded": "https://u:${env:PW}@shop.example/items/${env:S0}?k=${env:S1}&t=${var:tok}",
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.URL(raw, vars); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
