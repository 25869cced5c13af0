package incident

import (
	"bytes"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

var areas7 = []string{"SignIn", "Boards", "Cards", "PublicAPI", "Search", "Reporting", "Webhooks"}

func TestStormIsOneIncident(t *testing.T) {
	r := newReplay()
	// Seven areas fail within two minutes, one every 20 s.
	for i, a := range areas7 {
		since := t0.Add(time.Duration(i) * 20 * time.Second)
		r.Happen(down(a, firing, since), since.Add(3*time.Second))
		if i%3 == 2 {
			r.Tick(since.Add(5 * time.Second))
		}
	}
	ticks(r, 3, 9)
	if r.Ledger.Open == nil || len(r.Ledger.Closed) != 0 {
		t.Fatalf("want one open incident, got open=%v closed=%d", r.Ledger.Open != nil, len(r.Ledger.Closed))
	}
	if n := len(r.Ledger.Open.Members); n != 7 {
		t.Errorf("members = %d, want 7", n)
	}
	// The six that joined after the first are batched into one update, due
	// UpdateEvery after the open.
	wantCounts(t, r, map[string]int{"pager open": 1, "email open": 1, "sms open": 1, "pager update": 1, "email update": 1})
	if u := r.Log[len(r.Log)-1]; u.Kind != KindUpdate || len(u.Incident.Told.Firing) != 7 || len(u.Before.Firing) != 1 {
		t.Errorf("last message = %s %s firing %v before %v, want an update of all 7 after 1", u.Channel, u.Kind, u.Incident.Told.Firing, u.Before.Firing)
	}
	id := r.Ledger.Open.ID
	if id != "20261202T010000Z-signin-down" {
		t.Errorf("incident id = %q", id)
	}
	for _, a := range areas7 {
		r.Happen(down(a, ok, at(10)), at(10))
	}
	ticks(r, 10, 15)
	if r.Ledger.Open != nil || len(r.Ledger.Closed) != 1 || r.Ledger.Closed[0].Resolved != at(12) {
		t.Fatalf("want resolved at minute 12, got open=%v closed=%+v", r.Ledger.Open != nil, r.Ledger.Closed)
	}
	wantCounts(t, r, map[string]int{"pager open": 1, "email open": 1, "sms open": 1, "pager update": 1, "email update": 1,
		"pager resolve": 1, "email resolve": 1, "sms resolve": 1})
	for _, m := range r.Log {
		if m.Incident.ID != id {
			t.Errorf("message %s is about %s", m.ID, m.Incident.ID)
		}
	}
	if r.Ledger.Outbox != nil {
		t.Errorf("outbox = %v, want empty after delivery", names(r.Ledger.Outbox))
	}
}

// The flood of the issue: the public API slows (warning), then boards, cards
// and search fail (critical), then all recover.
func TestFloodCounts(t *testing.T) {
	r := newReplay()
	r.Run(t0, 25, map[int][]Change{
		7:  {slow("PublicAPI", firing, time.Time{})},
		10: {down("Boards", firing, time.Time{}), down("Cards", firing, time.Time{})},
		11: {down("Search", firing, time.Time{})},
		14: {down("Search", ok, time.Time{})},
		15: {down("Boards", ok, time.Time{}), down("Cards", ok, time.Time{})},
		16: {slow("PublicAPI", ok, time.Time{})},
	})
	// The rise to critical pages at once (pager update, SMS); the email
	// waits for the batch at minute 12, which also refreshes the pager.
	wantCounts(t, r, map[string]int{"pager open": 1, "email open": 1, "pager update": 2, "email update": 1, "sms open": 1,
		"pager resolve": 1, "email resolve": 1, "sms resolve": 1})
}

func TestDuplicateDeliveryIsNoOp(t *testing.T) {
	c := down("Boards", firing, at(0))
	once, ms := Apply(Ledger{App: app}, c, nil, at(0), DefaultPolicy())
	if len(ms) != 3 {
		t.Fatalf("first delivery decided %v, want pager, email and SMS opens", names(ms))
	}
	twice, ms := Apply(once, c, nil, at(1), DefaultPolicy())
	if ms != nil {
		t.Errorf("repeated delivery decided %v", names(ms))
	}
	if !reflect.DeepEqual(once, twice) {
		t.Errorf("repeated delivery changed the ledger")
	}
}

func TestStaleChangeIsNoOp(t *testing.T) {
	p := DefaultPolicy()
	l, _ := Apply(Ledger{App: app}, down("Boards", firing, at(5)), nil, at(5), p)
	for _, c := range []Change{
		down("Boards", ok, at(3)),                      // an OK from before it fired
		down("Boards", ok, at(5)),                      // no newer than the known state
		down("Boards", alarm.StateInsufficient, at(4)), // older, another state
	} {
		got, ms := Apply(l, c, nil, at(6), p)
		if ms != nil || !reflect.DeepEqual(got, l) {
			t.Errorf("%s %s since %s: decided %v, changed=%v", c.Alarm, c.State, c.Since.Sub(t0), names(ms), !reflect.DeepEqual(got, l))
		}
	}
}

func TestForeignAndOtherAppChangesAreIgnored(t *testing.T) {
	l := Ledger{App: app}
	for _, c := range []Change{
		{Alarm: alarm.AlarmName{App: app, Kind: alarm.KindForeign, Subject: "x"}, State: firing, Since: at(0)},
		{Alarm: alarm.DownAlarm("other", "Boards"), State: firing, Since: at(0)},
		{Alarm: alarm.DownAlarm(app, "Boards"), State: "BROKEN", Since: at(0)},
	} {
		if got, ms := Apply(l, c, nil, at(0), DefaultPolicy()); ms != nil || !reflect.DeepEqual(got, l) {
			t.Errorf("%+v was applied", c)
		}
	}
}

func TestInterleavedDuplicatesGiveTheSameLedger(t *testing.T) {
	a1 := down("Boards", firing, at(0))
	b1 := slow("Search", firing, at(0).Add(10*time.Second))
	a2 := down("Boards", ok, at(1))
	b2 := slow("Search", ok, at(1).Add(20*time.Second))
	orders := [][]Change{
		{a1, b1, a2, b2},
		{a1, a1, b1, b1, a2, a2, b2, b2},
		{a1, b1, a1, a2, b1, b2, a2, b2},
		{a1, b1, a2, a1, b2, b1, a2}, // repeats after the alarm moved on are stale
	}
	var want []byte
	for i, order := range orders {
		l := Ledger{App: app}
		for _, c := range order {
			l, _ = Apply(l, c, nil, at(1).Add(30*time.Second), DefaultPolicy())
		}
		got := mustJSON(t, l)
		if i == 0 {
			want = got
		} else if !bytes.Equal(got, want) {
			t.Errorf("order %d:\n%s\nwant\n%s", i, got, want)
		}
	}
}

func TestFlappingMember(t *testing.T) {
	r := newReplay()
	r.Happen(down("Boards", firing, at(0)), at(0))
	// Cards flaps in and out before the batched update is due at minute 5.
	r.Happen(down("Cards", firing, at(1)), at(1))
	r.Happen(down("Cards", ok, at(2)), at(2))
	r.Happen(down("Cards", firing, at(3)), at(3))
	if due := r.Ledger.Open.UpdateDue; due != at(5) {
		t.Errorf("update due %v, want minute 5", due.Sub(t0))
	}
	r.Happen(down("Cards", ok, at(4)), at(4))
	if due := r.Ledger.Open.UpdateDue; !due.IsZero() {
		t.Errorf("update still due at %v after the flap ended", due.Sub(t0))
	}
	ticks(r, 4, 9)
	// Boards flaps within the settle time: no resolve, no reopen.
	id := r.Ledger.Open.ID
	r.Happen(down("Boards", ok, at(10)), at(10))
	r.Tick(at(11))
	r.Happen(down("Boards", firing, at(11).Add(30*time.Second)), at(11).Add(30*time.Second))
	ticks(r, 12, 20)
	if r.Ledger.Open == nil || r.Ledger.Open.ID != id || len(r.Ledger.Closed) != 0 {
		t.Fatalf("the flap resolved or reopened the incident: open=%+v closed=%d", r.Ledger.Open, len(r.Ledger.Closed))
	}
	wantCounts(t, r, map[string]int{"pager open": 1, "email open": 1, "sms open": 1})
	if !hasNote(r.Ledger.Open, "rejoined") {
		t.Errorf("timeline lacks the rejoin:\n%s", notes(r.Ledger.Open))
	}
}

func TestOverlappingWaves(t *testing.T) {
	r := newReplay()
	r.Happen(down("Boards", firing, at(0)), at(0))
	r.Happen(down("Boards", ok, at(5)), at(5))
	first := r.Ledger.Open.ID
	// A second wave while the first settles joins it.
	r.Happen(down("Search", firing, at(6)), at(6))
	if r.Ledger.Open == nil || r.Ledger.Open.ID != first || !r.Ledger.Open.AllOKSince.IsZero() {
		t.Fatalf("second wave did not join the settling incident: %+v", r.Ledger.Open)
	}
	r.Happen(down("Search", ok, at(8)), at(8))
	ticks(r, 8, 10)
	if r.Ledger.Open != nil || len(r.Ledger.Closed) != 1 {
		t.Fatalf("not resolved at minute 10")
	}
	// After the resolve, a new wave opens a new incident.
	r.Happen(down("Boards", firing, at(12)), at(12))
	if r.Ledger.Open == nil || r.Ledger.Open.ID == first || r.Ledger.Open.ID != "20261202T011200Z-boards-down" {
		t.Fatalf("new wave: open = %+v, first was %s", r.Ledger.Open, first)
	}
	wantCounts(t, r, map[string]int{"pager open": 2, "email open": 2, "sms open": 2,
		"pager update": 1, "email update": 1, // Search joined at minute 6, after the rate limit
		"pager resolve": 1, "email resolve": 1, "sms resolve": 1})
}

func TestLateDeliveriesFromAPreviousIncident(t *testing.T) {
	r := newReplay()
	open1 := r.Happen(down("Boards", firing, at(0)), at(0))
	okChange := r.Lose(down("Boards", ok, at(3)), at(3)) // SNS is late with it
	ticks(r, 4, 6)
	if len(r.Ledger.Closed) != 1 {
		t.Fatalf("the tick did not resolve the first incident")
	}
	r.Happen(down("Boards", firing, at(8)), at(8))
	second := r.Ledger.Open.ID
	before := mustJSON(t, r.Ledger)
	// Now the late OK of the first incident's era arrives, and a repeat of
	// its ALARM: both are stale.
	if ms := r.Deliver(okChange, at(9)); ms != nil {
		t.Errorf("late OK decided %v", names(ms))
	}
	if ms := r.Deliver(open1[0].Incident.Members[0].change(), at(9)); ms != nil {
		t.Errorf("late ALARM decided %v", names(ms))
	}
	if after := mustJSON(t, r.Ledger); !bytes.Equal(before, after) || r.Ledger.Open.ID != second {
		t.Errorf("late deliveries changed the ledger")
	}
}

// change rebuilds the ALARM change a member joined with.
func (m Member) change() Change {
	n, _ := alarm.ParseAlarmName(m.Alarm)
	return Change{Alarm: n, State: alarm.StateAlarm, Since: m.FirstFired, Severity: m.Severity, Area: m.Area}
}

func TestGrouping(t *testing.T) {
	r := newReplay()
	r.Happen(slow("Search", ok, at(0)), at(0)) // an OK of an alarm the ledger never saw fire: nothing to do
	if r.Ledger.Open != nil || len(r.Ledger.Alarms) != 0 {
		t.Fatalf("an OK of an unknown alarm opened an incident or was recorded: %+v", r.Ledger.Alarms)
	}
	r.Happen(down("Boards", firing, at(1)), at(1))
	r.Happen(silent("London", firing, at(2)), at(2))
	r.Happen(down("Boards", alarm.StateInsufficient, at(3)), at(3)) // not firing
	inc := r.Ledger.Open
	if len(inc.Members) != 2 || !inc.AllOKSince.IsZero() {
		t.Fatalf("members %+v, all OK since %v", inc.Members, inc.AllOKSince)
	}
	// Out of order: the silent alarm's OK (minute 5) arrives before a
	// slow alarm joins and leaves; all OK since the last to clear.
	r.Happen(silent("London", ok, at(5)), at(5))
	if got := r.Ledger.Open.AllOKSince; got != at(5) {
		t.Errorf("all OK since %v, want minute 5", got.Sub(t0))
	}
	if got := r.Ledger.Open.Severity; got != check.Warning {
		t.Errorf("severity %s, want warning: the critical member fired first, then left", got)
	}
}

func TestSeverityRiseGoesToThePagerAtOnce(t *testing.T) {
	r := newReplay()
	r.Happen(slow("PublicAPI", firing, at(0)), at(0))
	ms := r.Happen(down("Boards", firing, at(1)), at(1))
	if got := names(ms); !slices.Equal(got, []string{"pager update", "sms open"}) {
		t.Errorf("on the rise: %v, want pager update and sms open", got)
	}
	if got := ms[0].Incident.Severity; got != check.Critical {
		t.Errorf("pager update severity %s", got)
	}
	// Another critical member is no rise: it waits for the batch.
	if ms := r.Happen(down("Cards", firing, at(2)), at(2)); ms != nil {
		t.Errorf("second critical member: %v", names(ms))
	}
	ticks(r, 2, 6)
	wantCounts(t, r, map[string]int{"pager open": 1, "email open": 1, "pager update": 2, "email update": 1, "sms open": 1})
	// A fall is batched like any change.
	r.Happen(down("Boards", ok, at(7)), at(7))
	r.Happen(down("Cards", ok, at(7)), at(7))
	ticks(r, 7, 11)
	if got := r.Counts()["pager update"]; got != 3 {
		t.Errorf("pager updates after the fall = %d, want 3 (the batch at minute 10)", got)
	}
	if got := r.Ledger.Open.PagerSeverity; got != check.Warning {
		t.Errorf("pager severity %s after the fall", got)
	}
}

func TestReminders(t *testing.T) {
	for _, tc := range []struct {
		name   string
		every  time.Duration
		joinAt int // a member joins then (an email update resets the clock); -1 never
		want   int
	}{
		{"every 60 min", time.Hour, -1, 3},       // at 60, 120, 180
		{"reset by an update", time.Hour, 30, 2}, // update at 30, reminders at 90, 150
		{"off at 0", 0, -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReplay()
			r.Policy.RemindEvery = tc.every
			r.Happen(down("Boards", firing, at(0)), at(0))
			for m := 1; m <= 180; m++ {
				if m == tc.joinAt {
					r.Happen(down("Cards", firing, at(m)), at(m))
				}
				r.Tick(at(m))
			}
			if got := r.Count(Email, KindReminder); got != tc.want {
				t.Errorf("reminders = %d, want %d\n%s", got, tc.want, logText(r.Log))
			}
			if got := r.Count(Pager, KindReminder) + r.Count(SMS, KindReminder); got != 0 {
				t.Errorf("pager or SMS reminded %d times", got)
			}
		})
	}
}

func TestSMSCap(t *testing.T) {
	r := newReplay()
	// Seven critical incidents within an hour, one every 8 minutes.
	for k := range 7 {
		start := 8 * k
		r.Happen(down("Boards", firing, at(start)), at(start))
		r.Happen(down("Boards", ok, at(start+2)), at(start+2))
		ticks(r, start+2, start+4)
	}
	if got := len(r.Ledger.Closed); got != 7 {
		t.Fatalf("closed = %d, want 7", got)
	}
	if got, want := r.Count(SMS, KindOpen), 6; got != want {
		t.Errorf("open SMS = %d, want %d", got, want)
	}
	if got := r.Count(SMS, KindResolve); got != 6 {
		t.Errorf("resolve SMS = %d, want 6 (one per open SMS)", got)
	}
	seventh := &r.Ledger.Closed[6]
	if seventh.SMSOpened || !hasNote(seventh, "SMS not sent: 6 in the last hour") {
		t.Errorf("seventh incident: SMS opened %v, timeline:\n%s", seventh.SMSOpened, notes(seventh))
	}
	for _, m := range r.Log {
		if m.Channel == SMS && m.Incident.ID == seventh.ID {
			t.Errorf("SMS %s sent for the capped incident", m.Kind)
		}
	}
	// An hour after the first SMS, the cap has room again.
	r.Happen(down("Boards", firing, at(61)), at(61))
	if got := r.Count(SMS, KindOpen); got != 7 {
		t.Errorf("open SMS after the hour = %d, want 7", got)
	}
	if n := len(r.Ledger.SMS); n != 6 {
		t.Errorf("SMS kept = %d, want the 6 of the trailing hour", n)
	}
}

func TestWarningIncidentSendsNoSMS(t *testing.T) {
	r := newReplay()
	r.Happen(slow("Search", firing, at(0)), at(0))
	r.Happen(silent("Mumbai", firing, at(1)), at(1))
	r.Happen(slow("Search", ok, at(3)), at(3))
	r.Happen(silent("Mumbai", ok, at(3)), at(3))
	ticks(r, 3, 6)
	wantCounts(t, r, map[string]int{"pager open": 1, "email open": 1, "pager resolve": 1, "email resolve": 1})
}

func TestResolveCancelsPendingUpdate(t *testing.T) {
	r := newReplay()
	r.Happen(down("Boards", firing, at(0)), at(0))
	r.Happen(down("Cards", firing, at(1)), at(1))
	r.Happen(down("Boards", ok, at(2)), at(2))
	r.Happen(down("Cards", ok, at(2)), at(2))
	ticks(r, 2, 10)
	wantCounts(t, r, map[string]int{"pager open": 1, "email open": 1, "sms open": 1, "pager resolve": 1, "email resolve": 1, "sms resolve": 1})
	resolve := r.Log[len(r.Log)-2]
	if resolve.Channel != Email || resolve.Kind != KindResolve || !hasNote(&resolve.Incident, "resolved") {
		t.Errorf("the email resolve lacks the timeline: %+v", resolve)
	}
	for _, m := range r.Log {
		if m.Kind != KindResolve && m.Incident.Timeline != nil {
			t.Errorf("%s %s carries the timeline", m.Channel, m.Kind)
		}
	}
}

func TestSettleZeroResolvesInApply(t *testing.T) {
	r := newReplay()
	r.Policy.Settle = 0
	r.Happen(down("Boards", firing, at(0)), at(0))
	ms := r.Happen(down("Boards", ok, at(1)), at(1))
	if got := names(ms); !slices.Equal(got, []string{"pager resolve", "email resolve", "sms resolve"}) {
		t.Errorf("clearing the last member with no settle decided %v", got)
	}
	// A delivery late by more than the settle time resolves at once too.
	r = newReplay()
	r.Happen(down("Boards", firing, at(0)), at(0))
	if ms := r.Happen(down("Boards", ok, at(1)), at(4)); len(ms) != 3 {
		t.Errorf("OK delivered 3 minutes late decided %v, want the resolves", names(ms))
	}
}

func TestIncidentIDs(t *testing.T) {
	for _, tc := range []struct {
		c    Change
		want string
	}{
		{down("PublicAPI", firing, at(2)), "20261202T010200Z-publicapi-down"},
		{slow("Boards", firing, at(0).Add(1500*time.Millisecond)), "20261202T010001Z-boards-slow"},
		{silent("New York", firing, at(0)), "20261202T010000Z-new-york-silent"},
	} {
		if got := incidentID(tc.c); got != tc.want {
			t.Errorf("incidentID(%s) = %q, want %q", tc.c.Alarm, got, tc.want)
		}
	}
	// Two incidents opened by one alarm in one second get distinct ids.
	r := newReplay()
	r.Policy.Settle = 0
	r.Happen(down("Boards", firing, at(0)), at(0))
	r.Happen(down("Boards", ok, at(0).Add(100*time.Millisecond)), at(0).Add(time.Second))
	r.Happen(down("Boards", firing, at(0).Add(200*time.Millisecond)), at(0).Add(time.Second))
	if r.Ledger.Open.ID != "20261202T010000Z-boards-down-2" {
		t.Errorf("second id %q", r.Ledger.Open.ID)
	}
}

func TestPolicyWithDefaults(t *testing.T) {
	if got := (Policy{}).WithDefaults(); got != DefaultPolicy() {
		t.Errorf("zero policy with defaults = %+v", got)
	}
	p := Policy{Settle: -1, RemindEvery: -1, SMSPerHour: -1, UpdateEvery: time.Minute}.WithDefaults()
	if p.Settle != -1 || p.RemindEvery != -1 || p.SMSPerHour != -1 || p.UpdateEvery != time.Minute || p.Lease != 2*time.Minute {
		t.Errorf("negative fields not kept or set ones replaced: %+v", p)
	}
	// Negative means none where the logic uses it.
	r := newReplay()
	r.Policy = p
	r.Happen(down("Boards", firing, at(0)), at(0))
	ms := r.Happen(down("Boards", ok, at(1)), at(1))
	wantCounts(t, r, map[string]int{"pager open": 1, "email open": 1, "pager resolve": 1, "email resolve": 1})
	if len(ms) != 2 {
		t.Errorf("negative settle did not resolve at once: %v", names(ms))
	}
}
