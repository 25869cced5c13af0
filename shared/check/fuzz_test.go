package check_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// FuzzParse feeds arbitrary bytes to the parser: it must never panic, and
// every failure must be check.Errors whose entries name the file.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	seeds = append(seeds, "../../checks.yaml")
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
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := check.Parse("fuzz.yaml", data)
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
		for _, e := range errs {
			if !strings.HasPrefix(e.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %q", e.Error())
			}
		}
	})
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
