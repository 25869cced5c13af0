package check

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/theory/jsonpath"
)

var (
	appPattern    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,31}$`)
	areaPattern   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,63}$`)
	regionPattern = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$`)
	labelPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 .'()-]{0,31}$`)
	headerPattern = regexp.MustCompile("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$")
	methods       = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true}
	// credentialHeaders must never carry a literal value: secrets are references.
	credentialHeaders = map[string]bool{"authorization": true, "proxy-authorization": true, "cookie": true,
		"x-api-key": true, "api-key": true, "x-auth-token": true}
)

// MaxBodyLimit bounds defaults.body_limit.
const MaxBodyLimit Size = 64 << 20

// MaxTimeout bounds an area's probe: a round runs every minute and must finish inside it.
const MaxTimeout = 50 * time.Second

// validator collects every problem of an already decoded and defaulted config.
type validator struct {
	c    *Config
	errs Errors
}

func (v *validator) add(path string, kind error, format string, args ...any) {
	v.errs = append(v.errs, v.c.fieldError(path, newProblem(kind, format, args...)))
}

// fieldError places err at path: this file, the path's line.
func (c *Config) fieldError(path string, err error) *FieldError {
	return &FieldError{File: c.File, Line: c.lineOf(path), Field: path, Err: err}
}

// lineOf returns the line of path, or of its nearest ancestor that was in the file.
func (c *Config) lineOf(path string) int {
	for p := path; p != ""; {
		if l, ok := c.lines[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return c.lines[""]
}

func (c *Config) validate() Errors {
	v := &validator{c: c}
	if c.App == "" {
		v.add("app", ErrRequired, "give the application's name")
	} else if !appPattern.MatchString(c.App) {
		v.add("app", ErrInvalid, "%q: use a letter then letters, digits or hyphens (at most 32)", c.App)
	}
	if !regionPattern.MatchString(c.HomeRegion) {
		v.add("home_region", ErrInvalid, "%q is not an AWS region name (e.g. us-east-1)", c.HomeRegion)
	}
	labels := map[string]string{}
	for _, region := range sortedKeys(c.Locations) {
		label := c.Locations[region]
		p := "locations." + region
		if !regionPattern.MatchString(region) {
			v.add(p, ErrInvalid, "%q is not an AWS region name (e.g. eu-west-2)", region)
		}
		if !labelPattern.MatchString(label) {
			v.add(p, ErrInvalid, "label %q: use letters, digits, spaces and . ' ( ) - (at most 32)", label)
		} else if other, dup := labels[strings.ToLower(label)]; dup {
			v.add(p, ErrDuplicate, "label %q is also used by %s", label, other)
		}
		labels[strings.ToLower(label)] = region
	}
	v.control()
	v.defaults()
	v.alerting()
	if len(c.Areas) == 0 {
		v.add("areas", ErrRequired, "declare at least one area")
	}
	ids := map[string]int{}
	for i := range c.Areas {
		v.area(i, ids)
	}
	v.maintenance()
	v.tls()
	v.memory()
	return v.errs
}

func (v *validator) control() {
	ctl := v.c.Control
	if ctl == nil {
		return
	}
	if ctl.URL == "" && len(ctl.Locations) == 0 {
		v.add("control", ErrRequired, "give url, or a url per location")
	}
	if ctl.URL != "" {
		v.url("control.url", ctl.URL, nil)
	}
	for _, region := range sortedKeys(ctl.Locations) {
		p := "control.locations." + region
		if _, ok := v.c.Locations[region]; !ok {
			v.add(p, ErrInvalid, "%s is not one of the locations", region)
		}
		v.url(p, ctl.Locations[region], nil)
	}
	if ctl.Timeout.D() > MaxTimeout {
		v.add("control.timeout", ErrInvalid, "%s is above the %s limit", ctl.Timeout, MaxTimeout)
	}
}

func (v *validator) defaults() {
	d := v.c.Defaults
	if d.Timeout.D() > MaxTimeout {
		v.add("defaults.timeout", ErrInvalid, "%s is above the %s limit (a round runs every minute)", d.Timeout, MaxTimeout)
	}
	if *d.MaxRedirects < 0 || *d.MaxRedirects > 20 {
		v.add("defaults.max_redirects", ErrInvalid, "%d: use 0 to 20", *d.MaxRedirects)
	}
	if d.Concurrency < 1 || d.Concurrency > 1000 {
		v.add("defaults.concurrency", ErrInvalid, "%d: use 1 to 1000", d.Concurrency)
	}
	if d.BodyLimit > MaxBodyLimit {
		v.add("defaults.body_limit", ErrInvalid, "%s is above the %s limit", d.BodyLimit, MaxBodyLimit)
	}
}

func (v *validator) alerting() {
	a := v.c.Alerting
	if n := len(v.c.Locations); a.Quorum < 1 || a.Quorum > n {
		v.add("alerting.quorum", ErrInvalid, "%d: use 1 to %d (the number of locations)", a.Quorum, n)
	}
	for name, r := range map[string]*MofN{"alerting.down": a.Down, "alerting.slow": a.Slow} {
		if r.N < 1 || r.N > 60 {
			v.add(name+".n", ErrInvalid, "%d: use 1 to 60 minutes", r.N)
		}
		if r.M < 1 || r.M > r.N {
			v.add(name+".m", ErrInvalid, "%d: use 1 to n (%d)", r.M, r.N)
		}
	}
	if a.SilentAfter < 1 || a.SilentAfter > 60 {
		v.add("alerting.silent_after", ErrInvalid, "%d: use 1 to 60 minutes", a.SilentAfter)
	}
	in := a.Incidents
	if d := in.Settle.D(); d > 30*time.Minute {
		v.add("alerting.incidents.settle", ErrInvalid, "%s: use 0 to 30m", FormatDuration(d))
	}
	if d := in.UpdateEvery.D(); d < time.Minute || d > time.Hour {
		v.add("alerting.incidents.update_every", ErrInvalid, "%s: use 1m to 60m", FormatDuration(d))
	}
	if d := in.RemindEvery.D(); d != 0 && (d < 10*time.Minute || d > 24*time.Hour) {
		v.add("alerting.incidents.remind_every", ErrInvalid, "%s: use 10m to 24h, or 0 for no reminders", FormatDuration(d))
	}
	if n := *in.SMSPerHour; n < 0 || n > 60 {
		v.add("alerting.incidents.sms_per_hour", ErrInvalid, "%d: use 0 to 60 (0 sends no SMS)", n)
	}
}

func (v *validator) area(i int, ids map[string]int) {
	a := &v.c.Areas[i]
	p := fmt.Sprintf("areas[%d]", i)
	v.id("areas", i, a.ID, ids, "the area", "; it becomes part of alarm names")
	if len(a.Name) > 100 {
		v.add(p+".name", ErrInvalid, "longer than 100 characters")
	}
	if a.Runbook != "" {
		if u, err := url.Parse(a.Runbook); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			v.add(p+".runbook", ErrInvalid, "%q is not an http(s) URL", a.Runbook)
		}
	}
	if a.Timeout.D() > MaxTimeout {
		v.add(p+".timeout", ErrInvalid, "%s is above the %s limit (a round runs every minute)", a.Timeout, MaxTimeout)
	}
	if a.Slow >= a.Timeout {
		v.add(p+".slow", ErrConflict, "slow threshold %s must be below the timeout %s, or the area can never be slow", a.Slow, a.Timeout)
	}
	switch {
	case a.Request != nil && len(a.Steps) > 0:
		v.add(p+".steps", ErrConflict, "give request or steps, not both")
	case a.Request == nil && len(a.Steps) == 0:
		v.add(p, ErrRequired, "give a request, or a list of steps")
	case len(a.Steps) > 10:
		v.add(p+".steps", ErrInvalid, "%d steps: at most 10", len(a.Steps))
	}
	captured := map[string]bool{}
	if a.Request != nil {
		v.step(p+".request", a.Request, captured)
	}
	for j := range a.Steps {
		v.step(fmt.Sprintf("%s.steps[%d]", p, j), &a.Steps[j], captured)
	}
}

// id checks the id of list[i]: letters and digits, unique in the list in
// any case (ids holds those seen, lower-cased, with their index).
func (v *validator) id(list string, i int, id string, ids map[string]int, what, why string) {
	p := fmt.Sprintf("%s[%d].id", list, i)
	switch {
	case id == "":
		v.add(p, ErrRequired, "give %s an id (letters and digits)", what)
	case !areaPattern.MatchString(id):
		v.add(p, ErrInvalid, "%q: letters and digits only, starting with a letter (at most 64)%s", id, why)
	default:
		if j, dup := ids[strings.ToLower(id)]; dup {
			v.add(p, ErrDuplicate, "%q is already the id of %s[%d]", id, list, j)
		} else {
			ids[strings.ToLower(id)] = i
		}
	}
}

func (v *validator) step(p string, st *Step, captured map[string]bool) {
	if st.URL == "" {
		v.add(p+".url", ErrRequired, "give the URL to request")
	} else {
		v.url(p+".url", st.URL, captured)
	}
	if !methods[st.Method] {
		v.add(p+".method", ErrInvalid, "%q is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS", st.Method)
	}
	if *st.MaxRedirects < 0 || *st.MaxRedirects > 20 {
		v.add(p+".max_redirects", ErrInvalid, "%d: use 0 to 20", *st.MaxRedirects)
	}
	if st.Body != "" {
		v.refs(p+".body", st.Body, captured)
		if st.Method == "GET" || st.Method == "HEAD" {
			v.add(p+".body", ErrConflict, "a %s request has no body; set method", st.Method)
		}
	}
	v.headerCase(p, st.Headers)
	for _, k := range sortedKeys(st.Headers) {
		hp := p + ".headers." + k
		val := st.Headers[k]
		if !headerPattern.MatchString(k) {
			v.add(hp, ErrInvalid, "%q is not a valid header name", k)
		}
		if strings.ContainsAny(val, "\r\n") {
			v.add(hp, ErrInvalid, "value has a line break")
		}
		v.refs(hp, val, captured)
		if credentialHeaders[strings.ToLower(k)] && len(FindRefs(val)) == 0 {
			v.add(hp, ErrLiteralCred, "credentials must be a reference (${env:NAME}, ${ssm:/path}, ${secret:name}) or a captured ${var:name}, never a literal")
		}
	}
	for k, a := range st.Assert {
		v.assertion(fmt.Sprintf("%s.assert[%d]", p, k), &a, st.URL)
	}
	// Captures are visible to later steps only, so check them after this step's own references.
	for _, name := range sortedKeys(st.Capture) {
		cp := p + ".capture." + name
		c := st.Capture[name]
		if !varNamePattern.MatchString(name) {
			v.add(cp, ErrInvalid, "%q: a variable name is letters, digits and _", name)
		}
		n := 0
		if c.JSONPath != "" {
			n++
			v.jsonPath(cp+".json_path", c.JSONPath)
		}
		if c.Header != "" {
			n++
			if !headerPattern.MatchString(c.Header) {
				v.add(cp+".header", ErrInvalid, "%q is not a valid header name", c.Header)
			}
		}
		if c.Regex != "" {
			n++
			v.regex(cp+".regex", c.Regex)
		}
		if n != 1 {
			v.add(cp, ErrConflict, "give exactly one of json_path, header, regex")
		}
		captured[name] = true
	}
}

func (v *validator) assertion(p string, a *Assertion, stepURL string) {
	kinds := []string{}
	if a.BodyContains != "" {
		kinds = append(kinds, "body_contains")
	}
	if a.BodyNotContains != "" {
		kinds = append(kinds, "body_not_contains")
	}
	if a.BodyRegex != "" {
		kinds = append(kinds, "body_regex")
		v.regex(p+".body_regex", a.BodyRegex)
	}
	if a.JSONPath != "" {
		kinds = append(kinds, "json_path")
		v.jsonPath(p+".json_path", a.JSONPath)
		if a.Equals != nil && a.Exists != nil {
			v.add(p, ErrConflict, "give equals or exists, not both")
		}
	} else if a.Equals != nil || a.Exists != nil {
		v.add(p, ErrConflict, "equals and exists go with json_path")
	}
	if a.Header != "" {
		kinds = append(kinds, "header")
		if !headerPattern.MatchString(a.Header) {
			v.add(p+".header", ErrInvalid, "%q is not a valid header name", a.Header)
		}
		if a.Matches != "" {
			v.regex(p+".matches", a.Matches)
		}
	} else if a.Matches != "" {
		v.add(p+".matches", ErrConflict, "matches goes with header")
	}
	if a.TLSDaysLeft != 0 {
		kinds = append(kinds, "tls_days_left")
		if a.TLSDaysLeft < 1 {
			v.add(p+".tls_days_left", ErrInvalid, "%d: use a positive number of days", a.TLSDaysLeft)
		}
		if strings.HasPrefix(stepURL, "http://") {
			v.add(p+".tls_days_left", ErrConflict, "the step's URL is not https")
		}
	}
	if a.MaxLatency != 0 {
		kinds = append(kinds, "max_latency")
	}
	switch len(kinds) {
	case 0:
		if a.Equals != nil || a.Exists != nil || a.Matches != "" {
			return // already said: they need json_path or header
		}
		v.add(p, ErrRequired, "give one of body_contains, body_not_contains, body_regex, json_path, header, tls_days_left, max_latency")
	case 1:
	default:
		v.add(p, ErrConflict, "one assertion per list item, got %s", strings.Join(kinds, " and "))
	}
}

func (v *validator) regex(p, expr string) {
	if _, err := regexp.Compile(expr); err != nil {
		v.add(p, ErrInvalid, "bad regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
}

func (v *validator) jsonPath(p, expr string) {
	if _, err := jsonpath.Parse(expr); err != nil {
		v.add(p, ErrInvalid, "bad JSONPath %q: %s", expr, strings.TrimPrefix(err.Error(), "jsonpath: "))
	}
}

// refs checks every ${...} reference; var references must be captured by an earlier step.
func (v *validator) refs(p, s string, captured map[string]bool) {
	for _, r := range FindRefs(s) {
		if err := checkRef(r); err != nil {
			v.errs = append(v.errs, &FieldError{File: v.c.File, Line: v.c.lineOf(p), Field: p, Err: err})
			continue
		}
		if r.Kind == RefVar && !captured[r.Arg] {
			if captured == nil {
				v.add(p, ErrReference, "%s: captured values are not available here", r)
			} else {
				v.add(p, ErrReference, "%s: no earlier step captures %q", r, r.Arg)
			}
		}
	}
}

// url checks an http(s) URL that may hold references.
func (v *validator) url(p, raw string, captured map[string]bool) {
	v.refs(p, raw, captured)
	if !v.urlRefs(p, raw) {
		return
	}
	// References stand for text we cannot see yet: check the URL with placeholders.
	masked := expand(raw, true, func(Ref) (string, bool) { return "x", true })
	u, err := url.Parse(masked)
	if err != nil {
		v.add(p, ErrInvalid, "%q is not a URL", raw)
		return
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		v.add(p, ErrInvalid, "%q: want an http:// or https:// URL", raw)
		return
	}
	if u.Host == "" {
		v.add(p, ErrInvalid, "%q has no host", raw)
	}
	if u.User != nil {
		if pw, set := u.User.Password(); set && !strings.Contains(raw, "${") && pw != "" {
			v.add(p, ErrLiteralCred, "the URL holds a password: use a reference such as ${env:NAME}")
		}
	}
}
