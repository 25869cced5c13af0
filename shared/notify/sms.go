package notify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

// SMS is the text message channel: the notify topic's SMS subscriptions.
type SMS struct{ topic *Topic }

// NewSMS returns the SMS channel publishing to topic.
func NewSMS(topic *Topic) *SMS { return &SMS{topic: topic} }

// Name implements Channel.
func (s *SMS) Name() string { return TopicSMS }

// Notify implements Channel: an incident message (the ledger decided it is
// worth a text), or one alarm's text when it is critical and worth an email.
func (s *SMS) Notify(ctx context.Context, n *Notice) error {
	if n.Incident != nil {
		return s.topic.publish(ctx, TopicSMS, "", RenderIncidentSMS(n.Incident, n.Now), incidentAttrs(n.Incident))
	}
	if n.Alarm == nil || !n.Rendered.Publish || n.Alarm.NotifySeverity() != check.Critical {
		return nil
	}
	return s.topic.publish(ctx, TopicSMS, "", n.Rendered.SMS, alarmAttrs(n.Alarm))
}

// RenderSMS renders the text message: GSM-7 basic characters only, at most
// MaxSMS characters, e.g. "DOWN Sign-in (taskboard): London, Mumbai 2/4 since 14:02Z".
func RenderSMS(inc *Alarm, d Details) string {
	inc, _ = inc.forMessages()
	var s string
	who := inc.Subject() + " (" + inc.App + ")"
	switch {
	case inc.Kind == alarm.KindForeign:
		s = string(inc.State) + " " + inc.AlarmName
		if inc.State == alarm.StateAlarm {
			s += ": " + inc.Reason
		} else {
			s += at(" ", inc.Since)
		}
	case inc.State == alarm.StateInsufficient:
		s = fmt.Sprintf("NO DATA %s %s alarm%s", who, inc.Kind, at(" since ", inc.Since))
	case inc.State == alarm.StateOK && inc.Kind == alarm.KindSilent:
		s = fmt.Sprintf("OK %s reporting again%s", who, at(" ", inc.Since))
	case inc.State == alarm.StateOK:
		s = fmt.Sprintf("OK %s recovered%s", who, at(" ", inc.Since))
	case !d.Available:
		s = fmt.Sprintf("%s %s%s, details n/a", stateWord(inc), who, at(" since ", inc.Since))
	case inc.Kind == alarm.KindSilent:
		s = fmt.Sprintf("SILENT %s: %s", who, silentSince(inc, d))
	default:
		s = fmt.Sprintf("%s %s", stateWord(inc), who)
		if c := culprits(inc, d); len(c) > 0 {
			s += fmt.Sprintf(": %s %d/%d", strings.Join(labels(c), ", "), len(c), len(d.Locations))
		}
		s += at(" since ", inc.Since)
	}
	return truncateRunes(GSM7(oneLine(s)), MaxSMS)
}

// at writes prefix and t as 14:02Z; nothing when the time is unknown.
func at(prefix string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return prefix + clock(t)
}

// RenderIncidentSMS renders an incident's text message: GSM-7 basic
// characters, at most MaxSMS characters, e.g. "DOWN taskboard: Boards, Cards
// and Search down; Public API slow since 14:07Z" or "RESOLVED taskboard
// after 14 min: Boards, Cards, Search and Public API".
func RenderIncidentSMS(n *IncidentNotice, now time.Time) string {
	app := first(text(n.App, maxName))
	var s string
	if n.Kind == IncidentResolve {
		s = fmt.Sprintf("RESOLVED %s after %s: %s", app, minutes(n.Duration(now)), n.What())
	} else {
		s = fmt.Sprintf("%s %s: %s%s", n.Word(), app, n.What(), at(" since ", n.Opened))
	}
	if n.Test {
		s = "TEST " + s
	}
	return truncateRunes(GSM7(oneLine(s)), MaxSMS)
}
