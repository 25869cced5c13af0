// Package notify turns CloudWatch alarm notifications into the messages
// people need: it parses each notification into an Alarm (alarm.go), enriches
// it with per-location detail read from CloudWatch (enrich.go), renders it
// for every channel and delivers it through independent channels with one
// retry policy (channel.go).
//
// Each channel renders in its own file: email.go (subject and plain text),
// sms.go (one GSM-7 segment), pager.go (PagerDuty Events v2, rendering and
// sending); sns.go is the notify topic that carries email and SMS, one body
// per protocol. words.go holds the words every channel shares, so an email,
// an SMS and a page about one outage say the same thing.
//
// Rendering is pure (the clock is passed in) and golden-tested; sending is
// thin I/O behind the Channel interface, and AWS clients enter as the one
// method each part calls. Alarm and metric names come from package alarm and
// are never formatted here. The package reads no environment variables:
// functions/notify builds Options and passes them in.
package notify
