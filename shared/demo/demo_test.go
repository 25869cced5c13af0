package demo_test

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/demo"
	"github.com/lookout-monitoring/lookout/shared/evaluate"
)

// start is the simulated time of every test run's first round.
var start = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

// play runs the demo of the example checks file in a testing/synctest
// bubble, on virtual time and in-memory connections: every latency it
// measures is a simulated one, so the story is the same on an idle laptop
// and on a machine at full load. sc nil plays the default scenario; edit,
// when set, changes the checks file.
func play(t *testing.T, sc *demo.Scenario, view demo.View, edit func(*check.Config)) (s demo.Summary) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		cfg, err := check.Load("../../checks.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(cfg)
		}
		s, err = demo.Run(t.Context(), demo.Options{Config: cfg, Scenario: sc, Fast: true, Network: demo.InMemory(), View: view, Start: start})
		if err != nil {
			t.Fatal(err)
		}
	})
	return s
}

// playTerminal plays on a Terminal and returns its output.
func playTerminal(t *testing.T, live bool, edit func(*check.Config)) (demo.Summary, string) {
	t.Helper()
	var b bytes.Buffer
	s := play(t, nil, &demo.Terminal{W: &b, Live: live}, edit)
	return s, b.String()
}

// recorder is a Terminal that also keeps every message, timeline line and error.
type recorder struct {
	*demo.Terminal
	messages []demo.Message
	notes    []demo.Note
	errs     []error
}

func (r *recorder) Transition(tr evaluate.Transition, o demo.Outcome) {
	r.keep(o)
	r.Terminal.Transition(tr, o)
}

func (r *recorder) Tick(at time.Time, o demo.Outcome) {
	r.keep(o)
	r.Terminal.Tick(at, o)
}

func (r *recorder) Error(err error) {
	r.errs = append(r.errs, err)
	r.Terminal.Error(err)
}

func (r *recorder) keep(o demo.Outcome) {
	r.messages = append(r.messages, o.Messages...)
	r.notes = append(r.notes, o.Notes...)
}

// run is one played scenario: its summary, its printed log and what it told.
type run struct {
	s   demo.Summary
	out string
	r   *recorder
}

// played runs each scenario once for all the tests that read it.
var played = map[string]*struct {
	sync.Once
	run
}{demo.ScenarioFlood: {}, demo.ScenarioMaintenance: {}}

// playScenario is the default checks file's run of a scenario, printed as a log.
func playScenario(t *testing.T, name string) run {
	t.Helper()
	p := played[name]
	p.Do(func() {
		sc, ok := demo.ScenarioNamed(name)
		if !ok {
			t.Fatalf("no scenario %s", name)
		}
		var b bytes.Buffer
		p.r = &recorder{Terminal: &demo.Terminal{W: &b}}
		p.s = play(t, &sc, p.r, nil)
		p.out = b.String()
	})
	if p.out == "" {
		t.Fatalf("the %s scenario's run failed: see the test that ran it", name)
	}
	if len(p.r.errs) > 0 {
		t.Fatalf("the %s scenario's errors: %v", name, p.r.errs)
	}
	return p.run
}

// TestTerminalShowsTheGridTheMessagesAndTheSummary: printed as a log, every
// round's grid, the incident's first message of each kind in full, and the
// summary.
func TestTerminalShowsTheGridTheMessagesAndTheSummary(t *testing.T) {
	run := playScenario(t, demo.ScenarioFlood)
	s, out := run.s, run.out
	id := "20261125T140800Z-publicapi-slow" // the Slow alarm opens it, on the third flooded minute
	for _, want := range []string{
		"Minute 1 of 18 (14:00Z)",
		"AREA       New York",
		"DOWN 503",
		"Incidents: one per outage of the app; it resolves when all its alarms are OK for 2m; at most one update per 5m",
		"14:08Z lookout.taskboard.slow.PublicAPI -> ALARM\n    incident " + id + ": lookout.taskboard.slow.PublicAPI opened\n    pager open:",
		"14:10Z lookout.taskboard.down.Boards -> ALARM\n    incident " + id + ": lookout.taskboard.down.Boards joined",
		"---- pager open: incident " + id + " ----",
		"---- email open: incident " + id + " ----",
		"Subject: SLOW taskboard: Public API slow",
		"---- sms open: incident " + id + " ----",
		"DOWN taskboard: Boards down; Public API slow since 14:08Z",
		"14:17Z tick\n    incident " + id + ": resolved\n    pager resolve:",
		`"event_action": "resolve"`,
		// Slow needs 3 of 5 minutes, Down 2 of 3: the last alarm resolves
		// after three good minutes (its 5-minute window must hold fewer
		// than 3 slow ones).
		"Time to detect: 3 min after the flood began; time to resolve: 3 min after it stopped.",
		"Incidents: 1.\n    " + id + " (lookout.taskboard.slow.PublicAPI, lookout.taskboard.down.Boards, lookout.taskboard.down.Cards, lookout.taskboard.down.Search): opened 14:08Z, told 14:08Z, resolved 14:17Z:",
		"Messages sent: 3 email (1 open, 1 update, 1 resolve), 2 SMS (1 open, 1 resolve), 4 pager (1 open, 2 update, 1 resolve).",
		"The one-location blip in Mumbai (Search) paged nobody: one location is not a quorum of 2.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "\x1b[2J") {
		t.Error("a log must not clear the screen")
	}
	var fired []string
	for _, a := range s.Alarms {
		fired = append(fired, a.Name)
		if a.ResolvedAt.IsZero() {
			t.Errorf("%s never resolved", a.Name)
		}
	}
	want := []string{"lookout.taskboard.slow.PublicAPI", "lookout.taskboard.down.Boards", "lookout.taskboard.down.Cards", "lookout.taskboard.down.Search"}
	if strings.Join(fired, " ") != strings.Join(want, " ") || !s.Detected || !s.Resolved {
		t.Errorf("summary %+v, want alarms %v, each once and resolved", s, want)
	}
	if s.Blip == nil || s.Blip.Pages != 0 || len(s.Blip.Fired) != 0 {
		t.Errorf("blip %+v, want no alarm and no page", s.Blip)
	}
}

// TestTheFloodIsOneIncident: the whole flood, four alarms, is one incident
// told as one: one page that opens it and at most three updates, one
// resolve; at most three emails and the resolve; at most two texts.
func TestTheFloodIsOneIncident(t *testing.T) {
	run := playScenario(t, demo.ScenarioFlood)
	s, r := run.s, run.r
	if len(s.Incidents) != 1 {
		t.Fatalf("incidents %+v, want one", s.Incidents)
	}
	inc := s.Incidents[0]
	if len(inc.Members) != 4 || inc.Announced.IsZero() || inc.Resolved.IsZero() {
		t.Errorf("incident %+v: want 4 members, told and resolved", inc)
	}
	m := s.Messages
	if m["pager"]["open"] != 1 || m["pager"]["update"] > 3 || m["pager"]["resolve"] != 1 || m.Of("pager") != m["pager"]["open"]+m["pager"]["update"]+m["pager"]["resolve"] {
		t.Errorf("pager %v: want one open, at most 3 updates, one resolve", m["pager"])
	}
	if m["email"]["resolve"] != 1 || m.Of("email")-1 > 3 {
		t.Errorf("email %v: want at most 3 and the resolve", m["email"])
	}
	if m.Of("sms") > 2 {
		t.Errorf("sms %v: want at most 2", m["sms"])
	}
	// The summary counts what reached the channels, and all of it is the incident's.
	got := demo.Tally{}
	for _, msg := range r.messages {
		if msg.Incident != inc.ID {
			t.Errorf("a message of incident %q, not %q: %+v", msg.Incident, inc.ID, msg)
		}
		if got[msg.Channel] == nil {
			got[msg.Channel] = map[string]int{}
		}
		got[msg.Channel][msg.Kind]++
	}
	for _, ch := range []string{"email", "sms", "pager"} {
		if got.Of(ch) != m.Of(ch) || got.Of(ch) != inc.Messages.Of(ch) {
			t.Errorf("%s: %d messages seen, summary says %d, the incident %d", ch, got.Of(ch), m.Of(ch), inc.Messages.Of(ch))
		}
	}
	// The resolve waits for every member to be OK for the settle time.
	var last time.Time
	for _, a := range s.Alarms {
		if a.ResolvedAt.After(last) {
			last = a.ResolvedAt
		}
	}
	if !inc.Resolved.Equal(last.Add(check.DefaultSettle)) {
		t.Errorf("resolved %s, want the last alarm's OK (%s) plus the settle time", inc.Resolved, last)
	}
}

// TestTheMaintenanceScenario: an outage that starts and recovers inside the
// window tells nobody; one that starts inside it and outlasts it pages once,
// when it ends; its resolve goes out.
func TestTheMaintenanceScenario(t *testing.T) {
	run := playScenario(t, demo.ScenarioMaintenance)
	s, r := run.s, run.r
	w := demo.Maintenance().Windows[0]
	from, to := start.Add(time.Duration(w.From)*time.Minute), start.Add(time.Duration(w.To)*time.Minute)
	if len(s.Incidents) != 2 {
		t.Fatalf("incidents %+v, want two", s.Incidents)
	}
	inside, outlasting := s.Incidents[0], s.Incidents[1]
	if inside.Opened.Before(from) || inside.Resolved.IsZero() || !inside.Resolved.Before(to) ||
		!inside.Announced.IsZero() || len(inside.Messages) != 0 || !slices.Equal(inside.MutedBy, []string{w.ID}) {
		t.Errorf("the outage inside the window %+v: want it opened and resolved inside, muted by %s, nobody told", inside, w.ID)
	}
	if !outlasting.Opened.After(inside.Resolved) || !outlasting.Opened.Before(to) || !outlasting.Announced.Equal(to) ||
		outlasting.WindowEnded != w.ID || outlasting.Resolved.IsZero() {
		t.Errorf("the outage that outlasts the window %+v: want it told at the window's end %s", outlasting, to)
	}
	var pager []string
	for _, m := range r.messages {
		if m.Incident != outlasting.ID {
			t.Errorf("a message of %q: %+v", m.Incident, m)
		}
		if m.At.Before(to) {
			t.Errorf("a message during the window, at %s: %s %s", m.At, m.Channel, m.Kind)
		}
		if m.Channel == "pager" {
			pager = append(pager, m.Kind+" "+m.At.Format("15:04"))
		}
	}
	if want := []string{"open " + to.Format("15:04"), "resolve " + outlasting.Resolved.Format("15:04")}; !slices.Equal(pager, want) {
		t.Errorf("pager %v, want %v: one trigger at the window's end, then the resolve", pager, want)
	}
	if m := s.Messages; m["email"]["open"] != 1 || m["email"]["resolve"] != 1 || m["sms"]["open"] != 1 || m["sms"]["resolve"] != 1 || m.Of("email") != 2 || m.Of("sms") != 2 {
		t.Errorf("messages %v: want an open and a resolve by email and SMS", m)
	}
	// The timeline says why: muted at first, unmuted when the window ended.
	var notes []string
	for _, n := range r.notes {
		notes = append(notes, n.Text)
	}
	for _, want := range []string{"resolved; nobody was told: it fired only inside maintenance windows", "unmuted: maintenance window upgrade ended"} {
		if !slices.Contains(notes, want) {
			t.Errorf("timeline %q lacks %q", notes, want)
		}
	}
}

// TestTheMaintenanceScenarioIsToldOnTheTerminal: the window, what was held
// back and why, and the page at its end, in the summary.
func TestTheMaintenanceScenarioIsToldOnTheTerminal(t *testing.T) {
	out := playScenario(t, demo.ScenarioMaintenance).out
	for _, want := range []string{
		"Scenario maintenance: a maintenance window:",
		"Maintenance window upgrade (Database upgrade for boards and cards): Boards, Cards, 14:02Z to 14:14Z.",
		"opened muted: maintenance window upgrade (Database upgrade for boards and cards)",
		"14:14Z tick\n    incident 20261125T141200Z-cards-down: lookout.taskboard.down.Cards unmuted: maintenance window upgrade ended\n    pager open:",
		"nobody was told: it fired only inside maintenance window upgrade.",
		"told 14:14Z at the end of maintenance window upgrade",
		"Messages sent: 2 email (1 open, 1 resolve), 2 SMS (1 open, 1 resolve), 2 pager (1 open, 1 resolve).",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "Time to detect") || strings.Contains(out, "blip") {
		t.Error("the maintenance scenario has no flood and no blip to time")
	}
}

// TestAScenarioWindowNeedsItsAreas: a checks file without the areas the
// scenario's window covers is refused, naming them.
func TestAScenarioWindowNeedsItsAreas(t *testing.T) {
	cfg, err := check.Load("../../checks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Areas = slices.DeleteFunc(cfg.Areas, func(a check.Area) bool { return a.ID == "Cards" })
	sc := demo.Maintenance()
	_, err = demo.Run(t.Context(), demo.Options{Config: cfg, Scenario: &sc, Fast: true, Network: demo.InMemory()})
	if err == nil || !strings.Contains(err.Error(), "scenario maintenance: its maintenance window upgrade covers area Cards, which the checks file does not have") {
		t.Errorf("error %v", err)
	}
}

// TestScenariosAreNamed: each scenario is found by its name, the default first.
func TestScenariosAreNamed(t *testing.T) {
	if got := demo.ScenarioNames(); got != "flood, maintenance" {
		t.Errorf("names %q", got)
	}
	for _, sc := range demo.Scenarios() {
		if got, ok := demo.ScenarioNamed(sc.Name); !ok || got.Name != sc.Name || got.About == "" {
			t.Errorf("%s: %+v %v", sc.Name, got, ok)
		}
	}
	if _, ok := demo.ScenarioNamed("nope"); ok {
		t.Error("an unknown name is found")
	}
}

// TestABlipThatPagesIsSaidToHavePaged: with a quorum of one, Mumbai alone is
// enough, and the summary says so instead of claiming that nobody was paged.
func TestABlipThatPagesIsSaidToHavePaged(t *testing.T) {
	s, out := playTerminal(t, false, func(cfg *check.Config) { cfg.Alerting.Quorum = 1 })
	search := alarm.DownAlarm("taskboard", "Search").String()
	if s.Blip == nil || s.Blip.Pages != 1 || strings.Join(s.Blip.Fired, " ") != search {
		t.Fatalf("blip %+v, want one page for %s", s.Blip, search)
	}
	if want := "The one-location blip in Mumbai (Search) paged: 1 page(s), for " + search + " (quorum 1)."; !strings.Contains(out, want) {
		t.Errorf("output lacks %q", want)
	}
	if strings.Contains(out, "paged nobody") {
		t.Error("the summary claims the blip paged nobody")
	}
	// Search fires twice, once for the blip and once for the flood; time to
	// detect counts from the flood's own first alarm.
	lives := 0
	for _, a := range s.Alarms {
		if a.Name == search {
			lives++
		}
	}
	if lives != 2 || !s.Detected || s.DetectMinutes < 1 {
		t.Errorf("summary %+v: want two lives of %s and detection after the flood began", s, search)
	}
}

// TestLiveRedrawsOneScreen: on a terminal the grid is redrawn in place, the
// notifications listed under it, and the first page shown whole at the end.
func TestLiveRedrawsOneScreen(t *testing.T) {
	_, out := playTerminal(t, true, nil)
	if n := strings.Count(out, "\x1b[H\x1b[2J"); n != 18 {
		t.Errorf("%d redraws, want one per round (18)", n)
	}
	for _, want := range []string{"Notifications:", "pager open:     trigger lookout.taskboard.incident.20261125T140800Z-publicapi-slow",
		"The first page and its resolve, as they were sent:", "---- pager resolve: incident 20261125T140800Z-publicapi-slow ----"} {
		if !strings.Contains(out, want) {
			t.Errorf("live output lacks %q", want)
		}
	}
}

// TestReadmeShowsTheDemoMessages: the README's sample runs end with the
// messages each scenario sends, as the demo counts them today.
func TestReadmeShowsTheDemoMessages(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range demo.Scenarios() {
		out := playScenario(t, sc.Name).out
		i := strings.Index(out, "\n  Messages sent: ")
		if i < 0 {
			t.Fatalf("%s: no message count in:\n%s", sc.Name, out)
		}
		line, _, _ := strings.Cut(out[i+1:], "\n")
		if !strings.Contains(string(readme), "\n"+line+"\n") {
			t.Errorf("README.md lacks the %s scenario's %q", sc.Name, line)
		}
	}
}
