package probe

import (
	"io"
	"net/http"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// readBody reads a response body of size bytes (-1: unknown) up to limit+1
// bytes, so that one byte more than the limit says the body is too large.
// It never holds more than limit+1 bytes plus one check.BodyChunk:
//
//   - a known size within the limit is read into a buffer of exactly size+1
//     bytes (the byte more sees the end without growing);
//   - otherwise the first check.BodyChunk bytes are read into a buffer of that
//     size; a body that fills it is then read into one buffer of limit+1
//     bytes, never grown again (append would double it, and hold the old and
//     the new buffer at once while copying).
//
// The transport never delivers more than a Content-Length it announced, and
// it reports a body it decompressed (gzip) as of unknown size: limit bounds
// the decompressed bytes.
func readBody(r io.Reader, size, limit int64) ([]byte, error) {
	n := min(int64(check.BodyChunk), limit+1)
	if size >= 0 && size <= limit {
		n = size + 1
	}
	buf := make([]byte, 0, n)
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				return buf, nil
			}
			grown := make([]byte, len(buf), limit+1)
			copy(grown, buf)
			buf = grown
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// http2Config bounds what HTTP/2 buffers of a body not yet read: a stream (a
// request) and its connection (one stream each: no keep-alives) may receive
// check.ReceiveWindow(bodyLimit) ahead of the reader, where Go's defaults
// are 4 MiB per stream and 1 GiB per connection. (Frames stay at Go's 16
// KiB default.)
func http2Config(bodyLimit int64) *http.HTTP2Config {
	w := int(check.ReceiveWindow(check.Size(bodyLimit)))
	return &http.HTTP2Config{MaxReceiveBufferPerConnection: w, MaxReceiveBufferPerStream: w}
}
