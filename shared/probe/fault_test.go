package probe

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/dnstest"
)

// fixture is the fault target over plain HTTP and over TLS with good and bad
// certificates, a refused address, and a prober that trusts the test CA and
// resolves names through a DNS server that knows none.
type fixture struct {
	pki                                 *pki
	http, https                         *target
	expired, selfSigned, wrongHost, exp *target
	refused                             string
	prober                              *Prober
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	now := time.Now()
	day := 24 * time.Hour
	p := newPKI(t)
	local := []string{"127.0.0.1", "localhost"}
	f := &fixture{
		pki:        p,
		http:       startTarget(t, nil),
		https:      startTarget(t, p.leaf(local, now.Add(-day), now.Add(365*day), false)),
		expired:    startTarget(t, p.leaf(local, now.Add(-30*day), now.Add(-3*day-time.Hour), false)),
		selfSigned: startTarget(t, p.leaf(local, now.Add(-day), now.Add(365*day), true)),
		wrongHost:  startTarget(t, p.leaf([]string{"other.example"}, now.Add(-day), now.Add(365*day), false)),
		exp:        startTarget(t, p.leaf(local, now.Add(-day), now.Add(5*day), false)),
		refused:    refusedAddr(t),
	}
	var err error
	f.prober, err = New(Options{Roots: p.roots, Resolver: dnstest.Resolver(t, nil)}) // every name is NXDOMAIN
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// expand fills the placeholders of a test checks file with the fixture's URLs.
func (f *fixture) expand(s string) string {
	return strings.NewReplacer(
		"{{http}}", f.http.URL,
		"{{https}}", f.https.URL,
		"{{expired}}", f.expired.URL,
		"{{selfsigned}}", f.selfSigned.URL,
		"{{wronghost}}", f.wrongHost.URL,
		"{{expiring}}", f.exp.URL,
		"{{refused}}", "http://"+f.refused,
		"{{tls-on-http}}", strings.Replace(f.http.URL, "http://", "https://", 1),
	).Replace(s)
}

// parseConfig loads a checks file from YAML the way the CLI and Lambda do.
func parseConfig(t testing.TB, yaml string) *check.Config {
	t.Helper()
	cfg, err := check.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("check.Parse:\n%v\n--- yaml:\n%s", err, yaml)
	}
	return cfg
}

// oneArea is a checks file with one area (id A) whose body is given at column 0.
func oneArea(area string) string {
	return "app: test\ndefaults:\n  timeout: 5s\n  slow: 2s\n  body_limit: 1KiB\nareas:\n  - id: A\n" + indent(area, "    ")
}

func indent(s, by string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = by + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestFaultMatrix injects one fault per case and checks the verdict, the error
// class and the message of the result.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		name    string
		area    string // YAML of area A, placeholders as in fixture.expand
		verdict Verdict
		class   Class
		msg     string // the message contains this
		check   func(t *testing.T, r Result)
	}{
		{name: "up", verdict: Up, area: `
request:
  url: "{{http}}/ok"
  assert:
    - body_contains: Boards
    - header: X-Version
      matches: '^1\.2\.'
`},
		{name: "slow response is slow, not down", verdict: Slow, msg: "slow above 100ms", area: `
slow: 100ms
request:
  url: "{{http}}/sleep?d=150ms"
`},
		{name: "no response in time is a timeout", verdict: Down, class: ClassTimeout, msg: "timed out after 300ms waiting for the response", area: `
timeout: 300ms
slow: 100ms
request:
  url: "{{http}}/block"
`},
		{name: "slow body is a timeout", verdict: Down, class: ClassTimeout, msg: "timed out after 300ms reading the body", area: `
timeout: 300ms
slow: 100ms
request:
  url: "{{http}}/slowbody"
`},
		{name: "unknown host", verdict: Down, class: ClassDNS, msg: "cannot resolve nothing.invalid: no such host", area: `
request:
  url: "http://nothing.invalid/"
`},
		{name: "refused", verdict: Down, class: ClassRefused, msg: "connection refused by " + f.refused, area: `
request:
  url: "{{refused}}/"
`},
		{name: "reset", verdict: Down, class: ClassReset, msg: "connection reset by 127.0.0.1:", area: `
request:
  url: "{{http}}/reset"
`},
		{name: "closed without a response", verdict: Down, class: ClassReset, msg: "without a response", area: `
request:
  url: "{{http}}/close"
`},
		{name: "expired certificate", verdict: Down, class: ClassTLSExpired, msg: "certificate expired 3 days ago", area: `
request:
  url: "{{expired}}/ok"
`},
		{name: "self-signed certificate", verdict: Down, class: ClassTLSUntrusted, msg: "self-signed certificate is not trusted", area: `
request:
  url: "{{selfsigned}}/ok"
`},
		{name: "certificate for another host", verdict: Down, class: ClassTLSHostname, msg: "certificate is not valid for 127.0.0.1 (it is for other.example)", area: `
request:
  url: "{{wronghost}}/ok"
`},
		{name: "not TLS at all", verdict: Down, class: ClassTLS, msg: "TLS handshake with 127.0.0.1:", area: `
request:
  url: "{{tls-on-http}}/ok"
`},
		{name: "certificate expiring soon", verdict: Down, class: ClassTLSExpiring, msg: "want at least 30", area: `
request:
  url: "{{expiring}}/ok"
  assert:
    - tls_days_left: 30
`, check: func(t *testing.T, r Result) {
			if d := r.Steps[0].CertDays; d < 4.9 || d > 5 {
				t.Errorf("CertDays = %v, want about 5", d)
			}
		}},
		{name: "certificate with days to spare", verdict: Up, area: `
request:
  url: "{{https}}/ok"
  assert:
    - tls_days_left: 30
`, check: func(t *testing.T, r Result) {
			if d := r.Steps[0].CertDays; d < 364 || d > 365 {
				t.Errorf("CertDays = %v, want about 365", d)
			}
		}},
		{name: "wrong status", verdict: Down, class: ClassHTTPStatus, msg: "status 503, want 2xx", area: `
request:
  url: "{{http}}/status/503"
`, check: func(t *testing.T, r Result) {
			if r.Status != 503 {
				t.Errorf("Status = %d, want 503", r.Status)
			}
		}},
		{name: "expected status outside 2xx", verdict: Up, area: `
request:
  url: "{{http}}/status/404"
  status: [200, 404]
`},
		{name: "body lacks text", verdict: Down, class: ClassAssertion, msg: `body does not contain "Dashboard"`, area: `
request:
  url: "{{http}}/ok"
  assert:
    - body_contains: Dashboard
`},
		{name: "body has forbidden text", verdict: Down, class: ClassAssertion, msg: `body contains "Boards"`, area: `
request:
  url: "{{http}}/ok"
  assert:
    - body_not_contains: Boards
`},
		{name: "body does not match", verdict: Down, class: ClassAssertion, msg: `body does not match "^<h2>"`, area: `
request:
  url: "{{http}}/ok"
  assert:
    - body_regex: "^<h2>"
`},
		{name: "JSON values equal", verdict: Up, area: `
request:
  url: "{{http}}/json"
  assert:
    - json_path: $.status
      equals: ok
    - json_path: $.big
      equals: 12345678901234567890
    - json_path: $.ratio
      equals: 1.50
    - json_path: $.small
      equals: 0.1
    - json_path: $.none
      equals: null
    - json_path: $.flag
      equals: true
    - json_path: $.items
      equals: [1, 2, 3.0]
    - json_path: $.user
      equals: {name: ada, id: 7}
    - json_path: $.user.id
      exists: true
    - json_path: $.user.email
      exists: false
    - json_path: $.items[?@ > 2]
`},
		{name: "JSON value differs", verdict: Down, class: ClassAssertion, msg: `$.status is "ok", want "degraded"`, area: `
request:
  url: "{{http}}/json"
  assert:
    - json_path: $.status
      equals: degraded
`},
		{name: "JSON big number differs in the last digit", verdict: Down, class: ClassAssertion, msg: `$.big is 12345678901234567890, want 12345678901234567891`, area: `
request:
  url: "{{http}}/json"
  assert:
    - json_path: $.big
      equals: 12345678901234567891
`},
		{name: "JSON value missing", verdict: Down, class: ClassAssertion, msg: "$.user.email matched nothing", area: `
request:
  url: "{{http}}/json"
  assert:
    - json_path: $.user.email
`},
		{name: "JSON value present that must not be", verdict: Down, class: ClassAssertion, msg: "$.user exists, want none", area: `
request:
  url: "{{http}}/json"
  assert:
    - json_path: $.user
      exists: false
`},
		{name: "body is not JSON", verdict: Down, class: ClassAssertion, msg: "$.status: body is not JSON", area: `
request:
  url: "{{http}}/ok"
  assert:
    - json_path: $.status
      equals: ok
`},
		{name: "header does not match", verdict: Down, class: ClassAssertion, msg: `header X-Version does not match "^2\\."`, area: `
request:
  url: "{{http}}/ok"
  assert:
    - header: X-Version
      matches: '^2\.'
`},
		{name: "header missing", verdict: Down, class: ClassAssertion, msg: "header X-Request-Id missing", area: `
request:
  url: "{{http}}/ok"
  assert:
    - header: X-Request-Id
`},
		{name: "slower than max_latency", verdict: Down, class: ClassAssertion, msg: "max_latency 50ms", area: `
request:
  url: "{{http}}/sleep?d=100ms"
  assert:
    - max_latency: 50ms
`},
		{name: "body too large", verdict: Down, class: ClassBodyTooLarge, msg: "body larger than 1KiB", area: `
request:
  url: "{{http}}/big"
`, check: func(t *testing.T, r Result) {
			if got := r.Steps[0].BodyBytes; got != 1025 {
				t.Errorf("BodyBytes = %d, want the limit+1 = 1025 read", got)
			}
		}},
		{name: "redirect loop", verdict: Down, class: ClassRedirectLoop,
			msg: "redirect loop: " + f.http.URL + "/loop/a -> " + f.http.URL + "/loop/b -> " + f.http.URL + "/loop/a", area: `
request:
  url: "{{http}}/loop/a"
`},
		{name: "too many redirects", verdict: Down, class: ClassRedirectLoop, msg: "more than 3 redirects", area: `
request:
  url: "{{http}}/chain/5"
  max_redirects: 3
`},
		{name: "redirects followed", verdict: Up, area: `
request:
  url: "{{http}}/chain/2"
  assert:
    - body_contains: Boards
`, check: func(t *testing.T, r Result) {
			if r.Steps[0].Redirects != 3 || r.Status != 200 {
				t.Errorf("Redirects, Status = %d, %d; want 3, 200", r.Steps[0].Redirects, r.Status)
			}
		}},
		{name: "redirects not followed with max_redirects 0", verdict: Up, area: `
request:
  url: "{{http}}/chain/2"
  max_redirects: 0
  status: 302
`},
		{name: "redirect not followed is checked against status", verdict: Down, class: ClassHTTPStatus, msg: "status 302, want 2xx", area: `
request:
  url: "{{http}}/chain/2"
  max_redirects: 0
`},
		{name: "303 after POST becomes GET without body", verdict: Up, area: `
request:
  method: POST
  url: "{{http}}/see-other"
  body: "a=1"
  assert:
    - json_path: $.method
      equals: GET
    - json_path: $.body
      equals: ""
`},
		{name: "307 keeps method and body", verdict: Up, area: `
request:
  method: POST
  url: "{{http}}/temporary"
  body: "a=1"
  assert:
    - json_path: $.method
      equals: POST
    - json_path: $.body
      equals: "a=1"
`},
		{name: "capture finds nothing", verdict: Down, class: ClassCapture, msg: `step "sign in": capture "token": $.access_token matched nothing`, area: `
steps:
  - name: sign in
    method: POST
    url: "{{http}}/signin"
    body: '{"user":"monitor"}'
    capture:
      token: {json_path: $.access_token}
  - name: boards
    url: "{{http}}/api"
    headers:
      Authorization: "Bearer ${var:token}"
`, check: func(t *testing.T, r Result) {
			if len(r.Steps) != 1 {
				t.Errorf("ran %d steps, want the failing step only", len(r.Steps))
			}
		}},
		{name: "sign in, keep the token, call the API", verdict: Up, area: `
steps:
  - name: sign in
    method: POST
    url: "{{https}}/signin"
    body: '{"user":"monitor"}'
    headers:
      Content-Type: application/json
    capture:
      token: {json_path: $.token}
      ttl: {regex: '"expires_in":(\d+)'}
  - name: boards
    url: "{{https}}/api?ttl=${var:ttl}"
    headers:
      Authorization: "Bearer ${var:token}"
    assert:
      - json_path: $.ok
        equals: true
      - json_path: $.boards[0].id
        equals: 1
`, check: func(t *testing.T, r Result) {
			if len(r.Steps) != 2 || r.Steps[1].Status != 200 {
				t.Errorf("steps = %+v", r.Steps)
			}
			if r.Steps[1].URL != f.https.URL+"/api?ttl=${var:ttl}" {
				t.Errorf("step URL = %q, want it as written, captured values unexpanded", r.Steps[1].URL)
			}
		}},
		{name: "API without the token", verdict: Down, class: ClassHTTPStatus, msg: `step "boards": status 401, want 2xx`, area: `
steps:
  - name: sign in
    method: POST
    url: "{{http}}/signin"
    capture:
      token: {json_path: $.expires_in}
  - name: boards
    url: "{{http}}/api"
    headers:
      Authorization: "Bearer ${var:token}"
`},
		{name: "credentials follow a redirect to the same host", verdict: Up, area: `
steps:
  - name: sign in
    method: POST
    url: "{{http}}/signin"
    capture:
      token: {json_path: $.token}
  - name: redirected
    url: "{{http}}/goto?u=/headers"
    headers:
      Authorization: "Bearer ${var:token}"
    assert:
      - json_path: $.authorization
        equals: "Bearer ` + testToken + `"
      - json_path: $.user_agent
        equals: "` + check.DefaultUserAgent + `"
`},
		{name: "credentials do not follow a redirect to another host", verdict: Up, area: `
steps:
  - name: sign in
    method: POST
    url: "{{http}}/signin"
    capture:
      token: {json_path: $.token}
  - name: redirected
    url: "{{http}}/goto?u={{https}}/headers"
    headers:
      Authorization: "Bearer ${var:token}"
    assert:
      - json_path: $.authorization
        equals: ""
`},
		{name: "a secret body does not follow a redirect to another host", verdict: Down, class: ClassRedirectRefused,
			msg: "302 redirect to " + f.https.URL + " not followed: the request body holds a secret", area: `
steps:
  - name: sign in
    method: POST
    url: "{{http}}/signin"
    capture:
      token: {json_path: $.token}
  - name: redirected
    method: PUT
    url: "{{http}}/goto?u={{https}}/method"
    body: "token=${var:token}"
`},
		{name: "malformed response", verdict: Down, class: ClassOther, msg: "malformed HTTP response", area: `
request:
  url: "{{http}}/garbage"
`},
	}
	// Every class a probe can give has a case here, but these:
	// Abstentions: TestRoundStopsWhenCancelled, TestRoundAbstainsWhenControlFails, TestNotRunSaysWhy.
	// A certificate not valid yet needs the prober's clock: TestCertificateNotYetValid.
	covered := map[Class]bool{ClassControlFailed: true, ClassNotProbed: true, ClassNotRun: true, ClassTLSNotYetValid: true}
	for _, tc := range cases {
		covered[tc.class] = true
	}
	for _, c := range Classes {
		if !covered[c] {
			t.Errorf("class %q has no case in the fault matrix", c)
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := parseConfig(t, f.expand(oneArea(tc.area)))
			r := f.prober.Probe(context.Background(), cfg, &cfg.Areas[0])
			t.Logf("%s %s: %s", r.Verdict, r.Class, r.Message)
			if r.Verdict != tc.verdict || r.Class != tc.class {
				t.Errorf("verdict, class = %s, %q; want %s, %q (message %q)", r.Verdict, r.Class, tc.verdict, tc.class, r.Message)
			}
			if !strings.Contains(r.Message, tc.msg) {
				t.Errorf("message %q does not contain %q", r.Message, tc.msg)
			}
			if tc.class == ClassNone && tc.verdict != Slow && r.Message != "" {
				t.Errorf("message %q on a passing probe", r.Message)
			}
			if r.Area != "A" || r.Name != "A" || len(r.Steps) == 0 || r.Started.IsZero() {
				t.Errorf("result not filled in: %+v", r)
			}
			if last := r.Steps[len(r.Steps)-1]; last.Class != r.Class {
				t.Errorf("last step class %q, result class %q", last.Class, r.Class)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// TestEveryClassIsDescribed: the CLI and docs explain every class.
func TestEveryClassIsDescribed(t *testing.T) {
	for _, c := range append([]Class{ClassNone}, Classes...) {
		if d := c.Describe(); d == "" || d == "unknown class" {
			t.Errorf("class %q has no description", c)
		}
	}
	if Class("nonsense").Describe() != "unknown class" {
		t.Error("an unknown class has a description")
	}
}
