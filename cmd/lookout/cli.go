package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/probe"
	"github.com/lookout-monitoring/lookout/shared/secrets"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailed      = 1   // validate: the file has errors; run: an area is down; AWS failed a call
	exitUsage       = 2   // bad flags, unreadable file; run: no area could run; no AWS credentials
	exitAbstain     = 3   // run: this machine's control probe failed, nothing was judged
	exitInterrupted = 130 // Ctrl-C (or SIGTERM): the command was cut short
	defaultFile     = "checks.yaml"
)

// command is one subcommand: its name, the flags shown in the command list,
// and its one-line description (also the first line of its -h). args names
// its positional arguments in its -h; subs are the subcommands of a command
// that has them (lookout maintenance now).
type command struct {
	name, synopsis, about string
	args                  string
	subs                  []command
}

var commands = []command{
	{"demo", "[-f FILE] [--scenario NAME] [--fast] [--json] [--in-memory]", "watch the whole chain work offline, on this machine", "", nil},
	{"validate", "[-f FILE] [--deploy] [--files]", "check the checks file and the deploy quotas; list every error with file:line", "", nil},
	{"run", "[-f FILE] [--area ID]... [--json] [--location REGION]", "probe the areas once from this machine", "", nil},
	{"cost", "[-f FILE] [--rate DURATION] [--json]", "estimate the monthly AWS bill, line by line", "", nil},
	{"schema", "", "print the checks file's JSON Schema", "", nil},
	{"deploy-params", "[-f FILE] [--location REGION] [--format FORMAT]", "print the sam deploy parameters derived from the checks file", "", nil},
	{"maintenance", "now|list|end", "ad-hoc maintenance windows in the deployed ledger, no redeploy", "", []command{
		{"now", "--for DURATION [--area ID]... [--reason TEXT] [-f FILE]", "start an ad-hoc window now, for the whole app or some areas", "", nil},
		{"list", "[-f FILE] [--json]", "list the ad-hoc windows and the checks file's next ones", "", nil},
		{"end", "ID [-f FILE]", "end an ad-hoc window now", "ID", nil},
	}},
	{"test-page", "[--channel NAME]... [-f FILE] [--function NAME]", "send a marked test incident through the deployed notifier, open and resolve", "", nil},
}

// exitCodesHelp is the exit code list of `lookout --help`.
const exitCodesHelp = `Exit codes:
  0    done: every area probed is up or slow (run), the file is valid (validate),
       every channel asked for sent the test page or is not configured (test-page)
  1    run: an area is down; validate: the file has errors; maintenance,
       test-page: AWS refused or failed a call, a channel failed, the notifier erred
  2    usage error or unreadable checks file; run: no area could run (e.g. every
       selected area needs a secret that cannot be resolved on this machine);
       maintenance, test-page: no AWS credentials, no home stack or no output of
       it to find the ledger or the notifier by, an unknown window id
  3    run: this machine's control probe failed, so nothing was judged
  130  interrupted (Ctrl-C): the round was cut short
`

// commandsHelp is the text of `lookout --help`.
func commandsHelp() string {
	var b strings.Builder
	b.WriteString("Lookout: synthetic monitoring of every functional area of an application.\n\nUsage:\n")
	const col = 54
	line := func(use, about string) {
		use = strings.TrimRight(use, " ")
		if len(use) > col-2 {
			fmt.Fprintf(&b, "%s\n%s%s\n", use, strings.Repeat(" ", col), about)
			return
		}
		fmt.Fprintf(&b, "%-*s%s\n", col, use, about)
	}
	for _, c := range commands {
		line("  lookout "+c.name+" "+c.synopsis, c.about)
		for _, sub := range c.subs {
			line("    "+sub.name+" "+sub.synopsis, sub.about)
		}
	}
	b.WriteString("\nRun \"lookout COMMAND -h\" for a command's flags.\n\n")
	b.WriteString(exitCodesHelp)
	return b.String()
}

// app is the CLI together with what it takes from outside its arguments, so
// that tests can replace each piece.
type app struct {
	// awsConfig loads the AWS configuration, region being the one used when
	// none is configured. `lookout run` calls it only when a selected area
	// needs an ${ssm:} or ${secret:} reference.
	awsConfig func(ctx context.Context, region string) (aws.Config, error)
	// probe configures the prober; the zero value is production.
	probe probe.Options
	// now is the clock of the maintenance commands (time.Now if nil).
	now func() time.Time
	// clients make the home region's clients from an AWS configuration
	// (`lookout maintenance`, `lookout test-page`); nil fields are the SDK's.
	clients homeClients
}

// clock is the app's time.
func (a app) clock() time.Time {
	if a.now == nil {
		return time.Now()
	}
	return a.now()
}

// Main runs one command and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return app{awsConfig: loadAWSConfig}.main(ctx, args, stdout, stderr)
}

// loadAWSConfig is the default AWS configuration of this machine, quiet.
func loadAWSConfig(ctx context.Context, region string) (aws.Config, error) {
	return secrets.LoadConfig(ctx, region)
}

func (a app) main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, commandsHelp())
		return exitUsage
	}
	code := a.dispatch(ctx, args, stdout, &streams{Writer: stderr, stdout: stdout})
	if ctx.Err() != nil {
		// Whatever the command made of it, an interrupted command says so.
		return exitInterrupted
	}
	return code
}

func (a app) dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "validate":
		return cmdValidate(rest, stdout, stderr)
	case "run":
		return a.cmdRun(ctx, rest, stdout, stderr)
	case "schema":
		return cmdSchema(rest, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, rest, stdout, stderr)
	case "cost":
		return cmdCost(rest, stdout, stderr)
	case "deploy-params":
		return cmdDeployParams(rest, stdout, stderr)
	case "maintenance":
		return a.cmdMaintenance(ctx, rest, stdout, stderr)
	case "test-page":
		return a.cmdTestPage(ctx, rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && lookup(strings.Join(rest, " ")) != nil { // lookout help run, lookout help maintenance now
			return a.dispatch(ctx, append(rest, "-h"), stdout, stderr)
		}
		if len(rest) > 0 {
			fmt.Fprintf(stderr, "lookout: no command %q\n\n%s", strings.Join(rest, " "), commandsHelp())
			return exitUsage
		}
		fmt.Fprint(stdout, commandsHelp())
		return exitOK
	}
	fmt.Fprintf(stderr, "lookout: unknown command %q\n\n%s", cmd, commandsHelp())
	return exitUsage
}

// lookup finds a command by its name, a subcommand by its command's name
// and its own ("maintenance now").
func lookup(name string) *command {
	list := commands
	var found *command
	for _, word := range strings.Fields(name) {
		found = nil
		for i := range list {
			if list[i].name == word {
				found = &list[i]
				break
			}
		}
		if found == nil {
			return nil
		}
		list = found.subs
	}
	return found
}

// streams is the stderr every command is given: it writes to stderr and
// knows stdout, where a command's -h goes. So newFlags(name, stderr) and
// parse(fs, args) stay all the flag plumbing a command has.
type streams struct {
	io.Writer // stderr
	stdout    io.Writer
}

// newFlags makes a flag set that reports to stderr and never exits the process.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("lookout "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // parse prints the help, on stdout, only when asked for
	return fs
}

// parse parses flags; interspersed positional arguments are refused. -h
// prints the command's help to stdout; a usage error exits 2.
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	if code, ok := parseFlags(fs, args); !ok {
		return code, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), strings.Join(fs.Args(), " "))
		return exitUsage, false
	}
	return 0, true
}

// parseOne parses the flags of a command that takes one positional
// argument (what names it in the message when it is missing), given before,
// among or after the flags; any other argument is refused.
func parseOne(fs *flag.FlagSet, args []string, what string) (string, int, bool) {
	if code, ok := parseFlags(fs, args); !ok {
		return "", code, false
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(fs.Output(), "%s: missing %s\nRun \"%s -h\" for its flags.\n", fs.Name(), what, fs.Name())
		return "", exitUsage, false
	}
	arg := fs.Arg(0)
	code, ok := parse(fs, fs.Args()[1:])
	return arg, code, ok
}

// parseFlags parses flags up to the first positional argument, which it
// leaves in fs.Args().
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			out := fs.Output()
			if s, ok := out.(*streams); ok {
				out = s.stdout
			}
			fmt.Fprint(out, usage(fs))
			return exitOK, false
		}
		fmt.Fprintf(fs.Output(), "Run \"%s -h\" for its flags.\n", fs.Name())
		return exitUsage, false
	}
	return 0, true
}

// placeholders name the value of the flags every command shares, as the README
// writes them (--location REGION). A flag's usage can name its own with
// back quotes, as with the flag package's PrintDefaults.
var placeholders = map[string]string{
	"f": "FILE", "area": "ID", "location": "REGION", "format": "FORMAT", "rate": "DURATION",
	"lambda-ms": "MS", "memory-mb": "MB", "incident-hours": "HOURS", "notifications": "N",
	"alert-email": "ADDRESS", "alert-phone": "NUMBER", "pager-key-param": "NAME",
	"for": "DURATION", "reason": "TEXT", "stack": "NAME", "table": "NAME", "function": "NAME", "channel": "NAME",
}

// flagForm is a flag as written on a command line: -f FILE, --area ID, --json.
func flagForm(f *flag.Flag) (form, help string) {
	name, help := flag.UnquoteUsage(f)
	switch p, ok := placeholders[f.Name]; {
	case name == "": // a boolean flag
	case strings.Contains(f.Usage, "`"):
	case ok:
		name = p
	default:
		name = strings.ToUpper(name)
	}
	form = "--" + f.Name
	if len(f.Name) == 1 {
		form = "-" + f.Name
	}
	if name != "" {
		form += " " + name
	}
	return form, help
}

// usage is a command's -h: its description, its synopsis and its flags.
func usage(fs *flag.FlagSet) string {
	name := strings.TrimPrefix(fs.Name(), "lookout ")
	var flags []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { flags = append(flags, f) })
	// One-letter flags (-f) first, then the others by name.
	sort.SliceStable(flags, func(i, j int) bool { return len(flags[i].Name) == 1 && len(flags[j].Name) > 1 })
	var b strings.Builder
	c := lookup(name)
	if c != nil {
		fmt.Fprintf(&b, "%s: %s\n\n", fs.Name(), c.about)
	}
	if c != nil && len(c.subs) > 0 {
		b.WriteString("Usage:\n")
		for _, sub := range c.subs {
			fmt.Fprintf(&b, "  %s %s %s\n", fs.Name(), sub.name, sub.synopsis)
		}
		fmt.Fprintf(&b, "\nRun \"%s SUBCOMMAND -h\" for its flags.\n", fs.Name())
		return b.String()
	}
	fmt.Fprintf(&b, "Usage:\n  %s", fs.Name())
	if c != nil && c.args != "" {
		b.WriteString(" " + c.args)
	}
	forms := make([]string, len(flags))
	width := 0
	for i, f := range flags {
		forms[i], _ = flagForm(f)
		width = max(width, len(forms[i]))
		fmt.Fprintf(&b, " [%s]", forms[i])
		if _, repeatable := f.Value.(*multiFlag); repeatable {
			b.WriteString("...")
		}
	}
	b.WriteString("\n")
	if len(flags) == 0 {
		return b.String()
	}
	b.WriteString("\nFlags:\n")
	for i, f := range flags {
		_, help := flagForm(f)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			help += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(&b, "  %-*s  %s\n", width, forms[i], help)
	}
	return b.String()
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
		reportErrors(stderr, file, err)
		return nil, invalid
	}
	fmt.Fprintf(stderr, "lookout: %v\n", err)
	return nil, exitUsage
}

// reportErrors prints every problem err holds, a line each: one placed in
// the file (a check.FieldError: file:line: field: what) as it is, any other
// after "file: ", then how many there were.
func reportErrors(stderr io.Writer, file string, err error) {
	n := 0
	var each func(error)
	each = func(e error) {
		if many, ok := e.(interface{ Unwrap() []error }); ok {
			for _, one := range many.Unwrap() {
				each(one)
			}
			return
		}
		if fe, ok := e.(*check.FieldError); ok && fe.File != "" {
			fmt.Fprintln(stderr, fe)
		} else {
			fmt.Fprintf(stderr, "%s: %v\n", file, e)
		}
		n++
	}
	each(err)
	fmt.Fprintf(stderr, "%s: %d %s\n", file, n, plural(n, "error", "errors"))
}
