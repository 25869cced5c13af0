package main

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lookout-monitoring/lookout/shared/notify"
)

// pagerWarning is what test-page says on stderr when the pager is among
// the channels tested.
const pagerWarning = "lookout test-page: the pager channel really pages whoever is on call (the test incident is triggered, then resolved)\n"

// TestTestPageThroughTheRealHandler: the payload the CLI sends is the one the
// deployed handler reads; its report is printed channel by channel; every
// configured channel got the marked test incident's open and resolve.
func TestTestPageThroughTheRealHandler(t *testing.T) {
	r := newRig(t)
	email := &recordingChannel{name: notify.TopicEmail}
	pager := &recordingChannel{name: pagerChannel}
	r.notifier(email, pager) // no SMS: no phone number was deployed
	samples := readmeSamples(t)
	code, out, errOut := r.run("test-page")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	samples.check("test-page.golden", out, "test-page")
	if errOut != "lookout test-page: every configured channel is tested, the pager too: it really pages whoever is on call (the test incident is triggered, then resolved)\n" {
		t.Errorf("stderr %q", errOut)
	}
	if len(r.lambda.inputs) != 1 {
		t.Fatalf("%d invocations", len(r.lambda.inputs))
	}
	in := r.lambda.inputs[0]
	if aws.ToString(in.FunctionName) != exampleNotify || in.InvocationType != types.InvocationTypeRequestResponse || string(in.Payload) != `{"lookout":"test-page"}` {
		t.Errorf("invoked %s (%s) with %s", aws.ToString(in.FunctionName), in.InvocationType, in.Payload)
	}
	if !slices.Equal(r.clients, []string{"us-east-1 cloudformation", "us-east-1 lambda"}) || !slices.Equal(r.loads, []string{"us-east-1"}) {
		t.Errorf("clients %v, configurations loaded for %v", r.clients, r.loads)
	}
	for _, ch := range []*recordingChannel{email, pager} {
		told := ch.told()
		if len(told) != 2 || told[0].Incident == nil || !told[0].Incident.Test || told[0].Incident.Kind != notify.IncidentOpen ||
			told[1].Incident == nil || told[1].Incident.Kind != notify.IncidentResolve {
			t.Errorf("%s was told %d notices, want a test incident's open and resolve", ch.name, len(told))
		}
	}
	if len(r.records()) != 0 {
		t.Error("a test page wrote to the ledger")
	}
}

// --channel: only those channels are asked for, in the notifier's words;
// without the pager there is no warning; an unknown channel is refused
// before anything is read from AWS.
func TestTestPageChannels(t *testing.T) {
	r := newRig(t)
	r.notifier(&recordingChannel{name: notify.TopicEmail}, &recordingChannel{name: pagerChannel})
	code, out, errOut := r.run("test-page", "--channel", "SMS,email", "--channel", "email", "--function", "arn:aws:lambda:us-east-1:123456789012:function:notify", "-f", exampleChecks)
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if in := r.lambda.inputs[0]; string(in.Payload) != `{"lookout":"test-page","channels":["sms","email"]}` || aws.ToString(in.FunctionName) != "arn:aws:lambda:us-east-1:123456789012:function:notify" {
		t.Errorf("invoked %s with %s", aws.ToString(in.FunctionName), in.Payload)
	}
	if len(r.stacks.asked) != 0 {
		t.Errorf("--function given, yet the stack was read: %v", r.stacks.asked)
	}
	if !strings.Contains(out, "\n  email    sent\n  sms      not configured\n") || strings.Contains(out, "pager") {
		t.Errorf("stdout:\n%s", out)
	}

	code, _, errOut = r.run("test-page", "--channel", "pager", "-f", exampleChecks)
	if code != exitOK || errOut != pagerWarning {
		t.Errorf("pager: exit %d, stderr %q", code, errOut)
	}

	r = newRig(t)
	code, out, errOut = r.run("test-page", "--channel", "email,fax", "-f", exampleChecks)
	if code != exitUsage || out != "" || errOut != "lookout test-page: --channel fax: the channels are email, sms, pager\n" || len(r.loads) != 0 {
		t.Errorf("fax: exit %d, stdout %q, stderr %q, %d loads", code, out, errOut, len(r.loads))
	}
}

// A channel that fails is shown with its error and makes the command exit 1.
func TestTestPageChannelFailure(t *testing.T) {
	r := newRig(t)
	r.notifier(&recordingChannel{name: notify.TopicEmail},
		&recordingChannel{name: pagerChannel, err: notify.Final(errors.New("PagerDuty answered 400: invalid routing key"))})
	code, out, errOut := r.run("test-page", "-f", exampleChecks)
	if code != exitFailed {
		t.Errorf("exit %d, want %d", code, exitFailed)
	}
	if !strings.Contains(out, "\n  email    sent\n  sms      not configured\n  pager    failed: PagerDuty answered 400: invalid routing key\n") {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.HasSuffix(errOut, "lookout test-page: 1 channel failed: pager\n") {
		t.Errorf("stderr %q", errOut)
	}
}

// The function's own error (FunctionError, with Lambda's error payload), a
// call Lambda refuses, a function that is not there and a reply that is
// not a report each exit non-zero with what happened.
func TestTestPageFunctionErrors(t *testing.T) {
	where := "lookout test-page: function " + exampleNotify + " (us-east-1, stack " + exampleStack + "): "
	for _, c := range []struct {
		name  string
		reply *lambda.InvokeOutput
		err   error
		code  int
		want  string
	}{
		{"timeout", &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"),
			Payload: []byte(`{"errorMessage":"2026-12-02T14:05:39.512Z 3f0c8d5e Task timed out after 30.00 seconds"}`)}, nil, exitFailed,
			"the function failed (Unhandled): 2026-12-02T14:05:39.512Z 3f0c8d5e Task timed out after 30.00 seconds"},
		{"handler error", &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"),
			Payload: []byte(`{"errorMessage":"test page: unknown channel \"fax\"","errorType":"boundedError"}`)}, nil, exitFailed,
			`the function failed (Unhandled, boundedError): test page: unknown channel "fax"`},
		{"not a report", &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(`{"alarms":0,"skipped":0,"failed":0}`)}, nil, exitFailed,
			`the reply is not a test page report (is it Lookout's notifier?): "{\"alarms\":0,\"skipped\":0,\"failed\":0}"`},
		{"missing", nil, &types.ResourceNotFoundException{Message: aws.String("Function not found: " + exampleNotify)}, exitUsage,
			"no such function: ResourceNotFoundException: Function not found: " + exampleNotify},
		{"throttled", nil, &types.TooManyRequestsException{Message: aws.String("Rate exceeded")}, exitFailed,
			"lambda Invoke: TooManyRequestsException: Rate exceeded"},
	} {
		r := newRig(t)
		r.lambda.reply, r.lambda.err = c.reply, c.err
		code, out, errOut := r.run("test-page", "--channel", "email", "-f", exampleChecks)
		if code != c.code || out != "" || errOut != where+c.want+"\n" {
			t.Errorf("%s: exit %d, stdout %q, stderr\n%s", c.name, code, out, errOut)
		}
	}
	// The real handler's own errors come back through Lambda's error payload.
	payload, _ := json.Marshal(notify.Request{Lookout: notify.PayloadTestPage, Channels: []string{"fax"}})
	r := newRig(t)
	r.notifier(&recordingChannel{name: notify.TopicEmail})
	out, err := r.lambda.Invoke(t.Context(), &lambda.InvokeInput{Payload: payload})
	if err != nil || out.FunctionError == nil {
		t.Fatalf("an unknown channel: %v, %+v", err, out)
	}
	if got := functionError(*out.FunctionError, out.Payload).Error(); got != `the function failed (Unhandled, boundedError): test page: unknown channel "fax" (the channels are email, sms, pager)` {
		t.Errorf("got %q", got)
	}
}
