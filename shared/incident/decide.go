package incident

import (
	"fmt"
	"slices"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/maintenance"
)

// decide is the one place that says what people are told of the open
// incident at now: announce it, update it now or in the next batch, tell the
// pager of a severity rise, remind, resolve, or stay quiet. Its memory is the
// incident itself (Told, LastUpdate, LastEmail, UpdateDue), so it runs the
// same after a change and on a tick.
func (s *step) decide() {
	inc := s.l.Open
	if inc == nil {
		return
	}
	s.unmute(inc)
	inc.settle()
	if !inc.AllOKSince.IsZero() && !s.now.Before(after(inc.AllOKSince, s.p.Settle)) {
		s.resolve()
		return
	}
	cur := inc.current()
	if inc.Announced.IsZero() {
		if len(cur.Firing) > 0 {
			s.announce(inc, cur)
		}
		return
	}
	// While settling nothing fires: the resolve will say it, or a member
	// that fires again makes the change material anew.
	settling := !inc.AllOKSince.IsZero()
	if settling || cur.equal(inc.Told) {
		inc.UpdateDue = time.Time{}
	} else {
		s.update(inc, cur)
	}
	if !settling && s.p.RemindEvery > 0 && !s.now.Before(inc.LastEmail.Add(s.p.RemindEvery)) {
		inc.LastEmail = s.now
		s.queue(inc, Email, KindReminder, inc.Told)
	}
}

// current is what people would be told now: the firing, unmuted members and
// their highest severity. It updates the incident's severity; with none
// firing unmuted, the severity is kept.
func (inc *Incident) current() Told {
	var t Told
	for _, m := range inc.Members {
		if m.Firing() && !m.Muted {
			t.Firing = append(t.Firing, m.Alarm)
			if m.Severity.Rank() > t.Severity.Rank() {
				t.Severity = m.Severity
			}
		}
	}
	slices.Sort(t.Firing)
	if len(t.Firing) > 0 {
		inc.Severity = t.Severity
		if t.Severity.Rank() > inc.Peak.Rank() {
			inc.Peak = t.Severity
		}
	}
	t.Severity = inc.Severity
	return t
}

func (t Told) equal(u Told) bool {
	return t.Severity == u.Severity && slices.Equal(t.Firing, u.Firing)
}

// unmute releases the firing members whose maintenance window has ended:
// an area still failing then is told at the end of the window, since its
// alarm will not change state again to say so.
func (s *step) unmute(inc *Incident) {
	for i := range inc.Members {
		m := &inc.Members[i]
		if !m.Muted || !m.Firing() {
			continue
		}
		if w, ok := maintenance.Covering(s.ws, m.Area, s.now); ok {
			m.MutedBy = w.ID
			continue
		}
		inc.note(Event{At: s.now, Alarm: m.Alarm, State: m.State, Note: "unmuted: maintenance window " + m.MutedBy + " ended"})
		m.Muted, m.MutedBy = false, ""
	}
}

// announce tells everyone of the incident for the first time.
func (s *step) announce(inc *Incident, cur Told) {
	inc.Announced = s.now
	inc.Told, inc.PagerSeverity = cur, cur.Severity
	inc.LastUpdate, inc.LastEmail, inc.UpdateDue = s.now, s.now, time.Time{}
	s.queue(inc, Pager, KindOpen, Told{})
	s.queue(inc, Email, KindOpen, Told{})
	if cur.Severity == check.Critical {
		s.openSMS(inc)
	}
}

// update tells of a material change: to email and pager now, or in the next
// batch when the last update is too recent. A severity rise goes to the pager
// at once, and may be the first reason for an SMS.
func (s *step) update(inc *Incident, cur Told) {
	before := inc.Told
	rise := cur.Severity.Rank() > inc.PagerSeverity.Rank()
	if s.p.UpdateEvery <= 0 || !s.now.Before(inc.LastUpdate.Add(s.p.UpdateEvery)) {
		inc.Told, inc.PagerSeverity = cur, cur.Severity
		inc.LastUpdate, inc.LastEmail, inc.UpdateDue = s.now, s.now, time.Time{}
		s.queue(inc, Pager, KindUpdate, before)
		s.queue(inc, Email, KindUpdate, before)
	} else {
		inc.UpdateDue = inc.LastUpdate.Add(s.p.UpdateEvery)
		if rise {
			inc.PagerSeverity = cur.Severity
			s.queue(inc, Pager, KindUpdate, before)
		}
	}
	if rise && cur.Severity == check.Critical && !inc.SMSOpened {
		s.openSMS(inc)
	}
}

// openSMS queues the incident's open SMS unless the per-hour cap is reached.
func (s *step) openSMS(inc *Incident) {
	s.pruneSMS()
	if s.p.SMSPerHour <= 0 || len(s.l.SMS) >= s.p.SMSPerHour {
		inc.noteAt(s.now, fmt.Sprintf("SMS not sent: %d in the last hour", len(s.l.SMS)))
		return
	}
	s.l.SMS = append(s.l.SMS, s.now)
	inc.SMSOpened = true
	s.queue(inc, SMS, KindOpen, Told{})
}

// pruneSMS forgets the SMS older than the cap's hour.
func (s *step) pruneSMS() {
	s.l.SMS = slices.DeleteFunc(s.l.SMS, func(t time.Time) bool { return s.now.Sub(t) >= time.Hour })
}

// resolve closes the open incident. Its messages go out whenever it was
// announced: a maintenance window never suppresses a resolve, nor does the
// SMS cap. An incident nobody was told of closes silently.
func (s *step) resolve() {
	inc := s.l.Open
	inc.Resolved, inc.UpdateDue = s.now, time.Time{}
	// Members still failing inside a maintenance window did not hold the
	// incident people were told of open; they go on, unannounced, in an
	// incident of their own, told if they outlast the window.
	var held []Member
	inc.Members = slices.DeleteFunc(inc.Members, func(m Member) bool {
		if m.Firing() && m.Muted {
			held = append(held, m)
			return true
		}
		return false
	})
	if inc.Announced.IsZero() {
		inc.noteAt(s.now, "resolved; nobody was told: it fired only inside maintenance windows")
	} else {
		inc.noteAt(s.now, "resolved")
		s.dropPending(inc.ID)
		s.queue(inc, Pager, KindResolve, inc.Told)
		s.queue(inc, Email, KindResolve, inc.Told)
		if inc.SMSOpened {
			s.queue(inc, SMS, KindResolve, inc.Told)
		}
	}
	s.l.Closed = append(s.l.Closed, *inc)
	if over := len(s.l.Closed) - MaxClosed; over > 0 {
		s.l.Closed = slices.Delete(s.l.Closed, 0, over)
	}
	s.l.Open = nil
	if len(held) > 0 {
		first := held[0]
		name, _ := alarm.ParseAlarmName(first.Alarm)
		next := s.open(Change{Alarm: name, State: alarm.StateAlarm, Since: first.FirstFired, Severity: first.Severity, Area: first.Area})
		next.Members = held
		next.noteAt(s.now, "carried over, still muted, from incident "+inc.ID+", which resolved")
	}
}
