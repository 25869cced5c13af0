package main

import (
	"github.com/lookout-monitoring/lookout/shared/golden"

	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/probe"
)

func TestMain(m *testing.M) {
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
	for _, args := range [][]string{{}, {"frobnicate"}, {"validate", "-nope"}, {"run", "extra"}, {"validate", "-f", "/does/not/exist.yaml"}} {
		if code, _, _ := runMain(t, context.Background(), args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, out, _ := runMain(t, context.Background(), "schema"); code != exitOK || !strings.Contains(out, check.SchemaID) {
		t.Errorf("schema: exit %d", code)
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

// hangs receives a value each time the /hang endpoint is entered.
var hangs = make(chan struct{}, 16)

// app is a small local application with one endpoint per behaviour.
func startApp(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "Boards: 3") })
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
	return srv
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
	code, _, errOut := runMain(t, context.Background(), "run", "-f", file)
	want := file + ":8: areas[0].request.headers.Authorization: ${env:LOOKOUT_TEST_UNSET_TOKEN}: environment variable LOOKOUT_TEST_UNSET_TOKEN is not set"
	if code != exitUsage || strings.TrimSpace(errOut) != want {
		t.Errorf("exit %d\n got %q\nwant %q", code, strings.TrimSpace(errOut), want)
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
	srv := startApp(t)
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
	if code != exitUsage || !strings.Contains(errOut, "interrupted") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
