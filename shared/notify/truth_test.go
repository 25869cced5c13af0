package notify

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/awsclient"
	"github.com/lookout-monitoring/lookout/shared/awstest"
)

// putAlarm creates a metric alarm in moto (where every alarm starts OK and
// never evaluates) and sets its state, as CloudWatch would have.
func putAlarm(t *testing.T, cw *cloudwatch.Client, name string, state alarm.State) {
	t.Helper()
	ctx := context.Background()
	if _, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(name), Namespace: aws.String("Lookout/taskboard"), MetricName: aws.String(alarm.Failed),
		Statistic: types.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(3), DatapointsToAlarm: aws.Int32(2),
		Threshold: aws.Float64(2), ComparisonOperator: types.ComparisonOperatorGreaterThanOrEqualToThreshold,
	}); err != nil {
		t.Fatal(err)
	}
	if state == alarm.StateOK {
		return
	}
	if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{
		AlarmName: aws.String(name), StateValue: types.StateValue(state), StateReason: aws.String("test: " + string(state)),
	}); err != nil {
		t.Fatal(err)
	}
}

func TestReadAlarmsReadsEveryLookoutAlarmOfTheAppAcrossPages(t *testing.T) {
	srv := awstest.Start(t)
	cw := awsclient.CloudWatch(srv.Config(t, "us-east-1"), "us-east-1", "")
	before := time.Now().Add(-time.Hour) // moto stamps with its own clock: only sanity is checked
	putAlarm(t, cw, alarm.DownAlarm("taskboard", "Boards").String(), alarm.StateAlarm)
	putAlarm(t, cw, alarm.SilentAlarm("taskboard", "Mumbai").String(), alarm.StateOK)
	for i := range 120 { // more than a page
		putAlarm(t, cw, alarm.SlowAlarm("taskboard", "Area"+string(rune('A'+i/26))+string(rune('a'+i%26))).String(), alarm.StateOK)
	}
	putAlarm(t, cw, "lookout.taskboard.notifier.errors", alarm.StateAlarm) // the notifier's own
	putAlarm(t, cw, alarm.DownAlarm("taskboard2", "Boards").String(), alarm.StateAlarm)
	putAlarm(t, cw, "HighCPU", alarm.StateAlarm)

	got, err := ReadAlarms(context.Background(), cw, "taskboard")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 122 {
		t.Fatalf("read %d alarms, want 122 (1 down, 1 silent, 120 slow)", len(got))
	}
	down := got["lookout.taskboard.down.Boards"]
	if down.State != alarm.StateAlarm || down.Name != alarm.DownAlarm("taskboard", "Boards") || down.Reason != "test: ALARM" {
		t.Errorf("down alarm = %+v", down)
	}
	if down.Since.Before(before) {
		t.Errorf("down alarm's state time %v is not the time it was set", down.Since)
	}
	if s := got["lookout.taskboard.silent.Mumbai"]; s.State != alarm.StateOK {
		t.Errorf("silent alarm = %+v", s)
	}
	for name := range got {
		if _, ok := alarm.ParseAlarmName(name); !ok {
			t.Errorf("%s is not a Lookout alarm", name)
		}
	}
}

// pages is a fake DescribeAlarms that always has another page, or fails.
type pages struct {
	err   error
	calls int
}

func (p *pages) DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	p.calls++
	if p.err != nil {
		return nil, p.err
	}
	return &cloudwatch.DescribeAlarmsOutput{NextToken: aws.String("more")}, nil
}

func TestReadAlarmsFailsRatherThanReturnAPartialPicture(t *testing.T) {
	endless := &pages{}
	if _, err := ReadAlarms(context.Background(), endless, "taskboard"); err == nil {
		t.Fatal("an endless listing was accepted")
	}
	if endless.calls != maxDescribePages {
		t.Errorf("%d calls, want the bound %d", endless.calls, maxDescribePages)
	}
	failing := &pages{err: errors.New("throttled")}
	if got, err := ReadAlarms(context.Background(), failing, "taskboard"); err == nil || got != nil {
		t.Fatalf("a failed read gave %v, %v", got, err)
	}
}
