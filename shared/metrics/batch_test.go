package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/awsclient"
	"github.com/lookout-monitoring/lookout/shared/metrics"
)

// latencies returns n Latency datums, one per area A0..An-1, with value i.
func latencies(n int) []types.MetricDatum {
	out := make([]types.MetricDatum, n)
	for i := range out {
		out[i] = types.MetricDatum{
			MetricName: aws.String(alarm.Latency),
			Dimensions: []types.Dimension{
				{Name: aws.String(alarm.DimArea), Value: aws.String(fmt.Sprintf("A%d", i))},
				{Name: aws.String(alarm.DimLocation), Value: aws.String("London")},
			},
			Value: aws.Float64(float64(i)), Unit: types.StandardUnitMilliseconds,
			Timestamp: aws.Time(roundTime), StorageResolution: aws.Int32(60),
		}
	}
	return out
}

// bulky returns n datums near CloudWatch's limits: 30 dimensions of 255 characters.
func bulky(n int) []types.MetricDatum {
	out := latencies(n)
	for i := range out {
		dims := make([]types.Dimension, 30)
		for j := range dims {
			dims[j] = types.Dimension{Name: aws.String(fmt.Sprintf("D%02d", j)), Value: aws.String(strings.Repeat("x", 250) + fmt.Sprintf("%05d", i))}
		}
		out[i].Dimensions = dims
	}
	return out
}

func TestBatchesOfAtMostAThousand(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want []int
	}{
		{0, nil}, {1, []int{1}}, {1000, []int{1000}}, {1001, []int{1000, 1}}, {2500, []int{1000, 1000, 500}},
	} {
		ds := latencies(tc.n)
		batches := metrics.Batches(ds)
		var sizes []int
		next := 0
		for _, b := range batches {
			sizes = append(sizes, len(b))
			for _, d := range b {
				if *d.Value != float64(next) {
					t.Fatalf("%d datums: out of order or lost at %d", tc.n, next)
				}
				next++
			}
		}
		if fmt.Sprint(sizes) != fmt.Sprint(tc.want) || next != tc.n {
			t.Errorf("%d datums: batches %v, want %v", tc.n, sizes, tc.want)
		}
	}
}

func TestBatchesOfAtMostOneMegabyte(t *testing.T) {
	batches := metrics.Batches(bulky(1000))
	if len(batches) < 2 {
		t.Fatalf("1,000 datums of 30 long dimensions in %d batch: over 1 MB", len(batches))
	}
	total := 0
	for _, b := range batches {
		total += len(b)
		if size := metrics.EstimateBatch(b); size > metrics.MaxBatchBytes {
			t.Errorf("batch of %d datums estimated at %d bytes", len(b), size)
		}
	}
	if total != 1000 {
		t.Errorf("%d datums in the batches, want 1000", total)
	}
}

// bodySizes records the request bodies a client sends and fails every call.
type bodySizes struct {
	mu    sync.Mutex
	sizes []int
}

func (b *bodySizes) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.sizes = append(b.sizes, len(body))
	b.mu.Unlock()
	return nil, errors.New("recorded")
}

// The estimate must never be below what the SDK really sends, whatever the
// protocol: the default (Smithy RPC v2 CBOR) and awsJson1_0 (used with moto),
// both uncompressed (production compresses, which only makes it smaller).
func TestBatchEstimateCoversTheWire(t *testing.T) {
	for _, tc := range []struct {
		name     string
		override bool // endpoint override: awsJson1_0
	}{{"cbor", false}, {"json", true}} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &bodySizes{}
			awsCfg := aws.Config{Region: "eu-west-2", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
				HTTPClient: &http.Client{Transport: rec}}
			endpoint := ""
			if tc.override {
				endpoint = "http://127.0.0.1:1"
			}
			client := awsclient.CloudWatch(awsCfg, "us-east-1", endpoint, func(o *cloudwatch.Options) {
				o.RetryMaxAttempts = 1
				o.DisableRequestCompression = true
			})
			for _, ds := range [][]types.MetricDatum{latencies(1000), bulky(50)} {
				rec.sizes = nil
				_, _ = client.PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{
					Namespace: aws.String(alarm.Namespace("taskboard")), MetricData: ds})
				if len(rec.sizes) != 1 {
					t.Fatalf("%d requests sent", len(rec.sizes))
				}
				if est := metrics.EstimateBatch(ds); rec.sizes[0] > est {
					t.Errorf("%d datums: %d bytes on the wire, estimated %d", len(ds), rec.sizes[0], est)
				} else {
					t.Logf("%d datums: %d bytes on the wire, estimated %d", len(ds), rec.sizes[0], est)
				}
			}
		})
	}
}
