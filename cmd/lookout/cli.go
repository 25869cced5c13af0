package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// Exit codes.
const (
	exitOK       = 0
	exitFailed   = 1 // validate: the file has errors; run: an area is down
	exitUsage    = 2 // bad flags, unreadable file, secrets that cannot be resolved
	exitAbstain  = 3 // run: this machine's control probe failed, nothing was judged
	defaultFile  = "checks.yaml"
	commandsHelp = `Lookout: synthetic monitoring of every functional area of an application.

Usage:
  lookout demo [--fast] [--json]                    watch the whole chain work offline, on this machine
  lookout validate [-f checks.yaml]                 check the file; list every error with file:line
  lookout run [-f checks.yaml] [--area ID]... [--json] [--location REGION]
                                                    probe every area once from this machine
  lookout cost [-f checks.yaml] [--rate 1m]         estimate the monthly AWS bill, line by line
  lookout schema                                    print the checks file's JSON Schema
  lookout deploy-params [-f checks.yaml] [--location REGION] [--format sam|json|plan]
                                                    print the sam deploy parameters derived from the file

Run "lookout COMMAND -h" for a command's flags.
`
)

// Main runs one command and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, commandsHelp)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "validate":
		return cmdValidate(rest, stdout, stderr)
	case "run":
		return cmdRun(ctx, rest, stdout, stderr)
	case "schema":
		return cmdSchema(rest, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, rest, stdout, stderr)
	case "cost":
		return cmdCost(rest, stdout, stderr)
	case "deploy-params":
		return cmdDeployParams(rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, commandsHelp)
		return exitOK
	}
	fmt.Fprintf(stderr, "lookout: unknown command %q\n\n%s", cmd, commandsHelp)
	return exitUsage
}

// newFlags makes a flag set that reports to stderr and never exits the process.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("lookout "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses flags; interspersed positional arguments are refused.
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), strings.Join(fs.Args(), " "))
		return exitUsage, false
	}
	return 0, true
}

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*m = append(*m, p)
		}
	}
	return nil
}

// loadChecks loads a checks file and prints every problem to stderr. It
// returns the exit code to use when the file cannot be used: invalid for a
// file with errors (validate says 1: the check failed; the others say 2: they
// could not start), exitUsage for one that cannot be read.
func loadChecks(file string, stderr io.Writer, invalid int) (*check.Config, int) {
	cfg, err := check.Load(file)
	if err == nil {
		return cfg, exitOK
	}
	var errs check.Errors
	if errors.As(err, &errs) {
		fmt.Fprintln(stderr, err)
		fmt.Fprintf(stderr, "%s: %d %s\n", file, len(errs), plural(len(errs), "error", "errors"))
		return nil, invalid
	}
	fmt.Fprintf(stderr, "lookout: %v\n", err)
	return nil, exitUsage
}
