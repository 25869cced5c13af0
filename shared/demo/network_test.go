package demo_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/demo"
)

// TestNetworksCarryBytesAndRefuseClosedAddresses: both networks connect a
// dialer to a listener, carry bytes both ways, and refuse an address nobody
// listens on any more, as a closed port does.
func TestNetworksCarryBytesAndRefuseClosedAddresses(t *testing.T) {
	for name, nw := range map[string]demo.Network{"loopback": demo.Loopback{}, "in-memory": demo.InMemory()} {
		t.Run(name, func(t *testing.T) {
			ln, err := nw.Listen()
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			if host, _, _ := net.SplitHostPort(addr); name == "loopback" && host != "127.0.0.1" {
				t.Errorf("listening on %s, want 127.0.0.1 only", addr)
			}
			served := make(chan error, 1)
			go func() {
				c, err := ln.Accept()
				if err == nil {
					_, err = io.Copy(c, io.LimitReader(c, 4))
					c.Close()
				}
				served <- err
			}()
			c, err := nw.DialContext(context.Background(), addr)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Write([]byte("ping")); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(c)
			c.Close()
			if err != nil || string(got) != "ping" {
				t.Errorf("echo %q, %v", got, err)
			}
			if err := <-served; err != nil {
				t.Errorf("serving: %v", err)
			}
			ln.Close()
			if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
			}
			if _, err := nw.DialContext(context.Background(), addr); !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("dialing a closed address: %v, want connection refused", err)
			}
		})
	}
}

// TestLoopbackRunsTheDemoOn127001: what a person runs, on real ports. Only
// that it works is checked; the story is checked on virtual time.
func TestLoopbackRunsTheDemoOn127001(t *testing.T) {
	cfg, err := check.Load("../../checks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := demo.Run(t.Context(), demo.Options{Config: cfg, Fast: true, Scenario: &demo.Scenario{Minutes: 2}, View: &demo.JSONLines{W: &out}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Rounds != 2 || !strings.Contains(out.String(), `"status":200`) || strings.Contains(out.String(), `"event":"error"`) {
		t.Errorf("summary %+v, output:\n%s", s, out.String())
	}
}
