package incident

import (
	"errors"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/maintenance"
)

// A trigger that failed must reach the pager before its resolve: else the
// pager keeps an alert nobody closes.
func TestAResolveNeverOvertakesTheTriggerItCloses(t *testing.T) {
	p := DefaultPolicy()
	p.Settle = -1 // resolve at once
	r := NewReplay(app, p)
	refused := 0
	r.Send = func(m Message) error {
		if m.Channel == Pager && m.Kind == KindOpen && refused < 3 {
			refused++
			return errors.New("HTTP 503")
		}
		return nil
	}
	r.Happen(down("Boards", firing, at(0)), at(0))
	r.Happen(down("Boards", ok, at(0).Add(20*time.Second)), at(0).Add(20*time.Second))
	ticks(r, 1, 20)
	var order []Kind
	for _, m := range r.Log {
		if m.Channel == Pager {
			order = append(order, m.Kind)
		}
	}
	want := []Kind{KindOpen, KindOpen, KindOpen, KindOpen, KindResolve}
	if len(order) != len(want) {
		t.Fatalf("pager got %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("pager got %v, want %v: the resolve went first", order, want)
		}
	}
}

// A member muted by a window does not hold open an incident people were
// told of: it resolves when what they were told of recovers, and the muted
// member goes on in an unannounced incident, told if it outlasts its window.
func TestAMutedMemberDoesNotHoldAToldIncidentOpen(t *testing.T) {
	w := maintenance.Window{ID: "upgrade", Start: at(15), End: at(250), Areas: []string{"Boards"}}
	r := newReplay(w)
	r.Happen(down("Cards", firing, at(0)), at(0))
	r.Happen(down("Boards", firing, at(16)), at(16))
	r.Happen(down("Cards", ok, at(20)), at(20))
	ticks(r, 21, 30)
	if got := r.Count(Pager, KindResolve); got != 1 {
		t.Fatalf("%d pager resolves by minute 30, want the told incident resolved\n%s", got, logText(r.Log))
	}
	if r.Count(Email, KindReminder) != 0 {
		t.Errorf("a reminder for an incident whose told members recovered")
	}
	if r.Ledger.Open == nil || len(r.Ledger.Open.Members) != 1 || r.Ledger.Open.Members[0].Alarm != down("Boards", firing, at(0)).Alarm.String() || !r.Ledger.Open.Announced.IsZero() {
		t.Fatalf("the muted Boards should go on, unannounced: %+v", r.Ledger.Open)
	}
	ticks(r, 31, 250)
	if got := r.Count(Pager, KindOpen); got != 2 {
		t.Errorf("%d pager opens, want Cards's and, at the window's end, Boards's\n%s", got, logText(r.Log))
	}
}

// An update that was replaced before it went out still has its changes told.
func TestAReplacedUpdateKeepsWhatItHadToSay(t *testing.T) {
	r := newReplay()
	refused := 0
	r.Send = func(m Message) error {
		if m.Channel == Email && m.Kind == KindUpdate && m.Incident.Told.Firing != nil && len(m.Incident.Told.Firing) == 2 {
			refused++
			return errors.New("throttled") // the update naming Cards never gets through
		}
		return nil
	}
	r.Happen(down("Boards", firing, at(0)), at(0))
	r.Happen(down("Cards", firing, at(5)), at(5)) // an update is due at once: refused, retried, refused
	r.Happen(down("Search", firing, at(6)), at(6))
	ticks(r, 6, 12) // at 10 the batched update replaces the refused one
	var last Message
	for _, m := range r.Log {
		if m.Channel == Email && m.Kind == KindUpdate {
			last = m
		}
	}
	if refused == 0 || len(last.Incident.Told.Firing) != 3 {
		t.Fatalf("scenario: %d refusals, last update told %v", refused, last.Incident.Told.Firing)
	}
	if len(last.Before.Firing) != 1 {
		t.Errorf("the update that went out was told before %v: want only Boards, so it names Cards and Search", last.Before.Firing)
	}
}

// The ledger holds the alarms that fired lately, not every alarm of the
// app: a deploy of 3,000 areas whose alarms all turn OK writes nothing, and
// an alarm that recovered an hour ago is forgotten.
func TestTheLedgerHoldsOnlyWhatFiredLately(t *testing.T) {
	r := newReplay()
	truth := map[string]Truth{}
	for i := range 3000 {
		c := down("Area"+string(rune('A'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676)), ok, at(0))
		truth[c.Alarm.String()] = Truth{State: ok, Since: at(0), Severity: c.Severity, Area: c.Area}
		r.Happen(c, at(0))
	}
	r.Truth = truth
	r.Tick(at(1))
	if n := len(mustJSON(t, r.Ledger)); n > 1000 {
		t.Errorf("after a deploy's OKs the ledger is %d bytes", n)
	}
	r.Happen(down("Boards", firing, at(2)), at(2))
	r.Happen(down("Boards", ok, at(3)), at(3))
	ticks(r, 4, 10)
	if _, known := r.Ledger.Alarms[down("Boards", ok, at(0)).Alarm.String()]; !known {
		t.Fatal("an alarm that just recovered is forgotten: a late ALARM would reopen it")
	}
	r.Deliver(down("Boards", firing, at(2)), at(8)) // the ALARM again, late
	if r.Ledger.Open != nil {
		t.Errorf("a late, repeated ALARM opened an incident")
	}
	ticks(r, 70, 70)
	if len(r.Ledger.Alarms) != 0 {
		t.Errorf("an hour after recovering, the ledger still holds %v", r.Ledger.Alarms)
	}
}
