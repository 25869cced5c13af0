package metrics_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/metrics"
	"github.com/lookout-monitoring/lookout/shared/probe"
)

var roundTime = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func config(phases bool) *check.Config {
	return &check.Config{App: "taskboard", Metrics: check.MetricsOptions{Phases: phases}}
}

func phases(totalMS int) probe.Phases {
	return probe.Phases{DNS: time.Millisecond, Connect: 2 * time.Millisecond, TLS: 3 * time.Millisecond,
		TTFB: 4 * time.Millisecond, Transfer: 5 * time.Millisecond, Total: time.Duration(totalMS)*time.Millisecond + 250*time.Microsecond}
}

// mixedRound has one area of every kind of outcome.
func mixedRound() probe.Round {
	return probe.Round{Location: "eu-west-2", Results: []probe.Result{
		{Area: "Boards", Verdict: probe.Up, Status: 200, Phases: phases(120)},
		{Area: "SignIn", Verdict: probe.Down, Class: probe.ClassHTTPStatus, Status: 503, Phases: phases(80)},
		{Area: "Search", Verdict: probe.Down, Class: probe.ClassRefused}, // no response
		{Area: "Reporting", Verdict: probe.Slow, Status: 200, Phases: phases(2600)},
	}}
}

// key renders a datum as "Name{Dim=Value,...} Unit value @time".
func key(d types.MetricDatum) string {
	dims := make([]string, len(d.Dimensions))
	for i, dm := range d.Dimensions {
		dims[i] = *dm.Name + "=" + *dm.Value
	}
	slices.Sort(dims)
	v := "?"
	if d.Value != nil {
		v = fmt.Sprint(*d.Value)
	}
	return fmt.Sprintf("%s{%s} %s %s @%s", *d.MetricName, strings.Join(dims, ","), d.Unit, v, d.Timestamp.UTC().Format(time.RFC3339))
}

func keys(ds []types.MetricDatum) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = key(d)
	}
	slices.Sort(out)
	return out
}

func TestDatumsFollowTheSchema(t *testing.T) {
	const at = "@2026-11-24T10:00:00Z"
	for _, tc := range []struct {
		name   string
		phases bool
		round  probe.Round
		want   []string
	}{
		{
			name: "flags only when raised, latency only with a response", round: mixedRound(),
			want: []string{
				"Heartbeat{Location=London} Count 1 " + at,
				"Latency{Area=Boards,Location=London} Milliseconds 120.25 " + at,
				"Failed{Area=SignIn} Count 1 " + at,
				"Failed{Area=SignIn,Location=London} Count 1 " + at,
				"Latency{Area=SignIn,Location=London} Milliseconds 80.25 " + at,
				"Failed{Area=Search} Count 1 " + at,
				"Failed{Area=Search,Location=London} Count 1 " + at,
				"Slow{Area=Reporting} Count 1 " + at,
				"Slow{Area=Reporting,Location=London} Count 1 " + at,
				"Latency{Area=Reporting,Location=London} Milliseconds 2600.25 " + at,
			},
		},
		{
			name: "phases when the checks file asks for them", phases: true,
			round: probe.Round{Results: []probe.Result{{Area: "Boards", Verdict: probe.Up, Status: 200, Phases: phases(120)}}},
			want: []string{
				"Heartbeat{Location=London} Count 1 " + at,
				"Latency{Area=Boards,Location=London} Milliseconds 120.25 " + at,
				"DNSTime{Area=Boards,Location=London} Milliseconds 1 " + at,
				"ConnectTime{Area=Boards,Location=London} Milliseconds 2 " + at,
				"TLSTime{Area=Boards,Location=London} Milliseconds 3 " + at,
				"TimeToFirstByte{Area=Boards,Location=London} Milliseconds 4 " + at,
				"TransferTime{Area=Boards,Location=London} Milliseconds 5 " + at,
			},
		},
		{
			name: "an abstaining location sends its heartbeat and nothing per area", phases: true,
			round: probe.Round{Abstained: true, Results: []probe.Result{
				{Area: "Boards", Verdict: probe.Abstain, Class: probe.ClassControlFailed},
				{Area: "SignIn", Verdict: probe.Abstain, Class: probe.ClassControlFailed},
			}},
			want: []string{
				"Heartbeat{Location=London} Count 1 " + at,
				"Abstained{Location=London} Count 1 " + at,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := metrics.Datums(config(tc.phases), "London", roundTime, tc.round)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if g := keys(got); !slices.Equal(g, want) {
				t.Errorf("datums:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(want, "\n"))
			}
			for _, d := range got {
				if d.StorageResolution == nil || *d.StorageResolution != 60 {
					t.Errorf("%s: storage resolution %v, want 60", key(d), d.StorageResolution)
				}
				if !d.Timestamp.Equal(roundTime) {
					t.Errorf("%s: timestamp %s, want the round time", key(d), d.Timestamp)
				}
			}
		})
	}
}

func TestDatumsNeverSendALoweredFlag(t *testing.T) {
	got := metrics.Datums(config(true), "London", roundTime, mixedRound())
	for _, d := range got {
		switch *d.MetricName {
		case alarm.Failed, alarm.Slow, alarm.Heartbeat, alarm.Abstained:
			if *d.Value != 1 {
				t.Errorf("%s: a flag is published only as 1", key(d))
			}
		}
	}
}

// The cost model (README, "What it costs") counts at most 3 metrics per area and
// location without phases: a flag twice and Latency.
func TestDatumsPerAreaAtMost(t *testing.T) {
	for _, phases := range []bool{false, true} {
		limit := 3
		if phases {
			limit = 8
		}
		r := mixedRound()
		for _, res := range r.Results {
			one := r
			one.Results = []probe.Result{res}
			if n := len(metrics.Datums(config(phases), "London", roundTime, one)) - 1; n > limit {
				t.Errorf("phases=%v: %s gives %d datums, the cost model allows %d", phases, res.Verdict, n, limit)
			}
		}
	}
}
