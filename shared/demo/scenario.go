package demo

import "time"

// Phase is a stretch of the scenario: what the app suffers and what the
// narrator says, from minute From up to (not including) minute To.
type Phase struct {
	From, To int
	Say      string
	Conds    func(slow map[string]time.Duration) []Condition
}

// Scenario is the incident Lookout exists for: one customer's API flood makes
// the public API slow, then saturates the database so that boards, cards and
// search fail for everyone. Before it, one location has a local blip that
// must not page anyone.
type Scenario struct {
	Minutes     int
	Phases      []Phase
	FloodStart  int // minute the flood begins (for time to detect)
	FloodStop   int // minute it is stopped (for time to resolve)
	BlipStart   int // minute the one-location blip begins
	BlipStop    int // minute it ends
	BlipArea    string
	BlipRegion  string   // the blip's location; "" when the scenario has no blip
	FloodSlow   []string // areas the flood makes slow
	FloodFailed []string // areas the flood makes fail
}

// Paths of the example application's areas (checks.yaml).
const (
	pathPublicAPI = "/v2/"
	pathBoards    = "/api/v1/boards"
	pathCards     = "/api/v1/cards"
	pathSearch    = "/api/v1/search"
)

// Flood is the default scenario, in minutes (one round each).
func Flood() Scenario {
	s := Scenario{
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
		{From: s.FloodStop, To: s.Minutes, Say: "The customer is rate-limited; the flood stops and the areas recover."},
	}
	return s
}

// onlyBlip reports whether the alarms evaluated after a minute's round are
// the blip's doing alone: the blip has begun and the flood has not (or the
// scenario has none).
func (s Scenario) onlyBlip(minute int) bool {
	return minute >= s.BlipStart && (s.FloodStop <= s.FloodStart || minute < s.FloodStart)
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
