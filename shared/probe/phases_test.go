package probe

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestPhases checks that each phase is measured when it happens and left at
// zero when it does not. The server's injected delay is a lower bound for
// time to first byte; nothing is asserted about how fast anything is.
func TestPhases(t *testing.T) {
	t.Parallel()
	const delay = 50 * time.Millisecond
	ca := newPKI(t)
	now := time.Now()
	tlsTarget := startTarget(t, ca.leaf([]string{"127.0.0.1", "localhost"}, now.Add(-time.Hour), now.Add(24*time.Hour), false))
	plain := startTarget(t, nil)
	p := newProber(t, Options{Roots: ca.roots})

	for _, tc := range []struct {
		name      string
		url       string
		dns, tls  bool
		minTTFB   time.Duration
		redirects int
	}{
		{name: "https to an IP literal: no DNS", url: tlsTarget.URL + "/sleep?d=50ms", tls: true, minTTFB: delay},
		{name: "https to localhost: DNS measured", url: strings.Replace(tlsTarget.URL, "127.0.0.1", "localhost", 1) + "/sleep?d=50ms", dns: true, tls: true, minTTFB: delay},
		{name: "http: no TLS", url: plain.URL + "/sleep?d=50ms", minTTFB: delay},
		{name: "redirects add up", url: plain.URL + "/slowhops/2?d=50ms", minTTFB: 3 * delay, redirects: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := parseConfig(t, oneArea(fmt.Sprintf("request:\n  url: %q\n", tc.url)))
			r := p.Probe(context.Background(), cfg, &cfg.Areas[0])
			if r.Verdict != Up {
				t.Fatalf("%s %s: %s", r.Verdict, r.Class, r.Message)
			}
			ph := r.Phases
			t.Logf("%+v", ph)
			if got := ph.DNS > 0; got != tc.dns {
				t.Errorf("DNS = %v, want measured: %v", ph.DNS, tc.dns)
			}
			if got := ph.TLS > 0; got != tc.tls {
				t.Errorf("TLS = %v, want measured: %v", ph.TLS, tc.tls)
			}
			if ph.Connect <= 0 {
				t.Errorf("Connect = %v, want > 0", ph.Connect)
			}
			if ph.TTFB < tc.minTTFB {
				t.Errorf("TTFB = %v, want >= the injected delay %v", ph.TTFB, tc.minTTFB)
			}
			if ph.Transfer <= 0 {
				t.Errorf("Transfer = %v, want > 0", ph.Transfer)
			}
			if sum := ph.DNS + ph.Connect + ph.TLS + ph.TTFB + ph.Transfer; ph.Total < sum {
				t.Errorf("Total = %v, below the sum of the phases %v", ph.Total, sum)
			}
			if st := r.Steps[0]; st.Redirects != tc.redirects || st.Phases.Total > ph.Total || st.Phases.TTFB != ph.TTFB {
				t.Errorf("step: redirects %d (want %d), phases %+v vs the area's %+v", st.Redirects, tc.redirects, st.Phases, ph)
			}
		})
	}
}

// TestPhasesOfAFailure: a refused connection has a connect phase and nothing after it.
func TestPhasesOfAFailure(t *testing.T) {
	t.Parallel()
	p := newProber(t, Options{})
	cfg := parseConfig(t, oneArea(fmt.Sprintf("request:\n  url: http://%s/\n", refusedAddr(t))))
	r := p.Probe(context.Background(), cfg, &cfg.Areas[0])
	if r.Class != ClassRefused {
		t.Fatalf("class %q, want refused", r.Class)
	}
	ph := r.Phases
	if ph.DNS != 0 || ph.TLS != 0 || ph.TTFB != 0 || ph.Transfer != 0 || r.Status != 0 {
		t.Errorf("phases %+v, status %d: want only connect and total", ph, r.Status)
	}
}

// TestClockDecidesCertificateValidity: Options.Now is the clock for
// certificate checks, so days left and expiry follow it.
func TestClockDecidesCertificateValidity(t *testing.T) {
	t.Parallel()
	ca := newPKI(t)
	now := time.Now()
	tg := startTarget(t, ca.leaf([]string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(100*24*time.Hour), false))
	cfg := parseConfig(t, oneArea(fmt.Sprintf("request:\n  url: %s/ok\n", tg.URL)))

	later := newProber(t, Options{Roots: ca.roots, Now: func() time.Time { return now.Add(40 * 24 * time.Hour) }})
	r := later.Probe(context.Background(), cfg, &cfg.Areas[0])
	if d := r.Steps[0].CertDays; r.Verdict != Up || d < 59 || d > 60 {
		t.Errorf("40 days later: %s %q, %v days left; want up, about 60", r.Verdict, r.Message, d)
	}
	if !r.Started.Equal(now.Add(40 * 24 * time.Hour)) {
		t.Errorf("Started = %v, want the injected clock", r.Started)
	}

	muchLater := newProber(t, Options{Roots: ca.roots, Now: func() time.Time { return now.Add(110 * 24 * time.Hour) }})
	r = muchLater.Probe(context.Background(), cfg, &cfg.Areas[0])
	if r.Class != ClassTLSExpired || !strings.Contains(r.Message, "expired 10 days ago") {
		t.Errorf("110 days later: %s %q, want tls_expired 10 days ago", r.Class, r.Message)
	}
}
