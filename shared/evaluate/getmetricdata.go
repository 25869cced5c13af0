package evaluate

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/lookout-monitoring/lookout/shared/alarm"
)

// GetMetricData answers MetricStat queries from the datums added, as
// CloudWatch would (per period, newest first), so code that reads metrics in
// production (the notifier's enrichment) runs unchanged against a local
// scenario. Metric math is not supported.
func (e *Evaluator) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	if in.StartTime == nil || in.EndTime == nil {
		return nil, fmt.Errorf("GetMetricData: StartTime and EndTime are required")
	}
	out := &cloudwatch.GetMetricDataOutput{}
	for _, q := range in.MetricDataQueries {
		if q.MetricStat == nil || q.MetricStat.Metric == nil {
			return nil, fmt.Errorf("GetMetricData: query %s: only MetricStat queries are supported", aws.ToString(q.Id))
		}
		ms := q.MetricStat
		dims := make([]alarm.Dimension, len(ms.Metric.Dimensions))
		for i, d := range ms.Metric.Dimensions {
			dims[i] = alarm.Dimension{Name: aws.ToString(d.Name), Value: aws.ToString(d.Value)}
		}
		period := int64(aws.ToInt32(ms.Period))
		if period <= 0 {
			period = alarm.Period
		}
		vals := e.series[seriesKey(aws.ToString(ms.Metric.Namespace), aws.ToString(ms.Metric.MetricName), dims)]
		res := types.MetricDataResult{Id: q.Id, Label: ms.Metric.MetricName, StatusCode: types.StatusCodeComplete}
		// Periods start at multiples of period; EndTime is exclusive.
		start := in.StartTime.Unix() / period * period
		for t := (in.EndTime.Unix() - 1) / period * period; t >= start; t -= period {
			if v, ok := periodStat(vals, aws.ToString(ms.Stat), t, period); ok {
				res.Timestamps = append(res.Timestamps, time.Unix(t, 0).UTC())
				res.Values = append(res.Values, v)
			}
		}
		out.MetricDataResults = append(out.MetricDataResults, res)
	}
	return out, nil
}
