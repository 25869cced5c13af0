package notify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// Notice is one thing to tell people: either one alarm's own message
// (Alarm, rendered for every channel in Rendered: alarms Lookout did not
// create, and alarms that lack data) or one incident message (Incident, with
// its Links). Now is the clock the message is rendered at.
type Notice struct {
	Alarm    *Alarm
	Rendered Rendered
	Incident *IncidentNotice
	Links    IncidentLinks
	Now      time.Time
}

// Channel renders a notice for one kind of receiver and delivers it. Notify
// makes one attempt and says through its error (Retryable) whether another
// attempt may succeed; retrying is the caller's business (RetryPolicy). A
// channel with nothing to send for a notice returns nil.
type Channel interface {
	// Name is "email", "sms" or "pager": the channels incident messages name.
	Name() string
	Notify(ctx context.Context, n *Notice) error
}

// Every channel satisfies the interface.
var (
	_ Channel = (*Email)(nil)
	_ Channel = (*SMS)(nil)
	_ Channel = (*PagerDuty)(nil)
)

// Error is a failed delivery attempt that knows whether another may succeed.
type Error struct {
	Err   error
	Retry bool
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Retryable marks err as worth another attempt.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, Retry: true}
}

// Final marks err as not worth another attempt.
func Final(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err}
}

// IsRetryable says whether err was marked Retryable. Unmarked errors are final.
func IsRetryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retry
}

// CheckStatus classifies an HTTP response the way Alertmanager's Retrier
// does: 2xx is success, 429 and 5xx are retryable, anything else is final.
// body is a short, already redacted excerpt of the response for the message.
func CheckStatus(code int, body string) error {
	if code/100 == 2 {
		return nil
	}
	err := fmt.Errorf("HTTP %d %s: %s", code, http.StatusText(code), strings.TrimSpace(body))
	if code == http.StatusTooManyRequests || code/100 == 5 {
		return Retryable(err)
	}
	return Final(err)
}

// ClassifyAWS marks an AWS SDK error: throttling, server faults, 429 and 5xx
// responses and failures to reach the service are retryable; other API errors
// (validation, not found, access denied) are final. It is applied after the
// SDK's own retries, so a retryable error here is a persistent one.
func ClassifyAWS(err error) error {
	if err == nil {
		return nil
	}
	var marked *Error
	if errors.As(err, &marked) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Final(err)
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) {
		if c := status.HTTPStatusCode(); c == http.StatusTooManyRequests || c/100 == 5 {
			return Retryable(err)
		}
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		code := api.ErrorCode()
		if _, ok := retry.DefaultThrottleErrorCodes[code]; ok {
			return Retryable(err)
		}
		if _, ok := retry.DefaultRetryableErrorCodes[code]; ok {
			return Retryable(err)
		}
		if api.ErrorFault() == smithy.FaultServer {
			return Retryable(err)
		}
		return Final(err)
	}
	// No API answer at all: the request did not get through (DNS, refused, reset).
	return Retryable(err)
}

// RetryPolicy bounds the attempts of one channel for one alarm. The
// context's deadline bounds it too: no attempt starts after it.
type RetryPolicy struct {
	// Attempts is the most attempts made (default 4).
	Attempts int
	// Initial is the first backoff (default 250 ms); each next one doubles, up to Max (default 2 s).
	Initial, Max time.Duration
}

// DefaultRetryPolicy is used when Options leave the policy zero.
var DefaultRetryPolicy = RetryPolicy{Attempts: 4, Initial: 250 * time.Millisecond, Max: 2 * time.Second}

// Do calls fn until it succeeds, fails finally, the attempts are spent or the
// context ends. It returns the number of attempts and the last error.
func (p RetryPolicy) Do(ctx context.Context, fn func(context.Context) error) (int, error) {
	if p.Attempts <= 0 {
		p.Attempts = DefaultRetryPolicy.Attempts
	}
	if p.Initial <= 0 {
		p.Initial = DefaultRetryPolicy.Initial
	}
	if p.Max < p.Initial {
		p.Max = max(DefaultRetryPolicy.Max, p.Initial)
	}
	backoff := p.Initial
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil || !IsRetryable(err) || attempt >= p.Attempts {
			return attempt, err
		}
		// Full jitter in [backoff/2, backoff], so concurrent retries spread out.
		wait := backoff/2 + rand.N(backoff/2+1)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return attempt, fmt.Errorf("%w (no time left to retry)", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return attempt, errors.Join(err, ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, p.Max)
	}
}
