package probefn_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/probefn"
)

// peakHeap samples the live heap while a benchmark runs.
type peakHeap struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

func watchHeap() *peakHeap {
	p := &peakHeap{stop: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	p.done.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			p.peak = max(p.peak, sample[0].Value.Uint64())
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	})
	return p
}

func (p *peakHeap) MB() float64 {
	close(p.stop)
	p.done.Wait()
	return float64(p.peak) / (1 << 20)
}

func manyAreas(url string, n int) string {
	var b strings.Builder
	b.WriteString("app: taskboard\nareas:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - id: Area%d\n    request: {url: %s/ok}\n", i, url)
	}
	return b.String()
}

// BenchmarkRound1000Areas is one round of 1,000 areas against one loopback
// target (a fresh connection each, 32 at a time), logged as JSON and published
// to an in-memory CloudWatch: the function's own cost per round.
func BenchmarkRound1000Areas(b *testing.B) {
	tg := startTarget(b)
	f := &fakePutter{}
	h, err := probefn.New(context.Background(), probefn.Options{
		Env:    probefn.Env{ChecksFile: writeChecks(b, manyAreas(tg.URL, 1000)), Location: "us-east-1"},
		Putter: f, Logger: probefn.NewLogger(io.Discard, nil), EMF: io.Discard, Now: clock,
	})
	if err != nil {
		b.Fatal(err)
	}
	ev := []byte(`{"time":"` + eventTime.Format(time.RFC3339) + `"}`)
	ctx := context.Background()
	runtime.GC()
	heap := watchHeap()
	b.ReportAllocs()
	rounds := 0
	for b.Loop() {
		out, err := h.Invoke(ctx, ev)
		var sum probefn.Summary
		if err == nil {
			err = json.Unmarshal(out, &sum)
		}
		if err != nil || sum.Up != 1000 || sum.Published != 1001 {
			b.Fatalf("summary %+v: %v", sum, err)
		}
		rounds++
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(rounds), "ms/round")
	b.ReportMetric(heap.MB(), "peak-heap-MB")
	b.ReportMetric(float64(f.calls)/float64(rounds), "puts/round")
}

// BenchmarkInit is the function's init: load, validate and resolve the checks
// file, load the CA roots, build the prober and publisher. first-ms is the
// first init in the process, the one that reads the system CA roots (later
// ones reuse crypto/x509's cached pool); run alone for a cold figure.
func BenchmarkInit(b *testing.B) {
	example, err := os.ReadFile(filepath.Join("..", "..", "checks.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	fake := check.ResolverFunc(func(context.Context, check.Ref) (string, error) { return "resolved-secret-value", nil })
	resolvers := check.Resolvers{check.RefEnv: fake, check.RefSSM: fake, check.RefSecret: fake}
	for _, tc := range []struct{ name, checks string }{
		{"example", string(example)},
		{"1000areas", manyAreas("https://app.example.com", 1000)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			path := writeChecks(b, tc.checks)
			opts := probefn.Options{Env: probefn.Env{ChecksFile: path, Location: "eu-west-2"}, Putter: &fakePutter{},
				Resolvers: resolvers, Logger: slog.New(slog.DiscardHandler)}
			start := time.Now()
			if _, err := probefn.New(context.Background(), opts); err != nil {
				b.Fatal(err)
			}
			first := time.Since(start)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := probefn.New(context.Background(), opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(first.Microseconds())/1000, "first-ms") // after the loop, which resets metrics
		})
	}
}
