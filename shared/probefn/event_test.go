package probefn_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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
		{"time of invalid UTF-8", []byte("{\"time\":\"\xff\xfe\"}"), fallback, "\"\ufffd\ufffd\" is not RFC 3339"},
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

// mumbai is a handler probing one area that is up, from ap-south-1, with the
// clock at now; its datums go to f and its log to logs.
func mumbai(t *testing.T, now time.Time, f *fakePutter, logs *bytes.Buffer) *probefn.Handler {
	t.Helper()
	tg := startTarget(t)
	h, err := probefn.New(context.Background(), probefn.Options{
		Env:    probefn.Env{ChecksFile: writeChecks(t, "app: taskboard\nareas:\n  - id: Boards\n    request: {url: "+tg.URL+"/ok}\n"), Location: "ap-south-1"},
		Putter: f, Logger: probefn.NewLogger(logs, nil), EMF: failingWriter{}, Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// cloudWatchEvent is the most CloudWatch Logs takes in one log event.
const cloudWatchEvent = 256 * 1024

// Whatever the payload (a trigger misconfigured, a test event typed by
// hand), the round runs on the clock's minute and sends its heartbeat, and
// one bounded warning says what was wrong, quoting the payload's start.
func TestAnyPayloadRunsARound(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 3, 41, 0, time.UTC)
	fallback := "2026-11-24T10:03:00Z"
	huge := bytes.Repeat([]byte("x"), 1<<20)
	hugeArray := append(append([]byte("["), bytes.Repeat([]byte("1,"), 1<<19)...), '1', ']')
	for _, tc := range []struct {
		name    string
		payload []byte
		problem string
	}{
		{"nil", nil, "the payload is empty"},
		{"empty", []byte{}, "the payload is empty"},
		{"blank", []byte(" \n\t"), "the payload is empty"},
		{"null", []byte("null"), "the payload is JSON null, not an object"},
		{"not JSON", []byte("hello from the Lambda console"), "the payload is not JSON"},
		{"JSON string", []byte(`"2026-11-24T10:00:00Z"`), "the payload is a JSON string, not an object"},
		{"JSON array", []byte(`["2026-11-24T10:00:00Z"]`), "the payload is a JSON array, not an object"},
		{"JSON number", []byte("1795514400"), "the payload is a JSON number, not an object"},
		{"JSON boolean", []byte("true"), "the payload is a JSON boolean, not an object"},
		{"object and more", []byte(`{"time":"2026-11-24T10:00:00Z"} {}`), "the payload is not JSON"},
		{"cut object", []byte(`{"time":"2026-11-24T10:0`), "the payload is not JSON"},
		{"huge, not JSON", huge, "the payload is not JSON"},
		{"huge JSON array", hugeArray, "the payload is a JSON array, not an object"},
		{"invalid UTF-8", []byte("\xff\xfe\x00{\"time\":1}"), "the payload is not JSON"},
		{"multi-byte character at the cut", append(bytes.Repeat([]byte("é"), 200), '!'), "the payload is not JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakePutter{}
			var logs bytes.Buffer
			h := mumbai(t, now, f, &logs)
			sum, err := invoke(t, h, tc.payload)
			if err != nil {
				t.Fatalf("no round: %v", err)
			}
			if sum.Round != fallback || sum.Up != 1 || sum.Published != 2 || len(f.datums) != 2 {
				t.Errorf("summary %+v (%d datums), want a round at %s with its heartbeat", sum, len(f.datums), fallback)
			}
			for _, line := range bytes.Split(logs.Bytes(), []byte("\n")) {
				if len(line) > 4<<10 {
					t.Errorf("log line of %d bytes: %.200s", len(line), line)
				}
			}
			warnings := linesWith(logLines(t, &logs), "event time")
			if len(warnings) != 1 {
				t.Fatalf("%d event warnings, want 1: %v", len(warnings), warnings)
			}
			w := warnings[0]
			if w["level"] != "WARN" || w["problem"] != tc.problem || w["round"] != fallback || w["payload_bytes"] != float64(len(tc.payload)) {
				t.Errorf("warning %v, want the problem %q", w, tc.problem)
			}
			quoted, _ := w["payload"].(string)
			echo, err := strconv.Unquote(strings.TrimSuffix(quoted, "..."))
			if err != nil || len(echo) > 128 || !bytes.HasPrefix(tc.payload, []byte(echo)) || (len(tc.payload) > 0 && echo == "") {
				t.Errorf("payload echoed as %q, want the start of the payload, Go-quoted (%v)", quoted, err)
			}
			if utf8.Valid(tc.payload) && !utf8.ValidString(echo) {
				t.Errorf("the echo splits a character: %q", echo)
			}
		})
	}
}

// A huge time (or any huge value in a line) is cut in the log: the line
// stays well under CloudWatch's 256 KB and says so.
func TestHugeEventTimeIsCutInTheLog(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 3, 41, 0, time.UTC)
	for name, value := range map[string]string{
		"ASCII":         strings.Repeat("2026", 1<<18),
		"NUL":           strings.Repeat(`\u0000`, 1<<20),
		"invalid UTF-8": strings.Repeat("\xff", 1<<20),
	} {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			h := mumbai(t, now, &fakePutter{}, &logs)
			payload := []byte(`{"time":"` + value + `","id":"` + value + `"}`)
			if sum, err := invoke(t, h, payload); err != nil || sum.Up != 1 {
				t.Fatalf("summary %+v: %v", sum, err)
			}
			for _, line := range bytes.Split(logs.Bytes(), []byte("\n")) {
				if len(line) >= cloudWatchEvent || len(line) > 64<<10 {
					t.Errorf("log line of %d bytes", len(line))
				}
			}
			warnings := linesWith(logLines(t, &logs), "event time")
			if len(warnings) != 1 {
				t.Fatalf("%d warnings", len(warnings))
			}
			got, _ := warnings[0]["time"].(string)
			if !strings.HasSuffix(got, " bytes]") || !strings.Contains(got, "…[truncated from ") ||
				!strings.Contains(warnings[0]["problem"].(string), "is not RFC 3339") {
				t.Errorf("warning %.300v: want the time cut and marked", warnings[0])
			}
			if r := linesWith(logLines(t, &logs), "round"); len(r) != 1 || len(r[0]["event_id"].(string)) > 17<<10 {
				t.Errorf("round line: the event id is not bounded")
			}
		})
	}
}
