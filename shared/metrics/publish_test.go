package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/smithy-go"

	"github.com/lookout-monitoring/lookout/shared/metrics"
)

// fakePutter records calls; fail decides, per call, what goes wrong.
type fakePutter struct {
	mu    sync.Mutex
	calls []*cloudwatch.PutMetricDataInput
	fail  func(ctx context.Context, in *cloudwatch.PutMetricDataInput) error
}

func (f *fakePutter) PutMetricData(ctx context.Context, in *cloudwatch.PutMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error) {
	f.mu.Lock()
	f.calls = append(f.calls, in)
	f.mu.Unlock()
	if f.fail != nil {
		if err := f.fail(ctx, in); err != nil {
			return nil, err
		}
	}
	return &cloudwatch.PutMetricDataOutput{}, nil
}

func firstValue(in *cloudwatch.PutMetricDataInput) float64 { return *in.MetricData[0].Value }

type logLines []map[string]any

func readLog(t *testing.T, b *bytes.Buffer) logLines {
	t.Helper()
	var out logLines
	for _, line := range bytes.Split(bytes.TrimSpace(b.Bytes()), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		out = append(out, m)
	}
	return out
}

func TestPublishSendsEveryBatch(t *testing.T) {
	f := &fakePutter{}
	var emf, logs bytes.Buffer
	p := metrics.NewPublisher(f, metrics.PublisherOptions{Namespace: "Lookout/taskboard", Fallback: &emf, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	rep, err := p.Publish(context.Background(), latencies(2500))
	if err != nil {
		t.Fatal(err)
	}
	want := metrics.Report{Datums: 2500, Batches: 3, Published: 2500}
	if rep != want || len(f.calls) != 3 {
		t.Errorf("report %+v after %d calls, want %+v after 3", rep, len(f.calls), want)
	}
	for _, in := range f.calls {
		if *in.Namespace != "Lookout/taskboard" {
			t.Errorf("namespace %q", *in.Namespace)
		}
	}
	if emf.Len() != 0 || logs.Len() != 0 {
		t.Errorf("nothing failed, yet EMF %q and logs %q", emf.String(), logs.String())
	}
}

func TestPublishFallsBackToEMFForTheFailedBatch(t *testing.T) {
	throttled := &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}
	f := &fakePutter{fail: func(_ context.Context, in *cloudwatch.PutMetricDataInput) error {
		if firstValue(in) == 1000 { // the second batch
			return throttled
		}
		return nil
	}}
	var emf, logs bytes.Buffer
	p := metrics.NewPublisher(f, metrics.PublisherOptions{Namespace: "Lookout/taskboard", Fallback: &emf, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ds := latencies(2500)
	rep, err := p.Publish(context.Background(), ds)
	if err != nil {
		t.Fatalf("the fallback worked, yet: %v", err)
	}
	if want := (metrics.Report{Datums: 2500, Batches: 3, Published: 1500, FailedBatches: 1, Fallback: 1000}); rep != want {
		t.Errorf("report %+v, want %+v", rep, want)
	}
	got, _ := parseEMF(t, emf.Bytes(), "Lookout/taskboard")
	if want := keys(ds[1000:2000]); !slices.Equal(got, want) {
		t.Errorf("EMF holds %d datums, want exactly the failed batch's %d", len(got), len(want))
	}
	lines := readLog(t, &logs)
	if len(lines) != 1 || lines[0]["msg"] != "publish failed" || lines[0]["class"] != "Throttling" ||
		lines[0]["datums"] != 1000.0 || lines[0]["emf_datums"] != 1000.0 || lines[0]["level"] != "ERROR" {
		t.Errorf("log: %v", lines)
	}
}

func TestPublishBudgetBoundsAHangingHomeRegion(t *testing.T) {
	f := &fakePutter{fail: func(ctx context.Context, _ *cloudwatch.PutMetricDataInput) error {
		<-ctx.Done() // the home region never answers
		return ctx.Err()
	}}
	var emf, logs bytes.Buffer
	p := metrics.NewPublisher(f, metrics.PublisherOptions{Namespace: "Lookout/x", Budget: 20 * time.Millisecond, Fallback: &emf, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	rep, err := p.Publish(context.Background(), latencies(10))
	if err != nil || rep.Fallback != 10 || rep.Published != 0 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	if lines := readLog(t, &logs); len(lines) != 1 || lines[0]["class"] != "timeout" {
		t.Errorf("log: %v", lines)
	}
}

func TestPublishFailsOnlyWhenTheFallbackFails(t *testing.T) {
	f := &fakePutter{fail: func(context.Context, *cloudwatch.PutMetricDataInput) error { return errors.New("no route") }}
	var logs bytes.Buffer
	p := metrics.NewPublisher(f, metrics.PublisherOptions{Namespace: "Lookout/x", Fallback: failingWriter{}, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	rep, err := p.Publish(context.Background(), latencies(5))
	if err == nil || !strings.Contains(err.Error(), "5 of 5 datums lost") {
		t.Errorf("lost datums must be an error, got %v (report %+v)", err, rep)
	}
	if !strings.Contains(logs.String(), "stdout closed") {
		t.Errorf("the log does not say why the fallback failed: %s", logs.String())
	}
}

func TestErrorClass(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&smithy.OperationError{ServiceID: "CloudWatch", OperationName: "PutMetricData", Err: &smithy.GenericAPIError{Code: "InvalidParameterValue"}}, "InvalidParameterValue"},
		{fmt.Errorf("put: %w", context.DeadlineExceeded), "timeout"},
		{context.Canceled, "canceled"},
		{&smithy.OperationError{Err: refused}, "connection"},
		{errors.New("?"), "other"},
	} {
		if got := metrics.ErrorClass(tc.err); got != tc.want {
			t.Errorf("ErrorClass(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
