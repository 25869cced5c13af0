package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/smithy-go"

	"github.com/lookout-monitoring/lookout/shared/awstest"
	"github.com/lookout-monitoring/lookout/shared/golden"
	"github.com/lookout-monitoring/lookout/shared/ledger"
	"github.com/lookout-monitoring/lookout/shared/maintenance"
	"github.com/lookout-monitoring/lookout/shared/notify"
)

// TestMaintenanceNowListEnd: a window started for two areas is written to
// the ledger as the notifier reads it, listed as active beside the checks
// file's next windows, ended, then listed as ended. What each command
// prints is golden, and the README shows it under the command line that
// printed it. The commands run from the repository's root, on its
// checks.yaml, as the README writes them.
func TestMaintenanceNowListEnd(t *testing.T) {
	r := newRig(t)
	t.Setenv("USER", "alice")
	samples := readmeSamples(t)
	code, out, errOut := r.run("maintenance", "now", "--for", "30m", "--area", "Boards,Cards")
	if code != exitOK || errOut != "" {
		t.Fatalf("now: exit %d, stderr:\n%s", code, errOut)
	}
	samples.check("maintenance-now.golden", out, "maintenance", "now", "--for", "30m", "--area", "Boards,Cards")

	recs := r.records()
	if len(recs) != 1 || recs[0].ID != "adhoc-20261202T1405Z" {
		t.Fatalf("records %+v", recs)
	}
	var w maintenance.Window
	if err := json.Unmarshal(recs[0].Doc, &w); err != nil {
		t.Fatal(err)
	}
	start := rigNow.Truncate(time.Second)
	want := maintenance.Window{ID: "adhoc-20261202T1405Z", Reason: "ad-hoc (lookout maintenance now by alice)",
		Start: start, End: start.Add(30 * time.Minute), Areas: []string{"Boards", "Cards"}, AdHoc: true}
	if fmt.Sprint(w) != fmt.Sprint(want) {
		t.Errorf("window\n got %+v\nwant %+v", w, want)
	}
	if !recs[0].Expires.Equal(want.End.Add(7 * 24 * time.Hour)) {
		t.Errorf("expires %s, want 7 days after the end", recs[0].Expires)
	}
	// Found through the home stack, in the home region, with one AWS configuration.
	if !slices.Equal(r.stacks.asked, []string{exampleStack}) || !slices.Equal(r.loads, []string{"us-east-1"}) ||
		!slices.Equal(r.clients, []string{"us-east-1 cloudformation", "us-east-1 ledger " + exampleTable}) {
		t.Errorf("stacks asked %v, configurations %v, clients %v", r.stacks.asked, r.loads, r.clients)
	}

	r.now = rigNow.Add(10 * time.Minute)
	code, out, errOut = r.run("maintenance", "list")
	if code != exitOK || errOut != "" {
		t.Fatalf("list: exit %d, stderr:\n%s", code, errOut)
	}
	samples.check("maintenance-list.golden", out, "maintenance", "list")

	r.now = rigNow.Add(12*time.Minute + 30*time.Second)
	code, out, errOut = r.run("maintenance", "end", "adhoc-20261202T1405Z")
	if code != exitOK || errOut != "" {
		t.Fatalf("end: exit %d, stderr:\n%s", code, errOut)
	}
	samples.check("maintenance-end.golden", out, "maintenance", "end", "adhoc-20261202T1405Z")
	recs = r.records()
	if err := json.Unmarshal(recs[0].Doc, &w); err != nil {
		t.Fatal(err)
	}
	if !w.End.Equal(r.now.Truncate(time.Second)) || !w.Start.Equal(start) || !recs[0].Expires.Equal(w.End.Add(7*24*time.Hour)) {
		t.Errorf("ended window %+v, expires %s", w, recs[0].Expires)
	}

	code, out, _ = r.run("maintenance", "list")
	if code != exitOK || !regexp.MustCompile(`\nadhoc-20261202T1405Z +ad-hoc +ended +2026-12-02 14:05 +2026-12-02 14:17 +Boards, Cards `).MatchString(out) {
		t.Errorf("list after end: exit %d\n%s", code, out)
	}
	// Ending it again changes nothing.
	code, out, _ = r.run("maintenance", "end", "-f", "checks.yaml", "adhoc-20261202T1405Z")
	if code != exitOK || !strings.Contains(out, "already ended at 2026-12-02 14:17:39 UTC") {
		t.Errorf("end twice: exit %d\n%s", code, out)
	}
	if again := r.records(); string(again[0].Doc) != string(recs[0].Doc) {
		t.Errorf("ending an ended window rewrote it: %s", again[0].Doc)
	}
}

// samples are the README's sample outputs: each a code block of the
// command line, then what it printed. The tests that make them run in the
// repository's root.
type samples struct {
	t        *testing.T
	testdata string // absolute: the test has left the package's folder
	readme   string
}

func readmeSamples(t *testing.T) *samples {
	t.Helper()
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join("..", ".."))
	return &samples{t: t, testdata: testdata, readme: "README.md"}
}

// check compares out with its golden file and the README's block for the
// command line; with -update it rewrites both (the block must be there).
func (s *samples) check(name, out string, args ...string) {
	s.t.Helper()
	golden.Assert(s.t, filepath.Join(s.testdata, name), []byte(out))
	doc, err := os.ReadFile(s.readme)
	if err != nil {
		s.t.Fatal(err)
	}
	head := "```\n$ lookout " + strings.Join(args, " ") + "\n"
	block := head + out + "```\n"
	if !golden.Updating() {
		if !strings.Contains(string(doc), block) {
			s.t.Errorf("README.md does not show what `lookout %s` prints (run with -update):\n%s", strings.Join(args, " "), block)
		}
		return
	}
	i := strings.Index(string(doc), head)
	if i < 0 {
		s.t.Fatalf("README.md has no block starting %q: paste one first", head)
	}
	j := strings.Index(string(doc)[i+len(head):], "```\n")
	if j < 0 {
		s.t.Fatalf("README.md: the block starting %q never ends", head)
	}
	updated := string(doc)[:i] + block + string(doc)[i+len(head)+j+len("```\n"):]
	if err := os.WriteFile(s.readme, []byte(updated), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// The window `maintenance now` writes is the one the notifier holds alarms
// against: during it, the real handler tells nobody of its area, and still
// tells of the others.
func TestTheNotifierHonoursAnAdHocWindow(t *testing.T) {
	r := newRig(t)
	email := &recordingChannel{name: notify.TopicEmail}
	h := r.notifier(email)
	// An area id in any case is stored as the checks file writes it, the
	// id the notifier's alarms carry.
	if code, _, errOut := r.run("maintenance", "now", "--for", "1h", "--area", "boards", "--table", exampleTable, "-f", exampleChecks); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r.now = rigNow.Add(5 * time.Minute)
	if _, err := h.Invoke(context.Background(), snsAlarm(t, "lookout.taskboard.down.Boards", r.now)); err != nil {
		t.Fatal(err)
	}
	if told := email.told(); len(told) != 0 {
		t.Fatalf("Boards is in maintenance, yet %d messages went out", len(told))
	}
	if _, err := h.Invoke(context.Background(), snsAlarm(t, "lookout.taskboard.down.SignIn", r.now)); err != nil {
		t.Fatal(err)
	}
	if told := email.told(); len(told) != 1 || told[0].Incident == nil {
		t.Fatalf("SignIn is not in maintenance: told %d", len(told))
	}
}

// snsAlarm is the SNS event CloudWatch sends when the alarm goes to ALARM at when.
func snsAlarm(t *testing.T, name string, when time.Time) []byte {
	t.Helper()
	msg, err := json.Marshal(map[string]any{
		"AlarmName": name, "NewStateValue": "ALARM", "OldStateValue": "OK", "NewStateReason": "Threshold Crossed: test",
		"StateChangeTime": when.UTC().Format("2006-01-02T15:04:05.000-0700"),
		"AlarmArn":        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + name,
	})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := json.Marshal(events.SNSEvent{Records: []events.SNSEventRecord{{EventSource: "aws:sns",
		SNS: events.SNSEntity{MessageID: name + "-" + when.Format("150405"), Type: "Notification", Message: string(msg), Timestamp: when}}}})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// Bad input is refused before anything is read from AWS, each with what is
// wrong, and exits 2.
func TestMaintenanceNowRefusesBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "--for is required: how long the window lasts, e.g. --for 30m"},
		{[]string{"--for", "30s"}, "--for 30s: a window lasts from 1m to 168h (7 days)"},
		{[]string{"--for", "169h"}, "--for 169h: a window lasts from 1m to 168h (7 days)"},
		{[]string{"--for", "-5m"}, "--for -5m: a window lasts from 1m to 168h (7 days)"},
		{[]string{"--for", "30m", "--area", "Boards,Bords"}, "--area: no area Bords in " + exampleChecks + " (areas: SignIn, Boards, Cards, PublicAPI, Search, Reporting, Marketing)"},
		{[]string{"--for", "30m", "--reason", "two\nlines"}, "--reason: one line, no line breaks or control characters"},
		{[]string{"--for", "30m", "--reason", strings.Repeat("x", 201)}, "--reason: longer than 200 characters"},
	} {
		r := newRig(t)
		args := append([]string{"maintenance", "now", "-f", exampleChecks}, c.args...)
		code, out, errOut := r.run(args...)
		if code != exitUsage || out != "" || errOut != "lookout maintenance now: "+c.want+"\n" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", c.args, code, out, errOut)
		}
		if len(r.loads) != 0 || len(r.records()) != 0 {
			t.Errorf("%v: AWS configuration loaded %d times, %d records written", c.args, len(r.loads), len(r.records()))
		}
	}
	r := newRig(t)
	if code, _, errOut := r.run("maintenance", "now", "--for", "30m", "-f", "/does/not/exist.yaml"); code != exitUsage || len(r.loads) != 0 {
		t.Errorf("missing file: exit %d, %d loads, stderr %q", code, len(r.loads), errOut)
	}
}

// A window for the whole app, without $USER: the default reason alone; a
// second in the same minute gets its own id; a reason given is kept as given.
func TestMaintenanceNowWholeAppAndTwoInAMinute(t *testing.T) {
	r := newRig(t)
	t.Setenv("USER", "")
	code, out, _ := r.run("maintenance", "now", "--for", "2h", "-f", exampleChecks)
	if code != exitOK || !strings.HasPrefix(out, "Maintenance window adhoc-20261202T1405Z started: alarms of the whole app notify nobody until it ends.\n") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	r.now = rigNow.Add(30 * time.Second)
	code, out, _ = r.run("maintenance", "now", "--for", "1h", "--reason", "  Failover drill  ", "-f", exampleChecks)
	if code != exitOK || !strings.HasPrefix(out, "Maintenance window adhoc-20261202T1405Z-2 started") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	recs := r.records()
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	for i, want := range []struct{ reason string }{{"ad-hoc (lookout maintenance now)"}, {"Failover drill"}} {
		var w maintenance.Window
		if err := json.Unmarshal(recs[i].Doc, &w); err != nil {
			t.Fatal(err)
		}
		if w.Reason != want.reason || len(w.Areas) != 0 {
			t.Errorf("%s: reason %q, areas %v", recs[i].ID, w.Reason, w.Areas)
		}
	}
}

// list --json: one object per window, the ad-hoc ones with their expiry,
// times in UTC; a record that is not a window is reported and left out.
func TestMaintenanceListJSON(t *testing.T) {
	r := newRig(t)
	t.Setenv("USER", "alice")
	if code, _, errOut := r.run("maintenance", "now", "--for", "45m", "--area", "Search", "-f", exampleChecks); code != exitOK {
		t.Fatal(errOut)
	}
	if err := r.ledger.PutRecord(context.Background(), "taskboard", notify.RecordWindow, "adhoc-broken", []byte(`{"start":"soon"}`), rigNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := r.run("maintenance", "list", "--json", "-f", exampleChecks)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(errOut, "lookout maintenance list: record adhoc-broken in the ledger table "+exampleTable+" (us-east-1, stack "+exampleStack+") is not a maintenance window, and the notifier ignores it: ") {
		t.Errorf("stderr %q", errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{
		`{"id":"adhoc-20261202T1405Z","reason":"ad-hoc (lookout maintenance now by alice)","start":"2026-12-02T14:05:09Z","end":"2026-12-02T14:50:09Z","areas":["Search"],"ad_hoc":true,"status":"active","expires":"2026-12-09T14:50:09Z"}`,
		`{"id":"weeklyDB","reason":"Weekly database maintenance (vacuum and minor upgrades)","start":"2026-12-06T02:00:00Z","end":"2026-12-06T04:00:00Z","areas":["Boards","Cards"],"status":"upcoming"}`,
	}
	if len(lines) != 4 || lines[1] != want[1] {
		t.Errorf("lines:\n%s", out)
	}
	if lines[0] != want[0] {
		t.Errorf("ad-hoc line\n got %s\nwant %s", lines[0], want[0])
	}
}

// A one-off window of the checks file that is over is listed as ended;
// recurring ones always have a next occurrence.
func TestMaintenanceListAOneOffThatIsOver(t *testing.T) {
	r := newRig(t)
	r.now = time.Date(2027, 2, 1, 12, 0, 0, 0, time.UTC)
	code, out, errOut := r.run("maintenance", "list", "-f", exampleChecks)
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if !regexp.MustCompile(`\nweeklyDB +checks file +upcoming +2027-02-07 02:00 .*\nreportRebuild +checks file +upcoming +2027-03-01 06:30 .*\nsearchCutover +checks file +ended +2027-01-16 22:00 +2027-01-17 01:00 +Search +`).MatchString(out) {
		t.Errorf("stdout:\n%s", out)
	}
	r.now = time.Date(2027, 1, 16, 23, 0, 0, 0, time.UTC)
	if _, out, _ = r.run("maintenance", "list", "-f", exampleChecks); !regexp.MustCompile(`\nID .*\nsearchCutover +checks file +active `).MatchString(out) {
		t.Errorf("an occurrence under way is active, and first:\n%s", out)
	}
}

// end refuses what it cannot end: an id that is not in the ledger (naming
// those that are), and a window of the checks file (edit it and deploy).
func TestMaintenanceEndRefusesWhatItCannotEnd(t *testing.T) {
	r := newRig(t)
	code, _, errOut := r.run("maintenance", "end", "adhoc-20261202T1405Z", "-f", exampleChecks)
	if code != exitUsage || errOut != "lookout maintenance end: no ad-hoc maintenance window adhoc-20261202T1405Z in the ledger table "+exampleTable+" (us-east-1, stack "+exampleStack+"): there are none\n" {
		t.Errorf("none: exit %d, stderr %q", code, errOut)
	}
	for _, d := range []time.Duration{0, time.Minute} {
		r.now = rigNow.Add(d)
		if code, _, errOut := r.run("maintenance", "now", "--for", "30m", "-f", exampleChecks); code != exitOK {
			t.Fatal(errOut)
		}
	}
	code, _, errOut = r.run("maintenance", "end", "adhoc-nope", "-f", exampleChecks)
	if code != exitUsage || !strings.HasSuffix(errOut, "(there are: adhoc-20261202T1405Z, adhoc-20261202T1406Z)\n") {
		t.Errorf("unknown: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = r.run("maintenance", "end", "weeklydb", "-f", exampleChecks)
	if code != exitUsage || errOut != "lookout maintenance end: weeklyDB is a window of "+exampleChecks+", not an ad-hoc one: to end or change it, edit the file and deploy (make deploy)\n" {
		t.Errorf("checks file window: exit %d, stderr %q", code, errOut)
	}
	for _, args := range [][]string{{"maintenance", "end"}, {"maintenance", "end", "a", "b"}, {"maintenance", "end", "a", "-f", exampleChecks, "b"}} {
		if code, out, errOut := r.run(args...); code != exitUsage || out != "" || errOut == "" {
			t.Errorf("%v: exit %d, stdout %q", args, code, out)
		}
	}
}

// Where the ledger is: the table given (no stack read), the stack given,
// or the home location's stack; a stack that is missing, or that lacks the
// output, is a setup problem that says what to do (exit 2); a call AWS
// fails is exit 1.
func TestMaintenanceFindsTheLedger(t *testing.T) {
	r := newRig(t)
	if code, _, errOut := r.run("maintenance", "list", "--table", "my-ledger", "-f", exampleChecks); code != exitOK {
		t.Fatal(errOut)
	}
	if len(r.stacks.asked) != 0 || !slices.Equal(r.clients, []string{"us-east-1 ledger my-ledger"}) || !slices.Equal(r.loads, []string{"us-east-1"}) {
		t.Errorf("--table: stacks asked %v, clients %v, loads %v", r.stacks.asked, r.clients, r.loads)
	}
	r = newRig(t)
	if code, _, errOut := r.run("maintenance", "list", "--stack", "lookout-prod", "-f", exampleChecks); code != exitOK || !slices.Equal(r.stacks.asked, []string{"lookout-prod"}) {
		t.Errorf("--stack: exit %d, asked %v: %s", code, r.stacks.asked, errOut)
	}

	for _, c := range []struct {
		name    string
		outputs map[string]string
		err     error
		code    int
		want    string
	}{
		{"no output", map[string]string{outputNotifyFunction: exampleNotify}, nil, exitUsage,
			"stack lookout-new-york in us-east-1 has no output LedgerTableName: it predates the incident ledger; deploy the current template (make deploy), or give --table NAME"},
		{"no stack", nil, &smithy.GenericAPIError{Code: "ValidationError", Message: "Stack with id lookout-new-york does not exist"}, exitUsage,
			"no stack lookout-new-york in us-east-1, the home region of " + exampleChecks + ": deploy it first (make deploy), name it with --stack, or give --table NAME"},
		{"denied", nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform: cloudformation:DescribeStacks"}, exitFailed,
			"reading the outputs of stack lookout-new-york in us-east-1: api error AccessDenied: not authorized to perform: cloudformation:DescribeStacks"},
	} {
		r := newRig(t)
		r.stacks.outputs, r.stacks.err = c.outputs, c.err
		code, out, errOut := r.run("maintenance", "now", "--for", "30m", "-f", exampleChecks)
		if code != c.code || out != "" || errOut != "lookout maintenance now: "+c.want+"\n" {
			t.Errorf("%s: exit %d, stdout %q, stderr\n%s", c.name, code, out, errOut)
		}
	}

	r = newRig(t)
	r.store = failingStore{}
	code, _, errOut := r.run("maintenance", "now", "--for", "30m", "-f", exampleChecks)
	if code != exitFailed || !strings.Contains(errOut, "ProvisionedThroughputExceededException") {
		t.Errorf("a failing ledger: exit %d, stderr %q", code, errOut)
	}
}

// failingStore is a ledger that AWS refuses to serve.
type failingStore struct{}

var errThrottled = &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException", Message: "slow down"}

func (failingStore) PutRecord(context.Context, string, string, string, []byte, time.Time) error {
	return &ledger.Error{Op: "PutRecord", Table: exampleTable, Err: errThrottled}
}

func (failingStore) ListRecords(context.Context, string, string, time.Time) ([]ledger.Record, error) {
	return nil, &ledger.Error{Op: "ListRecords", Table: exampleTable, Err: errThrottled}
}

// With no AWS configuration at all (the real SDK, an empty home), each
// command says there are no credentials, and how to give them.
func TestMaintenanceWithoutAWSCredentials(t *testing.T) {
	awstest.NoAWS(t)
	for name, args := range map[string][]string{
		"maintenance list": {"maintenance", "list"},
		"maintenance now":  {"maintenance", "now", "--for", "30m", "--table", "t"},
		"maintenance end":  {"maintenance", "end", "adhoc-x"},
		"test-page":        {"test-page", "--channel", "email"},
	} {
		code, out, errOut := runApp(t, app{awsConfig: loadAWSConfig}, append(args, "-f", exampleChecks)...)
		if code != exitUsage || out != "" || !strings.HasPrefix(errOut, "lookout "+name+": no AWS credentials: ") ||
			!strings.Contains(errOut, "\nset AWS_PROFILE (for SSO, after `aws sso login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") {
			t.Errorf("%v: exit %d, stdout %q, stderr:\n%s", args, code, out, errOut)
		}
	}
}

// `lookout maintenance` alone, or with a subcommand it does not have, is a
// usage error; each subcommand's -h lists the flags the command list shows
// for it, and `lookout help maintenance now` is its -h.
func TestMaintenanceHelp(t *testing.T) {
	code, out, errOut := runMain(t, context.Background(), "maintenance")
	if code != exitUsage || out != "" || !strings.Contains(errOut, "  lookout maintenance now --for DURATION") {
		t.Errorf("maintenance: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runMain(t, context.Background(), "maintenance", "start")
	if code != exitUsage || errOut != "lookout maintenance: unexpected argument \"start\": the subcommands are now, list and end\n" {
		t.Errorf("maintenance start: exit %d, stderr %q", code, errOut)
	}
	c := lookup("maintenance")
	for _, sub := range c.subs {
		code, out, errOut := runMain(t, context.Background(), "maintenance", sub.name, "-h")
		if code != exitOK || errOut != "" || !strings.HasPrefix(out, "lookout maintenance "+sub.name+": "+sub.about+"\n") {
			t.Errorf("%s -h: exit %d, stderr %q\n%s", sub.name, code, errOut, out)
		}
		for _, m := range regexp.MustCompile(`\[(-[^]]+)\]|^(--\S+ \S+)`).FindAllStringSubmatch(sub.synopsis, -1) {
			if f := m[1] + m[2]; !strings.Contains(out, "\n  "+f+" ") {
				t.Errorf("lookout --help shows maintenance %s %s, which its -h does not list:\n%s", sub.name, f, out)
			}
		}
		for _, f := range []string{"-f FILE ", "--stack NAME ", "--table NAME "} {
			if !strings.Contains(out, "\n  "+f) {
				t.Errorf("%s -h lacks %q", sub.name, f)
			}
		}
		if _, again, _ := runMain(t, context.Background(), "help", "maintenance", sub.name); again != out {
			t.Errorf("lookout help maintenance %s differs from its -h", sub.name)
		}
		for _, args := range [][]string{{"--nope"}, {"-f"}} {
			code, out, errOut := runMain(t, context.Background(), append([]string{"maintenance", sub.name}, args...)...)
			if code != exitUsage || out != "" || !strings.Contains(errOut, `Run "lookout maintenance `+sub.name+` -h" for its flags.`) {
				t.Errorf("%s %v: exit %d, stderr %q", sub.name, args, code, errOut)
			}
		}
	}
	if _, out, _ := runMain(t, context.Background(), "maintenance", "end", "-h"); !strings.Contains(out, "  lookout maintenance end ID [-f FILE]") {
		t.Errorf("end -h does not show its ID:\n%s", out)
	}
	if code, _, _ := runMain(t, context.Background(), "help", "maintenance", "start"); code != exitUsage {
		t.Errorf("help maintenance start: exit %d", code)
	}
}

// The names the CLI reads the home stack's outputs by are in template.yaml.
func TestTemplateHasTheOutputsTheCLIReads(t *testing.T) {
	b, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, name := range []string{outputLedgerTable, outputNotifyFunction} {
		if !regexp.MustCompile(`(?m)^Outputs:\n(?:(?:  .*|)\n)*?  ` + name + `:\n    Condition: IsHome\n`).MatchString(doc) {
			t.Errorf("template.yaml has no output %s behind IsHome", name)
		}
	}
}
