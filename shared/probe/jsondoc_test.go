package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// decodeStd decodes one JSON value as json.Decoder with UseNumber does, as
// parseJSON must; anything but white space after it is an error.
func decodeStd(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return v, nil
}

var jsonSamples = []string{
	`0`, `-1.5e+10`, `12345678901234567890123`, `true`, `false`, `null`, `""`, `"a"`, `"ab"`,
	` { } `, `[]`, `[[]]`, `{"":""}`, `{"a":1,"a":2}`, `{"a":{"a":[{"a":null}]}}`,
	`[1, "two", 3.0, true, null, {"k": [ ]}]`,
	"\t[\n1 ,\r2 ]\n",
	`"\"\\\/\b\f\n\r\t"`, `"\u0041\u00e9\u20ac\ud83d\ude00"`, `"\u0000"`,
	`"\ud800"`, `"\udc00\ud800"`, `"\ud800\u0041"`, `"\ud83d\ud83d\ude00"`, `"x\ud800"`,
	"\"caf\xc3\xa9\"", "\"\xff\"", "\"a\xffb\xc3\"", "\"\xed\xa0\x80\"", "\"\xef\xbf\xbd\"",
	`{"\u006b\u0065y":"v","k\"":"\\"}`, "{\"\xff\":1}",
	`[{"id":1,"name":"Board","tags":["a","b"],"owner":{"id":2,"email":"x@example.com"}}]`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10}`,
}

// parseJSON gives exactly what json.Decoder with UseNumber gives.
func TestParseJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonSamples {
		want, err := decodeStd([]byte(s))
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if !json.Valid([]byte(s)) {
			t.Fatalf("%q: json.Valid refuses what json.Decoder accepts", s)
		}
		if got := parseJSON([]byte(s)); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: parseJSON = %#v, want %#v", s, got, want)
		}
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, err := decodeStd(data)
		if valid := json.Valid(data); valid != (err == nil) {
			t.Fatalf("%q: json.Valid = %v, json.Decoder: %v", data, valid, err)
		}
		if err != nil {
			return
		}
		if got := parseJSON(data); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: parseJSON = %#v, want %#v", data, got, want)
		}
		if cost := jsonCost(data); cost < int64(len(data))/4 {
			t.Fatalf("%q: cost %d is implausibly low", data, cost)
		}
	})
}

// jsonShape builds a document of about size bytes.
type jsonShape struct {
	name     string
	ordinary bool // what APIs answer: must decode at the body limit
	build    func(size int) []byte
}

func repeatJSON(open, elem, sep, close string) func(int) []byte {
	return func(size int) []byte {
		n := max(1, (size-len(open)-len(close)+len(sep))/(len(elem)+len(sep)))
		var b bytes.Buffer
		b.WriteString(open)
		for i := range n {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(elem)
		}
		b.WriteString(close)
		return b.Bytes()
	}
}

func formatJSON(open, format, close string) func(int) []byte {
	return func(size int) []byte {
		var b bytes.Buffer
		b.WriteString(open)
		for i := 0; b.Len() < size; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, format, i, i, i)
		}
		b.WriteString(close)
		return b.Bytes()
	}
}

var jsonShapes = []jsonShape{
	{"boards", true, formatJSON(`{"items":[`, `{"id":%d,"name":"Board %d","owner":"user%d@example.com","done":false,"tags":["a","b"],"score":1.5}`, `]}`)},
	{"comments", true, formatJSON(`{"data":[`, `{"user":{"id":%d,"login":"u%d","avatar_url":"https://avatars.example.com/u/%d?v=4","site_admin":false},"body":"Lorem ipsum dolor sit amet, consectetur adipiscing elit","created_at":"2024-01-01T00:00:00Z"}`, `]}`)},
	{"escaped", true, formatJSON(`[`, `{"url":"https:\/\/example.com\/%d","html":"\u003cb\u003e%d\u003c\/b\u003e","n":%d}`, `]`)},
	{"text", true, formatJSON(`{"pages":[`, `"page %d %d %d: Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua."`, `]}`)},
	{"zeros", false, repeatJSON("[", "0", ",", "]")},
	{"objects", false, repeatJSON("[", "{}", ",", "]")},
	{"arrays", false, repeatJSON("[", "[]", ",", "]")},
	{"strings", false, repeatJSON("[", `"ab"`, ",", "]")},
	{"numbers", false, repeatJSON("[", "12", ",", "]")},
	{"one-member", false, repeatJSON("[", `{"a":0}`, ",", "]")},
	{"nine-members", false, repeatJSON("[", `{"a":0,"b":0,"c":0,"d":0,"e":0,"f":0,"g":0,"h":0,"i":0}`, ",", "]")},
	{"wide-object", false, formatJSON("{", `"k%d%d%d":0`, "}")},
	{"escapes", false, repeatJSON("[", `"\n"`, ",", "]")},
	{"not-utf8", false, repeatJSON("[", "\"\xff\xff\xff\xff\xff\xff\"", ",", "]")},
	{"nested", false, func(size int) []byte {
		d := min(size/2, maxJSONDepth)
		return []byte(strings.Repeat("[", d) + strings.Repeat("]", d))
	}},
	{"nested-objects", false, func(size int) []byte {
		d := min(size/6, maxJSONDepth-1)
		return []byte(strings.Repeat(`{"a":`, d) + "1" + strings.Repeat("}", d))
	}},
}

var decoded any

// jsonCost bounds everything json.Valid and parseJSON allocate, on ordinary
// and hostile shapes, small and large; ordinary JSON costs at most
// JSONDecodeFactor times its size (so a body at the limit decodes), hostile
// shapes more (so they are refused at the limit).
func TestJSONCostBoundsDecoding(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes about 100 MB of JSON")
	}
	const slack = 16 << 10 // what the runtime may allocate meanwhile
	for _, sh := range jsonShapes {
		for _, size := range []int{100, 3000, 70_000, 1 << 20} {
			data := sh.build(size)
			if !json.Valid(data) {
				t.Fatalf("%s: not JSON", sh.name)
			}
			var cost int64
			if n := testing.AllocsPerRun(2, func() { cost = jsonCost(data) }); n != 0 {
				t.Errorf("%s (%d bytes): jsonCost allocated %.0f times", sh.name, len(data), n)
			}
			got := allocated(func() {
				if json.Valid(data) {
					decoded = parseJSON(data)
				}
			})
			decoded = nil
			if got > cost+slack {
				t.Errorf("%s (%d bytes): decoding allocated %d bytes, above the bound %d", sh.name, len(data), got, cost)
			}
			if size < 1<<20 {
				continue
			}
			ratio := float64(cost) / float64(len(data))
			switch {
			case sh.ordinary && ratio > check.JSONDecodeFactor:
				t.Errorf("%s (%d bytes): bound %.1f x its size, above JSONDecodeFactor %d: it would be refused at the body limit", sh.name, len(data), ratio, check.JSONDecodeFactor)
			case !sh.ordinary && sh.name != "nested" && sh.name != "nested-objects" && ratio <= check.JSONDecodeFactor:
				t.Errorf("%s (%d bytes): bound %.1f x its size, within JSONDecodeFactor %d: a hostile shape would be decoded at the limit", sh.name, len(data), ratio, check.JSONDecodeFactor)
			}
			t.Logf("%-14s %8d bytes: allocated %5.1f x, bound %5.1f x", sh.name, len(data), float64(got)/float64(len(data)), ratio)
		}
	}
}

// A body whose decoding could take more than its allowance fails with
// body_too_large and the figures, before anything is decoded; within the
// allowance, the same shape decodes.
func TestHostileJSONIsRefused(t *testing.T) {
	t.Parallel()
	const limit = 1 << 20
	zeros := repeatJSON("[", "0", ",", "]")
	tg := startBodies(t, map[string][]byte{
		"/hostile": zeros(limit),
		"/small":   zeros(limit / 64),
		"/boards":  jsonShapes[0].build(limit - 100),
	})
	p := newProber(t, Options{})
	for _, tc := range []struct {
		path, class, msg string
	}{
		{"/hostile", "body_too_large", "$[0]: the body (1.0 MiB) could take 24.0 MiB to decode as JSON, above 8 x body_limit (8.0 MiB)"},
		{"/small", "", ""},
		{"/boards", "", ""},
	} {
		cfg := parseConfig(t, fmt.Sprintf("app: test\ndefaults:\n  body_limit: 1MiB\nareas:\n  - id: A\n    request:\n      url: %s%s\n      assert:\n        - json_path: $[0]\n          exists: true\n", tg.URL, tc.path))
		if tc.path == "/boards" {
			cfg.Areas[0].Request.Assert[0].JSONPath = "$.items[0].id"
		}
		res := p.Probe(context.Background(), cfg, &cfg.Areas[0])
		if string(res.Class) != tc.class || res.Message != tc.msg {
			t.Errorf("%s: %s %s %q, want class %q %q", tc.path, res.Verdict, res.Class, res.Message, tc.class, tc.msg)
		}
	}
}

// A failing equals on a large part of the body costs what decoding the body
// does and little more: the comparison walks the body only as far as the
// expected value goes, and the message encodes only what it shows.
func TestEqualsOnALargeValueDoesNotCopyIt(t *testing.T) {
	const limit = 1 << 20
	body := jsonShapes[0].build(limit - 200) // {"items":[{"id":0,"name":"Board 0",...},...]}
	srv := startBodies(t, map[string][]byte{"/items": body})
	p := newProber(t, Options{})
	for _, tc := range []struct{ path, equals, msg string }{
		{"$.items", "[1]", `$.items is [{"done":false,"id":0,"name":"Board 0","owner":"user0@exampl..., want [1]`},
		{"$", "1", `$ is {"items":[{"done":false,"id":0,"name":"Board 0","owner":"use..., want 1`},
		{"$", "{items: []}", `$ is {"items":[{"done":false,"id":0,"name":"Board 0","owner":"use..., want {"items":[]}`},
	} {
		cfg := parseConfig(t, fmt.Sprintf("app: test\ndefaults:\n  body_limit: 1MiB\n  concurrency: 1\nareas:\n  - id: A\n    request:\n      url: %s/items\n      assert:\n        - json_path: %s\n          equals: %s\n", srv.URL, tc.path, tc.equals))
		var res Result
		got := allocated(func() { res = p.Probe(context.Background(), cfg, &cfg.Areas[0]) })
		if res.Class != ClassAssertion || res.Message != tc.msg {
			t.Errorf("%s equals %s: %s %q, want assertion %q", tc.path, tc.equals, res.Class, res.Message, tc.msg)
		}
		if most := int64(len(body)) + jsonCost(body) + 1<<20; got > most {
			t.Errorf("%s equals %s: the probe allocated %.1f MiB, want at most %.1f MiB (the body, its decoding and 1 MiB)", tc.path, tc.equals, float64(got)/(1<<20), float64(most)/(1<<20))
		}
	}
}

// short writes what encoding the whole value and cutting it gave.
func TestShortIsTheStartOfTheWholeEncoding(t *testing.T) {
	r := &run{cfg: parseConfig(t, oneArea("request:\n  url: http://127.0.0.1/\n"))}
	r.hidden = &check.Redactor{}
	r.hidden.Hide("s3cr3t-value")
	whole := func(v any) string {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r.redactValue(v)); err != nil {
			return truncate(r.redact(fmt.Sprint(v)), shortLen)
		}
		return truncate(strings.TrimSuffix(b.String(), "\n"), shortLen)
	}
	long := strings.Repeat("é<>&\u2028\x01", 30)
	for _, v := range []any{
		nil, true, json.Number("12"), json.Number(strings.Repeat("9", 100)), "", "a\"b\\c", long, "\xff\xfe" + long,
		"token s3cr3t-value here", strings.Repeat("x", 58) + "s3cr3t-value",
		[]any{}, map[string]any{}, []any{"a", json.Number("1"), nil, []any{map[string]any{"b": false}}},
		map[string]any{"z": 1, "a": []any{long}, "m": "s3cr3t-value"},
		map[string]any{"b": 2, "a": 1, "c": map[string]any{"y": "x", "x": "y"}},
		parseJSON(repeatJSON("[", `{"k":"v","j":[1,2]}`, ",", "]")(10_000)),
		1, 2.5, uint64(1 << 63), map[any]any{"a": 1, 2: "b"}, []any{1, "x"}, math.NaN(), math.Inf(1),
	} {
		if got, want := r.short(v), whole(v); got != want {
			t.Errorf("short(%.40v) = %q, want %q", v, got, want)
		}
	}
}
