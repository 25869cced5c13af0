package probefn_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/probefn"
)

// Every shape of event runs a round; its datums carry the scheduled minute,
// or, when the event has no usable time, the clock's minute and a warning
// that names the bad value.
func TestEventShapes(t *testing.T) {
	tg := startTarget(t)
	now := time.Date(2026, 11, 24, 10, 3, 41, 0, time.UTC)
	fallback := "2026-11-24T10:03:00Z"
	for _, tc := range []struct {
		name    string
		payload []byte
		round   string
		warning string // in the "event time" line; "" = none
	}{
		{"EventBridge scheduled rule (events/schedule.json)", readEvent(t, "schedule.json"), "2026-11-24T10:00:00Z", ""},
		{"EventBridge Scheduler input (events/scheduler.json)", readEvent(t, "scheduler.json"), "2026-11-24T10:01:00Z", ""},
		{"seconds are truncated to the minute", []byte(`{"time":"2026-11-24T10:02:59.731Z","schedule":"arn:aws:scheduler:eu-west-2:123456789012:schedule/default/x"}`), "2026-11-24T10:02:00Z", ""},
		{"an offset is turned to UTC", []byte(`{"time":"2026-11-24T11:02:07+01:00"}`), "2026-11-24T10:02:00Z", ""},
		{"missing time", []byte(`{"id":"x","detail-type":"Scheduled Event"}`), fallback, "the event has no time"},
		{"null time", []byte(`{"time":null}`), fallback, "the event has no time"},
		{"malformed time", []byte(`{"time":"yesterday at ten"}`), fallback, `"yesterday at ten" is not RFC 3339`},
		{"time that is not a string", []byte(`{"time":1795514400}`), fallback, `"1795514400" is not RFC 3339`},
		{"time CloudWatch would reject", []byte(`{"time":"2020-01-01T00:00:00Z"}`), fallback, "outside what CloudWatch accepts"},
		{"payload that is not an object", []byte(`["2026-11-24T10:00:00Z"]`), fallback, `is not RFC 3339`},
		{"null payload", []byte(`null`), fallback, `"null" is not RFC 3339`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakePutter{}
			var logs bytes.Buffer
			h, err := probefn.New(context.Background(), probefn.Options{
				Env:    probefn.Env{ChecksFile: writeChecks(t, "app: taskboard\nareas:\n  - id: Boards\n    request: {url: "+tg.URL+"/ok}\n"), Location: "ap-south-1"},
				Putter: f, Logger: probefn.NewLogger(&logs, nil), EMF: failingWriter{}, Now: func() time.Time { return now },
			})
			if err != nil {
				t.Fatal(err)
			}
			sum, err := invoke(t, h, tc.payload)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Round != tc.round || sum.Location != "Mumbai" || sum.Up != 1 {
				t.Errorf("summary %+v, want round %s from Mumbai", sum, tc.round)
			}
			if len(f.datums) != 2 { // Heartbeat and Latency
				t.Fatalf("%d datums published", len(f.datums))
			}
			for _, d := range f.datums {
				if got := d.Timestamp.UTC().Format(time.RFC3339); got != tc.round {
					t.Errorf("%s stamped %s, want %s", *d.MetricName, got, tc.round)
				}
			}
			warnings := linesWith(logLines(t, &logs), "event time")
			switch {
			case tc.warning == "" && len(warnings) != 0:
				t.Errorf("unexpected warning: %v", warnings)
			case tc.warning != "" && (len(warnings) != 1 || warnings[0]["level"] != "WARN" ||
				!strings.Contains(warnings[0]["problem"].(string), tc.warning) || warnings[0]["round"] != fallback):
				t.Errorf("warning %v, want one naming %q", warnings, tc.warning)
			}
		})
	}
}

func TestRoundTime(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 3, 41, 0, time.UTC)
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"2026-11-24T10:00:00Z", "2026-11-24T10:00:00Z", true},
		{"2026-11-24T10:00:59.999999999Z", "2026-11-24T10:00:00Z", true},
		{"2026-11-10T10:04:00Z", "2026-11-10T10:04:00Z", true},  // 13 days 23 h back
		{"2026-11-24T12:03:00Z", "2026-11-24T12:03:00Z", true},  // almost 2 h ahead
		{"2026-11-10T10:03:00Z", "2026-11-24T10:03:00Z", false}, // two weeks and 41 s back
		{"2026-11-24T12:04:00Z", "2026-11-24T10:03:00Z", false},
		{"", "2026-11-24T10:03:00Z", false},
		{"2026-11-24 10:00:00", "2026-11-24T10:03:00Z", false},
	} {
		got, problem := probefn.RoundTime(tc.in, now)
		if got.Format(time.RFC3339) != tc.want || (problem == "") != tc.ok {
			t.Errorf("RoundTime(%q) = %s, %q; want %s, ok %v", tc.in, got.Format(time.RFC3339), problem, tc.want, tc.ok)
		}
	}
}
