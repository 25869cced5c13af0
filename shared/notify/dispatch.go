package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/incident"
	"github.com/lookout-monitoring/lookout/shared/ledger"
	"github.com/lookout-monitoring/lookout/shared/logline"
	"github.com/lookout-monitoring/lookout/shared/maintenance"
)

// Ledger is what the notifier asks of the incident ledger (ledger.Store in
// DynamoDB, ledger.Memory in the demo): the app's one state document,
// changed by conditional read-modify-write, and records that expire.
type Ledger interface {
	Update(ctx context.Context, app string, fn func(doc []byte) ([]byte, error)) (stored []byte, wrote bool, err error)
	PutRecord(ctx context.Context, app, kind, id string, doc []byte, expires time.Time) error
	ListRecords(ctx context.Context, app, kind string, now time.Time) ([]ledger.Record, error)
}

// Record kinds the notifier keeps in the ledger.
const (
	// RecordIncident is a resolved incident, kept IncidentRetention.
	RecordIncident = "incident"
	// RecordWindow is an ad-hoc maintenance window (lookout maintenance now).
	RecordWindow = "window"
)

// IncidentRetention is how long a resolved incident stays in the ledger.
const IncidentRetention = 90 * 24 * time.Hour

// windowLookBack is how far before now a window can have started and still
// matter: a notification delivered late is held against the windows of the
// time its alarm changed.
const windowLookBack = time.Hour

// maxConcurrentSends bounds the messages sent at once by one invocation.
const maxConcurrentSends = 8

// recordReserve is kept from the budget to record deliveries in the ledger.
const recordReserve = 3 * time.Second

// decision is what one ledger update decided: the messages to send and the
// ledger as stored.
type decision struct {
	messages []incident.Message
	ledger   incident.Ledger
}

// decodeLedger reads the app's state document; an empty one is a new ledger.
func decodeLedger(doc []byte, app string) (incident.Ledger, error) {
	l := incident.Ledger{App: app}
	if len(doc) == 0 {
		return l, nil
	}
	if err := json.Unmarshal(doc, &l); err != nil {
		return l, fmt.Errorf("the ledger of %s is not a ledger document: %w", app, err)
	}
	return l, nil
}

// decide runs step on the app's ledger in one conditional read-modify-write
// and returns what the winning attempt decided.
func (h *Handler) decide(ctx context.Context, step func(incident.Ledger) (incident.Ledger, []incident.Message)) (decision, error) {
	var d decision
	_, _, err := h.o.Ledger.Update(ctx, h.o.Config.App, func(doc []byte) ([]byte, error) {
		l, err := decodeLedger(doc, h.o.Config.App)
		if err != nil {
			return nil, err
		}
		d.ledger, d.messages = step(l)
		return json.Marshal(d.ledger)
	})
	return d, err
}

// windows are the maintenance windows around now: the checks file's
// occurrences and the ad-hoc windows in the ledger. An ad-hoc window that
// cannot be read is logged and left out: a window that fails to mute pages
// someone, one that mutes wrongly would page nobody.
func (h *Handler) windows(ctx context.Context, log *slog.Logger, now time.Time) []maintenance.Window {
	ws := maintenance.Occurrences(h.o.Config.Maintenance, now.Add(-windowLookBack), now.Add(time.Minute))
	if h.o.Ledger == nil {
		return ws
	}
	recs, err := h.o.Ledger.ListRecords(ctx, h.o.Config.App, RecordWindow, now)
	if err != nil {
		log.WarnContext(ctx, "ad-hoc maintenance windows unreadable; using the checks file's only", "error", err)
		return ws
	}
	for _, r := range recs {
		var w maintenance.Window
		if err := json.Unmarshal(r.Doc, &w); err != nil || w.End.Before(w.Start) {
			log.WarnContext(ctx, "skipping a malformed ad-hoc maintenance window", "id", r.ID, "error", err)
			continue
		}
		w.AdHoc = true
		ws = append(ws, w)
	}
	return ws
}

// change is the ledger's view of one Lookout alarm's state change.
func change(a *Alarm, source string) incident.Change {
	return incident.Change{Alarm: a.Alarm, State: a.State, Since: a.Since, Severity: a.Severity, Area: a.AreaID, Source: source}
}

// applyAlarm records one Lookout alarm's change in the ledger and sends what
// the incident logic decided. When the ledger cannot be used, the alarm is
// told on its own (today's one message per alarm), so no page is lost to a
// ledger outage; the tick opens the incident once the ledger is back.
func (h *Handler) applyAlarm(ctx context.Context, log *slog.Logger, a *Alarm) error {
	now := h.o.Now()
	ws := h.windows(ctx, log, now)
	d, err := h.decide(ctx, func(l incident.Ledger) (incident.Ledger, []incident.Message) {
		return incident.Apply(l, change(a, "sns "+a.MessageID), ws, now, h.policy)
	})
	switch {
	case errors.Is(err, ledger.ErrConflict):
		// Busy, not broken (an alarm storm writing at once): the retried
		// invocation, or the tick within a minute, records it. Telling it on
		// its own now would page twice for one outage.
		log.WarnContext(ctx, "incident ledger busy: the alarm is left to the retry and the tick", "error", err)
		return fmt.Errorf("ledger: %w", err)
	case err != nil:
		log.ErrorContext(ctx, "incident ledger unavailable: telling this alarm on its own", "error", err)
		if ferr := h.Notify(ctx, a); ferr != nil {
			return errors.Join(fmt.Errorf("ledger: %w", err), ferr)
		}
		return nil
	}
	log.InfoContext(ctx, "alarm recorded", "messages", len(d.messages), "incident", openID(d.ledger))
	return h.send(ctx, log, d, ws, now)
}

func openID(l incident.Ledger) string {
	if l.Open == nil {
		return ""
	}
	return l.Open.ID
}

// TickReport counts what one reconcile tick did.
type TickReport struct {
	Alarms   int    `json:"alarms"`             // Lookout alarms read from CloudWatch
	Messages int    `json:"messages"`           // messages sent (decided now or retried)
	Failed   int    `json:"failed"`             // messages that failed and stay in the outbox
	Open     string `json:"incident,omitempty"` // the open incident after the tick
	Watchdog string `json:"watchdog,omitempty"` // "pinged", or why not
	Error    string `json:"error,omitempty"`    // what failed, when something did
}

// Tick reconciles the ledger with the alarms' true state and does what time
// decides: opens what a lost notification missed, resolves what recovered,
// sends batched updates, reminders and the announcements window ends
// release, and retries messages that failed. It is idempotent and safe to
// run twice at once. After a tick without errors, the watchdog is pinged.
// It returns an error only when the ledger cannot be used at all; other
// failures are in the report and the log.
func (h *Handler) Tick(ctx context.Context) (TickReport, error) {
	var rep TickReport
	ctx, cancel := h.budget(ctx)
	defer cancel()
	log := h.o.Logger.With("invocation", "tick")
	if h.o.Ledger == nil || h.o.Alarms == nil {
		return rep, errors.New("tick: no incident ledger or no CloudWatch client configured")
	}
	// Without the alarms' true state the tick still retries messages and
	// sends what time decides, but reconciles nothing (a partial picture
	// would resolve what is still down) and does not ping the watchdog.
	truth, readErr := ReadAlarms(ctx, h.o.Alarms, h.o.Config.App)
	if readErr != nil {
		log.ErrorContext(ctx, "alarms unreadable: nothing reconciled this tick", "error", readErr)
	}
	rep.Alarms = len(truth)
	now := h.o.Now()
	ws := h.windows(ctx, log, now)
	var t map[string]incident.Truth
	if readErr == nil {
		t = make(map[string]incident.Truth, len(truth))
		for name, a := range truth {
			f, ok := h.facets[a.Name]
			if !ok { // an alarm of an area the checks file no longer has
				d := AlarmOf(a.Name, h.o.Config)
				f = facet{severity: d.Severity, area: d.AreaID}
			}
			t[name] = incident.Truth{State: a.State, Since: a.Since, Severity: f.severity, Area: f.area}
		}
	}
	d, err := h.decide(ctx, func(l incident.Ledger) (incident.Ledger, []incident.Message) {
		return incident.Tick(l, t, ws, now, h.policy)
	})
	if err != nil {
		return rep, fmt.Errorf("tick: %w", err)
	}
	rep.Open = openID(d.ledger)
	// A channel that failed, or alarms it could not read, fail the tick's
	// work but not the invocation: the failed messages stay in the outbox
	// for the next tick, and an invocation error would only set off the
	// notifier's own alarm (a text to everyone) for what the next tick
	// retries anyway. The watchdog is not pinged, so a tick that keeps
	// failing is noticed outside AWS.
	err = errors.Join(readErr, h.send(ctx, log, d, ws, now))
	var se *sendError
	if errors.As(err, &se) {
		rep.Messages, rep.Failed = se.sent, se.failed
	} else {
		rep.Messages = len(d.messages)
	}
	switch {
	case err != nil:
		rep.Watchdog = "not pinged: the tick failed"
		rep.Error = logline.Clip(err.Error())
		log.ErrorContext(ctx, "tick failed", "error", err, "messages", rep.Messages, "failed", rep.Failed)
	case h.o.Watchdog == nil:
		rep.Watchdog = "none configured"
	default:
		if _, werr := h.o.Retry.Do(ctx, h.o.Watchdog.Ping); werr != nil {
			rep.Watchdog = "ping failed"
			rep.Error = logline.Clip(werr.Error())
			log.ErrorContext(ctx, "watchdog ping failed", "error", werr)
		} else {
			rep.Watchdog = "pinged"
		}
	}
	log.InfoContext(ctx, "tick done", "alarms", rep.Alarms, "messages", rep.Messages, "incident", rep.Open, "watchdog", rep.Watchdog)
	return rep, nil
}

// sendError says how many of an invocation's messages went out and how many failed.
type sendError struct {
	sent, failed int
	err          error
}

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// send delivers the decided messages concurrently, each through its channel
// with its retries, then reports back to the ledger: delivered messages
// leave the outbox, failed ones are retried by a later tick after their
// backoff. Resolved incidents are archived as records and leave the ledger.
func (h *Handler) send(ctx context.Context, log *slog.Logger, d decision, ws []maintenance.Window, now time.Time) error {
	// What was sent is recorded even when a channel used up the budget:
	// else the outbox would hand the delivered messages out again.
	record, cancelRecord := context.WithTimeout(context.WithoutCancel(ctx), recordReserve)
	defer cancelRecord()
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-recordReserve))
		defer cancel()
	}
	cache := &detailsCache{}
	results := make([]error, len(d.messages))
	sem := make(chan struct{}, maxConcurrentSends)
	var wg sync.WaitGroup
	for i, m := range d.messages {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = h.sendOne(ctx, log, m, ws, now, cache)
		})
	}
	wg.Wait()

	var sent []string
	failed := map[string]string{}
	var errs []error
	for i, m := range d.messages {
		if results[i] == nil {
			sent = append(sent, m.ID)
			continue
		}
		failed[m.ID] = results[i].Error()
		errs = append(errs, fmt.Errorf("%s %s of incident %s: %w", m.Channel, m.Kind, m.Incident.ID, results[i]))
	}
	archived := h.archive(record, log, d.ledger.Closed, now)
	if len(sent)+len(failed)+len(archived) > 0 {
		if _, err := h.decide(record, func(l incident.Ledger) (incident.Ledger, []incident.Message) {
			l = incident.Sent(l, sent)
			for id, why := range failed {
				l = incident.Failed(l, id, why, now, h.policy)
			}
			l.Closed = slices.DeleteFunc(l.Closed, func(c incident.Incident) bool { return slices.Contains(archived, c.ID) })
			return l, nil
		}); err != nil {
			// The messages went out; the outbox still lists them, so a tick
			// after their lease sends them again (the pager's dedup key
			// makes a repeated page harmless; an email may come twice).
			errs = append(errs, fmt.Errorf("recording delivery in the ledger: %w", err))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &sendError{sent: len(sent), failed: len(failed), err: errors.Join(errs...)}
}

// archive keeps resolved incidents as records and returns the ids kept.
func (h *Handler) archive(ctx context.Context, log *slog.Logger, closed []incident.Incident, now time.Time) []string {
	var ids []string
	for _, c := range closed {
		doc, err := json.Marshal(c)
		if err == nil {
			err = h.o.Ledger.PutRecord(ctx, h.o.Config.App, RecordIncident, c.ID, doc, now.Add(IncidentRetention))
		}
		if err != nil {
			log.WarnContext(ctx, "resolved incident not archived yet; the next invocation tries again", "incident", c.ID, "error", err)
			continue
		}
		ids = append(ids, c.ID)
	}
	return ids
}

// sendOne renders and delivers one message through its channel. A channel
// that is not configured (no pager routing key) has nothing to do.
func (h *Handler) sendOne(ctx context.Context, log *slog.Logger, m incident.Message, ws []maintenance.Window, now time.Time, cache *detailsCache) error {
	log = log.With("incident", m.Incident.ID, "channel", string(m.Channel), "message", string(m.Kind), "attempt", m.Attempts+1)
	ch := h.channel(string(m.Channel))
	if ch == nil {
		log.InfoContext(ctx, "channel not configured: nothing to send")
		return nil
	}
	n := h.notice(ctx, log, m, ws, now, cache)
	links := BuildIncidentLinks(n, h.o.Config, h.o.Links, now)
	attempts, err := h.o.Retry.Do(ctx, func(ctx context.Context) error {
		return ch.Notify(ctx, &Notice{Incident: n, Links: links, Now: now})
	})
	if err != nil {
		log.ErrorContext(ctx, "delivery failed", "attempts", attempts, "retryable", IsRetryable(err), "error", err)
		return err
	}
	log.InfoContext(ctx, "sent", "attempts", attempts, "summary", n.What())
	return nil
}

// channel returns the configured channel of that name, or nil.
func (h *Handler) channel(name string) Channel {
	for _, c := range h.o.Channels {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// notice turns a ledger message into what the channels render: each member
// in the words of the checks file, with per-location detail (for a resolve,
// over the member's whole span), what changed since the last message, and
// the timeline.
func (h *Handler) notice(ctx context.Context, log *slog.Logger, m incident.Message, ws []maintenance.Window, now time.Time, cache *detailsCache) *IncidentNotice {
	inc := m.Incident
	n := &IncidentNotice{
		ID: inc.ID, App: inc.App, Kind: IncidentKind(m.Kind), Opened: inc.Opened, Resolved: inc.Resolved,
		Severity: inc.Severity, TimelineDropped: inc.TimelineDropped, RemindEvery: max(h.policy.RemindEvery, 0),
	}
	if n.Kind == IncidentResolve {
		n.Ended = inc.AllOKSince
	}
	// It began when its first member people were told of fired: one held
	// back by a maintenance window before then is not what they see.
	var first time.Time
	for _, mem := range inc.Members {
		if !mem.Muted && !mem.FirstFired.IsZero() && (first.IsZero() || mem.FirstFired.Before(first)) {
			first = mem.FirstFired
		}
	}
	if !first.IsZero() {
		n.Opened = first
	}
	if n.Kind == IncidentResolve && inc.Peak != "" {
		n.Severity = inc.Peak // a resolve says what the outage was at its worst
	}
	subjects := map[string]string{}
	var wg sync.WaitGroup
	n.Members = make([]Member, len(inc.Members))
	for i, mem := range inc.Members {
		a := memberAlarm(mem, h.o.Config)
		subjects[mem.Alarm] = a.Subject()
		n.Members[i] = Member{Alarm: a, FirstFired: mem.FirstFired}
		if mem.Muted {
			n.Members[i].Muted = windowReason(mem.MutedBy, ws)
		}
		var from, to time.Time
		switch {
		case n.Kind == IncidentResolve:
			to = inc.Resolved
			if !mem.Firing() && !mem.Since.IsZero() {
				to = mem.Since
			}
			from = mem.FirstFired.Add(-evaluationSpan(a.Spec))
		case mem.Firing() && !mem.Muted:
			to = now.UTC().Truncate(time.Minute).Add(time.Minute)
			from = to.Add(-DefaultEnrichWindow)
		default:
			continue // a member that recovered or is muted is named without figures
		}
		wg.Go(func() {
			d, err := cache.get(ctx, h.o.Enricher, &n.Members[i].Alarm, from, to)
			if err != nil {
				log.WarnContext(ctx, "enrichment failed; sending without per-location details", "alarm", mem.Alarm, "error", err)
			}
			n.Members[i].Details = d
		})
	}
	wg.Wait()
	if n.Kind != IncidentResolve { // the resolve tells the whole story instead
		n.Changes = changes(m.Before, inc, subjects)
	}
	for _, e := range inc.Timeline {
		n.Timeline = append(n.Timeline, TimelineEntry{At: e.At, Text: timelineText(e, subjects)})
	}
	return n
}

// memberAlarm describes a ledger member in the words of the checks file.
func memberAlarm(mem incident.Member, cfg *check.Config) Alarm {
	var a Alarm
	if name, ok := alarm.ParseAlarmName(mem.Alarm); ok {
		a = AlarmOf(name, cfg)
	} else {
		a = Alarm{AlarmName: mem.Alarm, App: cfg.App, Kind: mem.Kind, AreaID: mem.Area, AreaName: mem.Area}
	}
	a.State, a.Since = mem.State, mem.Since
	if mem.Severity != "" {
		a.Severity = mem.Severity
	}
	return a
}

// evaluationSpan is how long before an alarm fired its evaluation began
// reading bad minutes (N periods), so a resolve counts them all.
func evaluationSpan(s *alarm.AlarmSpec) time.Duration {
	if s == nil {
		return 5 * time.Minute
	}
	return time.Duration(s.EvaluationPeriods*s.Period) * time.Second
}

// windowReason says which maintenance window holds a member back.
func windowReason(id string, ws []maintenance.Window) string {
	for _, w := range ws {
		if w.ID == id && w.Reason != "" {
			return "maintenance window " + id + ": " + w.Reason
		}
	}
	return "maintenance window " + id
}

// changes says what differs from what people were last told: members that
// joined or left and a severity change.
func changes(before incident.Told, inc incident.Incident, subjects map[string]string) []string {
	if len(before.Firing) == 0 && before.Severity == "" {
		return nil // the first message: nothing was told before
	}
	var out []string
	now := map[string]bool{}
	for _, m := range inc.Members {
		if m.Firing() && !m.Muted {
			now[m.Alarm] = true
			if !slices.Contains(before.Firing, m.Alarm) {
				out = append(out, fmt.Sprintf("+ %s is %s (since %s)", subjects[m.Alarm], m.Kind, clock(m.Since)))
			}
		}
	}
	for _, name := range before.Firing {
		if now[name] {
			continue
		}
		what := "recovered"
		m := memberOf(inc, name)
		switch {
		case m != nil && m.Muted && m.Firing():
			what = "is in a maintenance window"
		case m != nil && !m.Since.IsZero():
			what += " (OK since " + clock(m.Since) + ")"
		}
		subject := subjects[name]
		if subject == "" {
			subject = name
		}
		out = append(out, "- "+subject+" "+what)
	}
	if before.Severity != "" && before.Severity != inc.Severity {
		out = append(out, fmt.Sprintf("severity is now %s (was %s)", inc.Severity, before.Severity))
	}
	return out
}

// memberOf returns the incident's member of that alarm name, or nil.
func memberOf(inc incident.Incident, name string) *incident.Member {
	for i := range inc.Members {
		if inc.Members[i].Alarm == name {
			return &inc.Members[i]
		}
	}
	return nil
}

// timelineText writes one ledger event for people: "Boards down: joined".
func timelineText(e incident.Event, subjects map[string]string) string {
	if e.Alarm == "" {
		return e.Note
	}
	subject := subjects[e.Alarm]
	if subject == "" {
		subject = e.Alarm
	}
	kind := ""
	if name, ok := alarm.ParseAlarmName(e.Alarm); ok {
		kind = " " + string(name.Kind)
	}
	note := e.Note
	if rest, ok := strings.CutPrefix(note, "left"); ok {
		note = "recovered" + rest
	}
	return subject + kind + ": " + note
}

// detailsCache reads each member's details once per invocation, whichever
// of its messages (email, pager) asks first.
type detailsCache struct {
	mu      sync.Mutex
	entries map[string]*cachedDetails
}

type cachedDetails struct {
	once sync.Once
	d    Details
	err  error
}

func (c *detailsCache) get(ctx context.Context, e *Enricher, a *Alarm, from, to time.Time) (Details, error) {
	key := a.AlarmName + "|" + from.Format(time.RFC3339) + "|" + to.Format(time.RFC3339)
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*cachedDetails{}
	}
	entry := c.entries[key]
	if entry == nil {
		entry = &cachedDetails{}
		c.entries[key] = entry
	}
	c.mu.Unlock()
	entry.once.Do(func() { entry.d, entry.err = e.EnrichSpan(ctx, a, from, to) })
	return entry.d, entry.err
}
