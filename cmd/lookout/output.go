package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/probe"
	"github.com/lookout-monitoring/lookout/shared/table"
)

// ms formats a duration as milliseconds with one decimal; "-" for a phase that did not happen.
func ms(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return strconv.FormatFloat(probe.Millis(d), 'f', 1, 64)
}

// writeTable prints one row per area: the readable form of a round.
func writeTable(w io.Writer, cfg *check.Config, r probe.Round) {
	where := "this machine"
	if label, ok := cfg.Locations[r.Location]; ok {
		where = fmt.Sprintf("this machine, as %s (%s)", label, r.Location)
	}
	fmt.Fprintf(w, "%s: %d %s from %s\n", cfg.App, len(r.Results), plural(len(r.Results), "area", "areas"), where)
	if r.Abstained && r.Control != nil {
		fmt.Fprintf(w, "ABSTAIN: control probe failed (%s): %s\n", r.Control.Class, r.Control.Message)
	}
	rows := [][]string{{"AREA", "VERDICT", "STATUS", "DNS ms", "CONNECT ms", "TLS ms", "TTFB ms", "TOTAL ms"}}
	var up, slow, down, abstain, notRun int
	errs := make([]string, 0, len(r.Results))
	for _, res := range r.Results {
		status := "-"
		if res.Status != 0 {
			status = strconv.Itoa(res.Status)
		}
		verdict := string(res.Verdict)
		ph := res.Phases
		switch {
		case res.Class == probe.ClassNotRun:
			verdict = "not run"
			notRun++
		case res.Verdict == probe.Up:
			up++
		case res.Verdict == probe.Slow:
			slow++
		case res.Verdict == probe.Down:
			down++
		case res.Verdict == probe.Abstain:
			abstain++
		}
		rows = append(rows, []string{res.Area, verdict, status,
			ms(ph.DNS), ms(ph.Connect), ms(ph.TLS), ms(ph.TTFB), ms(ph.Total)})
		// A failed control probe is said once, above the table.
		if res.Class != probe.ClassNone && res.Class != probe.ClassControlFailed {
			errs = append(errs, fmt.Sprintf("  %s: %s: %s", res.Area, res.Class, res.Message))
		} else if res.Verdict == probe.Slow {
			msg := res.Message
			if msg == "" {
				msg = fmt.Sprintf("took %s ms, slow above %s", ms(res.Phases.Total), res.Slow)
			}
			errs = append(errs, fmt.Sprintf("  %s: slow: %s", res.Area, msg))
		}
	}
	_ = table.Write(w, "", "llrrrrrr", rows)
	if len(errs) > 0 {
		fmt.Fprintln(w, "\nProblems:")
		for _, e := range errs {
			fmt.Fprintln(w, e)
		}
	}
	fmt.Fprintf(w, "\n%d up, %d slow, %d down", up, slow, down)
	if abstain > 0 {
		fmt.Fprintf(w, ", %d abstain", abstain)
	}
	if notRun > 0 {
		fmt.Fprintf(w, ", %d not run", notRun)
	}
	fmt.Fprintln(w)
}

// jsonResult is one line of `lookout run --json`: times in milliseconds.
type jsonResult struct {
	Area       string     `json:"area"`
	Name       string     `json:"name"`
	Location   string     `json:"location,omitempty"`
	Verdict    string     `json:"verdict"`
	Class      string     `json:"class,omitempty"`
	Status     int        `json:"status,omitempty"`
	Message    string     `json:"message,omitempty"`
	DNSMs      float64    `json:"dns_ms"`
	ConnectMs  float64    `json:"connect_ms"`
	TLSMs      float64    `json:"tls_ms"`
	TTFBMs     float64    `json:"ttfb_ms"`
	TransferMs float64    `json:"transfer_ms"`
	TotalMs    float64    `json:"total_ms"`
	SlowMs     float64    `json:"slow_ms"`
	Steps      []jsonStep `json:"steps,omitempty"`
}

type jsonStep struct {
	Name      string  `json:"name"`
	URL       string  `json:"url"`
	Status    int     `json:"status,omitempty"`
	Class     string  `json:"class,omitempty"`
	Message   string  `json:"message,omitempty"`
	Redirects int     `json:"redirects,omitempty"`
	TotalMs   float64 `json:"total_ms"`
	BodyBytes int64   `json:"body_bytes"`
}

func writeJSON(w io.Writer, r probe.Round) error {
	enc := json.NewEncoder(w)
	for _, res := range r.Results {
		jr := jsonResult{
			Area: res.Area, Name: res.Name, Location: r.Location, Verdict: string(res.Verdict),
			Class: string(res.Class), Status: res.Status, Message: res.Message,
			DNSMs: probe.Millis(res.Phases.DNS), ConnectMs: probe.Millis(res.Phases.Connect), TLSMs: probe.Millis(res.Phases.TLS),
			TTFBMs: probe.Millis(res.Phases.TTFB), TransferMs: probe.Millis(res.Phases.Transfer), TotalMs: probe.Millis(res.Phases.Total),
			SlowMs: probe.Millis(res.Slow),
		}
		for _, s := range res.Steps {
			jr.Steps = append(jr.Steps, jsonStep{Name: s.Name, URL: s.URL, Status: s.Status, Class: string(s.Class),
				Message: s.Message, Redirects: s.Redirects, TotalMs: probe.Millis(s.Phases.Total), BodyBytes: s.BodyBytes})
		}
		if err := enc.Encode(jr); err != nil {
			return err
		}
	}
	return nil
}
