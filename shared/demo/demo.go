// Package demo runs the whole Lookout chain on one machine with no AWS and no
// network: a sample application on 127.0.0.1, the real prober from four
// simulated locations, the real datums, the alarm rules the template deploys
// evaluated locally, and the NotifyFunction's own handler telling incidents
// through a ledger in memory, with its minute tick. It replays the incident
// Lookout exists for, and a maintenance window.
package demo

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/evaluate"
	"github.com/lookout-monitoring/lookout/shared/incident"
	"github.com/lookout-monitoring/lookout/shared/maintenance"
	"github.com/lookout-monitoring/lookout/shared/metrics"
	"github.com/lookout-monitoring/lookout/shared/probe"
)

// Message is one message that reached a channel.
type Message struct {
	Channel string `json:"channel"` // email, sms or pager
	// Kind is what it tells of its incident: open, update, reminder or
	// resolve; KindAlarm for one alarm's own message.
	Kind     string    `json:"kind"`
	Incident string    `json:"incident,omitempty"` // the incident's id
	At       time.Time `json:"time"`
	Subject  string    `json:"subject,omitempty"`
	Body     string    `json:"body"`
}

// KindAlarm is the Kind of an alarm's own message: the notifier tells an
// alarm on its own when it lacks data or when the ledger cannot be used.
const KindAlarm = "alarm"

// Note is one line the ledger wrote in an incident's timeline: a member
// opened, joined, left or was muted, the incident resolved, an SMS was held
// back.
type Note struct {
	Incident string    `json:"incident"`
	At       time.Time `json:"time"`
	Alarm    string    `json:"alarm,omitempty"` // the member it is about ("" for the incident)
	Text     string    `json:"note"`
}

// Outcome is what one invocation of the notifier did.
type Outcome struct {
	Messages []Message
	Notes    []Note
}

func (o Outcome) empty() bool { return len(o.Messages)+len(o.Notes) == 0 }

// Tally counts messages by channel, then by kind: {"pager": {"open": 1}}.
type Tally map[string]map[string]int

func (t Tally) add(m Message) {
	if t[m.Channel] == nil {
		t[m.Channel] = map[string]int{}
	}
	t[m.Channel][m.Kind]++
}

// Of is how many messages went to a channel.
func (t Tally) Of(channel string) int {
	n := 0
	for _, c := range t[channel] {
		n += c
	}
	return n
}

// Options configure a demo run.
type Options struct {
	// Config is the checks file whose areas, alerting rule and incident
	// policy are played. Run makes it the demo's own: it resolves its
	// references with demo values, replaces its maintenance windows with
	// the scenario's and, when Fast, scales its timeouts and thresholds.
	Config *check.Config
	// Scenario to replay (default Flood()).
	Scenario *Scenario
	// Fast runs rounds back to back with timeouts and thresholds scaled down
	// four times (the injected delays follow the thresholds).
	Fast bool
	// Interval between rounds when not Fast (default 1.5 s).
	Interval time.Duration
	// Start is the simulated time of the first round (default: now, to the minute).
	Start time.Time
	// Network is where the sample app listens and how the locations reach
	// it (default Loopback{}: ports on 127.0.0.1). Tests pass InMemory() and
	// run the demo in a testing/synctest bubble, on virtual time.
	Network Network
	// View receives every event as it happens.
	View View
}

// Alarm is one life of an alarm in the demo: from ALARM back to OK. An alarm
// that fires again has another life.
type Alarm struct {
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	Subject    string    `json:"subject"`
	FiredAt    time.Time `json:"fired_at"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
}

// Incident is one incident of the run, as the ledger kept it, with the
// messages that told of it.
type Incident struct {
	ID     string    `json:"id"`
	Opened time.Time `json:"opened"`
	// Announced is when people were first told; zero when nobody was.
	Announced time.Time `json:"announced,omitzero"`
	// WindowEnded names the maintenance window whose end announced it.
	WindowEnded string `json:"window_ended,omitempty"`
	// Resolved is zero when it was still open at the end of the run.
	Resolved time.Time `json:"resolved,omitzero"`
	// Members are its alarms, in the order they joined.
	Members []string `json:"members"`
	// MutedBy names the maintenance windows that still held members back
	// when it ended (or the run did).
	MutedBy  []string `json:"muted_by,omitempty"`
	Messages Tally    `json:"messages"`
}

// Summary is what a demo run did. Every field is counted from what happened,
// never taken from the scenario's script.
type Summary struct {
	Scenario  string     `json:"scenario"`
	Rounds    int        `json:"rounds"`
	Alarms    []Alarm    `json:"alarms"`
	Incidents []Incident `json:"incidents"`
	Messages  Tally      `json:"messages"`
	// Detected: an alarm fired after the flood began; DetectMinutes is how long after.
	Detected      bool `json:"detected"`
	DetectMinutes int  `json:"detect_minutes"`
	// Resolved: every alarm that fired is OK again; ResolveMinutes is how
	// long after the flood stopped the last one resolved.
	Resolved       bool          `json:"resolved"`
	ResolveMinutes int           `json:"resolve_minutes"`
	Blip           *Blip         `json:"blip,omitempty"` // nil when the scenario has no blip
	Duration       time.Duration `json:"duration"`
}

// Blip is what happened while the one-location blip was the only trouble:
// the alarms that fired and the pages that went out for them.
type Blip struct {
	Location string   `json:"location"` // its label, e.g. Mumbai
	Area     string   `json:"area"`
	Fired    []string `json:"fired"`
	Pages    int      `json:"pages"`
}

// location is one simulated location: its own listeners and prober.
type location struct {
	region, label string
	rtt           time.Duration
	plain, secure net.Listener
	servers       []*http.Server
	prober        *probe.Prober
}

// simulated round-trip times, as seen from each location (scaled in fast mode).
var rtts = map[string]time.Duration{
	"us-east-1": 20 * time.Millisecond, "eu-west-2": 40 * time.Millisecond,
	"ap-south-1": 90 * time.Millisecond, "ap-southeast-2": 110 * time.Millisecond,
}

// Run plays the scenario and returns its summary. It stops early, cleanly,
// when ctx is cancelled.
func Run(ctx context.Context, o Options) (Summary, error) {
	began := time.Now()
	if o.Config == nil {
		return Summary{}, errors.New("demo: no checks file")
	}
	sc := Flood()
	if o.Scenario != nil {
		sc = *o.Scenario
	}
	if o.Interval == 0 {
		o.Interval = 1500 * time.Millisecond
	}
	if o.Start.IsZero() {
		o.Start = time.Now().UTC().Truncate(time.Minute)
	}
	if o.View == nil {
		o.View = discard{}
	}
	cfg := o.Config
	if err := prepare(ctx, cfg, o.Fast); err != nil {
		return Summary{}, err
	}
	if err := plan(cfg, sc, o.Start); err != nil {
		return Summary{}, err
	}
	slow := map[string]time.Duration{}
	for i := range cfg.Areas {
		slow[cfg.Areas[i].ID] = cfg.Areas[i].Slow.D()
	}

	ca, err := newAuthority(hosts(cfg))
	if err != nil {
		return Summary{}, err
	}
	if o.Network == nil {
		o.Network = Loopback{}
	}
	a := newApp()
	locs, err := startLocations(cfg, a, ca, o.Fast, o.Network)
	defer stopLocations(locs)
	if err != nil {
		return Summary{}, err
	}

	specs := alarm.Alarms(cfg)
	ev := evaluate.New(specs)
	nt, err := newNotifier(cfg, ev)
	if err != nil {
		return Summary{}, err
	}
	ns := alarm.Namespace(cfg.App)
	areas := make([]*check.Area, len(cfg.Areas))
	for i := range cfg.Areas {
		areas[i] = &cfg.Areas[i]
	}
	sum := Summary{Scenario: sc.Name, Messages: Tally{}}
	var lives []*Alarm
	open := map[string]*Alarm{} // alarm name -> its life while it fires
	if sc.BlipRegion != "" {
		sum.Blip = &Blip{Location: cfg.Locations[sc.BlipRegion], Area: sc.BlipArea, Fired: []string{}}
	}
	var sent []Message
	told := func(minute int, out Outcome) {
		sent = append(sent, out.Messages...)
		for _, m := range out.Messages {
			sum.Messages.add(m)
			if sum.Blip != nil && sc.onlyBlip(minute) && m.Channel == string(incident.Pager) {
				sum.Blip.Pages++
			}
		}
	}
	o.View.Start(cfg, sc, locs2labels(locs))

	end := o.Start
	for minute := 0; minute < sc.Minutes; minute++ {
		if ctx.Err() != nil {
			break
		}
		phase := sc.phaseAt(minute)
		var conds []Condition
		if phase.Conds != nil {
			conds = phase.Conds(slow)
		}
		a.set(conds...)
		at := o.Start.Add(time.Duration(minute) * time.Minute)

		rounds := make([]probe.Round, len(locs))
		var wg sync.WaitGroup
		for i, l := range locs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rounds[i] = l.prober.Round(ctx, cfg, l.region, areas)
			}()
		}
		wg.Wait()
		if ctx.Err() != nil {
			break
		}
		for i, l := range locs {
			if err := ev.Add(ns, metrics.Datums(cfg, l.label, at, rounds[i])); err != nil {
				return sum, fmt.Errorf("demo: minute %d: %w", minute, err)
			}
		}
		sum.Rounds++
		o.View.Round(minute, at, phase.Say, rounds)

		// The minute's alarms are judged when it ends; each change reaches
		// the notifier as SNS delivers it, then the minute's tick runs.
		end = at.Add(time.Minute)
		for _, tr := range ev.Evaluate(end) {
			if tr.From == evaluate.InsufficientData && tr.To == evaluate.OK {
				continue // an alarm's first evaluation: nothing to tell (the tick reads it)
			}
			name := tr.Spec.Name.String()
			switch tr.To {
			case evaluate.Alarm:
				al := &Alarm{Name: name, Kind: string(tr.Spec.Name.Kind), Subject: tr.Spec.Name.Subject, FiredAt: tr.At}
				lives, open[name] = append(lives, al), al
				if sum.Blip != nil && sc.onlyBlip(minute) {
					sum.Blip.Fired = append(sum.Blip.Fired, name)
				}
			case evaluate.OK:
				if al := open[name]; al != nil {
					al.ResolvedAt = tr.At
					delete(open, name)
				}
			}
			out, err := nt.alarm(ctx, tr, cfg)
			if err != nil {
				o.View.Error(fmt.Errorf("notifying %s: %w", name, err))
			}
			told(minute, out)
			o.View.Transition(tr, out)
		}
		if ctx.Err() != nil {
			break
		}
		out, err := nt.tick(ctx, end)
		if err != nil {
			o.View.Error(fmt.Errorf("tick at %s: %w", end.Format("15:04Z"), err))
		}
		told(minute, out)
		if !out.empty() {
			o.View.Tick(end, out)
		}
		if !o.Fast && minute+1 < sc.Minutes {
			select {
			case <-ctx.Done():
			case <-time.After(o.Interval):
			}
		}
	}

	sum.Alarms = make([]Alarm, 0, len(lives))
	for _, al := range lives {
		sum.Alarms = append(sum.Alarms, *al)
	}
	sort.SliceStable(sum.Alarms, func(i, j int) bool {
		if !sum.Alarms[i].FiredAt.Equal(sum.Alarms[j].FiredAt) {
			return sum.Alarms[i].FiredAt.Before(sum.Alarms[j].FiredAt)
		}
		return sum.Alarms[i].Name < sum.Alarms[j].Name
	})
	sum.timeTo(o.Start.Add(time.Duration(sc.FloodStart)*time.Minute), o.Start.Add(time.Duration(sc.FloodStop)*time.Minute), len(open) == 0)
	incs, err := nt.incidents(context.WithoutCancel(ctx), end)
	if err != nil {
		o.View.Error(err)
	}
	sum.Incidents = summarize(incs, sent, maintenance.Occurrences(cfg.Maintenance, o.Start, end))
	sum.Duration = time.Since(began)
	o.View.End(sum)
	return sum, ctx.Err()
}

// plan puts the scenario's maintenance windows into the checks file in
// place of its own (a window of the file may or may not be open on the day
// the demo is played: the story must not depend on it), each a one-off
// window at its minutes from start.
func plan(cfg *check.Config, sc Scenario, start time.Time) error {
	cfg.Maintenance = nil
	for _, w := range sc.Windows {
		for _, area := range w.Areas {
			if !slices.ContainsFunc(cfg.Areas, func(a check.Area) bool { return a.ID == area }) {
				return fmt.Errorf("demo: scenario %s: its maintenance window %s covers area %s, which the checks file does not have", sc.Name, w.ID, area)
			}
		}
		m := check.Maintenance{ID: w.ID, Reason: w.Reason, Areas: w.Areas,
			Start: start.Add(time.Duration(w.From) * time.Minute).UTC().Format(time.RFC3339),
			End:   start.Add(time.Duration(w.To) * time.Minute).UTC().Format(time.RFC3339)}
		if _, err := m.Schedule(); err != nil {
			return fmt.Errorf("demo: scenario %s: %w", sc.Name, err)
		}
		cfg.Maintenance = append(cfg.Maintenance, m)
	}
	return nil
}

// summarize is each incident the ledger kept, with the messages sent for it
// and, when it was first told at the end of a maintenance window, that window.
func summarize(incs []incident.Incident, sent []Message, ws []maintenance.Window) []Incident {
	out := make([]Incident, 0, len(incs))
	for _, inc := range incs {
		s := Incident{ID: inc.ID, Opened: inc.Opened, Announced: inc.Announced, Resolved: inc.Resolved, Members: []string{}, Messages: Tally{}}
		for _, m := range inc.Members {
			if !slices.Contains(s.Members, m.Alarm) {
				s.Members = append(s.Members, m.Alarm)
			}
			if m.Muted && !slices.Contains(s.MutedBy, m.MutedBy) {
				s.MutedBy = append(s.MutedBy, m.MutedBy)
			}
		}
		for _, w := range ws {
			if !inc.Announced.IsZero() && w.End.Equal(inc.Announced) && !inc.Opened.Before(w.Start) {
				s.WindowEnded = w.ID
			}
		}
		for _, m := range sent {
			if m.Incident == inc.ID {
				s.Messages.add(m)
			}
		}
		out = append(out, s)
	}
	return out
}

// timeTo fills time to detect (the first alarm on data from the flood: a
// round's alarms are evaluated a minute after it) and time to resolve (the
// last resolve after the flood stopped).
func (s *Summary) timeTo(floodStart, floodStop time.Time, allResolved bool) {
	var first, last time.Time
	for _, al := range s.Alarms {
		if al.FiredAt.After(floodStart) && (first.IsZero() || al.FiredAt.Before(first)) {
			first = al.FiredAt
		}
		if al.ResolvedAt.After(last) {
			last = al.ResolvedAt
		}
	}
	if s.Detected = !first.IsZero(); s.Detected {
		s.DetectMinutes = int(first.Sub(floodStart) / time.Minute)
	}
	s.Resolved = allResolved && len(s.Alarms) > 0
	if s.Resolved && last.After(floodStop) {
		s.ResolveMinutes = int(last.Sub(floodStop) / time.Minute)
	}
}

// prepare resolves every secret reference of cfg with a demo value and, in
// fast mode, scales its timeouts and thresholds down four times so a round
// takes milliseconds. The alerting rule is left as it is: it is what is shown.
func prepare(ctx context.Context, cfg *check.Config, fast bool) error {
	demoSecret := check.ResolverFunc(func(_ context.Context, r check.Ref) (string, error) {
		return "demo-" + r.Kind + "-" + strings.NewReplacer("/", "-", "#", "-").Replace(strings.Trim(r.Arg, "/")), nil
	})
	if err := cfg.ResolveSecrets(ctx, check.Resolvers{check.RefEnv: demoSecret, check.RefSSM: demoSecret, check.RefSecret: demoSecret}); err != nil {
		return err
	}
	if !fast {
		return nil
	}
	// Four times, not more: a healthy probe on a busy machine must stay well
	// under the smallest threshold, or the story changes by chance.
	scale := func(d check.Duration) check.Duration { return max(d/4, check.Duration(100*time.Millisecond)) }
	for i := range cfg.Areas {
		a := &cfg.Areas[i]
		a.Timeout, a.Slow = scale(a.Timeout), scale(a.Slow)
		steps := make([]*check.Step, 0, len(a.Steps)+1)
		if a.Request != nil {
			steps = append(steps, a.Request)
		}
		for j := range a.Steps {
			steps = append(steps, &a.Steps[j])
		}
		for _, st := range steps {
			for k := range st.Assert {
				if st.Assert[k].MaxLatency != 0 {
					st.Assert[k].MaxLatency = scale(st.Assert[k].MaxLatency)
				}
			}
		}
	}
	if cfg.Control != nil {
		cfg.Control.Timeout = scale(cfg.Control.Timeout)
	}
	return nil
}

func startLocations(cfg *check.Config, a *app, ca *authority, fast bool, network Network) ([]*location, error) {
	var locs []*location
	for _, region := range alarm.LocationRegions(cfg) {
		rtt, ok := rtts[region]
		if !ok {
			rtt = 50 * time.Millisecond
		}
		if fast {
			rtt /= 10
		}
		l := &location{region: region, label: cfg.Locations[region], rtt: rtt}
		locs = append(locs, l)
		var err error
		if l.plain, err = network.Listen(); err != nil {
			return locs, err
		}
		if l.secure, err = network.Listen(); err != nil {
			return locs, err
		}
		h := a.handler(region)
		for _, ln := range []net.Listener{l.plain, tls.NewListener(l.secure, ca.serverConfig())} {
			srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: quietLog()}
			l.servers = append(l.servers, srv)
			go func() { _ = srv.Serve(ln) }()
		}
		plainAddr, secureAddr := l.plain.Addr().String(), l.secure.Addr().String()
		l.prober, err = probe.New(probe.Options{
			Roots: ca.pool,
			// Every host of the checks file is this location's copy of the app,
			// one simulated round trip away: https to one listener, http to the other.
			DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
				target := plainAddr
				if _, port, _ := net.SplitHostPort(addr); port == "443" {
					target = secureAddr
				}
				select {
				case <-time.After(l.rtt):
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				return network.DialContext(ctx, target)
			},
		})
		if err != nil {
			return locs, err
		}
	}
	return locs, nil
}

func stopLocations(locs []*location) {
	for _, l := range locs {
		for _, s := range l.servers {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = s.Shutdown(ctx)
			cancel()
			_ = s.Close()
		}
		for _, ln := range []net.Listener{l.plain, l.secure} {
			if ln != nil {
				_ = ln.Close()
			}
		}
	}
}

func locs2labels(locs []*location) []string {
	out := make([]string, len(locs))
	for i, l := range locs {
		out[i] = l.label
	}
	return out
}

// hosts lists every host name the checks file reaches, for the demo certificate.
func hosts(cfg *check.Config) []string {
	set := map[string]bool{}
	add := func(raw string) {
		if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
			set[u.Hostname()] = true
		}
	}
	if cfg.Control != nil {
		add(cfg.Control.URL)
		for _, u := range cfg.Control.Locations {
			add(u)
		}
	}
	for i := range cfg.Areas {
		for _, st := range cfg.Areas[i].AllSteps() {
			add(check.ExpandVars(st.URL, nil))
		}
	}
	out := make([]string, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// discard is a View that shows nothing.
type discard struct{}

func (discard) Start(*check.Config, Scenario, []string)     {}
func (discard) Round(int, time.Time, string, []probe.Round) {}
func (discard) Transition(evaluate.Transition, Outcome)     {}
func (discard) Tick(time.Time, Outcome)                     {}
func (discard) Error(error)                                 {}
func (discard) End(Summary)                                 {}
