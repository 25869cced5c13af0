package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// TestSecretsNeverLeak: a resolved secret and a captured token are sent to a
// server that echoes them back in its body, headers, redirects and errors;
// neither may appear anywhere in the results.
func TestSecretsNeverLeak(t *testing.T) {
	const secret = "s3cr3t-key-0042" // also valid as a DNS label, to reach an error message via the host name
	t.Setenv("LOOKOUT_TEST_KEY", secret)
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
  url: "{{http}}/echo/${var:token}?key=${env:LOOKOUT_TEST_KEY}&t=${var:token}"
  headers:
    Authorization: "Bearer ${var:token}"
    X-Api-Key: "${env:LOOKOUT_TEST_KEY}"
`
	yaml := "app: test\nareas:\n" +
		area("Status", echo) +
		area("Body", echo+"  status: 500\n  assert:\n    - json_path: $.error\n      equals: fine\n") +
		area("Header", echo+"  status: 500\n  assert:\n    - header: X-Echo\n      matches: '^fine$'\n") +
		area("Contains", echo+"  status: 500\n  assert:\n    - body_contains: fine\n") +
		area("Loop", `- name: loop
  url: "{{http}}/echo-loop/a/${var:token}/${env:LOOKOUT_TEST_KEY}?t=${var:token}"
`) +
		area("Dns", `- name: dns
  url: "http://${env:LOOKOUT_TEST_KEY}.invalid/${var:token}"
`) +
		area("Timeout", `- name: slow
  url: "{{http}}/block?t=${var:token}&k=${env:LOOKOUT_TEST_KEY}"
`)
	yaml = strings.Replace(yaml, "app: test\n", "app: test\ndefaults:\n  timeout: 1s\n  slow: 500ms\n", 1)
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
		for name, v := range map[string]string{"secret": secret, "captured token": testToken} {
			if strings.Contains(string(js), v) {
				t.Errorf("%s: the %s leaked into the result: %s", r.Area, name, js)
			}
		}
		if !strings.Contains(string(js), "<redacted>") && r.Area != "Status" && r.Area != "Header" {
			t.Errorf("%s: nothing was redacted; was the secret sent? %s", r.Area, js)
		}
	}
	// The server did get the real values: the redaction is in the results only.
	if got := fmt.Sprint(f.http.requests.Load()); got == "0" {
		t.Error("no request reached the server")
	}
}
