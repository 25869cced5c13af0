package check

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	// The functions run on provided.al2023, which may have no zoneinfo:
	// a window's time_zone must resolve there as it does on a laptop.
	_ "time/tzdata"

	"github.com/robfig/cron/v3"
)

// Bounds of the maintenance windows of one file.
const (
	// MaxMaintenanceWindows bounds the windows of one file, so that their
	// occurrences stay cheap to compute on every notifier tick.
	MaxMaintenanceWindows = 100
	// MinMaintenanceDuration and MaxMaintenanceDuration bound one
	// occurrence, one-off or recurring: a longer mute is surely a mistake,
	// and alarms muted by mistake are the failure that matters.
	MinMaintenanceDuration = time.Minute
	MaxMaintenanceDuration = 7 * 24 * time.Hour
	// MaxMaintenanceReason bounds a window's reason, in characters (the
	// checks file's and an ad-hoc one's): it goes into messages.
	MaxMaintenanceReason = 200
	// maxCron bounds a cron expression, in bytes.
	maxCron = 100
)

var (
	// zonePattern is what an IANA zone name is made of; it is checked
	// before the name reaches time.LoadLocation, which reads files.
	zonePattern  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$`)
	clockPattern = regexp.MustCompile(`^([01]?[0-9]|2[0-3]):([0-5][0-9])$`)
	// whenPattern is the shape of start and end, for the schema.
	whenPattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?$`)
	// cronParser reads standard cron: five fields, or a descriptor.
	cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	// Layouts of start and end, with an offset and without (local time).
	offsetLayouts = []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04Z07:00", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04Z07:00"}
	localLayouts  = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"}
	weekdays      = map[string]time.Weekday{
		"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
		"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	}
)

// Schedule is when a maintenance window applies, as the checks file says.
type Schedule struct {
	// Zone is the window's time zone: its time_zone, else UTC.
	Zone *time.Location
	// Start and End bound a one-off window, in Zone; zero for a recurring one.
	Start, End time.Time
	// Duration is how long each occurrence of a recurring window lasts;
	// zero for a one-off.
	Duration time.Duration
	// starts gives a recurring window's starts on Zone's wall clock, read
	// as UTC times, where no clock change skips or repeats one.
	starts *cron.SpecSchedule
}

// Recurring reports whether the window repeats (cron or every).
func (s Schedule) Recurring() bool { return s.starts != nil }

// maxRepeats bounds the starts Next passes over after a clock is set back:
// those inside the repeated hour that already happened, the first time.
const maxRepeats = 24 * 60

// Next returns the first start of the window after t, in Zone, or the zero
// time when none is left.
//
// A recurring window starts when Zone's clock reads its time. When a clock
// change skips that time (02:30 on the day New York springs forward from
// 02:00 to 03:00) the occurrence starts when the clock jumps (03:00 EDT),
// and lasts its whole duration: the maintenance it covers still happens
// that night. Starts that fall in one skipped hour are one occurrence. When
// a clock change repeats that time (01:30 on the day New York falls back),
// it starts once, the first time (01:30 EDT).
func (s Schedule) Next(t time.Time) time.Time {
	if s.starts == nil {
		if s.Start.After(t) {
			return s.Start
		}
		return time.Time{}
	}
	wall := wallClock(t.In(s.Zone))
	for range maxRepeats {
		wall = s.starts.Next(wall)
		if wall.IsZero() {
			return time.Time{}
		}
		if at := firstReading(wall, s.Zone); at.After(t) {
			return at
		}
	}
	return time.Time{}
}

// wallClock is t's wall clock as a UTC time.
func wallClock(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	return time.Date(y, mo, d, h, mi, sec, t.Nanosecond(), time.UTC)
}

// firstReading is the first moment loc's clock reads wall (a wall clock
// written as a UTC time), or, when a clock change skips it, the moment the
// clock jumps past it.
func firstReading(wall time.Time, loc *time.Location) time.Time {
	at, jump := readings(wall, loc)
	if len(at) == 0 {
		return jump
	}
	return at[0]
}

// readings returns the moments, in order, at which loc's clock reads wall (a
// wall clock written as a UTC time): one, two when a clock set back repeats
// it, none when a clock set forward skips it, and then jump is when the
// clock jumped past it.
func readings(wall time.Time, loc *time.Location) (at []time.Time, jump time.Time) {
	// A moment u reads wall when u plus its offset is wall. Offsets lie
	// within a day of UTC, so only the zone's periods within a day of wall
	// can hold such a u: visit them in order (a few; bounded for any zone).
	t, until := wall.Add(-26*time.Hour), wall.Add(26*time.Hour)
	for range 16 {
		lt := t.In(loc)
		_, off := lt.Zone()
		start, end := lt.ZoneBounds()
		if u := wall.Add(-time.Duration(off) * time.Second); (start.IsZero() || !u.Before(start)) && (end.IsZero() || u.Before(end)) {
			at = append(at, u.In(loc))
		}
		if end.IsZero() || end.After(until) {
			break
		}
		// At end the clock goes from end+off to end+next: a gap if forward.
		if _, next := end.In(loc).Zone(); !wall.Before(end.Add(time.Duration(off)*time.Second)) && wall.Before(end.Add(time.Duration(next)*time.Second)) {
			jump = end.In(loc)
		}
		t = end
	}
	return at, jump
}

// Schedule returns the window's schedule. Load has read it already; a
// window Load did not check (one made in code) is read now, and the error
// says what is wrong with it.
func (m Maintenance) Schedule() (Schedule, error) {
	if m.schedule != nil {
		return *m.schedule, nil
	}
	var errs []error
	s, ok := m.read(func(field string, kind error, format string, args ...any) {
		if field == "" {
			field = "schedule"
		}
		errs = append(errs, fmt.Errorf("maintenance %s: %s: %w", m.ID, field, newProblem(kind, format, args...)))
	})
	if !ok {
		return Schedule{}, errors.Join(errs...)
	}
	return s, nil
}

// reporter places a problem at a field of a window ("" for the window).
type reporter func(field string, kind error, format string, args ...any)

// maintenance checks every window: its id, reason and areas here, its
// schedule in read, which Load keeps for Schedule.
func (v *validator) maintenance() {
	ws := v.c.Maintenance
	if len(ws) > MaxMaintenanceWindows {
		v.add("maintenance", ErrInvalid, "%d windows: at most %d", len(ws), MaxMaintenanceWindows)
		return
	}
	areas := make(map[string]string, len(v.c.Areas)) // lower-case id -> id
	for _, a := range v.c.Areas {
		areas[strings.ToLower(a.ID)] = a.ID
	}
	ids := map[string]int{}
	for i := range ws {
		m := &ws[i]
		p := fmt.Sprintf("maintenance[%d]", i)
		v.id("maintenance", i, m.ID, ids, "the window", "")
		switch {
		case strings.TrimSpace(m.Reason) == "":
			v.add(p+".reason", ErrRequired, "say why, in one line: it is shown to whoever would have been told")
		case strings.IndexFunc(m.Reason, unicode.IsControl) >= 0:
			v.add(p+".reason", ErrInvalid, "one line: no line breaks or control characters")
		case utf8.RuneCountInString(m.Reason) > MaxMaintenanceReason:
			v.add(p+".reason", ErrInvalid, "longer than %d characters", MaxMaintenanceReason)
		}
		v.windowAreas(p, m.Areas, areas)
		s, ok := m.read(func(field string, kind error, format string, args ...any) {
			if field != "" {
				field = "." + field
			}
			v.add(p+field, kind, format, args...)
		})
		if ok {
			m.schedule = &s
		}
	}
}

// windowAreas checks that a window names areas of the file (ids maps
// each in lower case to its id), each once.
func (v *validator) windowAreas(p string, list []string, ids map[string]string) {
	switch {
	case list != nil && len(list) == 0:
		v.add(p+".areas", ErrInvalid, "an empty list: leave areas out for the whole app")
		return
	case len(list) > len(v.c.Areas):
		v.add(p+".areas", ErrInvalid, "%d areas listed: the file has %d", len(list), len(v.c.Areas))
		return
	}
	seen := map[string]bool{}
	known := ""
	for j, id := range list {
		ap := fmt.Sprintf("%s.areas[%d]", p, j)
		switch written, ok := ids[strings.ToLower(id)]; {
		case !ok:
			if known == "" {
				known = v.areaList()
			}
			v.add(ap, ErrInvalid, "%q is not an area of the file (areas: %s)", id, known)
		case written != id:
			v.add(ap, ErrInvalid, "%q: write the area's id as it is written, %q", id, written)
		case seen[id]:
			v.add(ap, ErrDuplicate, "%q is listed twice", id)
		}
		seen[id] = true
	}
}

// areaList names the file's areas for a message, the first few of many.
func (v *validator) areaList() string {
	const most = 20
	ids := make([]string, 0, min(len(v.c.Areas), most))
	for i := range v.c.Areas {
		if i == most {
			return strings.Join(ids, ", ") + fmt.Sprintf(" and %d more", len(v.c.Areas)-most)
		}
		ids = append(ids, v.c.Areas[i].ID)
	}
	return strings.Join(ids, ", ")
}

// read checks the window's schedule and returns what it says; ok is false
// when a problem was reported.
func (m *Maintenance) read(report reporter) (s Schedule, ok bool) {
	ok = true
	fail := func(field string, kind error, format string, args ...any) {
		ok = false
		report(field, kind, format, args...)
	}
	s.Zone = time.UTC
	if m.TimeZone != "" {
		if loc, err := loadZone(m.TimeZone); err != nil {
			fail("time_zone", ErrInvalid, "%s", err)
		} else {
			s.Zone = loc
		}
	}
	var forms []string
	if m.Start != "" || m.End != "" {
		forms = append(forms, "start/end")
	}
	if m.Cron != "" {
		forms = append(forms, "cron")
	}
	if m.Every != nil {
		forms = append(forms, "every")
	}
	switch {
	case len(forms) == 0:
		fail("", ErrRequired, "give a schedule: start and end (one-off), or cron or every with duration and time_zone (recurring)")
	case len(forms) > 1:
		fail("", ErrConflict, "two schedules, %s: give one, start and end (one-off), cron or every (recurring)", strings.Join(forms, " and "))
	case m.Cron == "" && m.Every == nil:
		m.readOneOff(&s, fail)
	default:
		m.readRecurring(&s, fail)
	}
	if !ok {
		return Schedule{}, false
	}
	return s, true
}

// readOneOff reads start and end.
func (m *Maintenance) readOneOff(s *Schedule, fail reporter) {
	if m.Duration != 0 {
		fail("duration", ErrConflict, "a one-off window ends at end: duration goes with cron or every")
	}
	start, okStart := when(m.Start, "start", "end", m.TimeZone != "", s.Zone, fail)
	end, okEnd := when(m.End, "end", "start", m.TimeZone != "", s.Zone, fail)
	if !okStart || !okEnd {
		return
	}
	switch d := end.Sub(start); {
	case d <= 0:
		fail("end", ErrConflict, "%s is not after start %s", m.End, m.Start)
	case d < MinMaintenanceDuration:
		fail("end", ErrInvalid, "the window lasts %s: at least %s", FormatDuration(d), FormatDuration(MinMaintenanceDuration))
	case d > MaxMaintenanceDuration:
		fail("end", ErrInvalid, "the window lasts %s: at most 7 days (%s)", FormatDuration(d), FormatDuration(MaxMaintenanceDuration))
	}
	s.Start, s.End = start.In(s.Zone), end.In(s.Zone)
}

// when reads a one-off window's start or end: with an offset, or a local
// time in zone, which must read so exactly once (not skipped or repeated by
// a clock change).
func when(text, field, other string, zoneGiven bool, zone *time.Location, fail reporter) (time.Time, bool) {
	if text == "" {
		fail(field, ErrRequired, "give %s with %s", field, other)
		return time.Time{}, false
	}
	for _, l := range offsetLayouts {
		if t, err := time.Parse(l, text); err == nil {
			return t, true
		}
	}
	for _, l := range localLayouts {
		wall, err := time.Parse(l, text)
		if err != nil {
			continue
		}
		if !zoneGiven {
			fail(field, ErrRequired, "%s has no offset: give time_zone, or write the offset (%sZ, %s+01:00)", text, text, text)
			return time.Time{}, false
		}
		at, jump := readings(wall, zone)
		switch len(at) {
		case 0:
			fail(field, ErrInvalid, "%s does not exist in %s: the clock jumps forward at %s", text, zone, jump.Format(time.RFC3339))
			return time.Time{}, false
		case 1:
			return at[0], true
		}
		fail(field, ErrInvalid, "%s happens twice in %s (the clock is set back): write the offset, %s or %s",
			text, zone, at[0].Format(time.RFC3339), at[1].Format(time.RFC3339))
		return time.Time{}, false
	}
	fail(field, ErrInvalid, "%q is not a date and time: write e.g. 2026-12-06T02:00:00Z, 2026-12-06T02:00+01:00, or 2026-12-06T02:00 with time_zone", text)
	return time.Time{}, false
}

// readRecurring reads cron or every, duration and time_zone.
func (m *Maintenance) readRecurring(s *Schedule, fail reporter) {
	if m.TimeZone == "" {
		fail("time_zone", ErrRequired, "a recurring window needs time_zone: an IANA name such as Europe/London, or UTC")
	}
	d := m.Duration.D()
	durationOK := false
	switch {
	case d == 0:
		fail("duration", ErrRequired, "give how long each occurrence lasts (e.g. 2h)")
	case d < MinMaintenanceDuration:
		fail("duration", ErrInvalid, "%s: at least %s", FormatDuration(d), FormatDuration(MinMaintenanceDuration))
	case d > MaxMaintenanceDuration:
		fail("duration", ErrInvalid, "%s: at most 7 days (%s)", FormatDuration(d), FormatDuration(MaxMaintenanceDuration))
	default:
		durationOK = true
	}
	field := "cron"
	var starts *cron.SpecSchedule
	if m.Cron != "" {
		var err error
		if starts, err = parseCron(m.Cron); err != nil {
			fail("cron", ErrInvalid, "%s", err)
			return
		}
	} else {
		field = "every"
		if starts = m.Every.read(fail); starts == nil {
			return
		}
	}
	gap := shortestGap(starts, d)
	switch {
	case gap == 0:
		fail(field, ErrInvalid, "%q never starts: no such date", m.Cron)
	case durationOK && d >= gap:
		fail("duration", ErrConflict, "%s is not shorter than the %s between two starts: occurrences would overlap", FormatDuration(d), FormatDuration(gap))
	}
	s.starts, s.Duration = starts, d
}

// read turns the weekday form into the cron schedule it means.
func (e *Every) read(fail reporter) *cron.SpecSchedule {
	ok := true
	if len(e.Days) == 0 {
		fail("every.days", ErrRequired, "give the days of the week (mon, tue, wed, thu, fri, sat, sun)")
		ok = false
	}
	seen := map[time.Weekday]bool{}
	days := make([]string, 0, len(e.Days))
	for i, name := range e.Days {
		p := fmt.Sprintf("every.days[%d]", i)
		wd, known := weekday(name)
		switch {
		case !known:
			fail(p, ErrInvalid, "%q is not a day of the week: write mon, tue, wed, thu, fri, sat, sun or the full name", name)
			ok = false
		case seen[wd]:
			fail(p, ErrDuplicate, "%q is listed twice", name)
			ok = false
		}
		seen[wd] = true
		days = append(days, strconv.Itoa(int(wd)))
	}
	m := clockPattern.FindStringSubmatch(strings.TrimSpace(e.At))
	switch {
	case e.At == "":
		fail("every.at", ErrRequired, "give the time of day the window starts, HH:MM (24-hour)")
		ok = false
	case m == nil:
		fail("every.at", ErrInvalid, "%q is not a time of day: write HH:MM on a 24-hour clock (02:00, 23:30)", e.At)
		ok = false
	}
	if !ok {
		return nil
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	s, err := parseCron(fmt.Sprintf("%d %d * * %s", mi, h, strings.Join(days, ",")))
	if err != nil { // the fields above are valid by construction
		fail("every", ErrInvalid, "%s", err)
		return nil
	}
	return s
}

// weekday reads mon..sun or a full name, in any case.
func weekday(name string) (time.Weekday, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	if wd, ok := weekdays[name]; ok {
		return wd, true
	}
	if len(name) > 3 {
		if wd, ok := weekdays[name[:3]]; ok && strings.EqualFold(name, wd.String()) {
			return wd, true
		}
	}
	return 0, false
}

// parseCron reads a cron expression as starts on a wall clock (UTC).
func parseCron(spec string) (*cron.SpecSchedule, error) {
	spec = strings.TrimSpace(spec)
	switch {
	case len(spec) > maxCron:
		return nil, fmt.Errorf("longer than %d characters", maxCron)
	case strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ="):
		return nil, fmt.Errorf("%q: give the zone as time_zone, not in the expression", spec)
	case strings.HasPrefix(spec, "@every"):
		return nil, fmt.Errorf("%q: @every repeats from whenever it is read, not at set times: write the times as cron fields", spec)
	}
	sched, err := cronParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cron expression (minute hour day-of-month month day-of-week, or @daily, @weekly, @monthly, @yearly): %v", spec, err)
	}
	s, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("%q: want starts at set times", spec)
	}
	s.Location = time.UTC
	return s, nil
}

// loadZone loads an IANA time zone by name.
func loadZone(name string) (*time.Location, error) {
	if len(name) <= 64 && zonePattern.MatchString(name) && name != "Local" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc, nil
		}
	}
	return nil, fmt.Errorf("%q is not an IANA time zone (e.g. Europe/London, America/New_York, UTC)", name)
}

// shortestGap returns the least time between two consecutive starts of a
// wall-clock schedule, or 0 if it never starts. It stops looking once the
// gap is at most limit: that is enough to refuse it.
//
// A schedule starts at the same times on every day it starts on, so the
// gaps are those between the times of one day, and those from a day's last
// start to the next day's first. Which days it starts on repeats every 28
// years between 1901 and 2099, so 28 years from 2001 hold every gap.
func shortestGap(s *cron.SpecSchedule, limit time.Duration) time.Duration {
	const day = 24 * time.Hour
	from := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	until := from.AddDate(28, 0, 0)
	first := s.Next(from.Add(-time.Second))
	if first.IsZero() {
		return 0
	}
	on := first.Truncate(day)
	best, last := time.Duration(math.MaxInt64), first
	for t := s.Next(first); !t.IsZero() && t.Before(on.Add(day)); t = s.Next(t) {
		best, last = min(best, t.Sub(last)), t
		if best <= limit {
			return best
		}
	}
	firstOfDay, lastOfDay := first.Sub(on), last.Sub(on)
	// The days it starts on are the midnights of the same days, months and
	// weekdays (bit 0 of each time field: 00:00:00), which the parser finds
	// without stepping through the hours and minutes of each day.
	days := *s
	days.Second, days.Minute, days.Hour = 1, 1, 1
	for best > limit {
		next := days.Next(on.Add(day - time.Second))
		if next.IsZero() || !next.Before(until) {
			break
		}
		best = min(best, next.Add(firstOfDay).Sub(on.Add(lastOfDay)))
		if next.Sub(on) == day {
			break // no two days are closer
		}
		on = next
	}
	return best
}

// FormatDuration writes d as the checks file would: 2h, 1h30m, 90s.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
