package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestValidateShowsMaintenanceWindows: validate prints, for each window in
// the file's order, its next occurrences in its zone and in UTC, the one
// under way first, or that a one-off has ended; the clock is fixed.
func TestValidateShowsMaintenanceWindows(t *testing.T) {
	file := writeChecks(t, `app: shop
areas:
  - {id: Boards, request: {url: "https://shop.example.com/boards"}}
  - {id: Cards, request: {url: "https://shop.example.com/cards"}}
maintenance:
  - id: weeklyDB
    reason: Weekly database maintenance
    areas: [Boards, Cards]
    every: {days: [sun], at: "02:00"}
    duration: 2h
    time_zone: Europe/London
  - id: migration
    reason: Move to the new cluster
    start: 2026-11-30T00:00:00Z
    end: 2026-11-30T02:00:00Z
  - id: reindex
    reason: Search reindex
    areas: [Cards]
    cron: "0 11 * * *"
    duration: 90m
    time_zone: UTC
  - id: patching
    reason: OS patching
    cron: "0 2 * * 3"
    duration: 1h
    time_zone: Australia/Sydney
  - id: cutover
    reason: Boards move to the new store
    areas: [Boards]
    start: 2027-03-28T00:30
    end: 2027-03-28T03:00
    time_zone: Europe/London
`)
	got := maintenanceLines(t, file, time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	want := []string{
		"maintenance weeklyDB (Boards, Cards): next Sun 2026-12-06 02:00 GMT (02:00 UTC) for 2h, then 2026-12-13 02:00 GMT, 2026-12-20 02:00 GMT",
		"maintenance migration (whole app): ended 2026-11-30 02:00 UTC",
		"maintenance reindex (Cards): under way since Tue 2026-12-01 11:00 UTC for 1h30m, then 2026-12-02 11:00 UTC, 2026-12-03 11:00 UTC",
		"maintenance patching (whole app): next Wed 2026-12-02 02:00 AEDT (2026-12-01 15:00 UTC) for 1h, then 2026-12-09 02:00 AEDT, 2026-12-16 02:00 AEDT",
		// London springs forward at 01:00 GMT that day: 03:00 BST is 02:00 UTC.
		"maintenance cutover (Boards): next Sun 2027-03-28 00:30 GMT (00:30 UTC) for 1h30m",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("maintenance lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// maintenanceLines runs validate on file at now and returns the lines it
// prints about maintenance windows, without the file name.
func maintenanceLines(t *testing.T, file string, now time.Time) []string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := (validation{now: func() time.Time { return now }}).run([]string{"-f", file}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var lines []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, file+": maintenance ") {
			lines = append(lines, strings.TrimPrefix(l, file+": "))
		}
	}
	return lines
}
