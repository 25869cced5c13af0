package probe

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// areasOf returns pointers to every area of cfg, in file order.
func areasOf(cfg *check.Config) []*check.Area {
	out := make([]*check.Area, len(cfg.Areas))
	for i := range cfg.Areas {
		out[i] = &cfg.Areas[i]
	}
	return out
}

// manyAreas is a checks file with n areas (A0, A1, ...) all requesting url.
func manyAreas(head string, n int, url string) string {
	var b strings.Builder
	b.WriteString("app: test\n" + head + "areas:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - id: A%d\n    request:\n      url: %q\n", i, url)
	}
	return b.String()
}

func newProber(t testing.TB, opts Options) *Prober {
	t.Helper()
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRoundAbstainsWhenControlFails(t *testing.T) {
	t.Parallel()
	tg := startTarget(t, nil)
	refused := refusedAddr(t)
	// London's control URL is refused; every other location's works.
	cfg := parseConfig(t, manyAreas(fmt.Sprintf(`control:
  url: %s/ok
  locations:
    eu-west-2: http://%s/
`, tg.URL, refused), 3, tg.URL+"/ok"))
	p := newProber(t, Options{})

	rd := p.Round(context.Background(), cfg, "eu-west-2", areasOf(cfg))
	if !rd.Abstained || rd.Location != "eu-west-2" {
		t.Errorf("Abstained, Location = %v, %q; want true, eu-west-2", rd.Abstained, rd.Location)
	}
	if rd.Control == nil || rd.Control.Verdict != Down || rd.Control.Class != ClassRefused {
		t.Fatalf("control result = %+v, want down/refused", rd.Control)
	}
	if len(rd.Results) != 3 {
		t.Fatalf("%d results, want 3", len(rd.Results))
	}
	for i, r := range rd.Results {
		want := "control probe failed: connection refused by " + refused
		if r.Area != fmt.Sprintf("A%d", i) || r.Verdict != Abstain || r.Class != ClassControlFailed || r.Message != want {
			t.Errorf("result %d = %s %s %s %q; want A%d abstain control %q", i, r.Area, r.Verdict, r.Class, r.Message, i, want)
		}
	}
	if n := tg.requests.Load(); n != 0 {
		t.Errorf("the areas' server saw %d requests while the location abstained, want 0", n)
	}

	// From another location the control probe passes and the areas are probed.
	rd = p.Round(context.Background(), cfg, "us-east-1", areasOf(cfg))
	if rd.Abstained || rd.Control == nil || rd.Control.Verdict != Up {
		t.Errorf("us-east-1: Abstained = %v, control = %+v; want a passing control", rd.Abstained, rd.Control)
	}
	for i, r := range rd.Results {
		if r.Verdict != Up {
			t.Errorf("us-east-1 result %d = %s %q, want up", i, r.Verdict, r.Message)
		}
	}
	if n := tg.requests.Load(); n != 1+3 {
		t.Errorf("server saw %d requests, want 4 (control and 3 areas)", n)
	}
}

func TestControl(t *testing.T) {
	t.Parallel()
	tg := startTarget(t, nil)
	p := newProber(t, Options{})
	for _, tc := range []struct {
		name    string
		control string // the control section, "" for none
		ok      bool
		class   Class
	}{
		{name: "no control URL", ok: true},
		{name: "2xx", control: "url: " + tg.URL + "/ok", ok: true},
		{name: "a redirect is not followed and passes", control: "url: " + tg.URL + "/loop/a", ok: true},
		{name: "404 fails", control: "url: " + tg.URL + "/status/404", class: ClassHTTPStatus},
		{name: "no answer within the control timeout", control: "url: " + tg.URL + "/block\n  timeout: 200ms", class: ClassTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			head := ""
			if tc.control != "" {
				head = "control:\n  " + tc.control + "\n"
			}
			cfg := parseConfig(t, manyAreas(head, 1, tg.URL+"/ok"))
			res, ok := p.Control(context.Background(), cfg, "us-east-1")
			if ok != tc.ok || res.Class != tc.class {
				t.Errorf("ok, class = %v, %q; want %v, %q (message %q)", ok, res.Class, tc.ok, tc.class, res.Message)
			}
			if tc.class == ClassHTTPStatus && res.Message != "status 404, want 1xx,2xx,3xx" {
				t.Errorf("message %q", res.Message)
			}
			if tc.control != "" && res.Area != ControlArea {
				t.Errorf("control result area %q, want %q", res.Area, ControlArea)
			}
		})
	}
}

func TestRoundKeepsOrderAndConcurrencyLimit(t *testing.T) {
	t.Parallel()
	tg := startTarget(t, nil)
	cfg := parseConfig(t, manyAreas("", 12, tg.URL+"/sleep?d=20ms"))
	p := newProber(t, Options{Concurrency: 3})

	rd := p.Round(context.Background(), cfg, "us-east-1", areasOf(cfg))
	if rd.Control != nil || rd.Abstained {
		t.Errorf("Control, Abstained = %v, %v without a control URL; want nil, false", rd.Control, rd.Abstained)
	}
	for i, r := range rd.Results {
		if r.Area != fmt.Sprintf("A%d", i) || r.Verdict != Up {
			t.Errorf("result %d = %s %s %q, want A%d up", i, r.Area, r.Verdict, r.Message, i)
		}
	}
	if m := tg.maxIn.Load(); m > 3 {
		t.Errorf("%d requests in flight at once, want at most 3", m)
	}
}

func TestRoundStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	tg := startTarget(t, nil)
	cfg := parseConfig(t, manyAreas("defaults:\n  timeout: 40s\n", 3, tg.URL+"/block"))
	p := newProber(t, Options{Concurrency: 1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	done := make(chan Round)
	go func() { done <- p.Round(ctx, cfg, "us-east-1", areasOf(cfg)) }()
	select {
	case <-tg.entered: // the first area waits for its response: now press Ctrl-C
	case <-time.After(10 * time.Second):
		t.Fatal("no request reached the server")
	}
	cancel()
	var rd Round
	select {
	case rd = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Round did not return after cancellation")
	}
	var waiting, unprobed int
	for _, r := range rd.Results {
		// A round cut short accuses nobody: the location abstains for those areas.
		if r.Verdict != Abstain || r.Class != ClassNotProbed {
			t.Errorf("%s: %s %s %q, want abstain not_probed", r.Area, r.Verdict, r.Class, r.Message)
		}
		switch r.Message {
		case "cut short: canceled waiting for the response":
			waiting++
		case "not probed: the round ended before its turn":
			unprobed++
		default:
			t.Errorf("%s: message %q", r.Area, r.Message)
		}
	}
	if waiting != 1 || unprobed != 2 {
		t.Errorf("%d areas cancelled while waiting, %d before probing; want 1 and 2", waiting, unprobed)
	}
}

// TestNotRunSaysWhy: an area left out for a missing secret abstains (it
// accuses nobody) and carries the reason, with the area's name and threshold.
func TestNotRunSaysWhy(t *testing.T) {
	cfg := parseConfig(t, "app: test\nareas: [{id: Billing, name: Billing page, slow: 3s, request: {url: \"https://b.example/${ssm:/b/key}\"}}]\n")
	p := newProber(t, Options{Now: func() time.Time { return time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC) }})
	r := p.NotRun(&cfg.Areas[0], "needs AWS credentials for ${ssm:/b/key}")
	if r.Verdict != Abstain || r.Class != ClassNotRun || r.Message != "needs AWS credentials for ${ssm:/b/key}" {
		t.Errorf("verdict, class, message = %s, %s, %q", r.Verdict, r.Class, r.Message)
	}
	if r.Area != "Billing" || r.Name != "Billing page" || r.Slow != 3*time.Second || r.Started.Hour() != 9 || r.Steps == nil {
		t.Errorf("result not filled in: %+v", r)
	}
}
