package check

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Sentinel errors, so callers can ask errors.Is(err, check.ErrUnknownField).
var (
	ErrSyntax       = errors.New("not valid YAML")
	ErrUnknownField = errors.New("unknown field")
	ErrType         = errors.New("wrong type")
	ErrRequired     = errors.New("required")
	ErrInvalid      = errors.New("invalid value")
	ErrDuplicate    = errors.New("duplicate")
	ErrConflict     = errors.New("conflicting fields")
	ErrReference    = errors.New("bad reference")
	ErrLiteralCred  = errors.New("credential written as a literal")
)

// FieldError is one problem in a checks file, placed at file:line and a field path.
type FieldError struct {
	File  string
	Line  int
	Field string // e.g. areas[2].steps[0].url
	Err   error
}

func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *FieldError) Unwrap() error { return e.Err }

// Errors is every problem found in one file, in line order.
type Errors []*FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.Is and errors.As see every problem.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func (es Errors) sorted() Errors {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
	return es
}

// problem is an error of a kind (sentinel) with a specific message.
type problem struct {
	kind error
	msg  string
}

func (p *problem) Error() string { return p.msg }
func (p *problem) Unwrap() error { return p.kind }

func newProblem(kind error, format string, args ...any) error {
	return &problem{kind: kind, msg: fmt.Sprintf(format, args...)}
}
