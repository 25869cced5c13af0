package incident

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestSentIsIdempotent(t *testing.T) {
	l, ms := Apply(Ledger{App: app}, down("Boards", firing, at(0)), nil, at(0), DefaultPolicy())
	ids := []string{ms[0].ID, ms[2].ID}
	once := Sent(l, ids)
	if got := names(once.Outbox); !slices.Equal(got, []string{"email open"}) {
		t.Fatalf("outbox after Sent: %v", got)
	}
	if twice := Sent(once, ids); !reflect.DeepEqual(once, twice) {
		t.Errorf("Sent twice differs from once")
	}
	if unknown := Sent(l, []string{"nope"}); !reflect.DeepEqual(unknown, l) {
		t.Errorf("an unknown id changed the ledger")
	}
	if len(l.Outbox) != 3 {
		t.Errorf("Sent changed the ledger passed in")
	}
	if all := Sent(once, []string{ms[1].ID}); all.Outbox != nil {
		t.Errorf("empty outbox is %#v, want nil", all.Outbox)
	}
}

func TestFailedBacksOffThenGivesUp(t *testing.T) {
	p := DefaultPolicy()
	l, ms := Apply(Ledger{App: app}, down("Boards", firing, at(0)), nil, at(0), p)
	pager := ms[0].ID
	l = Sent(l, []string{ms[1].ID, ms[2].ID})
	now := at(0)
	var waits []time.Duration
	for range p.MaxAttempts - 1 {
		l = Failed(l, pager, "PagerDuty answered 503", now, p)
		m := l.Outbox[0]
		waits = append(waits, m.Due.Sub(now))
		if m.LastError != "PagerDuty answered 503" {
			t.Fatalf("last error %q", m.LastError)
		}
		now = m.Due
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30, 30, 30, 30}
	for i := range want {
		want[i] *= time.Minute
	}
	if !slices.Equal(waits, want) {
		t.Errorf("backoff %v, want %v", waits, want)
	}
	l = Failed(l, pager, "PagerDuty answered 503", now, p)
	if l.Outbox != nil {
		t.Fatalf("the message was not given up after %d attempts", p.MaxAttempts)
	}
	if !hasNote(l.Open, "pager open not delivered: gave up after 12 attempts: PagerDuty answered 503") {
		t.Errorf("timeline:\n%s", notes(l.Open))
	}
	if again := Failed(l, pager, "x", now, p); !reflect.DeepEqual(again, l) {
		t.Errorf("Failed on a given-up id changed the ledger")
	}
}

func TestGivenUpResolveIsNotedOnTheClosedIncident(t *testing.T) {
	r := newReplay()
	r.Policy.MaxAttempts = 1
	r.Send = failOn(Pager, KindResolve, "no route to events.pagerduty.com")
	r.Happen(down("Boards", firing, at(0)), at(0))
	r.Happen(down("Boards", ok, at(1)), at(1))
	ticks(r, 1, 3)
	if r.Ledger.Outbox != nil || !hasNote(&r.Ledger.Closed[0], "pager resolve not delivered: gave up after 1 attempt: no route") {
		t.Errorf("outbox %v, closed timeline:\n%s", names(r.Ledger.Outbox), notes(&r.Ledger.Closed[0]))
	}
}

func TestRetriedMessageIsHandedOutAfterItsBackoff(t *testing.T) {
	r := newReplay()
	fails := 2
	r.Send = func(m Message) error {
		if m.Channel == Email && fails > 0 {
			fails--
			return errors.New("throttled")
		}
		return nil
	}
	r.Happen(down("Boards", firing, at(0)), at(0)) // fails, due at 1
	r.Tick(at(1))                                  // fails again, due at 3
	r.Tick(at(2))
	r.Tick(at(3)) // delivered
	var emails []time.Time
	for _, m := range r.Log {
		if m.Channel == Email {
			emails = append(emails, m.Due.Add(-r.Policy.Lease))
		}
	}
	if !slices.Equal(emails, []time.Time{at(0), at(1), at(3)}) {
		t.Errorf("email handed out at %v", emails)
	}
	if r.Ledger.Outbox != nil || r.Count(Email, KindOpen) != 1 {
		t.Errorf("outbox %v", names(r.Ledger.Outbox))
	}
}

func TestNewerUpdateReplacesAnUndeliveredOne(t *testing.T) {
	r := newReplay()
	r.Policy.UpdateEvery = 0
	r.Send = failOn(Pager, KindUpdate, "503")
	r.Happen(down("Boards", firing, at(0)), at(0))
	r.Happen(down("Cards", firing, at(1)), at(1))
	r.Happen(down("Search", firing, at(1).Add(10*time.Second)), at(1).Add(10*time.Second))
	if got := names(r.Ledger.Outbox); !slices.Equal(got, []string{"pager update"}) {
		t.Fatalf("outbox %v, want the latest pager update only", got)
	}
	if f := r.Ledger.Outbox[0].Incident.Told.Firing; len(f) != 3 {
		t.Errorf("the waiting update tells of %v", f)
	}
	// The resolve makes a waiting update moot.
	for _, a := range []string{"Boards", "Cards", "Search"} {
		r.Happen(down(a, ok, at(2)), at(2))
	}
	ticks(r, 3, 4)
	if got := names(r.Ledger.Outbox); len(got) != 0 {
		t.Errorf("outbox after the resolve %v", got)
	}
}

func TestOutboxIsBounded(t *testing.T) {
	t.Parallel()
	r := newReplay()
	r.Policy.MaxAttempts = 1000
	r.Send = func(Message) error { return errors.New("down") }
	// Incidents come and go while every channel is down.
	for k := range 25 {
		start := 4 * k
		r.Happen(down("Boards", firing, at(start)), at(start))
		r.Happen(down("Boards", ok, at(start+1)), at(start+1))
		ticks(r, start+1, start+3)
	}
	if n := len(r.Ledger.Outbox); n != MaxOutbox {
		t.Errorf("outbox holds %d, want %d", n, MaxOutbox)
	}
	if n := len(r.Ledger.Closed); n != MaxClosed {
		t.Errorf("closed holds %d, want %d", n, MaxClosed)
	}
	// The dropped messages were the oldest, and their incidents say so.
	first := r.Ledger.Outbox[0].Incident.ID
	for _, inc := range r.Ledger.Closed {
		if inc.ID < first && !hasNote(&inc, "not delivered: the outbox is full") {
			t.Errorf("incident %s lost messages without a note:\n%s", inc.ID, notes(&inc))
		}
		if inc.ID > first && hasNote(&inc, "not delivered") {
			t.Errorf("incident %s newer than the oldest kept message lost one:\n%s", inc.ID, notes(&inc))
		}
	}
}

func TestTimelineKeepsItsHeadAndTail(t *testing.T) {
	var inc Incident
	for i := range 250 {
		inc.noteAt(at(i), fmt.Sprint(i))
	}
	if len(inc.Timeline) != MaxTimeline || inc.TimelineDropped != 50 {
		t.Fatalf("timeline %d events, %d dropped", len(inc.Timeline), inc.TimelineDropped)
	}
	if inc.Timeline[TimelineHead-1].Note != "99" || inc.Timeline[TimelineHead].Note != "150" || inc.Timeline[MaxTimeline-1].Note != "249" {
		t.Errorf("kept %s .. %s | %s .. %s", inc.Timeline[0].Note, inc.Timeline[TimelineHead-1].Note,
			inc.Timeline[TimelineHead].Note, inc.Timeline[MaxTimeline-1].Note)
	}
}

func TestLastErrorIsBounded(t *testing.T) {
	long := strings.Repeat("é", 400)
	got := bound(long, maxLastError)
	if len(got) > maxLastError || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("bound gave %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
	if got := bound("short", maxLastError); got != "short" {
		t.Errorf("bound(short) = %q", got)
	}
}

// The store keeps the ledger as one DynamoDB item (400 KB at most): however
// long channels stay down while big incidents come and go, it stays within
// MaxDocument.
func TestDocumentStaysWithinItsBudget(t *testing.T) {
	t.Parallel()
	r := newReplay()
	r.Policy.MaxAttempts = 1000
	r.Send = func(Message) error { return errors.New(strings.Repeat("x", 1000)) }
	// Few members with very long names make big incidents in few steps.
	area := func(i int) string { return fmt.Sprintf("Area%02d%s", i, strings.Repeat("x", 2000)) }
	for k := range 8 {
		start := 10 * k
		for i := range 10 {
			r.Happen(down(area(i), firing, at(start)), at(start))
		}
		for i := range 10 {
			r.Happen(down(area(i), ok, at(start+1)), at(start+1))
		}
		ticks(r, start+1, start+3)
	}
	size := len(mustJSON(t, r.Ledger))
	t.Logf("document %d bytes: %d closed, %d in the outbox", size, len(r.Ledger.Closed), len(r.Ledger.Outbox))
	if size > MaxDocument {
		t.Errorf("document %d bytes, over %d", size, MaxDocument)
	}
	if len(r.Ledger.Closed) >= 8 || len(r.Ledger.Outbox) >= r.Counts()["pager open"]*4 {
		t.Errorf("the budget never bit: make the scenario bigger")
	}
	resolves := 0
	for _, m := range r.Ledger.Outbox {
		if m.Channel == Pager && m.Kind == KindResolve {
			resolves++
		}
	}
	if resolves != 8 {
		t.Errorf("%d of the 8 pager resolves kept: a dropped one leaves an alert open for ever", resolves)
	}
}
