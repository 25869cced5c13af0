package incident

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/maintenance"
)

const app = "taskboard"

// t0 is the fake clock's origin; at(m) is minute m of a scenario.
var t0 = time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)

func at(minute int) time.Time { return t0.Add(time.Duration(minute) * time.Minute) }

// down, slow and silent are alarm changes as the notifier parses them.
func down(area string, s alarm.State, since time.Time) Change {
	return Change{Alarm: alarm.DownAlarm(app, area), State: s, Since: since, Severity: check.Critical, Area: area, Source: "sns"}
}

func slow(area string, s alarm.State, since time.Time) Change {
	return Change{Alarm: alarm.SlowAlarm(app, area), State: s, Since: since, Severity: check.Warning, Area: area, Source: "sns"}
}

func silent(location string, s alarm.State, since time.Time) Change {
	return Change{Alarm: alarm.SilentAlarm(app, location), State: s, Since: since, Severity: check.Warning, Source: "sns"}
}

const (
	firing = alarm.StateAlarm
	ok     = alarm.StateOK
)

func newReplay(ws ...maintenance.Window) *Replay { return NewReplay(app, DefaultPolicy(), ws...) }

// ticks runs the tick at every minute from..to, inclusive.
func ticks(r *Replay, from, to int) {
	for m := from; m <= to; m++ {
		r.Tick(at(m))
	}
}

// wantCounts compares the messages handed out with want ("pager open": 1);
// kinds missing from want must not have been sent.
func wantCounts(t *testing.T, r *Replay, want map[string]int) {
	t.Helper()
	got := r.Counts()
	if !maps.Equal(got, want) {
		t.Errorf("messages = %v, want %v\n%s", got, want, logText(r.Log))
	}
}

func logText(ms []Message) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "  %s %s %s firing=%v\n", m.Due.Sub(t0), m.Channel, m.Kind, m.Incident.Told.Firing)
	}
	return b.String()
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// roundTrip marshals and unmarshals a ledger, as the store does between events.
func roundTrip(t testing.TB, l Ledger) Ledger {
	t.Helper()
	var back Ledger
	if err := json.Unmarshal(mustJSON(t, l), &back); err != nil {
		t.Fatal(err)
	}
	return back
}

func hasNote(inc *Incident, part string) bool {
	return slices.ContainsFunc(inc.Timeline, func(e Event) bool { return strings.Contains(e.Note, part) })
}

func notes(inc *Incident) string {
	var b strings.Builder
	for _, e := range inc.Timeline {
		fmt.Fprintf(&b, "  %s %s %s %s\n", e.At.Sub(t0), e.Alarm, e.State, e.Note)
	}
	return b.String()
}

func names(ms []Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m.Channel)+" "+string(m.Kind))
	}
	return out
}

// failOn is a Send that fails every message of one channel and kind.
func failOn(ch Channel, k Kind, err string) func(Message) error {
	return func(m Message) error {
		if m.Channel == ch && m.Kind == k {
			return errors.New(err)
		}
		return nil
	}
}
