package maintenance_test

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/maintenance"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// span is an occurrence written as its UTC bounds, for comparing.
func spans(ws []maintenance.Window) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Start.UTC().Format(time.RFC3339) + " " + w.End.UTC().Format(time.RFC3339)
	}
	return out
}

func weekly(id, cron, zone string, d time.Duration) check.Maintenance {
	return check.Maintenance{ID: id, Reason: "weekly", Cron: cron, Duration: check.Duration(d), TimeZone: zone}
}

func assertSpans(t *testing.T, got []maintenance.Window, want ...string) {
	t.Helper()
	if g := spans(got); !reflect.DeepEqual(g, want) {
		t.Errorf("occurrences (UTC):\n got  %s\n want %s", strings.Join(g, "\n      "), strings.Join(want, "\n      "))
	}
}

// TestWeeklyAcrossLondonClockChanges: London springs forward on 29 March
// 2026 (01:00 GMT -> 02:00 BST) and falls back on 25 October (02:00 BST ->
// 01:00 GMT). A start the clock skips begins at the jump and lasts its whole
// duration; one it repeats begins once, the first time.
func TestWeeklyAcrossLondonClockChanges(t *testing.T) {
	early := []check.Maintenance{weekly("early", "30 1 * * 0", "Europe/London", 2*time.Hour)}
	assertSpans(t, maintenance.Occurrences(early, utc("2026-03-15T00:00:00Z"), utc("2026-04-06T00:00:00Z")),
		"2026-03-15T01:30:00Z 2026-03-15T03:30:00Z", // 01:30 GMT
		"2026-03-22T01:30:00Z 2026-03-22T03:30:00Z",
		"2026-03-29T01:00:00Z 2026-03-29T03:00:00Z", // 01:30 does not exist: from the jump, 02:00 BST
		"2026-04-05T00:30:00Z 2026-04-05T02:30:00Z", // 01:30 BST
	)
	assertSpans(t, maintenance.Occurrences(early, utc("2026-10-18T00:00:00Z"), utc("2026-11-02T00:00:00Z")),
		"2026-10-18T00:30:00Z 2026-10-18T02:30:00Z", // 01:30 BST
		"2026-10-25T00:30:00Z 2026-10-25T02:30:00Z", // 01:30 twice: the first, BST, once
		"2026-11-01T01:30:00Z 2026-11-01T03:30:00Z", // 01:30 GMT
	)
	// 02:00 exists on the spring day (the first minute of BST): no shift.
	two := []check.Maintenance{{ID: "two", Reason: "r", Every: &check.Every{Days: []string{"Sunday"}, At: "02:00"},
		Duration: check.Duration(time.Hour), TimeZone: "Europe/London"}}
	assertSpans(t, maintenance.Occurrences(two, utc("2026-03-22T00:00:00Z"), utc("2026-04-01T00:00:00Z")),
		"2026-03-22T02:00:00Z 2026-03-22T03:00:00Z",
		"2026-03-29T01:00:00Z 2026-03-29T02:00:00Z",
	)
}

// TestWeeklyAcrossNewYorkClockChanges: New York springs forward on 8 March
// 2026 (02:00 EST -> 03:00 EDT) and falls back on 1 November (02:00 EDT ->
// 01:00 EST).
func TestWeeklyAcrossNewYorkClockChanges(t *testing.T) {
	db := []check.Maintenance{weekly("db", "30 2 * * 0", "America/New_York", 2*time.Hour)}
	got := maintenance.Occurrences(db, utc("2026-03-01T00:00:00Z"), utc("2026-03-16T00:00:00Z"))
	assertSpans(t, got,
		"2026-03-01T07:30:00Z 2026-03-01T09:30:00Z", // 02:30 EST
		"2026-03-08T07:00:00Z 2026-03-08T09:00:00Z", // 02:30 is skipped: 03:00 EDT, for 2h
		"2026-03-15T06:30:00Z 2026-03-15T08:30:00Z", // 02:30 EDT
	)
	if len(got) == 3 {
		if s := got[1].Start.Format("15:04 MST"); s != "03:00 EDT" {
			t.Errorf("the skipped start is %s in the window's zone, want 03:00 EDT", s)
		}
	}
	late := []check.Maintenance{weekly("late", "30 1 * * 0", "America/New_York", time.Hour)}
	assertSpans(t, maintenance.Occurrences(late, utc("2026-10-30T00:00:00Z"), utc("2026-11-09T00:00:00Z")),
		"2026-11-01T05:30:00Z 2026-11-01T06:30:00Z", // 01:30 EDT, not again at 01:30 EST
		"2026-11-08T06:30:00Z 2026-11-08T07:30:00Z", // 01:30 EST
	)
	// Asked from inside the repeated hour (01:15 EST, the second time), the
	// day's 01:30 has started already (at 01:30 EDT): the next is a week on.
	s, err := late[0].Schedule()
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Next(utc("2026-11-01T06:15:00Z")); !got.Equal(utc("2026-11-08T06:30:00Z")) {
		t.Errorf("next start after 01:15 EST on the day 01:30 repeats: %v", got)
	}
	// That occurrence (01:30 EDT for an hour) is still under way then.
	assertSpans(t, maintenance.Next(late[0], utc("2026-11-01T06:15:00Z"), 1), "2026-11-01T05:30:00Z 2026-11-01T06:30:00Z")
}

// TestClockChangeCutsAnOccurrenceShort: a daily window of 23h30m is shorter
// than its day, but the day the clock springs forward has 23 hours; the
// occurrence ends where the next begins, so occurrences never overlap.
func TestClockChangeCutsAnOccurrenceShort(t *testing.T) {
	long := []check.Maintenance{weekly("long", "0 3 * * *", "America/New_York", 23*time.Hour+30*time.Minute)}
	assertSpans(t, maintenance.Occurrences(long, utc("2026-03-07T07:30:00Z"), utc("2026-03-08T12:00:00Z")),
		"2026-03-07T08:00:00Z 2026-03-08T07:00:00Z", // 03:00 EST, cut at the next start
		"2026-03-08T07:00:00Z 2026-03-09T06:30:00Z", // 03:00 EDT
	)
}

func TestCronDaily(t *testing.T) {
	nightly := []check.Maintenance{weekly("nightly", "@daily", "Asia/Kolkata", 15*time.Minute)}
	got := maintenance.Occurrences(nightly, utc("2026-12-01T00:00:00Z"), utc("2026-12-04T00:00:00Z"))
	assertSpans(t, got,
		"2026-12-01T18:30:00Z 2026-12-01T18:45:00Z", // midnight IST
		"2026-12-02T18:30:00Z 2026-12-02T18:45:00Z",
		"2026-12-03T18:30:00Z 2026-12-03T18:45:00Z",
	)
	for _, w := range got {
		if w.Start.Location().String() != "Asia/Kolkata" || w.Start.Hour() != 0 {
			t.Errorf("occurrence %v is not given in the window's zone", w.Start)
		}
	}
}

// TestRunningAtFromIsIncluded: an occurrence under way at from overlaps
// [from, to); one that ended at from does not (End is exclusive).
func TestRunningAtFromIsIncluded(t *testing.T) {
	ws := []check.Maintenance{weekly("sun", "0 2 * * 0", "UTC", 2*time.Hour)}
	assertSpans(t, maintenance.Occurrences(ws, utc("2026-12-06T03:59:00Z"), utc("2026-12-06T05:00:00Z")),
		"2026-12-06T02:00:00Z 2026-12-06T04:00:00Z")
	if got := maintenance.Occurrences(ws, utc("2026-12-06T04:00:00Z"), utc("2026-12-13T02:00:00Z")); len(got) != 0 {
		t.Errorf("got %s, want none: the one that ended at from, the next starts at to", spans(got))
	}
	// A start the clock skipped begins later: looking back by the duration
	// from inside it still finds it.
	db := []check.Maintenance{weekly("db", "30 2 * * 0", "America/New_York", 2*time.Hour)}
	assertSpans(t, maintenance.Occurrences(db, utc("2026-03-08T08:45:00Z"), utc("2026-03-08T08:46:00Z")),
		"2026-03-08T07:00:00Z 2026-03-08T09:00:00Z")
}

func TestOneOff(t *testing.T) {
	c, err := check.Parse("c.yaml", []byte(`app: shop
areas:
  - {id: Home, request: {url: "https://shop.example.com/"}}
  - {id: Cards, request: {url: "https://shop.example.com/cards"}}
maintenance:
  - id: cutover
    reason: Cards move to the new store
    areas: [Cards]
    start: 2026-12-13T02:00
    end: 2026-12-13T04:00
    time_zone: Europe/Paris
`))
	if err != nil {
		t.Fatal(err)
	}
	got := maintenance.Occurrences(c.Maintenance, utc("2026-12-01T00:00:00Z"), utc("2027-01-01T00:00:00Z"))
	want := []maintenance.Window{{ID: "cutover", Reason: "Cards move to the new store", Areas: []string{"Cards"},
		Start: utc("2026-12-13T01:00:00Z"), End: utc("2026-12-13T03:00:00Z")}}
	if len(got) != 1 || got[0].ID != want[0].ID || got[0].Reason != want[0].Reason || !reflect.DeepEqual(got[0].Areas, want[0].Areas) ||
		!got[0].Start.Equal(want[0].Start) || !got[0].End.Equal(want[0].End) || got[0].AdHoc {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if z := got[0].Start.Location().String(); z != "Europe/Paris" {
		t.Errorf("zone %s", z)
	}
	// The window's areas are its own copy: changing them changes no config.
	got[0].Areas[0] = "Home"
	if c.Maintenance[0].Areas[0] != "Cards" {
		t.Error("an occurrence shares its areas with the config")
	}
	for _, r := range [][2]string{{"2026-12-13T03:00:00Z", "2026-12-14T00:00:00Z"}, {"2026-12-01T00:00:00Z", "2026-12-13T01:00:00Z"}} {
		if got := maintenance.Occurrences(c.Maintenance, utc(r[0]), utc(r[1])); len(got) != 0 {
			t.Errorf("[%s, %s): got %s, want none", r[0], r[1], spans(got))
		}
	}
	if got := maintenance.Next(c.Maintenance[0], utc("2026-12-13T02:59:00Z"), 3); len(got) != 1 {
		t.Errorf("next of a one-off under way: %s", spans(got))
	}
	if got := maintenance.Next(c.Maintenance[0], utc("2026-12-13T03:00:00Z"), 3); len(got) != 0 {
		t.Errorf("next of a one-off that ended: %s", spans(got))
	}
}

// TestBounds: however many occurrences a range holds, at most
// MaxOccurrences come back, the earliest, in order.
func TestBounds(t *testing.T) {
	often := weekly("often", "*/2 * * * *", "UTC", time.Minute)
	from, to := utc("2026-12-01T00:00:00Z"), utc("2027-01-01T00:00:00Z")
	got := maintenance.Occurrences([]check.Maintenance{often}, from, to)
	if len(got) != maintenance.MaxOccurrences {
		t.Fatalf("%d occurrences, want %d", len(got), maintenance.MaxOccurrences)
	}
	if last := got[len(got)-1].Start; !last.Equal(from.Add(2 * time.Minute * (maintenance.MaxOccurrences - 1))) {
		t.Errorf("last occurrence at %v: not the earliest ones", last)
	}
	other := weekly("other", "1-59/2 * * * *", "UTC", time.Minute)
	got = maintenance.Occurrences([]check.Maintenance{often, other}, from, to)
	if len(got) != maintenance.MaxOccurrences {
		t.Fatalf("%d occurrences of two windows, want %d", len(got), maintenance.MaxOccurrences)
	}
	if !sort.SliceIsSorted(got, func(i, j int) bool { return got[i].Start.Before(got[j].Start) }) {
		t.Error("not sorted by start")
	}
	if got[0].ID != "often" || got[1].ID != "other" || !got[len(got)-1].Start.Equal(from.Add(time.Minute*(maintenance.MaxOccurrences-1))) {
		t.Errorf("two windows do not interleave: %s %s ... %v", got[0].ID, got[1].ID, got[len(got)-1].Start)
	}
	if n := len(maintenance.Next(often, from, 5000)); n != maintenance.MaxOccurrences {
		t.Errorf("Next of 5000: %d occurrences, want %d", n, maintenance.MaxOccurrences)
	}
	if got := maintenance.Next(often, from, 0); len(got) != 0 {
		t.Errorf("Next of 0: %d", len(got))
	}
}

func TestNext(t *testing.T) {
	m := weekly("db", "0 2 * * 0", "Europe/London", 2*time.Hour)
	// At 03:00 on a Sunday the day's occurrence is under way: it comes first.
	assertSpans(t, maintenance.Next(m, utc("2026-12-06T03:00:00Z"), 3),
		"2026-12-06T02:00:00Z 2026-12-06T04:00:00Z",
		"2026-12-13T02:00:00Z 2026-12-13T04:00:00Z",
		"2026-12-20T02:00:00Z 2026-12-20T04:00:00Z",
	)
}

// TestWindowsFromTheFileAndFromCode: a window Load read and the same window
// made in code give the same occurrences; one that does not read gives none.
func TestWindowsFromTheFileAndFromCode(t *testing.T) {
	c, err := check.Parse("c.yaml", []byte(`app: shop
areas: [{id: Home, request: {url: "https://shop.example.com/"}}]
maintenance:
  - {id: db, reason: weekly, every: {days: [sun, WED], at: "2:00"}, duration: 90m, time_zone: Australia/Sydney}
`))
	if err != nil {
		t.Fatal(err)
	}
	code := check.Maintenance{ID: "db", Reason: "weekly", Every: &check.Every{Days: []string{"Sunday", "wed"}, At: "02:00"},
		Duration: check.Duration(90 * time.Minute), TimeZone: "Australia/Sydney"}
	from, to := utc("2026-12-01T00:00:00Z"), utc("2026-12-15T00:00:00Z")
	a, b := maintenance.Occurrences(c.Maintenance, from, to), maintenance.Occurrences([]check.Maintenance{code}, from, to)
	if fmt.Sprint(spans(a)) != fmt.Sprint(spans(b)) || len(a) != 4 {
		t.Errorf("from the file %s, from code %s", spans(a), spans(b))
	}
	// Wednesday 02:00 AEDT.
	assertSpans(t, a[:1], "2026-12-01T15:00:00Z 2026-12-01T16:30:00Z")
	// No time_zone.
	bad := check.Maintenance{ID: "bad", Cron: "0 2 * * 0", Duration: check.Duration(time.Hour)}
	if _, err := bad.Schedule(); err == nil || !strings.Contains(err.Error(), "maintenance bad: time_zone: ") {
		t.Errorf("schedule of a window without a zone: %v", err)
	}
	if got := maintenance.Occurrences([]check.Maintenance{bad}, from, to); len(got) != 0 {
		t.Errorf("a window that does not read has occurrences: %s", spans(got))
	}
}
