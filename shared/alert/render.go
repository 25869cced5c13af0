package alert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

// Limits of the channels.
const (
	// MaxSubject: SNS email subjects must be ASCII and under 100 characters.
	MaxSubject = 99
	// MaxSMS keeps an SMS within one GSM-7 segment (160) with room for a sender prefix.
	MaxSMS = 140
	// maxReason caps CloudWatch's reason text in messages.
	maxReason = 1000
	// maxSummary is PagerDuty's limit on payload.summary: "The maximum
	// permitted length of this property is 1024 characters" (Events API v2,
	// Send an Alert Event). dedup_key's is 255 (see Incident.DedupKey).
	maxSummary = 1024
	// maxPagerEvent keeps an event under the Events API v2's size limit,
	// "Events API payloads are limited to 512 KB" (Events API v2 Overview,
	// Size Limits), with room for the routing key added at send time.
	maxPagerEvent = 500_000
)

// PagerAction is what the pager is told.
type PagerAction string

// Pager actions of the PagerDuty Events API v2.
const (
	PagerTrigger PagerAction = "trigger"
	PagerResolve PagerAction = "resolve"
)

// Rendered holds one incident's message for every channel.
type Rendered struct {
	// Publish says whether the notify topic gets a message. An alarm that
	// goes from INSUFFICIENT_DATA to OK (as every alarm does when deployed)
	// is not worth an email.
	Publish bool
	// Subject and Email are the email; SMS the text message.
	Subject, Email, SMS string
	// Pager is the PagerDuty event without its routing key; nil when the
	// pager is not told (INSUFFICIENT_DATA).
	Pager *PagerEvent
}

// Render renders an incident for every channel and decides who is told:
//
//	ALARM                    -> topic (email; SMS if critical), pager trigger
//	OK after ALARM           -> topic (email; SMS if critical), pager resolve
//	OK after anything else   -> pager resolve only (harmless if nothing is open)
//	INSUFFICIENT_DATA        -> topic with severity "info" (email only); no page
func Render(inc *Incident, d Details, l Links, now time.Time) Rendered {
	r := Rendered{
		Publish: Publishes(inc),
		SMS:     RenderSMS(inc, d),
		Pager:   RenderPager(inc, d, l),
	}
	r.Subject, r.Email = RenderEmail(inc, d, l, now)
	return r
}

// Publishes says whether the notify topic gets a message for inc: not for
// an OK that ends anything but an ALARM.
func Publishes(inc *Incident) bool {
	return !(inc.State == alarm.StateOK && inc.Previous != alarm.StateAlarm && inc.Previous != "")
}

// stateWord is the first word of a subject or SMS.
func stateWord(inc *Incident) string {
	switch inc.State {
	case alarm.StateInsufficient:
		return "NO DATA"
	case alarm.StateOK:
		return "OK"
	}
	if inc.Kind == alarm.KindForeign {
		return "ALARM"
	}
	return strings.ToUpper(string(inc.Kind))
}

// RenderEmail renders the email's subject (ASCII, at most MaxSubject
// characters, starting with the state and the area) and plain-text body.
func RenderEmail(inc *Incident, d Details, l Links, now time.Time) (subject, body string) {
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
func lead(inc *Incident) string {
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

func statusTable(b *strings.Builder, inc *Incident, d Details) {
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

// RenderSMS renders the text message: GSM-7 basic characters only, at most
// MaxSMS characters, e.g. "DOWN Sign-in (taskboard): London, Mumbai 2/4 since 14:02Z".
func RenderSMS(inc *Incident, d Details) string {
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

// PagerEvent is a PagerDuty Events API v2 event. The routing key is added by
// the PagerDuty channel at send time, so rendered events hold no secret.
type PagerEvent struct {
	RoutingKey  string        `json:"routing_key,omitempty"`
	EventAction PagerAction   `json:"event_action"`
	DedupKey    string        `json:"dedup_key"`
	Payload     *PagerPayload `json:"payload,omitempty"`
	Client      string        `json:"client,omitempty"`
	ClientURL   string        `json:"client_url,omitempty"`
	Links       []PagerLink   `json:"links,omitempty"`
}

// PagerPayload is the "payload" of a trigger event.
type PagerPayload struct {
	Summary       string       `json:"summary"`
	Source        string       `json:"source"`
	Severity      string       `json:"severity"`
	Timestamp     string       `json:"timestamp,omitempty"`
	Component     string       `json:"component,omitempty"`
	Group         string       `json:"group,omitempty"`
	Class         string       `json:"class,omitempty"`
	CustomDetails PagerDetails `json:"custom_details"`
}

// PagerDetails are the trigger's custom_details.
type PagerDetails struct {
	Situation string `json:"situation"`
	Alarm     string `json:"alarm"`
	State     string `json:"state"`
	Previous  string `json:"previous_state,omitempty"`
	Since     string `json:"since"`
	Rule      string `json:"rule,omitempty"`
	Threshold string `json:"threshold,omitempty"`
	Reason    string `json:"reason,omitempty"`
	// Locations maps a location to its latest status, e.g. "failing" or "ok, 420 ms".
	Locations map[string]string `json:"locations,omitempty"`
	// DetailsUnavailable is set when the per-location figures could not be read.
	DetailsUnavailable bool `json:"details_unavailable,omitempty"`
	// Truncated names what was cut or left out to fit PagerDuty's limits
	// (e.g. "alarm name", "reason", "links"); cut text ends in "...".
	Truncated []string `json:"truncated,omitempty"`
}

// JSON encodes the event as PagerDuty receives it (no HTML escaping, so
// "->" and ">=" stay readable in the incident).
func (e *PagerEvent) JSON(indent string) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// PagerLink is one entry of an event's links.
type PagerLink struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// pagerSeverity maps a notification severity to PagerDuty's words.
func pagerSeverity(s check.Severity) string {
	switch s {
	case check.Critical:
		return "critical"
	case SeverityInfo:
		return "info"
	}
	return "warning"
}

// RenderPager renders the PagerDuty event: trigger on ALARM, resolve on OK,
// nothing (nil) on INSUFFICIENT_DATA. Trigger and resolve share the dedup key.
// Every field is bounded (summary and dedup key to PagerDuty's limits, names
// to maxName, texts to maxDetail, links to maxHref) and the whole event to
// maxPagerEvent; what was cut is listed in custom_details.truncated.
func RenderPager(inc *Incident, d Details, l Links) *PagerEvent {
	key := inc.DedupKey() // of the alarm as it came: trigger and resolve must agree
	switch inc.State {
	case alarm.StateOK:
		return &PagerEvent{EventAction: PagerResolve, DedupKey: key}
	case alarm.StateAlarm:
	default:
		return nil
	}
	inc, truncated := inc.forMessages()
	summary := fmt.Sprintf("CloudWatch alarm %s is %s: %s", inc.AlarmName, inc.State, inc.Reason)
	source := "cloudwatch"
	if inc.Region != "" {
		source += ":" + inc.Region
	}
	if inc.Kind != alarm.KindForeign {
		summary = inc.Subject() + " (" + inc.App + ") " + Situation(inc, d)
		source = "lookout/" + inc.App
	}
	if !d.Available && inc.Kind != alarm.KindForeign {
		summary += " (per-location details unavailable)"
	}
	detail := func(what, s string) string {
		out, cut := text(s, maxDetail)
		if cut {
			truncated = append(truncated, what)
		}
		return out
	}
	since := "unknown"
	if !inc.Since.IsZero() {
		since = inc.Since.UTC().Format(time.RFC3339)
	}
	ev := &PagerEvent{
		EventAction: PagerTrigger,
		DedupKey:    key,
		Client:      "Lookout",
		ClientURL:   href(l.Dashboard),
		Payload: &PagerPayload{
			Summary:   truncateRunes(summary, maxSummary),
			Source:    first(text(source, maxName)),
			Severity:  pagerSeverity(inc.NotifySeverity()),
			Component: inc.Subject(),
			Group:     inc.App,
			Class:     string(inc.Kind),
			CustomDetails: PagerDetails{
				Situation:          detail("situation", Situation(inc, d)),
				Alarm:              inc.AlarmName,
				State:              string(inc.State),
				Previous:           string(inc.Previous),
				Since:              since,
				Rule:               detail("rule", ruleText(inc)),
				Threshold:          detail("threshold", thresholdText(inc)),
				Reason:             inc.Reason,
				DetailsUnavailable: !d.Available && inc.Kind != alarm.KindForeign,
			},
		},
	}
	if !inc.Since.IsZero() { // else PagerDuty stamps the event when it arrives
		ev.Payload.Timestamp = since
	}
	if d.Available {
		locs := map[string]string{}
		for _, x := range d.Locations {
			v := string(x.Status)
			if x.HasLatency && inc.Kind != alarm.KindSilent {
				v += ", " + formatLatency(x.Latency)
			}
			if inc.Kind == alarm.KindSilent && !x.LastHeartbeat.IsZero() {
				v += ", last heartbeat " + clock(x.LastHeartbeat)
			}
			locs[first(text(x.Label, maxName))] = v
		}
		ev.Payload.CustomDetails.Locations = locs
	}
	add := func(label, u string) {
		switch {
		case u == "":
		case href(u) == "":
			truncated = append(truncated, "links")
		default:
			ev.Links = append(ev.Links, PagerLink{Href: u, Text: first(text(label, maxName))})
		}
	}
	add("Runbook", l.Runbook)
	add("Dashboard", l.Dashboard)
	add("Alarm", l.Alarm)
	for _, g := range l.Logs {
		add("Probe logs: "+g.Text, g.Href)
	}
	ev.Payload.CustomDetails.Truncated = truncated
	ev.fit(maxPagerEvent)
	slices.Sort(ev.Payload.CustomDetails.Truncated)
	ev.Payload.CustomDetails.Truncated = slices.Compact(ev.Payload.CustomDetails.Truncated)
	return ev
}

// fit shrinks a trigger until its JSON is at most limit bytes: first every
// custom detail's text, then the per-location statuses, then the links. The
// summary, source, severity and dedup key always stay: they say what is wrong.
func (e *PagerEvent) fit(limit int) {
	d := &e.Payload.CustomDetails
	steps := []struct {
		what   string
		shrink func()
	}{
		{"custom details", func() {
			for _, s := range []*string{&d.Situation, &d.Alarm, &d.Rule, &d.Threshold, &d.Reason} {
				*s = truncateRunes(*s, maxName)
			}
		}},
		{"locations", func() { d.Locations = nil }},
		{"links", func() { e.Links, e.ClientURL = nil, "" }},
	}
	for _, step := range steps {
		if b, err := e.JSON(""); err == nil && len(b) <= limit {
			return
		}
		step.shrink()
		d.Truncated = append(d.Truncated, step.what)
	}
}

// asciiLine makes s a single line of printable ASCII (SNS email subjects
// allow nothing else).
func asciiLine(s string) string {
	var b strings.Builder
	for _, r := range oneLine(s) {
		switch f := gsm7Fallback[r]; {
		case r >= ' ' && r <= '~':
			b.WriteRune(r)
		case f != "" && f[0] >= ' ' && f[0] <= '~':
			b.WriteString(f)
		default:
			b.WriteByte('?')
		}
	}
	return strings.TrimSpace(b.String())
}

// oneLine folds whitespace runs (newlines included) into single spaces.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

func sentence(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r) + "."
}

func orUnknown(s alarm.State) string {
	if s == "" {
		return "unknown"
	}
	return string(s)
}
