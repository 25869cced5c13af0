package notify

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/ledger"
)

// staticAlarms answers DescribeAlarms with a fixed picture, in one page.
type staticAlarms []types.MetricAlarm

func (s staticAlarms) DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	return &cloudwatch.DescribeAlarmsOutput{MetricAlarms: s}, nil
}

// quiet is a channel that accepts everything.
type quiet string

func (q quiet) Name() string                        { return string(q) }
func (quiet) Notify(context.Context, *Notice) error { return nil }

// BenchmarkTick measures the notifier's own work in one tick with an open
// incident of three members, for the test app and for one of 1,000 areas:
// reading the alarms, the ledger's read-modify-write and the decision (AWS
// round trips are not in it: the clients are in memory). It reports ms per
// tick and the ledger's document size.
func BenchmarkTick(b *testing.B) {
	for _, areas := range []int{0, 1000} {
		b.Run(fmt.Sprintf("areas=%d", areas), func(b *testing.B) { benchmarkTick(b, areas) })
	}
}

// benchmarkTick runs the tick on the test app, with extra areas added.
func benchmarkTick(b *testing.B, extra int) {
	cfg := testConfig(b)
	if extra > 0 {
		var y strings.Builder
		y.WriteString("app: taskboard\nareas:\n")
		for _, a := range cfg.Areas {
			fmt.Fprintf(&y, "  - {id: %s, severity: %s, request: {url: \"https://app.example.com/%s\"}}\n", a.ID, a.Severity, a.ID)
		}
		for i := range extra {
			fmt.Fprintf(&y, "  - {id: Area%04d, request: {url: \"https://app.example.com/%d\"}}\n", i, i)
		}
		var err error
		if cfg, err = check.Parse("checks.yaml", []byte(y.String())); err != nil {
			b.Fatal(err)
		}
	}
	since := time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)
	var alarms staticAlarms
	firing := map[string]bool{boardsDown.String(): true, signInDown.String(): true, searchSlow.String(): true}
	for _, spec := range alarm.Alarms(cfg) {
		state := types.StateValueOk
		if firing[spec.Name.String()] {
			state = types.StateValueAlarm
		}
		alarms = append(alarms, types.MetricAlarm{AlarmName: aws.String(spec.Name.String()), StateValue: state,
			StateTransitionedTimestamp: aws.Time(since)})
	}
	store := ledger.NewMemory()
	now := since
	h, err := NewHandler(Options{
		Config: cfg, Channels: []Channel{quiet("email"), quiet("sms"), quiet("pager")},
		Ledger: store, Alarms: alarms, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := h.Tick(ctx); err != nil { // opens the incident
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		now = since.Add(time.Duration(i+1) * time.Second) // within the hour: no reminder, no resolve
		if _, err := h.Tick(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/tick")
	doc, _, _ := store.Load(ctx, cfg.App)
	b.ReportMetric(float64(len(doc)), "ledger-bytes")
}
