package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The notifier must not link the prober or the publisher: it knows alarms
// by their names and rules (package alarm), never by how probes run.
func TestNotifierLinksNeitherProberNorPublisher(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	const mod = "github.com/lookout-monitoring/lookout/"
	for _, banned := range []string{"shared/probe", "shared/probefn", "shared/metrics", "shared/demo"} {
		if slices.Contains(deps, mod+banned) {
			t.Errorf("the notifier links %s", banned)
		}
	}
	if !slices.Contains(deps, mod+"shared/alarm") {
		t.Errorf("the notifier does not link shared/alarm; the test would prove nothing: %v", deps)
	}
}
