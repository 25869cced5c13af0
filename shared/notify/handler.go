package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/incident"
	"github.com/lookout-monitoring/lookout/shared/logline"
)

// DefaultDeliveryBudget bounds enrichment plus delivery of one invocation. It
// must stay below the function's timeout, so a failure is reported by us and
// not by Lambda killing the invocation.
const DefaultDeliveryBudget = 20 * time.Second

// deadlineMargin is kept free before the Lambda deadline to return the error.
const deadlineMargin = 2 * time.Second

// Options are everything the handler needs, built by functions/notify.
type Options struct {
	// Config is the checks file (severity, names, runbooks, locations, rules).
	Config *check.Config
	// Channels are delivered to independently and concurrently.
	Channels []Channel
	// Enricher reads per-location details; nil means none (messages say so).
	Enricher *Enricher
	// Links say where console links point.
	Links LinkOptions
	// Retry is each channel's retry policy (DefaultRetryPolicy if zero).
	Retry RetryPolicy
	// Budget bounds one invocation's work (DefaultDeliveryBudget if zero).
	Budget time.Duration
	// Logger receives the logs, their values bounded (package logline)
	// (slog.Default if nil).
	Logger *slog.Logger
	// Now is the clock (time.Now if nil).
	Now func() time.Time

	// Ledger keeps the app's incidents: with it, the alarms Lookout created
	// are told as incidents (one page per outage); without it, each alarm is
	// told on its own.
	Ledger Ledger
	// Alarms reads the alarms' true state for the reconcile tick.
	Alarms AlarmDescriber
	// Watchdog is pinged after every successful tick (nil: none).
	Watchdog *Watchdog
	// Policy paces incident messages; zero fields take the defaults.
	Policy incident.Policy
}

// Handler is the NotifyFunction: SNS alarm notifications in, messages out.
type Handler struct {
	o      Options
	policy incident.Policy
	// facets are what the ledger needs of each alarm the checks file
	// implies, made once: the tick asks it of every alarm every minute.
	facets map[alarm.AlarmName]facet
}

// facet is what the ledger needs of an alarm: its severity and area.
type facet struct {
	severity check.Severity
	area     string
}

// NewHandler checks the options and fills defaults.
func NewHandler(o Options) (*Handler, error) {
	if o.Config == nil {
		return nil, errors.New("alert: no checks file config")
	}
	if len(o.Channels) == 0 {
		return nil, errors.New("alert: no channels")
	}
	if o.Retry == (RetryPolicy{}) {
		o.Retry = DefaultRetryPolicy
	}
	if o.Budget <= 0 {
		o.Budget = DefaultDeliveryBudget
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Logger = slog.New(logline.Bound(o.Logger.Handler())) // a notification can hold anything
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Links.HomeRegion == "" {
		o.Links.HomeRegion = o.Config.HomeRegion
	}
	h := &Handler{o: o, policy: o.Policy.WithDefaults(), facets: map[alarm.AlarmName]facet{}}
	for _, s := range alarm.Alarms(o.Config) {
		f := facet{severity: s.Severity}
		if f.severity == "" {
			f.severity = check.Critical // as describe says of an alarm of the checks file
		}
		if s.Name.Kind != alarm.KindSilent {
			f.area = s.Name.Subject
		}
		h.facets[s.Name] = f
	}
	return h, nil
}

// Report counts what one invocation did (the result `sam local invoke` shows).
type Report struct {
	Alarms  int `json:"alarms"`  // records that were alarm notifications
	Skipped int `json:"skipped"` // malformed records, logged and skipped
	Failed  int `json:"failed"`  // alarms some channel could not be told of
}

// Handle notifies for every alarm in the event. A malformed record is logged
// with its message id and skipped. The error joins every channel that still
// failed after its retries, so Lambda's async retry and on-failure
// destination take over; the pager's dedup key makes a repeat harmless.
func (h *Handler) Handle(ctx context.Context, ev events.SNSEvent) (Report, error) {
	var rep Report
	ctx, cancel := h.budget(ctx)
	defer cancel()

	var errs []error
	for i, rec := range ev.Records {
		inc, err := FromRecord(rec, h.o.Config)
		if err != nil {
			rep.Skipped++
			h.o.Logger.ErrorContext(ctx, "skipping malformed alarm record",
				"message_id", rec.SNS.MessageID, "record", i, "error", err)
			continue
		}
		rep.Alarms++
		if err := h.tell(ctx, &inc); err != nil {
			rep.Failed++
			// aws-lambda-go logs the error it reports: the name is bounded.
			name, _ := text(inc.AlarmName, maxName)
			errs = append(errs, fmt.Errorf("alarm %s (message %s): %w", name, inc.MessageID, err))
		}
	}
	if len(errs) == 0 {
		return rep, nil
	}
	return rep, boundedError{errors.Join(errs...)}
}

// budget bounds one invocation's work by Options.Budget and the Lambda
// deadline, keeping deadlineMargin to report a failure ourselves.
func (h *Handler) budget(ctx context.Context) (context.Context, context.CancelFunc) {
	budget := h.o.Budget
	if dl, ok := ctx.Deadline(); ok {
		budget = min(budget, time.Until(dl)-deadlineMargin)
	}
	return context.WithTimeout(ctx, max(budget, time.Second))
}

// tell routes one alarm: the alarms Lookout created for this app go through
// the incident ledger; anyone else's alarm, and every alarm when there is no
// ledger, is told on its own. An alarm that lacks data also gets its own
// informational email: it pages nobody, but someone should know.
func (h *Handler) tell(ctx context.Context, a *Alarm) error {
	if h.o.Ledger == nil || a.Kind == alarm.KindForeign || a.App != h.o.Config.App {
		return h.Notify(ctx, a)
	}
	log := h.o.Logger.With("message_id", a.MessageID, "alarm", a.AlarmName, "state", string(a.State))
	err := h.applyAlarm(ctx, log, a)
	if a.State == alarm.StateInsufficient {
		err = errors.Join(err, h.Notify(ctx, a))
	}
	if a.Recovered() {
		h.resolveOnItsOwn(ctx, log, a)
	}
	return err
}

// resolveOnItsOwn closes the pager alert the alarm may have opened on its
// own, while the ledger was unavailable: without it that alert would stay
// open, the incident's resolve closing only the incident's. PagerDuty drops
// a resolve for a key with no open alert, so it is harmless otherwise.
func (h *Handler) resolveOnItsOwn(ctx context.Context, log *slog.Logger, a *Alarm) {
	for _, c := range h.o.Channels {
		if pd, ok := c.(*PagerDuty); ok {
			ev := &PagerEvent{EventAction: PagerResolve, DedupKey: a.DedupKey()}
			if _, err := h.o.Retry.Do(ctx, func(ctx context.Context) error {
				return pd.Notify(ctx, &Notice{Alarm: a, Rendered: Rendered{Pager: ev}})
			}); err != nil {
				log.WarnContext(ctx, "resolve of the alarm's own pager alert failed", "error", err)
			}
		}
	}
}

// boundedError is the invocation's error with its text bounded: aws-lambda-go
// writes that text to the log and Lambda to the on-failure destination, and
// a server's reply or an alarm's name can make it any size.
type boundedError struct{ err error }

func (e boundedError) Error() string { return logline.Clip(e.err.Error()) }
func (e boundedError) Unwrap() error { return e.err }

// Notify enriches, renders and delivers one alarm.
func (h *Handler) Notify(ctx context.Context, inc *Alarm) error {
	log := h.o.Logger.With("message_id", inc.MessageID, "alarm", inc.AlarmName, "kind", string(inc.Kind),
		"state", string(inc.State), "severity", string(inc.NotifySeverity()))
	if inc.AreaID != "" {
		log = log.With("area", inc.AreaID)
	}
	if inc.Location != "" {
		log = log.With("location", inc.Location)
	}
	now := h.o.Now()
	var details Details
	// A resolve alone needs no details; an email or a trigger does.
	if inc.Kind != alarm.KindForeign && (Publishes(inc) || inc.State == alarm.StateAlarm) {
		d, err := h.o.Enricher.Enrich(ctx, inc, now)
		if err != nil {
			log.WarnContext(ctx, "enrichment failed; sending without per-location details", "error", err)
		} else {
			details = d
		}
	}
	r := Render(inc, details, BuildLinks(inc, h.o.Config, h.o.Links), now)
	log.InfoContext(ctx, "alarm received", "details", details.Available, "publish", r.Publish,
		"pager", pagerAction(r), "summary", Headline(inc, details))
	return h.deliver(ctx, log, inc, r)
}

func pagerAction(r Rendered) string {
	if r.Pager == nil {
		return "none"
	}
	return string(r.Pager.EventAction)
}

// deliver runs every channel concurrently, each with its own retries, and
// joins the failures: one channel failing never stops another.
func (h *Handler) deliver(ctx context.Context, log *slog.Logger, inc *Alarm, r Rendered) error {
	errs := make([]error, len(h.o.Channels))
	var wg sync.WaitGroup
	for i, ch := range h.o.Channels {
		wg.Go(func() {
			attempts, err := h.o.Retry.Do(ctx, func(ctx context.Context) error {
				return ch.Notify(ctx, &Notice{Alarm: inc, Rendered: r, Now: h.o.Now()})
			})
			if err != nil {
				log.ErrorContext(ctx, "delivery failed", "channel", ch.Name(), "attempts", attempts,
					"retryable", IsRetryable(err), "error", err)
				errs[i] = fmt.Errorf("%s: %w", ch.Name(), err)
				return
			}
			log.InfoContext(ctx, "channel done", "channel", ch.Name(), "attempts", attempts) // sent, or nothing to send
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
