package check

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// decoder turns a YAML node tree into Go values, strictly: unknown fields,
// duplicate keys and wrong types are collected (not just the first), each with
// its line and field path. It also remembers the line of every path so later
// validation can place its messages.
//
// Every value it materializes counts against one budget, aliases expanded,
// wherever it sits: struct fields, lists, maps, the free-form equals values
// and the fields that decode themselves (durations, status lists). So a small
// file whose aliases expand to millions of values stops at maxNodes.
type decoder struct {
	file     string
	errs     Errors
	more     int // problems past maxErrors: counted, not kept
	moreLine int // the line of the first of them
	lines    map[string]int
	nodes    int         // values materialized, aliases expanded: bounded against alias bombs
	fatal    *FieldError // why decoding stopped (nodes passed maxNodes, or an alias held itself), always shown
	aliased  bool        // an alias was followed
	steps    int         // calls made, for tests that bound the work
	// open holds the aliased nodes being expanded, so a node that holds an
	// alias of itself is refused instead of expanding forever.
	open map[*yaml.Node]bool
}

// maxNodes bounds the nodes a file may expand to (aliases included).
const maxNodes = 200_000

// problems returns what the decoder found, in line order, past maxErrors
// only counted, and why it stopped, if it did.
func (d *decoder) problems() Errors {
	errs := d.errs
	if d.fatal != nil {
		errs = append(errs, d.fatal)
	}
	return withSummary(d.file, errs.sorted(), d.more, d.moreLine)
}

func (d *decoder) fail(line int, path string, err error) {
	if d.full() {
		if d.more == 0 {
			d.moreLine = line
		}
		d.more++
		return
	}
	d.errs = append(d.errs, &FieldError{File: d.file, Line: line, Field: shortPath(path), Err: err})
}

// shortPath cuts a path that an absurdly long key made long.
func shortPath(path string) string {
	const most = 200
	if len(path) <= most {
		return path
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(path[cut]) {
		cut--
	}
	return path[:cut] + "..."
}

// full reports whether further problems are only counted.
func (d *decoder) full() bool { return len(d.errs) >= maxErrors }

// take counts k values about to be materialized at n; it is false, and says
// so once, when they pass the budget.
func (d *decoder) take(n *yaml.Node, path string, k int) bool {
	if d.fatal != nil {
		return false
	}
	if d.nodes+k > maxNodes {
		msg := fmt.Sprintf("the file holds more than %d values", maxNodes)
		if d.aliased {
			msg = fmt.Sprintf("the file expands to more than %d values through its aliases", maxNodes)
		}
		d.fatal = &FieldError{File: d.file, Line: n.Line, Field: path, Err: newProblem(ErrInvalid, "%s", msg)}
		return false
	}
	d.nodes += k
	return true
}

// room reports whether n's children fit in what is left of the budget (each
// will count at least one), before room is made for them.
func (d *decoder) room(n *yaml.Node, path string) bool {
	if d.nodes+len(n.Content) > maxNodes {
		return d.take(n, path, len(n.Content)) // fails, and says why
	}
	return d.fatal == nil
}

// enter follows an alias; leave must follow a successful enter. An alias met
// again inside its own expansion would expand forever: decoding stops there.
func (d *decoder) enter(alias *yaml.Node, path string) bool {
	if alias.Alias == nil || d.fatal != nil {
		return false
	}
	if d.open[alias.Alias] {
		d.fatal = &FieldError{File: d.file, Line: alias.Line, Field: path,
			Err: newProblem(ErrInvalid, "*%s refers to a value that holds it", alias.Value)}
		return false
	}
	d.open[alias.Alias] = true
	d.aliased = true
	return true
}

func (d *decoder) leave(alias *yaml.Node) { delete(d.open, alias.Alias) }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// deeper is the path of a child within a free-form value, up to a length:
// a value nested ten thousand deep must not build ten thousand ever longer
// paths; past the length, messages name the deepest path built.
func deeper[T any](path string, child func(string, T) string, at T) string {
	if len(path) > 200 {
		return path
	}
	return child(path, at)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// key returns the text of a mapping key (following an alias), or fails: a key
// is text, and merge keys (<<) are not supported, so every field is written
// where it applies. A key refused, like an entry the caller refuses (unknown,
// given twice), counts as a value: every entry looked at costs budget.
func (d *decoder) key(k *yaml.Node, path string) (string, bool) {
	d.steps++
	if k.Kind == yaml.AliasNode {
		if !d.enter(k, path) {
			return "", false
		}
		defer d.leave(k)
		if !d.take(k, path, 1) {
			return "", false
		}
		k = k.Alias
	}
	switch {
	case k.Kind != yaml.ScalarNode:
		d.fail(k.Line, path, newProblem(ErrType, "a key must be text, got %s", kindName(k)))
		d.take(k, path, 1)
		return "", false
	case k.Tag == "!!merge":
		d.fail(k.Line, join(path, k.Value), newProblem(ErrInvalid, "merge keys (<<) are not supported: write the fields out, or alias the whole value"))
		d.take(k, path, 1)
		return "", false
	}
	return k.Value, true
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	d.steps++
	if n.Kind == yaml.AliasNode {
		if !d.enter(n, path) {
			return
		}
		defer d.leave(n)
		n = n.Alias
	}
	if !d.take(n, path, 1) {
		return
	}
	if _, seen := d.lines[path]; !seen {
		d.lines[path] = n.Line
	}
	d.into(n, v, path)
}

// into decodes an already counted n into v.
func (d *decoder) into(n *yaml.Node, v reflect.Value, path string) {
	if v.Kind() != reflect.Pointer && v.CanAddr() {
		if u, ok := v.Addr().Interface().(yaml.Unmarshaler); ok {
			d.decodeSelf(n, u, path)
			return
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		if n.Tag == "!!null" {
			return
		}
		nv := reflect.New(v.Type().Elem())
		d.into(n, nv.Elem(), path)
		v.Set(nv)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		if n.Tag == "!!null" {
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.fail(n.Line, path, newProblem(ErrType, "want a list, got %s", kindName(n)))
			return
		}
		if !d.room(n, path) {
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			if d.fatal != nil {
				return
			}
			d.decode(c, s.Index(i), index(path, i))
		}
		v.Set(s)
	case reflect.Map:
		if n.Tag == "!!null" {
			return
		}
		if n.Kind != yaml.MappingNode {
			d.fail(n.Line, path, newProblem(ErrType, "want a mapping, got %s", kindName(n)))
			return
		}
		if !d.room(n, path) {
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if d.fatal != nil {
				return
			}
			k, ok := d.key(n.Content[i], path)
			if !ok {
				continue
			}
			kp := join(path, k)
			if seen[k] {
				d.fail(n.Content[i].Line, kp, newProblem(ErrDuplicate, "key given twice"))
				d.take(n.Content[i], kp, 1)
				continue
			}
			seen[k] = true
			d.lines[kp] = n.Content[i].Line
			ev := reflect.New(v.Type().Elem()).Elem()
			d.decode(n.Content[i+1], ev, kp)
			m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), ev)
		}
		v.Set(m)
	case reflect.Interface:
		if x, ok := d.plain(n, path); ok && x != nil {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.fail(n.Line, path, newProblem(ErrType, "want text, got %s", kindName(n)))
			return
		}
		if n.Tag == "!!null" {
			return
		}
		v.SetString(n.Value)
	case reflect.Int, reflect.Int64, reflect.Int32:
		i, err := strconv.ParseInt(n.Value, 0, 64)
		if n.Kind != yaml.ScalarNode || err != nil || n.Tag == "!!str" {
			d.fail(n.Line, path, newProblem(ErrType, "want a whole number, got %s", kindName(n)))
			return
		}
		v.SetInt(i)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.fail(n.Line, path, newProblem(ErrType, "want true or false, got %s", kindName(n)))
			return
		}
		b, _ := strconv.ParseBool(strings.ToLower(n.Value))
		v.SetBool(b)
	default:
		d.fail(n.Line, path, newProblem(ErrType, "cannot hold %s", kindName(n)))
	}
}

// decodeSelf hands n to a field that decodes itself (a duration, a status
// list), once everything under n, aliases expanded, is counted: what it reads
// it may keep. Like yaml, it leaves the field alone for a null.
func (d *decoder) decodeSelf(n *yaml.Node, u yaml.Unmarshaler, path string) {
	if n.Tag == "!!null" {
		return
	}
	for _, c := range n.Content {
		if !d.count(c, path) {
			return
		}
	}
	if err := u.UnmarshalYAML(n); err != nil {
		d.fail(n.Line, path, newProblem(ErrInvalid, "%s", cleanYAMLError(err)))
	}
}

// count counts n and everything under it, aliases expanded.
func (d *decoder) count(n *yaml.Node, path string) bool {
	d.steps++
	if n.Kind == yaml.AliasNode {
		if !d.enter(n, path) {
			return false
		}
		defer d.leave(n)
		n = n.Alias
	}
	if !d.take(n, path, 1) {
		return false
	}
	for _, c := range n.Content {
		if !d.count(c, path) {
			return false
		}
	}
	return true
}

// value decodes n as an equals value: see plain.
func (d *decoder) value(n *yaml.Node, path string) (any, bool) {
	d.steps++
	if n.Kind == yaml.AliasNode {
		if !d.enter(n, path) {
			return nil, false
		}
		defer d.leave(n)
		n = n.Alias
	}
	if !d.take(n, path, 1) {
		return nil, false
	}
	return d.plain(n, path)
}

// plain decodes an already counted n into the Go value yaml gives an `any`
// (map[string]any, []any, string, int, float64, bool or nil), each node under
// it counted, aliases expanded. Keys are text; a key given twice is refused.
func (d *decoder) plain(n *yaml.Node, path string) (any, bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, true
		case "!!str":
			return n.Value, true
		}
		var x any // a scalar expands to nothing: yaml resolves it as it would
		if err := n.Decode(&x); err != nil {
			d.fail(n.Line, path, newProblem(ErrType, "%s", cleanYAMLError(err)))
			return nil, false
		}
		return x, true
	case yaml.SequenceNode:
		if !d.room(n, path) {
			return nil, false
		}
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			x, ok := d.value(c, deeper(path, index, i))
			if !ok {
				return nil, false
			}
			out[i] = x
		}
		return out, true
	case yaml.MappingNode:
		if !d.room(n, path) {
			return nil, false
		}
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, ok := d.key(n.Content[i], path)
			if !ok {
				return nil, false
			}
			kp := deeper(path, join, k)
			if _, dup := out[k]; dup {
				d.fail(n.Content[i].Line, kp, newProblem(ErrDuplicate, "key given twice"))
				return nil, false
			}
			x, ok := d.value(n.Content[i+1], kp)
			if !ok {
				return nil, false
			}
			out[k] = x
		}
		return out, true
	}
	d.fail(n.Line, path, newProblem(ErrType, "cannot hold %s", kindName(n)))
	return nil, false
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n.Line, path, newProblem(ErrType, "want a mapping, got %s", kindName(n)))
		return
	}
	fields := yamlFields(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if d.fatal != nil {
			return
		}
		k, ok := d.key(n.Content[i], path)
		if !ok {
			continue
		}
		line := n.Content[i].Line
		kp := join(path, k)
		idx, ok := fields[k]
		if !ok {
			msg := "unknown field"
			if !d.full() { // past maxErrors it is only counted: spare the suggestion
				if s := suggest(k, fields); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
			}
			d.fail(line, kp, newProblem(ErrUnknownField, "%s", msg))
			d.take(n.Content[i], kp, 1)
			continue
		}
		if seen[k] {
			d.fail(line, kp, newProblem(ErrDuplicate, "field given twice"))
			d.take(n.Content[i], kp, 1)
			continue
		}
		seen[k] = true
		d.lines[kp] = line
		d.decode(n.Content[i+1], v.Field(idx), kp)
	}
}

// yamlFields maps each yaml tag name of a struct to its field index.
func yamlFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = i
	}
	return out
}

// suggest returns the known field closest to an unknown one, if close enough.
func suggest(got string, fields map[string]int) string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	best, bestD := "", 3
	if len(got) > 64 {
		return "" // no field name is near
	}
	for _, k := range names {
		if dd := editDistance(strings.ToLower(got), k); dd < bestD {
			best, bestD = k, dd
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// cleanYAMLError strips the yaml package's prefixes so the message reads as ours.
func cleanYAMLError(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			if _, rest, ok := strings.Cut(m, ": "); ok && strings.HasPrefix(m, "line ") {
				m = rest
			}
			msgs[i] = m
		}
		return strings.Join(msgs, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
