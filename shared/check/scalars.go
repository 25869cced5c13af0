package check

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written with a unit ("500ms", "10s", "1m").
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats the duration the way it is written in the file.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML accepts a Go duration string; bare numbers are refused because their unit is a guess.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n)
	if err != nil {
		return err
	}
	if v <= 0 {
		return fmt.Errorf("%q must be positive", n.Value)
	}
	*d = Duration(v)
	return nil
}

// parseDuration reads a duration with a unit, or a bare 0.
func parseDuration(n *yaml.Node) (time.Duration, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, errors.New("want a duration such as 500ms or 10s")
	}
	v, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil {
		if _, nerr := strconv.ParseFloat(n.Value, 64); nerr == nil {
			return 0, fmt.Errorf("%q has no unit: write e.g. %ss or %sms", n.Value, n.Value, n.Value)
		}
		return 0, fmt.Errorf("%q is not a duration (e.g. 500ms, 10s, 1m)", n.Value)
	}
	return v, nil
}

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// JSONSchema describes a duration for editors.
func (Duration) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:        "string",
		Pattern:     `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`,
		Description: "A duration with a unit, e.g. 500ms, 10s, 1m30s",
	}
}

// Interval is a duration that may be 0, where 0 means none: a settle time
// of 0 resolves at once, a reminder interval of 0 sends no reminders. Its
// fields are pointers where it is used, so that an unset value takes the
// default and a written 0 stays 0.
type Interval time.Duration

// D returns the value as a time.Duration.
func (d Interval) D() time.Duration { return time.Duration(d) }

// String formats the interval the way it is written in the file.
func (d Interval) String() string { return time.Duration(d).String() }

// UnmarshalYAML accepts a Go duration string or 0; negative ones are refused.
func (d *Interval) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n)
	if err != nil {
		return err
	}
	if v < 0 {
		return fmt.Errorf("%q is negative", n.Value)
	}
	*d = Interval(v)
	return nil
}

// MarshalYAML writes the interval as a string.
func (d Interval) MarshalYAML() (any, error) { return d.String(), nil }

// JSONSchema describes an interval for editors: a duration, or 0.
func (Interval) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		OneOf: []*jsonschema.Schema{
			{Type: "integer", Enum: []any{0}},
			{Type: "string", Pattern: `^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$`},
		},
		Description: "A duration with a unit (30s, 5m, 1h), or 0 for none",
	}
}

// Size is a byte count written as a number or with a unit ("512KiB", "1MiB").
type Size int64

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000},
	{"B", 1},
}

// ParseSize reads "1048576", "1MiB", "512KiB", "2MB".
func ParseSize(s string) (Size, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 || v > (1<<40)/mult {
		return 0, errors.New("not a size")
	}
	return Size(v * mult), nil
}

// String formats the size with the largest binary unit that divides it.
func (s Size) String() string {
	switch {
	case s >= 1<<30 && s%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", s>>30)
	case s >= 1<<20 && s%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", s>>20)
	case s >= 1<<10 && s%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", s>>10)
	}
	return fmt.Sprintf("%dB", int64(s))
}

// UnmarshalYAML accepts a positive byte count with an optional unit.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("want a size such as 1MiB or 65536")
	}
	v, err := ParseSize(n.Value)
	if err != nil {
		return fmt.Errorf("%q is not a size (e.g. 65536, 512KiB, 1MiB)", n.Value)
	}
	*s = v
	return nil
}

// JSONSchema describes a size for editors.
func (Size) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		OneOf: []*jsonschema.Schema{
			{Type: "integer", Minimum: "1"},
			{Type: "string", Pattern: `^[0-9]+ ?(B|KB|KiB|MB|MiB|GB|GiB)?$`},
		},
		Description: "Bytes, as a number or with a unit: 65536, 512KiB, 1MiB",
	}
}

// StatusSet is the set of acceptable HTTP status codes.
// It is written as a code (200), a class ("2xx"), or a list of either.
type StatusSet []StatusRange

// StatusRange is an inclusive range of status codes.
type StatusRange struct{ Lo, Hi int }

// DefaultStatus accepts any 2xx.
var DefaultStatus = StatusSet{{200, 299}}

// Contains reports whether code is acceptable.
func (s StatusSet) Contains(code int) bool {
	for _, r := range s {
		if code >= r.Lo && code <= r.Hi {
			return true
		}
	}
	return false
}

// String writes the set as it would be in the file.
func (s StatusSet) String() string {
	parts := make([]string, len(s))
	for i, r := range s {
		if r.Lo == r.Hi {
			parts[i] = strconv.Itoa(r.Lo)
		} else {
			parts[i] = fmt.Sprintf("%dxx", r.Lo/100)
		}
	}
	return strings.Join(parts, ",")
}

func parseStatus(v string) (StatusRange, error) {
	v = strings.TrimSpace(v)
	if len(v) == 3 && (strings.HasSuffix(v, "xx") || strings.HasSuffix(v, "XX")) && v[0] >= '1' && v[0] <= '5' {
		c := int(v[0]-'0') * 100
		return StatusRange{c, c + 99}, nil
	}
	code, err := strconv.Atoi(v)
	if err != nil || code < 100 || code > 599 {
		return StatusRange{}, fmt.Errorf("%q is not a status code (100-599) or class (2xx)", v)
	}
	return StatusRange{code, code}, nil
}

// UnmarshalYAML accepts 200, "2xx" or a list such as [200, 204, 3xx].
func (s *StatusSet) UnmarshalYAML(n *yaml.Node) error {
	var items []*yaml.Node
	switch n.Kind {
	case yaml.ScalarNode:
		items = []*yaml.Node{n}
	case yaml.SequenceNode:
		items = n.Content
		if len(items) == 0 {
			return errors.New("empty list: give at least one status")
		}
	default:
		return errors.New("want a status code, a class like 2xx, or a list of them")
	}
	out := make(StatusSet, 0, len(items))
	for _, it := range items {
		if it.Kind != yaml.ScalarNode {
			return errors.New("want a status code or class in the list")
		}
		r, err := parseStatus(it.Value)
		if err != nil {
			return err
		}
		out = append(out, r)
	}
	*s = out
	return nil
}

// JSONSchema describes a status set for editors.
func (StatusSet) JSONSchema() *jsonschema.Schema {
	one := func() *jsonschema.Schema {
		return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
			{Type: "integer", Minimum: "100", Maximum: "599"},
			{Type: "string", Pattern: `^[1-5]([0-9]{2}|xx|XX)$`},
		}}
	}
	return &jsonschema.Schema{
		OneOf:       []*jsonschema.Schema{one(), {Type: "array", Items: one(), MinItems: ptrU64(1)}},
		Description: "Expected status: 200, \"2xx\" or a list such as [200, 204, 3xx]",
	}
}

// UnmarshalYAML accepts critical or warning.
func (s *Severity) UnmarshalYAML(n *yaml.Node) error {
	switch Severity(n.Value) {
	case Critical, Warning:
		*s = Severity(n.Value)
		return nil
	}
	return fmt.Errorf("%q is not a severity (critical or warning)", n.Value)
}

// JSONSchema describes a severity for editors.
func (Severity) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Enum: []any{"critical", "warning"},
		Description: "critical pages a person; warning does not"}
}

func ptrU64(v uint64) *uint64 { return &v }
