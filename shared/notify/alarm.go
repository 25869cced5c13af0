package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

// SeverityInfo is the notification severity of an alarm that lacks data: it
// is worth an email, never an SMS or a page. Areas are critical or warning.
const SeverityInfo check.Severity = "info"

// ErrMalformed says an SNS record does not hold a usable CloudWatch alarm
// notification. Such a record is logged and skipped: retrying cannot fix it.
var ErrMalformed = errors.New("not a CloudWatch alarm notification")

// Alarm is one alarm state change, in the words of the checks file.
type Alarm struct {
	// MessageID is the SNS message id of the notification (for logs).
	MessageID string
	// Alarm is the parsed Lookout alarm name; zero for a foreign alarm.
	Alarm alarm.AlarmName
	// AlarmName and AlarmARN are the alarm's own name and ARN.
	AlarmName, AlarmARN string
	// Region is the region code of the alarm (from its ARN), or "".
	Region string
	// App is the application: from the alarm name, else the checks file's.
	App string
	// Kind is down, slow, silent, or foreign (an alarm Lookout did not create).
	Kind alarm.Kind
	// AreaID, AreaName and Runbook describe the area of a down or slow alarm.
	AreaID, AreaName, Runbook string
	// Location and LocationRegion name the location of a silent alarm.
	Location, LocationRegion string
	// State is the new state; Previous the state it left.
	State, Previous alarm.State
	// Severity is the alarm's severity from the checks file (critical or
	// warning); silent and foreign alarms are warning.
	Severity check.Severity
	// Since is when the alarm entered State.
	Since time.Time
	// Reason is CloudWatch's explanation of the state change.
	Reason string
	// Description is the alarm's description.
	Description string
	// Spec is the alarm as the checks file implies it, or nil when the checks
	// file does not know it (a foreign alarm, or an area since removed).
	Spec *alarm.AlarmSpec
	// Trigger is the alarm's metric and threshold as CloudWatch sent them.
	Trigger events.CloudWatchAlarmTrigger
}

// Subject is what the alarm is about, for people: the area's name, the
// location's label, or the foreign alarm's name.
func (i *Alarm) Subject() string {
	switch {
	case i.AreaName != "":
		return i.AreaName
	case i.Location != "":
		return i.Location
	}
	return i.AlarmName
}

// Recovered says the alarm went back to OK from ALARM.
func (i *Alarm) Recovered() bool {
	return i.State == alarm.StateOK && i.Previous == alarm.StateAlarm
}

// maxDedupKey is PagerDuty's limit on dedup_key: "The maximum permitted
// length of this property is 255 characters" (Events API v2, Send an Alert Event).
const maxDedupKey = 255

// DedupKey identifies the alarm at the pager across trigger and resolve:
// the Lookout alarm name (stable per app, kind and subject), or for a foreign
// alarm its ARN (else its name), cut to 255 bytes on a character boundary.
func (i *Alarm) DedupKey() string {
	key := i.AlarmARN
	if i.Kind != alarm.KindForeign {
		key = i.Alarm.String()
	} else if key == "" {
		key = i.AlarmName
	}
	return boundKey(key)
}

// boundKey makes key valid UTF-8 of at most maxDedupKey bytes, cut on a
// character boundary.
func boundKey(key string) string {
	key = strings.ToValidUTF8(key, "\uFFFD")
	if len(key) > maxDedupKey {
		cut := maxDedupKey
		for !utf8.RuneStart(key[cut]) {
			cut--
		}
		key = key[:cut]
	}
	return key
}

// NotifySeverity is the severity a notification carries (the SNS message
// attribute "severity"): the alarm's severity, except that an alarm lacking
// data is only informational.
func (i *Alarm) NotifySeverity() check.Severity {
	if i.State == alarm.StateInsufficient {
		return SeverityInfo
	}
	return i.Severity
}

// ParseAlarm decodes the Message of an SNS record as a CloudWatch alarm
// notification and checks the fields an Alarm needs.
func ParseAlarm(message string) (events.CloudWatchAlarmSNSPayload, error) {
	var p events.CloudWatchAlarmSNSPayload
	if err := json.Unmarshal([]byte(message), &p); err != nil {
		return p, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if strings.TrimSpace(p.AlarmName) == "" {
		return p, fmt.Errorf("%w: no AlarmName", ErrMalformed)
	}
	switch alarm.State(p.NewStateValue) {
	case alarm.StateAlarm, alarm.StateOK, alarm.StateInsufficient:
	default:
		return p, fmt.Errorf("%w: unknown NewStateValue %.40q", ErrMalformed, p.NewStateValue)
	}
	return p, nil
}

// FromRecord parses one SNS record into an Alarm.
func FromRecord(rec events.SNSEventRecord, cfg *check.Config) (Alarm, error) {
	p, err := ParseAlarm(rec.SNS.Message)
	if err != nil {
		return Alarm{MessageID: rec.SNS.MessageID}, err
	}
	inc := NewAlarm(p, cfg, rec.SNS.Timestamp)
	inc.MessageID = rec.SNS.MessageID
	return inc, nil
}

// NewAlarm maps a parsed alarm to an Alarm using the checks file.
// published is the SNS timestamp, used when the alarm's own time is unreadable.
func NewAlarm(p events.CloudWatchAlarmSNSPayload, cfg *check.Config, published time.Time) Alarm {
	inc := Alarm{
		AlarmName:   p.AlarmName,
		AlarmARN:    p.AlarmARN,
		Region:      regionFromARN(p.AlarmARN),
		App:         cfg.App,
		Kind:        alarm.KindForeign,
		State:       alarm.State(p.NewStateValue),
		Previous:    alarm.State(p.OldStateValue),
		Severity:    check.Warning,
		Since:       parseAlarmTime(p.StateChangeTime, published),
		Reason:      p.NewStateReason,
		Description: p.AlarmDescription,
		Trigger:     p.Trigger,
	}
	if name, ok := alarm.ParseAlarmName(p.AlarmName); ok {
		inc.describe(name, cfg)
	}
	return inc
}

// AlarmOf describes a Lookout alarm from its name alone, in the words of
// the checks file: an incident's member, known by name in the ledger.
func AlarmOf(name alarm.AlarmName, cfg *check.Config) Alarm {
	a := Alarm{AlarmName: name.String(), App: cfg.App, Kind: alarm.KindForeign, Severity: check.Warning}
	a.describe(name, cfg)
	return a
}

// describe fills what the checks file says of a Lookout alarm: its kind,
// area or location, runbook, rule and severity.
func (i *Alarm) describe(name alarm.AlarmName, cfg *check.Config) {
	i.Alarm, i.App, i.Kind = name, name.App, name.Kind
	if spec, ok := alarm.Spec(cfg, name); ok {
		i.Spec = &spec
		i.Severity = spec.Severity
	}
	switch name.Kind {
	case alarm.KindDown, alarm.KindSlow:
		i.AreaID, i.AreaName = name.Subject, name.Subject
		if a := cfg.Area(name.Subject); a != nil && name.App == cfg.App {
			i.AreaName, i.Runbook = a.Name, a.Runbook
		}
		if i.Spec == nil && name.Kind == alarm.KindDown {
			// An area the checks file no longer knows: err on the side of waking someone.
			i.Severity = cfg.Defaults.Severity
		}
	case alarm.KindSilent:
		i.Location = name.Subject
		for region, label := range cfg.Locations {
			if label == name.Subject {
				i.LocationRegion = region
			}
		}
	}
	if i.Severity == "" {
		i.Severity = check.Critical
	}
}

// CloudWatch writes StateChangeTime as 2015-06-03T17:43:27.123+0000.
var alarmTimeLayouts = []string{
	"2006-01-02T15:04:05.000-0700",
	"2006-01-02T15:04:05-0700",
	time.RFC3339Nano,
}

func parseAlarmTime(s string, fallback time.Time) time.Time {
	for _, layout := range alarmTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return fallback.UTC()
}

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)

// regionFromARN returns the region of arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME.
func regionFromARN(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 || parts[0] != "arn" || !regionPattern.MatchString(parts[3]) {
		return ""
	}
	return parts[3]
}
