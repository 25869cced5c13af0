package incident

import (
	"maps"
	"slices"
	"time"
)

// Bounds of the ledger, so that its document stays far below DynamoDB's
// 400 KB item limit however long an incident lasts or a channel stays down.
const (
	// MaxTimeline is the most events an incident's timeline holds.
	MaxTimeline = 200
	// TimelineHead is how many of the first events are always kept: the
	// start of an outage is what its resolve email must tell.
	TimelineHead = 100
	// MaxClosed is the most resolved incidents kept for the caller to archive.
	MaxClosed = 20
	// MaxOutbox is the most messages waiting to be delivered.
	MaxOutbox = 100
	// MaxDocument is the most bytes the ledger's JSON document may take: past
	// it the oldest closed incidents, then the oldest undelivered messages,
	// are dropped. A ledger too big to store would stop every page.
	MaxDocument = 300_000
)

// clone returns a deep copy, so that no result shares a map or slice with
// the ledger the caller passed in.
func (l Ledger) clone() Ledger {
	l.Alarms = maps.Clone(l.Alarms)
	if l.Open != nil {
		o := l.Open.clone()
		l.Open = &o
	}
	l.Closed = slices.Clone(l.Closed)
	for i := range l.Closed {
		l.Closed[i] = l.Closed[i].clone()
	}
	l.SMS = slices.Clone(l.SMS)
	l.Outbox = slices.Clone(l.Outbox)
	for i := range l.Outbox {
		l.Outbox[i] = l.Outbox[i].clone()
	}
	return l
}

func (inc Incident) clone() Incident {
	inc.Members = slices.Clone(inc.Members)
	inc.Timeline = slices.Clone(inc.Timeline)
	inc.Told = inc.Told.clone()
	return inc
}

func (t Told) clone() Told {
	t.Firing = slices.Clone(t.Firing)
	return t
}

func (m Message) clone() Message {
	m.Incident = m.Incident.clone()
	m.Before = m.Before.clone()
	return m
}

// tidy makes every empty map and slice nil: the JSON document omits them and
// reads them back as nil, so a ledger equals itself after a round trip.
func (l *Ledger) tidy() {
	if len(l.Alarms) == 0 {
		l.Alarms = nil
	}
	if l.Open != nil {
		l.Open.tidy()
	}
	l.Closed = nilIfEmpty(l.Closed)
	for i := range l.Closed {
		l.Closed[i].tidy()
	}
	l.SMS = nilIfEmpty(l.SMS)
	l.Outbox = nilIfEmpty(l.Outbox)
	for i := range l.Outbox {
		l.Outbox[i].Incident.tidy()
		l.Outbox[i].Before.Firing = nilIfEmpty(l.Outbox[i].Before.Firing)
	}
}

func (inc *Incident) tidy() {
	inc.Members = nilIfEmpty(inc.Members)
	inc.Timeline = nilIfEmpty(inc.Timeline)
	inc.Told.Firing = nilIfEmpty(inc.Told.Firing)
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// note appends an event to the timeline, keeping the first TimelineHead
// events and the latest ones: the one after the head is dropped when full.
func (inc *Incident) note(e Event) {
	if len(inc.Timeline) >= MaxTimeline {
		inc.Timeline = slices.Delete(inc.Timeline, TimelineHead, TimelineHead+1)
		inc.TimelineDropped++
	}
	inc.Timeline = append(inc.Timeline, e)
}

// noteAt appends a note that belongs to no alarm.
func (inc *Incident) noteAt(at time.Time, note string) {
	inc.note(Event{At: at, Note: note})
}

// incident returns the open or closed incident with id, or nil when it has
// been archived.
func (l *Ledger) incident(id string) *Incident {
	if l.Open != nil && l.Open.ID == id {
		return l.Open
	}
	for i := range l.Closed {
		if l.Closed[i].ID == id {
			return &l.Closed[i]
		}
	}
	return nil
}

// member returns the incident's member for an alarm name, or nil.
func (inc *Incident) member(name string) *Member {
	for i := range inc.Members {
		if inc.Members[i].Alarm == name {
			return &inc.Members[i]
		}
	}
	return nil
}
