package probe

import (
	"context"
	"net/http"
	"sync"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// ControlArea is the Area of a control probe's Result.
const ControlArea = "control"

// Round is one round of probes from one location.
type Round struct {
	// Location is the region probed from (e.g. eu-west-2); cfg.Locations holds its label.
	Location string `json:"location"`
	// Control is the control probe's result; nil when there is no control URL.
	Control *Result `json:"control,omitempty"`
	// Abstained is true when the control probe failed: no area was probed and
	// every result says Abstain, so this location's network cannot accuse the app.
	Abstained bool `json:"abstained,omitempty"`
	// Results holds one result per area, in the order the areas were given.
	Results []Result `json:"results"`
}

// Control probes this region's control URL: a GET with cfg.Control.Timeout,
// redirects not followed, any status below 400 passes. It reports ok when
// the control probe passed or when there is no control URL.
func (p *Prober) Control(ctx context.Context, cfg *check.Config, region string) (res Result, ok bool) {
	u := cfg.ControlURL(region)
	if u == "" {
		return Result{}, true
	}
	timeout := check.DefaultControlTimeout
	if t := cfg.Control.Timeout.D(); t > 0 {
		timeout = t
	}
	noRedirects := 0
	area := &check.Area{
		ID:      ControlArea,
		Name:    ControlArea,
		Timeout: check.Duration(timeout),
		Slow:    check.Duration(timeout), // a control probe is never slow, only up or down
		Request: &check.Step{
			Name:         ControlArea,
			Method:       http.MethodGet,
			URL:          u,
			Status:       check.StatusSet{{Lo: 100, Hi: 199}, {Lo: 200, Hi: 299}, {Lo: 300, Hi: 399}},
			MaxRedirects: &noRedirects,
		},
	}
	res = p.Probe(ctx, cfg, area)
	return res, res.Verdict != Down
}

// Round runs the control probe, then, if it passed, probes every area
// concurrently (at most Options.Concurrency, else cfg.Defaults.Concurrency,
// at once). If the control probe failed, no area is probed and every result
// is an Abstain. When ctx is cancelled, areas still waiting come back Down
// with ClassTimeout; running ones end as soon as their requests do.
func (p *Prober) Round(ctx context.Context, cfg *check.Config, region string, areas []*check.Area) Round {
	rd := Round{Location: region, Results: make([]Result, len(areas))}
	if ctl, ok := p.Control(ctx, cfg, region); cfg.ControlURL(region) != "" {
		rd.Control = &ctl
		if !ok {
			rd.Abstained = true
			for i, a := range areas {
				rd.Results[i] = p.abstain(a, ctl)
			}
			return rd
		}
	}

	n := p.concurrency
	if n <= 0 {
		n = cfg.Defaults.Concurrency
	}
	if n <= 0 {
		n = check.DefaultConcurrency
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, a := range areas {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				rd.Results[i] = p.unprobed(a, "not probed: the round ended before its turn")
				return
			}
			if ctx.Err() != nil {
				rd.Results[i] = p.unprobed(a, "not probed: the round ended before its turn")
				return
			}
			rd.Results[i] = p.Probe(ctx, cfg, a)
		})
	}
	wg.Wait()
	return rd
}

// abstain is an area's result when this location's control probe failed.
func (p *Prober) abstain(a *check.Area, ctl Result) Result {
	res := p.blank(a)
	res.Verdict, res.Class = Abstain, ClassControlFailed
	res.Message = "control probe failed: " + ctl.Message
	return res
}

// unprobed is an area's result when the round was cancelled before its turn:
// the location abstains for that area rather than accuse it.
func (p *Prober) unprobed(a *check.Area, msg string) Result {
	res := p.blank(a)
	res.Verdict, res.Class, res.Message = Abstain, ClassNotProbed, msg
	return res
}

// NotRun is the result of an area that was not probed because something its
// probe needs is missing here (a secret that cannot be resolved on this
// machine): the location abstains for it and says why.
func (p *Prober) NotRun(a *check.Area, reason string) Result {
	res := p.blank(a)
	res.Verdict, res.Class, res.Message = Abstain, ClassNotRun, reason
	return res
}

func (p *Prober) blank(a *check.Area) Result {
	name := a.Name
	if name == "" {
		name = a.ID
	}
	return Result{
		Area:    a.ID,
		Name:    name,
		Started: p.now(),
		Slow:    orDefault(a.Slow.D(), check.DefaultSlow),
		Steps:   []StepResult{},
	}
}
