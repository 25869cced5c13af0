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
		if !matchesJSON(nodes[0], normalize(a.Equals)) {
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

// jsonDoc is a body decoded as JSON, numbers kept exact as json.Number. It
// lives as long as its response: one step.
type jsonDoc struct {
	v   any
	err error
	// cost, when above zero, is what decoding could have taken: more than
	// the allowance, so the body was not decoded.
	cost int64
}

// selectJSON runs a JSONPath query on the body; a body that is not JSON
// fails with class c, one that could take more memory to decode than
// check.JSONAllowance of the body limit with class body_too_large.
func (r *run) selectJSON(path string, resp *response, c Class) ([]any, *failure) {
	jp, err := r.p.jsonPath(path)
	if err != nil {
		return nil, newFailure(ClassOther, err, "%v", err)
	}
	if resp.doc == nil {
		resp.doc = r.decodeJSON(resp.body)
	}
	switch d := resp.doc; {
	case d.err != nil:
		return nil, newFailure(c, d.err, "%s: body is not JSON", path)
	case d.cost > 0:
		limit := check.Size(r.bodyLimit())
		return nil, newFailure(ClassBodyTooLarge, nil, "%s: the body (%s) could take %s to decode as JSON, above %d x body_limit (%s)",
			path, check.Size(len(resp.body)).Rounded(), check.Size(d.cost).Rounded(), check.JSONDecodeFactor, check.JSONAllowance(limit).Rounded())
	}
	return jp.Select(resp.doc.v), nil
}

// decodeJSON decodes a body, unless jsonCost shows it could take more than
// its allowance.
func (r *run) decodeJSON(body []byte) *jsonDoc {
	if !json.Valid(body) {
		var v struct{}
		return &jsonDoc{err: json.Unmarshal(body, &v)} // the syntax error, found before anything is decoded
	}
	if cost := jsonCost(body); cost > int64(check.JSONAllowance(check.Size(r.bodyLimit()))) {
		return &jsonDoc{cost: cost}
	}
	return &jsonDoc{v: parseJSON(body)}
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

// matchesJSON compares a value got from the body with a normalized want
// from the checks file: numbers numerically, the rest deeply. It walks got
// no further than want goes: normalizing a large part of the body first would
// copy it, with a big.Rat per number.
func matchesJSON(got, want any) bool {
	switch w := want.(type) {
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !matchesJSON(g[i], w[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, wv := range w {
			if gv, ok := g[k]; !ok || !matchesJSON(gv, wv) {
				return false
			}
		}
		return true
	}
	switch got.(type) {
	case []any, map[string]any:
		return false
	}
	return scalarEqual(normalize(got), want)
}

// scalarEqual compares normalized values that are not lists or objects:
// numbers numerically, the rest deeply.
func scalarEqual(a, b any) bool {
	if x, ok := a.(*big.Rat); ok {
		y, ok := b.(*big.Rat)
		return ok && x.Cmp(y) == 0
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

// shortLen is how much of a value a message shows.
const shortLen = 60

// short writes a value for a message, as JSON, cut to a readable length.
// Strings are redacted before encoding (escaping could hide a secret from
// redaction) and before cutting (so could cutting it in half).
func (r *run) short(v any) string {
	var b strings.Builder
	if err := r.preview(&b, v); err != nil {
		return truncate(r.redact(fmt.Sprint(v)), shortLen)
	}
	return truncate(b.String(), shortLen)
}

// preview writes v as JSON for short, redacted, and stops once more than
// shortLen bytes are written: of a large part of the body, only what the
// message shows is encoded. Object members come in key order, as
// encoding/json writes them, picked one at a time.
func (r *run) preview(b *strings.Builder, v any) error {
	if b.Len() > shortLen {
		return nil
	}
	switch x := v.(type) {
	case string:
		s := r.redact(x)
		// Enough to fill the message; cut where a rune starts, so that
		// the encoding of the part is the start of the encoding of all.
		cut := min(len(s), shortLen+4)
		for cut < len(s) && !isRuneStart(s[cut]) {
			cut--
		}
		return encodeJSON(b, s[:cut])
	case json.Number:
		b.WriteString(string(x[:min(len(x), shortLen+1)]))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if b.Len() > shortLen {
				break
			}
			if i > 0 {
				b.WriteByte(',')
			}
			if err := r.preview(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for k, first := "", true; b.Len() <= shortLen; first = false {
			next, ok := keyAfter(x, k, first)
			if !ok {
				break
			}
			if !first {
				b.WriteByte(',')
			}
			if err := r.preview(b, next); err != nil {
				return err
			}
			b.WriteByte(':')
			if err := r.preview(b, x[next]); err != nil {
				return err
			}
			k = next
		}
		b.WriteByte('}')
	default: // a scalar, or a value from the checks file: small
		return encodeJSON(b, r.redactValue(v))
	}
	return nil
}

// keyAfter returns the smallest key of m above after (any key when first).
func keyAfter(m map[string]any, after string, first bool) (string, bool) {
	var best string
	found := false
	for k := range m {
		if (first || k > after) && (!found || k < best) {
			best, found = k, true
		}
	}
	return best, found
}

// encodeJSON writes v as encoding/json does, without escaping HTML.
func encodeJSON(b *strings.Builder, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return nil
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
