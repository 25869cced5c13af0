package probe

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestEveryProbeDialsAFreshConnection proves that no connection is reused:
// not between areas, rounds, steps or redirects. The server counts the
// connections it accepts, the dialer counts dials, and httptrace must never
// report a reused connection.
func TestEveryProbeDialsAFreshConnection(t *testing.T) {
	t.Parallel()
	ca := newPKI(t)
	now := time.Now()
	cert := ca.leaf([]string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(24*time.Hour), false)
	h2 := func(s *httptest.Server) { s.EnableHTTP2 = true }

	for _, tc := range []struct {
		name  string
		tg    *target
		proto string
	}{
		{name: "http", tg: startTarget(t, nil), proto: "HTTP/1.1"},
		{name: "https", tg: startTarget(t, cert), proto: "HTTP/1.1"},
		{name: "https with HTTP/2", tg: startTarget(t, cert, h2), proto: "HTTP/2.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var dials atomic.Int64
			var d net.Dialer
			p := newProber(t, Options{
				Roots:       ca.roots,
				Concurrency: 4,
				DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
					dials.Add(1)
					return d.DialContext(ctx, network, addr)
				},
			})
			// Per round: the control probe, 8 one-request areas, an area that is
			// redirected once (2 requests) and a two-step area (2 requests).
			yaml := manyAreas("control:\n  url: "+tc.tg.URL+"/ok\n", 8, tc.tg.URL+"/proto") + fmt.Sprintf(`  - id: Redirected
    request:
      url: %[1]s/chain/0
  - id: TwoSteps
    steps:
      - url: %[1]s/ok
      - url: %[1]s/proto
        assert:
          - body_contains: %[2]s
`, tc.tg.URL, tc.proto)
			cfg := parseConfig(t, yaml)
			const rounds = 2
			for range rounds {
				rd := p.Round(context.Background(), cfg, "us-east-1", areasOf(cfg))
				for _, r := range append(rd.Results, *rd.Control) {
					if r.Verdict != Up {
						t.Errorf("%s: %s %s", r.Area, r.Verdict, r.Message)
					}
					for _, s := range r.Steps {
						if s.Reused {
							t.Errorf("%s: %s went over a reused connection", r.Area, s.Name)
						}
					}
				}
			}
			want := int64(rounds * (1 + 8 + 2 + 2))
			if got := tc.tg.requests.Load(); got != want {
				t.Errorf("server saw %d requests, want %d", got, want)
			}
			if got := tc.tg.conns.Load(); got != want {
				t.Errorf("server accepted %d connections for %d requests: a connection was reused", got, want)
			}
			if got := dials.Load(); got != want {
				t.Errorf("dialed %d times for %d requests", got, want)
			}
		})
	}
}

// TestRequestHeaders: the configured User-Agent goes out unless a step sets
// its own, and every request asks the server to close the connection.
func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	tg := startTarget(t, nil)
	cfg := parseConfig(t, fmt.Sprintf(`app: test
defaults:
  user_agent: TestAgent/2
areas:
  - id: Default
    request:
      url: %[1]s/headers
      assert:
        - json_path: $.user_agent
          equals: TestAgent/2
        - json_path: $.connection
          equals: close
  - id: Own
    request:
      url: %[1]s/headers
      headers:
        User-Agent: Mine/1
      assert:
        - json_path: $.user_agent
          equals: Mine/1
`, tg.URL))
	p := newProber(t, Options{})
	for _, a := range areasOf(cfg) {
		if r := p.Probe(context.Background(), cfg, a); r.Verdict != Up {
			t.Errorf("%s: %s %s", a.ID, r.Verdict, r.Message)
		}
	}
}
