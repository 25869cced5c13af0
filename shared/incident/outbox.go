package incident

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// maxLastError bounds the error text a failed message keeps.
const maxLastError = 300

// maxBackoff caps the wait between attempts of a failed message.
const maxBackoff = 30 * time.Minute

// queue decides one message: a snapshot of inc now, placed in the Outbox
// with Due = now + Lease. A newer update or reminder for the same incident
// and channel replaces one not yet delivered: it says all the older one would.
func (s *step) queue(inc *Incident, ch Channel, k Kind, before Told) {
	s.l.Seq++
	snap := inc.clone()
	if ch != Email || k != KindResolve {
		snap.Timeline, snap.TimelineDropped = nil, 0
	}
	m := Message{
		ID:      fmt.Sprintf("%s/%d/%s", inc.ID, s.l.Seq, ch),
		Channel: ch, Kind: k, Incident: snap, Before: before.clone(),
		Due: after(s.now, s.p.Lease),
	}
	if pending(k) {
		s.l.Outbox = slices.DeleteFunc(s.l.Outbox, func(o Message) bool {
			replaced := o.Incident.ID == inc.ID && o.Channel == ch && pending(o.Kind)
			if replaced {
				// Its changes were never told: the newer one says them too.
				m.Before = o.Before.clone()
			}
			return replaced
		})
	}
	s.l.Outbox = append(s.l.Outbox, m)
	s.decided = append(s.decided, m.ID)
	for len(s.l.Outbox) > MaxOutbox {
		s.dropOldest("the outbox is full")
	}
}

// pending says a message kind tells of the incident's progress, which a
// newer message of the same channel or the resolve makes moot.
func pending(k Kind) bool { return k == KindUpdate || k == KindReminder }

// dropPending removes the undelivered updates and reminders of an incident
// that resolves.
func (s *step) dropPending(id string) {
	s.l.Outbox = slices.DeleteFunc(s.l.Outbox, func(o Message) bool {
		return o.Incident.ID == id && pending(o.Kind)
	})
}

// dropOldest removes the oldest undelivered message, saying why in its
// incident's timeline.
func (s *step) dropOldest(why string) {
	m := s.l.Outbox[0]
	s.l.Outbox = slices.Delete(s.l.Outbox, 0, 1)
	s.undelivered(m, why)
}

// undelivered notes in the incident's timeline (open or closed) that a
// message was not delivered.
func (s *step) undelivered(m Message, why string) {
	if inc := s.l.incident(m.Incident.ID); inc != nil {
		inc.noteAt(s.now, fmt.Sprintf("%s %s not delivered: %s", m.Channel, m.Kind, why))
	}
}

// fit keeps the ledger's document within MaxDocument: the oldest closed
// incidents go first (the caller should have archived them), then the oldest
// undelivered updates and reminders, then opens; never a resolve. Only a channel down for hours while incidents
// of dozens of members come and go gets here.
func (s *step) fit() {
	size := jsonSize(s.l)
	for size > MaxDocument && len(s.l.Closed) > 0 {
		size -= jsonSize(s.l.Closed[0]) + 1
		s.l.Closed = slices.Delete(s.l.Closed, 0, 1)
	}
	// The pager's resolve is never dropped: it is what closes the alert.
	// Updates and reminders go first, then opens; then the resolves shrink
	// (the pager's needs only the incident's id, the others lose their
	// timeline), and only then do the email and SMS resolves go.
	drop := func(droppable func(Message) bool) {
		for size > MaxDocument {
			i := slices.IndexFunc(s.l.Outbox, droppable)
			if i < 0 {
				return
			}
			size -= jsonSize(s.l.Outbox[i]) + 1
			m := s.l.Outbox[i]
			s.l.Outbox = slices.Delete(s.l.Outbox, i, i+1)
			s.undelivered(m, "the ledger is full")
		}
	}
	shrink := func(what func(*Message)) {
		for i := range s.l.Outbox {
			if size <= MaxDocument {
				return
			}
			m := &s.l.Outbox[i]
			if m.Kind != KindResolve {
				continue
			}
			was := jsonSize(*m)
			what(m)
			size -= was - jsonSize(*m)
		}
	}
	drop(func(m Message) bool { return pending(m.Kind) })
	drop(func(m Message) bool { return m.Kind != KindResolve })
	shrink(func(m *Message) {
		if m.Channel == Pager {
			m.Incident = Incident{ID: m.Incident.ID, App: m.Incident.App, Opened: m.Incident.Opened, Resolved: m.Incident.Resolved}
			m.Before = Told{}
		}
	})
	shrink(func(m *Message) { m.Incident.Timeline, m.Incident.TimelineDropped = nil, 0 })
	drop(func(m Message) bool { return m.Kind == KindResolve && m.Channel != Pager })
}

// jsonSize is the size of v's JSON document. A value that does not marshal
// (a time past year 9999) counts as empty: the store's own marshal reports it.
func jsonSize(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return len(b)
}

// Sent removes delivered messages from the Outbox. Unknown ids are ignored,
// so a caller may repeat it on a ledger re-read after a conflicting write.
func Sent(l Ledger, ids []string) Ledger {
	if !slices.ContainsFunc(l.Outbox, func(m Message) bool { return slices.Contains(ids, m.ID) }) {
		return l
	}
	l = l.clone()
	l.Outbox = slices.DeleteFunc(l.Outbox, func(m Message) bool { return slices.Contains(ids, m.ID) })
	l.tidy()
	return l
}

// Failed records a failed attempt to deliver a message: Attempts+1, the
// error (bounded), and Due after a backoff of 1, 2, 4 ... minutes, at most
// 30. After p.MaxAttempts attempts the message is given up: it leaves the
// Outbox and its incident's timeline (open or closed) says what was not
// delivered. An unknown id is ignored, as in Sent.
func Failed(l Ledger, id string, err string, now time.Time, p Policy) Ledger {
	i := slices.IndexFunc(l.Outbox, func(m Message) bool { return m.ID == id })
	if i < 0 {
		return l
	}
	s := begin(l, nil, now.UTC(), p)
	m := &s.l.Outbox[i]
	m.Attempts++
	m.LastError = bound(err, maxLastError)
	if m.Attempts >= s.p.MaxAttempts {
		gone := *m
		s.l.Outbox = slices.Delete(s.l.Outbox, i, i+1)
		plural := "s"
		if gone.Attempts == 1 {
			plural = ""
		}
		s.undelivered(gone, fmt.Sprintf("gave up after %d attempt%s: %s", gone.Attempts, plural, gone.LastError))
	} else {
		m.Due = s.now.Add(backoff(m.Attempts))
	}
	// The error text is bounded; the next Apply or Tick fits the document.
	s.l.tidy()
	return s.l
}

// backoff is the wait after the n-th failed attempt.
func backoff(n int) time.Duration {
	if n > 6 {
		return maxBackoff
	}
	return min(time.Minute<<(n-1), maxBackoff)
}

// bound cuts s to at most n bytes on a character boundary, marking the cut.
func bound(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	n -= len("…")
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
