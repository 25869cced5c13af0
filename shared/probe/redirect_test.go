package probe

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// hop is a server that records every request it gets and answers:
//
//	/redirect/N?to=URL  status N (301, 302, 303, 307, 308) to URL
//	/signin             {"token": testToken}
//	anything else       200 {"method", "body", "authorization"} of the request
type hop struct {
	*httptest.Server
	mu   sync.Mutex
	seen []seenRequest
}

type seenRequest struct {
	method, path, body, authorization string
}

// startHop starts a hop on 127.0.0.1, over TLS with cert if given.
func startHop(t testing.TB, cert *tls.Certificate) *hop {
	t.Helper()
	h := &hop{}
	h.Server = httptest.NewUnstartedServer(http.HandlerFunc(h.serve))
	h.Config.ErrorLog = log.New(io.Discard, "", 0)
	if cert != nil {
		h.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}}
		h.StartTLS()
	} else {
		h.Start()
	}
	t.Cleanup(h.Close)
	return h
}

func (h *hop) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.seen = append(h.seen, seenRequest{r.Method, r.URL.Path, string(body), r.Header.Get("Authorization")})
	h.mu.Unlock()
	switch {
	case strings.HasPrefix(r.URL.Path, "/redirect/"):
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/redirect/"))
		http.Redirect(w, r, r.URL.Query().Get("to"), code)
	case r.URL.Path == "/signin":
		fmt.Fprintf(w, `{"token":%q}`, testToken)
	default:
		json.NewEncoder(w).Encode(map[string]string{"method": r.Method, "body": string(body), "authorization": r.Header.Get("Authorization")})
	}
}

// received lists the requests the hop got.
func (h *hop) received() []seenRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]seenRequest(nil), h.seen...)
}

// host is the hop's host:port.
func (h *hop) host() string {
	return strings.TrimPrefix(strings.TrimPrefix(h.URL, "http://"), "https://")
}

// TestSecretBodyStaysWithItsHost: a request body built from a secret or a
// captured value is never re-sent to another host by a 307 or 308 redirect
// (nor by a 301/302 that keeps it): the redirect is refused, with a message
// that names the target host and nothing of the body or query. Other bodies,
// and secret bodies redirected to their own host, follow as before.
func TestSecretBodyStaysWithItsHost(t *testing.T) {
	const secret = "pw-9d2c41e7"
	t.Setenv("LOOKOUT_TEST_PASSWORD", secret)
	origin, other := startHop(t, nil), startHop(t, nil) // two ports: two hosts
	p := newProber(t, Options{})

	signIn := `
  - name: sign in
    method: POST
    url: "{{origin}}/signin"
    capture:
      token: {json_path: $.token}`
	cases := []struct {
		name     string
		steps    string
		verdict  Verdict
		class    Class
		msg      string // the message contains this
		otherGot string // the body the other host must receive; "" = no request at all
	}{
		{name: "307 with a secret body to another host", verdict: Down, class: ClassRedirectRefused,
			msg: "307 redirect to " + other.URL + " not followed: the request body holds a secret", steps: `
  - method: POST
    url: "{{origin}}/redirect/307?to={{other}}/login%3Fsession%3Dabc"
    body: '{"password": "${env:LOOKOUT_TEST_PASSWORD}"}'`},
		{name: "308 with a secret body to another host", verdict: Down, class: ClassRedirectRefused,
			msg: "308 redirect to " + other.URL + " not followed", steps: `
  - method: PUT
    url: "{{origin}}/redirect/308?to={{other}}/login"
    body: "password=${env:LOOKOUT_TEST_PASSWORD}"`},
		{name: "302 that keeps a PUT's secret body", verdict: Down, class: ClassRedirectRefused,
			msg: "302 redirect to " + other.URL + " not followed", steps: `
  - method: PUT
    url: "{{origin}}/redirect/302?to={{other}}/login"
    body: "password=${env:LOOKOUT_TEST_PASSWORD}"`},
		{name: "307 with a captured token in the body", verdict: Down, class: ClassRedirectRefused,
			msg: "307 redirect to " + other.URL + " not followed", steps: signIn + `
  - method: POST
    url: "{{origin}}/redirect/307?to={{other}}/api"
    body: "token=${var:token}"`},
		{name: "307 with a plain body to another host follows", verdict: Up, otherGot: "a=1", steps: `
  - method: POST
    url: "{{origin}}/redirect/307?to={{other}}/form"
    body: "a=1"
    assert:
      - json_path: $.body
        equals: "a=1"`},
		{name: "307 with a secret body to its own host follows", verdict: Up, steps: `
  - method: POST
    url: "{{origin}}/redirect/307?to={{origin}}/login"
    body: "password=${env:LOOKOUT_TEST_PASSWORD}"
    assert:
      - json_path: $.method
        equals: POST`},
		{name: "303 with a secret body to another host follows as a GET without it", verdict: Up, otherGot: "-", steps: `
  - method: POST
    url: "{{origin}}/redirect/303?to={{other}}/done"
    body: "password=${env:LOOKOUT_TEST_PASSWORD}"
    assert:
      - json_path: $.method
        equals: GET`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			origin.mu.Lock()
			origin.seen = nil
			origin.mu.Unlock()
			other.mu.Lock()
			other.seen = nil
			other.mu.Unlock()

			yaml := strings.NewReplacer("{{origin}}", origin.URL, "{{other}}", other.URL).Replace(
				"app: test\nareas:\n  - id: A\n    steps:" + indent(tc.steps, "    "))
			cfg := parseConfig(t, yaml)
			if err := cfg.ResolveSecrets(context.Background(), check.Resolvers{check.RefEnv: check.EnvResolver}); err != nil {
				t.Fatal(err)
			}
			r := p.Probe(context.Background(), cfg, &cfg.Areas[0])
			t.Logf("%s %s: %s", r.Verdict, r.Class, r.Message)
			if r.Verdict != tc.verdict || r.Class != tc.class {
				t.Errorf("verdict, class = %s, %q; want %s, %q (message %q)", r.Verdict, r.Class, tc.verdict, tc.class, r.Message)
			}
			if !strings.Contains(r.Message, tc.msg) {
				t.Errorf("message %q does not contain %q", r.Message, tc.msg)
			}
			for _, leak := range []string{secret, testToken, "password", "session", "/login"} {
				if tc.class != ClassNone && strings.Contains(r.Message, leak) {
					t.Errorf("message %q shows %q", r.Message, leak)
				}
			}
			got := other.received()
			switch {
			case tc.otherGot == "" && len(got) > 0:
				t.Errorf("the other host received %+v", got)
			case tc.otherGot == "-" && (len(got) != 1 || got[0].body != ""):
				t.Errorf("the other host received %+v, want one request without a body", got)
			case tc.otherGot != "" && tc.otherGot != "-" && (len(got) != 1 || got[0].body != tc.otherGot):
				t.Errorf("the other host received %+v, want the body %q", got, tc.otherGot)
			}
			for _, req := range got {
				if strings.Contains(req.body, secret) || strings.Contains(req.body, testToken) {
					t.Errorf("the other host received the secret: %+v", req)
				}
			}
		})
	}
}

// TestDowngradeIsAnotherHost: a redirect from https to plain http on the same
// host name keeps neither a secret body nor credential headers, as a redirect
// to another host would not. app.test:443 and app.test:80 are two servers on
// 127.0.0.1 behind the prober's dialer; the URLs carry no port, so both hops
// have the same host.
func TestDowngradeIsAnotherHost(t *testing.T) {
	const secret = "pw-5b8e0a13"
	t.Setenv("LOOKOUT_TEST_PASSWORD", secret)
	ca := newPKI(t)
	now := time.Now()
	secure := startHop(t, ca.leaf([]string{"app.test"}, now.Add(-time.Hour), now.Add(24*time.Hour), false))
	plain := startHop(t, nil)
	var d net.Dialer
	p := newProber(t, Options{Roots: ca.roots, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		switch addr {
		case "app.test:443":
			return d.DialContext(ctx, network, secure.host())
		case "app.test:80":
			return d.DialContext(ctx, network, plain.host())
		}
		return nil, fmt.Errorf("no route to %s", addr)
	}})

	for _, tc := range []struct {
		name    string
		step    string
		verdict Verdict
		class   Class
		msg     string
	}{
		{name: "secret body", verdict: Down, class: ClassRedirectRefused, msg: "307 redirect to http://app.test not followed: the request body holds a secret", step: `
method: POST
url: "https://app.test/redirect/307?to=http://app.test/login"
body: "password=${env:LOOKOUT_TEST_PASSWORD}"`},
		{name: "credential header", verdict: Up, step: `
url: "https://app.test/redirect/302?to=http://app.test/me"
headers:
  Authorization: "Bearer ${env:LOOKOUT_TEST_PASSWORD}"
assert:
  - json_path: $.authorization
    equals: ""`},
		{name: "credential header kept on the same scheme", verdict: Up, step: `
url: "https://app.test/redirect/302?to=https://app.test/me"
headers:
  Authorization: "Bearer ${env:LOOKOUT_TEST_PASSWORD}"
assert:
  - json_path: $.authorization
    equals: "Bearer ` + secret + `"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain.mu.Lock()
			plain.seen = nil
			plain.mu.Unlock()
			cfg := parseConfig(t, oneArea("request:"+indent(tc.step, "  ")))
			if err := cfg.ResolveSecrets(context.Background(), check.Resolvers{check.RefEnv: check.EnvResolver}); err != nil {
				t.Fatal(err)
			}
			r := p.Probe(context.Background(), cfg, &cfg.Areas[0])
			t.Logf("%s %s: %s", r.Verdict, r.Class, r.Message)
			if r.Verdict != tc.verdict || r.Class != tc.class || !strings.Contains(r.Message, tc.msg) {
				t.Errorf("verdict, class, message = %s, %q, %q; want %s, %q, %q", r.Verdict, r.Class, r.Message, tc.verdict, tc.class, tc.msg)
			}
			for _, req := range plain.received() {
				if strings.Contains(req.body, secret) || strings.Contains(req.authorization, secret) {
					t.Errorf("plain http received the secret: %+v", req)
				}
			}
		})
	}
}
