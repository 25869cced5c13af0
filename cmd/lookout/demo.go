package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/lookout-monitoring/lookout/shared/demo"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("demo", stderr)
	file := fs.String("f", defaultFile, "checks file whose areas and alerting rule are played")
	fast := fs.Bool("fast", false, "run rounds back to back, thresholds scaled down (for tests)")
	asJSON := fs.Bool("json", false, "print one JSON object per event")
	inMemory := fs.Bool("in-memory", false, "reach the sample app over in-process connections: no port is opened on 127.0.0.1")
	scenario := fs.String("scenario", "", "the story to play, by `NAME`:"+scenarioList())
	if code, ok := parse(fs, args); !ok {
		return code
	}
	sc, ok := demo.ScenarioNamed(cmp.Or(*scenario, demo.Scenarios()[0].Name))
	if !ok {
		fmt.Fprintf(stderr, "lookout demo: no scenario %q: the scenarios are %s\n", *scenario, demo.ScenarioNames())
		return exitUsage
	}
	cfg, code := loadChecks(*file, stderr, exitUsage)
	if cfg == nil {
		return code
	}
	var view demo.View = &demo.Terminal{W: stdout, Live: isTerminal(stdout)}
	if *asJSON {
		view = &demo.JSONLines{W: stdout}
	}
	o := demo.Options{Config: cfg, Scenario: &sc, Fast: *fast, View: view}
	if *inMemory {
		o.Network = demo.InMemory()
	}
	_, err := demo.Run(ctx, o)
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "lookout demo: interrupted")
		return exitInterrupted
	}
	if err != nil {
		fmt.Fprintf(stderr, "lookout demo: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// scenarioList is the scenarios for the --scenario flag's help, a line
// each, the default first.
func scenarioList() string {
	var b strings.Builder
	for i, s := range demo.Scenarios() {
		name := s.Name
		if i == 0 {
			name += " (default)"
		}
		fmt.Fprintf(&b, "\n      %-18s %s", name, s.About)
	}
	return b.String()
}

// isTerminal reports whether w is a character device (a terminal), where the
// demo redraws its grid in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
