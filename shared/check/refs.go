package check

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Reference kinds. Secrets are never written in the checks file; they are
// references resolved once when the file is loaded by a Resolver. Captured
// values (var) are filled in by the prober between steps.
const (
	RefEnv    = "env"    // ${env:NAME}: an environment variable
	RefSSM    = "ssm"    // ${ssm:/path}: an SSM Parameter Store parameter (SecureString decrypted)
	RefSecret = "secret" // ${secret:name}: a Secrets Manager secret (name or ARN, optional #json-key)
	RefVar    = "var"    // ${var:name}: a value captured by an earlier step
)

// refAt reads the reference ${kind:arg} at the start of s and its length, or
// answers 0: kind is the letters after "${", then an optional ":", then arg
// up to the first "}". Checking the kind and the arg is checkRef's job.
func refAt(s string) (Ref, int) {
	if !strings.HasPrefix(s, "${") {
		return Ref{}, 0
	}
	end := strings.IndexByte(s, '}')
	if end < 0 {
		return Ref{}, 0
	}
	body := s[2:end]
	k := 0
	for k < len(body) && ('a' <= body[k] && body[k] <= 'z' || 'A' <= body[k] && body[k] <= 'Z') {
		k++
	}
	return Ref{Kind: body[:k], Arg: strings.TrimPrefix(body[k:], ":")}, end + 1
}

var (
	envNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	varNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	ssmPattern     = regexp.MustCompile(`^/[A-Za-z0-9_.\-/]+$`)
	secretPattern  = regexp.MustCompile(`^[A-Za-z0-9/_+=.@:\-]+(#[A-Za-z0-9_.\-]+)?$`)
)

// Ref is one ${kind:arg} reference found in a string.
type Ref struct {
	Kind, Arg string
}

func (r Ref) String() string { return "${" + r.Kind + ":" + r.Arg + "}" }

// FindRefs lists the references in s, in order, skipping escaped ones.
func FindRefs(s string) []Ref {
	var out []Ref
	for _, p := range parseTemplate(s) {
		if p.isRef {
			out = append(out, p.ref)
		}
	}
	return out
}

// A piece of a template: literal text (escapes undone) or a reference.
type piece struct {
	text  string // the literal text; for a reference, the reference as written
	ref   Ref
	isRef bool
}

// parseTemplate splits s into literal text and references. "$${" is a
// literal "${", wherever it is; a "${" that is not a reference is literal too.
func parseTemplate(s string) []piece {
	var out []piece
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, piece{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '$')
		if j < 0 {
			lit.WriteString(s[i:])
			break
		}
		lit.WriteString(s[i : i+j])
		i += j
		if strings.HasPrefix(s[i:], "$${") {
			lit.WriteString("${")
			i += 3
			continue
		}
		if r, n := refAt(s[i:]); n > 0 {
			flush()
			out = append(out, piece{text: s[i : i+n], ref: r, isRef: true})
			i += n
			continue
		}
		lit.WriteByte('$')
		i++
	}
	flush()
	return out
}

// quote writes literal text as template text: every "${" becomes "$${", so
// parsing it again gives back exactly the text, never a reference.
func quote(text string) string { return strings.ReplaceAll(text, "${", "$${") }

// checkRef says what is wrong with one reference, or nil.
func checkRef(r Ref) error {
	switch r.Kind {
	case RefEnv:
		if !envNamePattern.MatchString(r.Arg) {
			return newProblem(ErrReference, "%s: not an environment variable name", r)
		}
	case RefSSM:
		if !ssmPattern.MatchString(r.Arg) {
			return newProblem(ErrReference, "%s: an SSM parameter is a path starting with /", r)
		}
	case RefSecret:
		if !secretPattern.MatchString(r.Arg) {
			return newProblem(ErrReference, "%s: not a Secrets Manager secret name or ARN", r)
		}
	case RefVar:
		if !varNamePattern.MatchString(r.Arg) {
			return newProblem(ErrReference, "%s: not a variable name", r)
		}
	default:
		return newProblem(ErrReference, "%s: unknown reference kind %q (use env, ssm, secret or var)", r, r.Kind)
	}
	return nil
}

// expand replaces each reference for which fn answers ok. With unescape, the
// result is plain text ("$${" becomes "${"); without, it is still a template:
// literal text and the values put in are quoted, so a later expansion gives
// back each value verbatim, never reading references or escapes inside it.
func expand(s string, unescape bool, fn func(Ref) (string, bool)) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for _, p := range parseTemplate(s) {
		v, text := p.text, !p.isRef
		if p.isRef {
			if sub, ok := fn(p.ref); ok {
				v, text = sub, true
			}
		}
		if text && !unescape {
			v = quote(v)
		}
		b.WriteString(v)
	}
	return b.String()
}

// ExpandVars fills ${var:name} references from captured values and turns
// "$${" into "${". Unknown variables expand to "" (validation ensures every
// var is captured by an earlier step, so this only happens when a capture failed,
// and that step has already failed the probe).
func ExpandVars(s string, vars map[string]string) string {
	return expand(s, true, func(r Ref) (string, bool) {
		if r.Kind != RefVar {
			return "", false
		}
		return vars[r.Arg], true
	})
}

// A Resolver looks up secret references of one or more kinds.
type Resolver interface {
	Resolve(ctx context.Context, ref Ref) (string, error)
}

// ResolverFunc adapts a function to a Resolver.
type ResolverFunc func(ctx context.Context, ref Ref) (string, error)

// Resolve calls f.
func (f ResolverFunc) Resolve(ctx context.Context, ref Ref) (string, error) { return f(ctx, ref) }

// EnvResolver resolves ${env:NAME} from the process environment. An unset
// variable is an error: a probe sent with an empty token would page for nothing.
var EnvResolver = ResolverFunc(func(_ context.Context, ref Ref) (string, error) {
	v, ok := os.LookupEnv(ref.Arg)
	if !ok {
		return "", fmt.Errorf("environment variable %s is not set", ref.Arg)
	}
	return v, nil
})

// ErrNoResolver is returned for a reference kind no resolver was given for.
var ErrNoResolver = errors.New("no resolver for this kind of reference")

// RefError is a reference that could not be resolved, and why. It is the Err
// of the FieldError that places it, so callers can tell which reference of a
// field failed (errors.As) and whether for a reason of their own (errors.Is).
type RefError struct {
	Ref Ref
	Err error
}

func (e *RefError) Error() string { return e.Ref.String() + ": " + e.Err.Error() }

func (e *RefError) Unwrap() error { return e.Err }

// Resolvers maps a reference kind (env, ssm, secret) to its resolver.
type Resolvers map[string]Resolver

// ResolveSecrets resolves every env/ssm/secret reference in URLs, headers
// and bodies, once per distinct reference, and remembers the values so
// Redact can hide them. Headers and bodies get their values in place. URLs
// keep their references as written (results show them, so no secret reaches
// a result's URL): URL builds each one, escaping every value for the part of
// the URL it stands in. Every failure is reported with its field, and so is a
// value that does not fit its place: a host reference that is not a host name,
// or a secret too short to be hidden from messages.
func (c *Config) ResolveSecrets(ctx context.Context, rs Resolvers) error {
	return c.resolve(ctx, rs, c.eachTemplate, c.eachTLS)
}

// ResolveControlSecrets resolves the references of the control probe only.
func (c *Config) ResolveControlSecrets(ctx context.Context, rs Resolvers) error {
	return c.resolve(ctx, rs, c.eachControlTemplate, func(func(string, *TLS)) {})
}

// ResolveAreaSecrets resolves the references of one area only (a pointer into
// c.Areas) and leaves the other areas as written, so probing some areas needs
// only their secrets. Its failures are Errors, each naming its field.
func (c *Config) ResolveAreaSecrets(ctx context.Context, rs Resolvers, a *Area) error {
	for i := range c.Areas {
		if &c.Areas[i] == a {
			return c.resolve(ctx, rs, func(fn visitor) { c.eachAreaTemplate(i, fn) },
				func(fn func(string, *TLS)) { c.eachAreaTLS(i, fn) })
		}
	}
	return fmt.Errorf("%s: area %s is not one of this file's areas", c.File, a.ID)
}

// MinSecretLen is the length of the shortest secret value Lookout accepts:
// hiding shorter values would shred ordinary text in messages, so a shorter
// one is refused when it is resolved rather than shown.
const MinSecretLen = 4

// checkSecret says why a resolved value cannot be used, or nil.
func checkSecret(v string) error {
	switch {
	case v == "":
		return newProblem(ErrReference, "the value is empty: a probe sent without its secret would fail for nothing")
	case len(v) < MinSecretLen:
		return newProblem(ErrReference, "the value is %d characters; secrets shorter than %d cannot be hidden from messages", len(v), MinSecretLen)
	}
	return nil
}

// resolve resolves the references of the fields each visits, then checks
// the PEM of the tls blocks tlsBlocks visits (the same fields' blocks).
func (c *Config) resolve(ctx context.Context, rs Resolvers, each func(visitor), tlsBlocks func(func(string, *TLS))) error {
	if c.resolved == nil {
		c.resolved = map[Ref]string{}
	}
	var errs Errors
	fail := func(path string, r Ref, err error) {
		errs = append(errs, c.fieldError(path, &RefError{Ref: r, Err: err}))
	}
	// This call's failures: a reference that failed is asked for once and
	// reported at every field that uses it.
	refused := map[Ref]error{}
	// lookup answers a secret reference's value, fetching it at most once.
	lookup := func(path string, r Ref) (string, bool) {
		if v, ok := c.resolved[r]; ok {
			return v, true
		}
		err, seen := refused[r]
		if !seen {
			var v string
			if res, found := rs[r.Kind]; !found {
				err = ErrNoResolver
			} else if v, err = res.Resolve(ctx, r); err == nil {
				err = checkSecret(v)
			}
			if err == nil {
				c.resolved[r] = v
				c.redactor.Hide(v)
				return v, true
			}
			refused[r] = err
		}
		fail(path, r, err)
		return "", false
	}
	each(func(path string, s *string, isURL bool) {
		if !isURL {
			*s = expand(*s, false, func(r Ref) (string, bool) {
				if r.Kind == RefVar {
					return "", false
				}
				return lookup(path, r)
			})
			return
		}
		t, err := c.urlTemplate(*s)
		if err != nil { // only for a config that was not validated
			errs = append(errs, c.fieldError(path, err))
			return
		}
		for _, tok := range t.toks {
			if !tok.isRef || tok.ref.Kind == RefVar {
				continue
			}
			if v, ok := lookup(path, tok.ref); ok {
				if _, err := t.escape(tok, v); err != nil {
					fail(path, tok.ref, err)
				}
			}
		}
	})
	errs = append(errs, c.resolvedTLSProblems(tlsBlocks)...)
	if len(errs) > 0 {
		return errs.sorted()
	}
	return nil
}

// URL builds a URL from its template as written in the checks file: each
// resolved secret and each captured value in vars is escaped for the part
// of the URL it stands in (user info, path segment, query, fragment), so no
// value can change the URL's scheme, host, path or query structure. A host
// reference stands for the whole host (or host and port) and its value must
// be one. The error names the reference, never its value.
func (c *Config) URL(template string, vars map[string]string) (string, error) {
	t, err := c.urlTemplate(template)
	if err != nil {
		return "", err
	}
	return t.build(func(r Ref) (string, error) {
		if r.Kind == RefVar {
			return vars[r.Arg], nil
		}
		v, ok := c.resolved[r]
		if !ok {
			return "", errors.New("not resolved")
		}
		return v, nil
	})
}

// A visitor is given each string that may hold references, with its field
// path, and whether the string is a URL.
type visitor func(path string, s *string, isURL bool)

// eachTemplate visits every string that may hold references.
func (c *Config) eachTemplate(fn visitor) {
	c.eachControlTemplate(fn)
	for i := range c.Areas {
		c.eachAreaTemplate(i, fn)
	}
}

// eachControlTemplate visits the control probe's URLs.
func (c *Config) eachControlTemplate(fn visitor) {
	if c.Control == nil {
		return
	}
	fn("control.url", &c.Control.URL, true)
	for _, region := range sortedKeys(c.Control.Locations) {
		v := c.Control.Locations[region]
		fn("control.locations."+region, &v, true)
		c.Control.Locations[region] = v
	}
}

// eachAreaTemplate visits the URLs, bodies, headers and tls blocks of area i.
func (c *Config) eachAreaTemplate(i int, fn visitor) {
	a := &c.Areas[i]
	visit := func(prefix string, st *Step) {
		fn(prefix+".url", &st.URL, true)
		fn(prefix+".body", &st.Body, false)
		for _, k := range sortedKeys(st.Headers) {
			v := st.Headers[k]
			fn(prefix+".headers."+k, &v, false)
			st.Headers[k] = v
		}
		visitTLS(prefix+".tls", st.TLS, fn)
	}
	visitTLS(fmt.Sprintf("areas[%d].tls", i), a.TLS, fn)
	if a.Request != nil {
		visit(fmt.Sprintf("areas[%d].request", i), a.Request)
	}
	for j := range a.Steps {
		visit(fmt.Sprintf("areas[%d].steps[%d]", i, j), &a.Steps[j])
	}
}

// FieldRef is one reference and the field that holds it.
type FieldRef struct {
	Field string // e.g. areas[0].request.headers.Authorization
	Line  int
	Ref   Ref
}

// Refs lists every reference in URLs, headers and bodies (secrets and
// captured variables alike), field by field. It changes nothing.
func (c *Config) Refs() []FieldRef {
	var out []FieldRef
	c.eachTemplate(func(path string, s *string, _ bool) {
		for _, r := range FindRefs(*s) {
			out = append(out, FieldRef{Field: path, Line: c.lineOf(path), Ref: r})
		}
	})
	return out
}

// Redact hides every resolved secret value in s, in every form it may take
// (see Redactor).
func (c *Config) Redact(s string) string { return c.redactor.Redact(s) }

// Redactor returns a Redactor that hides the resolved secrets; values hidden
// through it (a captured token) do not change the Config's.
func (c *Config) Redactor() *Redactor {
	return &Redactor{forms: slices.Clone(c.redactor.forms)}
}

// A Redactor hides values in text, in every form a URL or a message may
// carry them: as they are, escaped for a URL's user info, path, query or
// fragment (values are sent escaped, and come back so in redirects and
// errors), and as inside a Go-quoted string. The zero value hides nothing.
type Redactor struct {
	forms []string // longest first, so a value that contains another is hidden whole
}

// Hide adds v. A value shorter than MinSecretLen is not hidden: it would
// shred ordinary text (resolution refuses such secrets; a short captured
// value stays visible).
func (r *Redactor) Hide(v string) {
	if len(v) < MinSecretLen {
		return
	}
	for _, f := range secretForms(v) {
		if !slices.Contains(r.forms, f) {
			r.forms = append(r.forms, f)
		}
	}
	sort.SliceStable(r.forms, func(i, j int) bool { return len(r.forms[i]) > len(r.forms[j]) })
}

// Redact replaces every form of every hidden value in s with <redacted>.
func (r *Redactor) Redact(s string) string {
	if r == nil || s == "" {
		return s
	}
	for _, f := range r.forms {
		s = strings.ReplaceAll(s, f, "<redacted>")
	}
	return s
}

// secretForms lists v and the forms a URL or a quoted message gives it.
func secretForms(v string) []string {
	q := strconv.Quote(v)
	forms := []string{v, escapeUser(v), escapePassword(v), url.PathEscape(v), url.QueryEscape(v), escapeFragment(v), q[1 : len(q)-1]}
	slices.Sort(forms)
	return slices.Compact(forms)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
