package probefn

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/lookout-monitoring/lookout/shared/logline"
	"github.com/lookout-monitoring/lookout/shared/metrics"
	"github.com/lookout-monitoring/lookout/shared/probe"
)

// Summary is the handler's response: what one round found and what became of its datums.
type Summary struct {
	Round     string `json:"round"` // RFC 3339, the datums' timestamp
	Location  string `json:"location"`
	Abstained bool   `json:"abstained,omitempty"`
	Areas     int    `json:"areas"`
	Up        int    `json:"up"`
	Down      int    `json:"down"`
	Slow      int    `json:"slow"`
	Abstain   int    `json:"abstain"`
	Datums    int    `json:"datums"`
	Published int    `json:"published"` // accepted by CloudWatch in the home region
	EMF       int    `json:"emf"`       // written to stdout as Embedded Metric Format instead
}

// emfReserve is kept back from the function's deadline to write the EMF
// fallback and the round line after publishing gave up.
const emfReserve = time.Second

// Invoke is the function's entry point (aws-lambda-go's lambda.Handler): the
// payload as bytes in, the Summary as JSON out. Taking bytes lets every
// payload run a round, even one aws-lambda-go's typed decoding would refuse
// before any code of ours ran (empty, not JSON): a misconfigured trigger then
// shows as one warning a minute, with heartbeats still sent, instead of a
// Silent location.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	ev, problem := DecodeEvent(payload)
	sum, err := h.round(ctx, ev, problem, payload)
	if err != nil {
		return nil, err
	}
	// As aws-lambda-go encodes a handler's result: no HTML escaping, no newline.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(sum); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// round runs one round: the control probe, then every area, then one log
// line per result, then the datums to the home region. It returns an error
// only when datums reached neither CloudWatch nor the EMF fallback: a failed
// publish that fell back is logged, not returned, because Lambda would retry
// the event and the round's flags would be counted twice.
//
// problem is what DecodeEvent found wrong with payload, which the warning
// then echoes; it and the event's time make one warning at most per invocation.
func (h *Handler) round(ctx context.Context, ev ScheduleEvent, problem string, payload []byte) (Summary, error) {
	start := time.Now()
	roundTime, timeProblem := RoundTime(ev.Time, h.now())
	round := roundTime.Format(time.RFC3339)
	if problem != "" || timeProblem != "" {
		attrs := []slog.Attr{slog.String("problem", cmp.Or(problem, timeProblem))}
		if ev.Time != "" {
			attrs = append(attrs, slog.String("time", ev.Time))
		}
		if problem != "" {
			attrs = append(attrs, slog.String("payload", logline.Excerpt(payload)), slog.Int("payload_bytes", len(payload)))
		}
		attrs = append(attrs, slog.String("round", round), slog.String("location", h.label))
		h.log.LogAttrs(ctx, slog.LevelWarn, "event time", attrs...)
	}

	roundCtx, cancel := h.roundContext(ctx)
	rd := h.prober.Round(roundCtx, h.cfg, h.region, h.areas)
	cutShort := roundCtx.Err() != nil
	cancel()
	probed := time.Since(start)

	sum := Summary{Round: round, Location: h.label, Abstained: rd.Abstained, Areas: len(rd.Results)}
	if rd.Abstained && rd.Control != nil {
		h.logResult(ctx, round, rd.Control)
	}
	for i := range rd.Results {
		res := &rd.Results[i]
		switch res.Verdict {
		case probe.Up:
			sum.Up++
		case probe.Down:
			sum.Down++
		case probe.Slow:
			sum.Slow++
		case probe.Abstain:
			sum.Abstain++
		}
		h.logResult(ctx, round, res)
	}

	datums := metrics.Datums(h.cfg, h.label, roundTime, rd)
	pubCtx, cancelPub := h.publishContext(ctx)
	pubStart := time.Now()
	rep, err := h.pub.Publish(pubCtx, datums)
	cancelPub()
	sum.Datums, sum.Published, sum.EMF = rep.Datums, rep.Published, rep.Fallback

	attrs := []slog.Attr{
		slog.String("app", h.cfg.App), slog.String("location", h.label), slog.String("region", h.region),
		slog.String("home_region", h.home), slog.String("round", round), slog.Bool("abstained", rd.Abstained),
		slog.Int("areas", sum.Areas), slog.Int("up", sum.Up), slog.Int("down", sum.Down), slog.Int("slow", sum.Slow),
		slog.Int("abstain", sum.Abstain), slog.Int("datums", rep.Datums), slog.Int("batches", rep.Batches),
		slog.Int("published", rep.Published), slog.Int("emf", rep.Fallback),
		slog.Float64("probe_ms", probe.Millis(probed)), slog.Float64("publish_ms", probe.Millis(time.Since(pubStart))),
	}
	if rd.Control != nil {
		attrs = append(attrs, slog.String("control", string(rd.Control.Verdict)), slog.Float64("control_ms", probe.Millis(rd.Control.Phases.Total)))
	}
	if ev.Execution != "" {
		attrs = append(attrs, slog.String("execution", ev.Execution))
	} else if ev.ID != "" {
		attrs = append(attrs, slog.String("event_id", ev.ID))
	}
	level := slog.LevelInfo
	if cutShort {
		// Areas not finished in time abstain (class not_probed): nothing is
		// said about them this minute. A function timeout too short for the
		// checks file shows here, not as false failures.
		attrs = append(attrs, slog.Bool("cut_short", true))
		level = slog.LevelWarn
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
		level = slog.LevelError
	}
	h.log.LogAttrs(ctx, level, "round", attrs...)
	return sum, err
}

// roundContext leaves time before the function's deadline for publishing
// (the publisher's budget, at most a third of what remains) and the fallback.
func (h *Handler) roundContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	reserve := min(h.pub.Budget()+emfReserve, time.Until(deadline)/3)
	return context.WithDeadline(ctx, deadline.Add(-reserve))
}

// publishContext stops publishing early enough to write the fallback.
func (h *Handler) publishContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, deadline.Add(-min(emfReserve, time.Until(deadline)/4)))
}

// logResult writes the one line of a result. Its keys are stable: Logs
// Insights queries and the docs (docs/probe-function.md) rely on them. The
// message was redacted by the prober; it is redacted again here, where it
// leaves the process, so no resolved secret can reach the logs.
func (h *Handler) logResult(ctx context.Context, round string, res *probe.Result) {
	level := slog.LevelInfo
	if res.Verdict != probe.Up {
		level = slog.LevelWarn
	}
	ph := res.Phases
	h.log.LogAttrs(ctx, level, "result",
		slog.String("app", h.cfg.App),
		slog.String("area", res.Area),
		slog.String("location", h.label),
		slog.String("region", h.region),
		slog.String("verdict", string(res.Verdict)),
		slog.String("class", string(res.Class)),
		slog.Int("status", res.Status),
		slog.String("message", h.cfg.Redact(res.Message)),
		slog.Float64("dns_ms", probe.Millis(ph.DNS)),
		slog.Float64("connect_ms", probe.Millis(ph.Connect)),
		slog.Float64("tls_ms", probe.Millis(ph.TLS)),
		slog.Float64("ttfb_ms", probe.Millis(ph.TTFB)),
		slog.Float64("transfer_ms", probe.Millis(ph.Transfer)),
		slog.Float64("total_ms", probe.Millis(ph.Total)),
		slog.Float64("slow_ms", probe.Millis(res.Slow)),
		slog.String("round", round),
		slog.Int("steps", len(res.Steps)),
	)
}
