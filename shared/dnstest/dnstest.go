// Package dnstest serves DNS on 127.0.0.1 for tests, so that name resolution
// (and its failures) is tested without a network. It is for tests only.
package dnstest

import (
	"context"
	"encoding/binary"
	"net"
	"strings"
	"testing"
)

// Resolver starts a DNS server on a UDP port of 127.0.0.1, stopped when the
// test ends, and returns a resolver that asks it alone. hosts maps a name
// ("app.example.com") or every name under a domain ("*.example.com") to an
// IPv4 address; every other name is NXDOMAIN (all of them, for nil hosts).
func Resolver(t testing.TB, hosts map[string]net.IP) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return // closed
			}
			if resp := answer(buf[:n], hosts); resp != nil {
				_, _ = pc.WriteTo(resp, from)
			}
		}
	}()
	addr := pc.LocalAddr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", addr)
		},
	}
}

// lookup finds name in hosts, exactly or by its parent domain's wildcard.
func lookup(hosts map[string]net.IP, name string) net.IP {
	if ip, ok := hosts[name]; ok {
		return ip
	}
	for i := strings.IndexByte(name, '.'); i >= 0; i = strings.IndexByte(name, '.') {
		name = name[i+1:]
		if ip, ok := hosts["*."+name]; ok {
			return ip
		}
	}
	return nil
}

// answer is the response to one query (RFC 1035 4.1): the address for an A
// query of a known name, no record for its other types, NXDOMAIN for an
// unknown name; nil for what is not a query.
func answer(q []byte, hosts map[string]net.IP) []byte {
	if len(q) < 12 || q[2]&0x80 != 0 || binary.BigEndian.Uint16(q[4:]) != 1 {
		return nil
	}
	var labels []string
	i := 12
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if l > 63 || i+1+l > len(q) {
			return nil
		}
		labels = append(labels, strings.ToLower(string(q[i+1:i+1+l])))
		i += 1 + l
	}
	if i+5 > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i+1:])
	resp := append([]byte(nil), q[:i+5]...) // the header and the question
	resp[2] = 0x84 | q[2]&0x01              // a response, authoritative, recursion desired as asked
	resp[3] = 0x80                          // recursion available, no error
	binary.BigEndian.PutUint16(resp[6:], 0) // no answer
	binary.BigEndian.PutUint32(resp[8:], 0) // no authority, no additional records
	ip := lookup(hosts, strings.Join(labels, ".")).To4()
	switch {
	case ip == nil:
		resp[3] |= 3 // NXDOMAIN
	case qtype == 1: // A
		binary.BigEndian.PutUint16(resp[6:], 1)
		resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4) // the question's name, A, IN, TTL 60 s, 4 bytes
		resp = append(resp, ip...)
	}
	return resp
}
