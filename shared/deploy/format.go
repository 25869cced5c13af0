package deploy

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Override is one template parameter and its value.
type Override struct {
	Key   string `json:"ParameterKey"`
	Value string `json:"ParameterValue"`
}

// Overrides lists the template parameters in a stable order. The optional
// ones (email, phone, pager) are left out when empty.
func (p Parameters) Overrides() []Override {
	out := []Override{
		{"AppName", p.AppName},
		{"HomeRegion", p.HomeRegion},
		{"LocationLabel", p.LocationLabel},
		{"LocationLabels", strings.Join(p.LocationLabels, ",")},
		{"Quorum", strconv.Itoa(p.Quorum)},
		{"DownM", strconv.Itoa(p.DownM)},
		{"DownN", strconv.Itoa(p.DownN)},
		{"SlowM", strconv.Itoa(p.SlowM)},
		{"SlowN", strconv.Itoa(p.SlowN)},
		{"SilentAfter", strconv.Itoa(p.SilentAfter)},
		{"ScheduleRate", p.ScheduleRate},
		{"MaintenanceWindows", p.MaintenanceWindows},
	}
	// Every chunk, the empty ones as "": a chunk left out would keep the
	// stack's previous value, and its alarms, after its areas were removed.
	// The check package allows letters and digits only in area ids, so a
	// comma never needs escaping.
	for i, c := range p.AreaChunks {
		out = append(out, Override{ChunkParam(i + 1), c.Value()})
	}
	for _, o := range []Override{
		{"AlertEmail", p.AlertEmail},
		{"AlertPhone", p.AlertPhone},
		{"PagerRoutingKeyParam", p.PagerRoutingKeyParam},
		{"WatchdogUrlParam", p.WatchdogURLParam},
	} {
		if o.Value != "" {
			out = append(out, o)
		}
	}
	return out
}

// SAM formats the overrides for `sam deploy --parameter-overrides`: Key="Value"
// pairs separated by spaces. Every value is double-quoted, so labels with
// spaces ("New York") stay whole; SAM CLI strips the quotes. A value holding a
// double quote or a backslash is refused: SAM CLI's unquoting cannot carry
// every such value through.
func (p Parameters) SAM() (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	for i, o := range p.Overrides() {
		if strings.ContainsAny(o.Value, "\"\\") {
			return "", fmt.Errorf("parameter %s: %q holds a double quote or a backslash", o.Key, o.Value)
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=\"%s\"", o.Key, o.Value)
	}
	return b.String(), nil
}

// JSON formats the overrides as CloudFormation's parameter list
// ([{"ParameterKey": ..., "ParameterValue": ...}]), for
// `aws cloudformation create-stack --parameters file://...`.
func (p Parameters) JSON() ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(p.Overrides(), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// FormatPlan writes one line per stack in deploy order: config-env and region,
// separated by a space (for a shell `while read env region` loop).
func FormatPlan(stacks []Stack) string {
	var b strings.Builder
	for _, s := range stacks {
		fmt.Fprintf(&b, "%s %s\n", s.ConfigEnv, s.Region)
	}
	return b.String()
}
