package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/probe"
	"github.com/lookout-monitoring/lookout/shared/secrets"
)

// credentialsHint follows the reason a run could not read its AWS secrets.
const credentialsHint = "lookout run: to read them, set AWS_PROFILE (for SSO, after `aws sso login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; for a local run, write the secrets as ${env:NAME}"

func (a app) cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
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
	p, err := probe.New(a.probe)
	if err != nil {
		fmt.Fprintf(stderr, "lookout run: %v\n", err)
		return exitUsage
	}

	// Only what this run probes is resolved, and AWS is asked only for an
	// ${ssm:} or ${secret:} reference among it, in the location's region.
	region := *location
	if region == "" {
		region = cfg.HomeRegion
	}
	rs := secrets.LazyResolvers(func(ctx context.Context) (aws.Config, error) { return a.awsConfig(ctx, region) })
	if err := cfg.ResolveControlSecrets(ctx, rs); err != nil {
		reportUnresolved(stderr, err)
		fmt.Fprintln(stderr, "lookout run: the control probe cannot run, so no area can")
		return exitUsage
	}
	var (
		runnable   []*check.Area
		results    = make([]*probe.Result, len(areas)) // nil: probed in the round
		unresolved check.Errors
	)
	for i, ar := range areas {
		err := cfg.ResolveAreaSecrets(ctx, rs, ar)
		if err == nil {
			runnable = append(runnable, ar)
			continue
		}
		var errs check.Errors
		if !errors.As(err, &errs) {
			fmt.Fprintf(stderr, "lookout run: %v\n", err)
			return exitUsage
		}
		res := p.NotRun(ar, notRunReason(err))
		results[i] = &res
		unresolved = append(unresolved, errs...)
	}
	if len(unresolved) > 0 {
		reportUnresolved(stderr, unresolved)
	}

	round := probe.Round{Location: *location}
	if len(runnable) > 0 {
		round = p.Round(ctx, cfg, *location, runnable)
	}
	probed := round.Results
	round.Results = make([]probe.Result, 0, len(areas))
	for _, res := range results {
		if res == nil {
			res, probed = &probed[0], probed[1:]
		}
		round.Results = append(round.Results, *res)
	}

	if *asJSON {
		if err := writeJSON(stdout, round); err != nil {
			fmt.Fprintf(stderr, "lookout run: %v\n", err)
			return exitUsage
		}
	} else {
		writeTable(stdout, cfg, round)
	}
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "lookout run: interrupted")
		return exitInterrupted
	case len(runnable) == 0:
		fmt.Fprintf(stderr, "lookout run: no area could run: %d not run\n", len(areas))
		return exitUsage
	}
	return exitCode(round)
}

// reportUnresolved prints one line per reference that could not be resolved,
// at its file:line and field. When AWS credentials are missing, each line
// says so and the SDK's reason (the same for all) is printed once, after them.
func reportUnresolved(stderr io.Writer, err error) {
	var errs check.Errors
	if !errors.As(err, &errs) {
		fmt.Fprintf(stderr, "lookout run: %v\n", err)
		return
	}
	var cause error
	for _, fe := range errs {
		var ce *secrets.CredentialsError
		var re *check.RefError
		if errors.As(fe, &ce) && errors.As(fe, &re) {
			cause = ce.Err
			short := *fe
			short.Err = &check.RefError{Ref: re.Ref, Err: secrets.ErrNoCredentials}
			fe = &short
		}
		fmt.Fprintln(stderr, fe)
	}
	if cause != nil {
		fmt.Fprintf(stderr, "lookout run: no AWS credentials: %v\n%s\n", cause, credentialsHint)
	}
}

// notRunReason is the message of an area left out: its first unresolved reference.
func notRunReason(err error) string {
	var re *check.RefError
	if !errors.As(err, &re) {
		return err.Error()
	}
	if errors.Is(re, secrets.ErrNoCredentials) {
		return "needs AWS credentials for " + re.Ref.String()
	}
	return re.Error()
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

// exitCode is the exit code of a round in which at least one area was probed.
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
