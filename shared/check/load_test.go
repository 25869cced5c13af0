package check_test

import (
	"github.com/lookout-monitoring/lookout/shared/golden"

	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// TestInvalidFiles maps each testdata/invalid-*.yaml to the exact errors it
// must give, kept in the .err file beside it (refresh with -update).
func TestInvalidFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid-*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid testdata: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			_, err := check.Load(f)
			if err == nil {
				t.Fatalf("%s loaded without error", f)
			}
			var errs check.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, want check.Errors: %v", err, err)
			}
			for _, e := range errs {
				if e.File != f {
					t.Errorf("error names file %q, want %q", e.File, f)
				}
				if e.Line == 0 && !strings.Contains(f, "empty") {
					t.Errorf("error has no line: %v", e)
				}
			}
			golden.Assert(t, strings.TrimSuffix(f, ".yaml")+".err", []byte(err.Error()+"\n"))
		})
	}
}

func TestErrorsAreClassified(t *testing.T) {
	cases := map[string]error{
		"testdata/invalid-unknown-field.yaml":      check.ErrUnknownField,
		"testdata/invalid-syntax.yaml":             check.ErrSyntax,
		"testdata/invalid-types.yaml":              check.ErrInvalid,
		"testdata/invalid-area-id.yaml":            check.ErrDuplicate,
		"testdata/invalid-request-and-steps.yaml":  check.ErrConflict,
		"testdata/invalid-references.yaml":         check.ErrReference,
		"testdata/invalid-literal-credential.yaml": check.ErrLiteralCred,
		"testdata/invalid-empty.yaml":              check.ErrRequired,
	}
	for file, want := range cases {
		_, err := check.Load(file)
		if !errors.Is(err, want) {
			t.Errorf("%s: errors.Is(err, %v) is false; err = %v", file, want, err)
		}
	}
}

func TestExampleFileLoads(t *testing.T) {
	c, err := check.Load("../../checks.yaml")
	if err != nil {
		t.Fatalf("example checks file: %v", err)
	}
	if len(c.Areas) < 6 {
		t.Errorf("example has %d areas, want the six functional areas at least", len(c.Areas))
	}
	for _, id := range []string{"SignIn", "Boards", "Cards", "PublicAPI", "Search", "Reporting"} {
		if c.Area(id) == nil {
			t.Errorf("example lacks area %s", id)
		}
	}
	if len(c.Locations) != 4 {
		t.Errorf("example has %d locations, want 4", len(c.Locations))
	}
}

func TestDefaults(t *testing.T) {
	c, err := check.Load("testdata/valid-minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.HomeRegion != "us-east-1" {
		t.Errorf("home region %q", c.HomeRegion)
	}
	if got := c.Locations["eu-west-2"]; got != "London" || len(c.Locations) != 4 {
		t.Errorf("locations %v", c.Locations)
	}
	a := c.Area("home")
	if a == nil {
		t.Fatal("area Home not found case-insensitively")
	}
	steps := a.AllSteps()
	if len(steps) != 1 || steps[0].Method != "GET" || !steps[0].Status.Contains(204) || steps[0].Status.Contains(301) {
		t.Errorf("step defaults: %+v", steps)
	}
	if *steps[0].MaxRedirects != check.DefaultMaxRedirects {
		t.Errorf("max redirects %d", *steps[0].MaxRedirects)
	}
	if a.Timeout.D() != 10*time.Second || a.Slow.D() != 2*time.Second || a.Severity != check.Critical || a.Name != "Home" {
		t.Errorf("area defaults: %+v", a)
	}
	if c.Defaults.BodyLimit != 1<<20 || c.Alerting.Quorum != 2 || c.Alerting.Down.M != 2 || c.Alerting.Down.N != 3 {
		t.Errorf("defaults: %+v %+v", c.Defaults, c.Alerting)
	}
	if c.Line("areas[0].request.url") != 5 {
		t.Errorf("line of url = %d, want 5", c.Line("areas[0].request.url"))
	}
}

func TestAreaValuesOverrideDefaults(t *testing.T) {
	c, err := check.Parse("inline.yaml", []byte(`
app: shop
defaults: {timeout: 5s, slow: 1s, severity: warning, max_redirects: 2}
areas:
  - id: A
    timeout: 8s
    slow: 3s
    severity: critical
    request: {url: "https://a.example.com/", max_redirects: 0, status: [200, 3xx]}
  - id: B
    request: {url: "https://b.example.com/"}
`))
	if err != nil {
		t.Fatal(err)
	}
	a, b := c.Area("A"), c.Area("B")
	if a.Timeout.D() != 8*time.Second || a.Slow.D() != 3*time.Second || a.Severity != check.Critical {
		t.Errorf("A: %+v", a)
	}
	if *a.Request.MaxRedirects != 0 || !a.Request.Status.Contains(302) || a.Request.Status.Contains(201) {
		t.Errorf("A request: %+v", a.Request)
	}
	if b.Timeout.D() != 5*time.Second || b.Severity != check.Warning || *b.Request.MaxRedirects != 2 {
		t.Errorf("B: %+v", b)
	}
}

func TestSizes(t *testing.T) {
	for in, want := range map[string]check.Size{"65536": 65536, "512KiB": 512 << 10, "1MiB": 1 << 20, "2MB": 2e6, "10 KiB": 10 << 10} {
		got, err := check.ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "0", "1TB", "lots", "1.5MiB"} {
		if _, err := check.ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}

func TestRegionsKeepTheFilesOrder(t *testing.T) {
	c, err := check.Parse("c.yaml", []byte("app: a\nhome_region: eu-west-2\nlocations:\n  ap-southeast-2: Sydney\n  eu-west-2: London\n  us-east-1: New York\nareas: [{id: A, request: {url: 'https://a.example.com/'}}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Regions(), " "); got != "ap-southeast-2 eu-west-2 us-east-1" {
		t.Errorf("regions %s", got)
	}
	d, err := check.Load("testdata/valid-minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.Regions(), " "); got != "us-east-1 eu-west-2 ap-south-1 ap-southeast-2" {
		t.Errorf("default regions %s", got)
	}
	// A config made in code, without a file, still lists every location once.
	e := &check.Config{Locations: map[string]string{"b-x-1": "B", "a-x-1": "A"}}
	if got := strings.Join(e.Regions(), " "); got != "a-x-1 b-x-1" {
		t.Errorf("unordered regions %s", got)
	}
}

func TestRefsListsEveryReferenceWithItsField(t *testing.T) {
	c, err := check.Load("../../checks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	before := c.Areas[0].Request.Body + c.Areas[1].Steps[1].Headers["Authorization"]
	refs := c.Refs()
	var ssm, vars int
	for _, r := range refs {
		switch r.Ref.Kind {
		case check.RefSSM:
			ssm++
		case check.RefVar:
			vars++
		}
		if r.Line == 0 || r.Field == "" {
			t.Errorf("reference without a place: %+v", r)
		}
	}
	if ssm == 0 || vars == 0 || refs[0].Field != "areas[0].request.body" {
		t.Errorf("refs %+v", refs)
	}
	if after := c.Areas[0].Request.Body + c.Areas[1].Steps[1].Headers["Authorization"]; after != before || !strings.Contains(after, "${ssm:") {
		t.Errorf("Refs changed the config: %q", after)
	}
}
