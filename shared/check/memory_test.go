package check_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// checksFile is a checks file with the given defaults lines and n areas, the
// first json of them with a json_path assertion.
func checksFile(defaults string, n, json int) string {
	var b strings.Builder
	b.WriteString("app: shop\n")
	if defaults != "" {
		b.WriteString("defaults:\n")
		for _, l := range strings.Split(defaults, ",") {
			fmt.Fprintf(&b, "  %s\n", strings.TrimSpace(l))
		}
	}
	b.WriteString("areas:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - id: A%d\n    request:\n      url: https://shop.example.com/%d\n", i, i)
		if i < json {
			b.WriteString("      assert:\n        - json_path: $.ok\n")
		}
	}
	return b.String()
}

// A round's worst case is computed from the file: the areas probed at once
// (the costliest first), each its body, HTTP/2 window or JSON allowance and
// fixed cost, and the process. Files within the budget load; the others are
// refused at the field to change, with the figures and what would fit.
func TestRoundMemory(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name      string
		file      string
		atOnce    int
		json      int
		total     check.Size
		err, line string // "" when the file loads
	}{
		{name: "defaults: 32 areas of 1MiB at once, all with json_path",
			file: checksFile("", 40, 40), atOnce: 32, json: 32,
			total: check.RoundBaseMemory + 32*(check.AreaMemory+check.BodyChunk+mib+1+8*mib)},
		{name: "1,000 areas: still 32 at once",
			file: checksFile("", 1000, 1000), atOnce: 32, json: 32,
			total: check.RoundBaseMemory + 32*(check.AreaMemory+check.BodyChunk+mib+1+8*mib)},
		{name: "without json_path an area holds its body and its HTTP/2 window",
			file: checksFile("body_limit: 10MiB, concurrency: 16", 16, 0), atOnce: 16,
			total: check.RoundBaseMemory + 16*(check.AreaMemory+check.BodyChunk+10*mib+1+4*mib)},
		{name: "the largest body_limit, 5 at once",
			file: checksFile("body_limit: 64MiB, concurrency: 5", 20, 0), atOnce: 5,
			total: check.RoundBaseMemory + 5*(check.AreaMemory+check.BodyChunk+64*mib+1+4*mib)},
		{name: "64MiB bodies, but only two areas",
			file: checksFile("body_limit: 64MiB, concurrency: 16", 2, 0), atOnce: 2,
			total: check.RoundBaseMemory + 2*(check.AreaMemory+check.BodyChunk+64*mib+1+4*mib)},
		{name: "json_path at 2MiB, 16 at once",
			file: checksFile("body_limit: 2MiB, concurrency: 16", 16, 16), atOnce: 16, json: 16,
			total: check.RoundBaseMemory + 16*(check.AreaMemory+check.BodyChunk+2*mib+1+16*mib)},
		{name: "64MiB bodies, 16 at once",
			file: checksFile("body_limit: 64MiB, concurrency: 16", 16, 0),
			line: "test.yaml:3: defaults.body_limit",
			err:  "a round may hold up to 1.1 GiB, above the 384.0 MiB the probe function has for one: 16 areas at once with body_limit 64MiB (each 68.3 MiB; a json_path may take 8 x body_limit to decode) and 32.0 MiB for the process; lower body_limit or concurrency: it fits with concurrency 5, or with body_limit 17MiB"},
		{name: "a json_path on 64MiB bodies fits at no concurrency",
			file: checksFile("body_limit: 64MiB, concurrency: 1", 3, 1),
			line: "test.yaml:3: defaults.body_limit",
			err:  "a round may hold up to 608.3 MiB, above the 384.0 MiB the probe function has for one: 1 area at once with body_limit 64MiB (1 decoding JSON x 576.3 MiB; a json_path may take 8 x body_limit to decode) and 32.0 MiB for the process; lower body_limit or concurrency: it fits with body_limit 39MiB"},
		{name: "concurrency alone: the default 1MiB bodies, 64 at once with json_path",
			file: checksFile("concurrency: 64", 64, 64),
			line: "test.yaml:3: defaults.concurrency",
			err:  "a round may hold up to 628.0 MiB, above the 384.0 MiB the probe function has for one: 64 areas at once with body_limit 1MiB (64 decoding JSON x 9.3 MiB; a json_path may take 8 x body_limit to decode) and 32.0 MiB for the process; lower body_limit or concurrency: it fits with concurrency 37, or with body_limit 590KiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := check.Parse("test.yaml", []byte(tc.file))
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				m := cfg.RoundMemory()
				if m.AtOnce != tc.atOnce || m.JSON != tc.json || m.Total != tc.total {
					t.Errorf("RoundMemory() = %+v, want %d at once, %d with JSON, total %d", m, tc.atOnce, tc.json, tc.total)
				}
				if m.Total > check.RoundMemoryBudget {
					t.Errorf("total %s loads above the budget %s", m.Total.Rounded(), check.RoundMemoryBudget.Rounded())
				}
				return
			}
			if want := tc.line + ": " + tc.err; err == nil || err.Error() != want {
				t.Fatalf("got  %v\nwant %s", err, want)
			}
			if !errors.Is(err, check.ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) is false")
			}
		})
	}
}

func TestRounded(t *testing.T) {
	for s, want := range map[check.Size]string{
		0: "0 B", 999: "999 B", 1000: "1 KiB", 320 << 10: "320 KiB", 1000 << 10: "1.0 MiB",
		1 << 20: "1.0 MiB", 68<<20 + 300<<10: "68.3 MiB", 1200 << 20: "1.2 GiB",
	} {
		if got := s.Rounded(); got != want {
			t.Errorf("Size(%d).Rounded() = %q, want %q", int64(s), got, want)
		}
	}
}
