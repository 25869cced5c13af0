// Package maintenance says when alarms of an app, or of some of its areas,
// notify nobody: the windows of the checks file (one-off and recurring) and
// the ad-hoc windows started with `lookout maintenance now`, as concrete
// occurrences the incident logic can hold against a time.
package maintenance

import (
	"slices"
	"time"
)

// Window is one occurrence of a maintenance window, from Start (inclusive)
// to End (exclusive).
type Window struct {
	// ID is the checks file's id of the window, or an ad-hoc window's id.
	ID string `json:"id"`
	// Reason says why, for messages and the dashboard.
	Reason string `json:"reason,omitempty"`
	// Start and End bound the occurrence.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Areas are the area ids it covers; empty means the whole app: every
	// alarm of the app, a location's silent alarm included.
	Areas []string `json:"areas,omitempty"`
	// AdHoc says it was started from the command line, not the checks file.
	AdHoc bool `json:"ad_hoc,omitempty"`
}

// Active says whether t falls inside the occurrence.
func (w Window) Active(t time.Time) bool { return !t.Before(w.Start) && t.Before(w.End) }

// CoversArea says whether the window mutes alarms of area ("" for an alarm
// that belongs to no area, such as a location's silent alarm: only a
// whole-app window covers it).
func (w Window) CoversArea(area string) bool {
	if len(w.Areas) == 0 {
		return true
	}
	return area != "" && slices.Contains(w.Areas, area)
}

// Covering returns the window that mutes an alarm of area at t: of those
// active and covering it, the one that ends last. ok is false when none does.
func Covering(ws []Window, area string, t time.Time) (w Window, ok bool) {
	for _, c := range ws {
		if c.Active(t) && c.CoversArea(area) && (!ok || c.End.After(w.End)) {
			w, ok = c, true
		}
	}
	return w, ok
}
