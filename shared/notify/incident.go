package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

// IncidentKind is what one message about an incident says.
type IncidentKind string

// Incident messages. The ledger (package incident) decides which goes out
// when; this package only renders and sends them.
const (
	IncidentOpen     IncidentKind = "open"     // the first message of an outage
	IncidentUpdate   IncidentKind = "update"   // members joined or left, or the severity changed
	IncidentReminder IncidentKind = "reminder" // still open (email only)
	IncidentResolve  IncidentKind = "resolve"  // every member is OK again
)

// IncidentNotice is one message about one incident: everything a channel
// renders it from. It is a snapshot: what the ledger knew when it decided
// the message, plus the per-location detail read when it is sent.
type IncidentNotice struct {
	// ID is the incident's id in the ledger; App its application.
	ID, App string
	Kind    IncidentKind
	// Test marks a test incident (lookout test-page): every message says so.
	Test bool
	// Opened is when its first member people were told of fired; Resolved
	// when it resolved (zero while open); Ended when its last member
	// recovered (the settle time later, it resolved).
	Opened, Resolved, Ended time.Time
	// Severity is the highest severity of its firing members.
	Severity check.Severity
	// Members are its alarms in the order they joined.
	Members []Member
	// Changes say, for an update, what changed since the last message.
	Changes []string
	// Timeline is what happened, oldest first (the resolve message shows it);
	// TimelineDropped counts older entries the ledger no longer keeps.
	Timeline        []TimelineEntry
	TimelineDropped int
	// RemindEvery is how often reminders go out while it lasts (0: never),
	// for the messages' last line.
	RemindEvery time.Duration
}

// Member is one alarm of an incident.
type Member struct {
	// Alarm describes it in the words of the checks file; State and Since
	// are its latest state.
	Alarm
	// FirstFired is when it first fired in this incident.
	FirstFired time.Time
	// Muted names the maintenance window it fired in ("" when none): a muted
	// member is listed but pages nobody.
	Muted string
	// Details are its per-location figures, read when the message is sent.
	Details Details
}

// TimelineEntry is one thing that happened to an incident.
type TimelineEntry struct {
	At   time.Time
	Text string
}

// Firing says whether the member is in ALARM.
func (m *Member) Firing() bool { return m.State == alarm.StateAlarm }

// maxMembersNamed bounds how many members a one-line summary names; the
// rest are counted ("and 4 more").
const maxMembersNamed = 6

// firing returns the members in ALARM that are not muted, and the muted ones.
func (n *IncidentNotice) firing() (told, muted []*Member) {
	for i := range n.Members {
		m := &n.Members[i]
		switch {
		case !m.Firing():
		case m.Muted != "":
			muted = append(muted, m)
		default:
			told = append(told, m)
		}
	}
	return told, muted
}

// Word is the first word of a subject or SMS: the worst kind among the
// firing members (DOWN before SLOW before SILENT), or RESOLVED.
func (n *IncidentNotice) Word() string {
	if n.Kind == IncidentResolve {
		return "RESOLVED"
	}
	told, _ := n.firing()
	best := ""
	for _, k := range []alarm.Kind{alarm.KindDown, alarm.KindSlow, alarm.KindSilent} {
		if slices.ContainsFunc(told, func(m *Member) bool { return m.Kind == k }) {
			best = strings.ToUpper(string(k))
			break
		}
	}
	if best == "" {
		best = "RECOVERING" // every member is OK, the incident settles
	}
	if n.Kind == IncidentReminder {
		best = "STILL " + best
	}
	return best
}

// What is the incident in one phrase: "Boards, Cards and Search down; Public
// API slow; Mumbai silent". A resolve names every member; otherwise the
// firing ones, or, when none fires, those that recovered.
func (n *IncidentNotice) What() string {
	told, _ := n.firing()
	if n.Kind == IncidentResolve || len(told) == 0 {
		var all []string
		for i := range n.Members {
			s := n.Members[i].Subject()
			if (n.Members[i].Muted == "" || n.Kind == IncidentResolve) && !slices.Contains(all, s) {
				all = append(all, s) // an area down and slow is named once
			}
		}
		return namesOf(all)
	}
	var parts []string
	for _, k := range []alarm.Kind{alarm.KindDown, alarm.KindSlow, alarm.KindSilent} {
		var names []string
		for _, m := range told {
			if m.Kind == k {
				names = append(names, m.Subject())
			}
		}
		if len(names) > 0 {
			parts = append(parts, namesOf(names)+" "+string(k))
		}
	}
	return strings.Join(parts, "; ")
}

// namesOf joins at most maxMembersNamed names, counting the rest.
func namesOf(names []string) string {
	if len(names) > maxMembersNamed {
		return strings.Join(names[:maxMembersNamed], ", ") + fmt.Sprintf(" and %d more", len(names)-maxMembersNamed)
	}
	return joinAnd(names)
}

// Duration is how long the outage lasted, from its first alarm to its last
// recovery (not the settle time after it), or has lasted at now.
func (n *IncidentNotice) Duration(now time.Time) time.Duration {
	end := n.Ended
	if end.IsZero() {
		end = n.Resolved
	}
	if end.IsZero() {
		end = now
	}
	return max(end.Sub(n.Opened), 0)
}

// IncidentDedupKey is the pager's dedup key of an incident: one alert per
// outage, updated by later triggers and closed by the resolve.
func IncidentDedupKey(app, id string) string {
	return boundKey(alarm.AlarmPrefix(app) + "incident." + id)
}

// minutes writes a duration as "14 min" or "2 h 5 min".
func minutes(d time.Duration) string {
	m := int(d.Round(time.Minute).Minutes())
	if m < 60 {
		return fmt.Sprintf("%d min", m)
	}
	if m%60 == 0 {
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}

// whereBad lists the locations that found a member bad over its details'
// span, with their minutes: "London 8 min, Mumbai 7 min".
func whereBad(m *Member) string {
	if !m.Details.Available {
		return "per-location details unavailable"
	}
	var out []string
	for _, l := range m.Details.Locations {
		if l.BadMinutes > 0 {
			out = append(out, fmt.Sprintf("%s %d min", l.Label, l.BadMinutes))
		}
	}
	if len(out) == 0 {
		if m.Kind == alarm.KindSilent {
			return "no heartbeat"
		}
		return "no location in the last " + minutes(m.Details.To.Sub(m.Details.From))
	}
	return strings.Join(out, ", ")
}
