package probe

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"sync"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/theory/jsonpath"
)

// Options configure a Prober. The zero value is ready for production.
type Options struct {
	// Roots are the CAs trusted for https. Nil: the system roots, loaded once
	// in New so that the first probe does not pay for it.
	Roots *x509.CertPool
	// Concurrency is how many areas a Round probes at once. 0: cfg.Defaults.Concurrency.
	Concurrency int
	// Now is the wall clock, used for certificate validity and Result.Started.
	// Nil: time.Now. Phase timings always use the monotonic clock.
	Now func() time.Time
	// DialContext dials every connection. Nil: a net.Dialer using Resolver.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// Resolver resolves host names when DialContext is nil. Nil: net.DefaultResolver.
	Resolver *net.Resolver
}

// Prober probes areas over HTTP. It is safe for concurrent use; it keeps no
// connections between probes, only compiled regular expressions, JSONPaths
// and the CA pools and client certificates of tls blocks.
type Prober struct {
	roots       *x509.CertPool
	concurrency int
	now         func() time.Time
	dial        func(ctx context.Context, network, addr string) (net.Conn, error)

	regexps sync.Map // pattern -> *regexp.Regexp
	paths   sync.Map // JSONPath -> *jsonpath.Path
	tlsSets sync.Map // tlsKey -> *tlsMaterial: a tls block's CA pool and client certificate
}

// New returns a Prober. It loads the system CA roots unless opts.Roots is set.
func New(opts Options) (*Prober, error) {
	p := &Prober{
		roots:       opts.Roots,
		concurrency: opts.Concurrency,
		now:         opts.Now,
		dial:        opts.DialContext,
	}
	if p.roots == nil {
		roots, err := x509.SystemCertPool()
		if err != nil {
			return nil, fmt.Errorf("probe: loading the system CA roots: %w", err)
		}
		p.roots = roots
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.dial == nil {
		p.dial = (&net.Dialer{Resolver: opts.Resolver}).DialContext
	}
	return p, nil
}

// Probe runs every step of one area, in order, under one hard deadline
// (area.Timeout) and returns its Result. A failing step ends the probe: later
// steps may depend on what it should have captured.
func (p *Prober) Probe(ctx context.Context, cfg *check.Config, area *check.Area) Result {
	timeout := orDefault(area.Timeout.D(), check.DefaultTimeout)
	slow := orDefault(area.Slow.D(), check.DefaultSlow)
	res := Result{Area: area.ID, Name: area.Name, Started: p.now(), Slow: slow}
	if res.Name == "" {
		res.Name = area.ID
	}
	round := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	r := p.newRun(cfg, timeout)
	start := time.Now()
	steps := area.AllSteps()
	var failed *failure
	for i := range steps {
		sr, f := r.step(ctx, &steps[i])
		res.Steps = append(res.Steps, sr)
		res.Phases.add(sr.Phases)
		if sr.Status != 0 {
			res.Status = sr.Status
		}
		if f != nil {
			failed = f
			if len(steps) > 1 {
				failed = &failure{class: f.class, msg: fmt.Sprintf("step %q: %s", sr.Name, f.msg), err: f.err}
			}
			break
		}
	}
	res.Phases.Total = time.Since(start)
	if len(steps) == 0 {
		failed = newFailure(ClassOther, nil, "the area has no request and no steps")
	}

	switch {
	case failed != nil && round.Err() != nil:
		// The round was cut short (its deadline, or Ctrl-C), not this area's
		// own timeout: that is no evidence against the application.
		res.Verdict, res.Class, res.Message = Abstain, ClassNotProbed, "cut short: "+failed.msg
	case failed != nil:
		res.Verdict, res.Class, res.Message = Down, failed.class, failed.msg
	case res.Phases.Total > slow:
		res.Verdict = Slow
		res.Message = fmt.Sprintf("took %s, slow above %s", roundDuration(res.Phases.Total), slow)
	default:
		res.Verdict = Up
	}
	// Redact, then cut: half a secret would not be recognised.
	res.Message = truncate(r.redact(res.Message), maxMessage)
	for i := range res.Steps {
		res.Steps[i].Message = truncate(r.redact(res.Steps[i].Message), maxMessage)
		res.Steps[i].URL = r.redact(res.Steps[i].URL)
	}
	return res
}

// maxMessage bounds a message: it goes into logs, alerts and SMS.
const maxMessage = 300

// run is the state of one probe of one area: captured values and cookies
// live exactly as long as the probe.
type run struct {
	p       *Prober
	cfg     *check.Config
	timeout time.Duration
	jar     http.CookieJar
	vars    map[string]string
	hidden  *check.Redactor // resolved secrets and captured values
	tls     stepTLS         // how the step being fetched does TLS
}

func (p *Prober) newRun(cfg *check.Config, timeout time.Duration) *run {
	jar, _ := cookiejar.New(nil) // never fails without options
	return &run{p: p, cfg: cfg, timeout: timeout, jar: jar, vars: map[string]string{}, hidden: cfg.Redactor()}
}

// keep stores a captured value for later steps. A token captured from a
// sign-in is as secret as the password that got it, so it is hidden too.
func (r *run) keep(name, v string) {
	r.vars[name] = v
	r.hidden.Hide(v)
}

// redact hides resolved secrets and captured values, also in their URL-escaped
// forms (they are sent so, and may come back inside a redirect's URL).
func (r *run) redact(s string) string { return r.hidden.Redact(s) }

// regexp compiles pattern once per Prober.
func (p *Prober) regexp(pattern string) (*regexp.Regexp, error) {
	if re, ok := p.regexps.Load(pattern); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("regular expression %q: %w", pattern, err)
	}
	p.regexps.Store(pattern, re)
	return re, nil
}

// jsonPath parses path once per Prober.
func (p *Prober) jsonPath(path string) (*jsonpath.Path, error) {
	if jp, ok := p.paths.Load(path); ok {
		return jp.(*jsonpath.Path), nil
	}
	jp, err := jsonpath.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("JSONPath %q: %w", path, err)
	}
	p.paths.Store(path, jp)
	return jp, nil
}

func (ph *Phases) add(o Phases) {
	ph.DNS += o.DNS
	ph.Connect += o.Connect
	ph.TLS += o.TLS
	ph.TTFB += o.TTFB
	ph.Transfer += o.Transfer
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// roundDuration shortens a duration for messages: 2.314159s -> 2.31s.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}
