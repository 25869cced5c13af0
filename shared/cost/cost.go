// Package cost estimates what a checks file costs to run each month, line by
// line, from a dated table of us-east-1 list prices, and compares it with
// CloudWatch Synthetics and Route 53 health checks for the same coverage.
// It is arithmetic only: no AWS calls.
package cost

import (
	"fmt"
	"math"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// Prices is a table of list prices in USD. Free tiers are left out on purpose:
// they are per account and usually spent by other workloads.
type Prices struct {
	Date                 string  // when the table was taken from the AWS pricing pages
	Region               string  //
	LambdaRequest        float64 // per request
	LambdaGBSecondARM    float64 // per GB-second, arm64
	SchedulerInvocation  float64 // per invocation
	MetricMonth          float64 // per custom metric-month (first 10,000), prorated by the hour
	PutMetricDataRequest float64 // per request
	GetMetricDataMetric  float64 // per metric requested
	AlarmMonth           float64 // per standard-resolution alarm-month
	DashboardMonth       float64 // per dashboard-month (beyond the first three)
	LogsIngestGB         float64 // per GB ingested (standard class)
	LogsStoreGBMonth     float64 // per GB-month archived (compressed)
	SNSPublish           float64 // per publish request
	SNSEmail             float64 // per email notification
	SNSSMS               float64 // per SMS, US; other countries differ widely
	CloudWatchAPIRequest float64 // per request of the other CloudWatch APIs (DescribeAlarms)
	DynamoDBReadUnit     float64 // per on-demand read request unit (4 KB strongly consistent)
	DynamoDBWriteUnit    float64 // per on-demand write request unit (1 KB)
	SyntheticsRun        float64 // per canary run
	Route53Check         float64 // per health check-month, endpoint outside AWS
	Route53Feature       float64 // per optional feature-month (HTTPS, string matching, latency graphs, fast interval)
}

// USEast1 is the table `lookout cost` uses.
var USEast1 = Prices{
	Date:                 "2026-11-01",
	Region:               "us-east-1",
	LambdaRequest:        0.20 / 1e6,
	LambdaGBSecondARM:    0.0000133334,
	SchedulerInvocation:  1.00 / 1e6,
	MetricMonth:          0.30,
	PutMetricDataRequest: 0.01 / 1000,
	GetMetricDataMetric:  0.01 / 1000,
	AlarmMonth:           0.10,
	DashboardMonth:       3.00,
	LogsIngestGB:         0.50,
	LogsStoreGBMonth:     0.03,
	SNSPublish:           0.50 / 1e6,
	SNSEmail:             2.00 / 100000,
	SNSSMS:               0.00645,
	CloudWatchAPIRequest: 0.01 / 1000,
	DynamoDBReadUnit:     0.125 / 1e6,
	DynamoDBWriteUnit:    0.625 / 1e6,
	SyntheticsRun:        0.0012,
	Route53Check:         0.75,
	Route53Feature:       1.00,
}

// Assumptions are the inputs a checks file does not say.
type Assumptions struct {
	Rate           time.Duration // how often a round runs (default 1m)
	InvocationMs   float64       // average ProbeFunction duration per round
	MemoryMB       int           // ProbeFunction memory
	IncidentHours  float64       // hours a month an area has failing or slow flags
	Notifications  int           // alarm and OK notifications a month
	SMSShare       float64       // share of notifications that also go out as SMS (critical ones)
	ResultLogBytes int           // bytes of one result's log line
	RoundLogBytes  int           // bytes of a round's own lines (summary, platform START/END/REPORT)
	RetentionDays  int           // log retention
	TickMs         float64       // average duration of the notifier's minute tick
	TickMemoryMB   int           // NotifyFunction memory
	LedgerKB       float64       // size of the ledger's document while an incident is open (write units)
}

// DefaultAssumptions are used unless the caller overrides them.
var DefaultAssumptions = Assumptions{
	Rate: time.Minute, InvocationMs: 1500, MemoryMB: 512, IncidentHours: 36, Notifications: 20,
	SMSShare: 0.5, ResultLogBytes: 520, RoundLogBytes: 900, RetentionDays: 30,
	TickMs: 250, TickMemoryMB: 256, LedgerKB: 8,
}

// HoursPerMonth is the billing month AWS uses for prorating.
const HoursPerMonth = 730

// Line is one item of the estimate.
type Line struct {
	Item     string
	Quantity float64
	Unit     string
	Price    float64 // per unit
	Monthly  float64
	Note     string
}

// Estimate is a month of running one checks file.
type Estimate struct {
	App       string
	Areas     int
	Locations int
	Rounds    float64 // per location per month
	Lines     []Line
	Total     float64
	PerArea   float64 // total / areas
	// PerAddedArea is what one more area adds to the total.
	PerAddedArea float64
	Synthetics   float64 // the same areas and locations as CloudWatch Synthetics canaries
	Route53      float64 // one Route 53 health check per area (HTTPS, string matching, latency)
	Prices       Prices
	Assume       Assumptions
}

// Compute prices a checks file.
func Compute(c *check.Config, a Assumptions, p Prices) (Estimate, error) {
	if a.Rate < time.Minute || a.Rate%time.Minute != 0 {
		return Estimate{}, fmt.Errorf("rate %s: use whole minutes (1m, 5m, ...)", a.Rate)
	}
	e := compute(c.App, len(c.Areas), len(c.Locations), c.Metrics.Phases, a, p)
	e.PerAddedArea = compute(c.App, len(c.Areas)+1, len(c.Locations), c.Metrics.Phases, a, p).Total - e.Total
	return e, nil
}

func compute(app string, nAreas, nLocs int, withPhases bool, a Assumptions, p Prices) Estimate {
	areas, locs := float64(nAreas), float64(nLocs)
	rounds := HoursPerMonth * 60 / a.Rate.Minutes()
	invocations := rounds * locs
	e := Estimate{App: app, Areas: nAreas, Locations: nLocs, Rounds: rounds, Prices: p, Assume: a}
	add := func(item string, qty float64, unit string, price float64, note string) {
		e.Lines = append(e.Lines, Line{Item: item, Quantity: qty, Unit: unit, Price: price, Monthly: qty * price, Note: note})
	}

	add("Lambda requests (ProbeFunction)", invocations, "requests", p.LambdaRequest, fmt.Sprintf("%g rounds x %g locations", rounds, locs))
	gbs := invocations * a.InvocationMs / 1000 * float64(a.MemoryMB) / 1024
	add("Lambda compute (arm64)", gbs, "GB-s", p.LambdaGBSecondARM, fmt.Sprintf("%g ms at %d MB", a.InvocationMs, a.MemoryMB))
	add("EventBridge Scheduler", invocations, "invocations", p.SchedulerInvocation, "one schedule per location")

	// Datums per round per location: latency per area, the heartbeat, and the
	// flags in the rounds that fail (small; the request count is what is billed).
	datums := areas + 1
	phases := 0.0
	if withPhases {
		phases = 5
		datums += 5 * areas
	}
	calls := math.Ceil(datums/1000) * invocations
	add("PutMetricData requests", calls, "requests", p.PutMetricDataRequest, "one call per round per location")

	always := areas*locs*(1+phases) + locs
	note := "Latency per area and location, Heartbeat per location"
	if phases > 0 {
		note += ", 5 phase metrics per area and location"
	}
	add("Custom metrics, every hour", always, "metric-months", p.MetricMonth, note)
	flagMetrics := areas * 2 * (1 + locs)
	add("Custom metrics, Failed/Slow flags", flagMetrics*a.IncidentHours/HoursPerMonth, "metric-months", p.MetricMonth,
		fmt.Sprintf("%g flag metrics, billed only in the %g hours a month they are sent (5%% of hours: a bad month)", flagMetrics, a.IncidentHours))
	alarms := 2*areas + locs + 2
	add("CloudWatch alarms", alarms, "alarms", p.AlarmMonth, "Down and Slow per area, Silent per location, 2 on the notifier")
	add("CloudWatch dashboard", 1, "dashboards", p.DashboardMonth, "free if the account has fewer than 3")

	logGB := (rounds*locs*(areas*float64(a.ResultLogBytes)) + invocations*float64(a.RoundLogBytes)) / 1e9
	add("CloudWatch Logs ingestion", logGB, "GB", p.LogsIngestGB, "one JSON line per result")
	add("CloudWatch Logs storage", logGB*float64(a.RetentionDays)/30*0.15, "GB-months", p.LogsStoreGBMonth,
		fmt.Sprintf("%d-day retention, ~15%% after compression", a.RetentionDays))

	n := float64(a.Notifications)
	add("SNS publishes", 2*n, "requests", p.SNSPublish, "alarm topic and notify topic")
	add("SNS email", n, "emails", p.SNSEmail, "")
	add("SNS SMS (US)", n*a.SMSShare, "messages", p.SNSSMS, "critical only; prices vary by country")
	add("GetMetricData (alert details)", n*locs*3, "metrics", p.GetMetricDataMetric, "")

	// The notifier's minute tick: one invocation a minute in the home region,
	// reading every alarm (DescribeAlarms, 100 a page) and the ledger.
	ticks := float64(HoursPerMonth * 60)
	add("Lambda requests (notifier tick)", ticks, "requests", p.LambdaRequest, "one a minute, home region only")
	add("Lambda compute (notifier tick)", ticks*a.TickMs/1000*float64(a.TickMemoryMB)/1024, "GB-s", p.LambdaGBSecondARM,
		fmt.Sprintf("%g ms at %d MB", a.TickMs, a.TickMemoryMB))
	add("EventBridge Scheduler (notifier tick)", ticks, "invocations", p.SchedulerInvocation, "")
	pages := math.Ceil(alarms / 100)
	add("DescribeAlarms (notifier tick)", ticks*pages, "requests", p.CloudWatchAPIRequest,
		fmt.Sprintf("%g page(s) of 100 alarms a tick", pages))
	add("CloudWatch Logs ingestion (notifier tick)", ticks*float64(a.RoundLogBytes)/1e9, "GB", p.LogsIngestGB,
		"its summary line and the platform's START/END/REPORT")
	// A tick reads the state and the ad-hoc windows (one unit each); each
	// notification also reads both, writes the state twice (decide, then
	// record delivery) and, on resolve, an archived incident.
	add("DynamoDB reads (incident ledger)", 2*ticks+3*n, "read units", p.DynamoDBReadUnit, "on-demand, strongly consistent")
	add("DynamoDB writes (incident ledger)", 2.5*n*a.LedgerKB, "write units", p.DynamoDBWriteUnit,
		fmt.Sprintf("%g KB a write while an incident is open", a.LedgerKB))

	for _, l := range e.Lines {
		e.Total += l.Monthly
	}
	if areas > 0 {
		e.PerArea = e.Total / areas
	}
	e.Synthetics = rounds * locs * areas * p.SyntheticsRun
	e.Route53 = areas * (p.Route53Check + 3*p.Route53Feature)
	return e
}
