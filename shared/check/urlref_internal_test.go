package check

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzAValueNeverChangesAURL: for any URL the checks file accepts and any
// value for its references, the URL built has the scheme, host, user, path
// segments, query parameters and fragment the file wrote.
func FuzzAValueNeverChangesAURL(f *testing.F) {
	for _, s := range [][2]string{
		{"https://u:${env:PW}@shop.example/a/${var:v}?k=${var:v}&z=1#${var:v}", "8081/x@h:1?a=b&c#d"},
		{"http://${env:H}/x", "shop.example:8080"},
		{"http://${env:H}:8443/${env:A}${env:B}", "../.."},
		{"https://${env:U}@shop.example/$${x}/${var:v}", "%2F%zz"},
		{"https://shop.example/?${var:v}", "a=b&c=d"},
		{"http://${}@0#${}", ""},
		{"http://0/ ${}", "/"}, // a literal space must not undo the value's %2F
		{"http://0/$${x}/${var:v}", "a/b"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, raw, v string) {
		tmpl, err := parseURLTemplate(raw)
		if err != nil {
			return
		}
		// What validation sees: every reference as "x".
		masked := expand(raw, true, func(Ref) (string, bool) { return "x", true })
		want, err := url.Parse(masked)
		if err != nil || want.Host == "" || want.Scheme != "http" && want.Scheme != "https" {
			return // refused when the file is loaded
		}
		built, err := tmpl.build(func(Ref) (string, error) { return v, nil })
		if err != nil {
			return // a value that is no host, refused when resolved
		}
		got, err := url.Parse(built)
		if err != nil {
			t.Fatalf("%q with %q: %s: %v", raw, v, built, err)
		}
		refIn := map[urlPart]bool{}
		for _, tok := range tmpl.toks {
			if tok.isRef {
				refIn[tok.part] = true
			}
		}
		same := got.Scheme == want.Scheme &&
			(refIn[partHost] || got.Host == want.Host) &&
			(got.User == nil) == (want.User == nil) &&
			(refIn[partUser] || got.User == nil || got.User.Username() == want.User.Username()) &&
			strings.Count(got.EscapedPath(), "/") == strings.Count(want.EscapedPath(), "/") &&
			strings.Count(got.RawQuery, "&") == strings.Count(want.RawQuery, "&") &&
			strings.Count(got.RawQuery, "=") == strings.Count(want.RawQuery, "=") &&
			strings.Count(built, "#") == strings.Count(masked, "#")
		if !same {
			t.Fatalf("%q with %q: built %s, the file wrote the shape of %s", raw, v, built, want)
		}
	})
}
