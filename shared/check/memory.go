package check

import (
	"fmt"
	"slices"
	"strings"
)

// A probe round must fit in the probe function's memory: out of memory, the
// function dies and the whole location goes silent, where one area's failure
// would have been reported. So the worst case of a round is computed from the
// checks file alone, and a file whose worst case does not fit is refused:
//
//	round = RoundBaseMemory + the sum of the min(concurrency, areas) largest area costs
//	area  = AreaMemory + BodyChunk + (body_limit + 1) + max(ReceiveWindow(body_limit), json)
//	json  = JSONDecodeFactor x body_limit if a step of the area has a json_path
//	        assertion or capture, else 0
//
// An area in flight holds one response at a time (its steps and redirects run
// one after the other): the body (body_limit+1 bytes at most, plus the first
// BodyChunk of a body of unknown length), while it is read the HTTP/2 data
// received and not yet read (ReceiveWindow), then, after it is read, the
// body decoded as JSON, which the prober refuses to decode when a scan of
// the bytes shows it could take more than JSONDecodeFactor x body_limit.
const (
	// ProbeFunctionMemory is the ProbeFunction's MemorySize in template.yaml
	// (a test in shared/deploy keeps them equal).
	ProbeFunctionMemory Size = 512 << 20
	// ProbeMemoryLimit is the Go runtime's soft memory limit in the probe
	// function (GOMEMLIMIT in template.yaml): near it the collector frees
	// garbage sooner instead of letting the heap grow to twice what is live
	// (a round of 64MiB bodies 5 at once peaked at 564 MiB without it, 465
	// MiB with it). Below MemorySize by what the runtime does not count, the
	// binary's code and data among it.
	ProbeMemoryLimit Size = 448 << 20
	// RoundMemoryBudget is what a round's worst case may take: below the soft
	// limit, so that the collector has room for garbage and need not run
	// without pause.
	RoundMemoryBudget Size = 384 << 20

	// RoundBaseMemory is the probe process before its first area: the Go
	// runtime, the AWS SDK clients, the checks file and the round's results
	// (lookout run of one small area peaks at 22 MiB resident).
	RoundBaseMemory Size = 32 << 20
	// AreaMemory is what one area in flight takes besides its body: the
	// goroutines, the connection's TLS state and buffers, the transport, a
	// gzip reader, the trace and the result. BenchmarkAreaMemory in
	// shared/probe measures 220 KiB over HTTP/1.1 and 170 KiB over HTTP/2,
	// the test server's side of each connection included.
	AreaMemory Size = 256 << 10
	// BodyChunk is the first read of a body of unknown length: a body larger
	// than it is then read into one buffer of body_limit+1 bytes.
	BodyChunk Size = 64 << 10
	// JSONDecodeFactor (K) bounds the memory a json_path assertion or capture
	// may take to decode one body: K x body_limit. Decoded, ordinary JSON
	// (API objects of several fields and arrays of them, text) takes up to
	// 7.6 times its size by the prober's bound (1.3 to 6 measured); hostile
	// shapes such as [0,0,...], [{},{},...] or ["","",...] 10 to 50 times,
	// so at the body limit they are refused (class body_too_large) instead
	// of decoded, while a smaller body of any shape decodes as long as its
	// bound is within the allowance. TestJSONCostBoundsDecoding and
	// BenchmarkJSONCost in shared/probe measure both.
	JSONDecodeFactor = 8
)

// minReceiveWindow keeps HTTP/2 throughput for small body limits: a window is
// a round trip's worth of data in flight.
const (
	minReceiveWindow Size = 64 << 10
	maxReceiveWindow Size = 4 << 20 // Go's own default per stream
)

// ReceiveWindow is the HTTP/2 flow-control window a probe gives the server,
// per stream and per connection (one stream per connection): how much body
// may be received and not yet read. About the body limit, between 64 KiB
// and 4 MiB.
func ReceiveWindow(bodyLimit Size) Size {
	return min(max(bodyLimit, minReceiveWindow), maxReceiveWindow)
}

// JSONAllowance is the most a body may take decoded as JSON.
func JSONAllowance(bodyLimit Size) Size { return JSONDecodeFactor * bodyLimit }

// RoundMemory is the worst case of one probe round, from the checks file.
type RoundMemory struct {
	AtOnce   int  // areas probed at once: min(concurrency, areas)
	JSON     int  // how many of them decode JSON (the costliest areas first)
	Area     Size // an area without JSON
	AreaJSON Size // an area that decodes JSON
	Total    Size // RoundBaseMemory and the AtOnce costliest areas
}

// RoundMemory computes the worst case of a round of this file's areas, for
// a loaded (so defaulted) file.
func (c *Config) RoundMemory() RoundMemory {
	return c.roundMemory(c.Defaults.BodyLimit, c.Defaults.Concurrency)
}

func (c *Config) roundMemory(limit Size, concurrency int) RoundMemory {
	base := AreaMemory + BodyChunk + limit + 1
	m := RoundMemory{
		AtOnce:   min(concurrency, len(c.Areas)),
		Area:     base + ReceiveWindow(limit),
		AreaJSON: base + max(ReceiveWindow(limit), JSONAllowance(limit)),
	}
	for i := range c.Areas {
		if m.JSON < m.AtOnce && c.Areas[i].decodesJSON() {
			m.JSON++
		}
	}
	m.Total = RoundBaseMemory + Size(m.JSON)*m.AreaJSON + Size(m.AtOnce-m.JSON)*m.Area
	return m
}

// decodesJSON reports whether a step of the area decodes its body as JSON.
func (a *Area) decodesJSON() bool {
	return slices.ContainsFunc(a.AllSteps(), func(st Step) bool {
		for _, as := range st.Assert {
			if as.JSONPath != "" {
				return true
			}
		}
		for _, c := range st.Capture {
			if c.JSONPath != "" {
				return true
			}
		}
		return false
	})
}

// memory refuses a file whose round could take more than the probe function
// has, at defaults.body_limit (or defaults.concurrency when the file sets
// only that), with the figures and settings that would fit.
func (v *validator) memory() {
	d := v.c.Defaults
	if d.Concurrency < 1 || d.BodyLimit <= 0 || d.BodyLimit > MaxBodyLimit || len(v.c.Areas) == 0 {
		return // said elsewhere, or nothing to count
	}
	m := v.c.roundMemory(d.BodyLimit, d.Concurrency)
	if m.Total <= RoundMemoryBudget {
		return
	}
	field := "defaults.body_limit"
	if _, set := v.c.lines[field]; !set {
		if _, set := v.c.lines["defaults.concurrency"]; set {
			field = "defaults.concurrency"
		}
	}
	var parts []string
	if m.JSON > 0 {
		parts = append(parts, fmt.Sprintf("%d decoding JSON x %s", m.JSON, m.AreaJSON.Rounded()))
	}
	if n := m.AtOnce - m.JSON; n > 0 && m.JSON > 0 {
		parts = append(parts, fmt.Sprintf("%d others x %s", n, m.Area.Rounded()))
	} else if n > 0 {
		parts = append(parts, fmt.Sprintf("each %s", m.Area.Rounded()))
	}
	var fits []string
	n := m.AtOnce - 1
	for n > 0 && v.c.roundMemory(d.BodyLimit, n).Total > RoundMemoryBudget {
		n--
	}
	if n > 0 {
		fits = append(fits, fmt.Sprintf("concurrency %d", n))
	}
	if l := v.fittingBodyLimit(d.Concurrency); l > 0 {
		fits = append(fits, fmt.Sprintf("body_limit %s", l))
	}
	fit := ""
	if len(fits) > 0 {
		fit = ": it fits with " + strings.Join(fits, ", or with ")
	}
	areas := fmt.Sprintf("%d areas", m.AtOnce)
	if m.AtOnce == 1 {
		areas = "1 area"
	}
	v.add(field, ErrInvalid, "a round may hold up to %s, above the %s the probe function has for one: %s at once with body_limit %s (%s; a json_path may take %d x body_limit to decode) and %s for the process; lower body_limit or concurrency%s",
		m.Total.Rounded(), RoundMemoryBudget.Rounded(), areas, d.BodyLimit, strings.Join(parts, ", "), JSONDecodeFactor, RoundBaseMemory.Rounded(), fit)
}

// fittingBodyLimit is the largest body limit, in whole MiB (KiB below one
// MiB), at which a round at this concurrency fits; 0 if none does.
func (v *validator) fittingBodyLimit(concurrency int) Size {
	fits := func(l Size) bool { return v.c.roundMemory(l, concurrency).Total <= RoundMemoryBudget }
	lo, hi := Size(0), v.c.Defaults.BodyLimit>>10 // in KiB: lo fits (or is 0), hi does not
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; fits(mid << 10) {
			lo = mid
		} else {
			hi = mid
		}
	}
	if lo >= 1<<10 {
		return lo >> 10 << 20
	}
	return lo << 10
}

// Rounded writes a memory figure for people, to a tenth: 1.2 GiB, 68.3 MiB,
// 320 KiB.
func (s Size) Rounded() string {
	switch {
	case s >= 1000<<20:
		return fmt.Sprintf("%.1f GiB", float64(s)/(1<<30))
	case s >= 1000<<10:
		return fmt.Sprintf("%.1f MiB", float64(s)/(1<<20))
	case s >= 1000:
		return fmt.Sprintf("%d KiB", (s+1<<10-1)>>10)
	}
	return fmt.Sprintf("%d B", s)
}
