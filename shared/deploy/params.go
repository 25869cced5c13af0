// Package deploy derives what `sam deploy` is given from a checks file, so that
// nothing is typed twice: the parameters of template.yaml for each location's
// stack, the order the stacks are deployed in and the samconfig.toml
// environment of each. It knows the template's parameter names and nothing of
// how areas are probed or how alarms are evaluated (that is shared/metrics).
package deploy

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

// ScheduleRate is how often every location runs a round. A faster mode probes
// several rounds inside one invocation; the schedule stays at one a minute.
const ScheduleRate = "rate(1 minute)"

// Patterns of the optional parameters. template.yaml holds the same expressions
// as AllowedPattern (a test compares them), so a bad value fails here, before
// CloudFormation sees it.
var (
	// EmailPattern accepts an address or nothing (no email subscription).
	EmailPattern = regexp.MustCompile(`^([^\s@"\\]+@[^\s@"\\]+\.[^\s@"\\]+)?$`)
	// PhonePattern accepts an E.164 number or nothing (no SMS subscription).
	PhonePattern = regexp.MustCompile(`^(\+[1-9][0-9]{6,14})?$`)
	// SSMNamePattern accepts an SSM parameter name starting with / or nothing.
	SSMNamePattern = regexp.MustCompile(`^(/[A-Za-z0-9_.\-/]+)?$`)
)

// ErrUnknownLocation is a stack region that is not one of the checks file's
// locations: the caller asked for something that does not exist (a usage error).
var ErrUnknownLocation = errors.New("unknown location")

// Parameters are the template parameters of one location's stack.
type Parameters struct {
	AppName    string
	HomeRegion string
	// LocationRegion is the stack's region. It is not a template parameter (the
	// stack knows its AWS::Region); it chooses LocationLabel.
	LocationRegion string
	LocationLabel  string
	// LocationLabels are every location's label in alarm.LocationRegions
	// order (home first): one Silent alarm each.
	LocationLabels []string
	// AreaIDs are every area's id, in the checks file's order, and
	// AreaChunks the same ids in chunks (ChunkAreas): one nested stack of
	// Down and Slow alarms each.
	AreaIDs     []string
	AreaChunks  [AreaChunks]Chunk
	Quorum      int
	DownM       int
	DownN       int
	SlowM       int
	SlowN       int
	SilentAfter int
	// ScheduleRate is the EventBridge Scheduler rate expression of the rounds.
	ScheduleRate string
	// MaintenanceWindows is the checks file's maintenance windows in words,
	// for the dashboard (MaintenanceText).
	MaintenanceWindows string

	// Given by the person deploying, not by the checks file; left out of the
	// overrides when empty, so `sam deploy` keeps the stack's previous value.
	AlertEmail           string
	AlertPhone           string
	PagerRoutingKeyParam string
	WatchdogURLParam     string
}

// Params derives the parameters of the stack in region (the home region when
// empty) from a loaded checks file.
func Params(cfg *check.Config, region string) (Parameters, error) {
	if region == "" {
		region = cfg.HomeRegion
	}
	if _, err := Plan(cfg); err != nil {
		return Parameters{}, err
	}
	if _, ok := cfg.Locations[region]; !ok {
		return Parameters{}, fmt.Errorf("%w: %s is not one of the checks file's locations (%s)", ErrUnknownLocation, region, strings.Join(alarm.LocationRegions(cfg), ", "))
	}
	if err := checkDeployableRefs(cfg, region); err != nil {
		return Parameters{}, err
	}
	if err := checkSecretPaths(cfg); err != nil {
		return Parameters{}, err
	}
	f, err := Measure(cfg)
	if err != nil {
		return Parameters{}, err
	}
	return params(cfg, region, f.Chunks)
}

// params fills in the parameters of the stack in region, with the areas in
// the given chunks, and checks nothing.
func params(cfg *check.Config, region string, chunks [AreaChunks]Chunk) (Parameters, error) {
	plan, err := Plan(cfg)
	if err != nil {
		return Parameters{}, err
	}
	p := Parameters{
		AppName:        cfg.App,
		HomeRegion:     cfg.HomeRegion,
		LocationRegion: region,
		LocationLabel:  cfg.Locations[region],
		AreaIDs:        areaIDs(cfg),
		AreaChunks:     chunks,
		Quorum:         cfg.Alerting.Quorum,
		DownM:          cfg.Alerting.Down.M,
		DownN:          cfg.Alerting.Down.N,
		SlowM:          cfg.Alerting.Slow.M,
		SlowN:          cfg.Alerting.Slow.N,
		SilentAfter:    cfg.Alerting.SilentAfter,
		ScheduleRate:   ScheduleRate,
		// One line of plain words, the same in every stack.
		MaintenanceWindows: MaintenanceText(cfg),
	}
	for _, s := range plan {
		p.LocationLabels = append(p.LocationLabels, s.Label)
	}
	return p, nil
}

// areaIDs lists the checks file's area ids in its order.
func areaIDs(cfg *check.Config) []string {
	ids := make([]string, len(cfg.Areas))
	for i, a := range cfg.Areas {
		ids[i] = a.ID
	}
	return ids
}

// Validate checks the values a person gives (email, phone, pager key and
// watchdog URL parameters).
func (p Parameters) Validate() error {
	var errs []error
	if !EmailPattern.MatchString(p.AlertEmail) {
		errs = append(errs, fmt.Errorf("alert email %q is not an email address", p.AlertEmail))
	}
	if !PhonePattern.MatchString(p.AlertPhone) {
		errs = append(errs, fmt.Errorf("alert phone %q is not an E.164 number (+ then country code and number, e.g. +447700900123)", p.AlertPhone))
	}
	if !SSMNamePattern.MatchString(p.PagerRoutingKeyParam) {
		errs = append(errs, fmt.Errorf("pager routing key parameter %q is not an SSM parameter name starting with /", p.PagerRoutingKeyParam))
	}
	if !SSMNamePattern.MatchString(p.WatchdogURLParam) {
		errs = append(errs, fmt.Errorf("watchdog URL parameter %q is not an SSM parameter name starting with /", p.WatchdogURLParam))
	}
	return errors.Join(errs...)
}

// Stack is one location's stack: its samconfig.toml environment and region.
type Stack struct {
	ConfigEnv string // samconfig.toml config-env, e.g. new-york
	Region    string
	Label     string
	Home      bool
}

// Plan lists the stacks in deploy order: the home region first (it creates the
// alarms, topics and dashboard every location reports to), then the others in
// alarm.LocationRegions order.
func Plan(cfg *check.Config) ([]Stack, error) {
	if _, ok := cfg.Locations[cfg.HomeRegion]; !ok {
		return nil, fmt.Errorf("home region %s is not one of the locations: its stack holds the alarms, so it must be a location too", cfg.HomeRegion)
	}
	var (
		out   []Stack
		errs  []error
		envs  = map[string]string{}
		lgids = map[string]string{}
	)
	for _, region := range alarm.LocationRegions(cfg) {
		label := cfg.Locations[region]
		env := ConfigEnv(label)
		if other, dup := envs[env]; dup {
			errs = append(errs, fmt.Errorf("locations %s and %s both make the config-env %q: give them labels that differ in letters or digits", other, region, env))
		}
		envs[env] = region
		// Fn::ForEach's &{Location} keeps only letters and digits of the label
		// for the Silent alarm's logical id; two labels must not collide there.
		id := logicalID(label)
		if other, dup := lgids[id]; dup {
			errs = append(errs, fmt.Errorf("locations %s and %s have labels that differ only in punctuation or case (%q)", other, region, id))
		}
		lgids[id] = region
		out = append(out, Stack{ConfigEnv: env, Region: region, Label: label, Home: region == cfg.HomeRegion})
	}
	// The home stack first: it holds the alarms the others' metrics feed.
	slices.SortStableFunc(out, func(a, b Stack) int {
		switch {
		case a.Home == b.Home:
			return 0
		case a.Home:
			return -1
		}
		return 1
	})
	return out, errors.Join(errs...)
}

// ConfigEnv names a location's samconfig.toml environment after its label:
// lower case, runs of anything but letters and digits become one hyphen
// ("New York" -> "new-york").
func ConfigEnv(label string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(label) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
			continue
		}
		hyphen = true
	}
	return b.String()
}

// logicalID is what CloudFormation's &{Identifier} makes of a value, lower-cased
// so that ids differing only in case are caught too.
func logicalID(label string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, label))
}

// SecretsPath is the path under which the probe may read SSM parameters
// (/<path>/...) and Secrets Manager secrets (<path>/...): template.yaml grants
// ProbeFunction exactly this when its SecretsPath parameter is empty.
func SecretsPath(app string) string { return "lookout/" + app }

// ProbeLogGroup is the probe's log group, the same name in every region.
func ProbeLogGroup(app string) string { return "/lookout/" + app + "/probe" }

// DashboardName is the home region's CloudWatch dashboard.
func DashboardName(app string) string { return "lookout-" + app }

// StackName is the stack of a samconfig.toml config-env (its stack_name):
// lookout-new-york.
func StackName(configEnv string) string { return "lookout-" + configEnv }

// checkSecretPaths refuses references the probe would not be allowed to read:
// a round that cannot resolve its secrets fails from every location at once.
func checkSecretPaths(cfg *check.Config) error {
	var refs []check.Ref
	for _, fr := range cfg.Refs() {
		refs = append(refs, fr.Ref)
	}

	path := SecretsPath(cfg.App)
	var bad []string
	for _, r := range refs {
		ok := true
		switch r.Kind {
		case check.RefSSM:
			ok = strings.HasPrefix(r.Arg, "/"+path+"/")
		case check.RefSecret:
			id, _, _ := strings.Cut(r.Arg, "#")
			if strings.HasPrefix(id, "arn:") {
				ok = strings.Contains(id, ":secret:"+path+"/")
			} else {
				ok = strings.HasPrefix(id, path+"/")
			}
		}
		if !ok && !slices.Contains(bad, r.String()) {
			bad = append(bad, r.String())
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("the probe may read only SSM parameters under /%s/ and secrets under %s/; move %s there",
			path, path, strings.Join(bad, ", "))
	}
	return nil
}
