package notify

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
	"github.com/lookout-monitoring/lookout/shared/alarm"
)

// recordingPublisher keeps the last request and answers with err. The
// email and SMS channels publish through it concurrently.
type recordingPublisher struct {
	mu  sync.Mutex
	in  *sns.PublishInput
	err error
}

func (p *recordingPublisher) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.in = in
	if p.err != nil {
		return nil, p.err
	}
	return &sns.PublishOutput{MessageId: aws.String("m-1")}, nil
}

func attrs(in *sns.PublishInput) map[string]string {
	out := map[string]string{}
	for k, v := range in.MessageAttributes {
		out[k] = aws.ToString(v.StringValue)
	}
	return out
}

func TestSNSMessageAttributesPerKind(t *testing.T) {
	for sample, want := range map[string]map[string]string{
		"sns-alarm-down.json":   {AttrSeverity: "critical", AttrState: "ALARM", AttrKind: "down", AttrApp: "taskboard", AttrArea: "SignIn", AttrChannel: "email"},
		"sns-alarm-silent.json": {AttrSeverity: "warning", AttrState: "ALARM", AttrKind: "silent", AttrApp: "taskboard", AttrLocation: "Sydney", AttrChannel: "email"},
		"sns-alarm-foreign.json": {AttrSeverity: "warning", AttrState: "ALARM", AttrKind: "foreign", AttrApp: "taskboard",
			AttrChannel: "email"},
	} {
		t.Run(sample, func(t *testing.T) {
			p := &recordingPublisher{}
			inc, r := renderSample(t, sample)
			if err := NewEmail(NewTopic(p, "arn:aws:sns:us-east-1:123456789012:lookout-notify")).Notify(context.Background(), &Notice{Alarm: &inc, Rendered: r}); err != nil {
				t.Fatal(err)
			}
			if got := attrs(p.in); !equalMaps(got, want) {
				t.Errorf("attributes %v, want %v", got, want)
			}
			if aws.ToString(p.in.MessageStructure) != "json" || aws.ToString(p.in.Subject) != r.Subject {
				t.Errorf("structure %q subject %q", aws.ToString(p.in.MessageStructure), aws.ToString(p.in.Subject))
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSNSTruncatesToTheSizeLimit(t *testing.T) {
	p := &recordingPublisher{}
	inc, r := renderSample(t, "sns-alarm-foreign.json")
	r.Email = strings.Repeat("é\"<", 200_000)
	if err := NewEmail(NewTopic(p, "arn:aws:sns:us-east-1:1:t")).Notify(context.Background(), &Notice{Alarm: &inc, Rendered: r}); err != nil {
		t.Fatal(err)
	}
	if n := len(aws.ToString(p.in.Message)); n > maxSNSMessage {
		t.Errorf("message of %d bytes", n)
	}
	var bodies map[string]string
	if err := json.Unmarshal([]byte(aws.ToString(p.in.Message)), &bodies); err != nil {
		t.Fatal(err)
	}
	if attrs(p.in)[AttrTruncated] != "true" || !strings.HasSuffix(bodies["email"], "[message truncated]\n") || bodies["default"] == "" {
		t.Errorf("truncation not marked: %v", attrs(p.in))
	}
}

func TestSNSErrorsAreClassified(t *testing.T) {
	inc, r := renderSample(t, "sns-alarm-down.json")
	for code, retry := range map[string]bool{"Throttling": true, "InternalError": true, "NotFound": false, "InvalidParameter": false} {
		fault := smithy.FaultClient
		if code == "InternalError" {
			fault = smithy.FaultServer
		}
		p := &recordingPublisher{err: &smithy.GenericAPIError{Code: code, Fault: fault}}
		err := NewEmail(NewTopic(p, "arn:aws:sns:us-east-1:1:t")).Notify(context.Background(), &Notice{Alarm: &inc, Rendered: r})
		if err == nil || IsRetryable(err) != retry {
			t.Errorf("%s: retryable %v, want %v (%v)", code, IsRetryable(err), retry, err)
		}
	}
}

func TestSNSStaysQuietForANewAlarmTurningOK(t *testing.T) {
	p := &recordingPublisher{}
	inc := sampleIncident(t, "sns-alarm-down-ok.json")
	inc.Previous = alarm.StateInsufficient
	r := Render(&inc, Details{}, Links{}, goldenNow)
	if err := NewEmail(NewTopic(p, "arn:aws:sns:us-east-1:1:t")).Notify(context.Background(), &Notice{Alarm: &inc, Rendered: r}); err != nil || p.in != nil {
		t.Errorf("published %v, err %v", p.in, err)
	}
}
