package incident

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/maintenance"
)

// Apply applies one alarm change at now and returns the new ledger and the
// messages decided now. They are also in the ledger's Outbox with
// Due = now + Lease: the caller is sending them, and reports back with Sent
// or Failed.
//
// A change whose state equals the alarm's known state is a repeated delivery,
// and one not after the known state's Since arrived out of order: both leave
// the ledger as it was and decide nothing, so SNS's at-least-once delivery
// sends each message once. After the change, Apply decides what time allows
// at now just as Tick does (an update that is due, a resolve whose settle
// time has passed), so a decision never waits for the tick needlessly.
func Apply(l Ledger, c Change, ws []maintenance.Window, now time.Time, p Policy) (Ledger, []Message) {
	now = now.UTC()
	c = c.normalized(now)
	if !l.news(c) {
		return l, nil
	}
	s := begin(l, ws, now, p)
	s.change(c)
	s.decide()
	return s.end(false)
}

// Tick reconciles the ledger with the alarms' true state and does what time
// decides.
//
// truth maps every Lookout alarm of the app that exists now (from
// DescribeAlarms, every page of it) to its state. Its differences from the
// ledger are applied as changes (Source "tick"), so a lost SNS delivery is
// repaired within a tick; an alarm the ledger knows that is missing from truth
// no longer exists (its area was removed): it is treated as OK at now and
// forgotten. A nil truth (DescribeAlarms failed) skips the reconcile and
// still does the rest.
//
// Then Tick unmutes the members whose maintenance window has ended (which
// announces or updates), resolves an incident whose members have all been OK
// for Settle, sends a due batched update and a due reminder, and hands out
// the Outbox messages whose Due has passed (Due = now + Lease; Attempts
// changes only when the caller reports Failed). It returns the messages
// decided now and those handed out again, in Outbox order.
func Tick(l Ledger, truth map[string]Truth, ws []maintenance.Window, now time.Time, p Policy) (Ledger, []Message) {
	now = now.UTC()
	s := begin(l, ws, now, p)
	if truth != nil {
		s.reconcile(truth)
	}
	s.decide()
	return s.end(true)
}

// step is one call of Apply or Tick: a private copy of the ledger being
// changed, and the messages decided on it.
type step struct {
	l       Ledger
	ws      []maintenance.Window
	now     time.Time
	p       Policy
	decided []string // ids of the messages decided in this step
}

func begin(l Ledger, ws []maintenance.Window, now time.Time, p Policy) *step {
	return &step{l: l.clone(), ws: ws, now: now, p: p}
}

// end bounds and tidies the ledger and returns it with the messages decided
// in this step and, for a tick, those handed out again.
func (s *step) end(handOut bool) (Ledger, []Message) {
	s.pruneSMS()
	s.forget()
	s.fit()
	s.l.tidy()
	var out []Message
	// One message of an incident's channel at a time, oldest first: a
	// trigger that failed and waits for its retry must not be overtaken by
	// its resolve, or the pager would hold an alert nobody closes.
	ahead := map[string]bool{}
	for i := range s.l.Outbox {
		m := &s.l.Outbox[i]
		lane := m.Incident.ID + "\x00" + string(m.Channel)
		blocked := ahead[lane]
		ahead[lane] = true
		if blocked {
			if slices.Contains(s.decided, m.ID) {
				m.Due = s.now // a tick hands it out once the older one is done
			}
			continue
		}
		switch {
		case slices.Contains(s.decided, m.ID):
		case handOut && !m.Due.After(s.now):
			m.Due = after(s.now, s.p.Lease)
		default:
			continue
		}
		out = append(out, m.clone())
	}
	return s.l, out
}

// maxSkew is how far after now a change's Since is believed. A later one
// (a malformed notification, a clock far off) counts as now: else it would
// make every real change of the alarm look stale until that time.
const maxSkew = 5 * time.Minute

func (c Change) normalized(now time.Time) Change {
	if c.Since.IsZero() || c.Since.After(now.Add(maxSkew)) {
		c.Since = now
	}
	c.Since = c.Since.UTC()
	return c
}

// news says whether a change is one for this ledger: a Lookout alarm of its
// app, in a known state, different from the state known and newer.
func (l *Ledger) news(c Change) bool {
	switch c.Alarm.Kind {
	case alarm.KindDown, alarm.KindSlow, alarm.KindSilent:
	default:
		return false
	}
	switch c.State {
	case alarm.StateAlarm, alarm.StateOK, alarm.StateInsufficient:
	default:
		return false
	}
	if l.App != "" && c.Alarm.App != l.App {
		return false
	}
	known, ok := l.Alarms[c.Alarm.String()]
	if !ok {
		// An alarm the ledger does not know is not firing: only its ALARM
		// is news. So a deploy's thousands of first OKs write nothing.
		return c.State == alarm.StateAlarm
	}
	return known.State != c.State && c.Since.After(known.Since)
}

// forgetAfter is how long the state of an alarm that is not firing, and no
// member of the open incident, is kept: long enough to know a late,
// repeated ALARM delivery for stale, short enough that the ledger holds
// only the alarms that fired lately, whatever the number of areas.
const forgetAfter = time.Hour

// forget drops the states forgetAfter allows.
func (s *step) forget() {
	for name, a := range s.l.Alarms {
		if a.State == alarm.StateAlarm || s.now.Sub(a.Since) < forgetAfter {
			continue
		}
		if s.l.Open != nil && s.l.Open.member(name) != nil {
			continue
		}
		delete(s.l.Alarms, name)
	}
}

// reconcile applies the differences between truth and the ledger in the
// order they happened (then by alarm name), so that a tick repairing a lost
// storm opens the incident with the alarm that fired first.
func (s *step) reconcile(truth map[string]Truth) {
	var cs []Change
	for name, t := range truth {
		if n, ok := alarm.ParseAlarmName(name); ok {
			cs = append(cs, Change{Alarm: n, State: t.State, Since: t.Since, Severity: t.Severity, Area: t.Area, Source: "tick"}.normalized(s.now))
		}
	}
	slices.SortFunc(cs, func(a, b Change) int {
		return cmp.Or(a.Since.Compare(b.Since), cmp.Compare(a.Alarm.String(), b.Alarm.String()))
	})
	for _, c := range cs {
		if s.l.news(c) {
			s.change(c)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.l.Alarms)) {
		if _, ok := truth[name]; ok {
			continue
		}
		if n, ok := alarm.ParseAlarmName(name); ok {
			// Deleted is final: even when the known state looks newer than
			// now (clocks differ), the alarm leaves before it is forgotten.
			since := s.now
			if known := s.l.Alarms[name]; !since.After(known.Since) {
				since = known.Since.Add(time.Nanosecond)
			}
			c := Change{Alarm: n, State: alarm.StateOK, Since: since, Severity: check.Warning, Source: "tick: the alarm no longer exists"}
			if s.l.Open != nil {
				if m := s.l.Open.member(name); m != nil {
					c.Severity, c.Area = m.Severity, m.Area
				}
			}
			if s.l.news(c) {
				s.change(c)
			}
		}
		delete(s.l.Alarms, name)
	}
}

// change records c and joins it to, or takes it from, the open incident.
func (s *step) change(c Change) {
	name := c.Alarm.String()
	if s.l.App == "" {
		s.l.App = c.Alarm.App
	}
	if s.l.Alarms == nil {
		s.l.Alarms = map[string]AlarmState{}
	}
	s.l.Alarms[name] = AlarmState{State: c.State, Since: c.Since}

	inc := s.l.Open
	if c.State == alarm.StateAlarm {
		if inc == nil {
			inc = s.open(c)
		}
		s.join(inc, c)
		return
	}
	if inc == nil {
		return
	}
	m := inc.member(name)
	if m == nil {
		return
	}
	wasFiring := m.Firing()
	m.State, m.Since = c.State, c.Since
	if !wasFiring {
		return
	}
	note := "left"
	if m.Muted {
		note = "left while muted"
	}
	inc.note(Event{At: c.Since, Alarm: name, State: c.State, Note: note, Source: c.Source})
	inc.settle()
}

// holds says whether a member keeps the incident open: it fires, and it is
// not held back by a maintenance window once people were told of the
// incident. (Before that, a muted member is all the incident is.)
func (inc *Incident) holds(m Member) bool {
	return m.Firing() && (!m.Muted || inc.Announced.IsZero())
}

// settle sets AllOKSince: zero while a member holds the incident open, else
// the latest time a member changed state, so deliveries out of order still
// give the right time.
func (inc *Incident) settle() {
	if slices.ContainsFunc(inc.Members, inc.holds) {
		inc.AllOKSince = time.Time{}
		return
	}
	var last time.Time
	for _, m := range inc.Members {
		if !m.Firing() && m.Since.After(last) {
			last = m.Since
		}
	}
	inc.AllOKSince = last
}

// open starts the app's incident with c's alarm.
func (s *step) open(c Change) *Incident {
	id := incidentID(c)
	for n := 2; s.l.incident(id) != nil; n++ {
		id = incidentID(c) + "-" + strconv.Itoa(n)
	}
	s.l.Open = &Incident{ID: id, App: c.Alarm.App, Opened: c.Since, Severity: c.Severity}
	return s.l.Open
}

// join makes c's alarm a firing member of inc, muted when a maintenance
// window covers its area at the time it fired.
func (s *step) join(inc *Incident, c Change) {
	name := c.Alarm.String()
	m := inc.member(name)
	note := "joined"
	if m == nil {
		inc.Members = append(inc.Members, Member{Alarm: name, Kind: c.Alarm.Kind, FirstFired: c.Since})
		m = &inc.Members[len(inc.Members)-1]
		if len(inc.Members) == 1 {
			note = "opened"
		}
	} else {
		note = "rejoined"
	}
	m.Area, m.Severity, m.State, m.Since = c.Area, c.Severity, c.State, c.Since
	m.Muted, m.MutedBy = false, ""
	if w, ok := maintenance.Covering(s.ws, c.Area, c.Since); ok {
		m.Muted, m.MutedBy = true, w.ID
		note += " muted: " + windowText(w)
	}
	inc.settle()
	inc.note(Event{At: c.Since, Alarm: name, State: c.State, Note: note, Source: c.Source})
}

func windowText(w maintenance.Window) string {
	if w.Reason == "" {
		return "maintenance window " + w.ID
	}
	return fmt.Sprintf("maintenance window %s (%s)", w.ID, w.Reason)
}

// incidentID names an incident after the alarm that opened it and when:
// "20261202T010200Z-boards-down". It is the pager's dedup key, so it holds
// only lower-case letters, digits and dashes.
func incidentID(c Change) string {
	var b strings.Builder
	b.WriteString(c.Since.UTC().Format("20060102T150405Z"))
	for _, part := range []string{c.Alarm.Subject, string(c.Alarm.Kind)} {
		b.WriteByte('-')
		dash := false
		for _, r := range strings.ToLower(part) {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
				dash = false
			} else if !dash {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	return b.String()
}
