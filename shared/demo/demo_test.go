package demo_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/demo"
)

func run(t *testing.T, live bool) (demo.Summary, string) {
	t.Helper()
	cfg, err := check.Load("../../checks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := demo.Run(context.Background(), demo.Options{Config: cfg, Fast: true, View: &demo.Terminal{W: &out, Live: live},
		Start: time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return s, out.String()
}

// TestTerminalShowsTheGridTheMessagesAndTheSummary: printed as a log, every
// round's grid, each first alarm and resolve in full, and the summary.
func TestTerminalShowsTheGridTheMessagesAndTheSummary(t *testing.T) {
	s, out := run(t, false)
	for _, want := range []string{
		"Minute 1 of 18 (14:00Z)",
		"AREA       New York",
		"DOWN 503",
		"---- email: lookout.taskboard.down.Boards ----",
		"Subject: ALARM Boards: down from New York, London, Mumbai and Sydney (4 of 4) [taskboard]",
		"---- sms: lookout.taskboard.down.Boards ----",
		"---- pager: lookout.taskboard.down.Boards ----",
		`"event_action": "resolve"`,
		"Time to detect: ",
		"Messages sent: 8 email, 4 SMS, 8 pager.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "\x1b[2J") {
		t.Error("a log must not clear the screen")
	}
	// Detection needs M of N minutes, so it cannot be instant, and it must
	// come while the flood lasts; resolving likewise takes minutes, not rounds.
	sc := demo.Flood()
	if s.DetectMinutes < 1 || s.DetectMinutes > sc.FloodStop-sc.FloodStart ||
		s.ResolveMinutes < 1 || s.ResolveMinutes > sc.Minutes-sc.FloodStop || len(s.Alarms) != 4 {
		t.Errorf("summary %+v", s)
	}
}

// TestLiveRedrawsOneScreen: on a terminal the grid is redrawn in place, the
// notifications listed under it, and the first page shown whole at the end.
func TestLiveRedrawsOneScreen(t *testing.T) {
	_, out := run(t, true)
	if n := strings.Count(out, "\x1b[H\x1b[2J"); n != 18 {
		t.Errorf("%d redraws, want one per round (18)", n)
	}
	for _, want := range []string{"Notifications:", "pager: trigger lookout.taskboard.down.Cards", "The first page and its resolve, as they were sent:"} {
		if !strings.Contains(out, want) {
			t.Errorf("live output lacks %q", want)
		}
	}
}
