package notify

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/awsclient"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/incident"
	"github.com/lookout-monitoring/lookout/shared/ledger"
	"github.com/lookout-monitoring/lookout/shared/maintenance"
)

const ledgerTable = "lookout-taskboard-ledger"

// testClock is the handler's clock, moved by the test. It starts an hour
// before the wall clock, so every time it gives is older than the state
// times moto stamps alarms with (as CloudWatch's own would be).
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Now().UTC().Add(-time.Hour).Truncate(time.Minute)}
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// ledgerRig is the notifier with the incident ledger in moto's DynamoDB and
// the tick reading moto's alarms.
type ledgerRig struct {
	*rig
	clock     *testClock
	store     *ledger.Store
	t0        time.Time
	pagerSeen int // pager events already counted by told
}

func newLedgerRig(t *testing.T, pagerScript []int, opts ...rigOption) *ledgerRig {
	t.Helper()
	lr := &ledgerRig{clock: newTestClock()}
	lr.t0 = lr.clock.now()
	opts = append([]rigOption{func(r *rig, o *Options) {
		ddb := awsclient.DynamoDB(r.srv.Config(t, "us-east-1"), "us-east-1", "")
		if err := ledger.CreateTable(context.Background(), ddb, ledgerTable); err != nil {
			t.Fatal(err)
		}
		lr.store = ledger.New(ddb, ledgerTable)
		o.Ledger, o.Alarms, o.Now = lr.store, r.cw, lr.clock.now
	}}, opts...)
	lr.rig = newRig(t, pagerScript, opts...)
	return lr
}

// at sets the clock to t0 + d.
func (lr *ledgerRig) at(d time.Duration) time.Time {
	t := lr.t0.Add(d)
	lr.clock.set(t)
	return t
}

// alarmEvent is the SNS event CloudWatch sends when name changes from old
// to state at when.
func alarmEvent(t *testing.T, name alarm.AlarmName, old, state alarm.State, when time.Time) []byte {
	t.Helper()
	msg, err := json.Marshal(map[string]any{
		"AlarmName": name.String(), "NewStateValue": string(state), "OldStateValue": string(old),
		"NewStateReason": "Threshold Crossed: test", "StateChangeTime": when.UTC().Format("2006-01-02T15:04:05.000-0700"),
		"AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + name.String(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := json.Marshal(events.SNSEvent{Records: []events.SNSEventRecord{{EventSource: "aws:sns",
		SNS: events.SNSEntity{MessageID: name.Subject + "-" + string(state) + "-" + when.Format("150405"), Type: "Notification",
			Message: string(msg), Timestamp: when}}}})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// change makes the alarm change in moto (the tick's truth) and delivers its
// notification at the clock's time.
func (lr *ledgerRig) change(t *testing.T, name alarm.AlarmName, old, state alarm.State) {
	t.Helper()
	if err := lr.deliver(t, name, old, state); err != nil {
		t.Fatalf("%s %s: %v\nlogs:\n%s", name, state, err, lr.logs)
	}
}

// deliver is change, returning the invocation's error.
func (lr *ledgerRig) deliver(t *testing.T, name alarm.AlarmName, old, state alarm.State) error {
	t.Helper()
	lr.setAlarm(t, name, state)
	_, err := lr.handler.Invoke(context.Background(), alarmEvent(t, name, old, state, lr.clock.now()))
	return err
}

// setAlarm puts the alarm in moto in state, as CloudWatch holds it.
func (lr *ledgerRig) setAlarm(t *testing.T, name alarm.AlarmName, state alarm.State) {
	t.Helper()
	ctx := context.Background()
	if _, err := lr.cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(name.String()), Namespace: aws.String(alarm.Namespace("taskboard")), MetricName: aws.String(alarm.Failed),
		Statistic: types.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(3), DatapointsToAlarm: aws.Int32(2),
		Threshold: aws.Float64(2), ComparisonOperator: types.ComparisonOperatorGreaterThanOrEqualToThreshold,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := lr.cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String(name.String()),
		StateValue: types.StateValue(state), StateReason: aws.String("test")}); err != nil {
		t.Fatal(err)
	}
}

// tick runs the reconcile tick at the clock's time.
func (lr *ledgerRig) tick(t *testing.T) TickReport {
	t.Helper()
	out, err := lr.handler.Invoke(context.Background(), []byte(`{"lookout":"tick"}`))
	if err != nil {
		t.Fatalf("tick: %v\nlogs:\n%s", err, lr.logs)
	}
	var rep TickReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// told counts what reached people: emails and texts by their incident
// message kind, pager events by action.
type told struct {
	email, sms  map[string]int
	pager       map[string]int
	keys        map[string]bool // pager dedup keys
	subjects    []string
	ownResolves int // resolves of alarms' own alerts, sent on every recovery
}

func (lr *ledgerRig) told(t *testing.T) told {
	t.Helper()
	out := told{email: map[string]int{}, sms: map[string]int{}, pager: map[string]int{}, keys: map[string]bool{}}
	for _, e := range lr.drain(t, lr.emailURL) {
		out.email[e.attr(AttrMessage)]++
		out.subjects = append(out.subjects, e.Subject)
	}
	for _, e := range lr.drain(t, lr.smsURL) {
		out.sms[e.attr(AttrMessage)]++
	}
	events := lr.pager.received()
	for _, ev := range events[lr.pagerSeen:] {
		if ev.EventAction == PagerResolve && !strings.Contains(ev.DedupKey, ".incident.") {
			out.ownResolves++ // closing an alert an alarm may have opened on its own
			continue
		}
		out.pager[string(ev.EventAction)]++
		out.keys[ev.DedupKey] = true
	}
	lr.pagerSeen = len(events)
	return out
}

func (lr *ledgerRig) ledger(t *testing.T) incident.Ledger {
	t.Helper()
	doc, _, err := lr.store.Load(context.Background(), "taskboard")
	if err != nil {
		t.Fatal(err)
	}
	l, err := decodeLedger(doc, "taskboard")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var (
	searchSlow = alarm.SlowAlarm("taskboard", "Search")
	boardsDown = alarm.DownAlarm("taskboard", "Boards")
	signInDown = alarm.DownAlarm("taskboard", "SignIn")
)

// The outage Lookout exists for, through the real SDK: three alarms of one
// app fire within a minute and recover; people get one incident.
func TestAStormIsOneIncidentThroughTheLedger(t *testing.T) {
	lr := newLedgerRig(t, nil)
	lr.at(0)
	lr.change(t, searchSlow, alarm.StateOK, alarm.StateAlarm)
	lr.at(30 * time.Second)
	lr.change(t, boardsDown, alarm.StateOK, alarm.StateAlarm)
	lr.at(time.Minute)
	lr.change(t, signInDown, alarm.StateOK, alarm.StateAlarm)
	for m := 2; m <= 9; m++ {
		lr.at(time.Duration(m) * time.Minute)
		lr.tick(t)
	}
	lr.at(10 * time.Minute)
	for _, n := range []alarm.AlarmName{boardsDown, signInDown, searchSlow} {
		lr.change(t, n, alarm.StateAlarm, alarm.StateOK)
	}
	for m := 11; m <= 14; m++ {
		lr.at(time.Duration(m) * time.Minute)
		lr.tick(t)
	}

	got := lr.told(t)
	t.Logf("pager %v, email %v, sms %v", got.pager, got.email, got.sms)
	if len(got.keys) != 1 {
		t.Errorf("pager dedup keys %v: want one alert for the outage", got.keys)
	}
	if got.pager["trigger"] < 1 || got.pager["trigger"] > 4 || got.pager["resolve"] != 1 {
		t.Errorf("pager %v: want one trigger, at most 3 updates, one resolve", got.pager)
	}
	if got.email["open"] != 1 || got.email["resolve"] != 1 || got.email["update"] > 2 {
		t.Errorf("emails %v (%q): want one open, at most two updates, one resolve", got.email, got.subjects)
	}
	if got.sms["open"] != 1 || got.sms["resolve"] != 1 || len(got.sms) != 2 {
		t.Errorf("texts %v: want one open (once critical) and one resolve", got.sms)
	}
	if got.ownResolves != 3 {
		t.Errorf("%d resolves of the alarms' own alerts, want one per recovery", got.ownResolves)
	}
	l := lr.ledger(t)
	if l.Open != nil || len(l.Closed) != 0 || len(l.Outbox) != 0 {
		t.Errorf("after the resolve: open %v, %d closed not archived, %d messages unsent", l.Open, len(l.Closed), len(l.Outbox))
	}
	recs, err := lr.store.ListRecords(context.Background(), "taskboard", RecordIncident, lr.clock.now())
	if err != nil || len(recs) != 1 {
		t.Fatalf("archived incidents %v (%v), want 1", recs, err)
	}
	var archived incident.Incident
	if err := json.Unmarshal(recs[0].Doc, &archived); err != nil || len(archived.Members) != 3 || archived.Resolved.IsZero() {
		t.Errorf("archived incident %+v (%v)", archived, err)
	}
}

// SNS delivers at least once: the same notification, handled by two
// instances at once, is told once.
func TestTheSameDeliveryRacingTwiceIsToldOnce(t *testing.T) {
	lr := newLedgerRig(t, nil)
	now := lr.at(0)
	lr.setAlarm(t, boardsDown, alarm.StateAlarm)
	second, err := NewHandler(lr.handler.o) // another Lambda instance: same ledger, same channels
	if err != nil {
		t.Fatal(err)
	}
	ev := alarmEvent(t, boardsDown, alarm.StateOK, alarm.StateAlarm, now)
	var wg sync.WaitGroup
	for _, h := range []*Handler{lr.handler, second, lr.handler, second} {
		wg.Go(func() {
			if _, err := h.Invoke(context.Background(), ev); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := lr.told(t)
	if got.pager["trigger"] != 1 || got.email["open"] != 1 || got.sms["open"] != 1 {
		t.Errorf("four deliveries of one notification told pager %v, email %v, sms %v: want each once", got.pager, got.email, got.sms)
	}
}

// A notification lost between SNS and the notifier is caught by the tick,
// from the alarms' true state; a second tick changes nothing.
func TestTheTickOpensWhatALostDeliveryMissed(t *testing.T) {
	lr := newLedgerRig(t, nil)
	lr.at(0)
	lr.setAlarm(t, signInDown, alarm.StateAlarm)
	lr.setAlarm(t, searchSlow, alarm.StateOK)
	rep := lr.tick(t)
	if rep.Open == "" || rep.Alarms != 2 {
		t.Fatalf("tick report %+v: want the incident opened from 2 alarms read", rep)
	}
	got := lr.told(t)
	if got.pager["trigger"] != 1 || got.email["open"] != 1 {
		t.Errorf("pager %v email %v: the lost ALARM was not told", got.pager, got.email)
	}
	lr.at(30 * time.Second)
	lr.tick(t)
	if again := lr.told(t); len(again.pager)+len(again.email)+len(again.sms) != 0 {
		t.Errorf("a second tick told again: %+v", again)
	}
	// The OK is lost too: the tick resolves once it has settled.
	lr.setAlarm(t, signInDown, alarm.StateOK)
	for m := 1; m <= 4; m++ {
		lr.at(time.Duration(m) * time.Minute)
		lr.tick(t)
	}
	if got := lr.told(t); got.pager["resolve"] != 1 || got.email["resolve"] != 1 {
		t.Errorf("pager %v email %v: the lost OK was not resolved", got.pager, got.email)
	}
}

// A page the pager refused stays in the ledger's outbox; a later tick sends
// it, with the same dedup key.
func TestATickRetriesAMessageThatFailed(t *testing.T) {
	lr := newLedgerRig(t, []int{500, 500, 500, 500})
	lr.at(0)
	if err := lr.deliver(t, boardsDown, alarm.StateOK, alarm.StateAlarm); err == nil || !strings.Contains(err.Error(), "pager open") {
		t.Fatalf("the refused page is not the invocation's error: %v", err)
	}
	if n := len(lr.ledger(t).Outbox); n != 1 {
		t.Fatalf("%d messages in the outbox, want the failed page", n)
	}
	lr.at(2 * time.Minute)
	rep := lr.tick(t)
	events := lr.pager.received()
	if len(events) != 5 || events[4].EventAction != PagerTrigger || events[4].DedupKey != events[0].DedupKey || rep.Messages != 1 {
		t.Fatalf("pager got %d events, tick %+v: want 4 refused attempts, then the same trigger", len(events), rep)
	}
	if n := len(lr.ledger(t).Outbox); n != 0 {
		t.Errorf("%d messages still in the outbox", n)
	}
}

// When the ledger cannot be used the alarm is still told, on its own.
func TestALedgerOutageStillPages(t *testing.T) {
	lr := newLedgerRig(t, nil, func(r *rig, o *Options) {
		o.Ledger = ledger.New(awsclient.DynamoDB(r.srv.Config(t, "us-east-1"), "us-east-1", ""), "no-such-table")
	})
	lr.at(0)
	lr.change(t, boardsDown, alarm.StateOK, alarm.StateAlarm)
	got := lr.pager.received()
	if len(got) != 1 || got[0].DedupKey != boardsDown.String() {
		t.Fatalf("pager got %+v: want the alarm's own trigger", got)
	}
	if !strings.Contains(lr.logs.String(), "incident ledger unavailable") {
		t.Errorf("the outage is not logged:\n%s", lr.logs)
	}
}

// An ad-hoc window mutes an area; it still fails when the window ends, and
// is told then.
func TestAnAreaStillFailingWhenItsWindowEndsIsToldThen(t *testing.T) {
	lr := newLedgerRig(t, nil)
	start := lr.at(0)
	w, _ := json.Marshal(maintenance.Window{ID: "deploy-42", Reason: "database migration", Start: start, End: start.Add(10 * time.Minute), Areas: []string{"Boards"}})
	if err := lr.store.PutRecord(context.Background(), "taskboard", RecordWindow, "deploy-42", w, start.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	lr.at(time.Minute)
	lr.change(t, boardsDown, alarm.StateOK, alarm.StateAlarm)
	for m := 2; m <= 9; m++ {
		lr.at(time.Duration(m) * time.Minute)
		lr.tick(t)
	}
	if got := lr.told(t); len(got.pager)+len(got.email)+len(got.sms) != 0 {
		t.Fatalf("told during the window: %+v", got)
	}
	lr.at(10 * time.Minute)
	lr.tick(t)
	if got := lr.told(t); got.pager["trigger"] != 1 || got.email["open"] != 1 {
		t.Errorf("at the window's end: pager %v email %v, want the incident opened", got.pager, got.email)
	}
}

// The watchdog hears from every tick that worked, and from none that did not.
func TestTheWatchdogIsPingedByEverySuccessfulTick(t *testing.T) {
	var pings atomic.Int32
	dog := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { pings.Add(1) }))
	defer dog.Close()
	lr := newLedgerRig(t, nil, func(r *rig, o *Options) {
		o.Watchdog = NewWatchdog(dog.Client(), check.ResolverFunc(func(context.Context, check.Ref) (string, error) {
			return dog.URL + "/ping/" + watchdogToken, nil
		}), watchdogRef)
	})
	for m := range 3 {
		lr.at(time.Duration(m) * time.Minute)
		if rep := lr.tick(t); rep.Watchdog != "pinged" {
			t.Errorf("tick %d: watchdog %q", m, rep.Watchdog)
		}
	}
	lr.handler.o.Alarms = &pages{err: errors.New("ServiceUnavailable")}
	// The tick reports it, and does not fail the invocation: that would set
	// off the notifier's own alarm for what the next tick retries anyway.
	if rep := lr.tick(t); rep.Watchdog == "pinged" || !strings.Contains(rep.Error, "ServiceUnavailable") {
		t.Errorf("a tick that could not read the alarms: %+v", rep)
	}
	if pings.Load() != 3 {
		t.Errorf("%d pings, want 3: one per successful tick", pings.Load())
	}
}

// A test page goes through the channels it names, marked as a test, opened
// and resolved, and never touches the ledger.
func TestATestPageReachesEveryChannelAndResolves(t *testing.T) {
	lr := newLedgerRig(t, nil)
	lr.at(0)
	out, err := lr.handler.Invoke(context.Background(), []byte(`{"lookout":"test-page","channels":["email","sms","pager"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var rep TestPageReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []string{"email", "sms", "pager"} {
		if rep.Channels[ch] != "sent" {
			t.Errorf("%s: %q", ch, rep.Channels[ch])
		}
	}
	got := lr.told(t)
	if got.email["open"] != 1 || got.email["resolve"] != 1 || got.sms["open"] != 1 || got.pager["trigger"] != 1 || got.pager["resolve"] != 1 {
		t.Errorf("told %+v", got)
	}
	for _, s := range got.subjects {
		if !strings.HasPrefix(s, "[TEST] ") {
			t.Errorf("subject %q is not marked as a test", s)
		}
	}
	if doc, _, _ := lr.store.Load(context.Background(), "taskboard"); doc != nil {
		t.Errorf("a test page wrote the ledger: %s", doc)
	}
	if _, err := lr.handler.Invoke(context.Background(), []byte(`{"lookout":"test-page","channels":["fax"]}`)); err == nil || !strings.Contains(err.Error(), `"fax"`) {
		t.Errorf("an unknown channel: %v", err)
	}
}
