package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/deploy"
	"github.com/lookout-monitoring/lookout/shared/evaluate"
	"github.com/lookout-monitoring/lookout/shared/notify"
)

// notifier runs the NotifyFunction's own handler on each alarm change, with
// the local evaluator standing in for CloudWatch (enrichment reads the
// demo's datums) and a channel that keeps what would have been sent.
type notifier struct {
	h   *notify.Handler
	now time.Time // the simulated clock

	mu  sync.Mutex
	got []Message
}

func newNotifier(cfg *check.Config, ev *evaluate.Evaluator) (*notifier, error) {
	n := &notifier{}
	h, err := notify.NewHandler(notify.Options{
		Config:   cfg,
		Channels: []notify.Channel{n},
		Enricher: &notify.Enricher{Client: ev, Config: cfg},
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:      func() time.Time { return n.now },
		Links:    notify.LinkOptions{Dashboard: deploy.DashboardName(cfg.App), ProbeLogGroups: []string{deploy.ProbeLogGroup(cfg.App)}},
	})
	if err != nil {
		return nil, err
	}
	n.h = h
	return n, nil
}

// Name implements notify.Channel.
func (n *notifier) Name() string { return "demo" }

// Notify implements notify.Channel: it keeps, per channel, what the notify
// topic's subscriptions and the pager would receive.
func (n *notifier) Notify(_ context.Context, note *notify.Notice) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	inc, r := note.Alarm, note.Rendered
	if inc == nil {
		return nil
	}
	if r.Publish {
		n.got = append(n.got, Message{Channel: "email", Subject: r.Subject, Body: r.Email})
		// The SMS channel: critical only.
		if inc.NotifySeverity() == check.Critical {
			n.got = append(n.got, Message{Channel: "sms", Body: r.SMS})
		}
	}
	if r.Pager != nil {
		body, err := r.Pager.JSON("  ")
		if err != nil {
			return err
		}
		subject := fmt.Sprintf("%s %s", r.Pager.EventAction, r.Pager.DedupKey)
		if r.Pager.Payload != nil {
			subject += ": " + r.Pager.Payload.Summary
		}
		n.got = append(n.got, Message{Channel: "pager", Subject: subject, Body: strings.TrimSpace(string(body))})
	}
	return nil
}

// Render delivers one alarm notification, as SNS would hand it to the
// NotifyFunction, and returns the messages it produced.
func (n *notifier) Render(ctx context.Context, payload []byte, published time.Time) ([]Message, error) {
	n.mu.Lock()
	n.got, n.now = nil, published
	n.mu.Unlock()
	ev := events.SNSEvent{Records: []events.SNSEventRecord{{
		EventSource: "aws:sns",
		SNS: events.SNSEntity{
			MessageID: fmt.Sprintf("demo-%d", published.Unix()), Type: "Notification",
			Subject: "ALARM", Message: string(payload), Timestamp: published,
		},
	}}}
	_, err := n.h.Handle(ctx, ev)
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.got, err
}
