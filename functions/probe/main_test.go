package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/awsclient"
	"github.com/lookout-monitoring/lookout/shared/awstest"
	"github.com/lookout-monitoring/lookout/shared/check"
)

// buildDir holds the bootstrap built for the tests; TestMain removes it.
var buildDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lookout-probe-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// bootstrap builds this function as Lambda runs it (-tags lambda.norpc),
// for the host, once per test binary.
var bootstrap = sync.OnceValues(func() (string, error) {
	path := filepath.Join(buildDir, "bootstrap")
	out, err := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", path, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return path, nil
})

// start runs the bootstrap beside a checks file, as in the deployment package.
// The returned channel is closed when the process has exited.
func start(t *testing.T, checks string, env ...string) (*exec.Cmd, *awstest.SyncBuffer, <-chan struct{}) {
	t.Helper()
	bin, err := bootstrap()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	exe := filepath.Join(dir, "bootstrap")
	if err := os.Link(bin, exe); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "checks.yaml"), []byte(checks), 0o600); err != nil {
		t.Fatal(err)
	}
	out := &awstest.SyncBuffer{}
	cmd := exec.Command(exe)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "AWS_REGION=eu-west-2",
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_EC2_METADATA_DISABLED=true"}, env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	return cmd, out, done
}

const goodChecks = "app: taskboard\nlocations:\n  us-east-1: New York\n  eu-west-2: London\nareas:\n  - id: Boards\n    request: {url: %s/}\n"

// A bad checks file stops the bootstrap at init with check.Load's message.
func TestBootstrapInitFailsOnABadChecksFile(t *testing.T) {
	bad := "app: taskboard\nareas:\n  - id: Boards\n    request: {url: https://x.example.com/, stauts: 200}\n"
	cmd, out, exited := start(t, bad)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("the bootstrap did not stop; output:\n%s", out.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	path := filepath.Join(filepath.Dir(cmd.Path), "checks.yaml")
	_, want := check.Load(path)
	var line struct{ Msg, Level, Error string }
	if err := json.Unmarshal([]byte(strings.TrimSpace(out.String())), &line); err != nil {
		t.Fatalf("output is not one JSON log line: %q", out.String())
	}
	if line.Msg != "init failed" || line.Level != "ERROR" || line.Error != want.Error() {
		t.Errorf("init log %+v, want the error %q", line, want)
	}
}

// runtimeAPI is the Lambda Runtime API, serving one event and keeping the response.
type runtimeAPI struct {
	*httptest.Server
	event    []byte
	served   sync.Once
	response chan []byte
}

func startRuntimeAPI(t *testing.T, event []byte) *runtimeAPI {
	rt := &runtimeAPI{event: event, response: make(chan []byte, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		first := false
		rt.served.Do(func() { first = true })
		if !first {
			<-r.Context().Done() // no second event: hold the runtime until the test ends
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
		w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-2:123456789012:function:ProbeFunction")
		_, _ = w.Write(rt.event)
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/{outcome}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.PathValue("outcome") == "error" {
			body = append([]byte("error: "), body...)
		}
		rt.response <- body
		w.WriteHeader(http.StatusAccepted)
	})
	rt.Server = httptest.NewUnstartedServer(mux)
	rt.Config.ReadHeaderTimeout = 10 * time.Second
	rt.Start()
	t.Cleanup(rt.Close)
	return rt
}

// invoke runs the bootstrap for one invocation with payload, against app and
// srv as the home region's CloudWatch, and returns the response and the whole
// output: the process is stopped once it has answered, and its output is read
// to the end, so nothing it wrote before answering can trail.
func invoke(t *testing.T, srv *awstest.Server, app *httptest.Server, payload []byte) (resp []byte, out string) {
	t.Helper()
	rt := startRuntimeAPI(t, payload)
	cmd, buf, exited := start(t, fmt.Sprintf(goodChecks, app.URL),
		"AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(rt.URL, "http://"),
		"LOOKOUT_LOCATION=eu-west-2", "LOOKOUT_HOME_REGION=us-east-1", "LOOKOUT_METRICS_ENDPOINT="+srv.URL)
	select {
	case resp = <-rt.response:
	case <-exited:
		t.Fatalf("the bootstrap exited without answering; output:\n%s", buf.String())
	}
	_ = cmd.Process.Kill()
	<-exited // Wait returns once the output pipe is drained
	return resp, buf.String()
}

// The bootstrap end to end: the environment the template sets, the Lambda
// Runtime API, a loopback target and moto as the home region's CloudWatch.
func TestBootstrapRunsARound(t *testing.T) {
	srv := awstest.Start(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") }))
	t.Cleanup(app.Close)
	scheduled := time.Now().UTC().Truncate(time.Minute)
	event := fmt.Appendf(nil, `{"time":%q,"schedule":"arn:aws:scheduler:eu-west-2:123456789012:schedule/default/lookout-probe"}`, scheduled.Format(time.RFC3339))
	resp, out := invoke(t, srv, app, event)
	var sum struct {
		Round, Location string
		Up, Published   int
	}
	if err := json.Unmarshal(resp, &sum); err != nil || sum.Round != scheduled.Format(time.RFC3339) || sum.Location != "London" ||
		sum.Up != 1 || sum.Published != 2 {
		t.Fatalf("response %s (%v); output:\n%s", resp, err, out)
	}
	if !strings.Contains(out, `"msg":"round"`) || !strings.Contains(out, `"requestId":"req-1"`) {
		t.Errorf("no round line with the request id in:\n%s", out)
	}
	home := awsclient.CloudWatch(srv.Config(t, "us-east-1"), "us-east-1", "")
	listed, err := home.ListMetrics(context.Background(), &cloudwatch.ListMetricsInput{Namespace: aws.String("Lookout/taskboard")})
	if err != nil || len(listed.Metrics) != 2 {
		t.Errorf("home region lists %d metrics (%v), want Heartbeat and Latency", len(listed.Metrics), err)
	}
}

// A payload aws-lambda-go's typed decoding would refuse still runs a round
// in the deployed bootstrap: a response, heartbeats at home, one warning.
func TestBootstrapRunsARoundOnAnyPayload(t *testing.T) {
	srv := awstest.Start(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") }))
	t.Cleanup(app.Close)
	for name, payload := range map[string][]byte{
		"empty":    {},
		"not JSON": []byte("\xffnot an event"),
	} {
		t.Run(name, func(t *testing.T) {
			if err := srv.Reset(); err != nil {
				t.Fatal(err)
			}
			resp, out := invoke(t, srv, app, payload)
			var sum struct {
				Location      string
				Up, Published int
			}
			if err := json.Unmarshal(resp, &sum); err != nil || sum.Location != "London" || sum.Up != 1 || sum.Published != 2 {
				t.Fatalf("response %s (%v); output:\n%s", resp, err, out)
			}
			if !strings.Contains(out, `"msg":"round"`) || strings.Count(out, `"msg":"event time"`) != 1 ||
				!strings.Contains(out, `"payload_bytes":`+strconv.Itoa(len(payload))) {
				t.Errorf("want one event warning naming the payload in:\n%s", out)
			}
			home := awsclient.CloudWatch(srv.Config(t, "us-east-1"), "us-east-1", "")
			listed, err := home.ListMetrics(context.Background(), &cloudwatch.ListMetricsInput{Namespace: aws.String("Lookout/taskboard"), MetricName: aws.String(alarm.Heartbeat)})
			if err != nil || len(listed.Metrics) != 1 {
				t.Errorf("home region lists %d heartbeats (%v), want 1", len(listed.Metrics), err)
			}
		})
	}
}
