package check

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
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

// refPattern matches ${kind:arg}. "$${" escapes a literal "${".
var refPattern = regexp.MustCompile(`\$?\$\{([A-Za-z]*):?([^}]*)\}`)

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
	for _, m := range refPattern.FindAllStringSubmatch(s, -1) {
		if strings.HasPrefix(m[0], "$$") {
			continue
		}
		out = append(out, Ref{Kind: m[1], Arg: m[2]})
	}
	return out
}

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

// expand replaces each reference for which fn answers ok; others stay as written.
// "$${" becomes "${" only when unescape is set (the last expansion).
func expand(s string, unescape bool, fn func(Ref) (string, bool)) string {
	if !strings.Contains(s, "${") {
		return s
	}
	return refPattern.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "$$") {
			if unescape {
				return m[1:]
			}
			return m
		}
		sub := refPattern.FindStringSubmatch(m)
		if v, ok := fn(Ref{Kind: sub[1], Arg: sub[2]}); ok {
			return v
		}
		return m
	})
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

// ResolveSecrets replaces every env/ssm/secret reference in URLs, headers and
// bodies with its value, once per distinct reference, and remembers the values
// so Redact can hide them. Every failure is reported with its field.
func (c *Config) ResolveSecrets(ctx context.Context, rs Resolvers) error {
	return c.resolve(ctx, rs, c.eachTemplate)
}

// ResolveControlSecrets resolves the references of the control probe only.
func (c *Config) ResolveControlSecrets(ctx context.Context, rs Resolvers) error {
	return c.resolve(ctx, rs, c.eachControlTemplate)
}

// ResolveAreaSecrets resolves the references of one area only (a pointer into
// c.Areas) and leaves the other areas as written, so probing some areas needs
// only their secrets. Its failures are Errors, each naming its field.
func (c *Config) ResolveAreaSecrets(ctx context.Context, rs Resolvers, a *Area) error {
	for i := range c.Areas {
		if &c.Areas[i] == a {
			return c.resolve(ctx, rs, func(fn func(string, *string)) { c.eachAreaTemplate(i, fn) })
		}
	}
	return fmt.Errorf("%s: area %s is not one of this file's areas", c.File, a.ID)
}

// resolve replaces the references of the fields each visits.
func (c *Config) resolve(ctx context.Context, rs Resolvers, each func(func(path string, s *string))) error {
	if c.resolved == nil {
		c.resolved = map[Ref]string{}
	}
	cache := c.resolved
	var errs Errors
	fail := func(path string, r Ref, err error) {
		errs = append(errs, &FieldError{File: c.File, Line: c.lineOf(path), Field: path, Err: &RefError{Ref: r, Err: err}})
	}
	resolve := func(path string, s string) string {
		return expand(s, false, func(r Ref) (string, bool) {
			if r.Kind == RefVar {
				return "", false
			}
			if v, ok := cache[r]; ok {
				return v, true
			}
			res, ok := rs[r.Kind]
			if !ok {
				fail(path, r, ErrNoResolver)
				return "", false
			}
			v, err := res.Resolve(ctx, r)
			if err != nil {
				fail(path, r, err)
				return "", false
			}
			cache[r] = v
			if v != "" && !slices.Contains(c.secrets, v) {
				c.secrets = append(c.secrets, v)
			}
			return v, true
		})
	}
	each(func(path string, s *string) { *s = resolve(path, *s) })
	errs = append(errs, c.resolvedTLSProblems(each)...)
	// Longest first, so a secret that contains another is hidden whole.
	sort.SliceStable(c.secrets, func(i, j int) bool { return len(c.secrets[i]) > len(c.secrets[j]) })
	if len(errs) > 0 {
		return errs.sorted()
	}
	return nil
}

// eachTemplate visits every string that may hold references, with its field path.
func (c *Config) eachTemplate(fn func(path string, s *string)) {
	c.eachControlTemplate(fn)
	for i := range c.Areas {
		c.eachAreaTemplate(i, fn)
	}
}

// eachControlTemplate visits the control probe's URLs.
func (c *Config) eachControlTemplate(fn func(path string, s *string)) {
	if c.Control == nil {
		return
	}
	fn("control.url", &c.Control.URL)
	for _, region := range sortedKeys(c.Control.Locations) {
		v := c.Control.Locations[region]
		fn("control.locations."+region, &v)
		c.Control.Locations[region] = v
	}
}

// eachAreaTemplate visits the URLs, bodies, headers and tls blocks of area i.
func (c *Config) eachAreaTemplate(i int, fn func(path string, s *string)) {
	a := &c.Areas[i]
	visit := func(prefix string, st *Step) {
		fn(prefix+".url", &st.URL)
		fn(prefix+".body", &st.Body)
		for _, k := range sortedKeys(st.Headers) {
			v := st.Headers[k]
			fn(prefix+".headers."+k, &v)
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
	c.eachTemplate(func(path string, s *string) {
		for _, r := range FindRefs(*s) {
			out = append(out, FieldRef{Field: path, Line: c.lineOf(path), Ref: r})
		}
	})
	return out
}

// Redact hides every resolved secret value in s.
func (c *Config) Redact(s string) string {
	for _, v := range c.secrets {
		if len(v) >= 4 { // shorter values would shred ordinary text
			s = strings.ReplaceAll(s, v, "<redacted>")
		}
	}
	return s
}

// Secrets returns the resolved secret values (for a redactor elsewhere).
func (c *Config) Secrets() []string { return append([]string(nil), c.secrets...) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
