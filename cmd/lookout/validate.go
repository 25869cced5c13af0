package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/deploy"
	"github.com/lookout-monitoring/lookout/shared/maintenance"
)

// shownOccurrences is how many occurrences of each maintenance window
// validate shows.
const shownOccurrences = 3

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	return validation{now: time.Now}.run(args, stdout, stderr)
}

// validation is `lookout validate` with its clock, the time the windows'
// next occurrences are counted from, so that a test can fix it.
type validation struct {
	now func() time.Time
}

func (v validation) run(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("validate", stderr)
	file := fs.String("f", defaultFile, "checks file")
	forDeploy := fs.Bool("deploy", false, "also refuse what a deploy would: references a deployed probe cannot resolve, secrets outside its path")
	files := fs.Bool("files", false, "print only the files the checks file refers to (tls.ca_file), one a line, relative to its directory: the build bundles them beside it")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, code := loadChecks(*file, stderr, exitFailed)
	if cfg == nil {
		return code
	}
	// The quotas always: a file past them can never be deployed.
	measure := deploy.Measure
	if *forDeploy {
		measure = deploy.CheckDeploy
	}
	f, err := measure(cfg)
	if err != nil {
		reportErrors(stderr, *file, err)
		return exitFailed
	}
	if *files {
		for _, f := range cfg.Files() {
			fmt.Fprintln(stdout, f)
		}
		return exitOK
	}
	steps := 0
	for i := range cfg.Areas {
		steps += len(cfg.Areas[i].AllSteps())
	}
	fmt.Fprintf(stdout, "%s: ok: app %s, %d %s (%d %s), %d locations, home %s\n", *file, cfg.App,
		len(cfg.Areas), plural(len(cfg.Areas), "area", "areas"), steps, plural(steps, "step", "steps"),
		len(cfg.Locations), cfg.HomeRegion)
	fmt.Fprintf(stdout, "%s: quotas: %d of %d resources per stack, %d of %d in the fullest alarm stack, largest parameter %d of %d bytes (%s), %d of %d dashboard widgets, longest alarm name %d of %d bytes\n",
		*file, f.Resources, deploy.MaxResources, f.ChunkResources, deploy.MaxResources, f.LargestBytes, deploy.MaxParameterBytes,
		f.LargestParameter, f.Widgets, deploy.MaxWidgets, len(f.LongestAlarm), deploy.MaxAlarmNameBytes)
	m := cfg.RoundMemory()
	fmt.Fprintf(stdout, "%s: memory: a round may hold up to %s of the %s the probe function has for one (%d %s at once, %d decoding JSON)\n",
		*file, m.Total.Rounded(), check.RoundMemoryBudget.Rounded(), m.AtOnce, plural(m.AtOnce, "area", "areas"), m.JSON)
	now := v.now()
	for _, w := range cfg.Maintenance {
		fmt.Fprintf(stdout, "%s: %s\n", *file, windowLine(w, now))
	}
	return exitOK
}

// windowLine says when a maintenance window applies next, e.g.
// "maintenance weeklyDB (Boards, Cards): next Sun 2026-12-06 02:00 GMT
// (02:00 UTC) for 2h, then 2026-12-13 02:00 GMT, 2026-12-20 02:00 GMT", or
// that a one-off window has ended.
func windowLine(w check.Maintenance, now time.Time) string {
	var b strings.Builder
	scope := "whole app"
	if len(w.Areas) > 0 {
		scope = strings.Join(w.Areas, ", ")
	}
	fmt.Fprintf(&b, "maintenance %s (%s): ", w.ID, scope)
	next := maintenance.Next(w, now, shownOccurrences)
	if len(next) == 0 {
		if s, err := w.Schedule(); err == nil && !s.Recurring() {
			b.WriteString("ended " + stamp(s.End))
		} else {
			b.WriteString("no occurrence left")
		}
		return b.String()
	}
	first := next[0]
	if first.Start.After(now) {
		b.WriteString("next ")
	} else {
		b.WriteString("under way since ")
	}
	fmt.Fprintf(&b, "%s %s for %s", first.Start.Format("Mon"), stamp(first.Start), check.FormatDuration(first.End.Sub(first.Start)))
	for i, o := range next[1:] {
		if i == 0 {
			b.WriteString(", then ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(o.Start.Format("2006-01-02 15:04 MST"))
	}
	return b.String()
}

// stamp writes t in its zone and, unless that is UTC, in UTC too (with the
// date when it differs).
func stamp(t time.Time) string {
	s := t.Format("2006-01-02 15:04 MST")
	if t.Location().String() == "UTC" {
		return s
	}
	u := t.UTC()
	if u.Format(time.DateOnly) == t.Format(time.DateOnly) {
		return s + " (" + u.Format("15:04 MST") + ")"
	}
	return s + " (" + u.Format("2006-01-02 15:04 MST") + ")"
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
