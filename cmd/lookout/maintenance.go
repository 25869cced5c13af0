package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/maintenance"
	"github.com/lookout-monitoring/lookout/shared/notify"
	"github.com/lookout-monitoring/lookout/shared/table"
)

const (
	// adHocPrefix begins every ad-hoc window's id. The checks file's ids are
	// letters and digits only, so the two kinds can never share one.
	adHocPrefix = "adhoc-"
	// adHocRetention is how long an ad-hoc window stays in the ledger after
	// it ends: listed as ended, then deleted by the table's TTL.
	adHocRetention = 7 * 24 * time.Hour
	// defaultReason is an ad-hoc window's reason when none is given.
	defaultReason = "ad-hoc (lookout maintenance now)"
	// utcMinute and utcSecond are how the commands write times.
	utcMinute = "2006-01-02 15:04 MST"
	utcSecond = "2006-01-02 15:04:05 MST"
)

// cmdMaintenance runs `lookout maintenance now|list|end`.
func (a app) cmdMaintenance(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("maintenance", stderr)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, usage(fs))
		return exitUsage
	}
	sub, rest := fs.Arg(0), fs.Args()[1:]
	switch sub {
	case "now":
		return a.maintenanceNow(ctx, rest, stdout, stderr)
	case "list":
		return a.maintenanceList(ctx, rest, stdout, stderr)
	case "end":
		return a.maintenanceEnd(ctx, rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "lookout maintenance: unexpected argument %q: the subcommands are now, list and end\n", sub)
	return exitUsage
}

// ledgerFlags are the flags of every maintenance subcommand: where the app
// is deployed, and its ledger table when given by name.
type ledgerFlags struct {
	deployedFlags
	table *string
}

func addLedgerFlags(fs *flag.FlagSet) ledgerFlags {
	return ledgerFlags{
		deployedFlags: addDeployedFlags(fs, "checks file: the app, its areas and windows, its home region"),
		table:         fs.String("table", "", "the ledger's DynamoDB table in the home region (default: the home stack's output "+outputLedgerTable+")"),
	}
}

// windows is one maintenance subcommand's view of the ledger: the checks
// file, the store and the app's ad-hoc windows.
type windows struct {
	cfg   *check.Config
	store recordStore
	where string // the table, for messages
	now   time.Time
}

// adHocWindows finds the ledger and reads the app's ad-hoc windows from it;
// records that are not windows are reported to warn (io.Discard: not at all).
func (a app) adHocWindows(ctx context.Context, name string, cfg *check.Config, f ledgerFlags, warn io.Writer) (*windows, []adHoc, error) {
	w, err := a.ledgerOf(ctx, cfg, f)
	if err != nil {
		return nil, nil, err
	}
	adHocs, err := w.list(ctx, name, warn)
	if err != nil {
		return nil, nil, err
	}
	return w, adHocs, nil
}

// openWindows loads the checks file (printing its problems), finds the
// ledger and reads the ad-hoc windows; w is nil when the command must stop,
// with code.
func (a app) openWindows(ctx context.Context, name string, f ledgerFlags, stderr io.Writer) (w *windows, adHocs []adHoc, code int) {
	cfg, code := loadChecks(*f.file, stderr, exitUsage)
	if cfg == nil {
		return nil, nil, code
	}
	w, adHocs, err := a.adHocWindows(ctx, name, cfg, f, stderr)
	if err != nil {
		return nil, nil, failed(stderr, name, err)
	}
	return w, adHocs, exitOK
}

// failed prints why a command failed and returns its exit code.
func failed(stderr io.Writer, name string, err error) int {
	fmt.Fprintf(stderr, "lookout %s: %v\n", name, err)
	return exitFor(err)
}

// ledgerOf finds the ledger: the table given, or the home stack's.
func (a app) ledgerOf(ctx context.Context, cfg *check.Config, f ledgerFlags) (*windows, error) {
	d := a.deployment(cfg, *f.stack)
	name := *f.table
	if name == "" {
		var err error
		if name, err = d.output(ctx, outputLedgerTable, "table"); err != nil {
			return nil, err
		}
	}
	awsCfg, err := d.config(ctx)
	if err != nil {
		return nil, err
	}
	return &windows{cfg: cfg, store: a.homeClients().records(awsCfg, name), where: d.where("ledger table " + name), now: a.clock().UTC()}, nil
}

// fail explains a ledger call that failed: a table that is not there is a
// setup error (a wrong --table, a stack without its table).
func (w *windows) fail(err error) error {
	var missing *types.ResourceNotFoundException
	if errors.As(err, &missing) {
		return setupError{fmt.Errorf("no %s: %w", w.where, err)}
	}
	return err
}

// adHoc is one ad-hoc window read back from the ledger.
type adHoc struct {
	maintenance.Window
	expires time.Time
}

// list returns the app's ad-hoc windows still in the ledger, in order of
// id. A record that is not a window is reported on stderr and left out, as
// the notifier leaves it out.
func (w *windows) list(ctx context.Context, name string, stderr io.Writer) ([]adHoc, error) {
	recs, err := w.store.ListRecords(ctx, w.cfg.App, notify.RecordWindow, w.now)
	if err != nil {
		return nil, w.fail(err)
	}
	out := make([]adHoc, 0, len(recs))
	for _, r := range recs {
		var win maintenance.Window
		err := json.Unmarshal(r.Doc, &win)
		if err == nil && win.End.Before(win.Start) {
			err = fmt.Errorf("it ends (%s) before it starts (%s)", win.End.UTC().Format(utcSecond), win.Start.UTC().Format(utcSecond))
		}
		if err != nil {
			fmt.Fprintf(stderr, "lookout %s: record %s in the %s is not a maintenance window, and the notifier ignores it: %v\n", name, r.ID, w.where, err)
			continue
		}
		win.ID, win.AdHoc = r.ID, true
		out = append(out, adHoc{Window: win, expires: r.Expires})
	}
	return out, nil
}

// put writes an ad-hoc window; it expires adHocRetention after it ends.
func (w *windows) put(ctx context.Context, win maintenance.Window) (time.Time, error) {
	doc, err := json.Marshal(win)
	if err != nil {
		return time.Time{}, err
	}
	expires := win.End.Add(adHocRetention)
	if err := w.store.PutRecord(ctx, w.cfg.App, notify.RecordWindow, win.ID, doc, expires); err != nil {
		return time.Time{}, w.fail(err)
	}
	return expires, nil
}

func (a app) maintenanceNow(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const name = "maintenance now"
	fs := newFlags(name, stderr)
	f := addLedgerFlags(fs)
	length := fs.Duration("for", 0, "how long the window lasts from now: 1m to 168h (7 days); required")
	var areaIDs multiFlag
	fs.Var(&areaIDs, "area", "mute only this area's alarms (repeatable, or comma-separated; default: the whole app, the silent alarms too)")
	reason := fs.String("reason", "", "why, in one line, for whoever would have been told (default: \""+defaultReason+"\" and $USER)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if err := checkNowFlags(*length, *reason); err != nil {
		fmt.Fprintf(stderr, "lookout %s: %v\n", name, err)
		return exitUsage
	}
	cfg, code := loadChecks(*f.file, stderr, exitUsage)
	if cfg == nil {
		return code
	}
	var areas []string
	if len(areaIDs) > 0 {
		chosen, err := selectAreas(cfg, areaIDs)
		if err != nil {
			fmt.Fprintf(stderr, "lookout %s: --area: %v\n", name, err)
			return exitUsage
		}
		for _, ar := range chosen {
			areas = append(areas, ar.ID)
		}
	}
	w, existing, err := a.adHocWindows(ctx, name, cfg, f, io.Discard)
	if err != nil {
		return failed(stderr, name, err)
	}
	// Whole seconds: the ledger's times read back as written.
	start := w.now.Truncate(time.Second)
	win := maintenance.Window{
		ID:     adHocID(start, existing),
		Reason: adHocReason(*reason, os.Getenv("USER")),
		Start:  start,
		End:    start.Add(*length),
		Areas:  areas,
		AdHoc:  true,
	}
	expires, err := w.put(ctx, win)
	if err != nil {
		return failed(stderr, name, err)
	}
	fmt.Fprintf(stdout, "Maintenance window %s started: alarms of %s notify nobody until it ends.\n", win.ID, scope(win.Areas, "the whole app"))
	rows := [][]string{
		{"from", win.Start.Format(utcSecond)},
		{"until", fmt.Sprintf("%s (%s)", win.End.Format(utcSecond), check.FormatDuration(*length))},
		{"reason", win.Reason},
		{"stored", fmt.Sprintf("%s, until %s", w.where, expires.Format(utcMinute))},
	}
	_ = table.Write(stdout, "  ", "", rows)
	fmt.Fprintf(stdout, "An area still failing when it ends is told then. To end it sooner: lookout maintenance end %s\n", win.ID)
	return exitOK
}

// checkNowFlags checks --for and --reason before anything is read.
func checkNowFlags(length time.Duration, reason string) error {
	switch {
	case length == 0:
		return errors.New("--for is required: how long the window lasts, e.g. --for 30m")
	case length < check.MinMaintenanceDuration || length > check.MaxMaintenanceDuration:
		return fmt.Errorf("--for %s: a window lasts from %s to %s (7 days)", check.FormatDuration(length),
			check.FormatDuration(check.MinMaintenanceDuration), check.FormatDuration(check.MaxMaintenanceDuration))
	case strings.IndexFunc(reason, unicode.IsControl) >= 0:
		return errors.New("--reason: one line, no line breaks or control characters")
	case utf8.RuneCountInString(reason) > check.MaxMaintenanceReason:
		return fmt.Errorf("--reason: longer than %d characters", check.MaxMaintenanceReason)
	}
	return nil
}

// adHocID names a window after the minute it starts (adhoc-20261202T1405Z);
// a second one in the same minute gets -2, then -3, so none replaces another.
func adHocID(start time.Time, existing []adHoc) string {
	base := adHocPrefix + start.UTC().Format("20060102T1504Z")
	taken := func(id string) bool {
		return slices.ContainsFunc(existing, func(w adHoc) bool { return w.ID == id })
	}
	id := base
	for n := 2; taken(id) && n <= len(existing)+1; n++ {
		id = fmt.Sprintf("%s-%d", base, n)
	}
	return id
}

// adHocReason is the reason given, or the default one, which says who
// started the window when $USER is known.
func adHocReason(given, user string) string {
	if given = strings.TrimSpace(given); given != "" {
		return given
	}
	if user == "" {
		return defaultReason
	}
	return strings.TrimSuffix(defaultReason, ")") + " by " + user + ")"
}

// scope names what a window covers: its areas, or whole.
func scope(areas []string, whole string) string {
	if len(areas) == 0 {
		return whole
	}
	return strings.Join(areas, ", ")
}

// listedWindow is one row of `lookout maintenance list`, and its --json line.
type listedWindow struct {
	maintenance.Window
	// Status is "active", "upcoming" or "ended" at the time of the listing.
	Status string `json:"status"`
	// Expires is when the ledger deletes an ad-hoc window.
	Expires *time.Time `json:"expires,omitempty"`
}

// status says where now falls against a window.
func status(w maintenance.Window, now time.Time) string {
	switch {
	case w.Active(now):
		return "active"
	case now.Before(w.Start):
		return "upcoming"
	}
	return "ended"
}

// statusOrder lists active windows first, then upcoming, then ended.
var statusOrder = map[string]int{"active": 0, "upcoming": 1, "ended": 2}

// listWindows puts the ad-hoc windows and the checks file's current or next
// occurrences in one list, in UTC: active first, then upcoming, then ended,
// each by start.
func listWindows(cfg *check.Config, adHocs []adHoc, now time.Time) []listedWindow {
	var out []listedWindow
	utc := func(w maintenance.Window) maintenance.Window {
		w.Start, w.End = w.Start.UTC(), w.End.UTC()
		return w
	}
	for _, w := range adHocs {
		expires := w.expires.UTC()
		out = append(out, listedWindow{Window: utc(w.Window), Status: status(w.Window, now), Expires: &expires})
	}
	for _, m := range cfg.Maintenance {
		next := maintenance.Next(m, now, 1)
		if len(next) == 0 {
			// A one-off window that is over is listed as ended; a recurring
			// one always has a next occurrence.
			s, err := m.Schedule()
			if err != nil || s.Recurring() {
				continue
			}
			next = []maintenance.Window{{ID: m.ID, Reason: m.Reason, Start: s.Start, End: s.End, Areas: slices.Clone(m.Areas)}}
		}
		out = append(out, listedWindow{Window: utc(next[0]), Status: status(next[0], now)})
	}
	slices.SortStableFunc(out, func(a, b listedWindow) int {
		if d := statusOrder[a.Status] - statusOrder[b.Status]; d != 0 {
			return d
		}
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

func (a app) maintenanceList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const name = "maintenance list"
	fs := newFlags(name, stderr)
	f := addLedgerFlags(fs)
	asJSON := fs.Bool("json", false, "print one JSON object per window instead of a table")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	w, adHocs, code := a.openWindows(ctx, name, f, stderr)
	if w == nil {
		return code
	}
	listed := listWindows(w.cfg, adHocs, w.now)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, l := range listed {
			if err := enc.Encode(l); err != nil {
				return failed(stderr, name, err)
			}
		}
		return exitOK
	}
	writeWindows(stdout, w, listed)
	return exitOK
}

// writeWindows prints the list as a table, times in UTC.
func writeWindows(out io.Writer, w *windows, listed []listedWindow) {
	fmt.Fprintf(out, "%s: maintenance windows at %s\n", w.cfg.App, w.now.Format(utcMinute))
	fmt.Fprintf(out, "ad-hoc: in %s; checks file: the current or next occurrence of each window of %s\n", w.where, w.cfg.File)
	if len(listed) == 0 {
		fmt.Fprintln(out, "none: start one with lookout maintenance now --for 30m")
		return
	}
	rows := [][]string{{"ID", "SOURCE", "STATUS", "START (UTC)", "END (UTC)", "AREAS", "REASON"}}
	for _, l := range listed {
		source := "checks file"
		if l.AdHoc {
			source = "ad-hoc"
		}
		rows = append(rows, []string{l.ID, source, l.Status, l.Start.Format("2006-01-02 15:04"), l.End.Format("2006-01-02 15:04"),
			scope(l.Areas, "whole app"), l.Reason})
	}
	_ = table.Write(out, "", "", rows)
}

func (a app) maintenanceEnd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const name = "maintenance end"
	fs := newFlags(name, stderr)
	f := addLedgerFlags(fs)
	id, code, ok := parseOne(fs, args, "the id of the window to end (lookout maintenance list shows them)")
	if !ok {
		return code
	}
	w, adHocs, code := a.openWindows(ctx, name, f, stderr)
	if w == nil {
		return code
	}
	i := slices.IndexFunc(adHocs, func(w adHoc) bool { return w.ID == id })
	if i < 0 {
		fmt.Fprintf(stderr, "lookout %s: %v\n", name, unknownWindow(w, id, adHocs))
		return exitUsage
	}
	win := adHocs[i].Window
	if !win.End.After(w.now) {
		fmt.Fprintf(stdout, "Maintenance window %s already ended at %s; it stays listed until %s.\n", id, win.End.UTC().Format(utcSecond), adHocs[i].expires.UTC().Format(utcMinute))
		return exitOK
	}
	planned := win.End
	// An upcoming window (started ahead of this machine's clock) ends
	// before it begins: never one that ends before it starts.
	win.End = w.now.Truncate(time.Second)
	if win.End.Before(win.Start) {
		win.End = win.Start
	}
	expires, err := w.put(ctx, win)
	if err != nil {
		return failed(stderr, name, err)
	}
	fmt.Fprintf(stdout, "Maintenance window %s ended at %s, after %s of %s: alarms of %s notify again.\n", id, win.End.UTC().Format(utcSecond),
		check.FormatDuration(win.End.Sub(win.Start)), check.FormatDuration(planned.Sub(win.Start)), scope(win.Areas, "the whole app"))
	fmt.Fprintf(stdout, "An area still failing is told at the notifier's next minute tick. The window stays listed as ended until %s.\n", expires.UTC().Format(utcMinute))
	return exitOK
}

// unknownWindow says why id cannot be ended: a window of the checks file
// is ended by changing the file; anything else names the ad-hoc windows
// there are.
func unknownWindow(w *windows, id string, adHocs []adHoc) error {
	for _, m := range w.cfg.Maintenance {
		if strings.EqualFold(m.ID, id) {
			return fmt.Errorf("%s is a window of %s, not an ad-hoc one: to end or change it, edit the file and deploy (make deploy)", m.ID, w.cfg.File)
		}
	}
	if len(adHocs) == 0 {
		return fmt.Errorf("no ad-hoc maintenance window %s in the %s: there are none", id, w.where)
	}
	ids := make([]string, len(adHocs))
	for i, a := range adHocs {
		ids[i] = a.ID
	}
	return fmt.Errorf("no ad-hoc maintenance window %s in the %s (there are: %s)", id, w.where, strings.Join(ids, ", "))
}
