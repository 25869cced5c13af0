package notify

import (
	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/golden"

	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// goldenNow is the clock of every golden rendering: three minutes after the
// sample alarms fired.
var goldenNow = time.Date(2026, 11, 24, 14, 5, 0, 0, time.UTC)

var goldenLinks = LinkOptions{
	HomeRegion:     "us-east-1",
	Dashboard:      "lookout-taskboard",
	ProbeLogGroups: []string{"/aws/lambda/lookout-probe"},
}

// fakeDetails builds Details for the test config's four locations (in
// alarm.LocationRegions order); locations not in set are ok at 400 ms.
func fakeDetails(now time.Time, set map[string]LocationStatus) Details {
	to := now.Truncate(time.Minute).Add(time.Minute)
	d := Details{Available: true, From: to.Add(-10 * time.Minute), To: to}
	regions := []string{"us-east-1", "eu-west-2", "ap-south-1", "ap-southeast-2"} // the checks file's order
	labels := []string{"New York", "London", "Mumbai", "Sydney"}
	for i, label := range labels {
		l, ok := set[label]
		if !ok {
			l = LocationStatus{Status: StatusOK, Latency: 400 * time.Millisecond, HasLatency: true}
		}
		l.Region, l.Label = regions[i], label
		if l.LastHeartbeat.IsZero() && l.Status != StatusSilent {
			l.LastHeartbeat = to.Add(-time.Minute)
		}
		d.Locations = append(d.Locations, l)
	}
	return d
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// goldenCases are the incidents whose three renderings are kept in testdata.
func goldenCases(t *testing.T) []struct {
	name    string
	sample  string
	details Details
} {
	return []struct {
		name    string
		sample  string
		details Details
	}{
		{"down-alarm", "sns-alarm-down.json", fakeDetails(goldenNow, map[string]LocationStatus{
			"New York": {Status: StatusOK, Latency: ms(380), HasLatency: true},
			"London":   {Status: StatusFailing, BadMinutes: 3},
			"Mumbai":   {Status: StatusFailing, Latency: ms(5012), HasLatency: true, BadMinutes: 3},
			"Sydney":   {Status: StatusOK, Latency: ms(420), HasLatency: true},
		})},
		{"down-alarm-no-details", "sns-alarm-down.json", Details{}},
		{"down-ok", "sns-alarm-down-ok.json", fakeDetails(goldenNow.Add(7*time.Minute), map[string]LocationStatus{
			"New York": {Status: StatusOK, Latency: ms(372), HasLatency: true},
			"London":   {Status: StatusOK, Latency: ms(455), HasLatency: true, BadMinutes: 4},
			"Mumbai":   {Status: StatusOK, Latency: ms(690), HasLatency: true, BadMinutes: 5},
			"Sydney":   {Status: StatusOK, Latency: ms(433), HasLatency: true},
		})},
		{"down-insufficient-data", "sns-alarm-down-insufficient-data.json", fakeDetails(goldenNow, nil)},
		{"slow-alarm", "sns-alarm-slow.json", fakeDetails(goldenNow, map[string]LocationStatus{
			"New York": {Status: StatusOK, Latency: ms(1210), HasLatency: true, BadMinutes: 1},
			"London":   {Status: StatusSlow, Latency: ms(3140), HasLatency: true, BadMinutes: 5},
			"Mumbai":   {Status: StatusAbstained},
			"Sydney":   {Status: StatusSlow, Latency: ms(2870), HasLatency: true, BadMinutes: 4},
		})},
		{"silent-alarm", "sns-alarm-silent.json", fakeDetails(goldenNow, map[string]LocationStatus{
			"Sydney": {Status: StatusSilent, LastHeartbeat: time.Date(2026, 11, 24, 13, 56, 0, 0, time.UTC)},
		})},
		{"foreign-alarm", "sns-alarm-foreign.json", Details{}},
	}
}

// TestGolden renders the sample alarms for every channel; run with -update
// after a deliberate change and read the diff.
func TestGolden(t *testing.T) {
	cfg := testConfig(t)
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			inc := sampleIncident(t, c.sample)
			now := goldenNow
			if inc.State == alarm.StateOK {
				now = goldenNow.Add(7 * time.Minute)
			}
			r := Render(&inc, c.details, BuildLinks(&inc, cfg, goldenLinks), now)
			checkLimits(t, r)
			pager := []byte("null\n")
			if r.Pager != nil {
				var err error
				if pager, err = r.Pager.JSON("  "); err != nil {
					t.Fatal(err)
				}
			}
			assertGolden(t, c.name+".email.golden", "Subject: "+r.Subject+"\n\n"+r.Email)
			assertGolden(t, c.name+".sms.golden", r.SMS+"\n")
			assertGolden(t, c.name+".pager.golden", string(pager))
		})
	}
}

func assertGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Assert(t, filepath.Join("testdata", name), []byte(got))
}

func TestSituation(t *testing.T) {
	down := sampleIncident(t, "sns-alarm-down.json")
	d := fakeDetails(goldenNow, map[string]LocationStatus{
		"London":   {Status: StatusFailing},
		"Mumbai":   {Status: StatusFailing},
		"Sydney":   {Status: StatusOK, Latency: ms(420), HasLatency: true},
		"New York": {Status: StatusOK, Latency: ms(380), HasLatency: true},
	})
	want := "down from London and Mumbai (2 of 4); New York 380 ms, Sydney 420 ms"
	if got := Situation(&down, d); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// Nobody failing in the latest round: fall back to who failed in the window.
	d = fakeDetails(goldenNow, map[string]LocationStatus{"London": {Status: StatusOK, BadMinutes: 2}})
	if got := Headline(&down, d); got != "down from London (1 of 4)" {
		t.Errorf("got %q", got)
	}
	if got := Headline(&down, Details{}); got != "down" {
		t.Errorf("without details: %q", got)
	}
}

func TestSMSStaysWithinOneSegment(t *testing.T) {
	cfg := testConfig(t)
	inc := sampleIncident(t, "sns-alarm-down.json")
	inc.AreaName = "Sign-in — «Ünïcødé» 世界 {beta} " + strings.Repeat("very long name ", 20)
	d := fakeDetails(goldenNow, map[string]LocationStatus{
		"London": {Status: StatusFailing}, "Mumbai": {Status: StatusFailing}, "Sydney": {Status: StatusFailing},
	})
	r := Render(&inc, d, BuildLinks(&inc, cfg, goldenLinks), goldenNow)
	checkLimits(t, r)
	if !strings.HasPrefix(r.SMS, "DOWN Sign-in - ?Ünicødé? ?? (beta)") || !strings.HasSuffix(r.SMS, "...") {
		t.Errorf("SMS %q", r.SMS)
	}
	if !strings.HasPrefix(r.Subject, "ALARM Sign-in - ?") {
		t.Errorf("subject %q", r.Subject)
	}
}

func TestGSM7(t *testing.T) {
	for in, want := range map[string]string{
		"plain ASCII 0-9 @!?": "plain ASCII 0-9 @!?",
		"café £5 ¿ñ?":         "café £5 ¿ñ?",
		"“quoted” – dash…":    "\"quoted\" - dash...",
		"[x]{y}~|^\\€":        "(x)(y)-//EUR",
		"世界 🚨":                "?? ?",
	} {
		if got := GSM7(in); got != want || !IsGSM7(got) {
			t.Errorf("GSM7(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWhoIsTold(t *testing.T) {
	for _, c := range []struct {
		state, previous alarm.State
		publish         bool
		pager           PagerAction
	}{
		{alarm.StateAlarm, alarm.StateOK, true, PagerTrigger},
		{alarm.StateOK, alarm.StateAlarm, true, PagerResolve},
		{alarm.StateOK, alarm.StateInsufficient, false, PagerResolve},
		{alarm.StateInsufficient, alarm.StateOK, true, ""},
		{alarm.StateInsufficient, alarm.StateAlarm, true, ""},
	} {
		inc := Alarm{Kind: alarm.KindDown, State: c.state, Previous: c.previous, AlarmName: "a", App: "app", AreaName: "A"}
		r := Render(&inc, Details{}, Links{}, goldenNow)
		var action PagerAction
		if r.Pager != nil {
			action = r.Pager.EventAction
		}
		if r.Publish != c.publish || action != c.pager {
			t.Errorf("%s after %s: publish=%v pager=%q, want %v %q", c.state, c.previous, r.Publish, action, c.publish, c.pager)
		}
	}
}

func TestLogsInsightsLink(t *testing.T) {
	inc := sampleIncident(t, "sns-alarm-down.json")
	l := BuildLinks(&inc, testConfig(t), goldenLinks)
	if len(l.Logs) != 4 || l.Logs[0].Text != "New York" {
		t.Fatalf("logs links %+v", l.Logs)
	}
	want := "https://eu-west-2.console.aws.amazon.com/cloudwatch/home?region=eu-west-2#logsV2:logs-insights$3FqueryDetail$3D~(end~'2026-11-24T14*3a32*3a10.317Z~start~'2026-11-24T13*3a32*3a10.317Z~timeType~'ABSOLUTE~tz~'UTC~editorString~'fields*20*40timestamp*2c*20location*2c*20area*2c*20verdict*2c*20class*2c*20message*0a*7c*20filter*20area*20*3d*20*22SignIn*22*0a*7c*20sort*20*40timestamp*20desc*0a*7c*20limit*20200~source~(~'*2faws*2flambda*2flookout-probe))"
	if got := l.Logs[1].Href; got != want {
		t.Errorf("London logs link\n got %s\nwant %s", got, want)
	}
	if l.Alarm != "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/lookout.taskboard.down.SignIn" {
		t.Errorf("alarm link %s", l.Alarm)
	}
	silent := sampleIncident(t, "sns-alarm-silent.json")
	if l := BuildLinks(&silent, testConfig(t), goldenLinks); len(l.Logs) != 1 || l.Logs[0].Text != "Sydney" ||
		!strings.HasPrefix(l.Logs[0].Href, "https://ap-southeast-2.") {
		t.Errorf("silent logs links %+v", l.Logs)
	}
}

// The "What you receive" examples in the README are the golden files.
func TestDocsShowTheGoldenExamples(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"incident-open.email.golden", "incident-resolve.email.golden",
		"incident-open.sms.golden", "incident-resolve.sms.golden", "foreign-alarm.sms.golden",
		"incident-open.pager.golden", "incident-resolve.pager.golden"} {
		want, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".sms.golden") { // shown in a table, as `code`
			want = []byte("`" + strings.TrimSuffix(string(want), "\n") + "`")
		}
		if !bytes.Contains(doc, want) {
			t.Errorf("README.md does not show %s (regenerate the example from it)", name)
		}
	}
}
