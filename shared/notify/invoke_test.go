package notify

import (
	"context"
	"strings"
	"testing"
)

// A payload that is none of the three is refused with an error that quotes
// its start, bounded, so the log says what arrived.
func TestInvokeRefusesAPayloadItDoesNotKnow(t *testing.T) {
	h, err := NewHandler(Options{Config: testConfig(t), Channels: []Channel{quiet("email")}})
	if err != nil {
		t.Fatal(err)
	}
	long := `{"detail-type": "Something Else", "pad": "` + strings.Repeat("x", 500) + `"}`
	for payload, want := range map[string]string{
		`{"hello": "world"}`: `neither an SNS event, a tick nor a test page: "{\"hello\": \"world\"}"`,
		`not json`:           `is not a JSON object ("not json")`,
		`{"Records": 7}`:     `has Records but is not an SNS event`,
		long:                 `"... (544 bytes)`,
	} {
		_, err := h.Invoke(context.Background(), []byte(payload))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.40s: %v, want it to say %s", payload, err, want)
		}
		if err != nil && len(err.Error()) > 400 {
			t.Errorf("%.40s: an error of %d bytes", payload, len(err.Error()))
		}
	}
}

// The facets made at init say of every alarm what AlarmOf says.
func TestFacetsAreWhatAlarmOfSays(t *testing.T) {
	cfg := testConfig(t)
	h, err := NewHandler(Options{Config: cfg, Channels: []Channel{quiet("email")}})
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range h.facets {
		a := AlarmOf(name, cfg)
		if f.severity != a.Severity || f.area != a.AreaID {
			t.Errorf("%s: facet %+v, AlarmOf says %s, %q", name, f, a.Severity, a.AreaID)
		}
	}
	if len(h.facets) == 0 {
		t.Fatal("no facets")
	}
}
