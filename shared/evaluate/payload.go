package evaluate

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// stateChangeTimeLayout is how CloudWatch writes StateChangeTime in alarm notifications.
const stateChangeTimeLayout = "2006-01-02T15:04:05.000-0700"

// Payload is the notification CloudWatch would publish to the alarm topic for
// this transition, so the notifier's own parsing and rendering can be replayed.
func (t Transition) Payload(region, account string) events.CloudWatchAlarmSNSPayload {
	s := t.Spec
	name := s.Name.String()
	dims := make([]events.CloudWatchDimension, len(s.Dimensions))
	for i, d := range s.Dimensions {
		dims[i] = events.CloudWatchDimension{Name: d.Name, Value: d.Value}
	}
	return events.CloudWatchAlarmSNSPayload{
		AlarmName:        name,
		AlarmDescription: s.Description,
		AWSAccountID:     account,
		NewStateValue:    string(t.To),
		NewStateReason:   t.Reason,
		StateChangeTime:  t.At.UTC().Format(stateChangeTimeLayout),
		Region:           region,
		AlarmARN:         fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", region, account, name),
		OldStateValue:    string(t.From),
		Trigger: events.CloudWatchAlarmTrigger{
			Period:             int64(s.Period),
			EvaluationPeriods:  int64(s.EvaluationPeriods),
			ComparisonOperator: s.Comparison,
			Threshold:          s.Threshold,
			TreatMissingData:   s.TreatMissingData,
			MetricName:         s.Metric,
			Namespace:          s.Namespace,
			StatisticType:      "Statistic",
			Statistic:          upper(s.Statistic),
			Dimensions:         dims,
		},
	}
}

// upper writes a statistic the way alarm notifications do (SUM, SAMPLE_COUNT).
func upper(stat string) string {
	switch stat {
	case "SampleCount":
		return "SAMPLE_COUNT"
	case "Sum":
		return "SUM"
	case "Average":
		return "AVERAGE"
	case "Minimum":
		return "MINIMUM"
	case "Maximum":
		return "MAXIMUM"
	}
	return stat
}
