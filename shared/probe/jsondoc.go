package probe

import (
	"encoding/json"
	"math"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A body is decoded as JSON into the values encoding/json gives an any with
// UseNumber (map[string]any, []any, string, json.Number, bool, nil), but
// straight from the body: json.Decoder first copies the whole value into a
// buffer of its own, grown by doubling (up to four times the body allocated,
// besides the body), and json.Unmarshal would turn numbers into float64.
//
// Before decoding, jsonCost bounds what decoding will allocate, from the
// bytes alone and without allocating; a body whose bound is above its
// allowance (check.JSONAllowance) is refused instead of decoded. The bound
// follows what parseJSON allocates, item by item, with the figures below
// (measured on Go's maps, slices and size classes; TestJSONCostBoundsDecoding
// checks them against runtime.MemStats on hostile and ordinary shapes).
const (
	// maxJSONDepth is encoding/json's nesting limit: json.Valid refuses a
	// deeper document.
	maxJSONDepth = 10000
	// jsonFixed covers json.Valid's scanner and the decoder's first frames.
	jsonFixed = 4 << 10
	// jsonPerDepth is, per level of nesting, the decoder's stack of open
	// containers (48 bytes a frame, grown by append) and json.Valid's
	// (8 bytes a level).
	jsonPerDepth = 400
	// jsonBox is a string or json.Number put in an any (its header).
	jsonBox = 16
	// jsonSliceBox is an []any put in an any (its header).
	jsonSliceBox = 24
	// jsonElement is an array element's slot: parseJSON doubles an array's
	// capacity when it is full, 1, 2, 4, ... elements of 16 bytes, sizes Go
	// allocates exactly (size classes to 32 KiB, whole pages above).
	jsonElement = 16
	// jsonMap is a map's header; jsonGroup its first group of 8 slots,
	// allocated with its first member.
	jsonMap   = 48
	jsonGroup = 288
	// jsonMember is each member of a map of more than 8, everything the
	// map allocates included (measured up to 179 bytes a member).
	jsonMember = 192
	// smallMapMembers is how many members a map holds in its first group.
	smallMapMembers = 8
)

// jsonCost is an upper bound on the bytes parseJSON allocates to decode
// data, which json.Valid accepted. It allocates nothing.
func jsonCost(data []byte) int64 {
	// Per open container: the top bit says an object, the rest counts its
	// elements or members so far.
	var open [maxJSONDepth + 1]uint32
	const object = 1 << 31
	cost := int64(jsonFixed)
	depth, deepest := 0, 0
	key := false // an object member's key comes next
	for i := 0; i < len(data); {
		c := data[i]
		switch c {
		case ' ', '\t', '\n', '\r', ':':
			i++
			continue
		case ',':
			key = open[depth]&object != 0
			i++
			continue
		case '}', ']':
			depth--
			i++
			continue
		}
		// A value, or an object member's key.
		if depth > 0 && (key || open[depth]&object == 0) {
			open[depth]++
			switch n := open[depth] &^ object; {
			case open[depth]&object == 0: // the array grows at 1, 2, 3, 5, 9, ... elements
				if n == 1 {
					cost += jsonElement
				} else if m := n - 1; m&(m-1) == 0 {
					cost += int64(2*m) * jsonElement
				}
			case n == 1:
				cost += jsonGroup
			case n == smallMapMembers+1: // the map becomes a table
				cost += (smallMapMembers+1)*jsonMember - jsonMap - jsonGroup
			case n > smallMapMembers+1:
				cost += jsonMember
			}
		}
		switch c {
		case '{', '[':
			if depth == maxJSONDepth { // json.Valid refuses it: not for decoding
				return math.MaxInt64
			}
			depth++
			deepest = max(deepest, depth)
			open[depth], key = 0, c == '{'
			if c == '{' {
				open[depth] = object
				cost += jsonMap
			} else {
				cost += jsonSliceBox
			}
			i++
		case '"':
			end, escaped := stringEnd(data, i)
			s := data[i+1 : end-1]
			n, simple := len(s), !escaped && utf8.Valid(s)
			if !simple {
				n = unquote(s, nil)
			}
			cost += stringCost(n, simple)
			if !key && n > 0 {
				cost += jsonBox
			}
			key = false
			i = end
		case 't', 'n':
			i += 4
		case 'f':
			i += 5
		default:
			end := numberEnd(data, i)
			cost += stringCost(end-i, true) + jsonBox
			i = end
		}
	}
	return cost + int64(deepest)*jsonPerDepth
}

// stringCost bounds what a decoded string of n bytes allocates: nothing
// when it is empty or one byte taken as is (Go keeps those statically),
// else n rounded up to Go's size class (at most a quarter more and 16
// bytes; whole 8 KiB pages above 32 KiB).
func stringCost(n int, simple bool) int64 {
	switch {
	case n == 0, simple && n == 1:
		return 0
	case n <= 32<<10:
		return int64(n + n/4 + 16)
	}
	return int64(n + 8<<10)
}

// jsonFrame is an open container while parseJSON decodes.
type jsonFrame struct {
	arr []any
	obj map[string]any // nil for an array
	key string         // the member being decoded
}

// parseJSON decodes data, which json.Valid accepted, as json.Decoder with
// UseNumber does into an any (TestParseJSONMatchesEncodingJSON).
func parseJSON(data []byte) any {
	var stack []jsonFrame
	i := 0
	for {
		i = skipSpace(data, i)
		var v any
		switch c := data[i]; c {
		case '{':
			stack = append(stack, jsonFrame{obj: map[string]any{}})
			i = memberKey(data, i+1, &stack[len(stack)-1])
			continue
		case '[':
			stack = append(stack, jsonFrame{arr: []any{}})
			i++
			continue
		case '}', ']':
			f := stack[len(stack)-1]
			stack[len(stack)-1] = jsonFrame{}
			stack = stack[:len(stack)-1]
			if f.obj != nil {
				v = f.obj
			} else {
				v = f.arr
			}
			i++
		case '"':
			end, escaped := stringEnd(data, i)
			v, i = jsonString(data[i+1:end-1], escaped), end
		case 't':
			v, i = true, i+4
		case 'f':
			v, i = false, i+5
		case 'n':
			v, i = nil, i+4
		default:
			end := numberEnd(data, i)
			v, i = json.Number(data[i:end]), end
		}
		if len(stack) == 0 {
			return v
		}
		f := &stack[len(stack)-1]
		switch {
		case f.obj != nil:
			f.obj[f.key] = v
		case len(f.arr) == cap(f.arr): // double, as jsonCost counts
			grown := make([]any, len(f.arr), max(1, 2*cap(f.arr)))
			copy(grown, f.arr)
			f.arr = append(grown, v)
		default:
			f.arr = append(f.arr, v)
		}
		if i = skipSpace(data, i); data[i] == ',' {
			i++
			if f.obj != nil {
				i = memberKey(data, i, f)
			}
		}
	}
}

// memberKey reads an object member's key and colon at i, if a member starts
// there, and returns where its value (or the closing brace) starts.
func memberKey(data []byte, i int, f *jsonFrame) int {
	if i = skipSpace(data, i); data[i] != '"' {
		return i
	}
	end, escaped := stringEnd(data, i)
	f.key = jsonString(data[i+1:end-1], escaped)
	return skipSpace(data, end) + 1
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index after the closing quote of the string that
// starts at i, and whether it holds escapes.
func stringEnd(data []byte, i int) (end int, escaped bool) {
	for j := i + 1; ; j++ {
		switch data[j] {
		case '"':
			return j + 1, escaped
		case '\\':
			escaped = true
			j++
		}
	}
}

func numberEnd(data []byte, i int) int {
	for i < len(data) {
		switch c := data[i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			i++
		default:
			return i
		}
	}
	return i
}

// jsonString decodes a string's content (without its quotes).
func jsonString(s []byte, escaped bool) string {
	if !escaped && utf8.Valid(s) {
		return string(s)
	}
	var b strings.Builder
	b.Grow(unquote(s, nil))
	unquote(s, &b)
	return b.String()
}

// unquote decodes a string's content that holds escapes or bytes that are
// not UTF-8 as encoding/json does: a byte that is not UTF-8, or a surrogate
// not in a pair, becomes U+FFFD. It writes to b, and returns the length
// written (with b nil, it only counts).
func unquote(s []byte, b *strings.Builder) int {
	n := 0
	put := func(r rune) {
		if b != nil {
			b.WriteRune(r)
		}
		n += utf8.RuneLen(r)
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && s[i+1] == 'u':
			r := hex4(s[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if pair := utf16.DecodeRune(r, hex4(s[i+2:i+6])); pair != utf8.RuneError {
						put(pair)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			put(r)
		case c == '\\':
			put(rune(unescaped[s[i+1]]))
			i += 2
		case c < utf8.RuneSelf:
			put(rune(c))
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			put(r) // utf8.RuneError for a byte that is not UTF-8
			i += size
		}
	}
	return n
}

// unescaped maps the letter after a backslash to the byte it stands for.
var unescaped = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hex4 reads the four hex digits of a \u escape.
func hex4(s []byte) rune {
	var r rune
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}
