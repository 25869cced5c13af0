// Command hostile serves response bodies shaped to exhaust a prober's memory
// on 127.0.0.1 and writes a checks file whose areas probe them, so that a
// round's peak memory can be measured from outside:
//
//	go run ./shared/probe/testdata/hostile -out /tmp/hostile.yaml &
//	go build -o /tmp/lookout ./cmd/lookout
//	/usr/bin/time -v /tmp/lookout run -f /tmp/hostile.yaml
//
// It prints "ready" once the file is written and serves until killed. Every
// body is -size bytes as the prober reads it (after gzip decoding):
//
//	/zeros    [0,0,0,...]          Content-Length known
//	/objects  [{},{},{},...]       Content-Length known
//	/arrays   [[],[],[],...]       Content-Length known
//	/strings  ["","","",...]       Content-Length known
//	/deep     [[[[...]]]]          Content-Length known
//	/chunked  [0,0,0,...]          no Content-Length (chunked)
//	/gzip     [0,0,0,...]          Content-Encoding: gzip, a few hundred KiB on the wire
//
// Areas take the shapes in turn (-shapes); each asserts json_path $[0] exists.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	out := flag.String("out", "hostile.yaml", "checks file to write")
	areas := flag.Int("areas", 16, "number of areas")
	size := flag.Int("size", 50_000_000, "body size in bytes, as read")
	bodyLimit := flag.String("body-limit", "64MiB", "defaults.body_limit of the file")
	concurrency := flag.Int("concurrency", 16, "defaults.concurrency of the file")
	shapes := flag.String("shapes", "zeros,objects,arrays,strings,deep,chunked,gzip", "shapes the areas take in turn")
	jsonPath := flag.Bool("json", true, "give every area a json_path assertion")
	flag.Parse()

	bodies := map[string][]byte{
		"zeros":   repeat("[", "0", ",", "]", *size),
		"objects": repeat("[", "{}", ",", "]", *size),
		"arrays":  repeat("[", "[]", ",", "]", *size),
		"strings": repeat("[", `""`, ",", "]", *size),
		"deep":    deep(*size),
	}
	bodies["chunked"] = bodies["zeros"]
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(bodies["zeros"])
	zw.Close()
	bodies["gzip"] = gz.Bytes()

	mux := http.NewServeMux()
	for name, body := range bodies {
		mux.HandleFunc("/"+name, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			switch name {
			case "chunked":
				for b := body; len(b) > 0; {
					n := min(len(b), 1<<20)
					w.Write(b[:n])
					w.(http.Flusher).Flush()
					b = b[n:]
				}
				return
			case "gzip":
				w.Header().Set("Content-Encoding", "gzip")
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write(body)
		})
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "app: hostile\ndefaults:\n  timeout: 50s\n  slow: 49s\n  body_limit: %s\n  concurrency: %d\nareas:\n", *bodyLimit, *concurrency)
	list := strings.Split(*shapes, ",")
	for i := range *areas {
		shape := list[i%len(list)]
		fmt.Fprintf(&b, "  - id: A%d%s\n    request:\n      url: http://%s/%s\n", i, shape, ln.Addr(), shape)
		if *jsonPath {
			b.WriteString("      assert:\n        - json_path: $[0]\n          exists: true\n")
		}
	}
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println("ready")
	log.Fatal(http.Serve(ln, mux))
}

// repeat is open, then elem joined by sep, then close: size bytes in all (at most).
func repeat(open, elem, sep, close string, size int) []byte {
	n := (size - len(open) - len(close) + len(sep)) / (len(elem) + len(sep))
	b := make([]byte, 0, size)
	b = append(b, open...)
	for i := range n {
		if i > 0 {
			b = append(b, sep...)
		}
		b = append(b, elem...)
	}
	return append(b, close...)
}

// deep is [[[...]]] nested size/2 levels.
func deep(size int) []byte {
	return append(bytes.Repeat([]byte("["), size/2), bytes.Repeat([]byte("]"), size/2)...)
}
