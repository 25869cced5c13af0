package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
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

// TestReadmeMaintenanceExample: what the README shows under "Maintenance
// windows" is what validate prints for the example checks file at the time it
// names, and the error it quotes is the one a misspelt area gives there.
func TestReadmeMaintenanceExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join("..", "..", "checks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	lines := maintenanceLines(t, writeChecks(t, string(example)), time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	for i, l := range lines {
		lines[i] = "checks.yaml: " + l
	}
	if block := "```\n" + strings.Join(lines, "\n") + "\n```\n"; len(lines) == 0 || !bytes.Contains(doc, []byte(block)) {
		t.Errorf("README.md does not show what validate prints for checks.yaml:\n%s", block)
	}

	// The README's own example windows load, against the example's areas.
	_, section, _ := bytes.Cut(doc, []byte("### Maintenance windows\n"))
	_, block, _ := bytes.Cut(section, []byte("```yaml\n"))
	block, _, _ = bytes.Cut(block, []byte("```\n"))
	head, _, _ := strings.Cut(string(example), "\nmaintenance:\n")
	if c, err := check.Parse("README.md", []byte(head+"\n"+string(block))); err != nil || len(c.Maintenance) != 4 {
		t.Errorf("the README's maintenance example does not load: %v", err)
	}

	misspelt := strings.Replace(string(example), "areas: [Boards, Cards]", "areas: [Boards, Bords]", 1)
	file := writeChecks(t, misspelt)
	var out, errOut bytes.Buffer
	if code := cmdValidate([]string{"-f", file}, &out, &errOut); code != exitFailed {
		t.Fatalf("a misspelt area: exit %d", code)
	}
	first, _, _ := strings.Cut(errOut.String(), "\n")
	quoted := "checks.yaml" + strings.TrimPrefix(first, file)
	if !strings.Contains(strings.Join(strings.Fields(string(doc)), " "), "`"+quoted+"`") {
		t.Errorf("README.md does not quote the error validate gives:\n%s", quoted)
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
