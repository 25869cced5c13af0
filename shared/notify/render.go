package notify

import (
	"strings"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
)

// Limits of the channels.
const (
	// MaxSubject: SNS email subjects must be ASCII and under 100 characters.
	MaxSubject = 99
	// MaxSMS keeps an SMS within one GSM-7 segment (160) with room for a sender prefix.
	MaxSMS = 140
	// maxReason caps CloudWatch's reason text in messages.
	maxReason = 1000
	// maxSummary is PagerDuty's limit on payload.summary: "The maximum
	// permitted length of this property is 1024 characters" (Events API v2,
	// Send an Alert Event). dedup_key's is 255 (see Alarm.DedupKey).
	maxSummary = 1024
	// maxPagerEvent keeps an event under the Events API v2's size limit,
	// "Events API payloads are limited to 512 KB" (Events API v2 Overview,
	// Size Limits), with room for the routing key added at send time.
	maxPagerEvent = 500_000
)

// Rendered holds one alarm's message for every channel.
type Rendered struct {
	// Publish says whether the notify topic gets a message. An alarm that
	// goes from INSUFFICIENT_DATA to OK (as every alarm does when deployed)
	// is not worth an email.
	Publish bool
	// Subject and Email are the email; SMS the text message.
	Subject, Email, SMS string
	// Pager is the PagerDuty event without its routing key; nil when the
	// pager is not told (INSUFFICIENT_DATA).
	Pager *PagerEvent
}

// Render renders an alarm for every channel and decides who is told:
//
//	ALARM                    -> topic (email; SMS if critical), pager trigger
//	OK after ALARM           -> topic (email; SMS if critical), pager resolve
//	OK after anything else   -> pager resolve only (harmless if nothing is open)
//	INSUFFICIENT_DATA        -> topic with severity "info" (email only); no page
func Render(inc *Alarm, d Details, l Links, now time.Time) Rendered {
	r := Rendered{
		Publish: Publishes(inc),
		SMS:     RenderSMS(inc, d),
		Pager:   RenderPager(inc, d, l),
	}
	r.Subject, r.Email = RenderEmail(inc, d, l, now)
	return r
}

// Publishes says whether the notify topic gets a message for inc: not for
// an OK that ends anything but an ALARM.
func Publishes(inc *Alarm) bool {
	return !(inc.State == alarm.StateOK && inc.Previous != alarm.StateAlarm && inc.Previous != "")
}

// stateWord is the first word of a subject or SMS.
func stateWord(inc *Alarm) string {
	switch inc.State {
	case alarm.StateInsufficient:
		return "NO DATA"
	case alarm.StateOK:
		return "OK"
	}
	if inc.Kind == alarm.KindForeign {
		return "ALARM"
	}
	return strings.ToUpper(string(inc.Kind))
}
