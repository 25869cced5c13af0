package probefn

import (
	"encoding/json"
	"fmt"
	"time"
)

// ScheduleEvent is what starts a round. Two shapes arrive:
//
//   - an EventBridge scheduled-rule event (events/schedule.json):
//     {"id": ..., "detail-type": "Scheduled Event", "source": "aws.events", "time": "2026-11-24T10:00:00Z", ...}
//   - the Input the template gives EventBridge Scheduler (events/scheduler.json):
//     {"time": "<aws.scheduler.scheduled-time>", "schedule": "<aws.scheduler.schedule-arn>",
//     "execution": "<aws.scheduler.execution-id>"}
//
// Only Time matters; the rest is logged. Decoding never fails: a round must
// run (and send its heartbeat) whatever the payload, so a payload that is not
// an object, or a time that is not a string, leaves Time as the raw JSON and
// the round falls back to the clock.
type ScheduleEvent struct {
	Time       string `json:"time"`
	ID         string `json:"id,omitempty"`          // scheduled-rule event id
	Source     string `json:"source,omitempty"`      // aws.events
	DetailType string `json:"detail-type,omitempty"` // Scheduled Event
	Schedule   string `json:"schedule,omitempty"`    // Scheduler: the schedule's ARN
	Execution  string `json:"execution,omitempty"`   // Scheduler: the execution id
}

// UnmarshalJSON reads the fields it knows and ignores anything else.
func (e *ScheduleEvent) UnmarshalJSON(b []byte) error {
	*e = ScheduleEvent{}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		e.Time = clip(string(b))
		if e.Time == "" {
			e.Time = "(empty payload)"
		}
		return nil
	}
	str := func(key string, dst *string) {
		raw, ok := fields[key]
		if !ok || string(raw) == "null" {
			return
		}
		if json.Unmarshal(raw, dst) != nil {
			*dst = clip(string(raw)) // not a string: kept raw, for the log
		}
	}
	str("time", &e.Time)
	str("id", &e.ID)
	str("source", &e.Source)
	str("detail-type", &e.DetailType)
	str("schedule", &e.Schedule)
	str("execution", &e.Execution)
	return nil
}

// clip bounds a value copied from a payload into a log line.
func clip(s string) string {
	const limit = 100
	if len(s) > limit {
		return s[:limit] + "..."
	}
	return s
}

// CloudWatch accepts datums from two weeks back to two hours ahead.
const (
	maxAge    = 14 * 24 * time.Hour
	maxFuture = 2 * time.Hour
)

// RoundTime is the timestamp of a round's datums: the event's scheduled time
// (RFC 3339) truncated to the minute, so the four locations' datums share one
// alarm period. A missing or malformed time, or one CloudWatch would reject
// (older than two weeks, more than two hours ahead, e.g. a stale sample event),
// gives now truncated to the minute, and problem says why.
func RoundTime(scheduled string, now time.Time) (t time.Time, problem string) {
	fallback := now.UTC().Truncate(time.Minute)
	if scheduled == "" {
		return fallback, "the event has no time"
	}
	parsed, err := time.Parse(time.RFC3339, scheduled)
	if err != nil {
		return fallback, fmt.Sprintf("the event's time %q is not RFC 3339", scheduled)
	}
	if parsed.Before(now.Add(-maxAge)) || parsed.After(now.Add(maxFuture)) {
		return fallback, fmt.Sprintf("the event's time %s is outside what CloudWatch accepts (two weeks back to two hours ahead)", scheduled)
	}
	return parsed.UTC().Truncate(time.Minute), ""
}
