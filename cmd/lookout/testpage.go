package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lookout-monitoring/lookout/shared/notify"
	"github.com/lookout-monitoring/lookout/shared/table"
)

// pagerChannel is the PagerDuty channel's name.
const pagerChannel = notify.ChannelPager

// testPageChannels are the channels a test page can go through, in the
// order its report is printed.
var testPageChannels = []string{notify.TopicEmail, notify.TopicSMS, pagerChannel}

func (a app) cmdTestPage(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const name = "test-page"
	fs := newFlags(name, stderr)
	f := addDeployedFlags(fs, "checks file: the app and its home region")
	function := fs.String("function", "", "the notifier's function name or ARN in the home region (default: the home stack's output "+outputNotifyFunction+")")
	var channels multiFlag
	fs.Var(&channels, "channel", "send through this channel only: email, sms or pager (repeatable, or comma-separated; default: every one configured)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	asked, err := testPageRequest(channels)
	if err != nil {
		fmt.Fprintf(stderr, "lookout %s: %v\n", name, err)
		return exitUsage
	}
	cfg, code := loadChecks(*f.file, stderr, exitUsage)
	if cfg == nil {
		return code
	}
	switch {
	case len(asked) == 0:
		fmt.Fprintln(stderr, "lookout test-page: every configured channel is tested, the pager too: it really pages whoever is on call (the test incident is triggered, then resolved)")
	case slices.Contains(asked, pagerChannel):
		fmt.Fprintln(stderr, "lookout test-page: the pager channel really pages whoever is on call (the test incident is triggered, then resolved)")
	}

	d := a.deployment(cfg, *f.stack)
	fn := *function
	if fn == "" {
		if fn, err = d.output(ctx, outputNotifyFunction, "function"); err != nil {
			return failed(stderr, name, err)
		}
	}
	awsCfg, err := d.config(ctx)
	if err != nil {
		return failed(stderr, name, err)
	}
	where := d.where("function " + fn)
	rep, err := invokeTestPage(ctx, a.homeClients().invoker(awsCfg), fn, asked)
	if err != nil {
		return failed(stderr, name, fmt.Errorf("%s: %w", where, err))
	}
	failed := writeTestPage(stdout, rep, where)
	if len(failed) > 0 {
		fmt.Fprintf(stderr, "lookout %s: %d %s failed: %s\n", name, len(failed), plural(len(failed), "channel", "channels"), strings.Join(failed, ", "))
		return exitFailed
	}
	return exitOK
}

// testPageRequest checks the channels asked for and drops repeats; none
// means every channel the notifier has.
func testPageRequest(channels []string) ([]string, error) {
	var out []string
	for _, c := range channels {
		c = strings.ToLower(c)
		if !slices.Contains(testPageChannels, c) {
			return nil, fmt.Errorf("--channel %s: the channels are %s", c, strings.Join(testPageChannels, ", "))
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// invokeTestPage runs the notifier's test page and waits for its report.
// The call is made once: a retry after a lost reply would page twice.
func invokeTestPage(ctx context.Context, api invoker, function string, channels []string) (notify.TestPageReport, error) {
	var rep notify.TestPageReport
	payload, err := json.Marshal(notify.Request{Lookout: notify.PayloadTestPage, Channels: channels})
	if err != nil {
		return rep, err
	}
	out, err := api.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(function),
		InvocationType: types.InvocationTypeRequestResponse,
		Payload:        payload,
	}, func(o *lambda.Options) { o.RetryMaxAttempts = 1 })
	var missing *types.ResourceNotFoundException
	if errors.As(err, &missing) {
		return rep, setupError{fmt.Errorf("no such function: %w", err)}
	}
	if err != nil {
		return rep, fmt.Errorf("lambda Invoke: %w", err)
	}
	if out.FunctionError != nil {
		return rep, functionError(*out.FunctionError, out.Payload)
	}
	if err := json.Unmarshal(out.Payload, &rep); err != nil || rep.Channels == nil {
		return rep, fmt.Errorf("the reply is not a test page report (is it Lookout's notifier?): %s", clip(out.Payload))
	}
	return rep, nil
}

// functionError is the error the function itself returned, in the words
// of the payload Lambda sends back with it ({"errorMessage", "errorType"}).
func functionError(kind string, payload []byte) error {
	var e messages.InvokeResponse_Error
	if err := json.Unmarshal(payload, &e); err != nil || e.Message == "" {
		return fmt.Errorf("the function failed (%s): %s", kind, clip(payload))
	}
	if e.Type != "" {
		kind += ", " + e.Type
	}
	return fmt.Errorf("the function failed (%s): %s", kind, e.Message)
}

// clip bounds a reply quoted in an error.
func clip(b []byte) string {
	const n = 300
	if len(b) > n {
		return fmt.Sprintf("%q... (%d bytes)", b[:n], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// writeTestPage prints what each channel did and returns those that failed:
// any that neither sent nor is unconfigured.
func writeTestPage(out io.Writer, rep notify.TestPageReport, where string) []string {
	fmt.Fprintf(out, "Test incident %s, through %s:\n", rep.Incident, where)
	names := make([]string, 0, len(rep.Channels))
	for c := range rep.Channels {
		names = append(names, c)
	}
	rank := func(c string) int {
		if i := slices.Index(testPageChannels, c); i >= 0 {
			return i
		}
		return len(testPageChannels)
	}
	sort.SliceStable(names, func(i, j int) bool {
		if ri, rj := rank(names[i]), rank(names[j]); ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	rows := [][]string{{"CHANNEL", "RESULT"}}
	var failed []string
	for _, c := range names {
		rows = append(rows, []string{c, rep.Channels[c]})
		if r := rep.Channels[c]; r != "sent" && r != "not configured" {
			failed = append(failed, c)
		}
	}
	_ = table.Write(out, "  ", "", rows)
	fmt.Fprintln(out, "Each channel that sent got the test incident's open, then its resolve, marked as a test.")
	return failed
}
