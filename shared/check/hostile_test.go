package check_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/golden"
)

// TestHostileFiles maps each testdata/hostile/*.yaml to what loading it must
// say, kept in the .err file beside it (refresh with -update): one clear
// problem at file:line, or "loaded" for an odd file that is fine.
func TestHostileFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/hostile/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no hostile testdata: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			c, err := check.Load(f)
			golden.Assert(t, strings.TrimSuffix(f, ".yaml")+".err", []byte(outcome(t, f, c, err)))
		})
	}
}

// TestHostileGenerated is TestHostileFiles for inputs too big to keep: each
// is made here, most at the file size limit, and what loading it says is kept
// in testdata/hostile/generated/NAME.err. What parsing allocates is held to
// parseBudget: each shape cost gigabytes, or ran for minutes, before the
// limits. Under the race detector the shapes yaml parses in full are made a
// sixteenth as big, to keep the run short; what they say then depends on
// their size, so only the budget and the shape of the errors are checked.
func TestHostileGenerated(t *testing.T) {
	for _, h := range hostileShapes() {
		t.Run(h.name, func(t *testing.T) {
			file := "testdata/hostile/generated/" + h.name + ".yaml"
			size := check.MaxFileSize
			if h.heavy && raceDetector {
				size /= 16
			}
			data := h.make(size)
			if len(data) > check.MaxFileSize+1 {
				t.Fatalf("generated %d bytes, more than the limit", len(data))
			}
			var c *check.Config
			var err error
			got := allocated(func() { c, err = check.Parse(file, data) })
			out := outcome(t, file, c, err)
			if size == check.MaxFileSize {
				golden.Assert(t, "testdata/hostile/generated/"+h.name+".err", []byte(out))
			}
			if budget := parseBudget(len(data)); got > budget {
				t.Errorf("%d bytes allocated for %d bytes of input, budget %d", got, len(data), budget)
			}
			t.Logf("%d bytes in, %d bytes allocated (%.0f a byte)", len(data), got, float64(got)/float64(len(data)))
		})
	}
}

// TestNodeBoundCoversWhatYAMLBuilds holds the count made before parsing to
// be at least the nodes yaml builds, for many small documents made of the
// pieces that make nodes (indicators, anchors, aliases, tags, quotes, block
// scalars, every kind of line break), in a fixed pseudo-random order.
// FuzzParse checks the same for whatever the fuzzer finds.
func TestNodeBoundCoversWhatYAMLBuilds(t *testing.T) {
	pieces := []string{"[", "]", "{", "}", ",", ":", "?", "-", "&a", "*a", "&b ", "*b ", "!t", "!!str ", "|", ">", "|\n  ",
		">-\n ", "'", "\"", "\"a\":", "'b':", "#", " ", "  ", "\t", "\n", "\r", "\r\n", "\n  ", "\n- ", "\u0085", "\u2028",
		"\u2029", "\ufeff", "a", "b", "x:", "b:", ": ", "- ", "? ", "<<: ", "[a]", "{a: b}", "---", "...", "%YAML 1.2\n"}
	// Shapes where a node hangs on a subtle indicator, each repeated so the
	// bound's small constant cannot hide a miss.
	for _, c := range []struct{ head, unit, tail string }{
		{"x:\u0085", "-\u0085", ""}, // NEL, LS and PS are line breaks
		{"x:\u2028", "- \u2028", ""},
		{"", "a:\u2029", ""},
		{"[&a a", ", *a:b", "]"}, // a : right after an alias name
		{"[", "\"a\":b, ", "]"},  // or a quote
		{"[", "'a':b, ", "]"},
		{"[", "[a]:b, ", "]"}, // or a collection
		{"[", "{a: b}:c, ", "]"},
		{"{", "a, ", "}"}, // keys without values
		{"[", "? a, ", "]"},
		{"[", "a: , ", "]"},
		{"", "- ", "a"},
	} {
		b := []byte(c.head + strings.Repeat(c.unit, 100) + c.tail)
		nodes, ok := yamlNodes(b)
		if !ok {
			t.Errorf("%q... does not parse", c.unit)
			continue
		}
		if bound := check.NodeBound(b); nodes > bound {
			t.Errorf("%q: yaml builds %d nodes, counted %d", b[:min(len(b), 40)], nodes, bound)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	parsed := 0
	for range 20_000 {
		var b []byte
		for range 1 + r.IntN(40) {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		nodes, ok := yamlNodes(b)
		if !ok {
			continue
		}
		parsed++
		if bound := check.NodeBound(b); nodes > bound {
			t.Errorf("%q: yaml builds %d nodes, counted %d", b, nodes, bound)
		}
	}
	if parsed < 1000 {
		t.Errorf("only %d of the documents parse: the pieces make too few good ones", parsed)
	}
}

// parseBudget is the most Parse may allocate for n bytes: a fixed part for
// what aliases may expand to (check.MaxNodes values), 16 bytes a byte of
// input, and 320 a node yaml may build (at most two a byte, at most
// check.MaxYAMLNodes in all). Measured: about 300 a node for the densest
// trees, 100 a value for the largest alias expansions.
func parseBudget(n int) uint64 {
	return 64<<20 + 16*uint64(n) + 320*uint64(min(2*n, check.MaxYAMLNodes))
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// outcome is what a hostile file must give: its errors, each placed at a
// line and none past the cap, or that it loaded.
func outcome(t *testing.T, file string, c *check.Config, err error) string {
	t.Helper()
	if err == nil {
		return fmt.Sprintf("loaded: %d areas\n", len(c.Areas))
	}
	var errs check.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error is %T, want check.Errors: %v", err, err)
	}
	if len(errs) > check.MaxErrors+2 {
		t.Errorf("%d errors, want at most %d and a summary", len(errs), check.MaxErrors)
	}
	for _, e := range errs {
		if e.File != file {
			t.Errorf("error names file %q, want %q", e.File, file)
		}
		if e.Line == 0 && !strings.Contains(e.Error(), "larger than") {
			t.Errorf("error has no line: %v", e)
		}
	}
	return err.Error() + "\n"
}

type hostileShape struct {
	name  string
	heavy bool // yaml parses it in full: slow under the race detector
	make  func(size int) []byte
}

// fill repeats unit between head and tail up to size bytes.
func fill(size int, head, unit, tail string) []byte {
	n := (size - len(head) - len(tail)) / len(unit)
	return []byte(head + strings.Repeat(unit, n) + tail)
}

// lines writes line(i) for i = 0, 1, ... after head up to size bytes.
func lines(size int, head string, line func(i int) string) []byte {
	var b strings.Builder
	b.WriteString(head)
	for i := 0; ; i++ {
		l := line(i)
		if b.Len()+len(l) > size {
			return []byte(b.String())
		}
		b.WriteString(l)
	}
}

const oneArea = "app: shop\nareas: [{id: A, request: {url: 'https://a.example.com/'}}]\n"

// equalsHead and equalsTail make an area whose one assertion's equals is
// what stands between them.
const (
	equalsHead = "app: shop\nareas: [{id: A, request: {url: 'https://a.example.com/', assert: [{json_path: $.a, equals: "
	equalsTail = "}]}}]\n"
)

func hostileShapes() []hostileShape {
	return []hostileShape{
		// Many areas aliasing one assertion whose equals holds the whole budget: 200,000 equals values aliased into 100 areas.
		{"equals-aliased-into-areas", true, func(size int) []byte {
			var b strings.Builder
			b.WriteString("app: shop\nareas:\n- {id: A0, request: {url: 'https://a.example.com/', assert: &a [{json_path: $.a, equals: [")
			n := 200_000 * size / check.MaxFileSize
			b.WriteString(strings.Repeat("1,", n-1) + "1]}]}}\n")
			for i := 1; i < 100; i++ {
				fmt.Fprintf(&b, "- {id: A%d, request: {url: 'https://a.example.com/', assert: *a}}\n", i)
			}
			return []byte(b.String())
		}},
		// Many tiny nodes: a flow list, a flow mapping of keys alone, a block
		// list of empty entries, empty lists: yaml would build millions.
		{"flow-list-of-scalars", false, func(size int) []byte { return fill(size, equalsHead+"[", "a,", "a]"+equalsTail) }},
		{"flow-mapping-of-keys", false, func(size int) []byte { return fill(size, "app: shop\nx: {", "a,", "a}\n") }},
		{"block-list-of-nothing", false, func(size int) []byte { return fill(size, "app: shop\nx:\n", "-\n", "") }},
		{"flow-list-of-lists", false, func(size int) []byte { return fill(size, equalsHead+"[", "[],", "[]]"+equalsTail) }},
		// The most nodes yaml may build: just under the bound, all alike.
		{"flow-mapping-at-the-bound", true, func(size int) []byte {
			n := (check.MaxYAMLNodes/2 - 8) * (size / 1024) / (check.MaxFileSize / 1024)
			return []byte("app: shop\nx: {" + strings.Repeat("a,", n) + "a}\n")
		}},
		// Deep nesting: past yaml's depth limit, and just within it in equals.
		{"deep-flow", false, func(size int) []byte { return fill(size, "app: shop\nx: ", "[", "") }},
		{"deeper-than-yaml-allows", false, func(int) []byte {
			return []byte(equalsHead + strings.Repeat("[", 10_001) + strings.Repeat("]", 10_001) + equalsTail)
		}},
		{"deep-equals", false, func(int) []byte {
			return []byte(equalsHead + strings.Repeat("[", 9_990) + strings.Repeat("]", 9_990) + equalsTail)
		}},
		{"deep-block", false, func(size int) []byte { return fill(size, "app: shop\nx:\n", "- ", "a\n") }},
		// Many keys: unknown fields, and headers past the value budget.
		{"many-unknown-fields", true, func(size int) []byte {
			return lines(size, "", func(i int) string { return fmt.Sprintf("k%d: a\n", i) })
		}},
		{"many-headers", true, func(size int) []byte {
			return lines(size, "app: shop\nareas:\n- id: A\n  request:\n    url: https://a.example.com/\n    headers:\n",
				func(i int) string { return fmt.Sprintf("      h%d: a\n", i) })
		}},
		// Long lines: a body (fine), a key, comments.
		{"long-body", true, func(size int) []byte {
			return fill(size, "app: shop\nareas: [{id: A, request: {url: 'https://a.example.com/', method: POST, body: '", "a", "'}}]\n")
		}},
		{"long-key", true, func(size int) []byte { return fill(size, "app: shop\n? ", "k", "\n: 1\n") }},
		{"comments", true, func(size int) []byte { return fill(size, oneArea, "#\n", "") }},
		// Maintenance windows: more than a file may have, one that lists
		// areas without end, and the most a file may have, each with the
		// schedule whose overlap check looks furthest.
		{"many-windows", false, func(int) []byte {
			var b strings.Builder
			b.WriteString(oneArea + "maintenance:\n")
			for i := range 10_000 {
				fmt.Fprintf(&b, "- {id: w%d, reason: r, cron: '0 2 * * 0', duration: 1h, time_zone: UTC}\n", i)
			}
			return []byte(b.String())
		}},
		{"window-listing-areas", false, func(int) []byte {
			return []byte(oneArea + "maintenance: [{id: w, reason: r, cron: '0 2 * * 0', duration: 1h, time_zone: UTC, areas: [" +
				strings.Repeat("Nope,", 150_000) + "A]}]\n")
		}},
		{"windows-at-the-limit", false, func(int) []byte {
			var b strings.Builder
			b.WriteString(oneArea + "maintenance:\n")
			for i := range check.MaxMaintenanceWindows {
				fmt.Fprintf(&b, "- {id: w%d, reason: r, areas: [A], every: {days: [mon, wed, fri], at: '02:%02d'}, duration: 47h, time_zone: Europe/London}\n", i, i%60)
			}
			return []byte(b.String())
		}},
		{"over-the-size-limit", false, func(size int) []byte {
			return []byte(oneArea + strings.Repeat("#", check.MaxFileSize+1-len(oneArea)))
		}},
	}
}
