package check

import (
	"testing"
	"time"
)

// TestReadingsAcrossZones: for every half hour of 2026 in zones with and
// without clock changes (Lord Howe's is half an hour), the moments readings
// gives read that wall clock, and when there are none the jump is the first
// moment past it.
func TestReadingsAcrossZones(t *testing.T) {
	for _, name := range []string{"UTC", "Europe/London", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata", "America/Santiago"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		var skipped, repeated int
		for wall := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); wall.Year() == 2026; wall = wall.Add(30 * time.Minute) {
			at, jump := readings(wall, loc)
			for _, u := range at {
				if got := wallClock(u.In(loc)); !got.Equal(wall) {
					t.Fatalf("%s %s: %v reads %s", name, wall, u, got)
				}
			}
			switch len(at) {
			case 0:
				skipped++
				if !wallClock(jump.In(loc)).After(wall) || !wallClock(jump.Add(-time.Second).In(loc)).Before(wall) {
					t.Fatalf("%s %s: jump %v is not where the clock passes it", name, wall, jump)
				}
			case 2:
				repeated++
				if !at[0].Before(at[1]) {
					t.Fatalf("%s %s: readings out of order %v", name, wall, at)
				}
			}
		}
		if (skipped == 0) != (name == "UTC" || name == "Asia/Kolkata") || skipped != repeated {
			t.Errorf("%s: %d wall times skipped, %d repeated in 2026", name, skipped, repeated)
		}
	}
}

// TestShortestGap: the least time between two starts, within a day, from
// one day to the next, across month ends, and where only leap years bring
// two starts close.
func TestShortestGap(t *testing.T) {
	for spec, want := range map[string]time.Duration{
		"0 2 * * 0":       7 * 24 * time.Hour,
		"0 2 * * 1,3,5":   48 * time.Hour, // mon-wed, wed-fri; fri-mon is 72h
		"0 */6 * * *":     6 * time.Hour,
		"0 22 * * 1,2":    24 * time.Hour,
		"0 2,23 * * *":    3 * time.Hour,  // 23:00 to 02:00 the next day
		"0 0 1,29 2,3 *":  24 * time.Hour, // 29 February to 1 March
		"0 0 13 6 5":      24 * time.Hour, // a Thursday the 13th of June, then Friday
		"0 0 31 * *":      31 * 24 * time.Hour,
		"@yearly":         365 * 24 * time.Hour,
		"0 0 29 2 *":      4 * 365.25 * 24 * time.Hour,
		"*/2 * * * *":     2 * time.Minute,
		"0 0 30 2 *":      0, // never
		"59 23 28-31 * *": 24 * time.Hour,
	} {
		s, err := parseCron(spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := shortestGap(s, 0); got != want {
			t.Errorf("%s: %s, want %s", spec, got, want)
		}
	}
}
