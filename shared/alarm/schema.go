// Package alarm owns the contract between probes and alarms: the metric
// schema (namespace, names, units, dimensions) and the alarm names and rules
// derived from a checks file.
//
// Everyone who needs a metric or alarm name (the probe function's publisher,
// the notifier, the template tests, the local evaluator) asks this package;
// nobody formats one by hand. It imports no prober and no AWS client, so the
// notifier can know every alarm without linking the HTTP prober.
package alarm

import (
	"fmt"
	"strings"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// Metric names. See the README's "Metrics" section for cost per area.
const (
	// Failed is 1 per failing location, published only when failing. Published
	// twice: with {Area} (the Down alarm sums the locations) and with
	// {Area, Location} (the notifier and dashboard say which locations).
	Failed = "Failed"
	// Slow is 1 per location that found the area slow (and not failing),
	// published only when slow, with the same two dimension sets as Failed.
	Slow = "Slow"
	// Latency is the total time of an area's probe in milliseconds, with
	// {Area, Location}, for every probe that got a response.
	Latency = "Latency"
	// Heartbeat is 1 per round per location, with {Location}: a location that
	// stops sending it is silent.
	Heartbeat = "Heartbeat"
	// Abstained is 1 per round in which a location's control probe failed, with {Location}.
	Abstained = "Abstained"
)

// Phase metrics, published only when the checks file sets metrics.phases.
const (
	PhaseDNS      = "DNSTime"
	PhaseConnect  = "ConnectTime"
	PhaseTLS      = "TLSTime"
	PhaseTTFB     = "TimeToFirstByte"
	PhaseTransfer = "TransferTime"
)

// Dimension names.
const (
	DimArea     = "Area"
	DimLocation = "Location"
)

// Period is the alarm period in seconds: one round a minute.
const Period = 60

// Namespace is the CloudWatch namespace of an application's metrics.
func Namespace(app string) string { return "Lookout/" + app }

// State is a CloudWatch alarm state.
type State string

// Alarm states.
const (
	StateAlarm        State = "ALARM"
	StateOK           State = "OK"
	StateInsufficient State = "INSUFFICIENT_DATA"
)

// Kind is what an alarm is about.
type Kind string

// Alarm kinds. An alarm Lookout did not create parses as KindForeign.
const (
	KindDown    Kind = "down"
	KindSlow    Kind = "slow"
	KindSilent  Kind = "silent"
	KindForeign Kind = "foreign"
)

// AlarmName identifies one alarm: app, kind and subject (an area id for down
// and slow, a location label for silent). It is also the pager's dedup key,
// so a resolve closes the incident its trigger opened.
type AlarmName struct {
	App     string
	Kind    Kind
	Subject string
}

const alarmPrefix = "lookout."

// String formats the name: lookout.<app>.<kind>.<subject>.
// App ids and area ids hold no dots, so the name parses back unambiguously.
func (n AlarmName) String() string {
	return alarmPrefix + n.App + "." + string(n.Kind) + "." + n.Subject
}

// AlarmPrefix is what every alarm name of app starts with, lookout.<app>.,
// for DescribeAlarms' AlarmNamePrefix and IAM resource patterns.
func AlarmPrefix(app string) string { return alarmPrefix + app + "." }

// ParseAlarmName reads a name made by String; ok is false for anyone else's alarm.
func ParseAlarmName(s string) (n AlarmName, ok bool) {
	rest, found := strings.CutPrefix(s, alarmPrefix)
	if !found {
		return AlarmName{}, false
	}
	parts := strings.SplitN(rest, ".", 3)
	if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
		return AlarmName{}, false
	}
	switch k := Kind(parts[1]); k {
	case KindDown, KindSlow, KindSilent:
		return AlarmName{App: parts[0], Kind: k, Subject: parts[2]}, true
	}
	return AlarmName{}, false
}

// DownAlarm, SlowAlarm and SilentAlarm name the alarms of an area or location.
func DownAlarm(app, area string) AlarmName { return AlarmName{app, KindDown, area} }

// SlowAlarm names an area's Slow alarm.
func SlowAlarm(app, area string) AlarmName { return AlarmName{app, KindSlow, area} }

// SilentAlarm names a location's Silent alarm.
func SilentAlarm(app, location string) AlarmName { return AlarmName{app, KindSilent, location} }

// Dimension is one CloudWatch dimension.
type Dimension struct{ Name, Value string }

// AlarmSpec is one alarm as the template deploys it and the local evaluator
// evaluates it: a metric, a statistic over one-minute periods, M of N, a threshold.
type AlarmSpec struct {
	Name              AlarmName
	Severity          check.Severity
	Namespace         string
	Metric            string
	Dimensions        []Dimension
	Statistic         string // Sum or SampleCount
	Period            int    // seconds
	EvaluationPeriods int    // N
	DatapointsToAlarm int    // M
	Threshold         float64
	Comparison        string // GreaterThanOrEqualToThreshold or LessThanThreshold
	TreatMissingData  string // notBreaching or breaching
	Description       string
}

// Alarms returns every alarm a checks file implies: per area a Down and a
// Slow alarm, per location a Silent alarm.
func Alarms(c *check.Config) []AlarmSpec {
	var out []AlarmSpec
	for i := range c.Areas {
		out = append(out, areaAlarms(c, &c.Areas[i])...)
	}
	for _, region := range LocationRegions(c) {
		out = append(out, silentAlarm(c, region))
	}
	return out
}

// Spec is the one alarm of Alarms named name, without making the others:
// what a notification or a reconcile tick asks of one alarm at a time.
func Spec(c *check.Config, name AlarmName) (AlarmSpec, bool) {
	if name.App != c.App {
		return AlarmSpec{}, false
	}
	switch name.Kind {
	case KindDown, KindSlow:
		a := c.Area(name.Subject)
		if a == nil || a.ID != name.Subject {
			return AlarmSpec{}, false
		}
		for _, s := range areaAlarms(c, a) {
			if s.Name == name {
				return s, true
			}
		}
	case KindSilent:
		for _, region := range LocationRegions(c) {
			if c.Locations[region] == name.Subject {
				return silentAlarm(c, region), true
			}
		}
	}
	return AlarmSpec{}, false
}

// areaAlarms are an area's Down and Slow alarms.
func areaAlarms(c *check.Config, a *check.Area) []AlarmSpec {
	ns := Namespace(c.App)
	al := c.Alerting
	dims := []Dimension{{DimArea, a.ID}}
	return []AlarmSpec{
		{
			Name: DownAlarm(c.App, a.ID), Severity: a.Severity, Namespace: ns, Metric: Failed, Dimensions: dims,
			Statistic: "Sum", Period: Period, EvaluationPeriods: al.Down.N, DatapointsToAlarm: al.Down.M,
			Threshold: float64(al.Quorum), Comparison: "GreaterThanOrEqualToThreshold", TreatMissingData: "notBreaching",
			Description: fmt.Sprintf("%s is down: failing from at least %d locations in %d of %d minutes", a.Name, al.Quorum, al.Down.M, al.Down.N),
		},
		{
			Name: SlowAlarm(c.App, a.ID), Severity: check.Warning, Namespace: ns, Metric: Slow, Dimensions: dims,
			Statistic: "Sum", Period: Period, EvaluationPeriods: al.Slow.N, DatapointsToAlarm: al.Slow.M,
			Threshold: float64(al.Quorum), Comparison: "GreaterThanOrEqualToThreshold", TreatMissingData: "notBreaching",
			Description: fmt.Sprintf("%s is slow (above %s) from at least %d locations in %d of %d minutes", a.Name, a.Slow, al.Quorum, al.Slow.M, al.Slow.N),
		},
	}
}

// silentAlarm is the Silent alarm of the location in region.
func silentAlarm(c *check.Config, region string) AlarmSpec {
	label := c.Locations[region]
	al := c.Alerting
	return AlarmSpec{
		Name: SilentAlarm(c.App, label), Severity: check.Warning, Namespace: Namespace(c.App), Metric: Heartbeat,
		Dimensions: []Dimension{{DimLocation, label}}, Statistic: "SampleCount", Period: Period,
		EvaluationPeriods: al.SilentAfter, DatapointsToAlarm: al.SilentAfter, Threshold: 1,
		Comparison: "LessThanThreshold", TreatMissingData: "breaching",
		Description: fmt.Sprintf("No heartbeat from %s (%s) for %d minutes: its probes are not running or cannot publish", label, region, al.SilentAfter),
	}
}

// LocationRegions lists the regions of a checks file in the file's order.
func LocationRegions(c *check.Config) []string { return c.Regions() }
