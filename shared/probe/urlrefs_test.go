package probe

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// seen is what a recording server was sent.
type seen struct {
	user, password string
	path           string // escaped, as sent
	query          url.Values
	key, body      string
}

// recorder is an HTTP server on 127.0.0.1 that records every request and
// answers 200, or the token {"token": ...} on /signin.
type recorder struct {
	*httptest.Server
	token string
	mu    sync.Mutex
	got   []seen
}

func newRecorder(t *testing.T, token string) *recorder {
	rec := &recorder{token: token}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		user, pw, _ := r.BasicAuth()
		rec.mu.Lock()
		rec.got = append(rec.got, seen{user: user, password: pw, path: r.URL.EscapedPath(), query: r.URL.Query(), key: r.Header.Get("X-Key"), body: string(body)})
		rec.mu.Unlock()
		if r.URL.Path == "/signin" {
			json.NewEncoder(w).Encode(map[string]string{"token": rec.token})
		}
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (rec *recorder) requests() []seen {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seen(nil), rec.got...)
}

func (rec *recorder) addr() string { return strings.TrimPrefix(rec.URL, "http://") }

// probeArea loads yaml, resolves its ${env:} references and probes its one area.
func probeArea(t *testing.T, yaml string) Result {
	t.Helper()
	cfg := parseConfig(t, yaml)
	if err := cfg.ResolveSecrets(context.Background(), check.Resolvers{check.RefEnv: check.EnvResolver}); err != nil {
		t.Fatal(err)
	}
	return newProber(t, Options{}).Probe(context.Background(), cfg, &cfg.Areas[0])
}

// TestAPasswordCannotMoveTheProbe: a URL password reaches the host written in
// the file, whole, whatever it holds. With the user 127.0.0.1, a password
// "<port>/rest" pasted as it is would make the probe ask 127.0.0.1:<port>,
// another server, and report the area up.
func TestAPasswordCannotMoveTheProbe(t *testing.T) {
	target, decoy := newRecorder(t, ""), newRecorder(t, "")
	decoyPort := decoy.URL[strings.LastIndexByte(decoy.URL, ':')+1:]
	for _, pw := range []string{decoyPort + "/rest", "pa/ss", "p@ss", "pa:ss", "p#ss", "p?ss", "p%41ss", "pa ss", "p$${x}ss"} {
		t.Run(pw, func(t *testing.T) {
			t.Setenv("LOOKOUT_TEST_PW", pw)
			before, decoyBefore := len(target.requests()), len(decoy.requests())
			template := "http://127.0.0.1:${env:LOOKOUT_TEST_PW}@" + target.addr() + "/admin"
			res := probeArea(t, oneArea("request:\n  url: '"+template+"'\n"))
			got := target.requests()[before:]
			if res.Verdict != Up || len(got) != 1 || got[0].user != "127.0.0.1" || got[0].password != pw || got[0].path != "/admin" {
				t.Errorf("%s %s: %s; the configured host saw %+v", res.Verdict, res.Class, res.Message, got)
			}
			if n := len(decoy.requests()) - decoyBefore; n != 0 {
				t.Errorf("the password moved the probe to another host: %d requests there", n)
			}
			if res.Steps[0].URL != template {
				t.Errorf("step URL %q, want the URL as written", res.Steps[0].URL)
			}
			js, _ := json.Marshal(res)
			for _, form := range []string{pw, url.PathEscape(pw), url.QueryEscape(pw), url.UserPassword("", pw).String()} {
				if strings.Contains(string(js), form) {
					t.Errorf("the password shows in the result as %q: %s", form, js)
				}
			}
		})
	}
}

// TestValuesStayInTheirPart: captured values and secrets in a path segment
// and in a query arrive whole in their part, never adding segments or parameters.
func TestValuesStayInTheirPart(t *testing.T) {
	t.Setenv("LOOKOUT_TEST_SEG", "../a/b")
	t.Setenv("LOOKOUT_TEST_Q", "v&w=1#f")
	for captured, wantPath := range map[string]string{
		"a/b":      "/items/a%2Fb/..%2Fa%2Fb",
		"..":       "/items/%2E%2E/..%2Fa%2Fb",
		".":        "/items/%2E/..%2Fa%2Fb",
		"../admin": "/items/..%2Fadmin/..%2Fa%2Fb",
		"a b?c#d":  "/items/a%20b%3Fc%23d/..%2Fa%2Fb",
	} {
		t.Run(captured, func(t *testing.T) {
			srv := newRecorder(t, captured)
			res := probeArea(t, oneArea(`steps:
  - url: "`+srv.URL+`/signin"
    capture: {v: {json_path: $.token}}
  - url: "`+srv.URL+`/items/${var:v}/${env:LOOKOUT_TEST_SEG}?q=${env:LOOKOUT_TEST_Q}&t=${var:v}"
`))
			got := srv.requests()
			if res.Verdict != Up || len(got) != 2 {
				t.Fatalf("%s: %s; server saw %+v", res.Verdict, res.Message, got)
			}
			if s := got[1]; s.path != wantPath || s.query.Get("q") != "v&w=1#f" || s.query.Get("t") != captured || len(s.query) != 2 {
				t.Errorf("server saw path %q query %q", s.path, s.query)
			}
		})
	}
}

// TestSecretsAreSentVerbatim: a resolved value holding "$${" or what looks
// like a reference is sent exactly as it is, in headers, bodies and URLs.
func TestSecretsAreSentVerbatim(t *testing.T) {
	const odd = "k$${x}y${var:token}z$${"
	t.Setenv("LOOKOUT_TEST_ODD", odd)
	srv := newRecorder(t, "captured-token")
	res := probeArea(t, oneArea(`steps:
  - url: "`+srv.URL+`/signin"
    capture: {token: {json_path: $.token}}
  - method: POST
    url: "`+srv.URL+`/api?k=${env:LOOKOUT_TEST_ODD}"
    headers: {X-Key: "${env:LOOKOUT_TEST_ODD}"}
    body: "${env:LOOKOUT_TEST_ODD} ${var:token}"
`))
	got := srv.requests()
	if res.Verdict != Up || len(got) != 2 {
		t.Fatalf("%s: %s", res.Verdict, res.Message)
	}
	if s := got[1]; s.key != odd || s.body != odd+" captured-token" || s.query.Get("k") != odd {
		t.Errorf("sent header %q, body %q, query %q; want %q", s.key, s.body, s.query.Get("k"), odd)
	}
}

// TestAHostReference: one reference may be the whole host and port; a
// captured value that is no host fails the probe without showing it.
func TestAHostReference(t *testing.T) {
	srv := newRecorder(t, "evil.example/x?")
	t.Setenv("LOOKOUT_TEST_ADDR", srv.addr())
	if res := probeArea(t, oneArea("request:\n  url: 'http://${env:LOOKOUT_TEST_ADDR}/ok'\n")); res.Verdict != Up {
		t.Errorf("host and port from one reference: %s %s", res.Verdict, res.Message)
	}
	res := probeArea(t, oneArea(`steps:
  - url: "`+srv.URL+`/signin"
    capture: {host: {json_path: $.token}}
  - url: "http://${var:host}/ok"
`))
	if res.Verdict != Down || res.Class != ClassOther || strings.Contains(res.Message, "evil") ||
		res.Message != `step "step 2": invalid URL: ${var:host}: the value is not a host: use a host name, an IP address or a bracketed IPv6 address, optionally with :port` {
		t.Errorf("%s %s: %s", res.Verdict, res.Class, res.Message)
	}
}
