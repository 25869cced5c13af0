package probe

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// sum adds at run time, in float64 (constants would add exactly).
func sum(a, b float64) float64 { return a + b }

// TestJSONEqual: equals compares numbers numerically and exactly, strings,
// booleans and null as themselves, and objects and arrays deeply.
func TestJSONEqual(t *testing.T) {
	for _, tc := range []struct {
		json string
		want any // as the YAML decoder gives it
		eq   bool
	}{
		{`1`, 1, true},
		{`1.0`, 1, true},
		{`1e3`, 1000, true},
		{`0.1`, 0.1, true},
		{`0.3`, sum(0.1, 0.2), false}, // 0.30000000000000004 is not 0.3
		{`12345678901234567890`, uint64(12345678901234567890), true},
		{`12345678901234567891`, uint64(12345678901234567890), false},
		{`9007199254740993`, 9007199254740993, true}, // not representable as float64
		{`9007199254740993`, 9007199254740992, false},
		{`-2`, int64(-2), true},
		{`"1"`, 1, false},
		{`1`, "1", false},
		{`"ok"`, "ok", true},
		{`true`, true, true},
		{`true`, "true", false},
		{`null`, nil, true},
		{`null`, "", false},
		{`[1, "a", null]`, []any{1.0, "a", nil}, true},
		{`[1, 2]`, []any{2, 1}, false},
		{`[1]`, []any{1, 1}, false},
		{`{"a": {"b": [1]}}`, map[string]any{"a": map[string]any{"b": []any{1}}}, true},
		{`{"a": 1}`, map[any]any{"a": 1}, true},
		{`{"a": 1}`, map[string]any{"a": 1, "b": 2}, false},
		{`{"a": 1, "b": null}`, map[string]any{"a": 1, "c": nil}, false},
		{`1`, math.NaN(), false},
	} {
		got := matchesJSON(decodeJSON(t, tc.json), normalize(tc.want))
		if got != tc.eq {
			t.Errorf("%s equals %#v = %v, want %v", tc.json, tc.want, got, tc.eq)
		}
	}
}

func TestCapturedText(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`"abc"`, "abc"},
		{`12345678901234567890`, "12345678901234567890"},
		{`1.50`, "1.50"},
		{`true`, "true"},
		{`{"a":[1]}`, `{"a":[1]}`},
	} {
		if got := text(decodeJSON(t, tc.json)); got != tc.want {
			t.Errorf("text(%s) = %q, want %q", tc.json, got, tc.want)
		}
	}
}
