package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lookout-monitoring/lookout/shared/check"
)

const testRoutingKey = "R0UT1NGK3Y-do-not-leak-0123456789abcdef"

// pagerServer is a stand-in PagerDuty Events API: it records every event and
// answers with the next status of its script (202 once the script is spent).
type pagerServer struct {
	*httptest.Server
	mu     sync.Mutex
	events []PagerEvent
	bytes  []int // each request body's size
	script []int
	body   string // response body for non-2xx answers
}

func newPagerServer(t *testing.T, script ...int) *pagerServer {
	t.Helper()
	ps := &pagerServer{script: script}
	ps.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v2/enqueue" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request line", http.StatusMethodNotAllowed)
			return
		}
		raw, _ := io.ReadAll(r.Body)
		ps.mu.Lock()
		ps.bytes = append(ps.bytes, len(raw))
		ps.mu.Unlock()
		var ev PagerEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ps.mu.Lock()
		ps.events = append(ps.events, ev)
		status := http.StatusAccepted
		if len(ps.script) > 0 {
			status, ps.script = ps.script[0], ps.script[1:]
		}
		body := ps.body
		ps.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if status == http.StatusAccepted {
			_, _ = io.WriteString(w, `{"status":"success","message":"Event processed","dedup_key":"`+ev.DedupKey+`"}`)
			return
		}
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(ps.Close)
	return ps
}

func (ps *pagerServer) URL() string { return ps.Server.URL + "/v2/enqueue" }

func (ps *pagerServer) sizes() []int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]int(nil), ps.bytes...)
}

func (ps *pagerServer) received() []PagerEvent {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]PagerEvent(nil), ps.events...)
}

// staticKey resolves the routing key from memory and counts the lookups.
func staticKey(key string, calls *atomic.Int32) check.Resolver {
	return check.ResolverFunc(func(_ context.Context, ref check.Ref) (string, error) {
		if calls != nil {
			calls.Add(1)
		}
		if ref != (check.Ref{Kind: check.RefSSM, Arg: "/lookout/pagerduty"}) {
			return "", errors.New("unexpected ref " + ref.String())
		}
		return key, nil
	})
}

var testKeyRef = check.Ref{Kind: check.RefSSM, Arg: "/lookout/pagerduty"}

func renderSample(t *testing.T, sample string) (Alarm, Rendered) {
	t.Helper()
	inc := sampleIncident(t, sample)
	return inc, Render(&inc, fakeDetails(goldenNow, nil), BuildLinks(&inc, testConfig(t), goldenLinks), goldenNow)
}

func TestPagerDutyTriggerThenResolveShareTheDedupKey(t *testing.T) {
	ps := newPagerServer(t)
	var lookups atomic.Int32
	pd := NewPagerDuty(ps.URL(), ps.Client(), staticKey(testRoutingKey, &lookups), testKeyRef)
	for _, sample := range []string{"sns-alarm-down.json", "sns-alarm-down-ok.json"} {
		inc, r := renderSample(t, sample)
		if _, err := fastRetry.Do(context.Background(), func(ctx context.Context) error { return pd.Notify(ctx, &Notice{Alarm: &inc, Rendered: r}) }); err != nil {
			t.Fatalf("%s: %v", sample, err)
		}
	}
	got := ps.received()
	if len(got) != 2 {
		t.Fatalf("%d events, want 2", len(got))
	}
	trigger, resolve := got[0], got[1]
	if trigger.EventAction != PagerTrigger || resolve.EventAction != PagerResolve {
		t.Errorf("actions %q then %q", trigger.EventAction, resolve.EventAction)
	}
	if trigger.RoutingKey != testRoutingKey || resolve.RoutingKey != testRoutingKey {
		t.Errorf("routing keys %q %q", trigger.RoutingKey, resolve.RoutingKey)
	}
	if trigger.DedupKey != "lookout.taskboard.down.SignIn" || resolve.DedupKey != trigger.DedupKey {
		t.Errorf("dedup keys %q %q", trigger.DedupKey, resolve.DedupKey)
	}
	p := trigger.Payload
	if p == nil || p.Severity != "critical" || p.Source != "lookout/taskboard" || !strings.HasPrefix(p.Summary, "Sign-in (taskboard) down") ||
		p.CustomDetails.Alarm != trigger.DedupKey || len(trigger.Links) == 0 {
		t.Errorf("trigger payload %+v", p)
	}
	if resolve.Payload != nil {
		t.Errorf("resolve carries a payload: %+v", resolve.Payload)
	}
	if n := lookups.Load(); n != 1 {
		t.Errorf("routing key read %d times, want once", n)
	}
}

func TestPagerDutyRetries(t *testing.T) {
	for name, c := range map[string]struct {
		script    []int
		requests  int
		ok, retry bool
	}{
		"500 then accepted":       {[]int{500, 202}, 2, true, false},
		"429 then 503 then 202":   {[]int{429, 503, 202}, 3, true, false},
		"400 is final":            {[]int{400, 202}, 1, false, false},
		"always 500 gives up":     {[]int{500, 500, 500, 500, 500, 500}, 4, false, true},
		"always 429 gives up too": {[]int{429, 429, 429, 429, 429}, 4, false, true},
	} {
		t.Run(name, func(t *testing.T) {
			ps := newPagerServer(t, c.script...)
			pd := NewPagerDuty(ps.URL(), ps.Client(), staticKey(testRoutingKey, nil), testKeyRef)
			inc, r := renderSample(t, "sns-alarm-down.json")
			attempts, err := fastRetry.Do(context.Background(), func(ctx context.Context) error { return pd.Notify(ctx, &Notice{Alarm: &inc, Rendered: r}) })
			if got := len(ps.received()); got != c.requests || attempts != c.requests {
				t.Errorf("%d requests in %d attempts, want %d", got, attempts, c.requests)
			}
			if (err == nil) != c.ok || (err != nil && IsRetryable(err) != c.retry) {
				t.Errorf("err %v (retryable %v)", err, IsRetryable(err))
			}
			for _, ev := range ps.received() {
				if ev.DedupKey != "lookout.taskboard.down.SignIn" {
					t.Errorf("retry changed the dedup key: %q", ev.DedupKey)
				}
			}
		})
	}
}

func TestPagerDutyIgnoresInsufficientData(t *testing.T) {
	ps := newPagerServer(t)
	pd := NewPagerDuty(ps.URL(), ps.Client(), staticKey(testRoutingKey, nil), testKeyRef)
	inc, r := renderSample(t, "sns-alarm-down-insufficient-data.json")
	if err := pd.Notify(context.Background(), &Notice{Alarm: &inc, Rendered: r}); err != nil || len(ps.received()) != 0 {
		t.Errorf("err %v, %d events", err, len(ps.received()))
	}
}

func TestPagerDutyErrorsNeverHoldTheKey(t *testing.T) {
	ps := newPagerServer(t, 400)
	ps.body = `{"status":"invalid event","message":"Event object is invalid","errors":["routing_key ` + testRoutingKey + ` is not valid"]}`
	pd := NewPagerDuty(ps.URL(), ps.Client(), staticKey(testRoutingKey, nil), testKeyRef)
	inc, r := renderSample(t, "sns-alarm-down.json")
	err := pd.Notify(context.Background(), &Notice{Alarm: &inc, Rendered: r})
	if err == nil || IsRetryable(err) {
		t.Fatalf("want a final error, got %v", err)
	}
	if strings.Contains(err.Error(), testRoutingKey) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error text: %v", err)
	}
}

func TestPagerDutyRoutingKeyFailures(t *testing.T) {
	ps := newPagerServer(t)
	inc, r := renderSample(t, "sns-alarm-down.json")
	empty := NewPagerDuty(ps.URL(), ps.Client(), staticKey("  ", nil), testKeyRef)
	if err := empty.Notify(context.Background(), &Notice{Alarm: &inc, Rendered: r}); err == nil || IsRetryable(err) {
		t.Errorf("empty key: %v", err)
	}
	var calls atomic.Int32
	flaky := check.ResolverFunc(func(context.Context, check.Ref) (string, error) {
		if calls.Add(1) == 1 {
			return "", errors.New("dial tcp: connection reset")
		}
		return testRoutingKey, nil
	})
	pd := NewPagerDuty(ps.URL(), ps.Client(), flaky, testKeyRef)
	if _, err := fastRetry.Do(context.Background(), func(ctx context.Context) error { return pd.Notify(ctx, &Notice{Alarm: &inc, Rendered: r}) }); err != nil {
		t.Errorf("a failed key read is retried: %v", err)
	}
	if len(ps.received()) != 1 {
		t.Errorf("%d events", len(ps.received()))
	}
}

func TestParseKeyRef(t *testing.T) {
	for in, want := range map[string]check.Ref{
		"/lookout/pagerduty":             {Kind: check.RefSSM, Arg: "/lookout/pagerduty"},
		"ssm:/lookout/pagerduty":         {Kind: check.RefSSM, Arg: "/lookout/pagerduty"},
		"lookout-pagerduty":              {Kind: check.RefSSM, Arg: "lookout-pagerduty"},
		"secret:lookout/pagerduty":       {Kind: check.RefSecret, Arg: "lookout/pagerduty"},
		"secret:lookout/pagerduty#token": {Kind: check.RefSecret, Arg: "lookout/pagerduty#token"},
	} {
		if got, ok := ParseKeyRef(in); !ok || got != want {
			t.Errorf("ParseKeyRef(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	if _, ok := ParseKeyRef(" "); ok {
		t.Error("empty means no pager")
	}
}

// A megabyte of alarm name, description and reason still makes an event
// PagerDuty accepts (512 KB at most; summary 1,024 characters; dedup key 255)
// that says what is wrong, and lists what was cut.
func TestPagerEventFitsPagerDutysLimits(t *testing.T) {
	x := strings.Repeat("x", 1<<20)
	for _, c := range []struct {
		name, alarm, summary string
		cut                  []string
	}{
		{"foreign", x, "CloudWatch alarm xxx", []string{"alarm name", "description", "reason"}},
		{"Lookout", "lookout.taskboard.down." + x, "xxx", []string{"alarm name", "area", "area name", "description", "reason"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			msg, _ := json.Marshal(map[string]string{"AlarmName": c.alarm, "AlarmDescription": x, "NewStateReason": "Threshold Crossed: " + x,
				"NewStateValue": "ALARM", "OldStateValue": "OK", "StateChangeTime": "2026-11-24T14:02:10.317+0000"})
			inc, err := FromRecord(events.SNSEventRecord{SNS: events.SNSEntity{Message: string(msg)}}, testConfig(t))
			if err != nil {
				t.Fatal(err)
			}
			r := Render(&inc, fakeDetails(goldenNow, map[string]LocationStatus{"London": {Status: StatusFailing}}),
				BuildLinks(&inc, testConfig(t), goldenLinks), goldenNow)
			ps := newPagerServer(t)
			pd := NewPagerDuty(ps.URL(), ps.Client(), staticKey(testRoutingKey, nil), testKeyRef)
			if err := pd.Notify(context.Background(), &Notice{Alarm: &inc, Rendered: r}); err != nil {
				t.Fatal(err) // the stand-in answers 400 to a body that is not JSON
			}
			sizes, got := ps.sizes(), ps.received()
			if len(sizes) != 1 || sizes[0] >= 512_000 || len(got) != 1 {
				t.Fatalf("event bodies of %v bytes", sizes)
			}
			ev := got[0]
			p := ev.Payload
			if n := utf8.RuneCountInString(p.Summary); n > 1024 || !strings.HasPrefix(p.Summary, c.summary) ||
				!strings.Contains(p.Summary, "...") {
				t.Errorf("summary of %d characters: %.120q...", n, p.Summary)
			}
			if len(ev.DedupKey) != 255 || ev.DedupKey != r.Pager.DedupKey || p.Severity == "" || p.CustomDetails.State != "ALARM" {
				t.Errorf("dedup key of %d bytes, severity %q, state %q", len(ev.DedupKey), p.Severity, p.CustomDetails.State)
			}
			if c.name == "foreign" && !strings.Contains(p.Summary, "... is ALARM: Threshold Crossed: xxx") {
				t.Errorf("the summary does not say what is wrong: %.300q", p.Summary)
			}
			if c.name == "Lookout" && !strings.Contains(p.Summary, "... (taskboard) down from London (1 of 4)") {
				t.Errorf("the summary does not say what is wrong: %.300q", p.Summary)
			}
			if !slices.Equal(p.CustomDetails.Truncated, c.cut) {
				t.Errorf("truncated %v, want %v", p.CustomDetails.Truncated, c.cut)
			}
			for _, l := range ev.Links {
				if strings.Contains(l.Href, "xxxx") {
					t.Errorf("a link to the huge alarm was kept (%d bytes)", len(l.Href))
				}
			}
			if len(ev.Links) == 0 {
				t.Error("the dashboard link went with the alarm's")
			}
		})
	}
}

// When the bounded fields still add up to too much (here, thousands of
// locations), the event is shrunk until it fits: custom details first, the
// summary and dedup key always kept.
func TestPagerEventShrinksToFit(t *testing.T) {
	inc := sampleIncident(t, "sns-alarm-down.json")
	d := Details{Available: true, From: goldenNow.Add(-10 * time.Minute), To: goldenNow}
	for i := range 5000 {
		d.Locations = append(d.Locations, LocationStatus{Label: fmt.Sprintf("%04d %s", i, strings.Repeat("l", 200)), Status: StatusFailing})
	}
	ev := RenderPager(&inc, d, BuildLinks(&inc, testConfig(t), goldenLinks))
	b, err := ev.JSON("")
	if err != nil || len(b) > maxPagerEvent {
		t.Fatalf("event of %d bytes: %v", len(b), err)
	}
	det := ev.Payload.CustomDetails
	if det.Locations != nil || !slices.Contains(det.Truncated, "locations") || !slices.Contains(det.Truncated, "custom details") ||
		!strings.HasPrefix(ev.Payload.Summary, "Sign-in (taskboard) down from 0000 ") || ev.DedupKey != "lookout.taskboard.down.SignIn" {
		t.Errorf("shrunk event: truncated %v, %d locations, summary %.80q", det.Truncated, len(det.Locations), ev.Payload.Summary)
	}
	if len(ev.Links) == 0 {
		t.Error("the links went although the event fitted without the locations")
	}
}
