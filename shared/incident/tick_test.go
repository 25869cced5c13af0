package incident

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
)

func TestTickRepairsALostAlarm(t *testing.T) {
	r := newReplay()
	r.Lose(down("Boards", firing, at(0).Add(10*time.Second)), at(0))
	ms := r.Tick(at(1))
	if got := names(ms); !slices.Equal(got, []string{"pager open", "email open", "sms open"}) {
		t.Fatalf("tick decided %v", got)
	}
	inc := r.Ledger.Open
	if inc.Opened != at(0).Add(10*time.Second) || inc.Timeline[0].Source != "tick" {
		t.Errorf("opened %v, timeline:\n%s", inc.Opened.Sub(t0), notes(inc))
	}
}

func TestTickRepairsALostOK(t *testing.T) {
	r := newReplay()
	r.Happen(down("Boards", firing, at(0)), at(0))
	r.Lose(down("Boards", ok, at(3)), at(3))
	r.Tick(at(4))
	if r.Ledger.Open == nil || r.Ledger.Open.AllOKSince != at(3) {
		t.Fatalf("the tick did not take the member out: %+v", r.Ledger.Open)
	}
	r.Tick(at(5))
	if r.Ledger.Open != nil || len(r.Ledger.Closed) != 1 {
		t.Fatalf("not resolved Settle after the true OK")
	}
	wantCounts(t, r, map[string]int{"pager open": 1, "email open": 1, "sms open": 1, "pager resolve": 1, "email resolve": 1, "sms resolve": 1})
}

func TestTickTreatsADeletedAlarmAsOK(t *testing.T) {
	r := newReplay()
	r.Happen(down("Boards", firing, at(0)), at(0))
	r.Happen(slow("Cards", ok, at(0)), at(0))
	delete(r.Truth, alarm.DownAlarm(app, "Boards").String())
	delete(r.Truth, alarm.SlowAlarm(app, "Cards").String())
	r.Tick(at(3))
	if _, ok := r.Ledger.Alarms[alarm.DownAlarm(app, "Boards").String()]; ok || r.Ledger.Alarms != nil {
		t.Errorf("deleted alarms still known: %v", r.Ledger.Alarms)
	}
	inc := r.Ledger.Open
	if inc == nil || inc.AllOKSince != at(3) || !hasNote(inc, "left") || inc.Timeline[1].Source != "tick: the alarm no longer exists" {
		t.Fatalf("open %+v", inc)
	}
	r.Tick(at(5))
	if len(r.Ledger.Closed) != 1 {
		t.Errorf("not resolved")
	}
}

func TestTickWithoutTruthSkipsTheReconcile(t *testing.T) {
	r := newReplay()
	r.Send = func(Message) error { return errors.New("503") }
	r.Happen(down("Boards", firing, at(0)), at(0))
	l, ms := Tick(r.Ledger, nil, nil, at(1), r.Policy)
	if l.Open == nil || l.Alarms == nil {
		t.Errorf("a tick without truth forgot the alarms")
	}
	if len(ms) != 3 {
		t.Errorf("a tick without truth did not retry the failed messages: %v", names(ms))
	}
}

func TestTickIsIdempotent(t *testing.T) {
	r := newReplay()
	r.Happen(down("Boards", firing, at(0)), at(0))
	r.Happen(down("Cards", firing, at(1)), at(1))
	l1, ms1 := Tick(r.Ledger, r.Truth, nil, at(5), r.Policy)
	if got := names(ms1); !slices.Equal(got, []string{"pager update", "email update"}) {
		t.Fatalf("first tick: %v", got)
	}
	l2, ms2 := Tick(l1, r.Truth, nil, at(5), r.Policy)
	if ms2 != nil || !reflect.DeepEqual(l1, l2) {
		t.Errorf("second tick at the same time decided %v or changed the ledger", names(ms2))
	}
}

func TestTickHandsOutDueMessagesWithALease(t *testing.T) {
	r := newReplay()
	l, ms := Apply(r.Ledger, down("Boards", firing, at(0)), nil, at(0), r.Policy)
	// The caller crashed before it reported: the lease runs out and the tick
	// hands the same messages out again, once per lease.
	var got []int
	for m := 1; m <= 4; m++ {
		var out []Message
		l, out = Tick(l, nil, nil, at(m), r.Policy)
		got = append(got, len(out))
		for _, o := range out {
			if !slices.ContainsFunc(ms, func(x Message) bool { return x.ID == o.ID }) || o.Due != at(m+2) || o.Attempts != 0 {
				t.Errorf("minute %d handed out %s due %v attempts %d", m, o.ID, o.Due.Sub(t0), o.Attempts)
			}
		}
	}
	if !slices.Equal(got, []int{0, 3, 0, 3}) {
		t.Errorf("handed out per minute %v, want [0 3 0 3]", got)
	}
}

func TestDeletedAlarmLeavesEvenWhenItsStateLooksNewer(t *testing.T) {
	l, _ := Apply(Ledger{App: app}, down("Boards", firing, at(5)), nil, at(5), DefaultPolicy())
	l, _ = Tick(l, map[string]Truth{}, nil, at(4), DefaultPolicy()) // the tick's clock is behind
	if l.Alarms != nil || l.Open.Members[0].Firing() || l.Open.AllOKSince.IsZero() {
		t.Errorf("alarms %v, member %+v", l.Alarms, l.Open.Members[0])
	}
}

func TestAFarFutureSinceIsNotBelieved(t *testing.T) {
	p := DefaultPolicy()
	l, _ := Apply(Ledger{App: app}, down("Boards", firing, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)), nil, at(0), p)
	if got := l.Alarms[alarm.DownAlarm(app, "Boards").String()].Since; got != at(0) {
		t.Fatalf("since %v, want now", got)
	}
	l, _ = Apply(l, down("Boards", ok, at(1)), nil, at(1), p)
	if l.Open.Members[0].Firing() {
		t.Errorf("the OK after a far-future ALARM was taken as stale")
	}
}

func TestTickRepairsALostStormInFiringOrder(t *testing.T) {
	r := newReplay()
	for i, a := range areas7 {
		r.Lose(down(a, firing, at(0).Add(time.Duration(len(areas7)-i)*time.Second)), at(0))
	}
	ms := r.Tick(at(1))
	if got := names(ms); !slices.Equal(got, []string{"pager open", "email open", "sms open"}) {
		t.Fatalf("tick decided %v", got)
	}
	inc := r.Ledger.Open
	if inc.ID != "20261202T010001Z-webhooks-down" || len(inc.Members) != 7 || inc.Members[6].Area != "SignIn" {
		t.Errorf("id %s, members %+v", inc.ID, inc.Members)
	}
}

func TestDeletedAlarmsLeaveInNameOrder(t *testing.T) {
	r := newReplay()
	for _, a := range areas7 {
		r.Happen(down(a, firing, at(0)), at(0))
	}
	var want []byte
	for range 20 { // map order differs from run to run
		l, _ := Tick(r.Ledger, map[string]Truth{}, nil, at(3), r.Policy)
		got := mustJSON(t, l)
		if want == nil {
			want = got
			tl := l.Open.Timeline[len(areas7):]
			if !slices.IsSortedFunc(tl, func(a, b Event) int { return strings.Compare(a.Alarm, b.Alarm) }) {
				t.Errorf("leaves not in name order:\n%s", notes(l.Open))
			}
		} else if !bytes.Equal(got, want) {
			t.Fatalf("two identical ticks gave different ledgers")
		}
	}
}
