package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/lookout-monitoring/lookout/shared/awstest"
	"github.com/lookout-monitoring/lookout/shared/secrets"
)

// emailFilterPolicy and smsFilterPolicy are the subscriptions' filters, as the template sets them.
const emailFilterPolicy = `{"channel":["email"]}`
const smsFilterPolicy = `{"channel":["sms"]}`

// rig is a notifier wired to moto (CloudWatch, SNS, SQS, SSM) and a stand-in
// PagerDuty. Two SQS queues are subscribed to the notify topic the way the
// real subscriptions are: "email" with no filter, "sms" with smsFilterPolicy.
type rig struct {
	srv              *awstest.Server
	sns              *sns.Client
	sqs              *sqs.Client
	topicARN         string
	emailURL, smsURL string
	pager            *pagerServer
	logs             *awstest.SyncBuffer
	handler          *Handler
	cw               *cloudwatch.Client
}

type rigOption func(*rig, *Options)

func newRig(t *testing.T, pagerScript []int, opts ...rigOption) *rig {
	t.Helper()
	ctx := context.Background()
	r := &rig{srv: awstest.Start(t), logs: &awstest.SyncBuffer{}}
	awsCfg := r.srv.Config(t, "us-east-1")
	r.sns, r.sqs = sns.NewFromConfig(awsCfg), sqs.NewFromConfig(awsCfg)
	topic, err := r.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("lookout-notify")})
	if err != nil {
		t.Fatal(err)
	}
	r.topicARN = *topic.TopicArn
	r.emailURL = r.subscribeQueue(t, "email-like", emailFilterPolicy)
	r.smsURL = r.subscribeQueue(t, "sms-like", smsFilterPolicy)

	// The routing key is a SecureString in SSM, read through shared/secrets.
	ssmClient := ssm.NewFromConfig(awsCfg)
	if _, err := ssmClient.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/lookout/pagerduty"),
		Value: aws.String(testRoutingKey), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
		t.Fatal(err)
	}
	ref, _ := ParseKeyRef("/lookout/pagerduty")
	r.pager = newPagerServer(t, pagerScript...)
	r.cw = motoCloudWatch(t, r.srv)
	o := Options{
		Config: testConfig(t),
		Channels: []Channel{
			NewEmail(NewTopic(r.sns, r.topicARN)),
			NewSMS(NewTopic(r.sns, r.topicARN)),
			NewPagerDuty(r.pager.URL(), r.pager.Client(), secrets.SSM(ssmClient), ref),
		},
		Enricher: &Enricher{Client: r.cw, Config: testConfig(t)},
		Links:    goldenLinks,
		Retry:    fastRetry,
		Logger:   slog.New(slog.NewJSONHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, fn := range opts {
		fn(r, &o)
	}
	if r.handler, err = NewHandler(o); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) subscribeQueue(t *testing.T, name, filter string) string {
	t.Helper()
	ctx := context.Background()
	q, err := r.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := r.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	sub := &sns.SubscribeInput{TopicArn: aws.String(r.topicARN), Protocol: aws.String("sqs"),
		Endpoint: aws.String(attrs.Attributes["QueueArn"]), Attributes: map[string]string{"RawMessageDelivery": "false"}}
	if filter != "" {
		sub.Attributes["FilterPolicy"] = filter
	}
	if _, err := r.sns.Subscribe(ctx, sub); err != nil {
		t.Fatal(err)
	}
	return *q.QueueUrl
}

// envelope is the SNS notification as an SQS subscriber receives it.
type envelope struct {
	Subject           string
	Message           string
	MessageAttributes map[string]struct{ Type, Value string }
}

func (e envelope) attr(name string) string { return e.MessageAttributes[name].Value }

// drain returns every message waiting in a queue. moto delivers during
// Publish, so nothing is still on its way when the handler has returned.
func (r *rig) drain(t *testing.T, queueURL string) []envelope {
	t.Helper()
	var out []envelope
	for {
		res, err := r.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			return out
		}
		for _, m := range res.Messages {
			var e envelope
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &e); err != nil {
				t.Fatalf("SQS body is not an SNS envelope: %v\n%s", err, aws.ToString(m.Body))
			}
			out = append(out, e)
			if _, err := r.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// published returns the per-protocol bodies of every message published to
// the notify topic, read from moto's state: email and SMS subscriptions
// deliver nothing in moto, so this is how their bodies are checked.
func (r *rig) published(t *testing.T) []map[string]string {
	t.Helper()
	resp, err := http.Get(r.srv.URL + "/moto-api/data.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var data struct {
		SNS struct {
			Topic []struct {
				Arn               string  `json:"arn"`
				SentNotifications [][]any `json:"sent_notifications"`
			} `json:"Topic"`
		} `json:"sns"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&data); err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, topic := range data.SNS.Topic {
		if topic.Arn != r.topicARN {
			continue
		}
		for _, n := range topic.SentNotifications {
			var bodies map[string]string
			if err := json.Unmarshal([]byte(n[1].(string)), &bodies); err != nil {
				t.Fatalf("published message is not MessageStructure=json: %v", err)
			}
			out = append(out, bodies)
		}
	}
	return out
}

// byProtocol keeps the published messages that carry a body for protocol.
func byProtocol(pub []map[string]string, protocol string) []map[string]string {
	var out []map[string]string
	for _, m := range pub {
		if _, ok := m[protocol]; ok {
			out = append(out, m)
		}
	}
	return out
}

func (r *rig) invoke(t *testing.T, payload []byte) error {
	t.Helper()
	_, err := r.invokeReport(t, payload)
	return err
}

// invokeReport goes through aws-lambda-go's decoding and encoding, as Lambda does.
func (r *rig) invokeReport(t *testing.T, payload []byte) (Report, error) {
	t.Helper()
	out, err := lambda.NewHandler(r.handler.Handle).Invoke(context.Background(), payload)
	var rep Report
	if err == nil {
		if jerr := json.Unmarshal(out, &rep); jerr != nil {
			t.Fatalf("handler output %s: %v", out, jerr)
		}
	}
	return rep, err
}

// TestHandlerWithEverySample invokes the handler, through aws-lambda-go's own
// decoding, with every alarm sample in events/ and checks what each channel got.
func TestHandlerWithEverySample(t *testing.T) {
	type want struct {
		severity, state, kind, area, location string
		sms                                   bool   // reaches the critical-only subscription
		pager                                 string // "", trigger or resolve
		emailHas                              string
		smsBody                               string // prefix
	}
	wants := map[string]want{
		"sns-alarm-down.json":                   {"critical", "ALARM", "down", "SignIn", "", true, "trigger", "Down from London and Mumbai (2 of 4); New York 380 ms, Sydney 420 ms.", "DOWN Sign-in (taskboard): London, Mumbai 2/4 since 14:02Z"},
		"sns-alarm-down-ok.json":                {"critical", "OK", "down", "SignIn", "", true, "resolve", "Sign-in (taskboard) has RECOVERED", "OK Sign-in (taskboard) recovered 14:09Z"},
		"sns-alarm-down-insufficient-data.json": {"info", "INSUFFICIENT_DATA", "down", "SignIn", "", false, "", "lacks data", "NO DATA Sign-in (taskboard)"},
		"sns-alarm-slow.json":                   {"warning", "ALARM", "slow", "Search", "", false, "trigger", "Search (taskboard) is SLOW.", "SLOW Search (taskboard)"},
		"sns-alarm-silent.json":                 {"warning", "ALARM", "silent", "", "Sydney", false, "trigger", "Sydney (taskboard) has gone SILENT", "SILENT Sydney (taskboard): "},
		"sns-alarm-foreign.json":                {"warning", "ALARM", "foreign", "", "", false, "trigger", `CloudWatch alarm "prod-db-cpu-high" is in ALARM`, "ALARM prod-db-cpu-high: Threshold Crossed"},
	}
	awstest.Start(t) // one moto_server for all the subtests
	for _, path := range alarmEventFiles(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			w, ok := wants[name]
			if !ok {
				t.Fatalf("no expectation for %s: add it here", name)
			}
			r := newRig(t, nil)
			downRounds(t, r.cw, time.Now())
			_, raw := readEvent(t, path)
			if err := r.invoke(t, raw); err != nil {
				t.Fatalf("handler: %v\nlogs:\n%s", err, r.logs)
			}

			email := r.drain(t, r.emailURL)
			if len(email) != 1 {
				t.Fatalf("email-like queue got %d messages, want 1", len(email))
			}
			e := email[0]
			for attr, v := range map[string]string{AttrSeverity: w.severity, AttrState: w.state, AttrKind: w.kind,
				AttrArea: w.area, AttrLocation: w.location, AttrApp: "taskboard"} {
				if e.attr(attr) != v {
					t.Errorf("attribute %s = %q, want %q", attr, e.attr(attr), v)
				}
			}
			if !strings.HasPrefix(e.Subject, w.state+" ") || len(e.Subject) > MaxSubject {
				t.Errorf("subject %q", e.Subject)
			}
			// SQS has no key of its own in the message, so it gets "default".
			if !strings.HasPrefix(e.Message, e.Subject+"\n\n") || !strings.Contains(e.Message, w.emailHas) {
				t.Errorf("default body lacks %q:\n%s", w.emailHas, e.Message)
			}

			if sms := r.drain(t, r.smsURL); (len(sms) == 1) != w.sms || len(sms) > 1 {
				t.Errorf("sms-like queue got %d messages; critical-only filter should pass: %v", len(sms), w.sms)
			}

			pub := r.published(t)
			emails, texts := byProtocol(pub, "email"), byProtocol(pub, "sms")
			if len(emails) != 1 || len(pub) != len(emails)+len(texts) {
				t.Fatalf("%d messages published, %d of them emails", len(pub), len(emails))
			}
			if !strings.Contains(emails[0]["email"], w.emailHas) || emails[0]["default"] != e.Message {
				t.Errorf("email body:\n%s", emails[0]["email"])
			}
			if (len(texts) == 1) != w.sms {
				t.Errorf("%d text messages published; critical only: %v", len(texts), w.sms)
			}
			for _, m := range texts {
				if s := m["sms"]; !strings.HasPrefix(s, w.smsBody) || len([]rune(s)) > MaxSMS || !IsGSM7(s) {
					t.Errorf("sms body %q, want prefix %q", s, w.smsBody)
				}
			}

			events := r.pager.received()
			switch {
			case w.pager == "" && len(events) != 0:
				t.Errorf("pager told %+v, want nothing", events)
			case w.pager != "" && (len(events) != 1 || string(events[0].EventAction) != w.pager):
				t.Errorf("pager got %+v, want one %s", events, w.pager)
			}
		})
	}
}

func TestOKAfterInsufficientDataOnlyResolves(t *testing.T) {
	r := newRig(t, nil)
	ev, _ := readEvent(t, filepath.Join(eventsDir, "sns-alarm-down-ok.json"))
	msg := strings.Replace(ev.Records[0].SNS.Message, `"OldStateValue":"ALARM"`, `"OldStateValue":"INSUFFICIENT_DATA"`, 1)
	ev.Records[0].SNS.Message = msg
	if _, err := r.handler.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if n := len(r.drain(t, r.emailURL)); n != 0 {
		t.Errorf("%d emails for a freshly deployed alarm turning OK", n)
	}
	if got := r.pager.received(); len(got) != 1 || got[0].EventAction != PagerResolve {
		t.Errorf("pager got %+v", got)
	}
}

func TestMalformedRecordIsSkippedNotFatal(t *testing.T) {
	r := newRig(t, nil)
	down, _ := readEvent(t, filepath.Join(eventsDir, "sns-alarm-down.json"))
	slow, _ := readEvent(t, filepath.Join(eventsDir, "sns-alarm-slow.json"))
	bad := down.Records[0]
	bad.SNS.MessageID = "bad-0000-message-id"
	bad.SNS.Message = "this is not an alarm"
	batch := events.SNSEvent{Records: []events.SNSEventRecord{down.Records[0], bad, slow.Records[0]}}
	payload, err := json.Marshal(batch)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.invokeReport(t, payload)
	if err != nil {
		t.Fatalf("a malformed record failed the invocation: %v", err)
	}
	if rep != (Report{Alarms: 2, Skipped: 1}) {
		t.Errorf("report %+v", rep)
	}
	if n := len(r.drain(t, r.emailURL)); n != 2 {
		t.Errorf("%d emails, want 2", n)
	}
	if n := len(r.pager.received()); n != 2 {
		t.Errorf("%d pages, want 2", n)
	}
	var logged bool
	for _, line := range strings.Split(r.logs.String(), "\n") {
		if strings.Contains(line, `"message_id":"bad-0000-message-id"`) && strings.Contains(line, `"level":"ERROR"`) {
			logged = true
		}
	}
	if !logged {
		t.Errorf("the malformed record's message id is not in an error log:\n%s", r.logs)
	}
}

func TestPagerFailureStillEmailsAndFailsTheInvocation(t *testing.T) {
	r := newRig(t, []int{500, 500, 500, 500, 500, 500})
	_, raw := readEvent(t, filepath.Join(eventsDir, "sns-alarm-down.json"))
	err := r.invoke(t, raw)
	if err == nil || !strings.Contains(err.Error(), "pager: ") {
		t.Fatalf("want the pager's failure as the invocation's error, got %v", err)
	}
	if n := len(r.pager.received()); n != fastRetry.Attempts {
		t.Errorf("%d pager attempts, want %d", n, fastRetry.Attempts)
	}
	if n := len(r.drain(t, r.emailURL)); n != 1 {
		t.Errorf("%d emails, want 1 despite the pager failing", n)
	}
}

func TestSNSFailureStillPagesAndFailsTheInvocation(t *testing.T) {
	r := newRig(t, nil, func(r *rig, o *Options) {
		o.Channels[0] = NewEmail(NewTopic(r.sns, strings.Replace(r.topicARN, "lookout-notify", "no-such-topic", 1)))
	})
	_, raw := readEvent(t, filepath.Join(eventsDir, "sns-alarm-down.json"))
	err := r.invoke(t, raw)
	if err == nil || !strings.Contains(err.Error(), "email: ") {
		t.Fatalf("want the SNS failure as the invocation's error, got %v", err)
	}
	if got := r.pager.received(); len(got) != 1 || got[0].EventAction != PagerTrigger {
		t.Errorf("pager got %+v despite SNS failing", got)
	}
}

func TestEnrichmentFailureStillSends(t *testing.T) {
	r := newRig(t, nil, func(r *rig, o *Options) {
		o.Enricher = &Enricher{Client: failingCloudWatch{}, Config: o.Config}
	})
	_, raw := readEvent(t, filepath.Join(eventsDir, "sns-alarm-down.json"))
	if err := r.invoke(t, raw); err != nil {
		t.Fatal(err)
	}
	email := r.drain(t, r.emailURL)
	if len(email) != 1 || !strings.Contains(email[0].Message, "Per-location details are unavailable") {
		t.Fatalf("emails %+v", email)
	}
	if texts := byProtocol(r.published(t), "sms"); len(texts) != 1 || !strings.HasSuffix(texts[0]["sms"], "details n/a") {
		t.Errorf("sms %v", texts)
	}
	if got := r.pager.received(); len(got) != 1 || !got[0].Payload.CustomDetails.DetailsUnavailable {
		t.Errorf("pager %+v", got)
	}
	if !strings.Contains(r.logs.String(), "enrichment failed") {
		t.Errorf("enrichment failure not logged:\n%s", r.logs)
	}
}

// The routing key appears in nothing but the request to PagerDuty: not in
// logs, SNS messages or errors, even when PagerDuty echoes it back.
func TestRoutingKeyLeaksNowhere(t *testing.T) {
	r := newRig(t, []int{202, 400})
	r.pager.body = `{"status":"invalid event","errors":["bad routing_key ` + testRoutingKey + `"]}`
	var errs []string
	for _, sample := range []string{"sns-alarm-down.json", "sns-alarm-down-ok.json"} {
		_, raw := readEvent(t, filepath.Join(eventsDir, sample))
		if err := r.invoke(t, raw); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) != 1 {
		t.Fatalf("want the resolve to fail once, got %v", errs)
	}
	published, _ := json.Marshal(r.published(t))
	for what, text := range map[string]string{
		"logs":     r.logs.String(),
		"errors":   strings.Join(errs, "\n"),
		"messages": string(published),
	} {
		if strings.Contains(text, testRoutingKey) {
			t.Errorf("routing key found in %s:\n%s", what, text)
		}
	}
	if got := r.pager.received(); len(got) != 2 || got[0].RoutingKey != testRoutingKey {
		t.Errorf("the pager itself must get the key: %+v", got)
	}
}

type failingCloudWatch struct{}

func (failingCloudWatch) GetMetricData(context.Context, *cloudwatch.GetMetricDataInput, ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	return nil, fmt.Errorf("GetMetricData: %w", io.ErrUnexpectedEOF)
}

// A 1 MiB alarm name makes no log line longer than CloudWatch takes (256 KB
// an event), in Lambda's JSON or TEXT log format, and the lines say what
// was cut.
func TestHugeAlarmNameKeepsLogLinesBounded(t *testing.T) {
	name := "lookout.taskboard.down." + strings.Repeat("n", 1<<20)
	msg, _ := json.Marshal(map[string]string{"AlarmName": name, "NewStateValue": "ALARM", "OldStateValue": "OK"})
	for format, newHandler := range map[string]func(io.Writer) slog.Handler{
		"JSON": func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) },
		"TEXT": func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) },
	} {
		t.Run(format, func(t *testing.T) {
			var logs bytes.Buffer
			h, err := NewHandler(Options{
				Config:   testConfig(t),
				Channels: []Channel{NewEmail(NewTopic(&recordingPublisher{err: errors.New("InvalidParameter")}, "arn:aws:sns:us-east-1:1:t"))},
				Retry:    fastRetry,
				Logger:   slog.New(newHandler(&logs)),
			})
			if err != nil {
				t.Fatal(err)
			}
			_, err = h.Handle(context.Background(), events.SNSEvent{Records: []events.SNSEventRecord{{SNS: events.SNSEntity{MessageID: "m-1", Message: string(msg)}}}})
			if err == nil || len(err.Error()) > 1024 {
				t.Errorf("invocation error of %d bytes", len(errText(err)))
			}
			lines := bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n"))
			if len(lines) != 2 { // alarm received, delivery failed
				t.Fatalf("%d log lines", len(lines))
			}
			for _, line := range lines {
				if len(line) >= 256<<10 || !bytes.Contains(line, []byte("…[truncated from 1048599 bytes]")) {
					t.Errorf("%s line of %d bytes: %.300s", format, len(line), line)
				}
			}
		})
	}
}
