package maintenance

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	// The notifier runs on provided.al2023, which may have no zoneinfo:
	// windows are computed in their own zones there too.
	_ "time/tzdata"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// MaxOccurrences bounds what Occurrences returns, and the occurrences of
// one window it computes, so a tick over any range costs a bounded amount.
const MaxOccurrences = 1000

// Occurrences returns every occurrence of the checks file's windows that
// overlaps [from, to), sorted by Start (then by ID), at most MaxOccurrences:
// the earliest. One that started before from and is still running is among
// them. A one-off window is one occurrence; a recurring one starts on its
// zone's wall clock, as check.Schedule.Next says across clock changes, and
// lasts its duration, except that an occurrence ends where the next begins
// when a clock change brings two starts closer than that. Times are in the
// window's zone. A window whose schedule does not read (only one made in
// code can be so: Load refuses it) has no occurrences.
func Occurrences(cfg []check.Maintenance, from, to time.Time) []Window {
	var out []Window
	for _, m := range cfg {
		out = append(out, occurrences(m, from, to, MaxOccurrences)...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].ID < out[j].ID
	})
	if len(out) > MaxOccurrences {
		out = out[:MaxOccurrences:MaxOccurrences]
	}
	return out
}

// Next returns the first n occurrences of m that end after after, one under
// way first (at most MaxOccurrences): what `lookout validate` shows. It is
// empty for a one-off window that has ended.
func Next(m check.Maintenance, after time.Time, n int) []Window {
	return occurrences(m, after, time.Time{}, min(n, MaxOccurrences))
}

// occurrences returns up to limit occurrences of m that overlap [from, to),
// in order; a zero to means no end.
func occurrences(m check.Maintenance, from, to time.Time, limit int) []Window {
	s, err := m.Schedule()
	if err != nil || limit <= 0 {
		return nil
	}
	before := func(t time.Time) bool { return to.IsZero() || t.Before(to) }
	if !s.Recurring() {
		if before(s.Start) && s.End.After(from) {
			return []Window{window(m, s.Start, s.End)}
		}
		return nil
	}
	var out []Window
	// Each step moves to a later start, and only an occurrence cut short
	// by a clock change is passed over: twice limit steps are plenty.
	start := s.Next(from.Add(-s.Duration))
	for step := 0; step < 2*limit && len(out) < limit && !start.IsZero() && before(start); step++ {
		next := s.Next(start)
		end := start.Add(s.Duration)
		if !next.IsZero() && next.Before(end) {
			end = next
		}
		if end.After(from) {
			out = append(out, window(m, start, end))
		}
		start = next
	}
	return out
}

func window(m check.Maintenance, start, end time.Time) Window {
	return Window{ID: m.ID, Reason: m.Reason, Start: start, End: end, Areas: slices.Clone(m.Areas)}
}

// Describe says when a window of the checks file applies, in words: "every
// sun, wed at 02:00 Europe/London for 2h", "cron 30 1 * * * America/New_York
// for 30m", "2026-12-12 22:00 to 2026-12-13 02:00 UTC".
func Describe(m check.Maintenance) string {
	zone := m.TimeZone
	if zone == "" {
		zone = "UTC"
	}
	d := check.FormatDuration(m.Duration.D())
	switch {
	case m.Every != nil:
		return fmt.Sprintf("every %s at %s %s for %s", strings.Join(m.Every.Days, ", "), m.Every.At, zone, d)
	case m.Cron != "":
		return fmt.Sprintf("cron %s %s for %s", m.Cron, zone, d)
	}
	s, err := m.Schedule()
	if err != nil {
		return m.Start + " to " + m.End
	}
	const layout = "2006-01-02 15:04 MST"
	return s.Start.In(s.Zone).Format(layout) + " to " + s.End.In(s.Zone).Format(layout)
}
