package demo_test

import (
	"bytes"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/demo"
)

// play runs the demo of the example checks file in a testing/synctest
// bubble, on virtual time and in-memory connections: every latency it
// measures is a simulated one, so the story is the same on an idle laptop
// and on a machine at full load. edit, when set, changes the checks file.
func play(t *testing.T, live bool, edit func(*check.Config)) (s demo.Summary, out string) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		cfg, err := check.Load("../../checks.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(cfg)
		}
		var b bytes.Buffer
		s, err = demo.Run(t.Context(), demo.Options{Config: cfg, Fast: true, Network: demo.InMemory(),
			View: &demo.Terminal{W: &b, Live: live}, Start: time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		out = b.String()
	})
	return s, out
}

// TestTerminalShowsTheGridTheMessagesAndTheSummary: printed as a log, every
// round's grid, each first alarm and resolve in full, and the summary.
func TestTerminalShowsTheGridTheMessagesAndTheSummary(t *testing.T) {
	s, out := play(t, false, nil)
	for _, want := range []string{
		"Minute 1 of 18 (14:00Z)",
		"AREA       New York",
		"DOWN 503",
		"---- email: lookout.taskboard.down.Boards ----",
		"Subject: ALARM Boards: down from New York, London, Mumbai and Sydney (4 of 4) [taskboard]",
		"---- sms: lookout.taskboard.down.Boards ----",
		"---- pager: lookout.taskboard.down.Boards ----",
		`"event_action": "resolve"`,
		// Slow needs 3 of 5 minutes, Down 2 of 3: the Slow alarm is the
		// first, on the third flooded minute; the last resolve comes after
		// three good minutes (its 5-minute window must hold fewer than 3 slow ones).
		"Time to detect: 3 min after the flood began; time to resolve: 3 min after it stopped.",
		"Messages sent: 8 email, 4 SMS, 8 pager.",
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

// TestABlipThatPagesIsSaidToHavePaged: with a quorum of one, Mumbai alone is
// enough, and the summary says so instead of claiming that nobody was paged.
func TestABlipThatPagesIsSaidToHavePaged(t *testing.T) {
	s, out := play(t, false, func(cfg *check.Config) { cfg.Alerting.Quorum = 1 })
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
	_, out := play(t, true, nil)
	if n := strings.Count(out, "\x1b[H\x1b[2J"); n != 18 {
		t.Errorf("%d redraws, want one per round (18)", n)
	}
	for _, want := range []string{"Notifications:", "pager: trigger lookout.taskboard.down.Cards", "The first page and its resolve, as they were sent:"} {
		if !strings.Contains(out, want) {
			t.Errorf("live output lacks %q", want)
		}
	}
}
