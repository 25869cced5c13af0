package alarm_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

func TestAlarmNamesRoundTrip(t *testing.T) {
	for _, n := range []alarm.AlarmName{
		alarm.DownAlarm("taskboard", "SignIn"),
		alarm.SlowAlarm("my-app", "PublicAPI"),
		alarm.SilentAlarm("taskboard", "New York"),
		alarm.SilentAlarm("a", "St. John's"),
	} {
		got, ok := alarm.ParseAlarmName(n.String())
		if !ok || got != n {
			t.Errorf("%q parsed as %+v, %v", n.String(), got, ok)
		}
	}
	for _, foreign := range []string{"", "lookout.", "lookout.app.down.", "lookout.app.melted.X", "HighCPU", "lookout..down.X", "Lookout.app.down.X"} {
		if n, ok := alarm.ParseAlarmName(foreign); ok {
			t.Errorf("%q parsed as ours: %+v", foreign, n)
		}
	}
}

func TestAlarmsFromExample(t *testing.T) {
	c, err := check.Load("../../checks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	specs := alarm.Alarms(c)
	if want := 2*len(c.Areas) + len(c.Locations); len(specs) != want {
		t.Fatalf("%d alarms, want %d", len(specs), want)
	}
	byName := map[string]alarm.AlarmSpec{}
	for _, s := range specs {
		if _, dup := byName[s.Name.String()]; dup {
			t.Errorf("duplicate alarm %s", s.Name)
		}
		byName[s.Name.String()] = s
	}
	down := byName["lookout.taskboard.down.SignIn"]
	if down.Metric != alarm.Failed || down.Statistic != "Sum" || down.Threshold != 2 || down.EvaluationPeriods != 3 ||
		down.DatapointsToAlarm != 2 || down.TreatMissingData != "notBreaching" || down.Namespace != "Lookout/taskboard" ||
		len(down.Dimensions) != 1 || down.Dimensions[0] != (alarm.Dimension{Name: "Area", Value: "SignIn"}) {
		t.Errorf("down alarm: %+v", down)
	}
	silent := byName["lookout.taskboard.silent.Mumbai"]
	if silent.Metric != alarm.Heartbeat || silent.TreatMissingData != "breaching" || silent.Comparison != "LessThanThreshold" ||
		silent.EvaluationPeriods != 5 {
		t.Errorf("silent alarm: %+v", silent)
	}
	if got := alarm.LocationRegions(c); got[0] != "us-east-1" || len(got) != 4 {
		t.Errorf("regions %v", got)
	}
}

// Spec makes the same alarm Alarms does, one at a time, and no other.
func TestSpecIsTheAlarmOfAlarms(t *testing.T) {
	c, err := check.Load("../../checks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range alarm.Alarms(c) {
		got, ok := alarm.Spec(c, want.Name)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("Spec(%s) = %+v, %v; want %+v", want.Name, got, ok, want)
		}
	}
	for _, n := range []alarm.AlarmName{
		alarm.DownAlarm("other-app", c.Areas[0].ID),
		alarm.DownAlarm(c.App, strings.ToLower(c.Areas[0].ID)), // names are exact
		alarm.SlowAlarm(c.App, "NoSuchArea"),
		alarm.SilentAlarm(c.App, "Atlantis"),
	} {
		if s, ok := alarm.Spec(c, n); ok {
			t.Errorf("Spec(%s) found %+v", n, s)
		}
	}
}
