package notify

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/lookout-monitoring/lookout/shared/alarm"
)

// Words shared by every channel, so an email, an SMS and a page about one
// incident say the same thing.

// verb is the word for what is wrong: "down", "slow", "silent", "in ALARM".
func verb(inc *Alarm) string {
	switch inc.Kind {
	case alarm.KindDown, alarm.KindSlow, alarm.KindSilent:
		return string(inc.Kind)
	}
	return "in " + string(inc.State)
}

// badStatus is the per-location status that makes up this kind of alarm.
func badStatus(inc *Alarm) Status {
	if inc.Kind == alarm.KindSlow {
		return StatusSlow
	}
	return StatusFailing
}

// culprits are the locations that found the area down (or slow) in their
// latest round; if none did, those that did so at any time in the window.
func culprits(inc *Alarm, d Details) []LocationStatus {
	var now, recent []LocationStatus
	for _, l := range d.Locations {
		if l.Status == badStatus(inc) || (inc.Kind == alarm.KindSlow && l.Status == StatusFailing) {
			now = append(now, l)
		} else if l.BadMinutes > 0 {
			recent = append(recent, l)
		}
	}
	if len(now) > 0 {
		return now
	}
	return recent
}

func labels(ls []LocationStatus) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Label
	}
	return out
}

// joinAnd writes "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// formatLatency writes 420 ms, 2.4 s.
func formatLatency(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Round(time.Millisecond).Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// locationNote is one location's status in a sentence: "Sydney 420 ms",
// "Mumbai abstained", "London silent".
func locationNote(l LocationStatus) string {
	switch {
	case l.Status == StatusAbstained || l.Status == StatusSilent:
		return l.Label + " " + string(l.Status)
	case l.HasLatency:
		return l.Label + " " + formatLatency(l.Latency)
	}
	return l.Label + " " + string(l.Status)
}

// Headline is the one-line account of an alarm used by the email subject
// and the page summary, e.g. "down from London and Mumbai (2 of 4)".
func Headline(inc *Alarm, d Details) string {
	switch {
	case inc.Kind == alarm.KindForeign:
		return "CloudWatch alarm, not from Lookout"
	case inc.State == alarm.StateInsufficient:
		return string(inc.Kind) + " alarm lacks data"
	case inc.State == alarm.StateOK && inc.Kind == alarm.KindSilent:
		return "reporting again"
	case inc.State == alarm.StateOK:
		return "recovered (was " + string(inc.Kind) + ")"
	case inc.Kind == alarm.KindSilent:
		if !d.Available {
			return "silent, no heartbeat"
		}
		return "silent, " + silentSince(inc, d)
	case !d.Available:
		return verb(inc)
	}
	c := culprits(inc, d)
	if len(c) == 0 {
		return verb(inc)
	}
	return fmt.Sprintf("%s from %s (%d of %d)", verb(inc), joinAnd(labels(c)), len(c), len(d.Locations))
}

// Situation is Headline plus the other locations' latest figures:
// "down from London and Mumbai (2 of 4); New York 380 ms, Sydney 420 ms".
func Situation(inc *Alarm, d Details) string {
	h := Headline(inc, d)
	if !d.Available || len(d.Locations) == 0 || inc.Kind == alarm.KindForeign || inc.State == alarm.StateInsufficient {
		return h
	}
	if inc.Kind == alarm.KindSilent {
		var others []string
		for _, l := range d.Locations {
			if l.Label != inc.Location && l.Status != StatusSilent {
				others = append(others, l.Label)
			}
		}
		if len(others) == 0 || inc.State == alarm.StateOK {
			return h
		}
		return h + "; " + joinAnd(others) + " reporting"
	}
	if inc.State == alarm.StateOK {
		var notes []string
		for _, l := range d.Locations {
			if l.Status == StatusFailing || l.Status == StatusSlow {
				notes = append(notes, l.Label+" still "+string(l.Status))
			} else {
				notes = append(notes, locationNote(l))
			}
		}
		return h + "; now " + strings.Join(notes, ", ")
	}
	c := culprits(inc, d)
	bad := map[string]bool{}
	var parts []string
	for _, l := range c {
		bad[l.Label] = true
		if inc.Kind == alarm.KindSlow && l.HasLatency {
			parts = append(parts, locationNote(l))
		}
	}
	var others []string
	for _, l := range d.Locations {
		if !bad[l.Label] {
			others = append(others, locationNote(l))
		}
	}
	out := h
	if len(parts) > 0 {
		out += ": " + strings.Join(parts, ", ")
	}
	if len(others) > 0 {
		out += "; " + strings.Join(others, ", ")
	}
	return out
}

// silentSince says how long a silent location has been quiet.
func silentSince(inc *Alarm, d Details) string {
	for _, l := range d.Locations {
		if l.Label == inc.Location && !l.LastHeartbeat.IsZero() {
			return "last heartbeat " + clock(l.LastHeartbeat)
		}
	}
	return fmt.Sprintf("no heartbeat for %d+ min", int(d.To.Sub(d.From).Minutes()))
}

// clock writes a time as 14:02Z.
func clock(t time.Time) string { return t.UTC().Format("15:04Z") }

// comparison symbols for CloudWatch comparison operators.
var comparisons = map[string]string{
	"GreaterThanOrEqualToThreshold": ">=",
	"GreaterThanThreshold":          ">",
	"LessThanThreshold":             "<",
	"LessThanOrEqualToThreshold":    "<=",
}

func comparison(op string) string {
	if s, ok := comparisons[op]; ok {
		return s
	}
	return op
}

// thresholdText describes when the alarm fires, from the checks file when it
// knows the alarm, else from what CloudWatch sent.
func thresholdText(inc *Alarm) string {
	if s := inc.Spec; s != nil {
		return fmt.Sprintf("%s(%s) %s %g in %d of %d periods of %d s; missing data %s",
			s.Statistic, s.Metric, comparison(s.Comparison), s.Threshold,
			s.DatapointsToAlarm, s.EvaluationPeriods, s.Period, s.TreatMissingData)
	}
	t := inc.Trigger
	metric := t.MetricName
	if metric == "" && len(t.Metrics) > 0 {
		metric = fmt.Sprintf("a metric query of %d parts", len(t.Metrics))
	} else if t.Namespace != "" {
		metric = t.Namespace + " " + metric
	}
	if metric == "" && t.ComparisonOperator == "" {
		return ""
	}
	var dims []string
	for _, d := range t.Dimensions {
		dims = append(dims, d.Name+"="+d.Value)
	}
	if len(dims) > 0 {
		metric += " {" + strings.Join(dims, ", ") + "}"
	}
	stat := t.Statistic
	if stat != "" {
		stat = strings.ToLower(stat) + " of "
	}
	return fmt.Sprintf("%s%s %s %g for %d periods of %d s", stat, metric, comparison(t.ComparisonOperator),
		t.Threshold, t.EvaluationPeriods, t.Period)
}

// ruleText is the alarm's rule in words.
func ruleText(inc *Alarm) string {
	if inc.Spec != nil && inc.Spec.Description != "" {
		return inc.Spec.Description
	}
	return inc.Description
}

// asciiLine makes s a single line of printable ASCII (SNS email subjects
// allow nothing else).
func asciiLine(s string) string {
	var b strings.Builder
	for _, r := range oneLine(s) {
		switch f := gsm7Fallback[r]; {
		case r >= ' ' && r <= '~':
			b.WriteRune(r)
		case f != "" && f[0] >= ' ' && f[0] <= '~':
			b.WriteString(f)
		default:
			b.WriteByte('?')
		}
	}
	return strings.TrimSpace(b.String())
}

// oneLine folds whitespace runs (newlines included) into single spaces.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

func sentence(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r) + "."
}

func orUnknown(s alarm.State) string {
	if s == "" {
		return "unknown"
	}
	return string(s)
}
