package cost_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/cost"
)

func checksWith(t *testing.T, areas int, phases bool) *check.Config {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "app: shop\nmetrics: {phases: %t}\nareas:\n", phases)
	for i := range areas {
		fmt.Fprintf(&b, "  - {id: A%d, request: {url: \"https://shop.example.com/%d\"}}\n", i, i)
	}
	c, err := check.Parse("checks.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func line(t *testing.T, e cost.Estimate, prefix string) cost.Line {
	t.Helper()
	for _, l := range e.Lines {
		if strings.HasPrefix(l.Item, prefix) {
			return l
		}
	}
	t.Fatalf("no line %q", prefix)
	return cost.Line{}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9*math.Max(1, math.Abs(b)) }

func TestArithmetic(t *testing.T) {
	e, err := cost.Compute(checksWith(t, 20, false), cost.DefaultAssumptions, cost.USEast1)
	if err != nil {
		t.Fatal(err)
	}
	// 730 h x 60 rounds a month, from 4 locations.
	if e.Rounds != 43800 || line(t, e, "Lambda requests").Quantity != 175200 {
		t.Errorf("rounds %g, requests %g", e.Rounds, line(t, e, "Lambda requests").Quantity)
	}
	// 20 areas x 4 locations of Latency + 4 heartbeats = 84 metrics at $0.30.
	if m := line(t, e, "Custom metrics, every hour"); m.Quantity != 84 || !near(m.Monthly, 25.2) {
		t.Errorf("metrics %+v", m)
	}
	// Flags: 20 areas x 2 metrics x (1 + 4) dimension sets, 36 of 730 hours.
	if m := line(t, e, "Custom metrics, Failed"); !near(m.Quantity, 200*36.0/730) {
		t.Errorf("flag metrics %+v", m)
	}
	// One PutMetricData call per round per location: 175,200 x $0.01/1000.
	if m := line(t, e, "PutMetricData"); m.Quantity != 175200 || !near(m.Monthly, 1.752) {
		t.Errorf("PutMetricData %+v", m)
	}
	if m := line(t, e, "CloudWatch alarms"); m.Quantity != 46 {
		t.Errorf("alarms %+v", m)
	}
	sum := 0.0
	for _, l := range e.Lines {
		if !near(l.Monthly, l.Quantity*l.Price) {
			t.Errorf("%s: %g x %g != %g", l.Item, l.Quantity, l.Price, l.Monthly)
		}
		sum += l.Monthly
	}
	if !near(sum, e.Total) || !near(e.PerArea, e.Total/20) {
		t.Errorf("total %g, sum %g, per area %g", e.Total, sum, e.PerArea)
	}
	// The design's promises: under $2.50 an area all-in at 20 areas, below Route 53
	// health checks, and about two orders of magnitude below Synthetics.
	if e.PerArea > 2.50 {
		t.Errorf("per area $%.2f, want <= $2.50", e.PerArea)
	}
	if e.Total >= e.Route53 || e.Synthetics/e.Total < 50 {
		t.Errorf("total $%.2f vs Route 53 $%.2f and Synthetics $%.2f", e.Total, e.Route53, e.Synthetics)
	}
	if !near(e.Synthetics, 43800*4*20*0.0012) {
		t.Errorf("synthetics %g", e.Synthetics)
	}
}

func TestPhasesAndRate(t *testing.T) {
	base, _ := cost.Compute(checksWith(t, 5, false), cost.DefaultAssumptions, cost.USEast1)
	withPhases, _ := cost.Compute(checksWith(t, 5, true), cost.DefaultAssumptions, cost.USEast1)
	if got := line(t, withPhases, "Custom metrics, every hour").Quantity - line(t, base, "Custom metrics, every hour").Quantity; got != 100 {
		t.Errorf("phases add %g metrics, want 5 x 5 areas x 4 locations = 100", got)
	}
	a := cost.DefaultAssumptions
	a.Rate = 5 * time.Minute
	slow, _ := cost.Compute(checksWith(t, 5, false), a, cost.USEast1)
	if slow.Rounds != 8760 || slow.Total >= base.Total {
		t.Errorf("5-minute rate: rounds %g total %g (1m total %g)", slow.Rounds, slow.Total, base.Total)
	}
	if base.PerAddedArea <= 0 || base.PerAddedArea > 2 {
		t.Errorf("an added area costs %g", base.PerAddedArea)
	}
	for _, r := range []time.Duration{30 * time.Second, 90 * time.Second} {
		a.Rate = r
		if _, err := cost.Compute(checksWith(t, 1, false), a, cost.USEast1); err == nil {
			t.Errorf("rate %s accepted", r)
		}
	}
}

func TestTheNotifierTickIsPricedOnceAMinute(t *testing.T) {
	e, err := cost.Compute(checksWith(t, 60, false), cost.DefaultAssumptions, cost.USEast1)
	if err != nil {
		t.Fatal(err)
	}
	// One tick a minute, whatever the rate of the rounds or the locations.
	if l := line(t, e, "Lambda requests (notifier tick)"); l.Quantity != 43800 {
		t.Errorf("ticks %g, want 43,800", l.Quantity)
	}
	// 60 areas: 120 area alarms + 4 silent + 2 on the notifier = 126, two pages a tick.
	if l := line(t, e, "DescribeAlarms"); l.Quantity != 2*43800 || !near(l.Monthly, 0.876) {
		t.Errorf("DescribeAlarms %+v", l)
	}
	if l := line(t, e, "DynamoDB reads"); l.Quantity != 2*43800+3*20 {
		t.Errorf("ledger reads %+v", l)
	}
}
