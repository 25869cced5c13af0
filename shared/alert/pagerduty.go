package alert

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// DefaultPagerURL is the PagerDuty Events API v2 endpoint.
const DefaultPagerURL = "https://events.pagerduty.com/v2/enqueue"

// ParseKeyRef reads where the pager's routing key is kept: an SSM parameter
// name ("/lookout/pagerduty", or "ssm:/lookout/pagerduty") or a Secrets
// Manager secret ("secret:NAME", "secret:NAME#json-key"). ok is false for ""
// (the pager channel is off).
func ParseKeyRef(s string) (ref check.Ref, ok bool) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return check.Ref{}, false
	case strings.HasPrefix(s, check.RefSecret+":"):
		return check.Ref{Kind: check.RefSecret, Arg: strings.TrimPrefix(s, check.RefSecret+":")}, true
	case strings.HasPrefix(s, check.RefSSM+":"):
		return check.Ref{Kind: check.RefSSM, Arg: strings.TrimPrefix(s, check.RefSSM+":")}, true
	}
	return check.Ref{Kind: check.RefSSM, Arg: s}, true
}

// PagerDuty sends Events API v2 events: trigger on ALARM, resolve on OK, with
// the alarm's stable dedup key so a retry or a resolve finds the same incident.
type PagerDuty struct {
	url      string
	client   *http.Client
	resolver check.Resolver
	ref      check.Ref

	mu  sync.Mutex
	key string // the routing key, once read
}

// NewPagerDuty returns the channel posting to url (DefaultPagerURL if ""),
// reading the routing key ref through resolver on first use and keeping it.
func NewPagerDuty(url string, client *http.Client, resolver check.Resolver, ref check.Ref) *PagerDuty {
	if url == "" {
		url = DefaultPagerURL
	}
	if client == nil {
		client = http.DefaultClient
	}
	return &PagerDuty{url: url, client: client, resolver: resolver, ref: ref}
}

// Name implements Channel.
func (p *PagerDuty) Name() string { return "pagerduty" }

// routingKey reads the key once; a failed read is tried again next time.
func (p *PagerDuty) routingKey(ctx context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.key != "" {
		return p.key, nil
	}
	if p.resolver == nil {
		return "", Final(errors.New("routing key: no resolver"))
	}
	key, err := p.resolver.Resolve(ctx, p.ref)
	if err != nil {
		return "", ClassifyAWS(fmt.Errorf("routing key %s: %w", p.ref, err))
	}
	key = strings.TrimSpace(key)
	if key == "" {
		return "", Final(fmt.Errorf("routing key %s is empty", p.ref))
	}
	p.key = key
	return key, nil
}

// Notify implements Channel.
func (p *PagerDuty) Notify(ctx context.Context, inc *Incident, r Rendered) error {
	if r.Pager == nil {
		return nil
	}
	key, err := p.routingKey(ctx)
	if err != nil {
		return err
	}
	ev := *r.Pager
	ev.RoutingKey = key
	body, err := ev.JSON("")
	if err != nil {
		return Final(fmt.Errorf("encode event: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return Final(fmt.Errorf("request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Final(fmt.Errorf("%s %s: %w", ev.EventAction, ev.DedupKey, ctx.Err()))
		}
		return Retryable(fmt.Errorf("%s %s: %s", ev.EventAction, ev.DedupKey, redact(err.Error(), key)))
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	if err := CheckStatus(resp.StatusCode, redact(string(excerpt), key)); err != nil {
		return fmt.Errorf("%s %s: %w", ev.EventAction, ev.DedupKey, err)
	}
	return nil
}

// redact hides the routing key should a server or transport echo it back.
func redact(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, "[redacted]")
}
