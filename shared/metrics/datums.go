package metrics

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/probe"
)

// StorageResolution of every datum: standard resolution, one alarm period a minute.
const StorageResolution = 60

// Datums turns one round from one location into the datums of the schema
// (see schema.go and the README's "Metrics" section):
//
//   - Heartbeat=1 {Location}, every round; Abstained=1 {Location} as well when
//     the control probe failed, and then nothing per area: a location whose own
//     network is broken must not accuse the application.
//   - Failed=1 for a down area and Slow=1 for a slow one, each twice: {Area} for
//     the quorum alarm and {Area, Location} for the notifier. Never 0: a flag
//     that is only sent when raised costs nothing while all is well.
//   - Latency {Area, Location} in milliseconds for every result that got an
//     HTTP response, and the five phase metrics too when cfg.Metrics.Phases.
//
// location is the location's label (cfg.Locations[region]), not its region.
// Every datum carries roundTime, which the caller has already truncated to
// the minute, so the four locations' datums share one alarm period.
func Datums(cfg *check.Config, location string, roundTime time.Time, r probe.Round) []types.MetricDatum {
	ts := aws.Time(roundTime)
	loc := []types.Dimension{dim(alarm.DimLocation, location)}
	if r.Abstained {
		return []types.MetricDatum{
			datum(alarm.Heartbeat, 1, types.StandardUnitCount, loc, ts),
			datum(alarm.Abstained, 1, types.StandardUnitCount, loc, ts),
		}
	}

	perResponse := 1
	if cfg.Metrics.Phases {
		perResponse += 5
	}
	out := make([]types.MetricDatum, 0, 1+len(r.Results)*perResponse+8)
	out = append(out, datum(alarm.Heartbeat, 1, types.StandardUnitCount, loc, ts))
	locationValue := loc[0].Value
	for i := range r.Results {
		res := &r.Results[i]
		areaValue := aws.String(res.Area)
		// The slices are shared by this area's datums: the SDK only reads them.
		area := []types.Dimension{{Name: aws.String(alarm.DimArea), Value: areaValue}}
		areaLoc := []types.Dimension{{Name: aws.String(alarm.DimArea), Value: areaValue}, {Name: aws.String(alarm.DimLocation), Value: locationValue}}
		switch res.Verdict {
		case probe.Down:
			out = append(out,
				datum(alarm.Failed, 1, types.StandardUnitCount, area, ts),
				datum(alarm.Failed, 1, types.StandardUnitCount, areaLoc, ts))
		case probe.Slow:
			out = append(out,
				datum(alarm.Slow, 1, types.StandardUnitCount, area, ts),
				datum(alarm.Slow, 1, types.StandardUnitCount, areaLoc, ts))
		}
		if res.Status == 0 {
			continue // no response: there is no latency to speak of
		}
		out = append(out, datum(alarm.Latency, probe.Millis(res.Phases.Total), types.StandardUnitMilliseconds, areaLoc, ts))
		if cfg.Metrics.Phases {
			ph := res.Phases
			out = append(out,
				datum(alarm.PhaseDNS, probe.Millis(ph.DNS), types.StandardUnitMilliseconds, areaLoc, ts),
				datum(alarm.PhaseConnect, probe.Millis(ph.Connect), types.StandardUnitMilliseconds, areaLoc, ts),
				datum(alarm.PhaseTLS, probe.Millis(ph.TLS), types.StandardUnitMilliseconds, areaLoc, ts),
				datum(alarm.PhaseTTFB, probe.Millis(ph.TTFB), types.StandardUnitMilliseconds, areaLoc, ts),
				datum(alarm.PhaseTransfer, probe.Millis(ph.Transfer), types.StandardUnitMilliseconds, areaLoc, ts))
		}
	}
	return out
}

func datum(name string, v float64, unit types.StandardUnit, dims []types.Dimension, ts *time.Time) types.MetricDatum {
	return types.MetricDatum{
		MetricName:        aws.String(name),
		Value:             aws.Float64(v),
		Unit:              unit,
		Dimensions:        dims,
		Timestamp:         ts,
		StorageResolution: aws.Int32(StorageResolution),
	}
}

func dim(name, value string) types.Dimension {
	return types.Dimension{Name: aws.String(name), Value: aws.String(value)}
}
