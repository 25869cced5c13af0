package evaluate

import (
	"context"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// describePage is DescribeAlarms' default page size.
const describePage = 50

// DescribeAlarms answers as CloudWatch would for the metric alarms it
// evaluates: their state, when they last changed it and why, filtered by
// AlarmNamePrefix and paged by MaxRecords, so the notifier's reconcile tick
// runs unchanged against a local scenario.
func (e *Evaluator) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	prefix := aws.ToString(in.AlarmNamePrefix)
	page := int(aws.ToInt32(in.MaxRecords))
	if page <= 0 {
		page = describePage
	}
	start, _ := strconv.Atoi(aws.ToString(in.NextToken))
	out := &cloudwatch.DescribeAlarmsOutput{}
	matched := 0
	for _, s := range e.specs {
		name := s.Name.String()
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		matched++
		if matched <= start {
			continue
		}
		if len(out.MetricAlarms) == page {
			out.NextToken = aws.String(strconv.Itoa(start + page))
			break
		}
		a := types.MetricAlarm{
			AlarmName:  aws.String(name),
			StateValue: types.StateValue(e.state[name]),
		}
		if t, ok := e.since[name]; ok {
			a.StateTransitionedTimestamp, a.StateUpdatedTimestamp = aws.Time(t), aws.Time(t)
			a.StateReason = aws.String(e.reason[name])
		}
		out.MetricAlarms = append(out.MetricAlarms, a)
	}
	return out, nil
}
