package check

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds a checks file; a larger one is surely a mistake.
const MaxFileSize = 4 << 20

// Load reads, decodes, defaults and validates a checks file. Every problem is
// reported (as Errors), each as "file:line: field: what is wrong".
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checks file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("checks file %s: %w", path, err)
	}
	return Parse(path, data)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// maxErrors bounds the problems reported for one file: past it a file is
// surely not what its author meant, and the rest would bury the first ones.
const maxErrors = 100

// Parse is Load for bytes already read; file names the source in messages.
func Parse(file string, data []byte) (*Config, error) {
	return parse(file, data, nil)
}

// parseStats counts the work of one parse, for tests that bound it.
type parseStats struct {
	steps int // decoder calls, aliases expanded
}

func parse(file string, data []byte, st *parseStats) (*Config, error) {
	if len(data) > MaxFileSize {
		return nil, Errors{{File: file, Err: newProblem(ErrInvalid, "larger than %d bytes", MaxFileSize)}}
	}
	data, fe := readableText(file, data)
	if fe != nil {
		return nil, Errors{fe}
	}
	// yaml builds its whole node tree before we see any of it, some 300
	// bytes a node, and 4 MiB of tiny nodes holds millions: bound it first.
	if n, at := nodeBound(data, maxYAMLNodes); n > maxYAMLNodes {
		line, _ := position(data, at)
		return nil, Errors{{File: file, Line: line, Err: newProblem(ErrInvalid,
			"the file has too much YAML structure: more than %d nodes by this line (a checks file holds at most %d values)", maxYAMLNodes, maxNodes)}}
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{File: file, Err: newProblem(ErrRequired, "the file is empty")}}
		}
		return nil, Errors{syntaxError(file, data, err)}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, Errors{syntaxError(file, data, err)}
	default:
		return nil, Errors{{File: file, Line: extra.Line, Err: newProblem(ErrSyntax, "more than one YAML document; a checks file holds one")}}
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	c := &Config{File: file}
	d := &decoder{file: file, lines: map[string]int{}, open: map[*yaml.Node]bool{}}
	d.decode(doc, reflect.ValueOf(c).Elem(), "")
	if st != nil {
		st.steps = d.steps
	}
	c.lines = d.lines
	c.regions = mappingKeys(doc, "locations")
	if errs := d.problems(); len(errs) > 0 {
		return nil, errs
	}
	c.applyDefaults()
	if errs := c.validate(); len(errs) > 0 {
		errs = errs.sorted()
		if len(errs) > maxErrors {
			return nil, withSummary(file, errs[:maxErrors], len(errs)-maxErrors, errs[maxErrors].Line)
		}
		return nil, errs
	}
	return c, nil
}

// withSummary says, after errs, that more problems were left out, the first
// of them on moreLine.
func withSummary(file string, errs Errors, more, moreLine int) Errors {
	if more == 0 {
		return errs
	}
	return append(errs, &FieldError{File: file, Line: moreLine,
		Err: newProblem(ErrInvalid, "%d more problems not shown, the next one here: fix the ones above first", more)})
}

func syntaxError(file string, data []byte, err error) *FieldError {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if indentedWithTab(data, line) {
			m[2] += " (a tab in the indentation: YAML indents with spaces)"
		}
		return &FieldError{File: file, Line: line, Err: newProblem(ErrSyntax, "%s", m[2])}
	}
	msg = cleanYAMLError(err)
	// yaml names no line for a problem on the first line, nor for an alias
	// of an anchor it has not seen: find that alias.
	line := 1
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		if at := aliasAt(data, m[1]); at >= 0 {
			line, _ = position(data, at)
		}
	}
	return &FieldError{File: file, Line: line, Err: newProblem(ErrSyntax, "%s", msg)}
}

var unknownAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// aliasAt returns the offset of the first alias *name in data, or -1.
func aliasAt(data []byte, name string) int {
	alias := []byte("*" + name)
	for off := 0; ; {
		i := bytes.Index(data[off:], alias)
		if i < 0 {
			return -1
		}
		end := off + i + len(alias)
		if end == len(data) || !anchorChar(data[end]) {
			return off + i
		}
		off = end
	}
}

// indentedWithTab reports whether line n of data (from 1) has a tab before
// its first other character.
func indentedWithTab(data []byte, n int) bool {
	for ; n > 1 && len(data) > 0; n-- {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return false
		}
		data = data[i+1:]
	}
	indent := data[:len(data)-len(bytes.TrimLeft(data, " \t"))]
	return bytes.IndexByte(indent, '\t') >= 0
}

// Line returns the line of a field path such as "areas[2].steps[0].url", or 0.
func (c *Config) Line(path string) int { return c.lineOf(path) }

// mappingKeys returns the keys of the mapping at root[field], in file order.
func mappingKeys(root *yaml.Node, field string) []string {
	if root.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != field {
			continue
		}
		m := root.Content[i+1]
		if m.Kind == yaml.AliasNode && m.Alias != nil {
			m = m.Alias
		}
		if m.Kind != yaml.MappingNode {
			return nil
		}
		keys := make([]string, 0, len(m.Content)/2)
		for j := 0; j+1 < len(m.Content); j += 2 {
			keys = append(keys, m.Content[j].Value)
		}
		return keys
	}
	return nil
}

// readableText returns data as UTF-8 text yaml can read, or the first thing
// that is not, placed at its line and column (yaml's own errors for these
// name no line). A file with a UTF-16 byte order mark is converted, as yaml
// would read it.
func readableText(file string, data []byte) ([]byte, *FieldError) {
	// bad places a problem; its format has the column first
	bad := func(at int, format string, args ...any) *FieldError {
		line, col := position(data, at)
		return &FieldError{File: file, Line: line, Err: newProblem(ErrSyntax, format, append([]any{col}, args...)...)}
	}
	if len(data) >= 2 && (data[0] == 0xFE && data[1] == 0xFF || data[0] == 0xFF && data[1] == 0xFE) {
		text, ok := fromUTF16(data)
		if !ok {
			line, col := position(text, len(text))
			return nil, &FieldError{File: file, Line: line, Err: newProblem(ErrSyntax, "invalid UTF-16 at column %d", col)}
		}
		data = text
	}
	for i := 0; i < len(data); {
		b := data[i]
		if b >= 0x20 && b < 0x7f || b == '\n' || b == '\r' || b == '\t' {
			i++ // the common case, kept cheap
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return nil, bad(i, "invalid UTF-8 at column %d (byte 0x%02X): save the file as UTF-8", b)
		case r == 0:
			return nil, bad(i, "a NUL byte at column %d: a checks file is text")
		case !yamlChar(r):
			return nil, bad(i, "control character at column %d (%U) is not allowed", r)
		case r == 0xFEFF && i > 0:
			// yaml skips one at the start; elsewhere it is an invisible part of a key or value
			return nil, bad(i, "a byte order mark (U+FEFF) at column %d, inside the file: remove it")
		}
		i += size
	}
	return data, nil
}

// yamlChar reports whether yaml reads r in a file: YAML 1.1's printable set.
func yamlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0x7E || r == 0x85 ||
		r >= 0xA0 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// fromUTF16 converts UTF-16 with a byte order mark to UTF-8 (the mark kept,
// as U+FEFF, which yaml skips); if it meets an invalid unit it returns the
// text before it and false.
func fromUTF16(data []byte) (out []byte, ok bool) {
	order := binary.ByteOrder(binary.BigEndian)
	if data[0] == 0xFF {
		order = binary.LittleEndian
	}
	out = make([]byte, 0, len(data)+len(data)/2)
	for i := 0; i < len(data); i += 2 {
		if i+1 >= len(data) {
			return out, false
		}
		r := rune(order.Uint16(data[i:]))
		if utf16.IsSurrogate(r) {
			if i+3 >= len(data) {
				return out, false
			}
			r = utf16.DecodeRune(r, rune(order.Uint16(data[i+2:])))
			if r == utf8.RuneError {
				return out, false
			}
			i += 2
		}
		out = utf8.AppendRune(out, r)
	}
	return out, true
}

// position returns the line and column (in characters, both from 1) of the
// byte at offset at, counting line breaks as yaml does: LF, CRLF, CR, NEL,
// LS and PS.
func position(data []byte, at int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < at && i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == '\r' && i+1 < len(data) && data[i+1] == '\n':
			// the LF that follows ends the line
			col++
		case r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029:
			line, col = line+1, 1
		default:
			col++
		}
		i += size
	}
	return line, col
}

// maxYAMLNodes bounds the nodes yaml may build for one file. A file that
// decodes within maxNodes values holds about twice as many nodes (keys and
// values); the rest is margin for nodeBound counting generously.
const maxYAMLNodes = 4 * maxNodes

// nodeBound returns an upper bound on the nodes yaml builds for data, in
// one pass over the bytes and without allocating, and the offset where the
// bound passed limit (the pass stops there), else len(data).
//
// Each node yaml builds is the root of a document (yaml reads at most two
// here) or fills a slot an indicator opens: - opens an entry, [ an item,
// { and , an item and the empty value of a key without one, : and ? a key
// and a value (either may be empty). A collection, alias or scalar fills the
// slot it stands in, so counting the slots bounds the tree. Bytes that might
// be an indicator (in a quoted scalar, say) are counted too: that costs a
// legitimate file margin, never safety.
func nodeBound(data []byte, limit int) (n, at int) {
	n = 4         // two documents and their roots
	name := false // within an anchor or alias name, which a : may follow
	for i, b := range data {
		switch b {
		case '[':
			n++
		case '{', ',':
			n += 2
		case '-':
			if blankAt(data, i+1) {
				n++
			}
		case ':', '?':
			// An indicator where a token may start: before a blank (or, in
			// flow context, an indicator), or after a blank, an indicator, a
			// quote or a name; elsewhere it is inside a plain scalar.
			if blankAt(data, i+1) || flowIndicator(data[i+1]) || i == 0 || tokenEnd(data[i-1]) || name {
				n += 2
			}
		}
		name = b == '&' || b == '*' || name && anchorChar(b)
		if n > limit {
			return n, i
		}
	}
	return n, len(data)
}

// blankAt is yaml's is_blankz at data[i]: a space, tab, line break (NEL, LS
// and PS too) or the end.
func blankAt(data []byte, i int) bool {
	if i >= len(data) {
		return true
	}
	switch data[i] {
	case ' ', '\t', '\r', '\n', 0:
		return true
	case 0xC2:
		return bytes.HasPrefix(data[i:], []byte("\u0085"))
	case 0xE2:
		return bytes.HasPrefix(data[i:], []byte("\u2028")) || bytes.HasPrefix(data[i:], []byte("\u2029"))
	}
	return false
}

func flowIndicator(b byte) bool {
	return b == ',' || b == '[' || b == ']' || b == '{' || b == '}' || b == '?'
}

// tokenEnd reports whether a token may start right after b: after a blank,
// an indicator, a quote, or a line break or byte order mark (the last byte
// of NEL, LS, PS or U+FEFF; other text that ends so is counted generously).
func tokenEnd(b byte) bool {
	switch b {
	case ' ', '\t', '\r', '\n', 0, '[', ']', '{', '}', ',', ':', '?', '-', '"', '\'', 0x85, 0xA8, 0xA9, 0xBF:
		return true
	}
	return false
}

// anchorChar is what an anchor or alias name is made of.
func anchorChar(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_' || b == '-'
}
