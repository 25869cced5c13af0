package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

// MetricDataGetter is the one CloudWatch call the enricher makes.
type MetricDataGetter interface {
	GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

// Enrichment defaults.
const (
	DefaultEnrichWindow  = 10 * time.Minute
	DefaultEnrichTimeout = 3 * time.Second
	// staleAfter: a location whose last heartbeat is older than this at the
	// end of the window is reported as silent rather than by its old status.
	staleAfter = 3 * time.Minute
)

// Status is what a location saw in its latest round.
type Status string

// Location statuses.
const (
	StatusFailing   Status = "failing"
	StatusSlow      Status = "slow"
	StatusOK        Status = "ok"
	StatusAbstained Status = "abstained" // its own network was broken: it did not judge
	StatusSilent    Status = "silent"    // no recent heartbeat
)

// LocationStatus is one location's view of an area (or, for a silent alarm,
// of its own heartbeat) over the enrichment window.
type LocationStatus struct {
	Region, Label string
	Status        Status
	// Latency is the latest latency in the window; HasLatency is false when
	// no probe got a response.
	Latency    time.Duration
	HasLatency bool
	// LastHeartbeat is the time of the location's latest round in the window (zero if none).
	LastHeartbeat time.Time
	// BadMinutes counts minutes in the window that the location found the
	// area failing (down alarms) or slow (slow alarms).
	BadMinutes int
}

// Details are what the enricher read. When Available is false the messages
// say that details are unavailable.
type Details struct {
	Available bool
	// From and To bound the window read.
	From, To  time.Time
	Locations []LocationStatus
}

// Enricher reads per-location detail for an alarm from the home region.
type Enricher struct {
	Client MetricDataGetter
	Config *check.Config
	// Window is how far back to look (default 10 minutes); Timeout bounds the
	// whole read (default 3 s).
	Window, Timeout time.Duration
}

// Enrich reads, for every location, the latest round's status, its latest
// latency and (for silent alarms) its last heartbeat. Foreign alarms have no
// Lookout metrics: their details are empty and unavailable, without error.
func (e *Enricher) Enrich(ctx context.Context, inc *Alarm, now time.Time) (Details, error) {
	if inc.Kind == alarm.KindForeign || e == nil || e.Client == nil {
		return Details{}, nil
	}
	window := e.Window
	if window <= 0 {
		window = DefaultEnrichWindow
	}
	to := now.UTC().Truncate(time.Minute).Add(time.Minute)
	return e.EnrichSpan(ctx, inc, to.Add(-window), to)
}

// MaxEnrichSpan bounds the span EnrichSpan reads: an incident's resolve
// message tells where each member failed over at most its last six hours.
const MaxEnrichSpan = 6 * time.Hour

// EnrichSpan is Enrich over [from, to), whole minutes, at most MaxEnrichSpan
// (the latest part of a longer span): BadMinutes then count the minutes of
// the span each location found the area bad.
func (e *Enricher) EnrichSpan(ctx context.Context, inc *Alarm, from, to time.Time) (Details, error) {
	if inc.Kind == alarm.KindForeign || e == nil || e.Client == nil {
		return Details{}, nil
	}
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = DefaultEnrichTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	from, to = from.UTC().Truncate(time.Minute), to.UTC().Truncate(time.Minute)
	if to.Sub(from) > MaxEnrichSpan {
		from = to.Add(-MaxEnrichSpan)
	}
	if !from.Before(to) {
		from = to.Add(-time.Minute)
	}
	regions := alarm.LocationRegions(e.Config)
	ns := alarm.Namespace(inc.App)
	var queries []types.MetricDataQuery
	add := func(id, metric, stat string, dims ...alarm.Dimension) {
		d := make([]types.Dimension, len(dims))
		for i, x := range dims {
			d[i] = types.Dimension{Name: aws.String(x.Name), Value: aws.String(x.Value)}
		}
		queries = append(queries, types.MetricDataQuery{
			Id: aws.String(id),
			MetricStat: &types.MetricStat{
				Metric: &types.Metric{Namespace: aws.String(ns), MetricName: aws.String(metric), Dimensions: d},
				Period: aws.Int32(alarm.Period),
				Stat:   aws.String(stat),
			},
			ReturnData: aws.Bool(true),
		})
	}
	for i, region := range regions {
		loc := alarm.Dimension{Name: alarm.DimLocation, Value: e.Config.Locations[region]}
		add(queryID("hb", i), alarm.Heartbeat, "SampleCount", loc)
		add(queryID("ab", i), alarm.Abstained, "Sum", loc)
		if inc.AreaID != "" {
			area := alarm.Dimension{Name: alarm.DimArea, Value: inc.AreaID}
			add(queryID("fl", i), alarm.Failed, "Sum", area, loc)
			add(queryID("sl", i), alarm.Slow, "Sum", area, loc)
			add(queryID("lt", i), alarm.Latency, "Average", area, loc)
		}
	}

	series := map[string]map[time.Time]float64{}
	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(from), EndTime: aws.Time(to),
		MetricDataQueries: queries, ScanBy: types.ScanByTimestampDescending,
	}
	for page := 0; ; page++ {
		out, err := e.Client.GetMetricData(ctx, in)
		if err != nil {
			return Details{}, fmt.Errorf("GetMetricData: %w", err)
		}
		for _, r := range out.MetricDataResults {
			id := aws.ToString(r.Id)
			if series[id] == nil {
				series[id] = map[time.Time]float64{}
			}
			for j, ts := range r.Timestamps {
				if j < len(r.Values) {
					series[id][ts.UTC()] = r.Values[j]
				}
			}
		}
		if out.NextToken == nil || page >= 10 {
			break
		}
		in.NextToken = out.NextToken
	}

	d := Details{Available: true, From: from, To: to}
	for i, region := range regions {
		ls := LocationStatus{Region: region, Label: e.Config.Locations[region], Status: StatusSilent}
		hb := series[queryID("hb", i)]
		for ts, v := range hb {
			if v > 0 && ts.After(ls.LastHeartbeat) {
				ls.LastHeartbeat = ts
			}
		}
		bad := series[queryID("fl", i)]
		if inc.Kind == alarm.KindSlow {
			bad = series[queryID("sl", i)]
		}
		for _, v := range bad {
			if v > 0 {
				ls.BadMinutes++
			}
		}
		var latest time.Time
		for ts, v := range series[queryID("lt", i)] {
			if ts.After(latest) || latest.IsZero() {
				latest, ls.Latency, ls.HasLatency = ts, time.Duration(v*float64(time.Millisecond)), true
			}
		}
		last := ls.LastHeartbeat
		if !last.IsZero() && !last.Before(to.Add(-staleAfter)) {
			switch {
			case series[queryID("ab", i)][last] > 0:
				ls.Status = StatusAbstained
			case series[queryID("fl", i)][last] > 0:
				ls.Status = StatusFailing
			case series[queryID("sl", i)][last] > 0:
				ls.Status = StatusSlow
			default:
				ls.Status = StatusOK
			}
		}
		d.Locations = append(d.Locations, ls)
	}
	return d, nil
}

func queryID(prefix string, i int) string { return fmt.Sprintf("%s%d", prefix, i) }
