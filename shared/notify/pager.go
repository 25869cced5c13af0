package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

// PagerAction is what the pager is told.
type PagerAction string

// Pager actions of the PagerDuty Events API v2.
const (
	PagerTrigger PagerAction = "trigger"
	PagerResolve PagerAction = "resolve"
)

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
	Alarm     string `json:"alarm,omitempty"`
	State     string `json:"state,omitempty"`
	Previous  string `json:"previous_state,omitempty"`
	Since     string `json:"since"`
	// Incident, Members, Changes and Muted are an incident's: its id, each
	// firing member's situation, what changed since the last event, and the
	// members held back by a maintenance window.
	Incident  string            `json:"incident,omitempty"`
	Members   map[string]string `json:"members,omitempty"`
	Changes   []string          `json:"changes,omitempty"`
	Muted     []string          `json:"muted,omitempty"`
	Rule      string            `json:"rule,omitempty"`
	Threshold string            `json:"threshold,omitempty"`
	Reason    string            `json:"reason,omitempty"`
	// Locations maps a location to its latest status, e.g. "failing" or "ok, 420 ms".
	Locations map[string]string `json:"locations,omitempty"`
	// DetailsUnavailable is set when the per-location figures could not be read.
	DetailsUnavailable bool `json:"details_unavailable,omitempty"`
	// Truncated names what was cut or left out to fit PagerDuty's limits
	// (e.g. "alarm name", "reason", "links"); cut text ends in "...".
	Truncated []string `json:"truncated,omitempty"`
}

// JSON encodes the event as PagerDuty receives it (no HTML escaping, so
// "->" and ">=" stay readable in the message).
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
func RenderPager(inc *Alarm, d Details, l Links) *PagerEvent {
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
	add := func(label, u string) { ev.addLink(label, u, &truncated) }
	add("Runbook", l.Runbook)
	add("Dashboard", l.Dashboard)
	add("Alarm", l.Alarm)
	for _, g := range l.Logs {
		add("Probe logs: "+g.Text, g.Href)
	}
	ev.finish(truncated)
	return ev
}

// RenderIncidentPager renders an incident message for the pager: a
// trigger for open and update (one alert per incident, the same dedup key,
// the summary and details of now), a resolve for resolve, nothing (nil) for
// a reminder: PagerDuty escalates on its own.
func RenderIncidentPager(n *IncidentNotice, l IncidentLinks, now time.Time) *PagerEvent {
	key := IncidentDedupKey(n.App, n.ID)
	switch n.Kind {
	case IncidentResolve:
		return &PagerEvent{EventAction: PagerResolve, DedupKey: key}
	case IncidentOpen, IncidentUpdate:
	default:
		return nil
	}
	app := first(text(n.App, maxName))
	summary := app + ": " + n.What()
	if n.Test {
		summary = "[TEST] " + summary
	}
	told, muted := n.firing()
	d := PagerDetails{
		Situation: first(text(n.What(), maxDetail)),
		Since:     n.Opened.UTC().Format(time.RFC3339),
		Incident:  first(text(n.ID, maxName)),
		Members:   map[string]string{},
	}
	var truncated []string
	for _, m := range told {
		a, cut := m.forMessages()
		truncated = append(truncated, cut...)
		v := fmt.Sprintf("%s since %s", a.Kind, m.FirstFired.UTC().Format(time.RFC3339))
		if m.Details.Available {
			v += ": " + Situation(a, m.Details)
		} else {
			v += " (per-location details unavailable)"
			d.DetailsUnavailable = true
		}
		d.Members[a.Subject()+" "+string(a.Kind)] = first(text(v, maxDetail)) // an area can be down and slow
	}
	for _, c := range n.Changes {
		d.Changes = append(d.Changes, first(text(c, maxDetail)))
	}
	for _, m := range muted {
		d.Muted = append(d.Muted, first(text(m.Subject()+" ("+m.Muted+")", maxDetail)))
	}
	ev := &PagerEvent{
		EventAction: PagerTrigger,
		DedupKey:    key,
		Client:      "Lookout",
		ClientURL:   href(l.Dashboard),
		Payload: &PagerPayload{
			Summary:       truncateRunes(oneLine(summary), maxSummary),
			Source:        "lookout/" + app,
			Severity:      pagerSeverity(n.Severity),
			Timestamp:     now.UTC().Format(time.RFC3339),
			Component:     app,
			Group:         app,
			Class:         "incident",
			CustomDetails: d,
		},
	}
	add := func(label, u string) { ev.addLink(label, u, &truncated) }
	add("Dashboard", l.Dashboard)
	for _, m := range told {
		ml := l.Members[m.AlarmName]
		add("Runbook: "+m.Subject(), ml.Runbook)
		add("Alarm: "+m.Subject(), ml.Alarm)
	}
	for _, g := range l.Logs {
		add("Probe logs: "+g.Text, g.Href)
	}
	ev.finish(truncated)
	return ev
}

// finish records what was cut and fits the event to PagerDuty's size limit.
func (e *PagerEvent) finish(truncated []string) {
	e.Payload.CustomDetails.Truncated = truncated
	e.fit(maxPagerEvent)
	slices.Sort(e.Payload.CustomDetails.Truncated)
	e.Payload.CustomDetails.Truncated = slices.Compact(e.Payload.CustomDetails.Truncated)
}

// addLink adds a link a person can follow; one too long to follow is left
// out and noted in truncated.
func (e *PagerEvent) addLink(label, u string, truncated *[]string) {
	switch {
	case u == "":
	case href(u) == "":
		*truncated = append(*truncated, "links")
	default:
		e.Links = append(e.Links, PagerLink{Href: u, Text: first(text(label, maxName))})
	}
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
		{"members", func() {
			for k, v := range d.Members {
				d.Members[k] = truncateRunes(v, maxName)
			}
			d.Changes, d.Muted = nil, nil
		}},
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

// ChannelPager is the PagerDuty channel's name, as incident messages name it.
const ChannelPager = "pager"

// DefaultPagerURL is the PagerDuty Events API v2 endpoint.
const DefaultPagerURL = "https://events.pagerduty.com/v2/enqueue"

// ParseKeyRef reads where the pager's routing key is kept: an SSM parameter
// name ("/lookout/pagerduty", or "ssm:/lookout/pagerduty") or a Secrets
// Manager secret ("secret:NAME", "secret:NAME#json-key"). ok is false for ""
// (the pager channel is off).
func ParseKeyRef(s string) (ref check.Ref, ok bool) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return check.Ref{}, false
	case strings.HasPrefix(s, check.RefSecret+":"):
		return check.Ref{Kind: check.RefSecret, Arg: strings.TrimPrefix(s, check.RefSecret+":")}, true
	case strings.HasPrefix(s, check.RefSSM+":"):
		return check.Ref{Kind: check.RefSSM, Arg: strings.TrimPrefix(s, check.RefSSM+":")}, true
	}
	return check.Ref{Kind: check.RefSSM, Arg: s}, true
}

// PagerDuty sends Events API v2 events: trigger on ALARM, resolve on OK, with
// the alarm's stable dedup key so a retry or a resolve finds the same alert.
type PagerDuty struct {
	url    string
	client *http.Client
	key    *secretOnce // the routing key
}

// NewPagerDuty returns the channel posting to url (DefaultPagerURL if ""),
// reading the routing key ref through resolver on first use and keeping it.
func NewPagerDuty(url string, client *http.Client, resolver check.Resolver, ref check.Ref) *PagerDuty {
	if url == "" {
		url = DefaultPagerURL
	}
	if client == nil {
		client = http.DefaultClient
	}
	return &PagerDuty{url: url, client: client, key: &secretOnce{what: "routing key", resolver: resolver, ref: ref}}
}

// Name implements Channel.
func (p *PagerDuty) Name() string { return ChannelPager }

// Notify implements Channel.
func (p *PagerDuty) Notify(ctx context.Context, n *Notice) error {
	var event *PagerEvent
	switch {
	case n.Incident != nil:
		event = RenderIncidentPager(n.Incident, n.Links, n.Now)
	case n.Alarm != nil:
		event = n.Rendered.Pager
	}
	if event == nil {
		return nil
	}
	key, err := p.key.get(ctx)
	if err != nil {
		return err
	}
	ev := *event
	ev.RoutingKey = key
	body, err := ev.JSON("")
	if err != nil {
		return Final(fmt.Errorf("encode event: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return Final(fmt.Errorf("request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Final(fmt.Errorf("%s %s: %w", ev.EventAction, ev.DedupKey, ctx.Err()))
		}
		return Retryable(fmt.Errorf("%s %s: %s", ev.EventAction, ev.DedupKey, redact(err.Error(), key)))
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	if err := CheckStatus(resp.StatusCode, redact(string(excerpt), key)); err != nil {
		return fmt.Errorf("%s %s: %w", ev.EventAction, ev.DedupKey, err)
	}
	return nil
}
