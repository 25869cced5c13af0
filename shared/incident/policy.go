package incident

import (
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// Policy holds the incident logic's timings and caps.
//
// Apply, Tick and Failed use a Policy as given, and there a zero or negative
// field means none: no settle time, no rate limit, no reminders, no SMS, no
// lease, no retry. A policy read from configuration goes through WithDefaults
// first, which fills the fields left zero; configuration says "none" with a
// negative value, which WithDefaults keeps.
type Policy struct {
	// Settle is how long every member must be OK before the incident
	// resolves, so that a flapping member neither closes nor reopens it.
	Settle time.Duration
	// UpdateEvery allows at most one update (email and pager) per this
	// interval; the changes in between are batched into the next one.
	UpdateEvery time.Duration
	// RemindEvery is the email reminder interval while an incident stays open.
	RemindEvery time.Duration
	// SMSPerHour caps the open SMS across incidents in any trailing hour.
	// Resolve SMS are never capped; each answers one open SMS, so at most
	// twice this many SMS go out in an hour.
	SMSPerHour int
	// Lease is how long a message handed out for sending is not handed out again.
	Lease time.Duration
	// MaxAttempts is how many failed attempts give a message up.
	MaxAttempts int
}

// DefaultPolicy returns the policy of a deployment that configures none:
// the checks file's defaults (package check holds them, so the file's
// documentation and the logic cannot disagree), a 2-minute lease and 12
// attempts.
func DefaultPolicy() Policy {
	return Policy{
		Settle:      check.DefaultSettle,
		UpdateEvery: check.DefaultUpdateEvery,
		RemindEvery: check.DefaultRemindEvery,
		SMSPerHour:  check.DefaultSMSPerHour,
		Lease:       2 * time.Minute,
		MaxAttempts: 12,
	}
}

// PolicyOf is the policy a checks file's alerting.incidents sets, on top
// of DefaultPolicy; a 0 written there (no settle time, no reminders, no SMS)
// becomes none.
func PolicyOf(in check.Incidents) Policy {
	p := DefaultPolicy()
	none := func(d time.Duration) time.Duration {
		if d == 0 {
			return -1
		}
		return d
	}
	if in.Settle != nil {
		p.Settle = none(time.Duration(*in.Settle))
	}
	if in.UpdateEvery != nil {
		p.UpdateEvery = none(time.Duration(*in.UpdateEvery))
	}
	if in.RemindEvery != nil {
		p.RemindEvery = none(time.Duration(*in.RemindEvery))
	}
	if in.SMSPerHour != nil {
		p.SMSPerHour = *in.SMSPerHour
		if p.SMSPerHour == 0 {
			p.SMSPerHour = -1
		}
	}
	return p
}

// WithDefaults returns p with every zero field set from DefaultPolicy.
// Negative fields are kept: they mean none.
func (p Policy) WithDefaults() Policy {
	d := DefaultPolicy()
	set := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	set(&p.Settle, d.Settle)
	set(&p.UpdateEvery, d.UpdateEvery)
	set(&p.RemindEvery, d.RemindEvery)
	set(&p.Lease, d.Lease)
	if p.SMSPerHour == 0 {
		p.SMSPerHour = d.SMSPerHour
	}
	if p.MaxAttempts == 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	return p
}

// after returns t + d, a negative d counting as none.
func after(t time.Time, d time.Duration) time.Time { return t.Add(max(d, 0)) }
