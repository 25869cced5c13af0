package notify

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

// Link is one URL with the words shown for it.
type Link struct {
	Text, Href string
}

// Links are where a person goes next. Empty fields are left out of messages.
type Links struct {
	Runbook, Dashboard, Alarm string
	// Logs holds one CloudWatch Logs Insights link per location: each
	// location's probe logs live in its own region.
	Logs []Link
}

// LinkOptions say where the console links point.
type LinkOptions struct {
	// HomeRegion holds the dashboard and the alarms.
	HomeRegion string
	// Dashboard is the CloudWatch dashboard's name ("" = no dashboard link).
	Dashboard string
	// ProbeLogGroups are the probe function's log groups (the same names in
	// every location's region); none = no Logs Insights links.
	ProbeLogGroups []string
}

// logsAround is the span of probe logs a Logs Insights link opens, either
// side of the state change; when the notification carried no time, the link
// opens the last logsRecent instead.
const (
	logsAround = 30 * time.Minute
	logsRecent = time.Hour
)

// BuildLinks makes the console links for an alarm.
func BuildLinks(inc *Alarm, cfg *check.Config, o LinkOptions) Links {
	home := o.HomeRegion
	if home == "" {
		home = cfg.HomeRegion
	}
	l := Links{Runbook: inc.Runbook}
	if o.Dashboard != "" {
		l.Dashboard = consoleURL(home) + "#dashboards/dashboard/" + url.PathEscape(o.Dashboard)
	}
	alarmRegion := inc.Region
	if alarmRegion == "" {
		alarmRegion = home
	}
	if len(inc.AlarmName) <= maxHref { // else the link would be left out of every message
		l.Alarm = consoleURL(alarmRegion) + "#alarmsV2:alarm/" + url.PathEscape(inc.AlarmName)
	}
	if len(o.ProbeLogGroups) == 0 || inc.Kind == alarm.KindForeign || len(inc.AreaID)+len(inc.Location) > maxHref {
		return l
	}
	var filter string
	switch {
	case inc.AreaID != "":
		filter = fmt.Sprintf("area = %q", inc.AreaID)
	case inc.Location != "":
		filter = fmt.Sprintf("location = %q", inc.Location)
	}
	query := "fields @timestamp, location, area, verdict, class, message\n"
	if filter != "" {
		query += "| filter " + filter + "\n"
	}
	query += "| sort @timestamp desc\n| limit 200"
	var start, end time.Time // zero: the notification carried no time
	if !inc.Since.IsZero() {
		start, end = inc.Since.Add(-logsAround), inc.Since.Add(logsAround)
	}
	for _, region := range alarm.LocationRegions(cfg) {
		if inc.Kind == alarm.KindSilent && inc.LocationRegion != "" && region != inc.LocationRegion {
			continue // a silent location's own logs say why it stopped
		}
		l.Logs = append(l.Logs, Link{
			Text: cfg.Locations[region],
			Href: logsInsightsURL(region, o.ProbeLogGroups, query, start, end),
		})
	}
	return l
}

func consoleURL(region string) string {
	return "https://" + region + ".console.aws.amazon.com/cloudwatch/home?region=" + region
}

// logsInsightsURL builds the console's Logs Insights deep link. The console
// keeps its state in the fragment in a rison-like notation: "~" separates
// fields, "'" starts a string, and string values are percent-encoded with
// "*" in place of "%"; the "?" and "=" after "logs-insights" are themselves
// escaped with "$" in place of "%". Zero times open the last logsRecent.
func logsInsightsURL(region string, groups []string, query string, start, end time.Time) string {
	var b strings.Builder
	b.WriteString(consoleURL(region))
	if start.IsZero() || end.IsZero() {
		fmt.Fprintf(&b, "#logsV2:logs-insights$3FqueryDetail$3D~(end~0~start~-%d~timeType~'RELATIVE~unit~'seconds~editorString~'",
			int(logsRecent.Seconds()))
	} else {
		b.WriteString("#logsV2:logs-insights$3FqueryDetail$3D~(end~'")
		b.WriteString(insightsEscape(end.UTC().Format("2006-01-02T15:04:05.000Z")))
		b.WriteString("~start~'")
		b.WriteString(insightsEscape(start.UTC().Format("2006-01-02T15:04:05.000Z")))
		b.WriteString("~timeType~'ABSOLUTE~tz~'UTC~editorString~'")
	}
	b.WriteString(insightsEscape(query))
	b.WriteString("~source~(")
	for _, g := range groups {
		b.WriteString("~'")
		b.WriteString(insightsEscape(g))
	}
	b.WriteString("))")
	return b.String()
}

func insightsEscape(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
			b.WriteByte(c)
		default:
			b.WriteByte('*')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// IncidentLinks are where a person goes next from an incident message: the
// dashboard, each member's runbook and alarm, and per location the probe
// logs of the incident's areas over its span.
type IncidentLinks struct {
	Dashboard string
	// Members holds each member's runbook and alarm links, by alarm name.
	Members map[string]Links
	Logs    []Link
}

// BuildIncidentLinks makes the console links for an incident message.
func BuildIncidentLinks(n *IncidentNotice, cfg *check.Config, o LinkOptions, now time.Time) IncidentLinks {
	out := IncidentLinks{Members: map[string]Links{}}
	var areas []string
	silent := false
	for i := range n.Members {
		m := &n.Members[i]
		l := BuildLinks(&m.Alarm, cfg, LinkOptions{HomeRegion: o.HomeRegion, Dashboard: o.Dashboard})
		out.Dashboard = l.Dashboard
		out.Members[m.AlarmName] = Links{Runbook: l.Runbook, Alarm: l.Alarm}
		silent = silent || m.AreaID == ""
		if m.AreaID != "" && !slices.Contains(areas, m.AreaID) {
			areas = append(areas, m.AreaID)
		}
	}
	if len(o.ProbeLogGroups) == 0 || n.Opened.IsZero() {
		return out
	}
	query := "fields @timestamp, location, area, verdict, class, message\n"
	if len(areas) > 0 && !silent { // a silent location's lines say why it stopped, whatever the area
		quoted := make([]string, len(areas))
		for i, a := range areas {
			quoted[i] = fmt.Sprintf("%q", a)
		}
		query += "| filter area in [" + strings.Join(quoted, ", ") + "]\n"
	}
	query += "| sort @timestamp desc\n| limit 500"
	end := n.Resolved
	if end.IsZero() {
		end = now
	}
	for _, region := range alarm.LocationRegions(cfg) {
		out.Logs = append(out.Logs, Link{
			Text: cfg.Locations[region],
			Href: logsInsightsURL(region, o.ProbeLogGroups, query, n.Opened.Add(-logsAround), end.Add(logsAround)),
		})
	}
	return out
}
