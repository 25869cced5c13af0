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
	"github.com/lookout-monitoring/lookout/shared/probe"
	"github.com/lookout-monitoring/lookout/shared/table"
)

// View shows a demo as it happens.
type View interface {
	Start(cfg *check.Config, sc Scenario, locations []string)
	Round(minute int, at time.Time, say string, rounds []probe.Round)
	Transition(tr evaluate.Transition, msgs []Message)
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
	shown     map[string]bool // full messages printed for these alarm kinds
	header    string
	// examples are the first alarm's and the first resolve's messages, shown
	// whole at the end of a Live run (the screen shows one-liners as they come).
	examples []string
}

func (t *Terminal) Start(cfg *check.Config, sc Scenario, locations []string) {
	t.cfg, t.sc, t.locations = cfg, sc, locations
	t.firing, t.shown = map[string]time.Time{}, map[string]bool{}
	var b strings.Builder
	fmt.Fprintf(&b, "Lookout demo: %s, %d areas from %s.\n", cfg.App, len(cfg.Areas), strings.Join(locations, ", "))
	fmt.Fprintf(&b, "Simulated: the locations all run on this machine against a sample app on 127.0.0.1; one round stands for one minute.\n")
	fmt.Fprintf(&b, "Alarms: Down when >= %d locations fail in %d of %d minutes; Slow when >= %d are slow in %d of %d.\n\n",
		cfg.Alerting.Quorum, cfg.Alerting.Down.M, cfg.Alerting.Down.N, cfg.Alerting.Quorum, cfg.Alerting.Slow.M, cfg.Alerting.Slow.N)
	t.header = b.String()
	fmt.Fprint(t.W, t.header)
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

func (t *Terminal) Round(minute int, at time.Time, say string, rounds []probe.Round) {
	g := t.grid(minute, at, say, rounds)
	if !t.Live {
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

func (t *Terminal) Transition(tr evaluate.Transition, msgs []Message) {
	name := tr.Spec.Name.String()
	if tr.To == evaluate.Alarm {
		t.firing[name] = tr.At
	} else {
		delete(t.firing, name)
	}
	line := fmt.Sprintf("%s %s -> %s", tr.At.Format("15:04Z"), name, tr.To)
	for _, m := range msgs {
		switch m.Channel {
		case "sms":
			line += "\n    sms:   " + m.Body
		case "email":
			line += "\n    email: " + m.Subject
		case "pager":
			line += "\n    pager: " + firstLine(m.Subject, m.Body)
		}
	}
	// The first alarm and the first resolve of each kind are shown whole.
	key := string(tr.Spec.Name.Kind) + string(tr.To)
	var whole strings.Builder
	if !t.shown[key] {
		t.shown[key] = true
		for _, m := range msgs {
			fmt.Fprintf(&whole, "\n  ---- %s: %s ----\n%s\n", m.Channel, tr.Spec.Name, indent(strings.TrimSpace(strings.Join(nonEmpty("Subject: "+m.Subject, m.Body), "\n\n")), "  "))
		}
	}
	if t.Live {
		t.log = append(t.log, strings.Split(line, "\n")...)
		if whole.Len() > 0 && tr.Spec.Name.Kind == "down" {
			t.examples = append(t.examples, whole.String())
		}
		return
	}
	fmt.Fprintf(t.W, "\n%s\n%s\n", line, whole.String())
}

func (t *Terminal) Error(err error) { fmt.Fprintf(t.W, "demo: %v\n", err) }

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
	fmt.Fprintf(t.W, "  Messages sent: %d email, %d SMS, %d pager.\n", s.Messages["email"], s.Messages["sms"], s.Messages["pager"])
	if b := s.Blip; b != nil {
		fmt.Fprintf(t.W, "  %s\n", b.said(t.cfg.Alerting.Quorum))
	}
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

func (j *JSONLines) Start(cfg *check.Config, sc Scenario, locations []string) {
	j.emit(map[string]any{"event": "start", "app": cfg.App, "areas": len(cfg.Areas), "locations": locations,
		"minutes": sc.Minutes, "quorum": cfg.Alerting.Quorum, "down": cfg.Alerting.Down, "slow": cfg.Alerting.Slow})
}

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

func (j *JSONLines) Transition(tr evaluate.Transition, msgs []Message) {
	j.emit(map[string]any{"event": "alarm", "name": tr.Spec.Name.String(), "kind": tr.Spec.Name.Kind,
		"subject": tr.Spec.Name.Subject, "from": tr.From, "to": tr.To, "time": tr.At, "reason": tr.Reason})
	for _, m := range msgs {
		j.emit(map[string]any{"event": "notification", "alarm": tr.Spec.Name.String(), "state": tr.To,
			"channel": m.Channel, "subject": m.Subject, "body": m.Body})
	}
}

func (j *JSONLines) Error(err error) { j.emit(map[string]any{"event": "error", "error": err.Error()}) }

func (j *JSONLines) End(s Summary) { j.emit(map[string]any{"event": "summary", "summary": s}) }
