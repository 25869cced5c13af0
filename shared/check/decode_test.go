package check_test

import (
	"reflect"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
	"go.yaml.in/yaml/v3"
)

// TestEqualsValuesAreWhatYAMLGives: the decoder reads equals values itself,
// to count them, and must give the values yaml gives an `any`.
func TestEqualsValuesAreWhatYAMLGives(t *testing.T) {
	for _, value := range []string{
		`{a: 1, b: -2.5, c: true, d: null, e: [x, 2, ~], f: "1", g: 2001-12-14, h: 0x1F, i: 1e3, j: .inf, k: {l: [[]]}, m: ''}`,
		`[1, 9223372036854775807, 18446744073709551615, 1_000, 0o17, +1, "true", yes, !!str 2, !!binary aGk=]`,
		`&v [1, 2]`,
		`plain text`,
		`{x: &a [1, {y: 2}], z: *a}`,
	} {
		c, err := check.Parse("equals.yaml", []byte("app: shop\nareas:\n  - id: A\n    request:\n      url: https://a.example.com/\n      assert:\n        - json_path: $.a\n          equals: "+value+"\n"))
		if err != nil {
			t.Errorf("%s: %v", value, err)
			continue
		}
		var want any
		if err := yaml.Unmarshal([]byte(value), &want); err != nil {
			t.Fatal(err)
		}
		if got := c.Areas[0].Request.Assert[0].Equals; !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got  %#v\n want %#v", value, got, want)
		}
	}
}
