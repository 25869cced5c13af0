package demo

import (
	"strings"
	"time"
)

// Phase is a stretch of the scenario: what the app suffers and what the
// narrator says, from minute From up to (not including) minute To.
type Phase struct {
	From, To int
	Say      string
	Conds    func(slow map[string]time.Duration) []Condition
}

// Scenario is a story the demo plays, one round a minute: what the sample
// app suffers when, and the maintenance windows planned around it.
type Scenario struct {
	// Name selects it (lookout demo --scenario NAME); About says in one
	// line what it shows.
	Name, About string
	Minutes     int
	Phases      []Phase
	// Windows are the maintenance windows of the story. They replace the
	// checks file's own, whose occurrences depend on the day the demo is
	// played.
	Windows     []Window
	FloodStart  int // minute the flood begins (for time to detect)
	FloodStop   int // minute it is stopped (for time to resolve); not after FloodStart: no flood
	BlipStart   int // minute the one-location blip begins
	BlipStop    int // minute it ends
	BlipArea    string
	BlipRegion  string   // the blip's location; "" when the scenario has no blip
	FloodSlow   []string // areas the flood makes slow
	FloodFailed []string // areas the flood makes fail
}

// Window is a one-off maintenance window of a scenario, in minutes from its
// start: from minute From up to (not including) minute To.
type Window struct {
	ID, Reason string
	Areas      []string
	From, To   int
}

// Paths of the example application's areas (checks.yaml). A prefix matches
// every request under it: Cards' steps post to /api/v1/boards/..., so a
// failure of boards fails cards too.
const (
	pathPublicAPI = "/v2/"
	pathBoards    = "/api/v1/boards"
	pathCards     = "/api/v1/cards"
	pathSearch    = "/api/v1/search"
)

// The scenarios' names.
const (
	ScenarioFlood       = "flood"
	ScenarioMaintenance = "maintenance"
)

// Scenarios lists the scenarios the demo plays, the default first.
func Scenarios() []Scenario { return []Scenario{Flood(), Maintenance()} }

// ScenarioNamed returns the scenario of that name; ok is false when there is none.
func ScenarioNamed(name string) (s Scenario, ok bool) {
	for _, s := range Scenarios() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// ScenarioNames are the scenarios' names, the default first: "flood, maintenance".
func ScenarioNames() string {
	var names []string
	for _, s := range Scenarios() {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}

// Flood is the incident Lookout exists for, and the default scenario: one
// customer's API flood makes the public API slow, then saturates the
// database so that boards, cards and search fail for everyone. Before it,
// one location has a local blip that must not page anyone. Everything is
// one incident: one page, a few batched updates, one resolve.
func Flood() Scenario {
	s := Scenario{
		Name:       ScenarioFlood,
		About:      "a one-location blip that pages nobody, then one customer's API flood: one incident",
		Minutes:    18,
		FloodStart: 5, FloodStop: 12,
		BlipStart: 3, BlipStop: 5,
		BlipArea: "Search", BlipRegion: "ap-south-1",
		FloodSlow:   []string{"PublicAPI"},
		FloodFailed: []string{"Boards", "Cards", "Search"},
	}
	flooded := func(slow map[string]time.Duration) map[string]time.Duration {
		return map[string]time.Duration{pathPublicAPI: slow["PublicAPI"] * 3 / 2}
	}
	s.Phases = []Phase{
		{From: 0, To: s.BlipStart, Say: "All quiet: every area answers from every location."},
		{From: s.BlipStart, To: s.BlipStop, Say: "Mumbai's route to search blips: only one location sees it.",
			Conds: func(map[string]time.Duration) []Condition {
				return []Condition{{Only: s.BlipRegion, Fail: map[string]int{pathSearch: 502}}}
			}},
		{From: s.FloodStart, To: 8, Say: "A customer floods the public API: it slows down for everyone.",
			Conds: func(slow map[string]time.Duration) []Condition {
				return []Condition{{Slow: flooded(slow)}}
			}},
		{From: 8, To: s.FloodStop, Say: "The flood saturates the shared database: boards, cards and search fail.",
			Conds: func(slow map[string]time.Duration) []Condition {
				return []Condition{{Slow: flooded(slow), Fail: map[string]int{pathBoards: 503, pathCards: 503, pathSearch: 503}}}
			}},
		{From: s.FloodStop, To: s.Minutes, Say: "The customer is rate-limited; the flood stops and the areas recover: the incident settles, then resolves."},
	}
	return s
}

// Maintenance is planned work on boards and cards, inside a maintenance
// window: the boards migration fails boards and cards for a few minutes, all
// inside the window, and tells nobody; the cards upgrade that follows
// overruns the window, pages when it ends, and its resolve goes out.
func Maintenance() Scenario {
	w := Window{ID: "upgrade", Reason: "Database upgrade for boards and cards", Areas: []string{"Boards", "Cards"}, From: 2, To: 14}
	s := Scenario{
		Name:    ScenarioMaintenance,
		About:   "a maintenance window: an outage inside it tells nobody; one that outlasts it pages at its end",
		Minutes: 21,
		Windows: []Window{w},
	}
	boards := func(map[string]time.Duration) []Condition {
		return []Condition{{Fail: map[string]int{pathBoards: 503}}}
	}
	cards := func(map[string]time.Duration) []Condition {
		return []Condition{{Fail: map[string]int{pathCards: 503}}}
	}
	s.Phases = []Phase{
		{From: 0, To: w.From, Say: "All quiet: every area answers from every location."},
		{From: w.From, To: 3, Say: "The maintenance window opens on boards and cards: their alarms tell nobody while it lasts."},
		{From: 3, To: 6, Say: "The boards table is migrated: boards (and cards, which live on boards) fail inside the window: muted.",
			Conds: boards},
		{From: 6, To: 10, Say: "The migration is done inside the window: the incident settles and closes, and nobody was told."},
		{From: 10, To: w.To - 1, Say: "The cards service is upgraded next: cards fail, still inside the window: muted.",
			Conds: cards},
		{From: w.To - 1, To: 17, Say: "The window ends with cards still failing: its end pages, as their alarm will not change to say so.",
			Conds: cards},
		{From: 17, To: s.Minutes, Say: "The upgrade is done and cards recover: the incident resolves, and its resolve goes out."},
	}
	return s
}

// flood says whether the scenario has a flood to time detection and resolution by.
func (s Scenario) flood() bool { return s.FloodStop > s.FloodStart }

// onlyBlip reports whether the alarms evaluated after a minute's round are
// the blip's doing alone: the blip has begun and the flood has not (or the
// scenario has none).
func (s Scenario) onlyBlip(minute int) bool {
	return minute >= s.BlipStart && (!s.flood() || minute < s.FloodStart)
}

// phaseAt returns the phase of a minute.
func (s Scenario) phaseAt(minute int) Phase {
	for _, p := range s.Phases {
		if minute >= p.From && minute < p.To {
			return p
		}
	}
	return Phase{}
}
