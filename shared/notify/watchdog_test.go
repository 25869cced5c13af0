package notify

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
)

const watchdogToken = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

var watchdogRef = check.Ref{Kind: check.RefSSM, Arg: "/lookout/taskboard/watchdog-url"}

// watchdogFor returns a watchdog whose URL parameter holds url; calls counts its reads.
func watchdogFor(url string, calls *atomic.Int32) *Watchdog {
	return NewWatchdog(&http.Client{}, check.ResolverFunc(func(_ context.Context, ref check.Ref) (string, error) {
		if calls != nil {
			calls.Add(1)
		}
		if ref != watchdogRef {
			return "", errors.New("unexpected ref " + ref.String())
		}
		return url, nil
	}), watchdogRef)
}

func TestWatchdogPingsAndReadsItsURLOnce(t *testing.T) {
	var pings atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/ping/"+watchdogToken {
			t.Errorf("%s %s", r.Method, r.URL.Path)
		}
		pings.Add(1)
		_, _ = w.Write([]byte("OK"))
	}))
	defer srv.Close()
	var reads atomic.Int32
	w := watchdogFor(srv.URL+"/ping/"+watchdogToken, &reads)
	for range 3 {
		if err := w.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if pings.Load() != 3 || reads.Load() != 1 {
		t.Errorf("%d pings and %d reads of the URL, want 3 and 1", pings.Load(), reads.Load())
	}
}

func TestWatchdogErrorsNeverHoldTheToken(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no check "+r.URL.Path, http.StatusServiceUnavailable) // echoes the token back
	}))
	defer failing.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()

	for _, c := range []struct {
		name, url string
		retry     bool
	}{
		{"a 503 that echoes the path", failing.URL + "/ping/" + watchdogToken, true},
		{"a refused connection", refused + "/ping/" + watchdogToken, true},
		{"not an http URL", "ftp://example.com/" + watchdogToken, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := watchdogFor(c.url, nil).Ping(context.Background())
			if err == nil || !strings.Contains(err.Error(), "watchdog ") || strings.Contains(err.Error(), "unexpected ref") {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(err.Error(), watchdogToken) {
				t.Errorf("the error holds the token: %v", err)
			}
			if IsRetryable(err) != c.retry {
				t.Errorf("retryable = %v, want %v: %v", IsRetryable(err), c.retry, err)
			}
		})
	}
}

func TestWatchdogWithoutItsURLSaysWhy(t *testing.T) {
	denied := check.ResolverFunc(func(context.Context, check.Ref) (string, error) {
		return "", errors.New("AccessDeniedException: not allowed")
	})
	err := NewWatchdog(nil, denied, watchdogRef).Ping(context.Background())
	if err == nil || !strings.Contains(err.Error(), "watchdog URL") || !strings.Contains(err.Error(), "/lookout/taskboard/watchdog-url") {
		t.Fatalf("err = %v", err)
	}
}
