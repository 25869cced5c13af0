package notify

import (
	"unicode"
	"unicode/utf8"

	"github.com/lookout-monitoring/lookout/shared/alarm"
)

// Bounds on the values an alarm notification brings into a message.
// CloudWatch's own alarms never come near them (PutMetricAlarm allows an
// AlarmName of 255 characters and an AlarmDescription of 1,024), but anyone
// allowed to publish to the alarm topic can send a notification holding
// anything: every value from it is bounded before it reaches a channel.
const (
	// maxName bounds a name in a message: the alarm's, an area's, a
	// location's, the app's.
	maxName = 255
	// maxDetail bounds one free-text value: the alarm's description, its
	// threshold in words, the situation.
	maxDetail = 4096
	// maxHref bounds a link: a longer one is left out, because a cut URL
	// leads nowhere. Lookout's own links are a few hundred characters.
	maxHref = 4096
	// maxState bounds the previous state, which CloudWatch sends as one of
	// three words and nobody checks.
	maxState = 32
)

// text makes s fit a message line: whitespace runs become one space, control
// characters and invalid UTF-8 become U+FFFD, and at most n characters are
// kept, ending in "..." when cut. cut says whether anything was cut. It reads
// no further into s than it keeps, so a huge value costs no more than a short one.
func text(s string, n int) (out string, cut bool) {
	kept := make([]rune, 0, min(len(s), n+1))
	space := false
	for _, r := range s { // invalid UTF-8 comes as utf8.RuneError
		if unicode.IsSpace(r) {
			space = len(kept) > 0
			continue
		}
		if unicode.IsControl(r) {
			r = utf8.RuneError
		}
		if space {
			kept, space = append(kept, ' '), false
		}
		if kept = append(kept, r); len(kept) > n {
			return truncateRunes(string(kept), n), true
		}
	}
	return string(kept), false
}

// forMessages returns a copy of inc whose values from the notification fit
// a message (see text), and says which were cut, in words. The alarm's
// identity (Alarm, AlarmARN) is left as it came: the pager's dedup key and
// the links are made from it.
func (i *Alarm) forMessages() (c *Alarm, cut []string) {
	b := *i
	bound := func(what string, s *string, n int) {
		var was bool
		if *s, was = text(*s, n); was {
			cut = append(cut, what)
		}
	}
	bound("alarm name", &b.AlarmName, maxName)
	bound("app", &b.App, maxName)
	bound("area", &b.AreaID, maxName)
	bound("area name", &b.AreaName, maxName)
	bound("location", &b.Location, maxName)
	bound("description", &b.Description, maxDetail)
	bound("reason", &b.Reason, maxReason)
	prev := string(b.Previous)
	bound("previous state", &prev, maxState)
	b.Previous = alarm.State(prev)
	return &b, cut
}

// href is u when a person can follow it, else "".
func href(u string) string {
	if len(u) > maxHref || !utf8.ValidString(u) {
		return ""
	}
	return u
}

// first is text's string, for where what was cut is not reported.
func first(s string, _ bool) string { return s }
