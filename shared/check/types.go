// Package check owns the checks file: its types, loading, defaults and
// validation. It knows nothing of AWS or of how areas are probed; it only
// says what is to be watched and how alarms should count.
package check

import "time"

// Config is one checks file: the application and every functional area of it.
type Config struct {
	// App names the application; it becomes part of the metric namespace and alarm names.
	App string `yaml:"app" jsonschema:"required,description=Application name: letters digits and hyphens; part of the metric namespace and alarm names"`
	// HomeRegion is where every location publishes its metrics and where the alarms live.
	HomeRegion string `yaml:"home_region,omitempty" jsonschema:"description=AWS region that holds metrics and alarms (default us-east-1)"`
	// Locations maps AWS region -> human label (e.g. eu-west-2: London).
	Locations map[string]string `yaml:"locations,omitempty" jsonschema:"description=AWS region to location label; default New York/London/Mumbai/Sydney"`
	// Control tells a location's own network trouble from the application being down.
	Control *Control `yaml:"control,omitempty" jsonschema:"description=Control probe run before every round; when it fails the location abstains"`
	// Defaults apply to every area and step that does not set its own value.
	Defaults Defaults `yaml:"defaults,omitempty"`
	// Alerting is the rule every area's alarms follow.
	Alerting Alerting `yaml:"alerting,omitempty"`
	// Metrics chooses optional metrics beyond the ones the alarms need.
	Metrics MetricsOptions `yaml:"metrics,omitempty"`
	// Areas are the functional areas of the application.
	Areas []Area `yaml:"areas" jsonschema:"required,minItems=1"`
	// Maintenance lists the planned windows during which alarms of the app,
	// or of some of its areas, notify nobody.
	Maintenance []Maintenance `yaml:"maintenance,omitempty" jsonschema:"maxItems=100,description=Maintenance windows: one-off (start and end) or recurring (cron or every with duration and time_zone)"`

	// File is the path the config was loaded from (for messages).
	File string `yaml:"-" json:"-"`
	// redactor hides every resolved secret value, in every form.
	redactor Redactor
	// urls holds each URL's template as validation parsed it, keyed by the
	// URL as written: read-only after loading, so probes build URLs from it.
	urls map[string]*urlTemplate
	// resolved remembers each reference's value across Resolve* calls, so
	// resolving area by area fetches a shared secret once.
	resolved map[Ref]string
	// lines maps a field path to its line in File.
	lines map[string]int
	// regions is the order the locations were written in.
	regions []string
}

// Control is the probe that tells whether this location's own network works.
type Control struct {
	// URL is probed from every location that has no entry in Locations.
	URL string `yaml:"url,omitempty" jsonschema:"format=uri,description=Control URL used by every location without its own"`
	// Locations overrides URL per region.
	Locations map[string]string `yaml:"locations,omitempty" jsonschema:"description=Control URL per region"`
	// Timeout bounds the control probe (default: defaults.timeout).
	Timeout Duration `yaml:"timeout,omitempty"`
}

// Defaults hold the values areas and steps inherit.
type Defaults struct {
	Timeout      Duration `yaml:"timeout,omitempty" jsonschema:"description=Hard limit for one area's probe across all its steps (default 10s)"`
	Slow         Duration `yaml:"slow,omitempty" jsonschema:"description=An area slower than this is slow (default 2s)"`
	BodyLimit    Size     `yaml:"body_limit,omitempty" jsonschema:"description=Largest response body read (default 1MiB)"`
	MaxRedirects *int     `yaml:"max_redirects,omitempty" jsonschema:"minimum=0,maximum=20,description=Redirects followed per step (default 5; 0 = do not follow)"`
	Severity     Severity `yaml:"severity,omitempty" jsonschema:"description=Default severity of areas (default critical)"`
	Concurrency  int      `yaml:"concurrency,omitempty" jsonschema:"minimum=1,maximum=1000,description=How many areas are probed at once (default 32)"`
	UserAgent    string   `yaml:"user_agent,omitempty" jsonschema:"description=User-Agent header sent by every request (default Lookout/1)"`
}

// Alerting is the rule that turns per-location results into alarms.
type Alerting struct {
	// Quorum is how many locations must agree before an area is down or slow.
	Quorum int `yaml:"quorum,omitempty" jsonschema:"minimum=1,description=Locations that must agree (default 2)"`
	// Down is M of N minutes for the Down alarm.
	Down *MofN `yaml:"down,omitempty" jsonschema:"description=M of N minutes for the Down alarm (default 2 of 3)"`
	// Slow is M of N minutes for the Slow alarm.
	Slow *MofN `yaml:"slow,omitempty" jsonschema:"description=M of N minutes for the Slow alarm (default 3 of 5)"`
	// SilentAfter is how many minutes without a heartbeat make a location silent.
	SilentAfter int `yaml:"silent_after,omitempty" jsonschema:"minimum=1,maximum=60,description=Minutes without a heartbeat before a location is silent (default 5)"`
	// Incidents paces the messages of an incident (one outage of the app).
	Incidents Incidents `yaml:"incidents,omitempty" jsonschema:"description=How the notifier paces the messages of one incident"`
}

// Incidents is the incident policy the notifier follows. After Load every
// field is set (defaults.go); they are pointers so that a written 0, which
// turns a setting off, stays apart from an unset value.
type Incidents struct {
	// Settle is how long every alarm of an incident must stay OK before it
	// resolves, so a member that flaps does not close and reopen it.
	Settle *Interval `yaml:"settle,omitempty" jsonschema:"description=How long all alarms of an incident stay OK before it resolves: 0 to 30m (default 2m; 0 = at once)"`
	// UpdateEvery is the least time between two updates of an incident
	// (email and pager); changes in between are batched into the next one.
	UpdateEvery *Duration `yaml:"update_every,omitempty" jsonschema:"description=Least time between two updates of one incident (email and pager): 1m to 60m (default 5m)"`
	// RemindEvery is how often an email reminds that an incident is still
	// open; 0 sends no reminders.
	RemindEvery *Interval `yaml:"remind_every,omitempty" jsonschema:"description=Reminder email while an incident stays open: 0 (off) or 10m to 24h (default 60m)"`
	// SMSPerHour caps the SMS that incidents opening send in an hour,
	// across incidents (each one's resolve SMS answers it); 0 sends none.
	SMSPerHour *int `yaml:"sms_per_hour,omitempty" jsonschema:"minimum=0,maximum=60,description=Most SMS for incidents opening in one hour across incidents: 0 to 60 (default 6; 0 = no SMS)"`
}

// Maintenance is one maintenance window of the checks file: a reason, the
// areas it covers (none: the whole app) and exactly one schedule, one-off
// (Start and End) or recurring (Cron or Every, with Duration and TimeZone).
// Package maintenance turns it into occurrences.
type Maintenance struct {
	// ID names the window in messages, the ledger and the dashboard.
	ID string `yaml:"id" jsonschema:"required,description=Letters and digits; unique among the windows"`
	// Reason says why, in one line, to whoever would have been told.
	Reason string `yaml:"reason" jsonschema:"required,maxLength=200,description=Why: one line shown in messages and on the dashboard"`
	// Areas are ids of areas of the file; none means the whole app, the
	// locations' silent alarms included.
	Areas []string `yaml:"areas,omitempty" jsonschema:"minItems=1,description=Area ids the window covers (default: the whole app)"`
	// Start and End bound a one-off window: RFC 3339 with an offset, or a
	// local time read in TimeZone.
	Start string `yaml:"start,omitempty" jsonschema:"oneof_required=one-off,description=One-off window's start: 2026-12-06T02:00:00Z or 2026-12-06T02:00+01:00 or a local 2026-12-06T02:00 with time_zone"`
	End   string `yaml:"end,omitempty" jsonschema:"oneof_required=one-off,description=One-off window's end (after start; at most 7 days later)"`
	// Cron starts a recurring window: five fields (minute hour day-of-month
	// month day-of-week) or a descriptor such as @weekly, in TimeZone.
	Cron string `yaml:"cron,omitempty" jsonschema:"oneof_required=cron,maxLength=100,description=Recurring window's starts: 5-field cron (30 1 * * 0) or @daily/@weekly/@monthly/@yearly; in time_zone"`
	// Every starts a recurring window on some days of the week at one time.
	Every *Every `yaml:"every,omitempty" jsonschema:"oneof_required=every,description=Recurring window's starts: days of the week at a time of day; in time_zone"`
	// Duration is how long each occurrence of a recurring window lasts.
	Duration Duration `yaml:"duration,omitempty" jsonschema:"oneof_required=cron,oneof_required=every,description=How long each occurrence lasts: 1m to 7 days (168h) and shorter than the time between two starts"`
	// TimeZone is an IANA time zone name (Europe/London). Recurring windows
	// start on its wall clock; a one-off needs it only for local times.
	TimeZone string `yaml:"time_zone,omitempty" jsonschema:"oneof_required=cron,oneof_required=every,maxLength=64,description=IANA time zone such as Europe/London or America/New_York or UTC"`

	// schedule is what validation read from the fields above.
	schedule *Schedule
}

// Every is the weekday form of a recurring window's starts.
type Every struct {
	// Days are days of the week: mon..sun or full names, in any case.
	Days []string `yaml:"days" jsonschema:"required,minItems=1,maxItems=7,description=Days of the week: mon tue wed thu fri sat sun or full names"`
	// At is the time of day, HH:MM on a 24-hour clock.
	At string `yaml:"at" jsonschema:"required,description=Time of day the window starts: HH:MM (24-hour)"`
}

// MetricsOptions turns on optional metrics. They cost $0.30 per metric-month each.
type MetricsOptions struct {
	// Phases publishes DNS, connect, TLS, TTFB and transfer times per area and
	// location (5 more metrics per area and location). They are always in the logs.
	Phases bool `yaml:"phases,omitempty" jsonschema:"description=Publish phase timings as metrics (5 per area and location; default false: they are in the logs)"`
}

// MofN says an alarm fires when M of the last N minutes breach.
type MofN struct {
	M int `yaml:"m" jsonschema:"required,minimum=1,description=Breaching minutes"`
	N int `yaml:"n" jsonschema:"required,minimum=1,maximum=60,description=Out of this many minutes"`
}

// Area is one functional area of the application.
type Area struct {
	// ID is letters and digits only: it becomes part of CloudFormation names.
	ID string `yaml:"id" jsonschema:"required,description=Letters and digits; part of alarm and resource names"`
	// Name is what people read.
	Name     string   `yaml:"name,omitempty" jsonschema:"description=Display name (default: the id)"`
	Severity Severity `yaml:"severity,omitempty"`
	Runbook  string   `yaml:"runbook,omitempty" jsonschema:"format=uri,description=Runbook URL put into every alert"`
	Timeout  Duration `yaml:"timeout,omitempty" jsonschema:"description=Hard limit for all steps of this area (default defaults.timeout)"`
	Slow     Duration `yaml:"slow,omitempty" jsonschema:"description=Slow threshold for the whole area (default defaults.slow)"`
	// TLS applies to every step of the area; a step's own tls block overrides it.
	TLS *TLS `yaml:"tls,omitempty" jsonschema:"description=Private CA and client certificate (mutual TLS) and server name for every step of the area"`
	// Request is the single request of a one-step area.
	Request *Step `yaml:"request,omitempty" jsonschema:"oneof_required=request"`
	// Steps is the sequence of a multi-step area (e.g. sign in, keep the token, call the API).
	Steps []Step `yaml:"steps,omitempty" jsonschema:"oneof_required=steps,maxItems=10"`
}

// Step is one HTTP request and what its response must look like.
type Step struct {
	Name         string            `yaml:"name,omitempty" jsonschema:"description=Step name used in messages (default: step N)"`
	Method       string            `yaml:"method,omitempty" jsonschema:"enum=GET,enum=HEAD,enum=POST,enum=PUT,enum=PATCH,enum=DELETE,enum=OPTIONS,description=HTTP method (default GET)"`
	URL          string            `yaml:"url" jsonschema:"required,description=http(s) URL; may hold ${env:X} ${ssm:/p} ${secret:n} and ${var:name} references"`
	Headers      map[string]string `yaml:"headers,omitempty"`
	Body         string            `yaml:"body,omitempty"`
	Status       StatusSet         `yaml:"status,omitempty" jsonschema:"description=Expected status: a code or a class like 2xx or a list of them (default 2xx)"`
	MaxRedirects *int              `yaml:"max_redirects,omitempty" jsonschema:"minimum=0,maximum=20"`
	Assert       []Assertion       `yaml:"assert,omitempty"`
	// Capture keeps values from this response for later steps as ${var:name}.
	Capture map[string]Capture `yaml:"capture,omitempty"`
	// TLS overrides the area's tls block for this step (see TLS).
	TLS *TLS `yaml:"tls,omitempty" jsonschema:"description=This step's tls settings over the area's: the trust (ca_file and ca) and the identity (client_cert and client_key) and server_name each replace the area's"`
}

// Assertion is one condition on a response. Exactly one kind is set.
type Assertion struct {
	BodyContains    string `yaml:"body_contains,omitempty" jsonschema:"oneof_required=body_contains"`
	BodyNotContains string `yaml:"body_not_contains,omitempty" jsonschema:"oneof_required=body_not_contains"`
	BodyRegex       string `yaml:"body_regex,omitempty" jsonschema:"oneof_required=body_regex"`
	// JSONPath is an RFC 9535 JSONPath; with Equals the first match must equal it,
	// with Exists it must (or must not) match something.
	JSONPath string `yaml:"json_path,omitempty" jsonschema:"oneof_required=json_path"`
	Equals   any    `yaml:"equals,omitempty"`
	Exists   *bool  `yaml:"exists,omitempty"`
	// Header with Matches: the header's value must match the regular expression.
	Header  string `yaml:"header,omitempty" jsonschema:"oneof_required=header"`
	Matches string `yaml:"matches,omitempty"`
	// TLSDaysLeft: the server certificate must be valid for at least this many days.
	TLSDaysLeft int `yaml:"tls_days_left,omitempty" jsonschema:"oneof_required=tls_days_left,minimum=1"`
	// MaxLatency: this step must complete within this time (else the area is down).
	MaxLatency Duration `yaml:"max_latency,omitempty" jsonschema:"oneof_required=max_latency"`
}

// TLS says whom a step's https requests trust besides the system roots, and
// how they identify themselves (mutual TLS). A step's block overrides its
// area's in three parts, each whole: the trust (ca_file and ca), the
// identity (client_cert and client_key) and server_name. The trust and the
// identity apply along redirects; server_name only to the step's own host.
type TLS struct {
	// CAFile is a PEM bundle of CA certificates, relative to the checks file's
	// directory; the build bundles it beside the checks file.
	CAFile string `yaml:"ca_file,omitempty" jsonschema:"description=PEM file of CA certificates trusted besides the system roots: a path relative to the checks file's directory (bundled with the functions)"`
	// CA is PEM CA certificates, inline or from a reference (a CA is not secret).
	CA string `yaml:"ca,omitempty" jsonschema:"description=PEM CA certificates trusted besides the system roots: inline or a reference"`
	// ClientCert is the client certificate (and its chain) as PEM, inline or a reference.
	ClientCert string `yaml:"client_cert,omitempty" jsonschema:"description=PEM client certificate (and chain) for mutual TLS: inline or a reference"`
	// ClientKey is ClientCert's private key as PEM: always a reference.
	ClientKey string `yaml:"client_key,omitempty" jsonschema:"description=PEM private key of client_cert: a reference such as ${secret:name#key} or ${ssm:/path}; never a literal"`
	// ServerName replaces the URL's host as the TLS server name (SNI) and the
	// name the certificate must be valid for.
	ServerName string `yaml:"server_name,omitempty" jsonschema:"description=TLS server name (SNI) and name the server certificate is verified against instead of the URL's host"`

	// caFilePEM is CAFile's content, read when the checks file is loaded.
	caFilePEM string
}

// Capture takes a value from a response. Exactly one source is set.
type Capture struct {
	JSONPath string `yaml:"json_path,omitempty" jsonschema:"oneof_required=json_path"`
	Header   string `yaml:"header,omitempty" jsonschema:"oneof_required=header"`
	// Regex captures its first group (or the whole match) from the body.
	Regex string `yaml:"regex,omitempty" jsonschema:"oneof_required=regex"`
}

// Severity says who is woken: critical pages, warning does not.
type Severity string

// Severities.
const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
)

// Rank orders severities: critical (2) above warning (1) above anything
// else (0), so the highest of several is the one with the largest rank.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 2
	case Warning:
		return 1
	}
	return 0
}

// Built-in defaults, applied in one place (applyDefaults).
var (
	DefaultHomeRegion   = "us-east-1"
	DefaultTimeout      = 10 * time.Second
	DefaultSlow         = 2 * time.Second
	DefaultBodyLimit    = Size(1 << 20)
	DefaultMaxRedirects = 5
	DefaultConcurrency  = 32
	DefaultSeverity     = Critical
	DefaultUserAgent    = "Lookout/1 (+synthetic monitoring)"
	DefaultQuorum       = 2
	DefaultDown         = MofN{M: 2, N: 3}
	DefaultSlowRule     = MofN{M: 3, N: 5}
	DefaultSilentAfter  = 5
	// The incident policy's defaults (alerting.incidents).
	DefaultSettle      = 2 * time.Minute
	DefaultUpdateEvery = 5 * time.Minute
	DefaultRemindEvery = 60 * time.Minute
	DefaultSMSPerHour  = 6
	// DefaultControlTimeout caps the control probe: it must leave time for the round.
	DefaultControlTimeout = 5 * time.Second
	// defaultRegions is the order of DefaultLocations: west to east.
	defaultRegions = []string{"us-east-1", "eu-west-2", "ap-south-1", "ap-southeast-2"}
	// DefaultLocations are the four places Lookout watches from.
	DefaultLocations = map[string]string{
		"us-east-1":      "New York",
		"eu-west-2":      "London",
		"ap-south-1":     "Mumbai",
		"ap-southeast-2": "Sydney",
	}
)
