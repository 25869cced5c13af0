package dnstest_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/dnstest"
)

func TestResolver(t *testing.T) {
	r := dnstest.Resolver(t, map[string]net.IP{"*.example.com": net.IPv4(127, 0, 0, 1), "exact.test": net.IPv4(127, 0, 0, 2)})
	ctx := context.Background()
	for name, want := range map[string]string{"app.example.com": "127.0.0.1", "a.b.example.com": "127.0.0.1", "EXACT.test": "127.0.0.2"} {
		addrs, err := r.LookupHost(ctx, name)
		if err != nil || len(addrs) != 1 || addrs[0] != want {
			t.Errorf("%s: %v %v, want %s", name, addrs, err, want)
		}
	}
	for _, name := range []string{"example.com", "other.test", "sub.exact.test"} {
		_, err := r.LookupHost(ctx, name)
		var de *net.DNSError
		if !errors.As(err, &de) || !de.IsNotFound {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
}
