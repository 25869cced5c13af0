package metrics_test

import (
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/metrics"
)

func TestAlarmNamesRoundTrip(t *testing.T) {
	for _, n := range []metrics.AlarmName{
		metrics.DownAlarm("taskboard", "SignIn"),
		metrics.SlowAlarm("my-app", "PublicAPI"),
		metrics.SilentAlarm("taskboard", "New York"),
		metrics.SilentAlarm("a", "St. John's"),
	} {
		got, ok := metrics.ParseAlarmName(n.String())
		if !ok || got != n {
			t.Errorf("%q parsed as %+v, %v", n.String(), got, ok)
		}
	}
	for _, foreign := range []string{"", "lookout.", "lookout.app.down.", "lookout.app.melted.X", "HighCPU", "lookout..down.X", "Lookout.app.down.X"} {
		if n, ok := metrics.ParseAlarmName(foreign); ok {
			t.Errorf("%q parsed as ours: %+v", foreign, n)
		}
	}
}

func TestAlarmsFromExample(t *testing.T) {
	c, err := check.Load("../../checks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	specs := metrics.Alarms(c)
	if want := 2*len(c.Areas) + len(c.Locations); len(specs) != want {
		t.Fatalf("%d alarms, want %d", len(specs), want)
	}
	byName := map[string]metrics.AlarmSpec{}
	for _, s := range specs {
		if _, dup := byName[s.Name.String()]; dup {
			t.Errorf("duplicate alarm %s", s.Name)
		}
		byName[s.Name.String()] = s
	}
	down := byName["lookout.taskboard.down.SignIn"]
	if down.Metric != metrics.Failed || down.Statistic != "Sum" || down.Threshold != 2 || down.EvaluationPeriods != 3 ||
		down.DatapointsToAlarm != 2 || down.TreatMissingData != "notBreaching" || down.Namespace != "Lookout/taskboard" ||
		len(down.Dimensions) != 1 || down.Dimensions[0] != (metrics.Dimension{Name: "Area", Value: "SignIn"}) {
		t.Errorf("down alarm: %+v", down)
	}
	silent := byName["lookout.taskboard.silent.Mumbai"]
	if silent.Metric != metrics.Heartbeat || silent.TreatMissingData != "breaching" || silent.Comparison != "LessThanThreshold" ||
		silent.EvaluationPeriods != 5 {
		t.Errorf("silent alarm: %+v", silent)
	}
	if got := metrics.LocationRegions(c); got[0] != "us-east-1" || len(got) != 4 {
		t.Errorf("regions %v", got)
	}
}
