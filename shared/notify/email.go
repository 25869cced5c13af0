package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
)

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
	var logs []Link
	for _, g := range l.Logs {
		if href(g.Href) != "" {
			logs = append(logs, g)
		}
	}
	if len(logs) > 0 {
		b.WriteString("Probe logs (CloudWatch Logs Insights, per location):\n")
		for _, g := range logs {
			fmt.Fprintf(&b, "  %s: %s\n", first(text(g.Text, maxName)), g.Href)
		}
	}
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
