package deploy

import (
	"fmt"

	"github.com/lookout-monitoring/lookout/shared/golden"

	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// exampleChecks is the repository's example checks file: the one `make deploy` uses.
const exampleChecks = "../../checks.yaml"

func loadExample(t *testing.T) *check.Config {
	t.Helper()
	cfg, err := check.Load(exampleChecks)
	if err != nil {
		t.Fatalf("load %s: %v", exampleChecks, err)
	}
	return cfg
}

func parseChecks(t *testing.T, yaml string) *check.Config {
	t.Helper()
	cfg, err := check.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return cfg
}

func assertGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Assert(t, filepath.Join("testdata", name), []byte(got))
}

// samOverridePattern is how SAM CLI reads --parameter-overrides and the
// parameter_overrides of samconfig.toml: CfnParameterOverridesType._pattern_2
// in samcli/cli/types.py (key, "=", then a double-quoted, single-quoted or bare
// value; quotes are stripped and \" \' and "\ " unescaped).
var samOverridePattern = regexp.MustCompile(`(?: )([A-Za-z0-9"']+)=("(?:\\.|[^"\\]+)*"|'(?:\\.|[^'\\]+)*'|(?:\\.|[^ "\\]+)+)`)

// parseSAMOverrides reads overrides as SAM CLI does; keys in order.
func parseSAMOverrides(s string) (keys []string, values map[string]string) {
	unquote := func(v string) string {
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		}
		return strings.NewReplacer(`\ `, " ", `\"`, `"`, `\'`, "'").Replace(v)
	}
	values = map[string]string{}
	for _, m := range samOverridePattern.FindAllStringSubmatch(" "+strings.TrimSpace(s), -1) {
		k := unquote(m[1])
		keys = append(keys, k)
		values[k] = unquote(m[2])
	}
	return keys, values
}

// commaList is how CloudFormation reads a CommaDelimitedList value.
func commaList(s string) []string {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func TestDeployParamsGoldenForExample(t *testing.T) {
	cfg := loadExample(t)
	stacks, err := Plan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("# lookout deploy-params --format plan\n")
	b.WriteString(FormatPlan(stacks))
	for _, s := range stacks {
		p, err := Params(cfg, s.Region)
		if err != nil {
			t.Fatalf("%s: %v", s.Region, err)
		}
		out, err := p.SAM()
		if err != nil {
			t.Fatalf("%s: %v", s.Region, err)
		}
		b.WriteString("# lookout deploy-params --location " + s.Region + "\n" + out + "\n")
	}
	p, err := Params(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	p.AlertEmail, p.AlertPhone, p.PagerRoutingKeyParam = "oncall@example.com", "+447700900123", "/lookout/taskboard/pager-routing-key"
	js, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString("# lookout deploy-params --format json --alert-email oncall@example.com --alert-phone +447700900123 --pager-key-param /lookout/taskboard/pager-routing-key\n")
	b.Write(js)
	assertGolden(t, "deploy-params.golden", b.String())
}

func TestParamsFollowTheChecksFile(t *testing.T) {
	cfg := loadExample(t)
	p, err := Params(cfg, "eu-west-2")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range cfg.Areas {
		ids = append(ids, a.ID)
	}
	if !slices.Equal(p.AreaIDs, ids) {
		t.Errorf("AreaIDs = %v, want %v", p.AreaIDs, ids)
	}
	if p.LocationLabel != "London" || p.LocationRegion != "eu-west-2" {
		t.Errorf("location = %q %q", p.LocationLabel, p.LocationRegion)
	}
	if p.LocationLabels[0] != cfg.Locations[cfg.HomeRegion] || len(p.LocationLabels) != len(cfg.Locations) {
		t.Errorf("LocationLabels = %v: want every label, home first", p.LocationLabels)
	}
	al := cfg.Alerting
	if got := []int{p.Quorum, p.DownM, p.DownN, p.SlowM, p.SlowN, p.SilentAfter}; !slices.Equal(got, []int{al.Quorum, al.Down.M, al.Down.N, al.Slow.M, al.Slow.N, al.SilentAfter}) {
		t.Errorf("alerting values = %v", got)
	}
	home, err := Params(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	if home.LocationRegion != cfg.HomeRegion {
		t.Errorf("no --location: region %s, want the home region %s", home.LocationRegion, cfg.HomeRegion)
	}
}

// The quoting must survive SAM CLI's parser: labels with spaces and
// punctuation, and the comma lists CloudFormation splits again.
func TestSAMOverridesRoundTripThroughSAMCLIParsing(t *testing.T) {
	cfg := parseChecks(t, `
app: shop-front
home_region: sa-east-1
locations:
  sa-east-1: Sao Paulo (BR)
  ca-central-1: St. John's
  eu-central-1: Frankfurt-am-Main
alerting: {quorum: 2}
areas:
  - id: Checkout
    request: {url: "https://shop.example.com/"}
  - id: Search2
    request: {url: "https://shop.example.com/search"}
`)
	for _, region := range []string{"sa-east-1", "ca-central-1", "eu-central-1"} {
		p, err := Params(cfg, region)
		if err != nil {
			t.Fatal(err)
		}
		p.AlertEmail, p.AlertPhone = "o'neil+oncall@example.com", "+5511912345678"
		s, err := p.SAM()
		if err != nil {
			t.Fatal(err)
		}
		keys, got := parseSAMOverrides(s)
		var wantKeys []string
		for _, o := range p.Overrides() {
			wantKeys = append(wantKeys, o.Key)
			if got[o.Key] != o.Value {
				t.Errorf("%s: %s reads back as %q, want %q\n%s", region, o.Key, got[o.Key], o.Value, s)
			}
		}
		if !slices.Equal(keys, wantKeys) {
			t.Errorf("%s: keys read back %v, want %v", region, keys, wantKeys)
		}
		if labels := commaList(got["LocationLabels"]); !slices.Equal(labels, p.LocationLabels) {
			t.Errorf("%s: LocationLabels split by CloudFormation = %q, want %q", region, labels, p.LocationLabels)
		}
		var ids []string
		for i := range AreaChunks {
			if v := got[ChunkParam(i+1)]; v != "" { // "": no stack for the chunk
				ids = append(ids, commaList(v)...)
			}
		}
		slices.Sort(ids)
		if want := slices.Sorted(slices.Values(p.AreaIDs)); !slices.Equal(ids, want) {
			t.Errorf("%s: AreaIds01...%02d split by CloudFormation = %q, want every area once: %q", region, AreaChunks, ids, want)
		}
	}
}

func TestOptionalParametersAreLeftOutWhenEmpty(t *testing.T) {
	p, err := Params(loadExample(t), "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.SAM()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"AlertEmail", "AlertPhone", "PagerRoutingKeyParam"} {
		if strings.Contains(s, k+"=") {
			t.Errorf("%s given while empty (sam deploy would clear the stack's value): %s", k, s)
		}
	}
}

func TestParamsRefuse(t *testing.T) {
	const areas = `
areas:
  - id: Home
    request: {url: "https://example.com/"}
`
	cases := []struct {
		name, yaml, region, want string
	}{
		{"a region that is not a location", "app: a\n" + areas, "eu-north-1", "eu-north-1 is not one of the checks file's locations"},
		{"a home region that is not a location", "app: a\nhome_region: eu-north-1\nalerting: {quorum: 1}\n" + areas, "", "home region eu-north-1 is not one of the locations"},
		{"labels that make the same config-env", "app: a\nlocations: {us-east-1: New York, eu-west-2: new-york}\nalerting: {quorum: 1}\n" + areas, "", `both make the config-env "new-york"`},
		{"labels that make the same logical id", "app: a\nlocations: {us-east-1: AB, eu-west-2: A-B}\nalerting: {quorum: 1}\n" + areas, "", "differ only in punctuation"},
		{"an SSM parameter the probe may not read", "app: a\n" + `
areas:
  - id: Home
    request: {url: "https://example.com/", headers: {X-Api-Key: "${ssm:/other/key}"}}
`, "", "move ${ssm:/other/key} there"},
		{"a secret the probe may not read", "app: a\n" + `
areas:
  - id: Home
    request: {url: "https://example.com/", headers: {Authorization: "Bearer ${secret:prod/token#t}"}}
`, "", "move ${secret:prod/token#t} there"},
		{"an environment variable (a deployed probe has none)", "app: a\n" + `
areas:
  - id: Home
    request: {url: "https://example.com/", headers: {X-Api-Key: "${env:MONITOR_TOKEN}"}}
`, "", "test.yaml:5: areas[0].request.headers.X-Api-Key: cannot be resolved by a deployed probe: ${env:MONITOR_TOKEN}: a deployed probe has no environment variable MONITOR_TOKEN: store the value in SSM Parameter Store as ${ssm:/lookout/a/monitor-token}"},
		{"a secret ARN of another region than the stack's", "app: a\n" + `
areas:
  - id: Home
    request:
      url: "https://example.com/"
      headers: {X-Api-Key: "${secret:arn:aws:secretsmanager:us-east-1:123456789012:secret:lookout/a/key-AbCdEf}"}
`, "eu-west-2", "test.yaml:7: areas[0].request.headers.X-Api-Key: cannot be resolved by a deployed probe: ${secret:arn:aws:secretsmanager:us-east-1:123456789012:secret:lookout/a/key-AbCdEf}: the secret is in us-east-1 but the eu-west-2 probe reads only its own region's secrets: refer to it by name (${secret:lookout/a/key})"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Params(parseChecks(t, c.yaml), c.region)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestParamsAcceptSecretsUnderTheAppPath(t *testing.T) {
	cfg := parseChecks(t, `
app: a
areas:
  - id: Home
    request:
      url: "https://example.com/${ssm:/lookout/a/path}"
      headers:
        Authorization: "Bearer ${secret:lookout/a/token#t}"
        X-Other: "${secret:arn:aws:secretsmanager:us-east-1:123456789012:secret:lookout/a/other-AbCdEf}"
`)
	if _, err := Params(cfg, ""); err != nil {
		t.Fatal(err)
	}
	// The check is read-only: the references are still there afterwards.
	if !strings.Contains(cfg.Areas[0].Request.URL, "${ssm:/lookout/a/path}") {
		t.Errorf("the config was changed: %s", cfg.Areas[0].Request.URL)
	}
}

func TestValidateRefusesBadContactValues(t *testing.T) {
	cases := []struct {
		name string
		p    Parameters
		want string
	}{
		{"phone without +", Parameters{AlertPhone: "07700900123"}, "E.164"},
		{"phone too short", Parameters{AlertPhone: "+4412"}, "E.164"},
		{"email without domain", Parameters{AlertEmail: "oncall"}, "email"},
		{"email with a quote", Parameters{AlertEmail: `a"b@example.com`}, "email"},
		{"pager key without /", Parameters{PagerRoutingKeyParam: "pager-key"}, "SSM parameter"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.p.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one about %s", err, c.want)
			}
			if _, err := c.p.SAM(); err == nil {
				t.Error("SAM formatted an invalid value")
			}
		})
	}
	ok := Parameters{AlertEmail: "on.call+lookout@example.co.uk", AlertPhone: "+14155550100", PagerRoutingKeyParam: "/lookout/a/pager"}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid values refused: %v", err)
	}
}

func TestConfigEnvNamesFollowLabels(t *testing.T) {
	for label, want := range map[string]string{
		"New York":          "new-york",
		"London":            "london",
		"St. John's":        "st-john-s",
		"Sao Paulo (BR)":    "sao-paulo-br",
		"  Frankfurt--Main": "frankfurt-main",
	} {
		if got := ConfigEnv(label); got != want {
			t.Errorf("ConfigEnv(%q) = %q, want %q", label, got, want)
		}
	}
}

func TestPlanDeploysHomeFirstWhereverItIsListed(t *testing.T) {
	cfg, err := check.Parse("checks.yaml", []byte("app: shop\nhome_region: ap-south-1\nlocations:\n  us-east-1: New York\n  eu-west-2: London\n  ap-south-1: Mumbai\nareas: [{id: A, request: {url: 'https://a.example.com/'}}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	stacks, err := Plan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, s := range stacks {
		order = append(order, s.Region)
	}
	if strings.Join(order, " ") != "ap-south-1 us-east-1 eu-west-2" || !stacks[0].Home {
		t.Errorf("plan order %v", order)
	}
}

func TestPlanDeploysHomeFirst(t *testing.T) {
	stacks, err := Plan(loadExample(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 4 || !stacks[0].Home || stacks[0].Region != "us-east-1" {
		t.Fatalf("plan = %+v, want the home region us-east-1 first of four", stacks)
	}
	for _, s := range stacks[1:] {
		if s.Home {
			t.Errorf("%s marked home", s.Region)
		}
	}
}

func TestMaintenanceTextIsOneSafeBoundedLine(t *testing.T) {
	cfg := loadExample(t)
	if got := MaintenanceText(&check.Config{}); got != "none in the checks file." {
		t.Errorf("no windows: %q", got)
	}
	base := cfg.Maintenance[0]
	cfg.Maintenance = nil
	for i := range 100 {
		m := base
		m.ID = fmt.Sprintf("window%03d", i)
		m.Reason = strings.Repeat(`Patching "db" \ `, 12)
		cfg.Maintenance = append(cfg.Maintenance, m)
	}
	got := MaintenanceText(cfg)
	if len(got) > maxMaintenanceText || strings.ContainsAny(got, "\"\\\n") {
		t.Errorf("%d bytes, or a quote, backslash or newline: %q", len(got), got)
	}
	if !strings.HasSuffix(got, "more: lookout validate lists them.") {
		t.Errorf("the windows left out are not counted: ...%s", got[max(len(got)-80, 0):])
	}
	p, err := Params(loadExample(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.SAM(); err != nil {
		t.Errorf("the example's parameters do not pass SAM's quoting: %v", err)
	}
}
