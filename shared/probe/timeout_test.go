package probe

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
)

// TestTimeoutSaysWhere: the hard deadline covers every phase, and the
// message says which phase it cut short.
func TestTimeoutSaysWhere(t *testing.T) {
	t.Parallel()
	// A TCP server that accepts and then says nothing: TLS never completes.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	silent := ln.Addr().String()

	// A dialer that connects, then keeps the connection from the transport
	// until the deadline: the probe is stuck connecting.
	var d net.Dialer
	stuck := newProber(t, Options{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		<-ctx.Done()
		c.Close()
		return nil, ctx.Err()
	}})
	p := newProber(t, Options{})

	for _, tc := range []struct {
		name string
		p    *Prober
		url  string
		msg  string
	}{
		{name: "connect", p: stuck, url: "http://" + silent + "/", msg: "timed out after 200ms connecting to " + silent},
		{name: "TLS handshake", p: p, url: "https://" + silent + "/", msg: "timed out after 200ms in the TLS handshake with " + silent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := parseConfig(t, oneArea(fmt.Sprintf("timeout: 200ms\nslow: 100ms\nrequest:\n  url: %s\n", tc.url)))
			r := tc.p.Probe(context.Background(), cfg, &cfg.Areas[0])
			if r.Verdict != Down || r.Class != ClassTimeout || !strings.Contains(r.Message, tc.msg) {
				t.Errorf("%s %s %q; want down timeout %q", r.Verdict, r.Class, r.Message, tc.msg)
			}
		})
	}
}
