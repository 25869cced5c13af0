package probe

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// The benchmarks here measure memory, not time: run them with
//
//	go test -run '^$' -bench 'AreaMemory|HostileRound|JSONCost' -benchtime 3x ./shared/probe
//
// peak-bytes is the most the Go runtime held at once (mapped and not given
// back: what the function's memory limit counts), sampled every 100µs.

// peakMemory samples what the runtime holds until stopped; it returns the
// peak above what it held when started.
func peakMemory() (stop func() uint64) {
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	held := func() uint64 {
		metrics.Read(samples)
		return samples[0].Value.Uint64() - samples[1].Value.Uint64()
	}
	runtime.GC()
	base := held()
	var peak uint64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(100 * time.Microsecond)
		defer tick.Stop()
		for {
			peak = max(peak, held())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-stopped
		return max(peak, base) - base
	}
}

// BenchmarkAreaMemory measures what one area in flight takes besides its
// body (check.AreaMemory): 64 areas probe at once a server that answers
// only when all 64 requests have arrived, with a small gzip body.
func BenchmarkAreaMemory(b *testing.B) {
	const n = 64
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write([]byte(`{"ok":true}`))
	zw.Close()
	for _, proto := range []string{"HTTP/1.1", "HTTP/2"} {
		b.Run(proto, func(b *testing.B) {
			var mu sync.Mutex
			arrived, release := 0, make(chan struct{})
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				if arrived++; arrived == n {
					close(release)
				}
				ch := release
				mu.Unlock()
				<-ch
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(zipped.Bytes())
			}))
			srv.EnableHTTP2 = proto == "HTTP/2"
			srv.StartTLS()
			b.Cleanup(srv.Close)
			roots := x509.NewCertPool()
			roots.AddCert(srv.Certificate())
			p := newProber(b, Options{Roots: roots, Concurrency: n})
			cfg := parseConfig(b, manyAreas("defaults:\n  concurrency: 64\n", n, srv.URL+"/"))
			for i := range cfg.Areas {
				cfg.Areas[i].Request.Assert = []check.Assertion{{JSONPath: "$.ok"}}
			}
			var peak uint64
			for b.Loop() {
				mu.Lock()
				arrived, release = 0, make(chan struct{})
				mu.Unlock()
				stop := peakMemory()
				rd := p.Round(context.Background(), cfg, "", areasOf(cfg))
				peak = max(peak, stop())
				for _, r := range rd.Results {
					if r.Verdict != Up {
						b.Fatalf("%s: %s %s", r.Area, r.Class, r.Message)
					}
				}
			}
			b.ReportMetric(float64(peak)/n, "bytes/area")
		})
	}
}

// BenchmarkHostileRound measures the peak of a round of 16 areas whose
// bodies are built to take memory, at the largest settings validate allows:
// json_path on every area at body_limit 2MiB, 16 at once, each body a
// hostile shape as large as still decodes (its bound just within the
// allowance); and 64MiB bodies, 5 at once, without JSON. Bodies come whole,
// chunked and gzip-compressed in turn. bound-bytes is check.RoundMemory
// without the process.
func BenchmarkHostileRound(b *testing.B) {
	const limit2, limit64 = 2 << 20, 64 << 20
	hostile := map[string][]byte{}
	for _, sh := range jsonShapes {
		if sh.ordinary || strings.HasPrefix(sh.name, "nested") {
			continue
		}
		// The largest body of this shape whose decoding stays within the allowance.
		lo, hi := 1, limit2
		for hi-lo > 64 {
			if mid := (lo + hi) / 2; jsonCost(sh.build(mid)) <= int64(check.JSONAllowance(limit2)) {
				lo = mid
			} else {
				hi = mid
			}
		}
		hostile["/"+sh.name] = sh.build(lo)
	}
	hostile["/big"] = repeatJSON("[", "0", ",", "]")(limit64)
	srv := startBodies(b, hostile)
	var paths []string
	for path := range hostile {
		if path != "/big" {
			paths = append(paths, path)
		}
	}
	slices.Sort(paths)
	for _, tc := range []struct {
		name, defaults string
		path           func(i int) string
		json           bool
	}{
		{"json-2MiB-x16", "body_limit: 2MiB\n  concurrency: 16", func(i int) string { return paths[i%len(paths)] }, true},
		{"64MiB-x5", "body_limit: 64MiB\n  concurrency: 5", func(int) string { return "/big" }, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var yaml strings.Builder
			fmt.Fprintf(&yaml, "app: test\ndefaults:\n  timeout: 50s\n  slow: 49s\n  %s\nareas:\n", tc.defaults)
			for i := range 16 {
				q := [...]string{"", "?chunked", "?gzip"}[i%3]
				fmt.Fprintf(&yaml, "  - id: A%d\n    request:\n      url: %s%s%s\n", i, srv.URL, tc.path(i), q)
				if tc.json {
					yaml.WriteString("      assert:\n        - json_path: $.none\n          exists: false\n")
				}
			}
			cfg := parseConfig(b, yaml.String())
			p := newProber(b, Options{})
			var peak uint64
			for b.Loop() {
				stop := peakMemory()
				rd := p.Round(context.Background(), cfg, "", areasOf(cfg))
				peak = max(peak, stop())
				for _, r := range rd.Results {
					if r.Verdict != Up {
						b.Fatalf("%s: %s %s", r.Area, r.Class, r.Message)
					}
				}
			}
			m := cfg.RoundMemory()
			b.ReportMetric(float64(peak), "peak-bytes")
			b.ReportMetric(float64(m.Total-check.RoundBaseMemory), "bound-bytes")
		})
	}
}

// BenchmarkJSONCost reports, per shape of about 1 MiB, what decoding
// allocates and the bound jsonCost computes, as multiples of the size.
func BenchmarkJSONCost(b *testing.B) {
	for _, sh := range jsonShapes {
		b.Run(sh.name, func(b *testing.B) {
			data := sh.build(1 << 20)
			var got int64
			for b.Loop() {
				got = allocated(func() { decoded = parseJSON(data) })
				decoded = nil
			}
			b.ReportMetric(float64(got)/float64(len(data)), "allocated/size")
			b.ReportMetric(float64(jsonCost(data))/float64(len(data)), "bound/size")
		})
	}
}
