package check_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
	"go.yaml.in/yaml/v3"
)

// FuzzParse feeds arbitrary bytes to the parser: it must never panic, every
// failure must be check.Errors whose entries name the file, and what it costs
// is bounded whatever the bytes: allocation by parseBudget, the decoder's
// steps by the value budget (aliases expanded), and the nodes yaml builds by
// the count made before parsing.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	hostile, _ := filepath.Glob("testdata/hostile/*.yaml")
	seeds = append(append(seeds, hostile...), "../../checks.yaml")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("app: a\nareas: [{id: A, request: {url: 'http://x/${var:y}'}}]"))
	f.Add([]byte("&a [*a]"))
	f.Add([]byte("app: *x"))
	f.Add([]byte("areas:\n  - id: A\n    steps: [{url: 'https://a/$${env:X}', status: [1xx, 599]}]"))
	f.Add([]byte("a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nareas: [{id: A, request: {url: 'https://a/', assert: [{json_path: $.a, equals: [*b, *b, *b]}]}}]"))
	f.Add([]byte("x: {a, b: , ? c, [d]: e, *f : g}\n- [: h, \"i\":j, k:l]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var (
			c     *check.Config
			err   error
			steps int
		)
		got := allocated(func() { c, steps, err = check.ParseSteps("fuzz.yaml", data) })
		if budget := parseBudget(len(data)); got > budget {
			t.Fatalf("%d bytes allocated for %d bytes of input, budget %d", got, len(data), budget)
		}
		if steps > 2*check.MaxNodes+8 {
			t.Fatalf("%d decoder steps, at most %d", steps, 2*check.MaxNodes+8)
		}
		if nodes, ok := yamlNodes(data); ok && nodes > check.NodeBound(data) {
			t.Fatalf("yaml builds %d nodes, more than the %d counted before parsing", nodes, check.NodeBound(data))
		}
		if err == nil {
			if c == nil || len(c.Areas) == 0 || c.App == "" {
				t.Fatalf("accepted an incomplete config: %+v", c)
			}
			for i := range c.Areas {
				if len(c.Areas[i].AllSteps()) == 0 {
					t.Fatalf("area %s has no steps", c.Areas[i].ID)
				}
			}
			return
		}
		var errs check.Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error %T is not check.Errors: %v", err, err)
		}
		if len(errs) > check.MaxErrors+2 {
			t.Fatalf("%d errors, want at most %d and a summary", len(errs), check.MaxErrors)
		}
		for _, e := range errs {
			if !strings.HasPrefix(e.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %q", e.Error())
			}
			if e.Line == 0 && !errors.Is(e, check.ErrRequired) && len(data) <= check.MaxFileSize {
				t.Fatalf("error names no line: %q", e.Error())
			}
		}
	})
}

// yamlNodes counts the nodes yaml builds for data (aliases not followed),
// for UTF-8 input it parses.
func yamlNodes(data []byte) (int, bool) {
	if len(data) >= 2 && (data[0] == 0xFE || data[0] == 0xFF) || len(data) > check.MaxFileSize {
		return 0, false // UTF-16: counted after conversion; too big: never parsed
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return 0, false
	}
	var count func(n *yaml.Node) int
	count = func(n *yaml.Node) int {
		c := 1
		for _, k := range n.Content {
			c += count(k)
		}
		return c
	}
	return count(&root), true
}

func TestAliasBombIsRefused(t *testing.T) {
	// A small file whose aliases expand to a million values.
	var b strings.Builder
	b.WriteString("app: a\nx0: &check {body_contains: a}\nx1: &asserts [")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("*check")
	}
	b.WriteString("]\nx2: &area {id: A, steps: [")
	for i := range 10 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("{url: 'https://a.example.com/', assert: *asserts}")
	}
	b.WriteString("]}\nareas: [")
	for i := range 100 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("*area")
	}
	b.WriteString("]\n")
	_, err := check.Parse("bomb.yaml", []byte(b.String()))
	if !errors.Is(err, check.ErrInvalid) || !strings.Contains(err.Error(), "aliases") {
		t.Fatalf("alias bomb: %v", err)
	}
}
