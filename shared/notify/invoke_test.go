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
