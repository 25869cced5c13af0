package evaluate_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/evaluate"
)

func config(t *testing.T) *check.Config {
	t.Helper()
	c, err := check.Parse("checks.yaml", []byte(`
app: shop
alerting: {quorum: 2, down: {m: 2, n: 3}, slow: {m: 3, n: 5}, silent_after: 3}
areas:
  - {id: Cart, request: {url: "https://shop.example.com/cart"}}
  - {id: Search, request: {url: "https://shop.example.com/search"}}
`))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var t0 = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

func datum(metric string, at time.Time, v float64, dims ...string) types.MetricDatum {
	d := types.MetricDatum{MetricName: aws.String(metric), Timestamp: aws.Time(at), Value: aws.Float64(v)}
	for i := 0; i+1 < len(dims); i += 2 {
		d.Dimensions = append(d.Dimensions, types.Dimension{Name: aws.String(dims[i]), Value: aws.String(dims[i+1])})
	}
	return d
}

// minute feeds one round: a heartbeat from every location and a Failed datum
// for each failing location of the area Cart.
func minute(t *testing.T, e *evaluate.Evaluator, m int, failing ...string) []evaluate.Transition {
	t.Helper()
	at := t0.Add(time.Duration(m) * time.Minute)
	var ds []types.MetricDatum
	for _, loc := range []string{"New York", "London", "Mumbai", "Sydney"} {
		ds = append(ds, datum(alarm.Heartbeat, at, 1, "Location", loc))
	}
	for _, loc := range failing {
		ds = append(ds, datum(alarm.Failed, at, 1, "Area", "Cart"), datum(alarm.Failed, at, 1, "Area", "Cart", "Location", loc))
	}
	if err := e.Add("Lookout/shop", ds); err != nil {
		t.Fatal(err)
	}
	return e.Evaluate(at.Add(time.Minute))
}

func alarmsOnly(ts []evaluate.Transition) []evaluate.Transition {
	var out []evaluate.Transition
	for _, tr := range ts {
		if tr.From != evaluate.InsufficientData || tr.To != evaluate.OK {
			out = append(out, tr)
		}
	}
	return out
}

func TestQuorumAndMofN(t *testing.T) {
	e := evaluate.New(alarm.Alarms(config(t)))
	down := alarm.DownAlarm("shop", "Cart")
	// All well, then one location blips for three minutes: below quorum, no alarm.
	steps := []struct {
		failing []string
		want    evaluate.State
	}{
		{nil, evaluate.OK},
		{[]string{"Mumbai"}, evaluate.OK},
		{[]string{"Mumbai"}, evaluate.OK},
		{[]string{"Mumbai"}, evaluate.OK},
		{nil, evaluate.OK},
		// Two locations agree: the first minute is 1 of 3, the second 2 of 3 -> ALARM.
		{[]string{"London", "Mumbai"}, evaluate.OK},
		{[]string{"London", "Sydney", "Mumbai"}, evaluate.Alarm},
		{[]string{"London", "Mumbai"}, evaluate.Alarm},
		// Recovery: 2 of the last 3 still breach, then 1 of 3 -> OK.
		{nil, evaluate.Alarm},
		{nil, evaluate.OK},
		{nil, evaluate.OK},
	}
	changes := 0
	for i, s := range steps {
		for _, tr := range alarmsOnly(minute(t, e, i, s.failing...)) {
			if tr.Spec.Name == down {
				changes++
			}
		}
		if got := e.State(down); got != s.want {
			t.Fatalf("minute %d (failing %v): %s, want %s", i, s.failing, got, s.want)
		}
	}
	if changes != 2 {
		t.Errorf("%d state changes of the Down alarm, want exactly 2 (one alarm, one resolve)", changes)
	}
	if e.State(alarm.DownAlarm("shop", "Search")) != evaluate.OK {
		t.Errorf("Search never failed but is %s", e.State(alarm.DownAlarm("shop", "Search")))
	}
}

func TestSilentLocationTreatsMissingAsBreaching(t *testing.T) {
	e := evaluate.New(alarm.Alarms(config(t)))
	silent := alarm.SilentAlarm("shop", "Sydney")
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	for m := range 3 {
		for _, loc := range []string{"New York", "London", "Mumbai", "Sydney"} {
			if err := e.Add("Lookout/shop", []types.MetricDatum{datum(alarm.Heartbeat, at(m), 1, "Location", loc)}); err != nil {
				t.Fatal(err)
			}
		}
		e.Evaluate(at(m + 1))
	}
	if e.State(silent) != evaluate.OK {
		t.Fatalf("sydney %s before going quiet", e.State(silent))
	}
	var fired *evaluate.Transition
	for m := 3; m < 6; m++ { // Sydney stops; the others go on
		for _, loc := range []string{"New York", "London", "Mumbai"} {
			if err := e.Add("Lookout/shop", []types.MetricDatum{datum(alarm.Heartbeat, at(m), 1, "Location", loc)}); err != nil {
				t.Fatal(err)
			}
		}
		for _, tr := range e.Evaluate(at(m + 1)) {
			if tr.Spec.Name == silent {
				fired = &tr
			}
		}
	}
	if fired == nil || fired.To != evaluate.Alarm || e.State(alarm.SilentAlarm("shop", "London")) != evaluate.OK {
		t.Fatalf("silent alarm: %+v", fired)
	}
	if want := t0.Add(6 * time.Minute); !fired.At.Equal(want) {
		t.Errorf("fired at %s, want %s (after 3 silent minutes)", fired.At, want)
	}
}

func TestEachPeriodIsJudgedOnce(t *testing.T) {
	e := evaluate.New(alarm.Alarms(config(t)))
	first := e.Evaluate(t0)
	if len(first) == 0 {
		t.Fatal("first evaluation should move alarms out of INSUFFICIENT_DATA")
	}
	if again := e.Evaluate(t0.Add(30 * time.Second)); len(again) != 0 {
		t.Errorf("re-evaluating the same period changed %d alarms", len(again))
	}
}

func TestBadDatumsAreRefused(t *testing.T) {
	e := evaluate.New(nil)
	if err := e.Add("ns", []types.MetricDatum{{MetricName: aws.String("X")}}); err == nil {
		t.Error("datum without timestamp accepted")
	}
	if err := e.Add("ns", []types.MetricDatum{{MetricName: aws.String("X"), Timestamp: aws.Time(t0)}}); err == nil {
		t.Error("datum without value accepted")
	}
}

func TestGetMetricDataAnswersLikeCloudWatch(t *testing.T) {
	e := evaluate.New(nil)
	for m := range 5 {
		at := t0.Add(time.Duration(m) * time.Minute)
		ds := []types.MetricDatum{datum(alarm.Latency, at, float64(100+m), "Area", "Cart", "Location", "London")}
		if m >= 3 {
			ds = append(ds, datum(alarm.Latency, at, float64(300+m), "Area", "Cart", "Location", "London"))
		}
		if err := e.Add("Lookout/shop", ds); err != nil {
			t.Fatal(err)
		}
	}
	out, err := e.GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(t0.Add(time.Minute)), EndTime: aws.Time(t0.Add(5 * time.Minute)),
		MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("lt"), MetricStat: &types.MetricStat{
			Metric: &types.Metric{Namespace: aws.String("Lookout/shop"), MetricName: aws.String(alarm.Latency),
				Dimensions: []types.Dimension{{Name: aws.String("Location"), Value: aws.String("London")}, {Name: aws.String("Area"), Value: aws.String("Cart")}}},
			Period: aws.Int32(60), Stat: aws.String("Average")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.MetricDataResults[0]
	// Minutes 4, 3, 2, 1 (newest first); minute 0 is before StartTime.
	wantVals := []float64{(104 + 304) / 2.0, (103 + 303) / 2.0, 102, 101}
	if len(r.Values) != len(wantVals) || !r.Timestamps[0].Equal(t0.Add(4*time.Minute)) {
		t.Fatalf("got %v at %v", r.Values, r.Timestamps)
	}
	for i, v := range wantVals {
		if r.Values[i] != v {
			t.Errorf("value %d: %g, want %g", i, r.Values[i], v)
		}
	}
}

func TestDescribeAlarmsSaysWhatTheEvaluatorDecided(t *testing.T) {
	c := config(t)
	e := evaluate.New(alarm.Alarms(c))
	for m := range 3 {
		minute(t, e, m, "London", "Mumbai")
	}
	var got []types.MetricAlarm
	in := &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String(alarm.AlarmPrefix("shop")), MaxRecords: aws.Int32(2)}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("DescribeAlarms never ends")
		}
		out, err := e.DescribeAlarms(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out.MetricAlarms...)
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(got) != len(alarm.Alarms(c)) {
		t.Fatalf("%d alarms described, want %d", len(got), len(alarm.Alarms(c)))
	}
	down := alarm.DownAlarm("shop", "Cart").String()
	for _, a := range got {
		if aws.ToString(a.AlarmName) != down {
			continue
		}
		if a.StateValue != types.StateValueAlarm || a.StateTransitionedTimestamp == nil || a.StateReason == nil {
			t.Errorf("down alarm = %s since %v", a.StateValue, a.StateTransitionedTimestamp)
		}
		return
	}
	t.Errorf("%s not described", down)
}
