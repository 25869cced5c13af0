package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/lookout-monitoring/lookout/shared/demo"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("demo", stderr)
	file := fs.String("f", defaultFile, "checks file whose areas and alerting rule are played")
	fast := fs.Bool("fast", false, "run rounds back to back, thresholds scaled down (for tests)")
	asJSON := fs.Bool("json", false, "print one JSON object per event")
	inMemory := fs.Bool("in-memory", false, "reach the sample app over in-process connections: no port is opened on 127.0.0.1")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, code := loadChecks(*file, stderr, exitUsage)
	if cfg == nil {
		return code
	}
	var view demo.View = &demo.Terminal{W: stdout, Live: isTerminal(stdout)}
	if *asJSON {
		view = &demo.JSONLines{W: stdout}
	}
	o := demo.Options{Config: cfg, Fast: *fast, View: view}
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
