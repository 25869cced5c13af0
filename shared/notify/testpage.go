package notify

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

// TestPageReport says what each channel did with the test incident.
type TestPageReport struct {
	Incident string `json:"incident"`
	// Channels maps each channel asked for to "sent", "not configured", or
	// the error that stopped it.
	Channels map[string]string `json:"channels"`
}

// testPageSubject names the test incident's one member.
const testPageSubject = "Test page"

// TestPage sends a clearly marked test incident through the deployed path,
// each channel's open then resolve, so a person can see every channel reach
// them (channels: "email", "sms", "pager"; none means every one configured).
// It does not touch the ledger: a test never joins or hides a real incident.
// A channel that fails is reported, not returned as an error, so the caller
// sees what every channel did; the error is for a request it cannot run.
func (h *Handler) TestPage(ctx context.Context, channels []string) (TestPageReport, error) {
	ctx, cancel := h.budget(ctx)
	defer cancel()
	now := h.o.Now().UTC()
	known := []string{TopicEmail, TopicSMS, ChannelPager}
	if len(channels) == 0 {
		channels = known
	}
	rep := TestPageReport{Incident: "test-" + now.Format("20060102T150405Z"), Channels: map[string]string{}}
	for _, c := range channels {
		if !slices.Contains(known, c) {
			return rep, fmt.Errorf("test page: unknown channel %q (the channels are %s)", c, strings.Join(known, ", "))
		}
	}
	member := Member{
		Alarm: Alarm{
			AlarmName: alarm.AlarmPrefix(h.o.Config.App) + "test-page", App: h.o.Config.App, Kind: alarm.KindDown,
			AreaName: testPageSubject, State: alarm.StateAlarm, Since: now, Severity: check.Critical,
		},
		FirstFired: now,
	}
	open := &IncidentNotice{ID: rep.Incident, App: h.o.Config.App, Kind: IncidentOpen, Test: true, Opened: now,
		Severity: check.Critical, Members: []Member{member}}
	resolved := *open
	resolved.Kind, resolved.Resolved = IncidentResolve, now
	resolved.Members = []Member{member}
	resolved.Members[0].State = alarm.StateOK
	resolved.Timeline = []TimelineEntry{{At: now, Text: "test page sent"}, {At: now, Text: "resolved"}}

	failed := 0
	for _, name := range channels {
		ch := h.channel(name)
		if ch == nil {
			rep.Channels[name] = "not configured"
			continue
		}
		var err error
		for _, n := range []*IncidentNotice{open, &resolved} {
			links := BuildIncidentLinks(n, h.o.Config, h.o.Links, now)
			if _, err = h.o.Retry.Do(ctx, func(ctx context.Context) error {
				return ch.Notify(ctx, &Notice{Incident: n, Links: links, Now: now})
			}); err != nil {
				break
			}
		}
		if err != nil {
			rep.Channels[name] = "failed: " + err.Error()
			failed++
			continue
		}
		rep.Channels[name] = "sent"
	}
	h.o.Logger.InfoContext(ctx, "test page", "incident", rep.Incident, "channels", rep.Channels, "failed", failed)
	return rep, nil
}
