package demo

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/evaluate"
	"github.com/lookout-monitoring/lookout/shared/incident"
	"github.com/lookout-monitoring/lookout/shared/maintenance"
	"github.com/lookout-monitoring/lookout/shared/notify"
	"github.com/lookout-monitoring/lookout/shared/probe"
	"github.com/lookout-monitoring/lookout/shared/table"
)

// View shows a demo as it happens.
type View interface {
	Start(cfg *check.Config, sc Scenario, locations []string)
	Round(minute int, at time.Time, say string, rounds []probe.Round)
	// Transition is one alarm change and what the notifier did with it.
	Transition(tr evaluate.Transition, out Outcome)
	// Tick is what the minute's reconcile tick did, when it did anything.
	Tick(at time.Time, out Outcome)
	Error(err error)
	End(s Summary)
}

// cell is how a result shows in the grid.
func cell(r probe.Result) string {
	switch r.Verdict {
	case probe.Up:
		return fmt.Sprintf("up %dms", r.Phases.Total.Milliseconds())
	case probe.Slow:
		return fmt.Sprintf("SLOW %dms", r.Phases.Total.Milliseconds())
	case probe.Down:
		if r.Status != 0 {
			return fmt.Sprintf("DOWN %d", r.Status)
		}
		return "DOWN " + string(r.Class)
	case probe.Abstain:
		return "abstain"
	}
	return string(r.Verdict)
}

// Terminal draws the area x location grid. Live redraws one screen in place
// (for a terminal); otherwise every round is printed after the last.
type Terminal struct {
	W    io.Writer
	Live bool

	cfg       *check.Config
	sc        Scenario
	locations []string
	log       []string // the latest events, shown under the grid when Live
	firing    map[string]time.Time
	shown     map[string]bool // channel+kind of the messages already printed whole
	header    string
	gap       bool // events were printed since the last grid: a blank line before the next
	// examples are the first open and resolve messages, shown whole at the
	// end of a Live run (the screen shows one-liners as they come).
	examples []string
}

// Start implements View: what is played, the rules, the incident policy
// and the maintenance windows.
func (t *Terminal) Start(cfg *check.Config, sc Scenario, locations []string) {
	t.cfg, t.sc, t.locations = cfg, sc, locations
	t.firing, t.shown = map[string]time.Time{}, map[string]bool{}
	var b strings.Builder
	fmt.Fprintf(&b, "Lookout demo: %s, %d areas from %s.\n", cfg.App, len(cfg.Areas), strings.Join(locations, ", "))
	if sc.Name != "" {
		fmt.Fprintf(&b, "Scenario %s: %s.\n", sc.Name, sc.About)
	}
	fmt.Fprintf(&b, "Simulated: the locations all run on this machine against a sample app on 127.0.0.1; one round stands for one minute.\n")
	fmt.Fprintf(&b, "Alarms: Down when >= %d locations fail in %d of %d minutes; Slow when >= %d are slow in %d of %d.\n",
		cfg.Alerting.Quorum, cfg.Alerting.Down.M, cfg.Alerting.Down.N, cfg.Alerting.Quorum, cfg.Alerting.Slow.M, cfg.Alerting.Slow.N)
	fmt.Fprintf(&b, "Incidents: %s.\n", policyText(incident.PolicyOf(cfg.Alerting.Incidents)))
	for _, w := range windows(cfg) {
		fmt.Fprintf(&b, "Maintenance window %s (%s): %s, %s to %s.\n", w.ID, w.Reason, strings.Join(w.Areas, ", "), w.Start.UTC().Format("15:04Z"), w.End.UTC().Format("15:04Z"))
	}
	b.WriteString("\n")
	t.header = b.String()
	fmt.Fprint(t.W, t.header)
}

// policyText says how the notifier paces an incident's messages.
func policyText(p incident.Policy) string {
	parts := []string{"one per outage of the app"}
	if p.Settle > 0 {
		parts = append(parts, "it resolves when all its alarms are OK for "+check.FormatDuration(p.Settle))
	}
	if p.UpdateEvery > 0 {
		parts = append(parts, "at most one update per "+check.FormatDuration(p.UpdateEvery))
	}
	if p.RemindEvery > 0 {
		parts = append(parts, "a reminder every "+check.FormatDuration(p.RemindEvery))
	}
	if p.SMSPerHour > 0 {
		parts = append(parts, fmt.Sprintf("SMS for critical ones, at most %d an hour", p.SMSPerHour))
	} else {
		parts = append(parts, "no SMS")
	}
	return strings.Join(parts, "; ")
}

// windows are the occurrences of the checks file's maintenance windows: in
// the demo, the scenario's one-off windows.
func windows(cfg *check.Config) []maintenance.Window {
	out := []maintenance.Window{}
	for _, m := range cfg.Maintenance {
		out = append(out, maintenance.Next(m, time.Time{}, 1)...)
	}
	return out
}

func (t *Terminal) grid(minute int, at time.Time, say string, rounds []probe.Round) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Minute %d of %d (%s)  %s\n", minute+1, t.sc.Minutes, at.Format("15:04Z"), say)
	rows := [][]string{append([]string{"AREA"}, t.locations...)}
	for i := range t.cfg.Areas {
		row := []string{t.cfg.Areas[i].ID}
		for _, r := range rounds {
			if i < len(r.Results) {
				row = append(row, cell(r.Results[i]))
			}
		}
		rows = append(rows, row)
	}
	_ = table.Write(&b, "  ", "", rows)
	return b.String()
}

// Round implements View.
func (t *Terminal) Round(minute int, at time.Time, say string, rounds []probe.Round) {
	g := t.grid(minute, at, say, rounds)
	if !t.Live {
		if t.gap {
			g = "\n" + g
		}
		t.gap = false
		fmt.Fprint(t.W, g)
		return
	}
	var b strings.Builder
	b.WriteString("\x1b[H\x1b[2J") // home, clear
	b.WriteString(t.header)
	b.WriteString(g)
	if len(t.firing) > 0 {
		b.WriteString("\nFiring:\n")
		for _, name := range slices.Sorted(maps.Keys(t.firing)) {
			fmt.Fprintf(&b, "  %s since %s\n", name, t.firing[name].Format("15:04Z"))
		}
	}
	if len(t.log) > 0 {
		b.WriteString("\nNotifications:\n")
		for _, l := range t.log[max(0, len(t.log)-12):] {
			b.WriteString("  " + l + "\n")
		}
	}
	fmt.Fprint(t.W, b.String())
}

// Transition implements View: the change, then the incident's timeline
// and the messages it caused.
func (t *Terminal) Transition(tr evaluate.Transition, out Outcome) {
	name := tr.Spec.Name.String()
	if tr.To == evaluate.Alarm {
		t.firing[name] = tr.At
	} else {
		delete(t.firing, name)
	}
	t.told(fmt.Sprintf("%s %s -> %s", tr.At.Format("15:04Z"), name, tr.To), out)
}

// Tick implements View: what the minute's reconcile tick did.
func (t *Terminal) Tick(at time.Time, out Outcome) {
	t.told(at.Format("15:04Z")+" tick", out)
}

// told prints a line, the timeline lines and the messages under it, one
// line each; the first message of each channel and kind is shown whole.
func (t *Terminal) told(line string, out Outcome) {
	for _, n := range out.Notes {
		text := n.Text
		if n.Alarm != "" {
			text = n.Alarm + " " + text
		}
		line += fmt.Sprintf("\n    incident %s: %s", n.Incident, text)
	}
	var whole strings.Builder
	for _, m := range out.Messages {
		what := m.Subject
		switch m.Channel {
		case string(incident.SMS):
			what = m.Body
		case string(incident.Pager):
			what = firstLine(m.Subject, m.Body)
		}
		line += fmt.Sprintf("\n    %-15s %s", m.Channel+" "+m.Kind+":", what)
		key := m.Channel + " " + m.Kind
		if t.shown[key] {
			continue
		}
		t.shown[key] = true
		block := fmt.Sprintf("\n  ---- %s %s: incident %s ----\n%s\n", m.Channel, m.Kind, m.Incident,
			indent(strings.TrimSpace(strings.Join(nonEmpty("Subject: "+m.Subject, m.Body), "\n\n")), "  "))
		whole.WriteString(block)
		if m.Kind == string(notify.IncidentOpen) || m.Kind == string(notify.IncidentResolve) {
			t.examples = append(t.examples, block)
		}
	}
	if t.Live {
		t.log = append(t.log, strings.Split(line, "\n")...)
		return
	}
	fmt.Fprintf(t.W, "\n%s\n%s", line, whole.String())
	t.gap = true
}

// Error implements View.
func (t *Terminal) Error(err error) { fmt.Fprintf(t.W, "demo: %v\n", err) }

// End implements View: the alarms, the incidents and the messages, all
// counted from what happened.
func (t *Terminal) End(s Summary) {
	if t.Live && len(t.examples) > 0 {
		fmt.Fprintf(t.W, "\nThe first page and its resolve, as they were sent:\n%s", strings.Join(t.examples, ""))
	}
	fmt.Fprintf(t.W, "\nSummary: %d rounds in %s\n", s.Rounds, s.Duration.Round(100*time.Millisecond))
	for _, a := range s.Alarms {
		resolved := "not resolved"
		if !a.ResolvedAt.IsZero() {
			resolved = "resolved " + a.ResolvedAt.Format("15:04Z")
		}
		fmt.Fprintf(t.W, "  %-36s fired %s, %s\n", a.Name, a.FiredAt.Format("15:04Z"), resolved)
	}
	if t.sc.flood() {
		detect := "no alarm fired after the flood began"
		if s.Detected {
			detect = fmt.Sprintf("Time to detect: %d min after the flood began", s.DetectMinutes)
		}
		resolve := "time to resolve: not every alarm resolved"
		switch {
		case len(s.Alarms) == 0:
			resolve = "nothing to resolve"
		case s.Resolved:
			resolve = fmt.Sprintf("time to resolve: %d min after it stopped", s.ResolveMinutes)
		}
		fmt.Fprintf(t.W, "  %s; %s.\n", detect, resolve)
	}
	fmt.Fprintf(t.W, "  Incidents: %d.\n", len(s.Incidents))
	for _, inc := range s.Incidents {
		fmt.Fprintf(t.W, "    %s\n", inc.said())
	}
	fmt.Fprintf(t.W, "  Messages sent: %s.\n", s.Messages.said())
	if b := s.Blip; b != nil {
		fmt.Fprintf(t.W, "  %s\n", b.said(t.cfg.Alerting.Quorum))
	}
}

// said is the summary's line on an incident: when it opened, when people
// were told (or why nobody was) and resolved, and what they got.
func (i Incident) said() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): opened %s", i.ID, strings.Join(i.Members, ", "), i.Opened.Format("15:04Z"))
	if !i.Announced.IsZero() {
		fmt.Fprintf(&b, ", told %s", i.Announced.Format("15:04Z"))
		if i.WindowEnded != "" {
			fmt.Fprintf(&b, " at the end of maintenance window %s", i.WindowEnded)
		}
	}
	if i.Resolved.IsZero() {
		b.WriteString(", still open")
	} else {
		fmt.Fprintf(&b, ", resolved %s", i.Resolved.Format("15:04Z"))
	}
	switch {
	case i.Announced.IsZero() && len(i.MutedBy) > 0:
		fmt.Fprintf(&b, "; nobody was told: it fired only inside maintenance window %s", strings.Join(i.MutedBy, ", "))
	case i.Announced.IsZero():
		b.WriteString("; nobody was told")
	default:
		b.WriteString(": " + i.Messages.said())
	}
	return b.String() + "."
}

// said writes a tally: "3 email (1 open, 1 update, 1 resolve), 2 SMS (1
// open, 1 resolve), 4 pager (1 open, 2 update, 1 resolve)".
func (t Tally) said() string {
	var parts []string
	for _, ch := range []struct{ name, label string }{{string(incident.Email), "email"}, {string(incident.SMS), "SMS"}, {string(incident.Pager), "pager"}} {
		part := fmt.Sprintf("%d %s", t.Of(ch.name), ch.label)
		var kinds []string
		for _, k := range kindOrder {
			if n := t[ch.name][k]; n > 0 {
				kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
			}
		}
		if len(kinds) > 0 {
			part += " (" + strings.Join(kinds, ", ") + ")"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", ")
}

// said is the summary's sentence on the blip: what it did, never what it
// was meant to do.
func (b Blip) said(quorum int) string {
	what := fmt.Sprintf("The one-location blip in %s (%s)", b.Location, b.Area)
	switch {
	case b.Pages > 0:
		return fmt.Sprintf("%s paged: %d page(s), for %s (quorum %d).", what, b.Pages, strings.Join(b.Fired, ", "), quorum)
	case len(b.Fired) > 0:
		return fmt.Sprintf("%s paged nobody, but %s fired.", what, strings.Join(b.Fired, ", "))
	case quorum > 1:
		return fmt.Sprintf("%s paged nobody: one location is not a quorum of %d.", what, quorum)
	}
	return what + " paged nobody."
}

func firstLine(parts ...string) string {
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			l, _, _ := strings.Cut(p, "\n")
			return l
		}
	}
	return ""
}

func nonEmpty(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(strings.TrimPrefix(p, "Subject: ")) != "" {
			out = append(out, p)
		}
	}
	return out
}

func indent(s, pad string) string {
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}

// JSONLines writes one JSON object per event, for tests and tools.
type JSONLines struct {
	W   io.Writer
	enc *json.Encoder
}

type jsonCell struct {
	Area     string `json:"area"`
	Location string `json:"location"`
	Verdict  string `json:"verdict"`
	Class    string `json:"class,omitempty"`
	Status   int    `json:"status,omitempty"`
	TotalMs  int64  `json:"total_ms"`
}

func (j *JSONLines) emit(v any) {
	if j.enc == nil {
		j.enc = json.NewEncoder(j.W)
	}
	_ = j.enc.Encode(v)
}

// Start implements View.
func (j *JSONLines) Start(cfg *check.Config, sc Scenario, locations []string) {
	j.emit(map[string]any{"event": "start", "app": cfg.App, "scenario": sc.Name, "areas": len(cfg.Areas), "locations": locations,
		"minutes": sc.Minutes, "quorum": cfg.Alerting.Quorum, "down": cfg.Alerting.Down, "slow": cfg.Alerting.Slow,
		"incidents": policyText(incident.PolicyOf(cfg.Alerting.Incidents)), "maintenance": windows(cfg)})
}

// Round implements View.
func (j *JSONLines) Round(minute int, at time.Time, say string, rounds []probe.Round) {
	var cells []jsonCell
	for _, r := range rounds {
		for _, res := range r.Results {
			cells = append(cells, jsonCell{Area: res.Area, Location: r.Location, Verdict: string(res.Verdict),
				Class: string(res.Class), Status: res.Status, TotalMs: res.Phases.Total.Milliseconds()})
		}
	}
	j.emit(map[string]any{"event": "round", "minute": minute, "time": at, "say": say, "results": cells})
}

// Transition implements View: the alarm change, then what the notifier
// did with it.
func (j *JSONLines) Transition(tr evaluate.Transition, out Outcome) {
	name := tr.Spec.Name.String()
	j.emit(map[string]any{"event": "alarm", "name": name, "kind": tr.Spec.Name.Kind,
		"subject": tr.Spec.Name.Subject, "from": tr.From, "to": tr.To, "time": tr.At, "reason": tr.Reason})
	j.told(map[string]any{"via": "alarm", "alarm": name}, out)
}

// Tick implements View.
func (j *JSONLines) Tick(_ time.Time, out Outcome) { j.told(map[string]any{"via": "tick"}, out) }

// told writes an "incident" event per timeline line and a "notification"
// event per message, each saying what caused it.
func (j *JSONLines) told(cause map[string]any, out Outcome) {
	for _, n := range out.Notes {
		e := map[string]any{"event": "incident", "incident": n.Incident, "time": n.At, "note": n.Text}
		if n.Alarm != "" {
			e["alarm"] = n.Alarm
		}
		j.emit(e)
	}
	for _, m := range out.Messages {
		e := map[string]any{"event": "notification", "channel": m.Channel, "kind": m.Kind, "incident": m.Incident,
			"time": m.At, "subject": m.Subject, "body": m.Body}
		maps.Copy(e, cause)
		j.emit(e)
	}
}

// Error implements View.
func (j *JSONLines) Error(err error) { j.emit(map[string]any{"event": "error", "error": err.Error()}) }

// End implements View.
func (j *JSONLines) End(s Summary) { j.emit(map[string]any{"event": "summary", "summary": s}) }
