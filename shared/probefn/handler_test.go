package probefn_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/awsclient"
	"github.com/lookout-monitoring/lookout/shared/awstest"
	"github.com/lookout-monitoring/lookout/shared/probefn"
)

const ns = "Lookout/taskboard"

// TestHandlerPublishesTheRoundToTheHomeRegion is the function end to end:
// events/schedule.json through aws-lambda-go, real probes of loopback
// targets, a secret from SSM (moto), and the real SDK publishing to moto's
// home region; then the metrics are read back as an alarm would read them.
func TestHandlerPublishesTheRoundToTheHomeRegion(t *testing.T) {
	srv := awstest.Start(t)
	tg := startTarget(t)
	setSecrets(t)
	own := srv.Config(t, "eu-west-2") // the function runs in London
	// The query token comes from SSM Parameter Store in the function's own region.
	if _, err := ssm.NewFromConfig(own).PutParameter(context.Background(), &ssm.PutParameterInput{
		Name: aws.String("/lookout/test/query-token"), Value: aws.String(queryToken), Type: ssmtypes.ParameterTypeSecureString,
	}); err != nil {
		t.Fatal(err)
	}
	path := checksFile(t, tg, tg.URL+"/control")
	b, _ := readFile(path)
	writeFile(t, path, strings.Replace(b, "${env:LOOKOUT_TEST_QUERY_TOKEN}", "${ssm:/lookout/test/query-token}", 1))
	t.Setenv("LOOKOUT_TEST_QUERY_TOKEN", "unused")

	var logs, emf bytes.Buffer
	h, err := probefn.New(context.Background(), probefn.Options{
		Env: probefn.Env{ChecksFile: path, Location: "eu-west-2"}, AWS: own,
		Logger: probefn.NewLogger(&logs, nil), EMF: &emf, Now: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := invoke(t, h, readEvent(t, "schedule.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := probefn.Summary{Round: "2026-11-24T10:00:00Z", Location: "London", Areas: 5, Up: 1, Down: 3, Slow: 1,
		Datums: 13, Published: 13}
	if sum != want {
		t.Errorf("summary %+v\nwant    %+v", sum, want)
	}
	if !strings.Contains(tg.received(), secretToken) || !strings.Contains(tg.received(), queryToken) {
		t.Fatalf("the secrets were not sent: %q", tg.received())
	}

	home := awsclient.CloudWatch(srv.Config(t, "us-east-1"), "us-east-1", "")
	stat := func(name string, unit types.StandardUnit, dims ...string) []types.Datapoint {
		t.Helper()
		in := &cloudwatch.GetMetricStatisticsInput{
			Namespace: aws.String(ns), MetricName: aws.String(name),
			StartTime: aws.Time(eventTime), EndTime: aws.Time(eventTime.Add(time.Minute)), Period: aws.Int32(60),
			Statistics: []types.Statistic{types.StatisticSum, types.StatisticSampleCount}, Unit: unit,
		}
		for i := 0; i < len(dims); i += 2 {
			in.Dimensions = append(in.Dimensions, types.Dimension{Name: aws.String(dims[i]), Value: aws.String(dims[i+1])})
		}
		out, err := home.GetMetricStatistics(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		return out.Datapoints
	}
	one := func(what string, dps []types.Datapoint) {
		t.Helper()
		if len(dps) != 1 || *dps[0].Sum != 1 || *dps[0].SampleCount != 1 || !dps[0].Timestamp.Equal(eventTime) {
			t.Errorf("%s: %s, want one datum of 1 at %s", what, show(dps), eventTime)
		}
	}
	// CloudWatch matches dimensions exactly; moto 5.2 also counts metrics
	// whose dimensions merely include the ones asked for. Find out which, so
	// the {Area} figures mean what the Down alarm would see.
	subset := len(stat(alarm.Heartbeat, types.StandardUnitCount)) > 0
	flag := func(name, area string) {
		t.Helper()
		byArea := stat(name, types.StandardUnitCount, "Area", area)
		byLocation := stat(name, types.StandardUnitCount, "Area", area, "Location", "London")
		one(name+"{"+area+",London}", byLocation)
		if subset && len(byArea) == 1 && len(byLocation) == 1 {
			*byArea[0].Sum -= *byLocation[0].Sum
			*byArea[0].SampleCount -= *byLocation[0].SampleCount
		}
		one(name+"{"+area+"}", byArea)
	}
	one("Heartbeat{London}", stat(alarm.Heartbeat, types.StandardUnitCount, "Location", "London"))
	for _, area := range []string{"SignIn", "Search", "Echo"} {
		flag(alarm.Failed, area)
	}
	flag(alarm.Slow, "Reporting")
	for _, area := range []string{"Boards", "Reporting"} {
		if dps := stat(alarm.Failed, types.StandardUnitCount, "Area", area); len(dps) != 0 {
			t.Errorf("Failed{%s}: %s, but %s is not down", area, show(dps), area)
		}
	}

	results := resultLines(t, logLines(t, &logs))
	for _, area := range []string{"Boards", "SignIn", "Reporting", "Echo"} {
		dps := stat(alarm.Latency, types.StandardUnitMilliseconds, "Area", area, "Location", "London")
		if len(dps) != 1 || *dps[0].SampleCount != 1 || *dps[0].Sum != results[area]["total_ms"] ||
			dps[0].Unit != types.StandardUnitMilliseconds || !dps[0].Timestamp.Equal(eventTime) {
			t.Errorf("Latency{%s,London}: %s, want %v ms at %s", area, show(dps), results[area]["total_ms"], eventTime)
		}
	}
	if dps := stat(alarm.Latency, types.StandardUnitMilliseconds, "Area", "Search", "Location", "London"); len(dps) != 0 {
		t.Errorf("Latency{Search}: %s, but the connection was refused", show(dps))
	}
	// Every datum is its own metric (name and exact dimensions), all in the home region.
	listed, err := home.ListMetrics(context.Background(), &cloudwatch.ListMetricsInput{Namespace: aws.String(ns)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range listed.Metrics {
		dims := map[string]string{}
		for _, d := range m.Dimensions {
			dims[*d.Name] = *d.Value
		}
		got = append(got, key(*m.MetricName, dims, "", 0, eventTime))
	}
	slices.Sort(got)
	var want13 []string
	for _, k := range expectedDatums(t, results, eventTime) {
		name, rest, _ := strings.Cut(k, "{")
		dims, _, _ := strings.Cut(rest, "}")
		want13 = append(want13, name+"{"+dims+"}  0 @"+eventTime.Format(time.RFC3339))
	}
	slices.Sort(want13)
	if !slices.Equal(got, want13) {
		t.Errorf("home region lists:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want13, "\n"))
	}
	ownMetrics, err := awsclient.CloudWatch(own, "eu-west-2", "").ListMetrics(context.Background(), &cloudwatch.ListMetricsInput{})
	if err != nil || len(ownMetrics.Metrics) != 0 {
		t.Errorf("the function's own region holds metrics: %v (%v)", ownMetrics, err)
	}
	if emf.Len() != 0 {
		t.Errorf("publishing worked, yet EMF was written: %s", emf.String())
	}
	assertNoSecrets(t, logs.String()+emf.String())
}

func TestAbstainingLocationPublishesOnlyItsHeartbeat(t *testing.T) {
	srv := awstest.Start(t)
	tg := startTarget(t)
	setSecrets(t)
	var logs bytes.Buffer
	h, err := probefn.New(context.Background(), probefn.Options{
		Env: probefn.Env{ChecksFile: checksFile(t, tg, refusedURL(t)), Location: "eu-west-2"}, AWS: srv.Config(t, "eu-west-2"),
		Logger: probefn.NewLogger(&logs, nil), EMF: failingWriter{}, Now: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := invoke(t, h, readEvent(t, "schedule.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Abstained || sum.Abstain != 5 || sum.Down != 0 || sum.Datums != 2 || sum.Published != 2 {
		t.Errorf("summary %+v", sum)
	}
	home := awsclient.CloudWatch(srv.Config(t, "us-east-1"), "us-east-1", "")
	listed, err := home.ListMetrics(context.Background(), &cloudwatch.ListMetricsInput{Namespace: aws.String(ns)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range listed.Metrics {
		names = append(names, *m.MetricName+"{"+*m.Dimensions[0].Name+"="+*m.Dimensions[0].Value+"}")
	}
	slices.Sort(names)
	if want := []string{"Abstained{Location=London}", "Heartbeat{Location=London}"}; !slices.Equal(names, want) {
		t.Errorf("home region holds %v, want only %v", names, want)
	}
	if tg.received() != "" {
		t.Errorf("an abstaining location probed the areas: %q", tg.received())
	}
	lines := logLines(t, &logs)
	results := resultLines(t, lines)
	if results["control"]["verdict"] != "down" || results["Boards"]["verdict"] != "abstain" || results["Boards"]["class"] != "control" {
		t.Errorf("result lines: control %v, Boards %v", results["control"], results["Boards"])
	}
}

// The home region refuses connections: every datum of the round is written
// to stdout as EMF instead, the failure is logged, and the handler succeeds
// (an error would make Lambda retry the round and count it twice).
func TestHomeRegionDownFallsBackToEMF(t *testing.T) {
	tg := startTarget(t)
	setSecrets(t)
	own := aws.Config{Region: "eu-west-2", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	client := awsclient.CloudWatch(own, "us-east-1", refusedURL(t), func(o *cloudwatch.Options) {
		// The standard retryer, with backoffs short enough for a test.
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) { so.MaxBackoff = 5 * time.Millisecond })
	})
	var logs, emf bytes.Buffer
	h, err := probefn.New(context.Background(), probefn.Options{
		Env: probefn.Env{ChecksFile: checksFile(t, tg, tg.URL+"/control"), Location: "eu-west-2"}, AWS: own,
		Putter: client, PublishBudget: 5 * time.Second,
		Logger: probefn.NewLogger(&logs, nil), EMF: &emf, Now: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := invoke(t, h, readEvent(t, "schedule.json"))
	if err != nil {
		t.Fatalf("the handler failed although EMF took the datums: %v", err)
	}
	if sum.Datums != 13 || sum.Published != 0 || sum.EMF != 13 {
		t.Errorf("summary %+v", sum)
	}
	lines := logLines(t, &logs)
	want := expectedDatums(t, resultLines(t, lines), eventTime)
	if got := emfKeys(t, emf.Bytes()); !slices.Equal(got, want) {
		t.Errorf("EMF holds:\n%s\nwant every datum of the round:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	failed := linesWith(lines, "publish failed")
	if len(failed) != 1 || failed[0]["class"] != "connection" || failed[0]["datums"] != 13.0 || failed[0]["fallback"] != "emf" {
		t.Errorf("publish failure log: %v", failed)
	}
	if r := linesWith(lines, "round"); len(r) != 1 || r[0]["emf"] != 13.0 || r[0]["published"] != 0.0 {
		t.Errorf("round line: %v", r)
	}
	assertNoSecrets(t, logs.String()+emf.String())
}
