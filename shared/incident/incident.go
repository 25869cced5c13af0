// Package incident owns what turns alarm state changes into messages: one
// incident per outage of an app, the members it groups, maintenance windows,
// rate-limited updates, reminders, the SMS cap and the outbox of messages
// still to deliver.
//
// Everything here is a pure function of (ledger, event, windows, now,
// policy): the clock is passed in, nothing is read from the environment and
// nothing is sent. The Ledger is the one document the store keeps per app and
// re-reads on every event, so it round-trips through encoding/json exactly:
// times are UTC, maps have string keys, empty slices are nil, and every map is
// iterated in sorted order so the same inputs give byte-identical output.
// Rendering the words of a message and sending it belong to the channels; the
// DynamoDB store and the Lambda wiring call Apply, Tick, Sent and Failed.
package incident

import (
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

// Change is one alarm's state change: from an SNS alarm notification, or
// synthesized by the reconcile tick from DescribeAlarms.
type Change struct {
	// Alarm is a Lookout alarm (down, slow or silent); foreign alarms never
	// reach the ledger.
	Alarm alarm.AlarmName `json:"alarm"`
	// State is the new state.
	State alarm.State `json:"state"`
	// Since is when the alarm entered State (the notification's
	// StateChangeTime, DescribeAlarms' StateTransitionedTimestamp). It orders
	// changes: a change not after the known one is stale. Zero, or more than
	// five minutes after the time it is applied, means that time.
	Since time.Time `json:"since,omitzero"`
	// Severity is the alarm's severity from the checks file.
	Severity check.Severity `json:"severity,omitempty"`
	// Area is the area id of a down or slow alarm; "" for a silent alarm,
	// which only a whole-app maintenance window covers.
	Area string `json:"area,omitempty"`
	// Source says where the change came from, for the timeline and logs:
	// "sns <message id>", "tick".
	Source string `json:"source,omitempty"`
}

// Truth is an alarm's state as DescribeAlarms reports it, for Tick. Its
// fields mean what Change's do.
type Truth struct {
	State    alarm.State    `json:"state"`
	Since    time.Time      `json:"since,omitzero"`
	Severity check.Severity `json:"severity,omitempty"`
	Area     string         `json:"area,omitempty"`
}

// Ledger is one app's whole state: the one document the store keeps per app.
type Ledger struct {
	// App is the application id; changes of another app's alarms are ignored.
	App string `json:"app"`
	// Alarms is the latest known state of every Lookout alarm of the app, by
	// alarm name: it makes repeated and out-of-order deliveries no-ops.
	Alarms map[string]AlarmState `json:"alarms,omitempty"`
	// Open is the app's open incident, or nil.
	Open *Incident `json:"open,omitempty"`
	// Closed are resolved incidents the caller has not archived yet (it
	// removes them); at most MaxClosed, the oldest dropped first.
	Closed []Incident `json:"closed,omitempty"`
	// SMS holds when each open SMS of the trailing hour was queued, for the
	// per-hour cap.
	SMS []time.Time `json:"sms,omitempty"`
	// Outbox holds the messages to send or being sent, oldest first.
	Outbox []Message `json:"outbox,omitempty"`
	// Seq numbers messages, so that message ids are deterministic.
	Seq int64 `json:"seq,omitempty"`
}

// AlarmState is the latest known state of one alarm: the state and when
// the alarm entered it.
type AlarmState struct {
	State alarm.State `json:"state"`
	Since time.Time   `json:"since,omitzero"`
}

// Incident is one outage of one app: the alarms that fired while it was open,
// and what people were told about it.
type Incident struct {
	// ID is deterministic, from the opening alarm and its time, such as
	// "20261202T010200Z-boards-down"; unique per app. It is the pager's dedup key.
	ID  string `json:"id"`
	App string `json:"app"`
	// Opened is when the first member entered ALARM.
	Opened time.Time `json:"opened"`
	// Announced is when the first messages were decided: the first time a
	// member fired unmuted. Zero for an incident nobody has been told of.
	Announced time.Time `json:"announced,omitzero"`
	// Members are the incident's alarms, in join order.
	Members []Member `json:"members,omitempty"`
	// Severity is the highest severity of its firing, unmuted members; kept
	// when none fires.
	Severity check.Severity `json:"severity,omitempty"`
	// Peak is the highest severity it has had while people were told of
	// it: what a resolve calls it.
	Peak check.Severity `json:"peak,omitempty"`
	// AllOKSince is when the last member left ALARM; zero while a member is
	// in ALARM. The incident resolves Settle after it.
	AllOKSince time.Time `json:"all_ok_since,omitzero"`
	// Resolved is zero while the incident is open.
	Resolved time.Time `json:"resolved,omitzero"`
	// Told is what people were told by the last open or update, to decide
	// whether a change is material.
	Told Told `json:"told,omitzero"`
	// PagerSeverity is the severity the pager was last told: a rise goes to
	// the pager at once while the email waits for the next batch.
	PagerSeverity check.Severity `json:"pager_severity,omitempty"`
	// LastUpdate is when the last open or update went to email and pager (the
	// rate limit's clock).
	LastUpdate time.Time `json:"last_update,omitzero"`
	// LastEmail is when the last email of any kind was decided (the reminder clock).
	LastEmail time.Time `json:"last_email,omitzero"`
	// UpdateDue is when a batched update is due; zero when none is pending.
	UpdateDue time.Time `json:"update_due,omitzero"`
	// SMSOpened says an open SMS was queued, so its resolve SMS goes too.
	SMSOpened bool `json:"sms_opened,omitempty"`
	// Timeline records joins, leaves, mutes, unmutes, the resolve, suppressed
	// SMS and undelivered messages. It holds at most MaxTimeline events: the
	// first TimelineHead and the latest ones; TimelineDropped counts those
	// dropped between them.
	Timeline        []Event `json:"timeline,omitempty"`
	TimelineDropped int     `json:"timeline_dropped,omitempty"`
}

// Member is one alarm of an incident.
type Member struct {
	// Alarm is the alarm's name (alarm.AlarmName.String()).
	Alarm    string         `json:"alarm"`
	Kind     alarm.Kind     `json:"kind"`
	Area     string         `json:"area,omitempty"`
	Severity check.Severity `json:"severity,omitempty"`
	// State and Since are the member's latest state.
	State alarm.State `json:"state"`
	Since time.Time   `json:"since"`
	// FirstFired is when it first joined the incident.
	FirstFired time.Time `json:"first_fired"`
	// Muted says it fired inside a maintenance window and people have not
	// been told of it; MutedBy is that window's id.
	Muted   bool   `json:"muted,omitempty"`
	MutedBy string `json:"muted_by,omitempty"`
}

// Firing says the member is in ALARM (INSUFFICIENT_DATA is not firing).
func (m Member) Firing() bool { return m.State == alarm.StateAlarm }

// Told is what people were told of an incident.
type Told struct {
	// Firing are the firing, unmuted members' alarm names, sorted.
	Firing   []string       `json:"firing,omitempty"`
	Severity check.Severity `json:"severity,omitempty"`
}

// Event is one line of an incident's timeline.
type Event struct {
	At time.Time `json:"at"`
	// Alarm and State are set for an alarm's change; empty for notes such as
	// a suppressed SMS.
	Alarm  string      `json:"alarm,omitempty"`
	State  alarm.State `json:"state,omitempty"`
	Note   string      `json:"note"`
	Source string      `json:"source,omitempty"`
}

// Channel is where a message goes.
type Channel string

// Channels.
const (
	Pager Channel = "pager"
	Email Channel = "email"
	SMS   Channel = "sms"
)

// Kind is what a message tells.
type Kind string

// Message kinds. The pager gets open (trigger), update and resolve; email all
// four; SMS open and resolve only.
const (
	KindOpen     Kind = "open"
	KindUpdate   Kind = "update"
	KindResolve  Kind = "resolve"
	KindReminder Kind = "reminder"
)

// Message is one message decided for one channel.
type Message struct {
	// ID is deterministic: incident id + "/" + sequence + "/" + channel.
	ID      string  `json:"id"`
	Channel Channel `json:"channel"`
	Kind    Kind    `json:"kind"`
	// Incident is the incident as it was when the message was decided: what
	// the message must say. Only the email resolve carries the timeline; the
	// others leave it out to keep the ledger small.
	Incident Incident `json:"incident"`
	// Before is what people had been told before this message (zero for an
	// open), so an update can say what changed.
	Before Told `json:"before,omitzero"`
	// Due is when the message may be handed out (again): the lease of a
	// message being sent, or the backoff of a failed one.
	Due       time.Time `json:"due"`
	Attempts  int       `json:"attempts,omitempty"`
	LastError string    `json:"last_error,omitempty"`
}
