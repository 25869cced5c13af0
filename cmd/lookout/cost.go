package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/lookout-monitoring/lookout/shared/cost"
)

func cmdCost(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("cost", stderr)
	file := fs.String("f", defaultFile, "checks file")
	a := cost.DefaultAssumptions
	fs.DurationVar(&a.Rate, "rate", a.Rate, "how often a round runs (whole minutes)")
	fs.Float64Var(&a.InvocationMs, "lambda-ms", a.InvocationMs, "average ProbeFunction duration per round, ms")
	fs.IntVar(&a.MemoryMB, "memory-mb", a.MemoryMB, "ProbeFunction memory, MB")
	fs.Float64Var(&a.IncidentHours, "incident-hours", a.IncidentHours, "hours a month an area is failing or slow somewhere")
	fs.IntVar(&a.Notifications, "notifications", a.Notifications, "alarm and recovery notifications a month")
	asJSON := fs.Bool("json", false, "print the estimate as JSON")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, code := loadChecks(*file, stderr, exitUsage)
	if cfg == nil {
		return code
	}
	if a.InvocationMs <= 0 || a.MemoryMB < 128 || a.IncidentHours < 0 || a.IncidentHours > cost.HoursPerMonth || a.Notifications < 0 {
		fmt.Fprintln(stderr, "lookout cost: --lambda-ms > 0, --memory-mb >= 128, --incident-hours 0..730, --notifications >= 0")
		return exitUsage
	}
	e, err := cost.Compute(cfg, a, cost.USEast1)
	if err != nil {
		fmt.Fprintf(stderr, "lookout cost: %v\n", err)
		return exitUsage
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		type out struct {
			cost.Estimate
			Rate string `json:"rate"`
		}
		if err := enc.Encode(out{e, e.Assume.Rate.String()}); err != nil {
			fmt.Fprintf(stderr, "lookout cost: %v\n", err)
			return exitUsage
		}
		return exitOK
	}
	e.Write(stdout)
	return exitOK
}
