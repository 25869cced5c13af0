package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// validate prints a round's worst-case memory, the figure it refuses files by.
func TestValidatePrintsTheRoundsMemory(t *testing.T) {
	const file = "../../checks.yaml"
	cfg, err := check.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	m := cfg.RoundMemory()
	code, out, errOut := runMain(t, context.Background(), "validate", "-f", file)
	if code != exitOK {
		t.Fatalf("validate exit %d: %s", code, errOut)
	}
	want := fmt.Sprintf("memory: a round may hold up to %s of the %s the probe function has for one (%d areas at once, %d decoding JSON)",
		m.Total.Rounded(), check.RoundMemoryBudget.Rounded(), m.AtOnce, m.JSON)
	if !strings.Contains(out, want) || m.AtOnce != len(cfg.Areas) || m.JSON == 0 {
		t.Errorf("validate stdout:\n%s\nwant a line with %q", out, want)
	}
}
