package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/lookout-monitoring/lookout/shared/deploy"
)

// cmdDeployParams prints what `sam deploy` is given, derived from the checks
// file (shared/deploy): the parameter overrides of one location's stack, or the
// deploy plan (config-env and region of every stack, home first).
func cmdDeployParams(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("deploy-params", stderr)
	file := fs.String("f", defaultFile, "checks file")
	location := fs.String("location", "", "region of the stack (default: the home region)")
	format := fs.String("format", "sam", "sam (for --parameter-overrides), json (CloudFormation parameter list) or plan (config-env and region per stack)")
	email := fs.String("alert-email", "", "address for email notifications (optional; left out when empty)")
	phone := fs.String("alert-phone", "", "E.164 number for critical SMS (optional; left out when empty)")
	pager := fs.String("pager-key-param", "", "SSM parameter holding the PagerDuty routing key (optional; left out when empty)")
	watchdog := fs.String("watchdog-url-param", "", "SSM parameter holding the URL the notifier's tick pings (optional; left out when empty)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, code := loadChecks(*file, stderr, exitUsage)
	if cfg == nil {
		return code
	}
	if *format == "plan" {
		stacks, err := deploy.Plan(cfg)
		if err != nil {
			fmt.Fprintf(stderr, "lookout: %s: %v\n", *file, err)
			return exitFailed
		}
		fmt.Fprint(stdout, deploy.FormatPlan(stacks))
		return exitOK
	}
	p, err := deploy.Params(cfg, *location)
	if errors.Is(err, deploy.ErrUnknownLocation) {
		fmt.Fprintf(stderr, "lookout deploy-params: --location %s: %v\n", *location, err)
		return exitUsage
	}
	if err != nil {
		reportErrors(stderr, *file, err)
		return exitFailed
	}
	p.AlertEmail, p.AlertPhone, p.PagerRoutingKeyParam, p.WatchdogURLParam = *email, *phone, *pager, *watchdog
	switch *format {
	case "sam":
		s, err := p.SAM()
		if err != nil {
			fmt.Fprintf(stderr, "lookout: %v\n", err)
			return exitUsage
		}
		fmt.Fprintln(stdout, s)
	case "json":
		b, err := p.JSON()
		if err != nil {
			fmt.Fprintf(stderr, "lookout: %v\n", err)
			return exitUsage
		}
		stdout.Write(b)
	default:
		fmt.Fprintf(stderr, "lookout deploy-params: unknown format %q (sam, json or plan)\n", *format)
		return exitUsage
	}
	return exitOK
}
