package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lookout-monitoring/lookout/shared/awstest"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/golden"
	"github.com/lookout-monitoring/lookout/shared/probe"
)

// asMain names the environment variable that makes this test binary run
// lookout's own main, with its arguments: the tests that need a real process
// (its own stderr, a real Ctrl-C) start it so.
const asMain = "LOOKOUT_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMain) == "1" {
		main()
	}
	// Never let a test reach for instance metadata or real AWS.
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Exit(m.Run())
}

func runMain(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// runApp runs the CLI with the dependencies a test gives it.
func runApp(t *testing.T, a app, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = a.main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// lookout starts this test binary as lookout with args and env (its whole
// environment), and returns the started command and its output buffers.
func lookout(t *testing.T, env []string, args ...string) (*exec.Cmd, *awstest.SyncBuffer, *awstest.SyncBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(env, asMain+"=1")
	var out, errb awstest.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, &out, &errb
}

// exitCodeOf waits for cmd and returns its exit code.
func exitCodeOf(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode()
}

func assertGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Assert(t, filepath.Join("testdata", name), []byte(got))
}

func TestValidateExample(t *testing.T) {
	code, out, errOut := runMain(t, context.Background(), "validate", "-f", "../../checks.yaml")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if !strings.Contains(out, "ok: app taskboard") {
		t.Errorf("stdout: %q", out)
	}
}

func TestValidateListsEveryErrorWithFileLine(t *testing.T) {
	file := "../../shared/check/testdata/invalid-types.yaml"
	code, _, errOut := runMain(t, context.Background(), "validate", "-f", file)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d", code, exitFailed)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != 8 {
		t.Fatalf("want 7 errors and a count, got:\n%s", errOut)
	}
	for _, l := range lines[:7] {
		if !regexp.MustCompile(`^` + regexp.QuoteMeta(file) + `:\d+: \S+: `).MatchString(l) {
			t.Errorf("not file:line: field: message: %q", l)
		}
	}
	if lines[7] != file+": 7 errors" {
		t.Errorf("last line %q", lines[7])
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"help", "frobnicate"}, {"validate", "-f", "/does/not/exist.yaml"},
		{"run", "-f", "/does/not/exist.yaml"}, {"cost", "-f", "/does/not/exist.yaml"}, {"demo", "-f", "/does/not/exist.yaml"},
		{"deploy-params", "-f", "/does/not/exist.yaml"}, {"deploy-params", "-f", "../../checks.yaml", "--format", "yaml"},
		{"run", "-f", "../../checks.yaml", "--area", "Nope"}, {"cost", "-f", "../../checks.yaml", "--rate", "30s"}} {
		if code, _, _ := runMain(t, context.Background(), args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, out, _ := runMain(t, context.Background(), "schema"); code != exitOK || !strings.Contains(out, check.SchemaID) {
		t.Errorf("schema: exit %d", code)
	}
}

// TestEveryCommandRefusesBadFlags: an unknown flag, a flag without its value
// and a stray argument exit 2 for every command, with a pointer to its -h.
func TestEveryCommandRefusesBadFlags(t *testing.T) {
	for _, c := range commands {
		for _, args := range [][]string{{"--nope"}, {"-f"}, {"stray"}} {
			args = append([]string{c.name}, args...)
			code, out, errOut := runMain(t, context.Background(), args...)
			if code != exitUsage || out != "" {
				t.Errorf("%v: exit %d, want %d; stdout %q", args, code, exitUsage, out)
			}
			if args[1] != "stray" && !strings.Contains(errOut, `Run "lookout `+c.name+` -h" for its flags.`) {
				t.Errorf("%v: stderr %q", args, errOut)
			} else if args[1] == "stray" && !strings.Contains(errOut, `unexpected argument "stray"`) {
				t.Errorf("%v: stderr %q", args, errOut)
			}
		}
	}
}

// TestHelp: lookout --help lists the commands and the exit codes; each
// command's -h starts with its one-line description and writes its flags as
// the README does (-f FILE, --area ID), on stdout.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, out, errOut := runMain(t, context.Background(), args...)
		if code != exitOK || errOut != "" || !strings.Contains(out, "Exit codes:\n") || !strings.Contains(out, "  130  interrupted (Ctrl-C)") {
			t.Errorf("%v: exit %d, stderr %q, stdout:\n%s", args, code, errOut, out)
		}
		for _, c := range commands {
			if !strings.Contains(out, "  lookout "+c.name) || !strings.Contains(out, c.about) {
				t.Errorf("%v does not list %s", args, c.name)
			}
		}
	}
	wantFlags := map[string][]string{
		"run":           {"-f FILE ", "--area ID ", "--json ", "--location REGION "},
		"validate":      {"-f FILE "},
		"cost":          {"-f FILE ", "--rate DURATION ", "--memory-mb MB ", "--json "},
		"demo":          {"-f FILE ", "--scenario NAME ", "--fast ", "--json "},
		"deploy-params": {"-f FILE ", "--location REGION ", "--format FORMAT ", "--alert-email ADDRESS "},
		"schema":        nil,
		"maintenance":   nil, // its subcommands' flags: TestMaintenanceHelp
		"test-page":     {"-f FILE ", "--channel NAME ", "--function NAME ", "--stack NAME "},
	}
	for _, c := range commands {
		code, out, errOut := runMain(t, context.Background(), c.name, "-h")
		if code != exitOK || errOut != "" {
			t.Errorf("%s -h: exit %d, stderr %q", c.name, code, errOut)
		}
		if first := strings.SplitN(out, "\n", 2)[0]; first != "lookout "+c.name+": "+c.about {
			t.Errorf("%s -h: first line %q", c.name, first)
		}
		flags, ok := wantFlags[c.name]
		if !ok {
			t.Errorf("no flags listed in this test for %s", c.name)
		}
		for _, f := range flags {
			if !strings.Contains(out, "\n  "+f) {
				t.Errorf("%s -h does not list %q:\n%s", c.name, f, out)
			}
		}
		// The command list shows only flags the command has, in the same form.
		for _, m := range regexp.MustCompile(`\[(-[^]]+)\]`).FindAllStringSubmatch(c.synopsis, -1) {
			if !strings.Contains(out, "\n  "+m[1]+" ") {
				t.Errorf("lookout --help shows %s [%s], which %s -h does not list", c.name, m[1], c.name)
			}
		}
		if _, again, _ := runMain(t, context.Background(), "help", c.name); again != out {
			t.Errorf("lookout help %s differs from lookout %s -h", c.name, c.name)
		}
	}
	if _, out, _ := runMain(t, context.Background(), "run", "-h"); !strings.Contains(out, "[--area ID]...") || !strings.Contains(out, "(default checks.yaml)") {
		t.Errorf("run -h: a repeatable flag and a default:\n%s", out)
	}
}

// fixedRound is a round with known timings, so the table's layout is golden-tested exactly.
func fixedRound() (*check.Config, probe.Round) {
	cfg := &check.Config{App: "taskboard", Locations: map[string]string{"eu-west-2": "London"}}
	ms := time.Millisecond
	return cfg, probe.Round{Location: "eu-west-2", Results: []probe.Result{
		{Area: "SignIn", Name: "Sign-in", Verdict: probe.Up, Status: 200, Slow: 1500 * ms,
			Phases: probe.Phases{DNS: 12300 * time.Microsecond, Connect: 21 * ms, TLS: 45600 * time.Microsecond, TTFB: 88 * ms, Transfer: 2 * ms, Total: 169 * ms}},
		{Area: "PublicAPI", Name: "Public API", Verdict: probe.Slow, Status: 200, Slow: time.Second,
			Phases: probe.Phases{DNS: 1 * ms, Connect: 20 * ms, TLS: 40 * ms, TTFB: 1200 * ms, Transfer: 4 * ms, Total: 1265 * ms}},
		{Area: "Reporting", Name: "Reporting", Verdict: probe.Down, Status: 503, Class: probe.ClassHTTPStatus,
			Message: "status 503, want 2xx", Slow: 8 * time.Second,
			Phases: probe.Phases{DNS: 2 * ms, Connect: 19 * ms, TLS: 41 * ms, TTFB: 30 * ms, Total: 92 * ms}},
		{Area: "Search", Name: "Search", Verdict: probe.Down, Class: probe.ClassTimeout, Message: "no response within 10s",
			Slow: 2 * time.Second, Phases: probe.Phases{DNS: 3 * ms, Connect: 22 * ms, Total: 10 * time.Second}},
	}}
}

func TestTableGolden(t *testing.T) {
	cfg, r := fixedRound()
	var b bytes.Buffer
	writeTable(&b, cfg, r)
	assertGolden(t, "table.golden", b.String())
	if exitCode(r) != exitFailed {
		t.Errorf("exit code for a round with a down area: %d", exitCode(r))
	}
}

func TestJSONGolden(t *testing.T) {
	_, r := fixedRound()
	var b bytes.Buffer
	if err := writeJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	assertGolden(t, "json.golden", b.String())
}

// app is a small local application with one endpoint per behaviour.
func startApp(t *testing.T) *httptest.Server {
	t.Helper()
	srv, _ := startHangingApp(t)
	return srv
}

// startHangingApp is startApp, with a channel that receives a value each
// time this server's /hang endpoint is entered.
func startHangingApp(t *testing.T) (*httptest.Server, <-chan struct{}) {
	t.Helper()
	hangs := make(chan struct{}, 16)
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "Boards: 3") })
	mux.HandleFunc("/api", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0ken-123" {
			http.Error(w, "who are you?", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"boards": []}`)
	})
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusServiceUnavailable) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select { // the injected delay: longer than the area's slow threshold
		case <-time.After(60 * time.Millisecond):
		case <-r.Context().Done():
		}
		fmt.Fprint(w, "fine, eventually")
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case hangs <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, hangs
}

func writeChecks(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "checks.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func localChecks(t *testing.T, base string) string {
	return writeChecks(t, strings.ReplaceAll(`
app: local
control: {url: "BASE/ok"}
defaults: {timeout: 2s, slow: 1s}
areas:
  - id: Home
    request:
      url: BASE/ok
      assert: [{body_contains: Boards}]
  - id: Reports
    request: {url: BASE/broken}
  - id: Search
    slow: 30ms
    request: {url: BASE/slow}
  - id: Content
    request:
      url: BASE/ok
      assert: [{body_contains: Cards}]
`, "BASE", base))
}

var (
	numbers   = regexp.MustCompile(`\d+\.\d`)
	durations = regexp.MustCompile(`\b\d+(\.\d+)?(ms|s|µs)\b`)
	spaceRe   = regexp.MustCompile(` +`)
)

// mask hides what changes from run to run: timings, ports and paths.
func mask(s, base, file string) string {
	s = strings.ReplaceAll(s, base, "http://APP")
	s = strings.ReplaceAll(s, file, "CHECKS")
	return maskTimings(s)
}

// maskTimings hides the timings (and so the column widths they set).
func maskTimings(s string) string {
	s = durations.ReplaceAllString(s, "D")
	s = numbers.ReplaceAllString(s, "N.N")
	return spaceRe.ReplaceAllString(s, " ")
}

var jsonNumbers = regexp.MustCompile(`"(\w+_ms)":[0-9.]+`)

func TestRunAgainstLocalApp(t *testing.T) {
	srv := startApp(t)
	file := localChecks(t, srv.URL)
	code, out, errOut := runMain(t, context.Background(), "run", "-f", file)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d (an area is down); stderr %s", code, exitFailed, errOut)
	}
	assertGolden(t, "run-table.golden", mask(out, srv.URL, file))

	code, out, _ = runMain(t, context.Background(), "run", "-f", file, "--json", "--area", "Home,Search", "--area", "reports")
	if code != exitFailed {
		t.Fatalf("json run exit %d", code)
	}
	assertGolden(t, "run-json.golden", mask(jsonNumbers.ReplaceAllString(out, `"$1":N`), srv.URL, file))

	code, _, _ = runMain(t, context.Background(), "run", "-f", file, "--area", "Home")
	if code != exitOK {
		t.Errorf("only the healthy area: exit %d, want 0", code)
	}
}

func TestRunUnknownAreaAndLocation(t *testing.T) {
	srv := startApp(t)
	file := localChecks(t, srv.URL)
	code, _, errOut := runMain(t, context.Background(), "run", "-f", file, "--area", "Nope")
	if code != exitUsage || !strings.Contains(errOut, "no area Nope") || !strings.Contains(errOut, "Home, Reports") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runMain(t, context.Background(), "run", "-f", file, "--location", "mars-1")
	if code != exitUsage || !strings.Contains(errOut, "mars-1") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestRunUnresolvedSecretNamesTheField(t *testing.T) {
	file := writeChecks(t, `
app: local
areas:
  - id: Api
    request:
      url: http://127.0.0.1:1/
      headers:
        Authorization: Bearer ${env:LOOKOUT_TEST_UNSET_TOKEN}
`)
	code, out, errOut := runMain(t, context.Background(), "run", "-f", file)
	want := file + ":8: areas[0].request.headers.Authorization: ${env:LOOKOUT_TEST_UNSET_TOKEN}: environment variable LOOKOUT_TEST_UNSET_TOKEN is not set\n" +
		"lookout run: no area could run: 1 not run\n"
	if code != exitUsage || errOut != want {
		t.Errorf("exit %d\n got %q\nwant %q", code, errOut, want)
	}
	if !regexp.MustCompile(`\nApi +not run +- `).MatchString(out) ||
		!strings.Contains(out, "  Api: not_run: ${env:LOOKOUT_TEST_UNSET_TOKEN}: environment variable LOOKOUT_TEST_UNSET_TOKEN is not set\n") {
		t.Errorf("table:\n%s", out)
	}
}

func TestRunAbstainsWhenControlFails(t *testing.T) {
	srv := startApp(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/"
	l.Close()
	file := writeChecks(t, fmt.Sprintf("app: local\ncontrol: {url: %q}\nareas: [{id: Home, request: {url: %q}}]\n", refused, srv.URL+"/broken"))
	code, out, _ := runMain(t, context.Background(), "run", "-f", file)
	if code != exitAbstain || !strings.Contains(out, "ABSTAIN: control probe failed (refused)") || !regexp.MustCompile(`Home +abstain`).MatchString(out) {
		t.Errorf("exit %d\n%s", code, out)
	}
}

// TestRunStopsOnInterrupt: Ctrl-C (a cancelled context) ends a round that is
// waiting on a hung server, promptly and with a clear message.
func TestRunStopsOnInterrupt(t *testing.T) {
	srv, hangs := startHangingApp(t)
	file := writeChecks(t, fmt.Sprintf("app: local\ndefaults: {timeout: 45s, slow: 40s}\nareas: [{id: Hang, request: {url: %q}}]\n", srv.URL+"/hang"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var code int
	var errOut string
	go func() {
		defer close(done)
		code, _, errOut = runMain(t, ctx, "run", "-f", file)
	}()
	// Cancel once the request is in flight.
	select {
	case <-hangs:
	case <-time.After(20 * time.Second):
		t.Fatal("the probe never reached the server")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop after interrupt")
	}
	if code != exitInterrupted || !strings.Contains(errOut, "interrupted") {
		t.Errorf("exit %d, want %d; stderr %q", code, exitInterrupted, errOut)
	}
}

// laptopChecks is a checks file of areas on the local app: one needs an SSM
// parameter, one a token from the environment, one nothing at all.
func laptopChecks(t *testing.T, base string) string {
	return writeChecks(t, strings.ReplaceAll(`
app: local
defaults: {timeout: 5s, slow: 4s}
areas:
  - id: SignIn
    request:
      method: POST
      url: BASE/ok
      body: '{"password": "${ssm:/local/monitor-password}"}'
  - id: Api
    request:
      url: BASE/api
      headers: {Authorization: "Bearer ${env:LOOKOUT_TEST_API_TOKEN}"}
  - id: Marketing
    request:
      url: BASE/ok
      assert: [{body_contains: Boards}]
`, "BASE", base))
}

// noAWSConfig is an AWS configuration loader that must not be called.
func noAWSConfig(calls *int) func(context.Context, string) (aws.Config, error) {
	return func(context.Context, string) (aws.Config, error) {
		*calls++
		return aws.Config{}, errors.New("the test gives no AWS configuration")
	}
}

// TestRunAreaWithoutAWSSecretsLoadsNoAWSConfiguration: `lookout run --area
// Marketing` on a file whose other areas need SSM parameters resolves only
// Marketing's references, so it never loads an AWS configuration.
func TestRunAreaWithoutAWSSecretsLoadsNoAWSConfiguration(t *testing.T) {
	srv := startApp(t)
	file := laptopChecks(t, srv.URL)
	var calls int
	code, out, errOut := runApp(t, app{awsConfig: noAWSConfig(&calls)}, "run", "-f", file, "--area", "Marketing")
	if calls != 0 {
		t.Errorf("the AWS configuration was loaded %d times for an area that needs no AWS secret", calls)
	}
	if code != exitOK || errOut != "" || !regexp.MustCompile(`\nMarketing +up +200 `).MatchString(out) {
		t.Errorf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	// The ${env:} area too: environment variables need no AWS.
	t.Setenv("LOOKOUT_TEST_API_TOKEN", "t0ken-123")
	code, out, errOut = runApp(t, app{awsConfig: noAWSConfig(&calls)}, "run", "-f", file, "--area", "Api,Marketing")
	if calls != 0 || code != exitOK || errOut != "" || !regexp.MustCompile(`\nApi +up +200 `).MatchString(out) {
		t.Errorf("env area: %d loads, exit %d, stderr %q\n%s", calls, code, errOut, out)
	}
	// An ${ssm:} area asks, once.
	code, _, _ = runApp(t, app{awsConfig: noAWSConfig(&calls)}, "run", "-f", file)
	if calls != 1 || code != exitOK {
		t.Errorf("every area: %d loads, exit %d; want 1 load, exit 0 (two areas ran)", calls, code)
	}
}

// TestRunWithoutAWSCredentials: with no AWS configuration at all (the real
// SDK, an empty home, no AWS variables), the area that needs an SSM parameter
// is reported as not run, with the reason, and the others run.
func TestRunWithoutAWSCredentials(t *testing.T) {
	srv := startApp(t)
	file := laptopChecks(t, srv.URL)
	awstest.NoAWS(t)
	t.Setenv("LOOKOUT_TEST_API_TOKEN", "t0ken-123")
	code, out, errOut := runMain(t, context.Background(), "run", "-f", file)
	if code != exitOK {
		t.Errorf("exit %d, want 0: two areas ran and are up", code)
	}
	for _, want := range []string{
		"SignIn     not run       -",
		"Api        up          200",
		"Marketing  up          200",
		"\n  SignIn: not_run: needs AWS credentials for ${ssm:/local/monitor-password}\n",
		"\n2 up, 0 slow, 0 down, 1 not run\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	if len(lines) != 3 || lines[0] != file+":9: areas[0].request.body: ${ssm:/local/monitor-password}: needs AWS credentials" ||
		!strings.HasPrefix(lines[1], "lookout run: no AWS credentials: failed to refresh cached credentials") ||
		!strings.HasPrefix(lines[2], "lookout run: to read them, ") {
		t.Errorf("stderr:\n%s", errOut)
	}

	code, out, _ = runMain(t, context.Background(), "run", "-f", file, "--json", "--area", "SignIn")
	if code != exitUsage {
		t.Errorf("nothing could run: exit %d, want %d", code, exitUsage)
	}
	if want := `{"area":"SignIn","name":"SignIn","verdict":"abstain","class":"not_run","message":"needs AWS credentials for ${ssm:/local/monitor-password}",`; !strings.HasPrefix(out, want) {
		t.Errorf("json:\n got %s\nwant %s...", out, want)
	}
}

// TestRunOnALaptop runs lookout as a process, with no AWS configuration at
// all: the area needing an SSM parameter is not run, the others run, and the
// SDK writes nothing of its own to the process's stderr.
func TestRunOnALaptop(t *testing.T) {
	srv := startApp(t)
	file := laptopChecks(t, srv.URL)
	cmd, out, errOut := lookout(t, awstest.NoAWSEnv(t, "LOOKOUT_TEST_API_TOKEN=t0ken-123"), "run", "-f", file)
	if code := exitCodeOf(t, cmd); code != exitOK {
		t.Errorf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out.String(), "\n2 up, 0 slow, 0 down, 1 not run\n") {
		t.Errorf("stdout:\n%s", out)
	}
	for _, l := range strings.Split(errOut.String(), "\n") {
		if l != "" && !strings.HasPrefix(l, file+":") && !strings.HasPrefix(l, "lookout run: ") {
			t.Errorf("a line on stderr that is not lookout's: %q", l)
		}
	}
}

// TestInterruptExits130: Ctrl-C on a real process ends a round waiting on a
// hung server, with exit code 130.
func TestInterruptExits130(t *testing.T) {
	srv, hangs := startHangingApp(t)
	file := writeChecks(t, fmt.Sprintf("app: local\ndefaults: {timeout: 45s, slow: 40s}\nareas: [{id: Hang, request: {url: %q}}]\n", srv.URL+"/hang"))
	cmd, _, errOut := lookout(t, awstest.NoAWSEnv(t), "run", "-f", file)
	select {
	case <-hangs:
	case <-time.After(20 * time.Second):
		t.Fatal("the probe never reached the server")
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := exitCodeOf(t, cmd); code != exitInterrupted || !strings.Contains(errOut.String(), "lookout run: interrupted") {
		t.Errorf("exit %d, want %d; stderr %q", code, exitInterrupted, errOut)
	}
}

// TestInterruptedCommandsExit130: whatever the command, one that was
// interrupted exits 130.
func TestInterruptedCommandsExit130(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, args := range [][]string{{"demo", "--fast", "-f", "../../checks.yaml"}, {"validate", "-f", "../../checks.yaml"}} {
		var out, errb bytes.Buffer
		if code := Main(ctx, args, &out, &errb); code != exitInterrupted {
			t.Errorf("%v: exit %d, want %d", args, code, exitInterrupted)
		}
	}
}

// TestRunControlSecretUnresolved: without its control probe no area can run,
// so a control URL whose secret cannot be resolved stops the run (exit 2).
func TestRunControlSecretUnresolved(t *testing.T) {
	srv := startApp(t)
	file := writeChecks(t, fmt.Sprintf("app: local\ncontrol: {url: %q}\nareas: [{id: Home, request: {url: %q}}]\n",
		srv.URL+"/ok?key=${secret:local/control}", srv.URL+"/ok"))
	var calls int
	code, out, errOut := runApp(t, app{awsConfig: noAWSConfig(&calls)}, "run", "-f", file)
	want := file + ":2: control.url: ${secret:local/control}: needs AWS credentials\n" +
		"lookout run: no AWS credentials: AWS configuration: the test gives no AWS configuration\n"
	if code != exitUsage || calls != 1 || out != "" || !strings.HasPrefix(errOut, want) ||
		!strings.HasSuffix(errOut, "lookout run: the control probe cannot run, so no area can\n") {
		t.Errorf("exit %d, %d loads, stdout %q\nstderr:\n%s", code, calls, out, errOut)
	}
}
