package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

// generatedChecks is a checks file of n areas whose ids are idLen characters
// (letters and digits, as the checks file allows), four locations.
func generatedChecks(t *testing.T, n, idLen int) *check.Config {
	t.Helper()
	var b strings.Builder
	b.WriteString("app: taskboard-eu\nareas:\n")
	for i := range n {
		id := fmt.Sprintf("A%d", i)
		id += strings.Repeat("x", idLen-len(id))
		fmt.Fprintf(&b, "  - id: %s\n    request: {url: \"https://example.com/%d\"}\n", id, i)
	}
	cfg, err := check.Parse("generated.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("generated checks file: %v", err)
	}
	return cfg
}

// Every quota, against the templates as CloudFormation receives them: the
// home stack of the example and of 1,000 areas with 64-character ids is
// expanded (cfn-lint's transforms), linted, and counted, with the nested
// alarm stacks it creates; the figures Measure computes before a deploy are
// the ones counted.
func TestQuotas(t *testing.T) {
	cases := []struct {
		name string
		cfg  func(t *testing.T) *check.Config
	}{
		{"example", loadExample},
		{"1000 areas of 64 characters", func(t *testing.T) *check.Config { return generatedChecks(t, 1000, 64) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := c.cfg(t)
			f, err := Measure(cfg)
			if err != nil {
				t.Fatalf("Measure: %v", err)
			}
			s := exampleStacks(t)
			if c.name != "example" {
				if s, err = expandStacks(t, cfg); err != nil {
					t.Fatal(err)
				}
			}
			dir := t.TempDir()
			lint := []string{writeJSON(t, dir, "template.json", s.parent)}
			resources := len(s.parent.section("Resources"))
			parameters := len(s.parent.section("Parameters"))
			bytes := templateBytes(t, s.parent)
			var (
				alarms, fullest, fullestBytes int
				fullestID                     string
			)
			for _, id := range sortedNames(anyMap(s.children)) {
				k := s.children[id]
				n := len(k.tpl.section("Resources"))
				alarms += n
				if n > fullest {
					fullest, fullestID, fullestBytes = n, id, templateBytes(t, k.tpl)
				}
				if len(k.tpl.section("Parameters")) > MaxParameters {
					t.Errorf("%s: %d parameters", id, len(k.tpl.section("Parameters")))
				}
			}
			if fullestID != "" {
				lint = append(lint, writeJSON(t, dir, fullestID+".json", s.children[fullestID].tpl))
			}
			p, err := Params(cfg, "")
			if err != nil {
				t.Fatal(err)
			}
			largest, largestKey := 0, ""
			for _, o := range p.Overrides() {
				if len(o.Value) > largest {
					largest, largestKey = len(o.Value), o.Key
				}
			}
			dash := dashboardOf(t, s.parent, s.params, cfg.HomeRegion)

			t.Logf("%d areas: %d resources and %d parameters per stack, %d bytes expanded (parameter values inlined); %d nested alarm stacks, the fullest %s with %d resources, %d bytes; largest parameter %s, %d bytes; dashboard %d widgets, at most %d series (%d in one graph); longest alarm name %d bytes",
				len(cfg.Areas), resources, parameters, bytes, len(s.children), fullestID, fullest, fullestBytes,
				largestKey, largest, dash.widgets, dash.series(len(cfg.Locations)), dash.maxGraph(len(cfg.Locations)), len(f.LongestAlarm))

			for _, q := range []struct {
				what          string
				got, measured int
				limit         int
			}{
				{"resources in the stack", resources, f.Resources, MaxResources},
				{"resources in the fullest nested stack", fullest, f.ChunkResources, MaxResources},
				{"parameters", parameters, f.Parameters, MaxParameters},
				{"bytes of the largest parameter", largest, f.LargestBytes, MaxParameterBytes},
				{"dashboard widgets", dash.widgets, f.Widgets, MaxWidgets},
				{"dashboard series", dash.series(len(cfg.Locations)), f.DashboardSeries, MaxDashboardSeries},
				{"series in one graph", dash.maxGraph(len(cfg.Locations)), f.MaxGraphSeries, MaxSeriesPerGraph},
				{"bytes of the expanded template", bytes, bytes, MaxTemplateBytes},
				{"bytes of the fullest expanded nested template", fullestBytes, fullestBytes, MaxTemplateBytes},
			} {
				if q.got != q.measured {
					t.Errorf("%s: the expanded templates hold %d, Measure says %d", q.what, q.got, q.measured)
				}
				if q.got > q.limit {
					t.Errorf("%s: %d, over CloudFormation's limit of %d", q.what, q.got, q.limit)
				}
			}
			// MaintenanceWindows is bounded by MaintenanceText, whatever the file.
			if largestKey != "" && largestKey != "LocationLabels" && largestKey != "MaintenanceWindows" && !strings.HasPrefix(largestKey, "AreaIds") {
				t.Errorf("largest parameter %s: want an area chunk, the labels or the maintenance windows", largestKey)
			}
			if want := 2 * len(cfg.Areas); alarms != want {
				t.Errorf("the nested stacks hold %d alarms, want %d (Down and Slow per area)", alarms, want)
			}
			if got := len(alarm.Alarms(cfg)); got != alarms+len(cfg.Locations) {
				t.Errorf("alarm.Alarms has %d alarms, the stacks %d", got, alarms+len(cfg.Locations))
			}

			lintExpanded(t, dir, cfg.HomeRegion, lint...)
		})
	}
}

// The fullest nested stack the template allows: 200 areas, 400 alarms.
func TestQuotasOfTheFullestChunk(t *testing.T) {
	cfg := generatedChecks(t, MaxAreasPerChunk, 8)
	p, err := Params(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := expandTemplates(t, []expandJob{{"area-alarms.yaml", p.HomeRegion, []Override{
		{"AppName", p.AppName}, {"AreaIds", strings.Join(p.AreaIDs, ",")}, {"Quorum", "2"},
		{"DownM", "2"}, {"DownN", "3"}, {"SlowM", "3"}, {"SlowN", "5"}, {"AlarmTopicArn", "arn:aws:sns:us-east-1:123456789012:t"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	n, bytes := len(docs[0].section("Resources")), templateBytes(t, docs[0])
	t.Logf("%d areas in one chunk: %d resources, %d bytes expanded", MaxAreasPerChunk, n, bytes)
	if n != AlarmsPerArea*MaxAreasPerChunk || n > MaxResources || bytes > MaxTemplateBytes {
		t.Errorf("%d resources (want %d, at most %d), %d bytes (at most %d)", n, AlarmsPerArea*MaxAreasPerChunk, MaxResources, bytes, MaxTemplateBytes)
	}
	dir := t.TempDir()
	lintExpanded(t, dir, p.HomeRegion, writeJSON(t, dir, "chunk.json", docs[0]))
}

// lintExpanded runs cfn-lint on expanded templates in dir, beside a copy of
// area-alarms.yaml (cfn-lint checks the parameters a stack passes to the
// template its TemplateURL names). W3002, "may only work with package", is
// the local TemplateURL that `sam package` uploads.
func lintExpanded(t *testing.T, dir, region string, files ...string) {
	t.Helper()
	cfnLint := needTool(t, "cfn-lint")
	nested, err := os.ReadFile(filepath.Join(repoRoot, "area-alarms.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "area-alarms.yaml"), nested, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cfnLint, append([]string{"--regions", region, "--ignore-checks", "W3002", "--"}, files...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("cfn-lint on the expanded templates: %v\n%s", err, out)
	}
}

// templateBytes is the size of an expanded template as JSON, without the
// parameter values the expansion wrote into it as Defaults (a deployed
// template carries them as parameters, not in its body).
func templateBytes(t *testing.T, doc tpl) int {
	t.Helper()
	var c tpl
	if err := json.Unmarshal([]byte(mustJSON(t, doc)), &c); err != nil {
		t.Fatal(err)
	}
	for _, decl := range c.section("Parameters") {
		delete(decl.(map[string]any), "Default")
	}
	return len(mustJSON(t, c))
}

func writeJSON(t *testing.T, dir, name string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// One area past what the template holds is refused before any deploy, with
// the limit and the numbers; up to it, the file deploys.
func TestMeasureRefusesOneAreaPastTheCeiling(t *testing.T) {
	cases := []struct {
		idLen, fit int
	}{
		// 63 ids of 64 characters (and 62 commas) fill 4,096 bytes.
		{64, AreaChunks * ((MaxParameterBytes + 1) / 65)},
		// Short ids fill the 200 areas of a chunk first.
		{8, AreaChunks * MaxAreasPerChunk},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("ids of %d characters", c.idLen), func(t *testing.T) {
			if _, err := Measure(generatedChecks(t, c.fit, c.idLen)); err != nil {
				t.Fatalf("%d areas: %v", c.fit, err)
			}
			_, err := Measure(generatedChecks(t, c.fit+1, c.idLen))
			if !errors.Is(err, ErrQuota) {
				t.Fatalf("%d areas: err = %v, want ErrQuota", c.fit+1, err)
			}
			want := fmt.Sprintf("%d areas do not fit the template's %d alarm stacks (each at most %d areas and %d bytes of ids)", c.fit+1, AreaChunks, MaxAreasPerChunk, MaxParameterBytes)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v, want it to say %q", err, want)
			}
			if _, err := Params(generatedChecks(t, c.fit+1, c.idLen), ""); !errors.Is(err, ErrQuota) {
				t.Errorf("deploy-params: err = %v, want ErrQuota", err)
			}
		})
	}
}

// An area keeps its chunk, and so its alarms their nested stack, when other
// areas are added, removed or reordered.
func TestChunksAreStableAsTheFileChanges(t *testing.T) {
	ids := func(from, to int) []string {
		var out []string
		for i := from; i < to; i++ {
			out = append(out, fmt.Sprintf("Area%d", i))
		}
		return out
	}
	where := func(cs [AreaChunks]Chunk) map[string]int {
		m := map[string]int{}
		for i, c := range cs {
			for _, id := range c.AreaIDs {
				if _, dup := m[id]; dup {
					t.Fatalf("%s in two chunks", id)
				}
				m[id] = i
			}
		}
		return m
	}
	before, err := ChunkAreas(ids(0, 300))
	if err != nil {
		t.Fatal(err)
	}
	// Areas inserted in front, some removed, the rest reversed.
	changed := append(ids(1000, 1100), ids(50, 300)...)
	for i, j := 100, len(changed)-1; i < j; i, j = i+1, j-1 {
		changed[i], changed[j] = changed[j], changed[i]
	}
	after, err := ChunkAreas(changed)
	if err != nil {
		t.Fatal(err)
	}
	b, a := where(before), where(after)
	if len(a) != len(changed) {
		t.Fatalf("%d areas placed, want %d", len(a), len(changed))
	}
	for id, chunk := range a {
		if old, ok := b[id]; ok && old != chunk {
			t.Errorf("%s moved from chunk %d to %d", id, old+1, chunk+1)
		}
	}
}
