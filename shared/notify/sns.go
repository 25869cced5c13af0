package notify

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// Publisher is the one SNS call the SNS channel makes.
type Publisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, opts ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Message attributes set on every notification, for subscription filter
// policies (e.g. SMS: {"severity":["critical"]}).
const (
	AttrSeverity  = "severity"  // critical, warning or info
	AttrState     = "state"     // ALARM, OK or INSUFFICIENT_DATA
	AttrKind      = "kind"      // down, slow, silent or foreign
	AttrApp       = "app"       // the application
	AttrArea      = "area"      // the area id (down and slow only)
	AttrLocation  = "location"  // the location label (silent only)
	AttrTruncated = "truncated" // "true" when the email body was cut to fit
	// attrSMSType asks SNS to route SMS as transactional (reliable delivery).
	attrSMSType = "AWS.SNS.SMS.SMSType"
)

// maxSNSMessage keeps a message with its attributes under SNS's 256 KiB.
const maxSNSMessage = 240 << 10

// SNS publishes to the notify topic with one body per protocol
// (MessageStructure=json: default, email, sms) and message attributes that
// subscriptions filter on.
type SNS struct {
	client Publisher
	topic  string
}

// NewSNS returns the channel publishing to topicARN.
func NewSNS(client Publisher, topicARN string) *SNS {
	return &SNS{client: client, topic: topicARN}
}

// Name implements Channel.
func (s *SNS) Name() string { return "sns" }

// Notify implements Channel.
func (s *SNS) Notify(ctx context.Context, inc *Alarm, r Rendered) error {
	if !r.Publish {
		return nil
	}
	in, err := s.input(inc, r)
	if err != nil {
		return Final(err)
	}
	if _, err := s.client.Publish(ctx, in); err != nil {
		return ClassifyAWS(fmt.Errorf("publish to %s: %w", s.topic, err))
	}
	return nil
}

// input builds the Publish request; it is separate from sending so tests can read it.
func (s *SNS) input(inc *Alarm, r Rendered) (*sns.PublishInput, error) {
	attrs := map[string]types.MessageAttributeValue{}
	set := func(name, value string) {
		// Attributes count toward the message's size: a name from the
		// notification is bounded like everywhere else.
		if value, _ = text(value, maxName); value != "" { // SNS rejects empty attribute values
			attrs[name] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(value)}
		}
	}
	set(AttrSeverity, string(inc.NotifySeverity()))
	set(AttrState, string(inc.State))
	set(AttrKind, string(inc.Kind))
	set(AttrApp, inc.App)
	set(AttrArea, inc.AreaID)
	set(AttrLocation, inc.Location)
	set(attrSMSType, "Transactional")

	email := r.Email
	body, err := snsBody(r.Subject, email, r.SMS)
	if err != nil {
		return nil, err
	}
	if len(body) > maxSNSMessage {
		// Like Alertmanager's SNS notifier: cut, and say so in an attribute.
		// The body is in the message twice (default and email), JSON-escaped.
		cut := []rune(email)
		email = string(cut[:min(len(cut), maxSNSMessage/16)]) + "\n[message truncated]\n"
		set(AttrTruncated, "true")
		if body, err = snsBody(r.Subject, email, r.SMS); err != nil {
			return nil, err
		}
	}
	return &sns.PublishInput{
		TopicArn:          aws.String(s.topic),
		Subject:           aws.String(r.Subject),
		Message:           aws.String(body),
		MessageStructure:  aws.String("json"),
		MessageAttributes: attrs,
	}, nil
}

// snsBody is the MessageStructure=json body. "default" (subject and email
// text) goes to every protocol without its own key: SQS, HTTPS, email-json.
func snsBody(subject, email, sms string) (string, error) {
	b, err := json.Marshal(map[string]string{
		"default": subject + "\n\n" + email,
		"email":   email,
		"sms":     sms,
	})
	return string(b), err
}
