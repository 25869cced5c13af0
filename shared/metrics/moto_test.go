package metrics_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/awsclient"
	"github.com/lookout-monitoring/lookout/shared/awstest"
	"github.com/lookout-monitoring/lookout/shared/metrics"
)

// countingTransport counts the PutMetricData requests that reach the wire
// and the largest body among them.
type countingTransport struct {
	base    http.RoundTripper
	puts    atomic.Int64
	maxBody atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".PutMetricData") {
		c.puts.Add(1)
		if r.ContentLength > c.maxBody.Load() {
			c.maxBody.Store(r.ContentLength)
		}
	}
	return c.base.RoundTrip(r)
}

func TestPublishToMotoInBatches(t *testing.T) {
	srv := awstest.Start(t)
	ct := &countingTransport{base: http.DefaultTransport}
	// The function runs in London; its metrics go to the home region.
	awsCfg := srv.Config(t, "eu-west-2")
	awsCfg.HTTPClient = &http.Client{Transport: ct}
	client := awsclient.CloudWatch(awsCfg, "us-east-1", "")
	p := metrics.NewPublisher(client, metrics.PublisherOptions{Namespace: "Lookout/taskboard", Fallback: failingWriter{}})

	ds := latencies(2500)
	for i := range ds { // one metric, so its statistics show every datum
		ds[i].Dimensions = ds[0].Dimensions
	}
	rep, err := p.Publish(context.Background(), ds)
	if err != nil || rep.Published != 2500 {
		t.Fatalf("report %+v: %v", rep, err)
	}
	if n := ct.puts.Load(); n != 3 {
		t.Errorf("%d PutMetricData requests for 2,500 datums, want 3", n)
	}
	if n := ct.maxBody.Load(); n <= 0 || n > metrics.MaxBatchBytes {
		t.Errorf("largest request body %d bytes", n)
	}

	home := awsclient.CloudWatch(srv.Config(t, "us-east-1"), "us-east-1", "")
	out, err := home.GetMetricStatistics(context.Background(), &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("Lookout/taskboard"), MetricName: aws.String(alarm.Latency), Dimensions: ds[0].Dimensions,
		StartTime: aws.Time(roundTime), EndTime: aws.Time(roundTime.Add(time.Minute)), Period: aws.Int32(60),
		Statistics: []types.Statistic{types.StatisticSampleCount, types.StatisticSum}, Unit: types.StandardUnitMilliseconds,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Datapoints) != 1 || *out.Datapoints[0].SampleCount != 2500 || *out.Datapoints[0].Sum != 2499*2500/2 ||
		!out.Datapoints[0].Timestamp.Equal(roundTime) {
		t.Errorf("home region holds %+v, want 2,500 datums summing to %d at %s", out.Datapoints, 2499*2500/2, roundTime)
	}
	local := awsclient.CloudWatch(srv.Config(t, "eu-west-2"), "eu-west-2", "")
	if l, err := local.ListMetrics(context.Background(), &cloudwatch.ListMetricsInput{}); err != nil || len(l.Metrics) != 0 {
		t.Errorf("the function's own region holds %d metrics (%v), want none", len(l.Metrics), err)
	}
}
