// Package alert turns CloudWatch alarm notifications into the messages people
// need: it parses an alarm into an Incident, enriches it with per-location
// detail read from CloudWatch, renders one message per channel (email, SMS,
// PagerDuty Events v2) and delivers them through independent channels with
// one retry policy.
//
// Rendering is pure (the clock is passed in) and golden-tested; sending is
// thin I/O behind the Channel interface. Alarm and metric names come from
// package metrics and are never formatted here. The package reads no
// environment variables: functions/notify builds Options and passes them in.
package alert
