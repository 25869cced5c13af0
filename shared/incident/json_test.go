package incident

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/maintenance"
)

// longScenario runs three hours of a busy app through a replay: storms,
// flaps, a maintenance window, lost and repeated deliveries, a deleted
// alarm, a channel that fails now and then, reminders and the SMS cap.
// between runs after every step (the store re-reads the ledger between events).
func longScenario(between func(*Replay)) *Replay {
	w := maintenance.Window{ID: "nightly", Reason: "index rebuild", Start: at(60), End: at(90), Areas: []string{"Search", "Reporting"}}
	r := newReplay(w)
	n, outage := 0, false
	r.Send = func(m Message) error {
		n++
		if outage || n%4 == 0 {
			return fmt.Errorf("attempt %d of %s: 503", m.Attempts+1, m.ID)
		}
		return nil
	}
	do := func(f func()) {
		f()
		between(r)
	}
	for m := range 180 {
		now := at(m)
		outage = m >= 170 // the scenario ends with a channel down
		for i, a := range areas7 {
			switch phase := (m + 3*i) % 37; {
			case phase == 5:
				do(func() { r.Happen(down(a, firing, now), now) })
			case phase == 6 && i%2 == 0:
				do(func() { r.Deliver(down(a, firing, now.Add(-time.Minute)), now) }) // a repeat
			case phase == 9:
				do(func() { r.Lose(slow(a, firing, now), now) })
			case phase == 12:
				do(func() { r.Happen(down(a, ok, now), now) })
			case phase == 14:
				do(func() { r.Happen(slow(a, ok, now), now) })
			}
		}
		if m%50 == 20 {
			do(func() { r.Happen(silent("Sydney", firing, now), now) })
		}
		if m%50 == 30 {
			do(func() { r.Happen(silent("Sydney", alarm.StateInsufficient, now), now) })
		}
		if m == 150 {
			delete(r.Truth, alarm.DownAlarm(app, "Webhooks").String())
			delete(r.Truth, alarm.SlowAlarm(app, "Webhooks").String())
		}
		do(func() { r.Tick(now) })
	}
	return r
}

func TestLedgerRoundTripsThroughJSON(t *testing.T) {
	t.Parallel()
	r := longScenario(func(*Replay) {})
	l := r.Ledger
	if len(l.Closed) < 3 || l.Outbox == nil || l.SMS == nil || l.Open == nil {
		t.Fatalf("the scenario is not busy enough: %d closed, outbox %d, sms %d, open %v",
			len(l.Closed), len(l.Outbox), len(l.SMS), l.Open != nil)
	}
	if back := roundTrip(t, l); !reflect.DeepEqual(back, l) {
		t.Errorf("ledger differs after a JSON round trip:\n%s\n%s", mustJSON(t, l), mustJSON(t, back))
	}
	for _, m := range r.Log {
		var back Message
		if err := json.Unmarshal(mustJSON(t, m), &back); err != nil || !reflect.DeepEqual(back, m) {
			t.Fatalf("message %s differs after a round trip (%v)", m.ID, err)
		}
	}
	t.Logf("%d messages, document %d bytes: %v", len(r.Log), len(mustJSON(t, l)), r.Counts())
}

// The store re-reads the ledger before every event: a ledger read back from
// JSON decides exactly what the one kept in memory does.
func TestReReadLedgerDecidesTheSame(t *testing.T) {
	t.Parallel()
	kept := longScenario(func(*Replay) {})
	reread := longScenario(func(r *Replay) { r.Ledger = roundTrip(t, r.Ledger) })
	if !bytes.Equal(mustJSON(t, kept.Ledger), mustJSON(t, reread.Ledger)) || !bytes.Equal(mustJSON(t, kept.Log), mustJSON(t, reread.Log)) {
		t.Errorf("a re-read ledger decides differently")
	}
}

func TestSameInputsGiveByteIdenticalOutput(t *testing.T) {
	t.Parallel()
	a, b := longScenario(func(*Replay) {}), longScenario(func(*Replay) {})
	if !bytes.Equal(mustJSON(t, a.Ledger), mustJSON(t, b.Ledger)) {
		t.Errorf("two runs gave different ledgers")
	}
	if !bytes.Equal(mustJSON(t, a.Log), mustJSON(t, b.Log)) {
		t.Errorf("two runs gave different messages")
	}
}

func TestCallsLeaveTheirInputAlone(t *testing.T) {
	t.Parallel()
	r := longScenario(func(*Replay) {})
	l := r.Ledger
	l.Outbox = nil // nothing older in the way of what Apply decides
	before := mustJSON(t, l)
	p := DefaultPolicy()
	l2, ms := Apply(l, down("Boards", firing, at(200)), nil, at(200), p)
	l3, _ := Tick(l2, map[string]Truth{}, nil, at(300), p) // every alarm gone
	Sent(l3, []string{l3.Outbox[0].ID})
	Failed(l3, l3.Outbox[0].ID, "x", at(300), p)
	if after := mustJSON(t, l); !bytes.Equal(before, after) {
		t.Errorf("the calls changed the ledger passed in")
	}
	// Messages returned share nothing with the ledger.
	if len(ms) == 0 {
		t.Fatal("nothing decided")
	}
	kept := mustJSON(t, l2.Outbox)
	for i := range ms {
		ms[i].Incident.Members[0].Alarm = "changed"
		ms[i].Incident.Told.Firing = append(ms[i].Incident.Told.Firing[:0], "changed")
	}
	if !bytes.Equal(kept, mustJSON(t, l2.Outbox)) {
		t.Errorf("changing a returned message changed the ledger's outbox")
	}
}

func TestTimesAreUTC(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	local := at(0).In(ny)
	l, _ := Apply(Ledger{App: app}, down("Boards", firing, local), nil, local, DefaultPolicy())
	if back := roundTrip(t, l); !reflect.DeepEqual(back, l) {
		t.Errorf("times given in New York time do not round-trip")
	}
	if l.Open.Opened.Location() != time.UTC || l.Outbox[0].Due.Location() != time.UTC {
		t.Errorf("times not in UTC: %v %v", l.Open.Opened.Location(), l.Outbox[0].Due.Location())
	}
}
