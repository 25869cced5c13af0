package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/awstest"
	"github.com/lookout-monitoring/lookout/shared/dnstest"
	"github.com/lookout-monitoring/lookout/shared/golden"
	"github.com/lookout-monitoring/lookout/shared/probe"
)

// TestReadmeRunExample: the output the README shows under "Run checks from
// your laptop" is what `lookout run` prints for testdata/readme-checks.yaml,
// on a machine without AWS credentials, against the example app served here.
// Only the timings differ from run to run, so they are masked when comparing;
// with -update the golden file and the README get this run's real output.
func TestReadmeRunExample(t *testing.T) {
	opts := exampleNetwork(t, taskboard(t))
	awstest.NoAWS(t)
	t.Setenv("TASKBOARD_PASSWORD", "pw-synthetic")
	t.Setenv("TASKBOARD_API_TOKEN", "api-token-1")
	t.Setenv("TASKBOARD_SEARCH_KEY", "search-key-1")
	a := app{awsConfig: loadAWSConfig, probe: opts}
	code, out, errOut := runApp(t, a, "run", "-f", "testdata/readme-checks.yaml", "--location", "eu-west-2")
	if code != exitFailed {
		t.Errorf("exit %d, want %d (areas are down); stderr:\n%s", code, exitFailed, errOut)
	}
	if !strings.Contains(errOut, "testdata/readme-checks.yaml:73: areas[5].request.headers.X-Api-Key: ${ssm:/lookout/taskboard/billing-key}: needs AWS credentials\n") {
		t.Errorf("stderr:\n%s", errOut)
	}

	const goldenFile = "testdata/readme-run.golden"
	readme := filepath.Join("..", "..", "README.md")
	old, _ := os.ReadFile(goldenFile)
	doc, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	block := func(s []byte) []byte { return []byte("```\n" + string(s) + "```\n") }
	if golden.Updating() {
		if !bytes.Contains(doc, block(old)) {
			t.Fatalf("README.md does not show %s: paste it as a code block under \"Run checks from your laptop\" first", goldenFile)
		}
		if err := os.WriteFile(readme, bytes.Replace(doc, block(old), block([]byte(out)), 1), 0o644); err != nil {
			t.Fatal(err)
		}
		golden.Assert(t, goldenFile, []byte(out))
		return
	}
	if maskTimings(out) != maskTimings(string(old)) {
		t.Errorf("lookout run prints another table than %s (timings masked); run with -update and read the diff\n--- got\n%s\n--- want\n%s", goldenFile, out, old)
	}
	if !bytes.Contains(doc, block(old)) {
		t.Errorf("README.md does not show %s as printed (run with -update)", goldenFile)
	}
}

// taskboard is the example app of testdata/readme-checks.yaml, one handler per
// area's behaviour: up, slow (an injected delay), hung, failing.
func taskboard(t *testing.T) http.Handler {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET app.example.com/health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("POST app.example.com/api/v1/session", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Password string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Password != "pw-synthetic" {
			http.Error(w, "wrong password", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"token": "tok-123456"}`)
	})
	mux.HandleFunc("GET app.example.com/api/v1/boards", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-123456" {
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"boards": [{"id": "roadmap"}]}`)
	})
	mux.HandleFunc("GET api.example.com/v2/boards", func(w http.ResponseWriter, r *http.Request) {
		select { // the injected delay: longer than the area's slow threshold
		case <-time.After(400 * time.Millisecond):
		case <-r.Context().Done():
		}
		fmt.Fprint(w, `{"data": []}`)
	})
	mux.HandleFunc("GET app.example.com/api/v1/search", func(w http.ResponseWriter, r *http.Request) {
		// Hangs past the area's timeout, then resets the stream: no response
		// may slip out once the probe has given up.
		<-r.Context().Done()
		panic(http.ErrAbortHandler)
	})
	mux.HandleFunc("GET app.example.com/reports/weekly.csv", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "report service unavailable", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("GET www.example.com/{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<h1>Taskboard</h1>")
	})
	return mux
}

// exampleNetwork serves h over TLS on 127.0.0.1 and returns prober options
// under which every *.example.com name resolves, through a DNS server on
// 127.0.0.1, to it: the probes measure real DNS, connect and TLS phases, and
// can reach nothing else. httptest's certificate is for *.example.com.
func exampleNetwork(t *testing.T, h http.Handler) probe.Options {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // a hung request cut by the probe is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	resolver := dnstest.Resolver(t, map[string]net.IP{"example.com": net.IPv4(127, 0, 0, 1), "*.example.com": net.IPv4(127, 0, 0, 1)})
	app := srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(app)
	dialer := &net.Dialer{Resolver: resolver, Control: func(_, address string, _ syscall.RawConn) error {
		if address != app {
			return fmt.Errorf("the example network reaches only %s, not %s", app, address)
		}
		return nil
	}}
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	return probe.Options{
		Roots: roots,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			return dialer.DialContext(ctx, network, net.JoinHostPort(host, port))
		},
	}
}
