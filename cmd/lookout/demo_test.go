package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/demo"
	"github.com/lookout-monitoring/lookout/shared/deploy"
	"github.com/lookout-monitoring/lookout/shared/maintenance"
)

type demoEvent struct {
	Event       string               `json:"event"`
	Name        string               `json:"name"`
	Kind        string               `json:"kind"`
	Subject     string               `json:"subject"`
	From        string               `json:"from"`
	To          string               `json:"to"`
	Time        time.Time            `json:"time"`
	Minute      int                  `json:"minute"`
	Alarm       string               `json:"alarm"`
	Via         string               `json:"via"`
	Incident    string               `json:"incident"`
	Note        string               `json:"note"`
	Channel     string               `json:"channel"`
	Body        string               `json:"body"`
	Error       string               `json:"error"`
	Scenario    string               `json:"scenario"`
	Maintenance []maintenance.Window `json:"maintenance"`
	Summary     demo.Summary         `json:"summary"`
}

// demoJSON runs `lookout demo --fast --json --in-memory` with args in a
// testing/synctest bubble: on virtual time, over in-memory connections, every
// latency is a simulated one, so the output does not depend on the machine's
// speed or load.
func demoJSON(t *testing.T, args ...string) string {
	t.Helper()
	var out string
	synctest.Test(t, func(t *testing.T) {
		code, stdout, errOut := runMain(t, t.Context(), append([]string{"demo", "--fast", "--json", "--in-memory", "-f", "../../checks.yaml"}, args...)...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		out = stdout
	})
	return out
}

// sharedDemo is one run of demoJSON, shared by the tests that read it.
var sharedDemo struct {
	sync.Once
	out string
	ok  bool
}

// sharedDemoJSON is demoJSON's output, run once for all the tests that ask.
func sharedDemoJSON(t *testing.T) string {
	t.Helper()
	sharedDemo.Do(func() { sharedDemo.out = demoJSON(t); sharedDemo.ok = !t.Failed() })
	if !sharedDemo.ok {
		t.Fatal("the shared demo run failed: see the test that ran it")
	}
	return sharedDemo.out
}

// demoEvents reads a --json stream; an error event fails the test.
func demoEvents(t *testing.T, out string) []demoEvent {
	t.Helper()
	var events []demoEvent
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e demoEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("not JSON: %q: %v", sc.Text(), err)
		}
		if e.Event == "error" {
			t.Errorf("demo error: %s", e.Error)
		}
		events = append(events, e)
	}
	return events
}

// TestDemoJSONIsTheSameOnEveryRun: two runs print the same bytes, and they
// are the golden event stream.
func TestDemoJSONIsTheSameOnEveryRun(t *testing.T) {
	first, second := sharedDemoJSON(t), demoJSON(t)
	if first != second {
		t.Errorf("two runs differ:\n%s\n---\n%s", first, second)
	}
	assertGolden(t, "demo-json.golden", first)
}

// TestDemoFloodIsOneIncident runs `lookout demo --fast --json` and reads its
// events: the flood gives exactly one Down alarm per area it breaks and one
// Slow alarm for the API, each resolved once, the one-location blip gives
// none, and people are told of one incident: one pager trigger that opens
// it (and at most three updates), one resolve; at most three emails and the
// resolve; at most two texts.
func TestDemoFloodIsOneIncident(t *testing.T) {
	events := demoEvents(t, sharedDemoJSON(t))
	sc := demo.Flood()
	var start time.Time
	fired := map[string]int{}
	resolved := map[string]int{}
	told := demo.Tally{}
	incidents := map[string]bool{}
	keys := map[string]bool{} // pager dedup keys
	var summary demoEvent
	for _, e := range events {
		switch e.Event {
		case "round":
			if e.Minute == 0 {
				start = e.Time
			}
		case "alarm":
			switch e.To {
			case "ALARM":
				fired[e.Name]++
				if fired[e.Name] > resolved[e.Name]+1 {
					t.Errorf("%s fired again before it resolved", e.Name)
				}
				// The blip (minutes 3-4, one location) must not page: nothing fires before the flood.
				if e.Time.Before(start.Add(time.Duration(sc.FloodStart) * time.Minute)) {
					t.Errorf("%s fired at %s, before the flood", e.Name, e.Time)
				}
			case "OK":
				resolved[e.Name]++
			}
		case "notification":
			if told[e.Channel] == nil {
				told[e.Channel] = map[string]int{}
			}
			told[e.Channel][e.Kind]++
			incidents[e.Incident] = true
			if e.Channel == "pager" {
				var ev struct {
					DedupKey string `json:"dedup_key"`
				}
				if err := json.Unmarshal([]byte(e.Body), &ev); err != nil {
					t.Errorf("pager body: %v", err)
				}
				keys[ev.DedupKey] = true
			}
			if e.Via != "alarm" && e.Via != "tick" || e.Via == "alarm" && e.Alarm == "" {
				t.Errorf("notification without its cause: %+v", e)
			}
		case "summary":
			summary = e
		}
	}
	want := map[string]bool{}
	for _, area := range sc.FloodFailed {
		want[alarm.DownAlarm("taskboard", area).String()] = true
	}
	for _, area := range sc.FloodSlow {
		want[alarm.SlowAlarm("taskboard", area).String()] = true
	}
	for name := range want {
		if fired[name] != 1 || resolved[name] != 1 {
			t.Errorf("%s: fired %d, resolved %d; want exactly 1 and 1", name, fired[name], resolved[name])
		}
	}
	for name, n := range fired {
		if !want[name] {
			t.Errorf("%s fired %d times; only the flood's areas should", name, n)
		}
	}
	if len(incidents) != 1 || len(keys) != 1 {
		t.Errorf("incidents %v, pager dedup keys %v: want one of each", incidents, keys)
	}
	p := told["pager"]
	if p["open"] != 1 || p["update"] > 3 || p["resolve"] != 1 || told.Of("pager") != p["open"]+p["update"]+p["resolve"] {
		t.Errorf("pager %v: want 1 open, at most 3 updates, 1 resolve", p)
	}
	if told["email"]["resolve"] != 1 || told.Of("email")-1 > 3 {
		t.Errorf("email %v: want at most 3 and the resolve", told["email"])
	}
	if told.Of("sms") > 2 {
		t.Errorf("sms %v: want at most 2", told["sms"])
	}
	if summary.Summary.Rounds != sc.Minutes || len(summary.Summary.Incidents) != 1 {
		t.Errorf("summary %+v", summary.Summary)
	}
	for _, ch := range []string{"email", "sms", "pager"} {
		if summary.Summary.Messages.Of(ch) != told.Of(ch) {
			t.Errorf("%s: the summary says %d messages, the stream has %d", ch, summary.Summary.Messages.Of(ch), told.Of(ch))
		}
	}
	if b := summary.Summary.Blip; b == nil || b.Location != "Mumbai" || b.Pages != 0 || len(b.Fired) != 0 {
		t.Errorf("summary of the blip %+v, want Mumbai, nothing fired, no page", b)
	}
}

// TestDemoMaintenanceScenario runs `lookout demo --scenario maintenance`:
// nothing is told while the window lasts, though two outages fire inside it;
// the one that outlasts it gets one pager trigger at the window's end, and
// its resolve.
func TestDemoMaintenanceScenario(t *testing.T) {
	events := demoEvents(t, demoJSON(t, "--scenario", "maintenance"))
	if len(events) == 0 || events[0].Event != "start" || events[0].Scenario != "maintenance" || len(events[0].Maintenance) != 1 {
		t.Fatalf("start %+v: want the maintenance scenario and its window", events[0])
	}
	w := events[0].Maintenance[0]
	opened := map[string]time.Time{}
	var silent string // the incident that closed with nobody told
	var pager []string
	told := map[string]int{} // incident -> messages
	for _, e := range events {
		switch e.Event {
		case "incident":
			if e.Note == "opened" || strings.HasPrefix(e.Note, "opened ") {
				opened[e.Incident] = e.Time
			}
			if strings.HasPrefix(e.Note, "resolved; nobody was told") {
				silent = e.Incident
			}
		case "notification":
			told[e.Incident]++
			if e.Time.Before(w.End) {
				t.Errorf("told during the window: %s %s at %s", e.Channel, e.Kind, e.Time)
			}
			if e.Channel == "pager" {
				pager = append(pager, fmt.Sprintf("%s %s %s", e.Incident, e.Kind, e.Via))
			}
		}
	}
	if len(opened) != 2 || silent == "" || told[silent] != 0 || opened[silent].Before(w.Start) {
		t.Fatalf("incidents opened %v; closed untold %q, told %v: want two, the first opened and closed in the window, untold", opened, silent, told)
	}
	var second string
	for id, at := range opened {
		if id != silent {
			second = id
			if !at.After(w.Start) || !at.Before(w.End) {
				t.Errorf("%s opened at %s: want inside the window %s-%s", id, at, w.Start, w.End)
			}
		}
	}
	if want := []string{second + " open tick", second + " resolve tick"}; !slices.Equal(pager, want) {
		t.Errorf("pager %v, want %v", pager, want)
	}
	var summary demoEvent
	for _, e := range events {
		if e.Event == "summary" {
			summary = e
		}
	}
	if incs := summary.Summary.Incidents; len(incs) != 2 || !incs[0].Announced.IsZero() || !incs[1].Announced.Equal(w.End) ||
		incs[1].Messages["pager"]["open"] != 1 || incs[1].Messages["pager"]["resolve"] != 1 || incs[1].Messages.Of("pager") != 2 {
		t.Errorf("summary incidents %+v: want the first untold, the second told at %s (one trigger, one resolve)", incs, w.End)
	}
}

// TestDemoScenarios: --help lists the scenarios; an unknown one is a usage
// error that names them.
func TestDemoScenarios(t *testing.T) {
	code, out, _ := runMain(t, t.Context(), "demo", "-h")
	for _, sc := range demo.Scenarios() {
		if !strings.Contains(out, sc.Name) || !strings.Contains(out, sc.About) {
			t.Errorf("demo -h does not list %s:\n%s", sc.Name, out)
		}
	}
	if code != exitOK || !strings.Contains(out, "--scenario NAME") || !strings.Contains(out, "flood (default)") {
		t.Errorf("demo -h: exit %d\n%s", code, out)
	}
	code, out, errOut := runMain(t, t.Context(), "demo", "--scenario", "outage", "-f", "../../checks.yaml")
	if code != exitUsage || out != "" || errOut != "lookout demo: no scenario \"outage\": the scenarios are flood, maintenance\n" {
		t.Errorf("an unknown scenario: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestDemoEvaluatesTheDeployedRules: the demo's evaluator, the template's
// alarms and `lookout deploy-params` all take the rule from one place.
func TestDemoEvaluatesTheDeployedRules(t *testing.T) {
	cfg, err := check.Load("../../checks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := deploy.Params(cfg, cfg.HomeRegion)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range alarm.Alarms(cfg) {
		switch s.Name.Kind {
		case alarm.KindDown:
			if s.DatapointsToAlarm != p.DownM || s.EvaluationPeriods != p.DownN || int(s.Threshold) != p.Quorum {
				t.Errorf("%s: %d of %d >= %g; deploy-params say %d of %d >= %d", s.Name, s.DatapointsToAlarm, s.EvaluationPeriods, s.Threshold, p.DownM, p.DownN, p.Quorum)
			}
		case alarm.KindSlow:
			if s.DatapointsToAlarm != p.SlowM || s.EvaluationPeriods != p.SlowN || int(s.Threshold) != p.Quorum {
				t.Errorf("%s: %d of %d >= %g; deploy-params say %d of %d >= %d", s.Name, s.DatapointsToAlarm, s.EvaluationPeriods, s.Threshold, p.SlowM, p.SlowN, p.Quorum)
			}
		case alarm.KindSilent:
			if s.EvaluationPeriods != p.SilentAfter {
				t.Errorf("%s: %d periods; deploy-params say %d", s.Name, s.EvaluationPeriods, p.SilentAfter)
			}
		}
	}
}
