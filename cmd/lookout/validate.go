package main

import (
	"fmt"
	"io"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/deploy"
)

func cmdValidate(args []string, stdout, stderr io.Writer) int {
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
