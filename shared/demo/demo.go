// Package demo runs the whole Lookout chain on one machine with no AWS and no
// network: a sample application on 127.0.0.1, the real prober from four
// simulated locations, the real datums, the alarm rules the template deploys
// evaluated locally, and the notifications rendered as the notifier renders
// them. It replays the incident Lookout exists for.
package demo

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/evaluate"
	"github.com/lookout-monitoring/lookout/shared/metrics"
	"github.com/lookout-monitoring/lookout/shared/probe"
)

// Message is one rendered notification.
type Message struct {
	Channel string `json:"channel"` // email, sms or pager
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body"`
}

// Options configure a demo run.
type Options struct {
	// Config is the checks file whose areas and alerting rule are played. Run
	// makes it the demo's own: it resolves its references with demo values
	// and, when Fast, scales its timeouts and thresholds.
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

// Summary is what a demo run did. Every field is counted from what happened,
// never taken from the scenario's script.
type Summary struct {
	Rounds   int            `json:"rounds"`
	Alarms   []Alarm        `json:"alarms"`
	Messages map[string]int `json:"messages"`
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
	notify, err := newNotifier(cfg, ev)
	if err != nil {
		return Summary{}, err
	}
	ns := alarm.Namespace(cfg.App)
	areas := make([]*check.Area, len(cfg.Areas))
	for i := range cfg.Areas {
		areas[i] = &cfg.Areas[i]
	}
	sum := Summary{Messages: map[string]int{}}
	var lives []*Alarm
	open := map[string]*Alarm{} // alarm name -> its life while it fires
	if sc.BlipRegion != "" {
		sum.Blip = &Blip{Location: cfg.Locations[sc.BlipRegion], Area: sc.BlipArea, Fired: []string{}}
	}
	o.View.Start(cfg, sc, locs2labels(locs))

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

		for _, tr := range ev.Evaluate(at.Add(time.Minute)) {
			if tr.From == evaluate.InsufficientData && tr.To == evaluate.OK {
				continue // an alarm's first evaluation: the notifier sends no email for it
			}
			name := tr.Spec.Name.String()
			switch tr.To {
			case evaluate.Alarm:
				al := &Alarm{Name: name, Kind: string(tr.Spec.Name.Kind), Subject: tr.Spec.Name.Subject, FiredAt: tr.At}
				lives, open[name] = append(lives, al), al
			case evaluate.OK:
				if al := open[name]; al != nil {
					al.ResolvedAt = tr.At
					delete(open, name)
				}
			}
			payload, err := jsonPayload(tr, cfg)
			if err != nil {
				return sum, err
			}
			msgs, err := notify.Render(ctx, payload, tr.At)
			if err != nil {
				o.View.Error(fmt.Errorf("notifying %s: %w", name, err))
			}
			for _, m := range msgs {
				sum.Messages[m.Channel]++
			}
			if sum.Blip != nil && sc.onlyBlip(minute) && tr.To == evaluate.Alarm {
				sum.Blip.Fired = append(sum.Blip.Fired, name)
				for _, m := range msgs {
					if m.Channel == "pager" {
						sum.Blip.Pages++
					}
				}
			}
			o.View.Transition(tr, msgs)
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
	sum.Duration = time.Since(began)
	o.View.End(sum)
	return sum, ctx.Err()
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
func (discard) Transition(evaluate.Transition, []Message)   {}
func (discard) Error(error)                                 {}
func (discard) End(Summary)                                 {}
