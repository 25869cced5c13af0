package check_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// TestMaintenanceForms: every schedule form of testdata/valid-maintenance.yaml
// loads, and its schedule says what the file says.
func TestMaintenanceForms(t *testing.T) {
	c, err := check.Load("testdata/valid-maintenance.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Maintenance) != 5 {
		t.Fatalf("%d windows", len(c.Maintenance))
	}
	sched := func(i int) check.Schedule {
		s, err := c.Maintenance[i].Schedule()
		if err != nil {
			t.Fatalf("window %d: %v", i, err)
		}
		return s
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// One-off with offsets: UTC unless a zone is given.
	if s := sched(0); s.Recurring() || !s.Start.Equal(at("2026-12-06T01:00:00Z")) || !s.End.Equal(at("2026-12-06T03:30:00Z")) || s.Zone != time.UTC {
		t.Errorf("migration: %+v", s)
	}
	// One-off in local time, read in its zone (GMT in December).
	if s := sched(1); s.Recurring() || !s.Start.Equal(at("2026-12-13T02:00:00Z")) || !s.End.Equal(at("2026-12-13T04:00:00Z")) || s.Zone.String() != "Europe/London" {
		t.Errorf("cutover: %+v", s)
	}
	if got := c.Maintenance[1].Areas; len(got) != 1 || got[0] != "Cards" {
		t.Errorf("cutover areas %q", got)
	}
	// Cron in New York: Sunday 01:30 EST.
	if s := sched(2); !s.Recurring() || s.Duration != 2*time.Hour || !s.Next(at("2026-12-01T00:00:00Z")).Equal(at("2026-12-06T06:30:00Z")) {
		t.Errorf("weeklyDB: %+v, next %v", s, s.Next(at("2026-12-01T00:00:00Z")))
	}
	// A descriptor: @daily at midnight UTC.
	if s := sched(3); !s.Next(at("2026-12-01T10:00:00Z")).Equal(at("2026-12-02T00:00:00Z")) || s.Duration != 15*time.Minute {
		t.Errorf("nightly: next %v", s.Next(at("2026-12-01T10:00:00Z")))
	}
	// Weekdays in Kolkata: Sunday and Wednesday 02:00 IST (20:30 UTC the day before).
	s := sched(4)
	first := s.Next(at("2026-12-01T00:00:00Z"))
	second := s.Next(first)
	if !first.Equal(at("2026-12-01T20:30:00Z")) || !second.Equal(at("2026-12-05T20:30:00Z")) || first.Location().String() != "Asia/Kolkata" {
		t.Errorf("patching: %v then %v", first, second)
	}
}

func TestIncidentPolicy(t *testing.T) {
	c, err := check.Load("testdata/valid-minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	in := c.Alerting.Incidents
	if in.Settle.D() != 2*time.Minute || in.UpdateEvery.D() != 5*time.Minute || in.RemindEvery.D() != time.Hour || *in.SMSPerHour != 6 {
		t.Errorf("defaults: settle %s, update %s, remind %s, sms %d", in.Settle, in.UpdateEvery, in.RemindEvery, *in.SMSPerHour)
	}
	// A written 0 turns a setting off; it is not taken for unset.
	c, err = check.Load("testdata/valid-maintenance.yaml")
	if err != nil {
		t.Fatal(err)
	}
	in = c.Alerting.Incidents
	if in.Settle.D() != 0 || in.UpdateEvery.D() != 10*time.Minute || in.RemindEvery.D() != 0 || *in.SMSPerHour != 0 {
		t.Errorf("written: settle %s, update %s, remind %s, sms %d", in.Settle, in.UpdateEvery, in.RemindEvery, *in.SMSPerHour)
	}
	for value, want := range map[string]string{
		"settle: -1m":        `alerting.incidents.settle: "-1m" is negative`,
		"update_every: 0":    `alerting.incidents.update_every: "0" must be positive`,
		"remind_every: 10":   `alerting.incidents.remind_every: "10" has no unit: write e.g. 10s or 10ms`,
		"sms_per_hour: -1":   `alerting.incidents.sms_per_hour: -1: use 0 to 60 (0 sends no SMS)`,
		"remind_every: 25h":  `alerting.incidents.remind_every: 25h: use 10m to 24h, or 0 for no reminders`,
		"settle: 30m":        "",
		"remind_every: 24h":  "",
		"update_every: 60m":  "",
		"sms_per_hour: 60":   "",
		"remind_every: 10m":  "",
		"update_every: 1m":   "",
		"settle: 1s":         "",
		"remind_every: '0s'": "",
	} {
		_, err := check.Parse("c.yaml", []byte("app: shop\nalerting:\n  incidents:\n    "+value+"\nareas: [{id: A, request: {url: 'https://a.example.com/'}}]\n"))
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", value, err)
		case want != "" && (err == nil || err.Error() != "c.yaml:4: "+want):
			t.Errorf("%s: got %v, want c.yaml:4: %s", value, err, want)
		}
	}
}

func TestMaintenanceErrorsAreClassified(t *testing.T) {
	for file, want := range map[string]error{
		"testdata/invalid-maintenance-two-forms.yaml": check.ErrConflict,
		"testdata/invalid-maintenance-no-form.yaml":   check.ErrRequired,
		"testdata/invalid-maintenance-id.yaml":        check.ErrDuplicate,
		"testdata/invalid-maintenance-overlap.yaml":   check.ErrConflict,
		"testdata/invalid-maintenance-cron.yaml":      check.ErrInvalid,
	} {
		if _, err := check.Load(file); !errors.Is(err, want) {
			t.Errorf("%s: errors.Is(err, %v) is false; err = %v", file, want, err)
		}
	}
}

// TestMaintenanceBounds: the windows of a file, and an unknown area's
// message, stay bounded however many there are.
func TestMaintenanceBounds(t *testing.T) {
	var b strings.Builder
	b.WriteString("app: shop\nareas:\n")
	for i := range 30 {
		b.WriteString("  - {id: A" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + ", request: {url: 'https://a.example.com/'}}\n")
	}
	b.WriteString("maintenance:\n  - {id: w, reason: r, areas: [Nope], cron: '0 2 * * 0', duration: 1h, time_zone: UTC}\n")
	_, err := check.Parse("c.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), `"Nope" is not an area of the file (areas: Aa, Ab,`) || !strings.HasSuffix(err.Error(), "At and 10 more)") {
		t.Errorf("unknown area among 30: %v", err)
	}
	b.Reset()
	b.WriteString("app: shop\nareas: [{id: A, request: {url: 'https://a.example.com/'}}]\nmaintenance:\n")
	for range check.MaxMaintenanceWindows + 1 {
		b.WriteString("  - {id: w, reason: r, cron: '0 2 * * 0', duration: 1h, time_zone: UTC}\n")
	}
	if _, err := check.Parse("c.yaml", []byte(b.String())); err == nil || err.Error() != "c.yaml:3: maintenance: 101 windows: at most 100" {
		t.Errorf("too many windows: %v", err)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{2 * time.Hour: "2h", 90 * time.Minute: "1h30m", 30 * time.Minute: "30m",
		90 * time.Second: "1m30s", 168 * time.Hour: "168h", 0: "0s", 2*time.Hour + time.Second: "2h0m1s"} {
		if got := check.FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
