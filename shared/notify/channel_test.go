package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// fastRetry keeps tests quick: the policy's shape, not its pace, is tested.
var fastRetry = RetryPolicy{Attempts: 4, Initial: time.Millisecond, Max: 2 * time.Millisecond}

func TestCheckStatus(t *testing.T) {
	for code, want := range map[int]string{
		200: "ok", 202: "ok", 400: "final", 401: "final", 403: "final", 404: "final",
		429: "retry", 500: "retry", 502: "retry", 503: "retry",
	} {
		err := CheckStatus(code, "body")
		got := "final"
		switch {
		case err == nil:
			got = "ok"
		case IsRetryable(err):
			got = "retry"
		}
		if got != want {
			t.Errorf("HTTP %d: %s, want %s (%v)", code, got, want, err)
		}
	}
}

func responseError(code int, api error) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}}, Err: api}}
}

func TestClassifyAWS(t *testing.T) {
	for name, c := range map[string]struct {
		err   error
		retry bool
	}{
		"throttled":        {responseError(400, &smithy.GenericAPIError{Code: "Throttling", Fault: smithy.FaultClient}), true},
		"server fault":     {responseError(500, &smithy.GenericAPIError{Code: "InternalError", Fault: smithy.FaultServer}), true},
		"503 without code": {responseError(503, errors.New("unavailable")), true},
		"topic not found":  {responseError(404, &smithy.GenericAPIError{Code: "NotFound", Fault: smithy.FaultClient}), false},
		"access denied":    {responseError(403, &smithy.GenericAPIError{Code: "AuthorizationError", Fault: smithy.FaultClient}), false},
		"no connection":    {fmt.Errorf("dial tcp 127.0.0.1:1: connect: connection refused"), true},
		"deadline":         {fmt.Errorf("publish: %w", context.DeadlineExceeded), false},
	} {
		t.Run(name, func(t *testing.T) {
			err := ClassifyAWS(fmt.Errorf("publish: %w", c.err))
			if IsRetryable(err) != c.retry {
				t.Errorf("retryable = %v, want %v", IsRetryable(err), c.retry)
			}
			if !errors.Is(err, c.err) && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("classification lost the cause: %v", err)
			}
		})
	}
}

func TestRetryPolicy(t *testing.T) {
	for name, c := range map[string]struct {
		errs     []error
		attempts int
		ok       bool
	}{
		"first time":          {[]error{nil}, 1, true},
		"after two retryable": {[]error{Retryable(errors.New("a")), Retryable(errors.New("b")), nil}, 3, true},
		"final stops at once": {[]error{Final(errors.New("bad request")), nil}, 1, false},
		"unmarked is final":   {[]error{errors.New("bug"), nil}, 1, false},
		"bounded attempts":    {[]error{Retryable(errors.New("1")), Retryable(errors.New("2")), Retryable(errors.New("3")), Retryable(errors.New("4")), nil}, 4, false},
	} {
		t.Run(name, func(t *testing.T) {
			calls := 0
			attempts, err := fastRetry.Do(context.Background(), func(context.Context) error {
				err := c.errs[calls]
				calls++
				return err
			})
			if attempts != c.attempts || calls != c.attempts || (err == nil) != c.ok {
				t.Errorf("attempts %d calls %d err %v; want %d attempts, ok=%v", attempts, calls, err, c.attempts, c.ok)
			}
		})
	}
}

// No attempt starts once the context's deadline would pass during the backoff.
func TestRetryPolicyRespectsTheDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	slow := RetryPolicy{Attempts: 10, Initial: 2 * time.Hour, Max: 2 * time.Hour}
	calls := 0
	attempts, err := slow.Do(ctx, func(context.Context) error { calls++; return Retryable(errors.New("503")) })
	if attempts != 1 || calls != 1 || !IsRetryable(err) {
		t.Errorf("attempts %d, calls %d, err %v", attempts, calls, err)
	}

	cancelled, stop := context.WithCancel(context.Background())
	stop()
	attempts, err = RetryPolicy{Attempts: 3, Initial: time.Hour}.Do(cancelled, func(context.Context) error { return Retryable(errors.New("503")) })
	if attempts != 1 || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: attempts %d err %v", attempts, err)
	}
}
