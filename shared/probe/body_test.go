package probe

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// startBodies serves each body at its path on 127.0.0.1: with its
// Content-Length; ?chunked without one; ?gzip compressed, with
// Content-Encoding: gzip (the transport decompresses it).
func startBodies(t testing.TB, bodies map[string][]byte) *httptest.Server {
	t.Helper()
	zipped := map[string][]byte{}
	for path, body := range bodies {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(body)
		zw.Close()
		zipped[path] = b.Bytes()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Query().Has("chunked"):
			for len(body) > 0 {
				n := min(len(body), 256<<10)
				w.Write(body[:n])
				w.(http.Flusher).Flush()
				body = body[n:]
			}
			return
		case r.URL.Query().Has("gzip"):
			w.Header().Set("Content-Encoding", "gzip")
			body = zipped[r.URL.Path]
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// allocated is what f allocates, from runtime.MemStats: f runs alone on this
// goroutine, and the test runs no other in parallel.
func allocated(f func()) int64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}

// readBody reads up to limit+1 bytes into one buffer sized once: exactly
// size+1 for a known size, else the first chunk, then limit+1.
func TestReadBody(t *testing.T) {
	const limit = 200 << 10
	chunk := int(check.BodyChunk)
	for _, tc := range []struct {
		n, size int // body length, announced size (-1: unknown)
		wantCap int
	}{
		{0, 0, 1},
		{0, -1, chunk},
		{10, 10, 11},
		{10, -1, chunk},
		{chunk, -1, limit + 1},
		{chunk - 1, -1, chunk},
		{limit, limit, limit + 1},
		{limit, -1, limit + 1},
		{limit + 1, -1, limit + 1},
		{3 * limit, -1, limit + 1},
		{3 * limit, 3 * limit, limit + 1},
	} {
		body := bytes.Repeat([]byte("x"), tc.n)
		for _, rd := range []struct {
			name string
			r    io.Reader
		}{{"whole", bytes.NewReader(body)}, {"byte by byte", iotest.OneByteReader(bytes.NewReader(body))}} {
			got, err := readBody(rd.r, int64(tc.size), limit)
			if err != nil {
				t.Fatal(err)
			}
			if want := min(tc.n, limit+1); len(got) != want || !bytes.Equal(got, body[:want]) {
				t.Errorf("%d bytes (size %d, %s): read %d, want %d", tc.n, tc.size, rd.name, len(got), want)
			}
			if cap(got) != tc.wantCap {
				t.Errorf("%d bytes (size %d, %s): buffer of %d, want %d", tc.n, tc.size, rd.name, cap(got), tc.wantCap)
			}
		}
	}
	if _, err := readBody(iotest.ErrReader(io.ErrUnexpectedEOF), -1, limit); err != io.ErrUnexpectedEOF {
		t.Errorf("a failing read: %v, want it returned", err)
	}
}

// A probe holds a body in one buffer: what it allocates in all, transport
// included, is the body (or the limit, for a body of unknown length) and a
// fixed amount, not the 2 to 3 times io.ReadAll's growth allocates.
// Compressed bodies are bounded the same way, decompressed.
func TestProbeAllocatesABodyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 60 MB")
	}
	const limit, size = 16 << 20, 15 << 20
	srv := startBodies(t, map[string][]byte{
		"/body": bytes.Repeat([]byte("x"), size),
		"/bomb": bytes.Repeat([]byte("x"), 4*limit),
	})
	p := newProber(t, Options{})
	const fixed = 1 << 20 // the connection, transport, gzip reader, result
	for _, tc := range []struct {
		path  string
		class Class
		most  int64
	}{
		{"/body", ClassNone, size + fixed},
		{"/body?chunked", ClassNone, limit + int64(check.BodyChunk) + fixed},
		{"/body?gzip", ClassNone, limit + int64(check.BodyChunk) + fixed},
		{"/bomb?gzip", ClassBodyTooLarge, limit + int64(check.BodyChunk) + fixed},
	} {
		cfg := parseConfig(t, fmt.Sprintf("app: test\ndefaults:\n  body_limit: 16MiB\n  concurrency: 1\nareas:\n  - id: A\n    request:\n      url: %s%s\n", srv.URL, tc.path))
		var res Result
		got := allocated(func() { res = p.Probe(context.Background(), cfg, &cfg.Areas[0]) })
		if res.Class != tc.class {
			t.Fatalf("%s: %s %s", tc.path, res.Class, res.Message)
		}
		if got > tc.most {
			t.Errorf("%s: the probe allocated %.1f MiB, want at most %.1f MiB", tc.path, float64(got)/(1<<20), float64(tc.most)/(1<<20))
		}
		if tc.class == ClassBodyTooLarge && !strings.Contains(res.Message, "larger than 16MiB") {
			t.Errorf("%s: %q", tc.path, res.Message)
		}
	}
}

// h2Settings is what an HTTP/2 client asks of the server before its first
// request: its SETTINGS, and the connection window it opens.
type h2Settings struct {
	initialWindow, maxFrame, connWindow uint32
}

// readH2Settings reads the client preface, then frames up to the first
// HEADERS, on a connection that negotiated h2.
func readH2Settings(c io.Reader) (h2Settings, error) {
	s := h2Settings{initialWindow: 65535, maxFrame: 16384, connWindow: 65535} // RFC 9113 defaults
	preface := make([]byte, len("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"))
	if _, err := io.ReadFull(c, preface); err != nil {
		return s, err
	}
	for {
		var h [9]byte // length (24 bits), type, flags, stream (31 bits)
		if _, err := io.ReadFull(c, h[:]); err != nil {
			return s, err
		}
		payload := make([]byte, int(h[0])<<16|int(h[1])<<8|int(h[2]))
		if _, err := io.ReadFull(c, payload); err != nil {
			return s, err
		}
		stream := binary.BigEndian.Uint32(h[5:]) &^ (1 << 31)
		switch h[3] {
		case 0x4: // SETTINGS
			for p := payload; len(p) >= 6; p = p[6:] {
				switch v := binary.BigEndian.Uint32(p[2:]); binary.BigEndian.Uint16(p) {
				case 0x4:
					s.initialWindow = v
				case 0x5:
					s.maxFrame = v
				}
			}
		case 0x8: // WINDOW_UPDATE
			if stream == 0 {
				s.connWindow += binary.BigEndian.Uint32(payload) &^ (1 << 31)
			}
		case 0x1: // HEADERS: the request; the settings are all sent
			return s, nil
		}
	}
}

// Over HTTP/2, a probe lets the server send no more body ahead of the reader
// than the receive window its body limit gives (Go's defaults: 4 MiB per
// stream, 1 GiB per connection), in frames of at most 16 KiB (Go's default).
func TestHTTP2BuffersFollowTheBodyLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		limit string
		want  check.Size
	}{
		{"1KiB", 64 << 10},
		{"1MiB", 1 << 20},
		{"64MiB", 4 << 20},
	} {
		got := make(chan h2Settings, 1)
		srv := httptest.NewUnstartedServer(nil)
		srv.EnableHTTP2 = true
		srv.Config.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){
			"h2": func(_ *http.Server, c *tls.Conn, _ http.Handler) {
				s, err := readH2Settings(c)
				if err != nil {
					t.Errorf("body_limit %s: reading the client's frames: %v", tc.limit, err)
				}
				got <- s
			},
		}
		srv.StartTLS()
		t.Cleanup(srv.Close)
		roots := x509.NewCertPool()
		roots.AddCert(srv.Certificate())
		p := newProber(t, Options{Roots: roots})
		cfg := parseConfig(t, fmt.Sprintf("app: test\ndefaults:\n  body_limit: %s\n  concurrency: 1\nareas:\n  - id: A\n    request:\n      url: %s/\n", tc.limit, srv.URL))
		r := p.Probe(context.Background(), cfg, &cfg.Areas[0]) // fails: the server only reads the settings
		var s h2Settings
		select { // the server sent its reading before it closed the connection, so before Probe returned
		case s = <-got:
		default:
			t.Fatalf("body_limit %s: no HTTP/2 connection reached the server: %s %s", tc.limit, r.Class, r.Message)
		}
		if s.initialWindow != uint32(tc.want) || s.maxFrame != 16<<10 {
			t.Errorf("body_limit %s: stream window %d, frames up to %d; want %d and 16384", tc.limit, s.initialWindow, s.maxFrame, tc.want)
		}
		if most := uint32(tc.want) + 65535; s.connWindow > most {
			t.Errorf("body_limit %s: connection window %d, want at most %d", tc.limit, s.connWindow, most)
		}
	}
}
