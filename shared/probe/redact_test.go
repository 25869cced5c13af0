package probe

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// TestSecretsNeverLeak: resolved secrets and a captured token are sent to a
// server that echoes them back in its body, headers, redirects and errors;
// none may appear anywhere in the results, in any form.
func TestSecretsNeverLeak(t *testing.T) {
	const secret = "s3cr3t-key-0042"  // also valid as a DNS label, to reach an error message via the host name
	const odd = `o/d@d:#?&=+ %$${x}"` // sent escaped in URLs: it comes back in those forms
	t.Setenv("LOOKOUT_TEST_KEY", secret)
	t.Setenv("LOOKOUT_TEST_HOST", secret+".invalid")
	t.Setenv("LOOKOUT_TEST_ODD", odd)
	f := newFixture(t)

	// Each area signs in, keeps the token, then sends both where they come back.
	signIn := `      - name: sign in
        method: POST
        url: "{{http}}/signin"
        capture:
          token: {json_path: $.token}
`
	area := func(id, step string) string {
		return "  - id: " + id + "\n    steps:\n" + signIn + indent(step, "      ")
	}
	echo := `- name: echo
  url: "{{http}}/echo/${var:token}/${env:LOOKOUT_TEST_ODD}?key=${env:LOOKOUT_TEST_KEY}&t=${var:token}&o=${env:LOOKOUT_TEST_ODD}"
  headers:
    Authorization: "Bearer ${var:token}"
    X-Api-Key: "${env:LOOKOUT_TEST_KEY} ${env:LOOKOUT_TEST_ODD}"
`
	yaml := "app: test\nareas:\n" +
		area("Status", echo) +
		area("Body", echo+"  status: 500\n  assert:\n    - json_path: $.error\n      equals: fine\n") +
		area("Header", echo+"  status: 500\n  assert:\n    - header: X-Echo\n      matches: '^fine$'\n") +
		area("Contains", echo+"  status: 500\n  assert:\n    - body_contains: fine\n") +
		area("Loop", `- name: loop
  url: "{{http}}/echo-loop/a/${var:token}/${env:LOOKOUT_TEST_KEY}?t=${var:token}&o=${env:LOOKOUT_TEST_ODD}"
`) +
		area("Dns", `- name: dns
  url: "http://${env:LOOKOUT_TEST_HOST}/${var:token}"
`) +
		area("Timeout", `- name: slow
  url: "{{http}}/block?t=${var:token}&k=${env:LOOKOUT_TEST_KEY}"
`)
	yaml = strings.Replace(yaml, "app: test\n", "app: test\ndefaults:\n  timeout: 300ms\n  slow: 100ms\n", 1)
	cfg := parseConfig(t, f.expand(yaml))
	if err := cfg.ResolveSecrets(context.Background(), check.Resolvers{check.RefEnv: check.EnvResolver}); err != nil {
		t.Fatal(err)
	}

	rd := f.prober.Round(context.Background(), cfg, "us-east-1", areasOf(cfg))
	for _, r := range rd.Results {
		t.Logf("%s: %s %s: %s", r.Area, r.Verdict, r.Class, r.Message)
		if r.Verdict != Down || len(r.Steps) != 2 {
			t.Errorf("%s: %s after %d steps (%s), want down at step 2", r.Area, r.Verdict, len(r.Steps), r.Message)
		}
		js, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		text := r.Message
		for _, s := range r.Steps {
			text += " " + s.URL + " " + s.Message
			if s.Name != "sign in" && (strings.Contains(s.URL, "<redacted>") || !strings.Contains(s.URL, "${")) {
				t.Errorf("%s: step URL %q: want the URL as written, with its references", r.Area, s.URL)
			}
		}
		for name, v := range map[string]string{"secret": secret, "odd secret": odd, "captured token": testToken} {
			for _, form := range []string{v, url.PathEscape(v), url.QueryEscape(v), strconv.Quote(v)} {
				if strings.Contains(string(js), form) || strings.Contains(text, form) {
					t.Errorf("%s: the %s leaked into the result as %q: %s", r.Area, name, form, js)
				}
			}
		}
		// Where the server echoes what it was sent, the values were sent and hidden.
		if echoed := r.Area == "Body" || r.Area == "Loop" || r.Area == "Dns"; echoed && !strings.Contains(text, "<redacted>") {
			t.Errorf("%s: nothing was redacted; was the secret sent? %s", r.Area, text)
		}
	}
}

// TestRedactEscapedForms: a captured value comes back URL-escaped in a
// redirect's Location; it is hidden in every form.
func TestRedactEscapedForms(t *testing.T) {
	p := newProber(t, Options{})
	r := p.newRun(parseConfig(t, oneArea("request:\n  url: http://127.0.0.1/\n")), time.Second)
	r.keep("short", "abc")
	r.keep("token", "a b/c+d==")
	for _, s := range []string{
		"token a b/c+d== raw",
		"query ?t=a+b%2Fc%2Bd%3D%3D",
		"path /a%20b%2Fc+d==",
	} {
		if got := r.redact(s); strings.Contains(got, "c+d") || strings.Contains(got, "c%2Bd") || !strings.Contains(got, "<redacted>") {
			t.Errorf("redact(%q) = %q", s, got)
		}
	}
	if got := r.redact("abc is too short to hide"); got != "abc is too short to hide" {
		t.Errorf("a 3-character value was redacted: %q", got)
	}
}
