package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/lookout-monitoring/lookout/shared/logline"
)

// The payloads the NotifyFunction is invoked with, besides SNS events.
const (
	// PayloadTick is what the minute schedule sends: {"lookout":"tick"}.
	PayloadTick = "tick"
	// PayloadTestPage is what `lookout test-page` sends:
	// {"lookout":"test-page","channels":["email"]}.
	PayloadTestPage = "test-page"
)

// Request is a payload of ours (not an SNS event).
type Request struct {
	Lookout  string   `json:"lookout"`
	Channels []string `json:"channels,omitempty"`
}

// The handler is the function's whole Lambda interface.
var _ lambda.Handler = (*Handler)(nil)

// Invoke implements lambda.Handler. The payload is one of: an SNS event
// (alarm notifications: Handle), a tick (the minute schedule's
// {"lookout":"tick"}, or an EventBridge scheduled event: Tick), or a test
// page ({"lookout":"test-page"}: TestPage). Anything else is refused with
// an error that quotes its start.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var probe struct {
		Records    json.RawMessage `json:"Records"`
		DetailType string          `json:"detail-type"`
		Request
	}
	if err := json.Unmarshal(payload, &probe); err != nil {
		return nil, fmt.Errorf("payload is not a JSON object (%s): %w", quote(payload), err)
	}
	var out any
	var err error
	switch {
	case len(probe.Records) > 0 && !bytes.Equal(probe.Records, []byte("null")):
		var ev events.SNSEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("payload has Records but is not an SNS event (%s): %w", quote(payload), err)
		}
		out, err = h.Handle(ctx, ev)
	case probe.Lookout == PayloadTick || probe.DetailType == "Scheduled Event":
		out, err = h.Tick(ctx)
	case probe.Lookout == PayloadTestPage:
		out, err = h.TestPage(ctx, probe.Channels)
	default:
		return nil, fmt.Errorf("payload is neither an SNS event, a tick nor a test page: %s", quote(payload))
	}
	if err != nil {
		return nil, boundedError{err}
	}
	return json.Marshal(out)
}

// quote shows the start of a payload in an error, bounded, with its size.
func quote(payload []byte) string {
	if len(payload) > logline.ExcerptBytes {
		return fmt.Sprintf("%s (%d bytes)", logline.Excerpt(payload), len(payload))
	}
	return logline.Excerpt(payload)
}
