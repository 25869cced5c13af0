package check

import (
	"fmt"
	"strings"
)

// applyDefaults fills every unset value from the file's defaults section and
// the built-in Default values. It is the only place defaults are decided.
func (c *Config) applyDefaults() {
	if c.HomeRegion == "" {
		c.HomeRegion = DefaultHomeRegion
	}
	if len(c.Locations) == 0 {
		c.Locations = make(map[string]string, len(DefaultLocations))
		for k, v := range DefaultLocations {
			c.Locations[k] = v
		}
		c.regions = append([]string(nil), defaultRegions...)
	}
	d := &c.Defaults
	if d.Timeout == 0 {
		d.Timeout = Duration(DefaultTimeout)
	}
	if d.Slow == 0 {
		d.Slow = Duration(DefaultSlow)
	}
	if d.BodyLimit == 0 {
		d.BodyLimit = DefaultBodyLimit
	}
	if d.MaxRedirects == nil {
		v := DefaultMaxRedirects
		d.MaxRedirects = &v
	}
	if d.Severity == "" {
		d.Severity = DefaultSeverity
	}
	if d.Concurrency == 0 {
		d.Concurrency = DefaultConcurrency
	}
	if d.UserAgent == "" {
		d.UserAgent = DefaultUserAgent
	}
	if c.Control != nil && c.Control.Timeout == 0 {
		c.Control.Timeout = min(d.Timeout, Duration(DefaultControlTimeout))
	}
	al := &c.Alerting
	if al.Quorum == 0 {
		al.Quorum = min(DefaultQuorum, len(c.Locations))
	}
	if al.Down == nil {
		v := DefaultDown
		al.Down = &v
	}
	if al.Slow == nil {
		v := DefaultSlowRule
		al.Slow = &v
	}
	if al.SilentAfter == 0 {
		al.SilentAfter = DefaultSilentAfter
	}
	in := &al.Incidents
	if in.Settle == nil {
		v := Interval(DefaultSettle)
		in.Settle = &v
	}
	if in.UpdateEvery == nil {
		v := Duration(DefaultUpdateEvery)
		in.UpdateEvery = &v
	}
	if in.RemindEvery == nil {
		v := Interval(DefaultRemindEvery)
		in.RemindEvery = &v
	}
	if in.SMSPerHour == nil {
		v := DefaultSMSPerHour
		in.SMSPerHour = &v
	}
	for i := range c.Areas {
		a := &c.Areas[i]
		if a.Name == "" {
			a.Name = a.ID
		}
		if a.Severity == "" {
			a.Severity = d.Severity
		}
		if a.Timeout == 0 {
			a.Timeout = d.Timeout
		}
		if a.Slow == 0 {
			a.Slow = d.Slow
		}
		fill := func(j int, st *Step) {
			if st.Name == "" {
				st.Name = fmt.Sprintf("step %d", j+1)
			}
			st.Method = strings.ToUpper(st.Method)
			if st.Method == "" {
				st.Method = "GET"
			}
			if len(st.Status) == 0 {
				st.Status = DefaultStatus
			}
			if st.MaxRedirects == nil {
				v := *d.MaxRedirects
				st.MaxRedirects = &v
			}
		}
		if a.Request != nil {
			fill(0, a.Request)
		}
		for j := range a.Steps {
			fill(j, &a.Steps[j])
		}
	}
}

// AllSteps returns the area's steps as they are probed: its one request, or
// its list of steps, each with its tls block over the area's (TLS).
func (a *Area) AllSteps() []Step {
	steps := a.Steps
	if a.Request != nil {
		steps = []Step{*a.Request}
	}
	if a.TLS == nil {
		return steps
	}
	out := make([]Step, len(steps))
	for i, st := range steps {
		st.TLS = st.TLS.over(a.TLS)
		out[i] = st
	}
	return out
}

// Regions lists the locations' regions in the order the file gives them
// (the default four: New York, London, Mumbai, Sydney). Messages, alarms and
// the dashboard list locations in this order.
func (c *Config) Regions() []string {
	if len(c.regions) == len(c.Locations) {
		ok := true
		for _, r := range c.regions {
			if _, found := c.Locations[r]; !found {
				ok = false
			}
		}
		if ok {
			return append([]string(nil), c.regions...)
		}
	}
	return sortedKeys(c.Locations)
}

// ControlURL returns the control URL for a region ("" when there is none).
func (c *Config) ControlURL(region string) string {
	if c.Control == nil {
		return ""
	}
	if u, ok := c.Control.Locations[region]; ok {
		return u
	}
	return c.Control.URL
}

// Area returns the area with the given id, or nil.
func (c *Config) Area(id string) *Area {
	for i := range c.Areas {
		if strings.EqualFold(c.Areas[i].ID, id) {
			return &c.Areas[i]
		}
	}
	return nil
}
