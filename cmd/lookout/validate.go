package main

import (
	"fmt"
	"io"

	"github.com/lookout-monitoring/lookout/shared/check"
)

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("validate", stderr)
	file := fs.String("f", defaultFile, "checks file")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, code := loadChecks(*file, stderr, exitFailed)
	if cfg == nil {
		return code
	}
	steps := 0
	for i := range cfg.Areas {
		steps += len(cfg.Areas[i].AllSteps())
	}
	fmt.Fprintf(stdout, "%s: ok: app %s, %d %s (%d %s), %d locations, home %s\n", *file, cfg.App,
		len(cfg.Areas), plural(len(cfg.Areas), "area", "areas"), steps, plural(steps, "step", "steps"),
		len(cfg.Locations), cfg.HomeRegion)
	return exitOK
}

func cmdSchema(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("schema", stderr)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	s, err := check.Schema()
	if err != nil {
		fmt.Fprintf(stderr, "lookout: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s\n", s)
	return exitOK
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
