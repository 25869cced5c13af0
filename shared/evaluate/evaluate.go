// Package evaluate is a local stand-in for CloudWatch alarm evaluation: it
// takes the same alarm specs the template deploys (alarm.Alarms) and the
// same datums the probe function publishes, and says when each alarm would
// change state. It runs the demo and replays scenarios; it is not the
// production evaluator (CloudWatch is).
package evaluate

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/lookout-monitoring/lookout/shared/alarm"
)

// State is an alarm state, named as CloudWatch names them.
type State string

// Alarm states.
const (
	OK               State = "OK"
	Alarm            State = "ALARM"
	InsufficientData State = "INSUFFICIENT_DATA"
)

// Transition is one alarm changing state at the end of a period.
type Transition struct {
	Spec   alarm.AlarmSpec
	From   State
	To     State
	At     time.Time // end of the period evaluated
	Reason string    // like CloudWatch's NewStateReason
	// Breaching lists, for each of the last N periods (oldest first), whether it breached.
	Breaching []bool
	Values    []float64 // the statistic per period; NaN when missing
}

// Evaluator holds datums and alarm states.
type Evaluator struct {
	specs  []alarm.AlarmSpec
	series map[string]map[int64][]float64 // series key -> period start (unix) -> values
	state  map[string]State
	since  map[string]time.Time // when each alarm last changed state
	reason map[string]string    // why, in CloudWatch's words
	last   map[string]int64     // last period end evaluated per alarm
}

// New starts every alarm in INSUFFICIENT_DATA, as CloudWatch does.
func New(specs []alarm.AlarmSpec) *Evaluator {
	e := &Evaluator{specs: specs, series: map[string]map[int64][]float64{}, state: map[string]State{},
		since: map[string]time.Time{}, reason: map[string]string{}, last: map[string]int64{}}
	for _, s := range specs {
		e.state[s.Name.String()] = InsufficientData
	}
	return e
}

// State returns an alarm's current state.
func (e *Evaluator) State(name alarm.AlarmName) State { return e.state[name.String()] }

func seriesKey(namespace, metric string, dims []alarm.Dimension) string {
	parts := make([]string, 0, len(dims))
	for _, d := range dims {
		parts = append(parts, d.Name+"="+d.Value)
	}
	sort.Strings(parts)
	return namespace + "|" + metric + "|" + strings.Join(parts, ",")
}

// Add records datums as PutMetricData would store them. Datums without a
// timestamp are refused: every datum of a round carries the round's time.
func (e *Evaluator) Add(namespace string, datums []types.MetricDatum) error {
	for i, d := range datums {
		if d.MetricName == nil || d.Timestamp == nil {
			return fmt.Errorf("datum %d: metric name and timestamp are required", i)
		}
		dims := make([]alarm.Dimension, 0, len(d.Dimensions))
		for _, dim := range d.Dimensions {
			if dim.Name == nil || dim.Value == nil {
				return fmt.Errorf("datum %d (%s): dimension without name or value", i, *d.MetricName)
			}
			dims = append(dims, alarm.Dimension{Name: *dim.Name, Value: *dim.Value})
		}
		key := seriesKey(namespace, *d.MetricName, dims)
		m := e.series[key]
		if m == nil {
			m = map[int64][]float64{}
			e.series[key] = m
		}
		// Bucketed by the minute; each alarm re-buckets to its own period.
		t := d.Timestamp.Unix()
		switch {
		case d.Value != nil:
			m[t] = append(m[t], *d.Value)
		case len(d.Values) > 0:
			for j, v := range d.Values {
				n := 1
				if j < len(d.Counts) {
					n = int(d.Counts[j])
				}
				for range n {
					m[t] = append(m[t], v)
				}
			}
		default:
			return fmt.Errorf("datum %d (%s): no value", i, *d.MetricName)
		}
	}
	return nil
}

// periodStat computes stat over a series' values in [start, start+period);
// ok is false when there are none.
func periodStat(vals map[int64][]float64, stat string, start, period int64) (float64, bool) {
	var in []float64
	for t := start; t < start+period; t++ {
		in = append(in, vals[t]...)
	}
	return statistic(stat, in)
}

// statistic computes stat over the values of one period; ok is false when there are none.
func statistic(stat string, vals []float64) (float64, bool) {
	if len(vals) == 0 {
		return 0, false
	}
	switch stat {
	case "SampleCount":
		return float64(len(vals)), true
	case "Sum", "Average":
		s := 0.0
		for _, v := range vals {
			s += v
		}
		if stat == "Average" {
			s /= float64(len(vals))
		}
		return s, true
	case "Minimum", "Maximum":
		m := vals[0]
		for _, v := range vals[1:] {
			if (stat == "Minimum") == (v < m) {
				m = v
			}
		}
		return m, true
	}
	return 0, false
}

func compare(op string, v, threshold float64) bool {
	switch op {
	case "GreaterThanOrEqualToThreshold":
		return v >= threshold
	case "GreaterThanThreshold":
		return v > threshold
	case "LessThanThreshold":
		return v < threshold
	case "LessThanOrEqualToThreshold":
		return v <= threshold
	}
	return false
}

// Evaluate judges every alarm over the periods that ended at or before now,
// and returns the state changes, in alarm order. Call it once per period (or
// more often: a period is judged once).
func (e *Evaluator) Evaluate(now time.Time) []Transition {
	var out []Transition
	for _, s := range e.specs {
		name := s.Name.String()
		period := int64(s.Period)
		end := now.Unix() / period * period // end of the latest complete period
		if end <= e.last[name] {
			continue
		}
		e.last[name] = end
		vals := e.series[seriesKey(s.Namespace, s.Metric, s.Dimensions)]
		breaching := make([]bool, s.EvaluationPeriods)
		values := make([]float64, s.EvaluationPeriods)
		nBreach, nMissing := 0, 0
		for i := range s.EvaluationPeriods {
			start := end - period*int64(s.EvaluationPeriods-i)
			v, ok := periodStat(vals, s.Statistic, start, period)
			switch {
			case ok:
				values[i] = v
				breaching[i] = compare(s.Comparison, v, s.Threshold)
			case s.TreatMissingData == "breaching":
				values[i], breaching[i] = math.NaN(), true
				nMissing++
			default: // notBreaching, and ignore/missing treated as good for the demo
				values[i] = math.NaN()
				nMissing++
			}
			if breaching[i] {
				nBreach++
			}
		}
		to := OK
		if nBreach >= s.DatapointsToAlarm {
			to = Alarm
		}
		from := e.state[name]
		if to == from {
			continue
		}
		e.state[name] = to
		tr := Transition{Spec: s, From: from, To: to, At: time.Unix(end, 0).UTC(),
			Breaching: breaching, Values: values, Reason: reason(s, to, nBreach, values)}
		e.since[name], e.reason[name] = tr.At, tr.Reason
		out = append(out, tr)
	}
	return out
}

// reason words the change the way CloudWatch does, so rendered alerts look real.
func reason(s alarm.AlarmSpec, to State, nBreach int, values []float64) string {
	var shown []string
	for _, v := range values {
		if !math.IsNaN(v) {
			shown = append(shown, fmt.Sprintf("%g", v))
		}
	}
	verb := "was not"
	if to == Alarm {
		verb = "was"
	}
	return fmt.Sprintf("Threshold Crossed: %d out of the last %d datapoints [%s] %s %s the threshold (%g) (minimum %d datapoints for OK -> ALARM transition).",
		nBreach, s.EvaluationPeriods, strings.Join(shown, ", "), verb, comparisonWords(s.Comparison), s.Threshold, s.DatapointsToAlarm)
}

func comparisonWords(op string) string {
	switch op {
	case "GreaterThanOrEqualToThreshold":
		return "greater than or equal to"
	case "GreaterThanThreshold":
		return "greater than"
	case "LessThanThreshold":
		return "less than"
	case "LessThanOrEqualToThreshold":
		return "less than or equal to"
	}
	return op
}
