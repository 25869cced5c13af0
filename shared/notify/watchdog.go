package notify

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// Watchdog pings a dead-man's-switch service (a heartbeat or cron monitor)
// after every successful tick, so that if the notifier stops, someone
// outside AWS notices and pages. The URL usually holds the monitor's token,
// so it is kept like a secret and never written whole to a log or an error.
type Watchdog struct {
	client *http.Client
	url    *secretOnce
}

// NewWatchdog returns the watchdog pinging the URL that ref resolves to.
func NewWatchdog(client *http.Client, resolver check.Resolver, ref check.Ref) *Watchdog {
	if client == nil {
		client = http.DefaultClient
	}
	return &Watchdog{client: client, url: &secretOnce{what: "watchdog URL", resolver: resolver, ref: ref}}
}

// Ping makes one GET to the watchdog URL: 2xx is success. Errors name the
// URL's scheme and host only.
func (w *Watchdog) Ping(ctx context.Context) error {
	raw, err := w.url.get(ctx)
	if err != nil {
		return err
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return Final(fmt.Errorf("watchdog URL %s is not an http(s) URL", w.url.ref))
	}
	where := u.Scheme + "://" + u.Host
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return Final(fmt.Errorf("watchdog %s: %s", where, redact(err.Error(), raw)))
	}
	req.Header.Set("User-Agent", "Lookout notifier")
	resp, err := w.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Final(fmt.Errorf("watchdog %s: %w", where, ctx.Err()))
		}
		return Retryable(fmt.Errorf("watchdog %s: %s", where, hideURL(err.Error(), raw, u)))
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if err := CheckStatus(resp.StatusCode, hideURL(string(excerpt), raw, u)); err != nil {
		return fmt.Errorf("watchdog %s: %w", where, err)
	}
	return nil
}

// hideURL hides the URL in s, and its path and query on their own: a
// monitor's token is usually one of them, and a server may echo either.
func hideURL(s, raw string, u *url.URL) string {
	s = redact(s, raw)
	if p := u.EscapedPath(); len(p) > 1 {
		s = redact(s, p)
		s = redact(s, u.Path)
	}
	return redact(s, u.RawQuery)
}
