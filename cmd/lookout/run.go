package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/probe"
	"github.com/lookout-monitoring/lookout/shared/secrets"
)

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("run", stderr)
	file := fs.String("f", defaultFile, "checks file")
	var areaIDs multiFlag
	fs.Var(&areaIDs, "area", "probe only this area (repeatable, or comma-separated)")
	asJSON := fs.Bool("json", false, "print one JSON object per area instead of a table")
	location := fs.String("location", "", "act as this location (AWS region) for the control probe")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, code := loadChecks(*file, stderr, exitUsage)
	if cfg == nil {
		return code
	}
	if *location != "" {
		if _, ok := cfg.Locations[*location]; !ok {
			fmt.Fprintf(stderr, "lookout run: --location %s is not one of the locations in %s\n", *location, *file)
			return exitUsage
		}
	}
	areas, err := selectAreas(cfg, areaIDs)
	if err != nil {
		fmt.Fprintf(stderr, "lookout run: %v\n", err)
		return exitUsage
	}
	if err := cfg.ResolveSecrets(ctx, secrets.LazyResolvers()); err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	p, err := probe.New(probe.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "lookout run: %v\n", err)
		return exitUsage
	}
	round := p.Round(ctx, cfg, *location, areas)
	if *asJSON {
		if err := writeJSON(stdout, round); err != nil {
			fmt.Fprintf(stderr, "lookout run: %v\n", err)
			return exitUsage
		}
	} else {
		writeTable(stdout, cfg, round)
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "lookout run: interrupted")
		return exitUsage
	}
	return exitCode(round)
}

func selectAreas(cfg *check.Config, ids []string) ([]*check.Area, error) {
	if len(ids) == 0 {
		out := make([]*check.Area, len(cfg.Areas))
		for i := range cfg.Areas {
			out[i] = &cfg.Areas[i]
		}
		return out, nil
	}
	var out []*check.Area
	var unknown []string
	seen := map[*check.Area]bool{}
	for _, id := range ids {
		a := cfg.Area(id)
		if a == nil {
			unknown = append(unknown, id)
			continue
		}
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	if len(unknown) > 0 {
		known := make([]string, len(cfg.Areas))
		for i := range cfg.Areas {
			known[i] = cfg.Areas[i].ID
		}
		return nil, fmt.Errorf("no area %s in %s (areas: %s)", strings.Join(unknown, ", "), cfg.File, strings.Join(known, ", "))
	}
	return out, nil
}

func exitCode(r probe.Round) int {
	if r.Abstained {
		return exitAbstain
	}
	for _, res := range r.Results {
		if res.Verdict == probe.Down {
			return exitFailed
		}
	}
	return exitOK
}
