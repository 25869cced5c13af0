package demo

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/deploy"
	"github.com/lookout-monitoring/lookout/shared/evaluate"
	"github.com/lookout-monitoring/lookout/shared/incident"
	"github.com/lookout-monitoring/lookout/shared/ledger"
	"github.com/lookout-monitoring/lookout/shared/notify"
)

// notifier runs the NotifyFunction's own handler as it is deployed: alarm
// notifications and the minute tick through Invoke, incidents in a ledger
// (in memory), the local evaluator standing in for CloudWatch (the tick's
// DescribeAlarms, the enrichment's GetMetricData), and channels that keep
// what would have been sent.
type notifier struct {
	h      *notify.Handler
	ledger *ledger.Memory
	app    string

	mu   sync.Mutex
	now  time.Time // the simulated clock
	got  []Message
	seen map[string]int // incident id -> timeline entries already noted
}

func newNotifier(cfg *check.Config, ev *evaluate.Evaluator) (*notifier, error) {
	n := &notifier{ledger: ledger.NewMemory(), app: cfg.App, seen: map[string]int{}}
	var channels []notify.Channel
	for _, name := range channelOrder {
		channels = append(channels, capture{name: name, n: n})
	}
	h, err := notify.NewHandler(notify.Options{
		Config:   cfg,
		Channels: channels,
		Enricher: &notify.Enricher{Client: ev, Config: cfg},
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:      n.clock,
		Links:    notify.LinkOptions{Dashboard: deploy.DashboardName(cfg.App), ProbeLogGroups: []string{deploy.ProbeLogGroup(cfg.App)}},
		Ledger:   n.ledger,
		Alarms:   ev,
		Policy:   incident.PolicyOf(cfg.Alerting.Incidents),
	})
	if err != nil {
		return nil, err
	}
	n.h = h
	return n, nil
}

func (n *notifier) clock() time.Time {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.now
}

// alarm delivers one alarm change as SNS hands it to the NotifyFunction.
func (n *notifier) alarm(ctx context.Context, tr evaluate.Transition, cfg *check.Config) (Outcome, error) {
	msg, err := json.Marshal(tr.Payload(cfg.HomeRegion, "123456789012"))
	if err != nil {
		return Outcome{}, err
	}
	payload, err := json.Marshal(events.SNSEvent{Records: []events.SNSEventRecord{{
		EventSource: "aws:sns",
		SNS: events.SNSEntity{
			MessageID: fmt.Sprintf("demo-%d-%s", tr.At.Unix(), tr.Spec.Name), Type: "Notification",
			Subject: string(tr.To), Message: string(msg), Timestamp: tr.At,
		},
	}}})
	if err != nil {
		return Outcome{}, err
	}
	return n.invoke(ctx, tr.At, payload)
}

// tick runs the minute schedule's reconcile tick at the simulated time at.
func (n *notifier) tick(ctx context.Context, at time.Time) (Outcome, error) {
	return n.invoke(ctx, at, []byte(`{"lookout":"`+notify.PayloadTick+`"}`))
}

// invoke runs the handler on one payload at the simulated time at and says
// what it did: the messages sent and the incident timeline it wrote.
func (n *notifier) invoke(ctx context.Context, at time.Time, payload []byte) (Outcome, error) {
	n.mu.Lock()
	n.got, n.now = nil, at
	n.mu.Unlock()
	_, err := n.h.Invoke(ctx, payload)
	var out Outcome
	n.mu.Lock()
	out.Messages = n.got
	n.mu.Unlock()
	// Channels are told concurrently: put them in an order of their own.
	slices.SortStableFunc(out.Messages, func(a, b Message) int {
		return cmp.Or(cmp.Compare(a.Incident, b.Incident), cmp.Compare(rank(kindOrder, a.Kind), rank(kindOrder, b.Kind)),
			cmp.Compare(rank(channelOrder, a.Channel), rank(channelOrder, b.Channel)))
	})
	incs, lerr := n.incidents(ctx, at)
	for _, inc := range incs {
		total := inc.TimelineDropped + len(inc.Timeline)
		fresh := min(total-n.seen[inc.ID], len(inc.Timeline))
		for _, e := range inc.Timeline[len(inc.Timeline)-max(fresh, 0):] {
			out.Notes = append(out.Notes, Note{Incident: inc.ID, At: e.At, Alarm: e.Alarm, Text: e.Note})
		}
		n.seen[inc.ID] = total
	}
	return out, errors.Join(err, lerr)
}

// incidents are every incident the ledger holds at now, oldest first: the
// resolved ones it archived, those not archived yet, and the open one.
func (n *notifier) incidents(ctx context.Context, now time.Time) ([]incident.Incident, error) {
	doc, _, err := n.ledger.Load(ctx, n.app)
	if err != nil {
		return nil, err
	}
	var l incident.Ledger
	if len(doc) > 0 {
		if err := json.Unmarshal(doc, &l); err != nil {
			return nil, fmt.Errorf("the demo's ledger: %w", err)
		}
	}
	recs, err := n.ledger.ListRecords(ctx, n.app, notify.RecordIncident, now)
	if err != nil {
		return nil, err
	}
	byID := map[string]incident.Incident{}
	for _, r := range recs {
		var inc incident.Incident
		if err := json.Unmarshal(r.Doc, &inc); err != nil {
			return nil, fmt.Errorf("the demo's ledger: incident %s: %w", r.ID, err)
		}
		byID[inc.ID] = inc
	}
	for _, inc := range l.Closed {
		byID[inc.ID] = inc
	}
	if l.Open != nil {
		byID[l.Open.ID] = *l.Open
	}
	out := make([]incident.Incident, 0, len(byID))
	for _, inc := range byID {
		out = append(out, inc)
	}
	slices.SortFunc(out, func(a, b incident.Incident) int { return cmp.Or(a.Opened.Compare(b.Opened), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// The order messages are listed in: by channel, and by what they tell.
var (
	channelOrder = []string{string(incident.Pager), string(incident.Email), string(incident.SMS)}
	kindOrder    = []string{string(notify.IncidentOpen), string(notify.IncidentUpdate), string(notify.IncidentReminder), string(notify.IncidentResolve), KindAlarm}
)

func rank(order []string, s string) int {
	if i := slices.Index(order, s); i >= 0 {
		return i
	}
	return len(order)
}

func (n *notifier) keep(m Message) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, m)
}

// capture is one of the notifier's channels (email, sms or pager): it
// renders a notice as the real channel does and keeps the result instead of
// publishing it to the notify topic or posting it to PagerDuty.
type capture struct {
	name string
	n    *notifier
}

var _ notify.Channel = capture{}

// Name implements notify.Channel.
func (c capture) Name() string { return c.name }

// Notify implements notify.Channel.
func (c capture) Notify(_ context.Context, note *notify.Notice) error {
	m, ok, err := c.render(note)
	if err != nil {
		return notify.Final(err)
	}
	if ok {
		m.Channel, m.At = c.name, note.Now
		c.n.keep(m)
	}
	return nil
}

// render is what the real channel would send for the notice; ok is false
// when it sends nothing.
func (c capture) render(note *notify.Notice) (m Message, ok bool, err error) {
	if inc := note.Incident; inc != nil {
		m = Message{Kind: string(inc.Kind), Incident: inc.ID}
		switch c.name {
		case string(incident.Email):
			m.Subject, m.Body = notify.RenderIncidentEmail(inc, note.Links, note.Now)
		case string(incident.SMS):
			m.Body = notify.RenderIncidentSMS(inc, note.Now)
		case string(incident.Pager):
			return pagerMessage(m, notify.RenderIncidentPager(inc, note.Links, note.Now))
		}
		return m, true, nil
	}
	a, r := note.Alarm, note.Rendered
	if a == nil {
		return m, false, nil
	}
	m = Message{Kind: KindAlarm}
	switch c.name {
	case string(incident.Email):
		m.Subject, m.Body = r.Subject, r.Email
		return m, r.Publish, nil
	case string(incident.SMS):
		m.Body = r.SMS
		return m, r.Publish && a.NotifySeverity() == check.Critical, nil
	case string(incident.Pager):
		return pagerMessage(m, r.Pager)
	}
	return m, false, nil
}

// pagerMessage is a PagerDuty event as a message: its action, dedup key and
// summary for a subject, the event itself for a body.
func pagerMessage(m Message, ev *notify.PagerEvent) (Message, bool, error) {
	if ev == nil {
		return m, false, nil
	}
	body, err := ev.JSON("  ")
	if err != nil {
		return m, false, err
	}
	m.Subject = fmt.Sprintf("%s %s", ev.EventAction, ev.DedupKey)
	if ev.Payload != nil {
		m.Subject += ": " + ev.Payload.Summary
	}
	m.Body = strings.TrimSpace(string(body))
	return m, true, nil
}
