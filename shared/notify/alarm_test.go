package notify

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

func TestIncidentFromEachSample(t *testing.T) {
	want := map[string]struct {
		kind      alarm.Kind
		state     alarm.State
		severity  check.Severity
		area      string
		location  string
		recovered bool
		spec      bool
	}{
		"sns-alarm-down.json":                   {alarm.KindDown, alarm.StateAlarm, check.Critical, "SignIn", "", false, true},
		"sns-alarm-down-ok.json":                {alarm.KindDown, alarm.StateOK, check.Critical, "SignIn", "", true, true},
		"sns-alarm-down-insufficient-data.json": {alarm.KindDown, alarm.StateInsufficient, check.Critical, "SignIn", "", false, true},
		"sns-alarm-slow.json":                   {alarm.KindSlow, alarm.StateAlarm, check.Warning, "Search", "", false, true},
		"sns-alarm-silent.json":                 {alarm.KindSilent, alarm.StateAlarm, check.Warning, "", "Sydney", false, true},
		"sns-alarm-foreign.json":                {alarm.KindForeign, alarm.StateAlarm, check.Warning, "", "", false, false},
	}
	for _, path := range alarmEventFiles(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			w, ok := want[name]
			if !ok {
				t.Fatalf("no expectation for %s: add it here", name)
			}
			inc := sampleIncident(t, name)
			if inc.Kind != w.kind || inc.State != w.state || inc.Severity != w.severity ||
				inc.AreaID != w.area || inc.Location != w.location || inc.Recovered() != w.recovered || (inc.Spec != nil) != w.spec {
				t.Errorf("got kind=%s state=%s severity=%s area=%q location=%q recovered=%v spec=%v",
					inc.Kind, inc.State, inc.Severity, inc.AreaID, inc.Location, inc.Recovered(), inc.Spec != nil)
			}
			if inc.MessageID == "" || inc.Since.IsZero() || inc.Reason == "" || inc.App != "taskboard" {
				t.Errorf("missing fields: %+v", inc)
			}
			if inc.Region != "us-east-1" {
				t.Errorf("region from ARN = %q", inc.Region)
			}
		})
	}
}

func TestIncidentUsesTheChecksFile(t *testing.T) {
	inc := sampleIncident(t, "sns-alarm-down.json")
	if inc.AreaName != "Sign-in" || inc.Runbook != "https://wiki.example.com/runbooks/taskboard/sign-in" {
		t.Errorf("area name/runbook: %q %q", inc.AreaName, inc.Runbook)
	}
	if got := inc.Since; !got.Equal(time.Date(2026, 11, 24, 14, 2, 10, 317e6, time.UTC)) {
		t.Errorf("since = %v", got)
	}
	if inc.Spec.DatapointsToAlarm != 2 || inc.Spec.EvaluationPeriods != 3 || inc.Spec.Threshold != 2 {
		t.Errorf("spec = %+v", inc.Spec)
	}
	silent := sampleIncident(t, "sns-alarm-silent.json")
	if silent.LocationRegion != "ap-southeast-2" || silent.Subject() != "Sydney" {
		t.Errorf("silent location: %q %q", silent.LocationRegion, silent.Subject())
	}
}

func TestUnknownAreaOfThisAppStillPages(t *testing.T) {
	cfg := testConfig(t)
	name := alarm.DownAlarm("taskboard", "Removed").String()
	inc := NewAlarm(events.CloudWatchAlarmSNSPayload{AlarmName: name, NewStateValue: "ALARM"}, cfg, time.Unix(0, 0))
	if inc.Kind != alarm.KindDown || inc.Severity != cfg.Defaults.Severity || inc.Spec != nil || inc.Subject() != "Removed" {
		t.Errorf("got %+v", inc)
	}
}

func TestDedupKeyIsTheAlarmName(t *testing.T) {
	down := sampleIncident(t, "sns-alarm-down.json")
	ok := sampleIncident(t, "sns-alarm-down-ok.json")
	if down.DedupKey() != alarm.DownAlarm("taskboard", "SignIn").String() || down.DedupKey() != ok.DedupKey() {
		t.Errorf("dedup keys %q %q", down.DedupKey(), ok.DedupKey())
	}
	foreign := sampleIncident(t, "sns-alarm-foreign.json")
	if foreign.DedupKey() != "arn:aws:cloudwatch:us-east-1:123456789012:alarm:prod-db-cpu-high" {
		t.Errorf("foreign dedup key %q", foreign.DedupKey())
	}
	long := Alarm{Kind: alarm.KindForeign, AlarmName: strings.Repeat("x", 300)}
	if len(long.DedupKey()) != 255 {
		t.Errorf("dedup key longer than PagerDuty allows: %d", len(long.DedupKey()))
	}
}

func TestParseAlarmRejects(t *testing.T) {
	for name, msg := range map[string]string{
		"not json":      "hello from the SNS console",
		"json array":    `[1,2,3]`,
		"no name":       `{"NewStateValue":"ALARM"}`,
		"unknown state": `{"AlarmName":"x","NewStateValue":"ON_FIRE"}`,
		"wrong type":    `{"AlarmName":"x","NewStateValue":"ALARM","Trigger":{"Period":"sixty"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseAlarm(msg); !errors.Is(err, ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

// The payloads aws-lambda-go ships parse without error and, not being ours,
// become foreign incidents.
func TestAWSLambdaGoSamplesParse(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "cloudwatch-alarm-sns-payload-*.json"))
	if len(files) != 2 {
		t.Fatalf("want the 2 aws-lambda-go samples in testdata, found %d", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			ev, _ := readEvent(t, f)
			inc, err := FromRecord(ev.Records[0], testConfig(t))
			if err != nil {
				t.Fatal(err)
			}
			if inc.Kind != alarm.KindForeign || inc.State != alarm.StateAlarm || inc.Since.Year() != 2015 || inc.Region != "" {
				t.Errorf("got %+v", inc)
			}
		})
	}
}

// FuzzParseAlarm: no message makes parsing, mapping or rendering panic, and
// whatever parses renders within every channel's limits: SMS, subject, email
// and pager event sizes, the SNS request with its attributes, and the invocation's logs.
func FuzzParseAlarm(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(eventsDir, "*alarm-*.json"))
	more, _ := filepath.Glob(filepath.Join("testdata", "cloudwatch-alarm-sns-payload-*.json"))
	for _, path := range append(seeds, more...) {
		raw, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		var ev events.SNSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			f.Fatal(err)
		}
		for _, r := range ev.Records {
			f.Add(r.SNS.Message)
		}
	}
	f.Add(`{"AlarmName":"lookout.a.silent.` + "\u00e9\u4e16" + `","NewStateValue":"OK","OldStateValue":"ALARM"}`)
	f.Add(`{"AlarmName":"lookout..down.","NewStateValue":"INSUFFICIENT_DATA"}`)
	for _, c := range hostileCases(f) {
		if len(c.Message) < 64<<10 { // the huge ones are too slow to mutate
			f.Add(c.Message)
		}
	}
	cfg := testConfig(f)
	now := time.Date(2026, 11, 24, 14, 5, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, msg string) {
		p, err := ParseAlarm(msg)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not marked malformed: %v", err)
			}
			return
		}
		inc := NewAlarm(p, cfg, now)
		if inc.Kind == "" || inc.Severity == "" || inc.Subject() == "" && strings.TrimSpace(p.AlarmName) != "" {
			t.Fatalf("incomplete incident %+v", inc)
		}
		d := fakeDetails(now, map[string]LocationStatus{"London": {Status: StatusFailing}})
		r := Render(&inc, d, BuildLinks(&inc, cfg, LinkOptions{Dashboard: "lookout", ProbeLogGroups: []string{"/aws/lambda/probe"}}), now)
		checkLimits(t, r)
		checkSNS(t, &inc, r)
		if r.Pager != nil && r.Pager.Payload != nil && strings.TrimSpace(r.Pager.Payload.CustomDetails.State) == "" {
			t.Fatalf("the page does not say the state")
		}
	})
}

// maxEmail bounds an email of the test checks file (four locations), whatever
// the alarm: each value from it is bounded (see bound.go).
const maxEmail = 64 << 10

func checkLimits(t *testing.T, r Rendered) {
	t.Helper()
	if n := len([]rune(r.SMS)); n > MaxSMS || !IsGSM7(r.SMS) {
		t.Fatalf("SMS %d chars, GSM-7 %v: %q", n, IsGSM7(r.SMS), r.SMS)
	}
	if len(r.Subject) > MaxSubject || r.Subject == "" {
		t.Fatalf("subject %d bytes: %q", len(r.Subject), r.Subject)
	}
	for _, c := range r.Subject {
		if c < ' ' || c > '~' {
			t.Fatalf("subject not printable ASCII: %q", r.Subject)
		}
	}
	if len(r.Email) > maxEmail || !utf8.ValidString(r.Email) {
		t.Fatalf("email of %d bytes, valid UTF-8 %v", len(r.Email), utf8.ValidString(r.Email))
	}
	if r.Pager == nil {
		return
	}
	if k := r.Pager.DedupKey; k == "" || len(k) > 255 || !utf8.ValidString(k) {
		t.Fatalf("pager dedup key %q", k)
	}
	b, err := r.Pager.JSON("")
	if err != nil || len(b) > maxPagerEvent || !utf8.Valid(b) {
		t.Fatalf("pager event of %d bytes: %v", len(b), err)
	}
	for _, l := range r.Pager.Links {
		if len(l.Href) > maxHref || utf8.RuneCountInString(l.Text) > maxName {
			t.Fatalf("pager link of %d bytes, text %d", len(l.Href), len(l.Text))
		}
	}
	if p := r.Pager.Payload; p != nil {
		if len([]rune(p.Summary)) > maxSummary || strings.TrimSpace(p.Summary) == "" {
			t.Fatalf("summary of %d characters", len([]rune(p.Summary)))
		}
		for what, s := range map[string]string{"source": p.Source, "component": p.Component, "group": p.Group, "class": p.Class, "alarm": p.CustomDetails.Alarm} {
			if utf8.RuneCountInString(s) > maxName {
				t.Fatalf("pager %s of %d characters", what, utf8.RuneCountInString(s))
			}
		}
	}
}
