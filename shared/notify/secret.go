package notify

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// secretOnce reads a secret (the pager's routing key, the watchdog's URL)
// through a resolver on first use and keeps it; a failed read is tried
// again next time, so a throttled SSM call does not disable a channel.
type secretOnce struct {
	what     string // for errors: "routing key"
	resolver check.Resolver
	ref      check.Ref

	mu    sync.Mutex
	value string
}

func (s *secretOnce) get(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.value != "" {
		return s.value, nil
	}
	if s.resolver == nil {
		return "", Final(fmt.Errorf("%s: no resolver", s.what))
	}
	v, err := s.resolver.Resolve(ctx, s.ref)
	if err != nil {
		return "", ClassifyAWS(fmt.Errorf("%s %s: %w", s.what, s.ref, err))
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return "", Final(fmt.Errorf("%s %s is empty", s.what, s.ref))
	}
	s.value = v
	return v, nil
}

// redact hides a secret should a server or transport echo it back.
func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "[redacted]")
}
