package notify

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/awsclient"
	"github.com/lookout-monitoring/lookout/shared/awstest"
)

// datum is one value of the metric schema, as a probe would publish it.
type datum struct {
	metric   string
	area     string // "" for per-location metrics (Heartbeat, Abstained)
	location string
	at       time.Time
	value    float64
}

// putMetrics writes data into moto's CloudWatch in the home region.
func putMetrics(t *testing.T, cw *cloudwatch.Client, app string, data []datum) {
	t.Helper()
	var ds []types.MetricDatum
	for _, d := range data {
		dims := []types.Dimension{{Name: aws.String(alarm.DimLocation), Value: aws.String(d.location)}}
		if d.area != "" {
			dims = append([]types.Dimension{{Name: aws.String(alarm.DimArea), Value: aws.String(d.area)}}, dims...)
		}
		ds = append(ds, types.MetricDatum{MetricName: aws.String(d.metric), Dimensions: dims, Timestamp: aws.Time(d.at), Value: aws.Float64(d.value)})
	}
	if _, err := cw.PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{Namespace: aws.String(alarm.Namespace(app)), MetricData: ds}); err != nil {
		t.Fatal(err)
	}
}

// downRounds publishes three rounds in which Sign-in fails from London (no
// response) and Mumbai (a 5 s response that failed its assertions), while New
// York and Sydney answer in 380 and 420 ms. It returns the latest round.
func downRounds(t *testing.T, cw *cloudwatch.Client, now time.Time) time.Time {
	t.Helper()
	latest := now.UTC().Truncate(time.Minute).Add(-time.Minute)
	var data []datum
	for i := range 3 {
		at := latest.Add(-time.Duration(i) * time.Minute)
		for _, loc := range []string{"New York", "London", "Mumbai", "Sydney"} {
			data = append(data, datum{alarm.Heartbeat, "", loc, at, 1})
		}
		data = append(data,
			datum{alarm.Failed, "SignIn", "London", at, 1},
			datum{alarm.Failed, "SignIn", "Mumbai", at, 1},
			datum{alarm.Latency, "SignIn", "Mumbai", at, 5012},
			datum{alarm.Latency, "SignIn", "New York", at, 380},
			datum{alarm.Latency, "SignIn", "Sydney", at, 420},
		)
	}
	putMetrics(t, cw, "taskboard", data)
	return latest
}

func motoCloudWatch(t *testing.T, srv *awstest.Server) *cloudwatch.Client {
	return awsclient.CloudWatch(srv.Config(t, "us-east-1"), "us-east-1", "")
}

func TestEnrichDownFromMoto(t *testing.T) {
	srv := awstest.Start(t)
	cw := motoCloudWatch(t, srv)
	now := time.Now()
	latest := downRounds(t, cw, now)
	e := &Enricher{Client: cw, Config: testConfig(t)}
	inc := sampleIncident(t, "sns-alarm-down.json")
	d, err := e.Enrich(context.Background(), &inc, now)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]LocationStatus{}
	for _, l := range d.Locations {
		got[l.Label] = l
	}
	for label, want := range map[string]struct {
		status  Status
		latency time.Duration
		bad     int
	}{
		"London":   {StatusFailing, 0, 3},
		"Mumbai":   {StatusFailing, 5012 * time.Millisecond, 3},
		"New York": {StatusOK, 380 * time.Millisecond, 0},
		"Sydney":   {StatusOK, 420 * time.Millisecond, 0},
	} {
		l := got[label]
		if l.Status != want.status || l.Latency != want.latency || l.HasLatency != (want.latency > 0) ||
			l.BadMinutes != want.bad || !l.LastHeartbeat.Equal(latest) {
			t.Errorf("%s: %+v, want %+v at %v", label, l, want, latest)
		}
	}
	want := "down from London and Mumbai (2 of 4); New York 380 ms, Sydney 420 ms"
	if s := Situation(&inc, d); s != want {
		t.Errorf("situation\n got %q\nwant %q", s, want)
	}
	if sms := RenderSMS(&inc, d); !strings.HasPrefix(sms, "DOWN Sign-in (taskboard): London, Mumbai 2/4 since ") {
		t.Errorf("sms %q", sms)
	}
}

func TestEnrichSilentAndAbstainedFromMoto(t *testing.T) {
	srv := awstest.Start(t)
	cw := motoCloudWatch(t, srv)
	now := time.Now()
	latest := now.UTC().Truncate(time.Minute).Add(-time.Minute)
	sydneyLast := latest.Add(-6 * time.Minute)
	putMetrics(t, cw, "taskboard", []datum{
		{alarm.Heartbeat, "", "New York", latest, 1},
		{alarm.Heartbeat, "", "London", latest, 1},
		{alarm.Heartbeat, "", "Mumbai", latest, 1},
		{alarm.Abstained, "", "Mumbai", latest, 1},
		{alarm.Heartbeat, "", "Sydney", sydneyLast, 1},
	})
	inc := sampleIncident(t, "sns-alarm-silent.json")
	d, err := (&Enricher{Client: cw, Config: testConfig(t)}).Enrich(context.Background(), &inc, now)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]Status{}
	for _, l := range d.Locations {
		status[l.Label] = l.Status
		if l.Label == "Sydney" && !l.LastHeartbeat.Equal(sydneyLast) {
			t.Errorf("Sydney's last heartbeat %v, want %v", l.LastHeartbeat, sydneyLast)
		}
	}
	if status["Sydney"] != StatusSilent || status["Mumbai"] != StatusAbstained || status["London"] != StatusOK {
		t.Errorf("statuses %v", status)
	}
	if h := Headline(&inc, d); h != "silent, last heartbeat "+clock(sydneyLast) {
		t.Errorf("headline %q", h)
	}
}

func TestEnrichFailsWhenCloudWatchIsUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String()
	l.Close()
	srv := awstest.Start(t)
	cw := awsclient.CloudWatch(srv.Config(t, "us-east-1"), "us-east-1", refused,
		func(o *cloudwatch.Options) { o.RetryMaxAttempts = 1 })
	inc := sampleIncident(t, "sns-alarm-down.json")
	d, err := (&Enricher{Client: cw, Config: testConfig(t)}).Enrich(context.Background(), &inc, time.Now())
	if err == nil || d.Available {
		t.Fatalf("want an error and no details, got %+v, %v", d, err)
	}
	_, body := RenderEmail(&inc, d, Links{}, time.Now())
	if !strings.Contains(body, "Per-location details are unavailable") {
		t.Errorf("email does not say details are unavailable:\n%s", body)
	}
}
