// Package probe runs HTTP probes of the areas in a checks file and returns
// Results: a verdict, an error class, the status and phase timings. It knows
// nothing of AWS or of where results go; publishing, logging and alerting are
// separate consumers of a Result.
package probe

import "time"

// Verdict is what one probe says about one area from one location.
type Verdict string

// Verdicts.
const (
	Up      Verdict = "up"
	Down    Verdict = "down"
	Slow    Verdict = "slow"
	Abstain Verdict = "abstain" // this location's own network failed its control probe
)

// Class says why a probe failed. Empty when it did not.
type Class string

// Error classes.
const (
	ClassNone          Class = ""
	ClassTimeout       Class = "timeout"
	ClassDNS           Class = "dns"
	ClassRefused       Class = "refused"
	ClassReset         Class = "reset"
	ClassTLSExpired    Class = "tls_expired"
	ClassTLSUntrusted  Class = "tls_untrusted"
	ClassTLSHostname   Class = "tls_hostname"
	ClassTLSExpiring   Class = "tls_expiring" // valid, but fewer days left than asserted
	ClassTLS           Class = "tls"          // any other handshake failure
	ClassHTTPStatus    Class = "http_status"
	ClassAssertion     Class = "assertion"
	ClassBodyTooLarge  Class = "body_too_large"
	ClassRedirectLoop  Class = "redirect_loop"
	ClassCapture       Class = "capture"    // a value a later step needs was not found
	ClassControlFailed Class = "control"    // on abstain results: the control probe failed
	ClassNotProbed     Class = "not_probed" // on abstain results: the round ended (deadline, Ctrl-C) before this area finished
	ClassNotRun        Class = "not_run"    // on abstain results: something the area needs is missing here (a secret), so it was not probed
	ClassOther         Class = "other"
)

// More error classes: a certificate not valid yet, a redirect not followed.
const (
	// ClassTLSNotYetValid: the certificate's validity starts later.
	ClassTLSNotYetValid Class = "tls_not_yet_valid"
	// ClassRedirectRefused: following the redirect would re-send a body
	// holding a secret to another host, or over plain http.
	ClassRedirectRefused Class = "redirect_refused"
)

// Classes lists every class a probe can report, for docs and coverage tests.
var Classes = []Class{
	ClassTimeout, ClassDNS, ClassRefused, ClassReset, ClassTLSExpired, ClassTLSNotYetValid, ClassTLSUntrusted,
	ClassTLSHostname, ClassTLSExpiring, ClassTLS, ClassHTTPStatus, ClassAssertion,
	ClassBodyTooLarge, ClassRedirectLoop, ClassRedirectRefused, ClassCapture, ClassControlFailed, ClassNotProbed, ClassNotRun, ClassOther,
}

// Phases are the durations of one probe, summed over its steps and redirects.
// A phase that never happened (no DNS for an IP literal, no TLS on http) is zero.
type Phases struct {
	DNS      time.Duration `json:"dns"`
	Connect  time.Duration `json:"connect"`
	TLS      time.Duration `json:"tls"`
	TTFB     time.Duration `json:"ttfb"`     // connection ready -> first response byte
	Transfer time.Duration `json:"transfer"` // first byte -> body read
	Total    time.Duration `json:"total"`    // start of the first step -> end of the last
}

// StepResult is the outcome of one step of an area.
type StepResult struct {
	Name      string  `json:"name"`
	URL       string  `json:"url"` // redacted
	Status    int     `json:"status,omitempty"`
	Redirects int     `json:"redirects,omitempty"`
	Phases    Phases  `json:"phases"`
	Class     Class   `json:"class,omitempty"`
	Message   string  `json:"message,omitempty"`
	BodyBytes int64   `json:"body_bytes"`
	CertDays  float64 `json:"cert_days_left,omitempty"` // https only: days until the leaf certificate expires
	// Reused is true if any request of the step went over a reused connection.
	// It never should: every probe dials anew, so DNS, connect and TLS are measured.
	Reused bool `json:"reused,omitempty"`
}

// Result is the outcome of probing one area once.
type Result struct {
	Area    string        `json:"area"`
	Name    string        `json:"name"`
	Verdict Verdict       `json:"verdict"`
	Class   Class         `json:"class,omitempty"`
	Message string        `json:"message,omitempty"` // short, human, redacted
	Status  int           `json:"status,omitempty"`  // of the last step that got a response
	Phases  Phases        `json:"phases"`
	Steps   []StepResult  `json:"steps"`
	Started time.Time     `json:"started"`
	Slow    time.Duration `json:"slow_threshold"`
}

// Millis is a duration in milliseconds with microsecond precision: the unit of
// the Latency metric, the log lines and `lookout run --json`.
func Millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
