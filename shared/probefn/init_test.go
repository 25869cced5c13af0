package probefn_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/probefn"
)

// A checks file that does not load fails init with exactly check.Load's
// message: the one `lookout validate` prints, file:line: field: problem.
func TestInitFailsWithTheChecksFileError(t *testing.T) {
	broken := writeChecks(t, `app: taskboard
locations:
  eu-west-2: London
areas:
  - id: Sign-In
    request: {url: "https://app.example.com/", methd: GET}
`)
	missing := filepath.Join(t.TempDir(), "checks.yaml")
	for _, path := range []string{broken, missing} {
		_, want := check.Load(path)
		if want == nil {
			t.Fatalf("%s loads", path)
		}
		_, err := probefn.New(context.Background(), probefn.Options{
			Env: probefn.Env{ChecksFile: path, Location: "eu-west-2"}, Putter: &fakePutter{}, Logger: slog.New(slog.DiscardHandler)})
		if err == nil || err.Error() != want.Error() {
			t.Errorf("init error:\n%v\nwant check.Load's:\n%v", err, want)
		}
	}
	if _, want := check.Load(broken); !strings.Contains(want.Error(), broken+":6: areas[0].request.methd: unknown field") {
		t.Errorf("check.Load no longer says file:line: field: %v", want)
	}
}

func TestInitFailsOnAnUnusableSetting(t *testing.T) {
	ok := "app: taskboard\nlocations:\n  eu-west-2: London\nareas:\n  - id: Boards\n    request:\n      url: https://app.example.com/\n"
	for _, tc := range []struct {
		name, checks, location, want string
	}{
		{"no location", ok, "", "set LOOKOUT_LOCATION (or AWS_REGION)"},
		{"location not in the checks file", ok, "us-west-2", "location us-west-2 is not one of the locations"},
		{"secret that does not resolve", strings.Replace(ok, "app.example.com/", "app.example.com/?k=${env:LOOKOUT_TEST_UNSET}", 1), "eu-west-2",
			":7: areas[0].request.url: ${env:LOOKOUT_TEST_UNSET}: environment variable LOOKOUT_TEST_UNSET is not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := probefn.New(context.Background(), probefn.Options{
				Env: probefn.Env{ChecksFile: writeChecks(t, tc.checks), Location: tc.location}, Putter: &fakePutter{},
				Resolvers: check.Resolvers{check.RefEnv: check.EnvResolver}, Logger: slog.New(slog.DiscardHandler)})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestEnvFrom(t *testing.T) {
	exeDir := t.TempDir()
	exe := filepath.Join(exeDir, "bootstrap")
	bare := filepath.Join(t.TempDir(), "bootstrap") // no checks file beside it
	if err := os.WriteFile(filepath.Join(exeDir, "checks.yaml"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		exe  string
		want probefn.Env
	}{
		{"defaults: the file beside the bootstrap, the function's region", map[string]string{"AWS_REGION": "ap-south-1"}, exe,
			probefn.Env{ChecksFile: filepath.Join(exeDir, "checks.yaml"), Location: "ap-south-1"}},
		{"nothing beside the bootstrap: the task root", map[string]string{"AWS_REGION": "ap-south-1", "LAMBDA_TASK_ROOT": "/var/task"}, bare,
			probefn.Env{ChecksFile: "/var/task/checks.yaml", Location: "ap-south-1"}},
		{"the template's values win", map[string]string{
			"AWS_REGION": "ap-south-1", "LOOKOUT_LOCATION": "eu-west-2", "LOOKOUT_HOME_REGION": "eu-central-1",
			"LOOKOUT_CHECKS_FILE": "/opt/checks.yaml", "LOOKOUT_METRICS_ENDPOINT": "http://127.0.0.1:5000", "AWS_LAMBDA_LOG_LEVEL": "WARN",
		}, exe, probefn.Env{ChecksFile: "/opt/checks.yaml", Location: "eu-west-2", HomeRegion: "eu-central-1",
			MetricsEndpoint: "http://127.0.0.1:5000", LogLevel: slog.LevelWarn}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := probefn.EnvFrom(func(k string) string { return tc.env[k] }, tc.exe); got != tc.want {
				t.Errorf("EnvFrom = %+v, want %+v", got, tc.want)
			}
		})
	}
}
