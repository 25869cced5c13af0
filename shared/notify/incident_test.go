package notify

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

// stormNotice is the storm the incident logic groups: Search slow from
// 14:02, then Boards and Sign-in down, at goldenNow (14:05).
func stormNotice(t *testing.T, kind IncidentKind) *IncidentNotice {
	t.Helper()
	cfg := testConfig(t)
	opened := time.Date(2026, 11, 24, 14, 2, 0, 0, time.UTC)
	member := func(name alarm.AlarmName, fired time.Time, d Details) Member {
		a := AlarmOf(name, cfg)
		a.State, a.Since = alarm.StateAlarm, fired
		return Member{Alarm: a, FirstFired: fired, Details: d}
	}
	slow := fakeDetails(goldenNow, map[string]LocationStatus{
		"London": {Status: StatusSlow, Latency: ms(3140), HasLatency: true, BadMinutes: 3},
		"Sydney": {Status: StatusSlow, Latency: ms(2870), HasLatency: true, BadMinutes: 3},
	})
	down := fakeDetails(goldenNow, map[string]LocationStatus{
		"London": {Status: StatusFailing, BadMinutes: 2},
		"Mumbai": {Status: StatusFailing, Latency: ms(5012), HasLatency: true, BadMinutes: 2},
	})
	n := &IncidentNotice{
		ID: "20261124T140200Z-search-slow", App: "taskboard", Kind: kind, Opened: opened, Severity: check.Critical,
		Members: []Member{
			member(alarm.SlowAlarm("taskboard", "Search"), opened, slow),
			member(alarm.DownAlarm("taskboard", "Boards"), opened.Add(2*time.Minute), down),
			member(alarm.DownAlarm("taskboard", "SignIn"), opened.Add(3*time.Minute), down),
		},
		RemindEvery: time.Hour,
	}
	switch kind {
	case IncidentUpdate:
		n.Changes = []string{"+ Sign-in is down (14:05Z)", "severity is now critical (was warning)"}
	case IncidentResolve:
		n.Resolved = goldenNow.Add(20 * time.Minute)
		for i := range n.Members {
			m := &n.Members[i]
			m.State, m.Since = alarm.StateOK, m.FirstFired.Add(time.Duration(10+i)*time.Minute)
		}
		n.Timeline = []TimelineEntry{
			{opened, "Search slow (opened the incident)"},
			{opened.Add(2 * time.Minute), "Boards down (joined)"},
			{opened.Add(3 * time.Minute), "Sign-in down (joined)"},
			{n.Resolved, "resolved: every alarm OK for 2 min"},
		}
	}
	return n
}

// TestIncidentGolden renders an incident's messages for every channel; run
// with -update after a deliberate change and read the diff.
func TestIncidentGolden(t *testing.T) {
	cfg := testConfig(t)
	for _, kind := range []IncidentKind{IncidentOpen, IncidentUpdate, IncidentReminder, IncidentResolve} {
		t.Run(string(kind), func(t *testing.T) {
			n := stormNotice(t, kind)
			now := goldenNow
			if kind == IncidentReminder {
				now = goldenNow.Add(time.Hour)
			}
			if kind == IncidentResolve {
				now = n.Resolved
			}
			l := BuildIncidentLinks(n, cfg, goldenLinks, now)
			subject, body := RenderIncidentEmail(n, l, now)
			sms := RenderIncidentSMS(n, now)
			checkIncidentLimits(t, subject, sms)
			pager := []byte("null\n")
			if ev := RenderIncidentPager(n, l, now); ev != nil {
				var err error
				if pager, err = ev.JSON("  "); err != nil {
					t.Fatal(err)
				}
			}
			assertGolden(t, "incident-"+string(kind)+".email.golden", "Subject: "+subject+"\n\n"+body)
			assertGolden(t, "incident-"+string(kind)+".sms.golden", sms+"\n")
			assertGolden(t, "incident-"+string(kind)+".pager.golden", string(pager))
		})
	}
}

func checkIncidentLimits(t *testing.T, subject, sms string) {
	t.Helper()
	if n := utf8.RuneCountInString(subject); n > MaxSubject || strings.ContainsFunc(subject, func(r rune) bool { return r < ' ' || r > '~' }) {
		t.Errorf("subject %q: %d characters or not ASCII", subject, n)
	}
	if n := utf8.RuneCountInString(sms); n > MaxSMS || GSM7(sms) != sms {
		t.Errorf("SMS %q: %d characters or not GSM-7", sms, n)
	}
}

func TestIncidentWordsNameTheWorstFirst(t *testing.T) {
	n := stormNotice(t, IncidentOpen)
	if got, want := n.What(), "Boards and Sign-in down; Search slow"; got != want {
		t.Errorf("What() = %q, want %q", got, want)
	}
	if n.Word() != "DOWN" {
		t.Errorf("Word() = %q", n.Word())
	}
	n.Members[1].Muted, n.Members[2].Muted = "weekly-db: patching", "weekly-db: patching"
	if n.What() != "Search slow" || n.Word() != "SLOW" {
		t.Errorf("muted members are named: %q %q", n.What(), n.Word())
	}
	n.Kind = IncidentReminder
	if n.Word() != "STILL SLOW" {
		t.Errorf("reminder word %q", n.Word())
	}
}

func TestIncidentMessagesOfAStormStayWithinLimits(t *testing.T) {
	cfg := testConfig(t)
	n := stormNotice(t, IncidentOpen)
	base := n.Members[1]
	for i := range 200 { // far more members than any app has areas
		m := base
		m.AlarmName = strings.Repeat("x", 300) + string(rune('A'+i%26))
		m.AreaName = strings.Repeat("Ärea ", 80) + string(rune('A'+i%26))
		n.Members = append(n.Members, m)
	}
	l := BuildIncidentLinks(n, cfg, goldenLinks, goldenNow)
	subject, _ := RenderIncidentEmail(n, l, goldenNow)
	checkIncidentLimits(t, subject, RenderIncidentSMS(n, goldenNow))
	ev := RenderIncidentPager(n, l, goldenNow)
	b, err := ev.JSON("")
	if err != nil || len(b) > maxPagerEvent || utf8.RuneCountInString(ev.Payload.Summary) > maxSummary {
		t.Errorf("pager event of %d bytes (err %v), summary of %d characters", len(b), err, utf8.RuneCountInString(ev.Payload.Summary))
	}
	if len(ev.DedupKey) > maxDedupKey || !strings.HasPrefix(ev.DedupKey, "lookout.taskboard.incident.") {
		t.Errorf("dedup key %q", ev.DedupKey)
	}
}

func TestAReminderNeverPages(t *testing.T) {
	n := stormNotice(t, IncidentReminder)
	if ev := RenderIncidentPager(n, IncidentLinks{}, goldenNow); ev != nil {
		t.Errorf("a reminder pages: %+v", ev)
	}
	r := stormNotice(t, IncidentResolve)
	ev := RenderIncidentPager(r, IncidentLinks{}, r.Resolved)
	if ev == nil || ev.EventAction != PagerResolve || ev.DedupKey != IncidentDedupKey("taskboard", r.ID) {
		t.Errorf("resolve event %+v", ev)
	}
}
