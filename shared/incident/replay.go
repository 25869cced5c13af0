package incident

import (
	"time"

	"github.com/lookout-monitoring/lookout/shared/maintenance"
)

// Replay drives one app's ledger through a scenario the way the notifier
// does, for tests and the demo: notifications go through Apply, the minute
// tick through Tick with the alarms' true state, and every message handed
// out is delivered (or failed, through Send) and reported back.
type Replay struct {
	Ledger  Ledger
	Policy  Policy
	Windows []maintenance.Window
	// Truth is what DescribeAlarms would say: Happen and Lose keep it; a
	// test may edit it (delete an alarm whose area was removed).
	Truth map[string]Truth
	// Send delivers one handed-out message; nil delivers every one. An
	// error is reported through Failed, and the tick hands the message out
	// again after its backoff.
	Send func(Message) error
	// Log is every message handed out, in order; a retried one each time.
	Log []Message
}

// NewReplay starts a replay of app with an empty ledger.
func NewReplay(app string, p Policy, ws ...maintenance.Window) *Replay {
	return &Replay{Ledger: Ledger{App: app}, Policy: p, Windows: ws, Truth: map[string]Truth{}}
}

// Happen makes an alarm change state at c.Since (zero: now) and delivers its
// notification at now.
func (r *Replay) Happen(c Change, now time.Time) []Message {
	c = r.Lose(c, now)
	return r.Deliver(c, now)
}

// Lose makes an alarm change state whose notification is lost: only the
// tick can learn of it. It returns the change with its Since set.
func (r *Replay) Lose(c Change, now time.Time) Change {
	c = c.normalized(now.UTC())
	r.Truth[c.Alarm.String()] = Truth{State: c.State, Since: c.Since, Severity: c.Severity, Area: c.Area}
	return c
}

// Deliver delivers a notification at now without changing the truth: a
// repeated or late delivery.
func (r *Replay) Deliver(c Change, now time.Time) []Message {
	var ms []Message
	r.Ledger, ms = Apply(r.Ledger, c, r.Windows, now, r.Policy)
	return r.send(ms, now)
}

// Tick runs the minute tick at now.
func (r *Replay) Tick(now time.Time) []Message {
	var ms []Message
	r.Ledger, ms = Tick(r.Ledger, r.Truth, r.Windows, now, r.Policy)
	return r.send(ms, now)
}

// Run replays a script of minutes 0 to minutes-1 from start: at each minute
// the changes of that minute happen (a zero Since is the minute) and are
// delivered, then the tick runs.
func (r *Replay) Run(start time.Time, minutes int, script map[int][]Change) {
	for m := range minutes {
		now := start.Add(time.Duration(m) * time.Minute)
		for _, c := range script[m] {
			r.Happen(c, now)
		}
		r.Tick(now)
	}
}

func (r *Replay) send(ms []Message, now time.Time) []Message {
	var sent []string
	for _, m := range ms {
		r.Log = append(r.Log, m)
		if r.Send == nil {
			sent = append(sent, m.ID)
			continue
		}
		if err := r.Send(m); err != nil {
			r.Ledger = Failed(r.Ledger, m.ID, err.Error(), now, r.Policy)
			continue
		}
		sent = append(sent, m.ID)
	}
	r.Ledger = Sent(r.Ledger, sent)
	return ms
}

// Count is how many distinct messages of a channel and kind were handed out.
func (r *Replay) Count(ch Channel, k Kind) int {
	seen := map[string]bool{}
	for _, m := range r.Log {
		if m.Channel == ch && m.Kind == k {
			seen[m.ID] = true
		}
	}
	return len(seen)
}

// Counts is Count of every channel and kind handed out, keyed "pager open".
func (r *Replay) Counts() map[string]int {
	seen := map[string]bool{}
	out := map[string]int{}
	for _, m := range r.Log {
		if !seen[m.ID] {
			seen[m.ID] = true
			out[string(m.Channel)+" "+string(m.Kind)]++
		}
	}
	return out
}
