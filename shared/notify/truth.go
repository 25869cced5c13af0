package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/lookout-monitoring/lookout/shared/alarm"
)

// AlarmDescriber is the one CloudWatch call the reconcile tick makes.
type AlarmDescriber interface {
	DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

// AlarmTruth is one Lookout alarm as CloudWatch holds it now.
type AlarmTruth struct {
	Name  alarm.AlarmName
	State alarm.State
	// Since is when the alarm last changed state (what an SNS notification
	// calls StateChangeTime), so a tick and a delivery of the same change agree.
	Since  time.Time
	Reason string
}

// Bounds of one read: 100 alarms a page (DescribeAlarms' maximum), and no
// more pages than an app can have alarms (the template's 32 area stacks of
// at most 100 areas, two alarms each, plus the locations), with room.
const (
	describePage     = 100
	maxDescribePages = 80
)

// ReadAlarms reads the true state of every Lookout alarm of app: the metric
// alarms named lookout.<app>.<kind>.<subject>. Others under the same prefix
// (the notifier's own health alarms) are not the ledger's business and are
// left out. It fails rather than return a partial picture: a tick that
// believed a missing alarm deleted would resolve what is still down.
func ReadAlarms(ctx context.Context, api AlarmDescriber, app string) (map[string]AlarmTruth, error) {
	prefix := alarm.AlarmPrefix(app)
	in := &cloudwatch.DescribeAlarmsInput{
		AlarmNamePrefix: aws.String(prefix),
		AlarmTypes:      []types.AlarmType{types.AlarmTypeMetricAlarm},
		MaxRecords:      aws.Int32(describePage),
	}
	out := map[string]AlarmTruth{}
	for page := 0; ; page++ {
		if page == maxDescribePages {
			return nil, fmt.Errorf("describe alarms %s*: more than %d pages", prefix, maxDescribePages)
		}
		resp, err := api.DescribeAlarms(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("describe alarms %s*: %w", prefix, err)
		}
		for _, a := range resp.MetricAlarms {
			name, ok := alarm.ParseAlarmName(aws.ToString(a.AlarmName))
			if !ok || name.App != app {
				continue
			}
			since := aws.ToTime(a.StateTransitionedTimestamp)
			if since.IsZero() {
				since = aws.ToTime(a.StateUpdatedTimestamp)
			}
			out[name.String()] = AlarmTruth{
				Name:   name,
				State:  alarm.State(a.StateValue),
				Since:  since.UTC(),
				Reason: aws.ToString(a.StateReason),
			}
		}
		if aws.ToString(resp.NextToken) == "" {
			return out, nil
		}
		in.NextToken = resp.NextToken
	}
}
