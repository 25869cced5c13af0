package probefn_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/lookout-monitoring/lookout/shared/probefn"
)

// eventTime is the time in events/schedule.json; clock is a little after it,
// as when EventBridge delivers the event.
var (
	eventTime = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	clock     = func() time.Time { return eventTime.Add(20 * time.Second) }
)

// target is the application under test: one loopback server, one path per behaviour.
type target struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // what /echo received, to prove the secrets were sent
}

func startTarget(t testing.TB) *target {
	t.Helper()
	tg := &target{}
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	mux.HandleFunc("/control", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/error", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		// Injected delay, far above the area's 20ms slow threshold.
		select {
		case <-time.After(100 * time.Millisecond):
		case <-r.Context().Done():
		}
		fmt.Fprint(w, "ok")
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		// A careless API that reflects credentials into its response.
		echo := r.Header.Get("Authorization") + " token=" + r.URL.Query().Get("token")
		tg.mu.Lock()
		tg.seen = append(tg.seen, echo)
		tg.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"echo": echo})
	})
	tg.Server = httptest.NewServer(mux)
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) received() string {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return strings.Join(tg.seen, "\n")
}

// refusedURL is a loopback address nothing listens on.
func refusedURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

func writeChecks(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "checks.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// checksFile has an area of every outcome: up, down with a response, down
// without one, slow, and one whose response reflects its secrets.
func checksFile(t testing.TB, tg *target, controlURL string) string {
	t.Helper()
	return writeChecks(t, fmt.Sprintf(`app: taskboard
home_region: us-east-1
locations:
  us-east-1: New York
  eu-west-2: London
control:
  url: %[2]s
defaults:
  timeout: 5s
areas:
  - id: Boards
    request: {url: %[1]s/ok}
  - id: SignIn
    request: {url: %[1]s/error}
  - id: Search
    request: {url: %[3]s/}
  - id: Reporting
    slow: 20ms
    request: {url: %[1]s/slow}
  - id: Echo
    request:
      url: %[1]s/echo?token=${env:LOOKOUT_TEST_QUERY_TOKEN}
      headers:
        Authorization: Bearer ${env:LOOKOUT_TEST_TOKEN}
      assert:
        - json_path: $.echo
          equals: nope
`, tg.URL, controlURL, refusedURL(t)))
}

// The secrets of checksFile.
const (
	secretToken = "s3cr3t-bearer-7f1d"
	queryToken  = "q-token-9a8b7c"
)

func setSecrets(t *testing.T) {
	t.Setenv("LOOKOUT_TEST_TOKEN", secretToken)
	t.Setenv("LOOKOUT_TEST_QUERY_TOKEN", queryToken)
}

// The function's handler takes the payload as bytes.
var _ lambda.Handler = (*probefn.Handler)(nil)

// invoke runs the handler the way the Lambda runtime does, as
// functions/probe/main.go starts it (lambda.Start of h as a lambda.Handler):
// bytes in, JSON out.
func invoke(t *testing.T, h *probefn.Handler, payload []byte) (probefn.Summary, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := lambda.NewHandler(h).Invoke(ctx, payload)
	if err != nil {
		return probefn.Summary{}, err
	}
	var sum probefn.Summary
	if err := json.Unmarshal(out, &sum); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	return sum, nil
}

func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// logLines parses the JSON log.
func logLines(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func linesWith(lines []map[string]any, msg string) []map[string]any {
	var out []map[string]any
	for _, l := range lines {
		if l["msg"] == msg {
			out = append(out, l)
		}
	}
	return out
}

// resultLines maps area -> its "result" line.
func resultLines(t *testing.T, lines []map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, l := range linesWith(lines, "result") {
		out[l["area"].(string)] = l
	}
	return out
}

// expectedDatums is what the round of checksFile must publish, as datum keys;
// latencies come from the result lines, which carry the same figure.
func expectedDatums(t *testing.T, results map[string]map[string]any, at time.Time) []string {
	t.Helper()
	ts := "@" + at.Format(time.RFC3339)
	want := []string{"Heartbeat{Location=London} Count 1 " + ts}
	for _, area := range []string{"SignIn", "Search", "Echo"} {
		want = append(want, "Failed{Area="+area+"} Count 1 "+ts, "Failed{Area="+area+",Location=London} Count 1 "+ts)
	}
	want = append(want, "Slow{Area=Reporting} Count 1 "+ts, "Slow{Area=Reporting,Location=London} Count 1 "+ts)
	for _, area := range []string{"Boards", "SignIn", "Reporting", "Echo"} {
		want = append(want, fmt.Sprintf("Latency{Area=%s,Location=London} Milliseconds %v %s", area, results[area]["total_ms"], ts))
	}
	slices.Sort(want)
	return want
}

// key renders a datum as "Name{Dim=Value,...} Unit value @time".
func key(name string, dims map[string]string, unit string, v float64, ts time.Time) string {
	parts := make([]string, 0, len(dims))
	for k, v := range dims {
		parts = append(parts, k+"="+v)
	}
	slices.Sort(parts)
	return fmt.Sprintf("%s{%s} %s %v @%s", name, strings.Join(parts, ","), unit, v, ts.UTC().Format(time.RFC3339))
}

// emfKeys parses EMF lines back into datum keys.
func emfKeys(t *testing.T, out []byte) []string {
	t.Helper()
	var keys []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var obj map[string]any
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatalf("EMF line is not JSON: %s", sc.Text())
		}
		var meta struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		}
		raw, _ := json.Marshal(obj["_aws"])
		if err := json.Unmarshal(raw, &meta); err != nil || len(meta.CloudWatchMetrics) != 1 || meta.CloudWatchMetrics[0].Namespace != "Lookout/taskboard" {
			t.Fatalf("bad EMF metadata: %s", sc.Text())
		}
		dir := meta.CloudWatchMetrics[0]
		dims := map[string]string{}
		for _, d := range dir.Dimensions[0] {
			dims[d] = obj[d].(string)
		}
		for _, m := range dir.Metrics {
			keys = append(keys, key(m.Name, dims, m.Unit, obj[m.Name].(float64), time.UnixMilli(meta.Timestamp)))
		}
	}
	slices.Sort(keys)
	return keys
}

// fakePutter keeps what it is given.
type fakePutter struct {
	mu     sync.Mutex
	datums []types.MetricDatum
	calls  int
}

func (f *fakePutter) PutMetricData(_ context.Context, in *cloudwatch.PutMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.datums = append(f.datums, in.MetricData...)
	return &cloudwatch.PutMetricDataOutput{}, nil
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("stdout closed") }

func show(dps []types.Datapoint) string {
	var parts []string
	for _, d := range dps {
		parts = append(parts, fmt.Sprintf("{sum %v n %v %s %s}", deref(d.Sum), deref(d.SampleCount), d.Unit, d.Timestamp.UTC().Format(time.RFC3339)))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func deref(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

// assertNoSecrets fails if any secret of checksFile appears in out.
func assertNoSecrets(t *testing.T, out string) {
	t.Helper()
	for _, s := range []string{secretToken, queryToken} {
		if strings.Contains(out, s) {
			t.Errorf("secret %q leaked into the output", s)
		}
	}
	if !strings.Contains(out, "<redacted>") {
		t.Errorf("the echoing area's message was not redacted (or not logged)")
	}
}
