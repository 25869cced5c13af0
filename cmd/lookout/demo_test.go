package main

import (
	"bufio"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/demo"
	"github.com/lookout-monitoring/lookout/shared/deploy"
)

type demoEvent struct {
	Event   string    `json:"event"`
	Name    string    `json:"name"`
	Kind    string    `json:"kind"`
	Subject string    `json:"subject"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	Time    time.Time `json:"time"`
	Minute  int       `json:"minute"`
	Alarm   string    `json:"alarm"`
	State   string    `json:"state"`
	Channel string    `json:"channel"`
	Body    string    `json:"body"`
	Error   string    `json:"error"`
	Summary struct {
		Rounds   int            `json:"rounds"`
		Messages map[string]int `json:"messages"`
		Blip     struct {
			Location string   `json:"location"`
			Fired    []string `json:"fired"`
			Pages    int      `json:"pages"`
		} `json:"blip"`
	} `json:"summary"`
}

// demoJSON runs `lookout demo --fast --json --in-memory` in a
// testing/synctest bubble: on virtual time, over in-memory connections, every
// latency is a simulated one, so the output does not depend on the machine's
// speed or load.
func demoJSON(t *testing.T) string {
	t.Helper()
	var out string
	synctest.Test(t, func(t *testing.T) {
		code, stdout, errOut := runMain(t, t.Context(), "demo", "--fast", "--json", "--in-memory", "-f", "../../checks.yaml")
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

// TestDemoJSONIsTheSameOnEveryRun: two runs print the same bytes, and they
// are the golden event stream.
func TestDemoJSONIsTheSameOnEveryRun(t *testing.T) {
	first, second := sharedDemoJSON(t), demoJSON(t)
	if first != second {
		t.Errorf("two runs differ:\n%s\n---\n%s", first, second)
	}
	assertGolden(t, "demo-json.golden", first)
}

// TestDemoFloodPagesOncePerAreaAndResolvesEach runs `lookout demo --fast
// --json` and reads its events: the flood gives exactly one Down alarm per
// area it breaks and one Slow alarm for the API, the one-location blip gives
// none, and every alarm is resolved exactly once, with messages both ways.
func TestDemoFloodPagesOncePerAreaAndResolvesEach(t *testing.T) {
	out := sharedDemoJSON(t)
	sc := demo.Flood()
	var events []demoEvent
	sc2 := bufio.NewScanner(strings.NewReader(out))
	sc2.Buffer(make([]byte, 1<<20), 1<<20)
	var start time.Time
	for sc2.Scan() {
		var e demoEvent
		if err := json.Unmarshal(sc2.Bytes(), &e); err != nil {
			t.Fatalf("not JSON: %q: %v", sc2.Text(), err)
		}
		if e.Event == "round" && e.Minute == 0 {
			start = e.Time
		}
		events = append(events, e)
	}
	fired := map[string]int{}
	resolved := map[string]int{}
	messages := map[string]map[string]int{} // alarm+state -> channel -> count
	var summary demoEvent
	for _, e := range events {
		switch e.Event {
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
			key := e.Alarm + " " + e.State
			if messages[key] == nil {
				messages[key] = map[string]int{}
			}
			messages[key][e.Channel]++
		case "summary":
			summary = e
		case "error":
			t.Errorf("demo error: %s", e.Error)
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
		if m := messages[name+" ALARM"]; m["email"] != 1 || m["pager"] != 1 {
			t.Errorf("%s ALARM messages %v", name, m)
		}
		if m := messages[name+" OK"]; m["email"] != 1 || m["pager"] != 1 {
			t.Errorf("%s OK messages %v", name, m)
		}
	}
	for name, n := range fired {
		if !want[name] {
			t.Errorf("%s fired %d times; only the flood's areas should", name, n)
		}
	}
	// Critical areas text a phone; warning ones (Search, the Slow alarm) do not.
	if messages[alarm.DownAlarm("taskboard", "Boards").String()+" ALARM"]["sms"] != 1 ||
		messages[alarm.DownAlarm("taskboard", "Search").String()+" ALARM"]["sms"] != 0 {
		t.Errorf("sms: %v", messages)
	}
	if summary.Summary.Rounds != sc.Minutes || summary.Summary.Messages["pager"] != 2*len(want) {
		t.Errorf("summary %+v", summary.Summary)
	}
	if b := summary.Summary.Blip; b.Location != "Mumbai" || b.Pages != 0 || len(b.Fired) != 0 {
		t.Errorf("summary of the blip %+v, want Mumbai, nothing fired, no page", b)
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
