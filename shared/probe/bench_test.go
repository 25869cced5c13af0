package probe

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkProbeLoopback measures whole probes (fresh connection, request,
// body, checks) against a loopback server: the prober's own overhead.
func BenchmarkProbeLoopback(b *testing.B) {
	tg := startTarget(b, nil)
	cfg := parseConfig(b, oneArea(fmt.Sprintf("request:\n  url: %s/ok\n  assert:\n    - body_contains: Boards\n", tg.URL)))
	p := newProber(b, Options{})
	ctx := context.Background()
	n := 0
	for b.Loop() {
		if r := p.Probe(ctx, cfg, &cfg.Areas[0]); r.Verdict != Up {
			b.Fatalf("%s: %s", r.Verdict, r.Message)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "probes/s")
}

// BenchmarkTimingError measures how far the reported TTFB and Total are from
// a delay injected by the server before it writes the headers: the error of
// the timing itself, on loopback where the network adds almost nothing.
func BenchmarkTimingError(b *testing.B) {
	for _, delay := range []time.Duration{10 * time.Millisecond, 100 * time.Millisecond, 500 * time.Millisecond} {
		b.Run(fmt.Sprintf("delay=%s", delay), func(b *testing.B) {
			tg := startTarget(b, nil)
			cfg := parseConfig(b, oneArea(fmt.Sprintf("request:\n  url: %s/sleep?d=%s\n", tg.URL, delay)))
			p := newProber(b, Options{})
			ctx := context.Background()
			var ttfbErr, totalErr time.Duration
			n := 0
			for b.Loop() {
				r := p.Probe(ctx, cfg, &cfg.Areas[0])
				if r.Class != ClassNone {
					b.Fatalf("%s: %s", r.Class, r.Message)
				}
				ttfbErr += (r.Phases.TTFB - delay).Abs()
				totalErr += (r.Phases.Total - delay).Abs()
				n++
			}
			ms := func(d time.Duration) float64 { return float64(d) / float64(n) / float64(time.Millisecond) }
			b.ReportMetric(ms(ttfbErr), "ms-error")
			b.ReportMetric(ms(totalErr), "total-ms-error")
		})
	}
}
