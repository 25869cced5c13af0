package incident

import (
	"testing"

	"github.com/lookout-monitoring/lookout/shared/maintenance"
)

// boardsWindow covers Boards from minute 10 to 40.
var boardsWindow = maintenance.Window{ID: "db-upgrade", Reason: "database upgrade", Start: at(10), End: at(40), Areas: []string{"Boards"}}

// appWindow covers the whole app from minute 10 to 40.
var appWindow = maintenance.Window{ID: "freeze", Start: at(10), End: at(40)}

func TestFiringInsideAWindowJoinsMuted(t *testing.T) {
	r := newReplay(boardsWindow)
	if ms := r.Happen(down("Boards", firing, at(15)), at(15)); ms != nil {
		t.Errorf("muted alarm decided %v", names(ms))
	}
	m := r.Ledger.Open.Members[0]
	if !m.Muted || m.MutedBy != "db-upgrade" || !r.Ledger.Open.Announced.IsZero() {
		t.Errorf("member %+v, announced %v", m, r.Ledger.Open.Announced)
	}
	if !hasNote(r.Ledger.Open, "opened muted: maintenance window db-upgrade (database upgrade)") {
		t.Errorf("timeline:\n%s", notes(r.Ledger.Open))
	}
}

func TestIncidentInsideAWindowSendsNothing(t *testing.T) {
	r := newReplay(boardsWindow)
	r.Happen(down("Boards", firing, at(15)), at(15))
	r.Happen(down("Boards", ok, at(20)), at(20))
	ticks(r, 20, 50)
	wantCounts(t, r, map[string]int{})
	if len(r.Ledger.Closed) != 1 || !hasNote(&r.Ledger.Closed[0], "nobody was told") || !hasNote(&r.Ledger.Closed[0], "left while muted") {
		t.Fatalf("closed %+v", r.Ledger.Closed)
	}
}

func TestStillFailingAtTheWindowsEndNotifiesThen(t *testing.T) {
	r := newReplay(boardsWindow)
	r.Happen(down("Boards", firing, at(15)), at(15))
	ticks(r, 15, 39)
	wantCounts(t, r, map[string]int{})
	ms := r.Tick(at(40))
	if got := names(ms); len(got) != 3 || got[0] != "pager open" || got[2] != "sms open" {
		t.Errorf("at the window's end: %v", got)
	}
	inc := r.Ledger.Open
	if inc.Announced != at(40) || inc.Members[0].Muted || !hasNote(inc, "unmuted: maintenance window db-upgrade ended") {
		t.Errorf("announced %v, member %+v\n%s", inc.Announced.Sub(t0), inc.Members[0], notes(inc))
	}
}

func TestMutedMemberOfAnAnnouncedIncidentUpdatesAtTheWindowsEnd(t *testing.T) {
	r := newReplay(boardsWindow)
	r.Happen(down("Cards", firing, at(5)), at(5))
	if ms := r.Happen(down("Boards", firing, at(15)), at(15)); ms != nil {
		t.Errorf("muted member decided %v", names(ms))
	}
	ticks(r, 15, 39)
	wantCounts(t, r, map[string]int{"pager open": 1, "email open": 1, "sms open": 1})
	ms := r.Tick(at(40))
	if got := names(ms); len(got) != 2 || got[0] != "pager update" || got[1] != "email update" {
		t.Fatalf("at the window's end: %v", got)
	}
	if f := ms[0].Incident.Told.Firing; len(f) != 2 {
		t.Errorf("update tells of %v, want both members", f)
	}
}

func TestMemberRecoveringWhileMutedLeavesQuietly(t *testing.T) {
	r := newReplay(boardsWindow)
	r.Happen(down("Cards", firing, at(5)), at(5))
	r.Happen(down("Boards", firing, at(15)), at(15))
	if ms := r.Happen(down("Boards", ok, at(20)), at(20)); ms != nil {
		t.Errorf("recovery while muted decided %v", names(ms))
	}
	ticks(r, 20, 50)
	wantCounts(t, r, map[string]int{"pager open": 1, "email open": 1, "sms open": 1})
	if !hasNote(r.Ledger.Open, "left while muted") {
		t.Errorf("timeline:\n%s", notes(r.Ledger.Open))
	}
}

func TestResolvesAreNeverSuppressedByAWindow(t *testing.T) {
	r := newReplay(boardsWindow)
	r.Happen(down("Boards", firing, at(5)), at(5)) // before the window: told
	r.Happen(down("Boards", ok, at(15)), at(15))   // recovers inside it
	ticks(r, 15, 20)
	wantCounts(t, r, map[string]int{"pager open": 1, "email open": 1, "sms open": 1,
		"pager resolve": 1, "email resolve": 1, "sms resolve": 1})
}

func TestToldMemberStaysToldWhenAWindowStarts(t *testing.T) {
	r := newReplay(boardsWindow)
	r.Happen(down("Boards", firing, at(5)), at(5))
	ticks(r, 5, 45)
	if m := r.Ledger.Open.Members[0]; m.Muted {
		t.Errorf("a member told before the window was muted: %+v", m)
	}
	wantCounts(t, r, map[string]int{"pager open": 1, "email open": 1, "sms open": 1})
}

func TestSilentAlarmsAreCoveredOnlyByWholeAppWindows(t *testing.T) {
	for _, tc := range []struct {
		name  string
		w     maintenance.Window
		muted bool
	}{
		{"area window", boardsWindow, false},
		{"whole-app window", appWindow, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReplay(tc.w)
			ms := r.Happen(silent("London", firing, at(15)), at(15))
			if got := r.Ledger.Open.Members[0].Muted; got != tc.muted {
				t.Errorf("muted = %v, want %v", got, tc.muted)
			}
			if (ms == nil) != tc.muted {
				t.Errorf("messages %v", names(ms))
			}
		})
	}
}

func TestLateDeliveryAfterTheWindowAnnounces(t *testing.T) {
	// Fired inside the window, delivered after it ended: still failing, so told now.
	r := newReplay(boardsWindow)
	ms := r.Happen(down("Boards", firing, at(35)), at(42))
	if got := names(ms); len(got) != 3 || got[0] != "pager open" {
		t.Errorf("decided %v", got)
	}
	if !hasNote(r.Ledger.Open, "opened muted") || !hasNote(r.Ledger.Open, "unmuted") {
		t.Errorf("timeline:\n%s", notes(r.Ledger.Open))
	}
}

func TestNextWindowKeepsAMemberMuted(t *testing.T) {
	next := maintenance.Window{ID: "db-upgrade-2", Start: at(40), End: at(60), Areas: []string{"Boards"}}
	r := newReplay(boardsWindow, next)
	r.Happen(down("Boards", firing, at(15)), at(15))
	ticks(r, 15, 59)
	if m := r.Ledger.Open.Members[0]; !m.Muted || m.MutedBy != "db-upgrade-2" {
		t.Errorf("member %+v", m)
	}
	wantCounts(t, r, map[string]int{})
	r.Tick(at(60))
	wantCounts(t, r, map[string]int{"pager open": 1, "email open": 1, "sms open": 1})
}

func TestMutedIncidentIsNeverReminded(t *testing.T) {
	long := maintenance.Window{ID: "migration", Start: at(0), End: at(200), Areas: []string{"Boards"}}
	r := newReplay(long)
	r.Happen(down("Boards", firing, at(5)), at(5))
	ticks(r, 5, 150)
	wantCounts(t, r, map[string]int{})
}
