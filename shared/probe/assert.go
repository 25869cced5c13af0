package probe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// check decides whether the final response of a step passes: status, body
// size, then each assertion in order. Captures run last; a capture that finds
// nothing fails the step, since a later step needs the value.
func (r *run) check(st *check.Step, resp *response, sr *StepResult) *failure {
	want := st.Status
	if len(want) == 0 {
		want = check.DefaultStatus
	}
	if !want.Contains(resp.StatusCode) {
		return newFailure(ClassHTTPStatus, nil, "status %d, want %s", resp.StatusCode, want)
	}
	if resp.tooLarge {
		return newFailure(ClassBodyTooLarge, nil, "body larger than %s", check.Size(r.bodyLimit()))
	}
	for i := range st.Assert {
		if f := r.assert(&st.Assert[i], resp, sr); f != nil {
			return f
		}
	}
	names := make([]string, 0, len(st.Capture))
	for name := range st.Capture {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		v, f := r.capture(st.Capture[name], resp)
		if f != nil {
			f.msg = fmt.Sprintf("capture %q: %s", name, f.msg)
			return f
		}
		r.keep(name, v)
	}
	return nil
}

// assert checks one assertion. Messages never quote header values: they may
// be cookies or tokens.
func (r *run) assert(a *check.Assertion, resp *response, sr *StepResult) *failure {
	switch {
	case a.BodyContains != "":
		if !bytes.Contains(resp.body, []byte(a.BodyContains)) {
			return newFailure(ClassAssertion, nil, "body does not contain %s", quote(a.BodyContains))
		}
	case a.BodyNotContains != "":
		if bytes.Contains(resp.body, []byte(a.BodyNotContains)) {
			return newFailure(ClassAssertion, nil, "body contains %s", quote(a.BodyNotContains))
		}
	case a.BodyRegex != "":
		re, err := r.p.regexp(a.BodyRegex)
		if err != nil {
			return newFailure(ClassOther, err, "body_regex: %v", err)
		}
		if !re.Match(resp.body) {
			return newFailure(ClassAssertion, nil, "body does not match %s", quote(a.BodyRegex))
		}
	case a.JSONPath != "":
		return r.assertJSON(a, resp)
	case a.Header != "":
		vals := resp.Header.Values(a.Header)
		if len(vals) == 0 {
			return newFailure(ClassAssertion, nil, "header %s missing", a.Header)
		}
		if a.Matches == "" {
			return nil
		}
		re, err := r.p.regexp(a.Matches)
		if err != nil {
			return newFailure(ClassOther, err, "header matches: %v", err)
		}
		if !slices.ContainsFunc(vals, re.MatchString) {
			return newFailure(ClassAssertion, nil, "header %s does not match %s", a.Header, quote(a.Matches))
		}
	case a.TLSDaysLeft != 0:
		if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
			return newFailure(ClassAssertion, nil, "tls_days_left: the response did not come over https")
		}
		if sr.CertDays < float64(a.TLSDaysLeft) {
			return newFailure(ClassTLSExpiring, nil, "certificate expires in %.1f days, want at least %d", sr.CertDays, a.TLSDaysLeft)
		}
	case a.MaxLatency != 0:
		if sr.Phases.Total > a.MaxLatency.D() {
			return newFailure(ClassAssertion, nil, "step took %s, max_latency %s", roundDuration(sr.Phases.Total), a.MaxLatency)
		}
	default:
		return newFailure(ClassOther, nil, "assertion of no known kind")
	}
	return nil
}

// assertJSON checks a json_path assertion: equals compares the first match,
// exists says whether there must be a match; neither means there must be one.
func (r *run) assertJSON(a *check.Assertion, resp *response) *failure {
	nodes, f := r.selectJSON(a.JSONPath, resp, ClassAssertion)
	if f != nil {
		return f
	}
	switch {
	case a.Exists != nil && !*a.Exists:
		if len(nodes) > 0 {
			return newFailure(ClassAssertion, nil, "%s exists, want none", a.JSONPath)
		}
	case len(nodes) == 0:
		return newFailure(ClassAssertion, nil, "%s matched nothing", a.JSONPath)
	case a.Equals != nil:
		if !jsonEqual(normalize(nodes[0]), normalize(a.Equals)) {
			return newFailure(ClassAssertion, nil, "%s is %s, want %s", a.JSONPath, r.short(nodes[0]), r.short(a.Equals))
		}
	}
	return nil
}

// capture takes one value from the response.
func (r *run) capture(c check.Capture, resp *response) (string, *failure) {
	var v string
	switch {
	case c.JSONPath != "":
		nodes, f := r.selectJSON(c.JSONPath, resp, ClassCapture)
		if f != nil {
			return "", f
		}
		if len(nodes) == 0 {
			return "", newFailure(ClassCapture, nil, "%s matched nothing", c.JSONPath)
		}
		v = text(nodes[0])
	case c.Header != "":
		v = resp.Header.Get(c.Header)
		if v == "" {
			return "", newFailure(ClassCapture, nil, "header %s missing", c.Header)
		}
	case c.Regex != "":
		re, err := r.p.regexp(c.Regex)
		if err != nil {
			return "", newFailure(ClassOther, err, "%v", err)
		}
		m := re.FindSubmatch(resp.body)
		switch {
		case m == nil:
			return "", newFailure(ClassCapture, nil, "%s matched nothing", quote(c.Regex))
		case len(m) > 1:
			v = string(m[1])
		default:
			v = string(m[0])
		}
	default:
		return "", newFailure(ClassOther, nil, "capture of no known kind")
	}
	if v == "" {
		return "", newFailure(ClassCapture, nil, "captured an empty value")
	}
	return v, nil
}

// jsonDoc is a body decoded as JSON, numbers kept exact as json.Number.
type jsonDoc struct {
	v   any
	err error
}

// selectJSON runs a JSONPath query on the body; a body that is not JSON
// fails with class c.
func (r *run) selectJSON(path string, resp *response, c Class) ([]any, *failure) {
	jp, err := r.p.jsonPath(path)
	if err != nil {
		return nil, newFailure(ClassOther, err, "%v", err)
	}
	if resp.doc == nil {
		resp.doc = &jsonDoc{}
		dec := json.NewDecoder(bytes.NewReader(resp.body))
		dec.UseNumber()
		if err := dec.Decode(&resp.doc.v); err != nil {
			resp.doc.err = err
		} else if dec.More() {
			resp.doc.err = fmt.Errorf("data after the JSON value")
		}
	}
	if resp.doc.err != nil {
		return nil, newFailure(c, resp.doc.err, "%s: body is not JSON", path)
	}
	return jp.Select(resp.doc.v), nil
}

// normalize turns a value decoded from JSON (json.Number) or from the checks
// file's YAML (int, float64, map[string]any, ...) into one comparable form:
// numbers as *big.Rat, maps with string keys.
func normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, ok := new(big.Rat).SetString(x.String()); ok {
			return n
		}
		return x.String()
	case float64:
		return ratOf(strconv.FormatFloat(x, 'g', -1, 64), x)
	case float32:
		return ratOf(strconv.FormatFloat(float64(x), 'g', -1, 32), x)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return ratOf(fmt.Sprint(x), x)
	case *big.Int:
		return new(big.Rat).SetInt(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = normalize(e)
		}
		return out
	}
	return v
}

func ratOf(s string, orig any) any {
	if n, ok := new(big.Rat).SetString(s); ok {
		return n
	}
	return orig // NaN or Inf: compares equal to nothing from JSON
}

// jsonEqual compares normalized values: numbers numerically, the rest deeply.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case *big.Rat:
		y, ok := b.(*big.Rat)
		return ok && x.Cmp(y) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !jsonEqual(xv, yv) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// text is a captured JSON value as it goes into a later request: strings
// unquoted, numbers as written, anything else as JSON.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// short writes a value for a message, as JSON, cut to a readable length.
// Strings are redacted before encoding (escaping could hide a secret from
// redaction) and before cutting (so could cutting it in half).
func (r *run) short(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.redactValue(v)); err != nil {
		return truncate(r.redact(fmt.Sprint(v)), 60)
	}
	return truncate(strings.TrimSuffix(b.String(), "\n"), 60)
}

// redactValue redacts every string in a decoded value; it also turns YAML's
// map[any]any into something encoding/json can write.
func (r *run) redactValue(v any) any {
	switch x := v.(type) {
	case string:
		return r.redact(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[r.redact(k)] = r.redactValue(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[r.redact(fmt.Sprint(k))] = r.redactValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.redactValue(e)
		}
		return out
	}
	return v
}

func quote(s string) string { return strconv.Quote(truncate(s, 60)) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
