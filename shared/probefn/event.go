package probefn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// ScheduleEvent is what starts a round. Two shapes arrive:
//
//   - an EventBridge scheduled-rule event (events/schedule.json):
//     {"id": ..., "detail-type": "Scheduled Event", "source": "aws.events", "time": "2026-11-24T10:00:00Z", ...}
//   - the Input the template gives EventBridge Scheduler (events/scheduler.json):
//     {"time": "<aws.scheduler.scheduled-time>", "schedule": "<aws.scheduler.schedule-arn>",
//     "execution": "<aws.scheduler.execution-id>"}
//
// Only Time matters; the rest is logged.
type ScheduleEvent struct {
	Time       string `json:"time"`
	ID         string `json:"id,omitempty"`          // scheduled-rule event id
	Source     string `json:"source,omitempty"`      // aws.events
	DetailType string `json:"detail-type,omitempty"` // Scheduled Event
	Schedule   string `json:"schedule,omitempty"`    // Scheduler: the schedule's ARN
	Execution  string `json:"execution,omitempty"`   // Scheduler: the execution id
}

// DecodeEvent reads a payload as a ScheduleEvent. It never fails: a round
// must run (and send its heartbeat) whatever the payload, so that a
// misconfigured trigger shows as warnings, not as a Silent location. problem
// says what is wrong with the payload itself ("" when it is a JSON object);
// the round then falls back to the clock. A field that is not a string is
// kept as its raw JSON, clipped, for the log.
func DecodeEvent(payload []byte) (ev ScheduleEvent, problem string) {
	trimmed := bytes.TrimSpace(payload)
	switch {
	case len(trimmed) == 0:
		return ev, "the payload is empty"
	case !json.Valid(trimmed):
		return ev, "the payload is not JSON"
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(trimmed, &fields) != nil || fields == nil {
		return ev, "the payload is " + jsonKind(trimmed[0]) + ", not an object"
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
	str("time", &ev.Time)
	str("id", &ev.ID)
	str("source", &ev.Source)
	str("detail-type", &ev.DetailType)
	str("schedule", &ev.Schedule)
	str("execution", &ev.Execution)
	return ev, ""
}

// jsonKind names a JSON value that is not an object by its first byte.
func jsonKind(first byte) string {
	switch first {
	case '"':
		return "a JSON string"
	case '[':
		return "a JSON array"
	case 'n':
		return "JSON null"
	case 't', 'f':
		return "a JSON boolean"
	}
	return "a JSON number"
}

// clip bounds a value copied from a payload into a problem's wording, on a
// character boundary; the value itself is logged apart.
func clip(s string) string {
	const limit = 100
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > limit-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
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
		return fallback, fmt.Sprintf("the event's time %q is not RFC 3339", clip(scheduled))
	}
	if parsed.Before(now.Add(-maxAge)) || parsed.After(now.Add(maxFuture)) {
		return fallback, fmt.Sprintf("the event's time %s is outside what CloudWatch accepts (two weeks back to two hours ahead)", clip(scheduled))
	}
	return parsed.UTC().Truncate(time.Minute), ""
}
