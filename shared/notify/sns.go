package notify

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// Publisher is the one SNS call the notify topic makes.
type Publisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, opts ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Message attributes set on every notification, for subscription filter
// policies: the template's email subscription takes {"channel":["email"]},
// the SMS one {"channel":["sms"]}; a subscription of your own (a chat
// webhook, a queue) can pick by severity, app, area or incident.
const (
	AttrChannel   = "channel"   // email or sms: which subscription it is for
	AttrSeverity  = "severity"  // critical, warning or info
	AttrState     = "state"     // ALARM, OK or INSUFFICIENT_DATA (an incident: ALARM until it resolves)
	AttrKind      = "kind"      // down, slow, silent, foreign, or incident
	AttrApp       = "app"       // the application
	AttrArea      = "area"      // the area id (an alarm that is down or slow)
	AttrLocation  = "location"  // the location label (a silent alarm)
	AttrIncident  = "incident"  // the incident's id
	AttrMessage   = "message"   // an incident message: open, update, reminder or resolve
	AttrTest      = "test"      // "true" for lookout test-page
	AttrTruncated = "truncated" // "true" when the email body was cut to fit
	// attrSMSType asks SNS to route SMS as transactional (reliable delivery).
	attrSMSType = "AWS.SNS.SMS.SMSType"
)

// Topic channels' names, as subscriptions filter on them.
const (
	TopicEmail = "email"
	TopicSMS   = "sms"
)

// maxSNSMessage keeps a message with its attributes under SNS's 256 KiB.
const maxSNSMessage = 240 << 10

// Topic is the notify topic. Each publish is for one protocol (email or
// SMS), MessageStructure=json with that protocol's body and a "default" for
// every other subscriber, and message attributes that subscriptions filter on.
type Topic struct {
	client Publisher
	arn    string
}

// NewTopic returns the notify topic at topicARN.
func NewTopic(client Publisher, topicARN string) *Topic {
	return &Topic{client: client, arn: topicARN}
}

// publish sends body to the subscriptions of channel (TopicEmail or TopicSMS).
func (t *Topic) publish(ctx context.Context, channel, subject, body string, attrs map[string]string) error {
	in, err := t.input(channel, subject, body, attrs)
	if err != nil {
		return Final(err)
	}
	if _, err := t.client.Publish(ctx, in); err != nil {
		return ClassifyAWS(fmt.Errorf("publish to %s: %w", t.arn, err))
	}
	return nil
}

// input builds the Publish request; it is separate from sending so tests can read it.
func (t *Topic) input(channel, subject, body string, attrs map[string]string) (*sns.PublishInput, error) {
	out := map[string]types.MessageAttributeValue{}
	set := func(name, value string) {
		// Attributes count toward the message's size: a name from the
		// notification is bounded like everywhere else.
		if value, _ = text(value, maxName); value != "" { // SNS rejects empty attribute values
			out[name] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(value)}
		}
	}
	for k, v := range attrs {
		set(k, v)
	}
	set(AttrChannel, channel)
	if channel == TopicSMS {
		set(attrSMSType, "Transactional")
	}
	msg, err := snsBody(channel, subject, body)
	if err != nil {
		return nil, err
	}
	if len(msg) > maxSNSMessage {
		// Like Alertmanager's SNS notifier: cut, and say so in an attribute.
		// The body is in the message twice (default and its protocol's), JSON-escaped.
		cut := []rune(body)
		body = string(cut[:min(len(cut), maxSNSMessage/16)]) + "\n[message truncated]\n"
		set(AttrTruncated, "true")
		if msg, err = snsBody(channel, subject, body); err != nil {
			return nil, err
		}
	}
	in := &sns.PublishInput{
		TopicArn:          aws.String(t.arn),
		Message:           aws.String(msg),
		MessageStructure:  aws.String("json"),
		MessageAttributes: out,
	}
	if subject != "" {
		in.Subject = aws.String(subject)
	}
	return in, nil
}

// snsBody is the MessageStructure=json body: the protocol's own key, and
// "default" (subject and body) for every protocol without one: SQS, HTTPS,
// email-json.
func snsBody(channel, subject, body string) (string, error) {
	def := body
	if subject != "" {
		def = subject + "\n\n" + body
	}
	b, err := json.Marshal(map[string]string{"default": def, channel: body})
	return string(b), err
}

// alarmAttrs are the attributes of one alarm's message.
func alarmAttrs(a *Alarm) map[string]string {
	return map[string]string{
		AttrSeverity: string(a.NotifySeverity()),
		AttrState:    string(a.State),
		AttrKind:     string(a.Kind),
		AttrApp:      a.App,
		AttrArea:     a.AreaID,
		AttrLocation: a.Location,
	}
}

// incidentAttrs are the attributes of one incident message.
func incidentAttrs(n *IncidentNotice) map[string]string {
	state := "ALARM"
	if n.Kind == IncidentResolve {
		state = "OK"
	}
	attrs := map[string]string{
		AttrSeverity: string(n.Severity),
		AttrState:    state,
		AttrKind:     "incident",
		AttrApp:      n.App,
		AttrIncident: n.ID,
		AttrMessage:  string(n.Kind),
	}
	if n.Test {
		attrs[AttrTest] = "true"
	}
	return attrs
}
