package notify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
)

// Email is the email channel: the notify topic's email subscriptions.
type Email struct{ topic *Topic }

// NewEmail returns the email channel publishing to topic.
func NewEmail(topic *Topic) *Email { return &Email{topic: topic} }

// Name implements Channel.
func (e *Email) Name() string { return TopicEmail }

// Notify implements Channel: an incident message, or one alarm's email when
// it is worth one (see Publishes).
func (e *Email) Notify(ctx context.Context, n *Notice) error {
	if n.Incident != nil {
		subject, body := RenderIncidentEmail(n.Incident, n.Links, n.Now)
		return e.topic.publish(ctx, TopicEmail, subject, body, incidentAttrs(n.Incident))
	}
	if n.Alarm == nil || !n.Rendered.Publish {
		return nil
	}
	return e.topic.publish(ctx, TopicEmail, n.Rendered.Subject, n.Rendered.Email, alarmAttrs(n.Alarm))
}

// RenderEmail renders the email's subject (ASCII, at most MaxSubject
// characters, starting with the state and the area) and plain-text body.
func RenderEmail(inc *Alarm, d Details, l Links, now time.Time) (subject, body string) {
	inc, _ = inc.forMessages()
	word := string(inc.State)
	subject = word + " " + inc.Subject() + ": " + Headline(inc, d)
	if inc.Kind != alarm.KindForeign {
		subject += " [" + inc.App + "]"
	}
	subject = truncateRunes(asciiLine(subject), MaxSubject)

	var b strings.Builder
	b.WriteString(lead(inc))
	b.WriteString("\n\n")
	if inc.Kind != alarm.KindForeign && d.Available && inc.State != alarm.StateInsufficient {
		b.WriteString(sentence(Situation(inc, d)))
		b.WriteString("\n\n")
	}
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%-11s%s\n", name+":", value)
		}
	}
	state := string(inc.State)
	if inc.Previous != "" {
		state += " (was " + string(inc.Previous) + ")"
	}
	field("State", state+" since "+since(inc.Since, now))
	field("Severity", string(inc.Severity))
	field("Rule", first(text(ruleText(inc), maxDetail)))
	field("Threshold", first(text(thresholdText(inc), maxDetail)))
	field("Alarm", inc.AlarmName)
	field("Reason", inc.Reason)
	if inc.Kind != alarm.KindForeign {
		b.WriteString("\n")
		switch {
		case !d.Available:
			b.WriteString("Per-location details are unavailable: the metrics could not be read from\nCloudWatch in time. The dashboard has them.\n")
		case inc.Kind == alarm.KindSilent:
			heartbeatTable(&b, d)
		default:
			statusTable(&b, inc, d)
		}
	}
	b.WriteString("\n")
	link := func(name, u string) {
		if u = href(u); u != "" {
			fmt.Fprintf(&b, "%-11s%s\n", name+":", u)
		}
	}
	link("Runbook", l.Runbook)
	link("Dashboard", l.Dashboard)
	link("Alarm", l.Alarm)
	logLinks(&b, "Probe logs (CloudWatch Logs Insights, per location):", l.Logs)
	b.WriteString("\n-- \nLookout synthetic monitoring")
	if inc.Kind != alarm.KindForeign {
		b.WriteString(" of " + inc.App)
	}
	b.WriteString(".\n")
	return subject, b.String()
}

// lead is the email's first paragraph.
func lead(inc *Alarm) string {
	who := inc.Subject() + " (" + inc.App + ")"
	switch {
	case inc.Kind == alarm.KindForeign:
		return fmt.Sprintf("CloudWatch alarm %q is in %s (was %s).\n"+
			"Lookout did not create this alarm; it is here because its actions publish\n"+
			"to Lookout's alarm topic.", inc.AlarmName, inc.State, orUnknown(inc.Previous))
	case inc.State == alarm.StateInsufficient:
		return fmt.Sprintf("The %s alarm of %s lacks data:\nCloudWatch cannot tell whether it is %s. "+
			"Lookout's alarms treat missing data\nas a verdict, so this usually means the alarm was just created or changed.\n"+
			"No page is sent.", inc.Kind, who, inc.Kind)
	case inc.Kind == alarm.KindSilent && inc.State == alarm.StateOK:
		return who + " is reporting again: its heartbeat is back."
	case inc.Kind == alarm.KindSilent:
		return who + " has gone SILENT: no heartbeat from its probes.\n" +
			"Its probes are not running or cannot publish to the home region. While it is\n" +
			"silent it cannot vote, so fewer locations remain to reach the quorum."
	case inc.State == alarm.StateOK:
		return fmt.Sprintf("%s has RECOVERED: its %s alarm is OK again.", who, inc.Kind)
	}
	return fmt.Sprintf("%s is %s.", who, strings.ToUpper(string(inc.Kind)))
}

func statusTable(b *strings.Builder, inc *Alarm, d Details) {
	w := labelWidth(d)
	bad := "Failing"
	if inc.Kind == alarm.KindSlow {
		bad = "Slow"
	}
	fmt.Fprintf(b, "%-*s%-14s%-10s%s minutes\n", w, "Location", "Latest round", "Latency", bad)
	window := int(d.To.Sub(d.From).Minutes())
	for _, l := range d.Locations {
		lat := "-"
		if l.HasLatency {
			lat = formatLatency(l.Latency)
		}
		status := string(l.Status)
		if l.Status == StatusFailing || l.Status == StatusSlow || l.Status == StatusSilent {
			status = strings.ToUpper(status)
		}
		fmt.Fprintf(b, "%-*s%-14s%-10s%d of %d\n", w, l.Label, status, lat, l.BadMinutes, window)
	}
	fmt.Fprintf(b, "Read from CloudWatch for %s to %s.\n", clock(d.From), clock(d.To))
}

func heartbeatTable(b *strings.Builder, d Details) {
	w := labelWidth(d)
	fmt.Fprintf(b, "%-*s%-12s%s\n", w, "Location", "Status", "Last heartbeat")
	for _, l := range d.Locations {
		status, last := "reporting", "none in window"
		switch l.Status {
		case StatusSilent:
			status = "SILENT"
		case StatusAbstained:
			status = "abstained"
		}
		if !l.LastHeartbeat.IsZero() {
			last = clock(l.LastHeartbeat)
		}
		fmt.Fprintf(b, "%-*s%-12s%s\n", w, l.Label, status, last)
	}
	fmt.Fprintf(b, "Read from CloudWatch for %s to %s.\n", clock(d.From), clock(d.To))
}

func labelWidth(d Details) int {
	w := len("Location")
	for _, l := range d.Locations {
		w = max(w, len([]rune(l.Label)))
	}
	return w + 3
}

// since writes "2026-11-24 14:02:10 UTC (3 min ago)", or "unknown" for a
// notification that carried no time.
func since(t, now time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	s := t.UTC().Format("2006-01-02 15:04:05 MST")
	ago := now.Sub(t)
	switch {
	case ago < 0:
		return s
	case ago < time.Minute:
		return s + " (just now)"
	case ago < 2*time.Hour:
		return fmt.Sprintf("%s (%d min ago)", s, int(ago.Minutes()))
	}
	return fmt.Sprintf("%s (%d h ago)", s, int(ago.Hours()))
}

// RenderIncidentEmail renders one incident message as an email: the subject
// (ASCII, at most MaxSubject characters: the worst state, the app, what is
// wrong) and a plain-text body naming every member with its per-location
// detail. A resolve carries the incident's account: what failed, where,
// from when to when, and its timeline.
func RenderIncidentEmail(n *IncidentNotice, l IncidentLinks, now time.Time) (subject, body string) {
	app := first(text(n.App, maxName))
	what := first(text(n.What(), maxDetail))
	subject = n.Word() + " " + app + ": " + what
	if n.Kind == IncidentResolve {
		subject += " (" + minutes(n.Duration(now)) + ")"
	}
	if n.Test {
		subject = "[TEST] " + subject
	}
	subject = truncateRunes(asciiLine(subject), MaxSubject)

	var b strings.Builder
	if n.Test {
		b.WriteString("THIS IS A TEST sent with `lookout test-page`: nothing is wrong.\n\n")
	}
	told, muted := n.firing()
	switch {
	case n.Kind == IncidentResolve:
		fmt.Fprintf(&b, "%s's incident is RESOLVED: every alarm is OK again.\n", app)
		last := n.Ended // the last recovery; it resolved the settle time later
		if last.IsZero() {
			last = n.Resolved
		}
		end := stamp(last)
		if y, m, d := n.Opened.UTC().Date(); !last.IsZero() && last.UTC().Day() == d && last.UTC().Month() == m && last.UTC().Year() == y {
			end = last.UTC().Format("15:04 MST")
		}
		fmt.Fprintf(&b, "It lasted %s, from %s to %s.\n", minutes(n.Duration(now)), stamp(n.Opened), end)
	case len(told) == 0:
		fmt.Fprintf(&b, "%s's incident is recovering: no alarm fires, the incident resolves once\nthey stay OK.\n", app)
		fmt.Fprintf(&b, "It began %s.\n", since(n.Opened, now))
	default:
		verb := "has an incident"
		if n.Kind == IncidentReminder {
			verb = "still has an incident, open for " + minutes(n.Duration(now))
		}
		fmt.Fprintf(&b, "%s %s: %s.\n", app, verb, what)
		fmt.Fprintf(&b, "It began %s.\n", since(n.Opened, now))
	}
	fmt.Fprintf(&b, "Severity: %s. Incident: %s\n", n.Severity, first(text(n.ID, maxName)))
	if len(n.Changes) > 0 {
		b.WriteString("\nSince the last message:\n")
		for _, c := range n.Changes {
			fmt.Fprintf(&b, "  %s\n", first(text(c, maxDetail)))
		}
	}

	if n.Kind == IncidentResolve {
		b.WriteString("\nWhat failed, where, and for how long:\n")
		w := 0
		for i := range n.Members {
			w = max(w, len([]rune(first(text(n.Members[i].Subject(), maxName)))))
		}
		for i := range n.Members {
			m := &n.Members[i]
			end := m.Since
			if m.Firing() || end.IsZero() {
				end = n.Resolved
			}
			fmt.Fprintf(&b, "  %-*s  %-6s %s - %s  %-8s %s\n", w, first(text(m.Subject(), maxName)), m.Kind,
				clock(m.FirstFired), clock(end), minutes(end.Sub(m.FirstFired)), whereBad(m))
		}
		if len(n.Timeline) > 0 {
			b.WriteString("\nTimeline:\n")
			if n.TimelineDropped > 0 {
				fmt.Fprintf(&b, "  (%d earlier entries not kept)\n", n.TimelineDropped)
			}
			for _, e := range n.Timeline {
				fmt.Fprintf(&b, "  %s  %s\n", clock(e.At), first(text(e.Text, maxDetail)))
			}
		}
	} else {
		// The worst first: a person reads the critical members before the rest.
		slices.SortStableFunc(told, func(x, y *Member) int { return y.Severity.Rank() - x.Severity.Rank() })
		for _, m := range told {
			memberBlock(&b, m, l, now, n.Test)
		}
		var recovered []string
		for i := range n.Members {
			if m := &n.Members[i]; !m.Firing() && m.Muted == "" {
				recovered = append(recovered, fmt.Sprintf("%s (%s, OK since %s)", first(text(m.Subject(), maxName)), m.Kind, clock(m.Since)))
			}
		}
		if len(recovered) > 0 {
			b.WriteString("\nRecovered, still part of this incident:\n")
			for _, r := range recovered {
				fmt.Fprintf(&b, "  %s\n", r)
			}
		}
		if len(muted) > 0 {
			b.WriteString("\nIn a maintenance window (they page nobody until it ends):\n")
			for _, m := range muted {
				fmt.Fprintf(&b, "  %s %s since %s: %s\n", first(text(m.Subject(), maxName)), m.Kind, clock(m.Since), first(text(m.Muted, maxDetail)))
			}
		}
	}

	b.WriteString("\n")
	if u := href(l.Dashboard); u != "" {
		fmt.Fprintf(&b, "%-11s%s\n", "Dashboard:", u)
	}
	logLinks(&b, "Probe logs of the incident (CloudWatch Logs Insights, per location):", l.Logs)
	b.WriteString("\n-- \nLookout synthetic monitoring of " + app + ". One message per outage: ")
	switch {
	case n.Kind == IncidentResolve:
		b.WriteString("this one closes it.\n")
	case n.RemindEvery > 0:
		fmt.Fprintf(&b, "updates as it changes,\na reminder every %s while it lasts, and one when it resolves.\n", minutes(n.RemindEvery))
	default:
		b.WriteString("updates as it changes,\nand one when it resolves.\n")
	}
	return subject, b.String()
}

// memberBlock writes one firing member: its state, situation, per-location
// table and links.
func memberBlock(b *strings.Builder, m *Member, l IncidentLinks, now time.Time, test bool) {
	a, _ := m.forMessages()
	fmt.Fprintf(b, "\n== %s: %s since %s, for %s (%s)\n", a.Subject(), strings.ToUpper(string(a.Kind)), clock(m.FirstFired),
		minutes(now.Sub(m.FirstFired)), a.Severity)
	d := m.Details
	switch {
	case test:
		b.WriteString("A test member: no alarm fired and no location was probed for it.\n")
	case !d.Available:
		b.WriteString("Per-location details are unavailable: the metrics could not be read from\nCloudWatch in time. The dashboard has them.\n")
	case a.Kind == alarm.KindSilent:
		b.WriteString(sentence(Situation(a, d)) + "\n")
		heartbeatTable(b, d)
	default:
		b.WriteString(sentence(Situation(a, d)) + "\n")
		statusTable(b, a, d)
	}
	if r := first(text(ruleText(a), maxDetail)); r != "" {
		fmt.Fprintf(b, "%-11s%s\n", "Rule:", r)
	}
	ml := l.Members[m.AlarmName]
	if u := href(ml.Runbook); u != "" {
		fmt.Fprintf(b, "%-11s%s\n", "Runbook:", u)
	}
	if u := href(ml.Alarm); u != "" {
		fmt.Fprintf(b, "%-11s%s\n", "Alarm:", u)
	}
}

// stamp writes a time as 2026-12-02 14:07 UTC.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "an unknown time"
	}
	return t.UTC().Format("2006-01-02 15:04 MST")
}

// logLinks writes the Logs Insights links a person can follow under title;
// nothing when there is none.
func logLinks(b *strings.Builder, title string, links []Link) {
	var logs []Link
	for _, g := range links {
		if href(g.Href) != "" {
			logs = append(logs, g)
		}
	}
	if len(logs) == 0 {
		return
	}
	b.WriteString(title + "\n")
	for _, g := range logs {
		fmt.Fprintf(b, "  %s: %s\n", first(text(g.Text, maxName)), g.Href)
	}
}
