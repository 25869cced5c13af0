package notify

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/lookout-monitoring/lookout/shared/awstest"
)

func TestEnvFrom(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "bootstrap")
	env := map[string]string{
		EnvTopicARN:        " arn:aws:sns:us-east-1:123456789012:lookout-notify ",
		EnvProbeLogGroups:  "/aws/lambda/lookout-probe, ,/aws/lambda/lookout-probe-fast",
		"LAMBDA_TASK_ROOT": "/var/task",
	}
	e := EnvFrom(func(k string) string { return env[k] }, exe)
	if e.TopicARN != "arn:aws:sns:us-east-1:123456789012:lookout-notify" ||
		strings.Join(e.ProbeLogGroups, "|") != "/aws/lambda/lookout-probe|/aws/lambda/lookout-probe-fast" {
		t.Errorf("env %+v", e)
	}
	if e.ChecksFile != "/var/task/checks.yaml" {
		t.Errorf("nothing beside the bootstrap: checks file %q, want the task root's", e.ChecksFile)
	}
	if err := os.WriteFile(filepath.Join(dir, DefaultChecksFile), []byte("app: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if e := EnvFrom(func(k string) string { return env[k] }, exe); e.ChecksFile != filepath.Join(dir, DefaultChecksFile) {
		t.Errorf("checks file %q, want the one beside the bootstrap", e.ChecksFile)
	}
	env[EnvChecksFile] = "/etc/lookout.yaml"
	if e := EnvFrom(func(k string) string { return env[k] }, exe); e.ChecksFile != "/etc/lookout.yaml" {
		t.Errorf("explicit checks file ignored: %q", e.ChecksFile)
	}
}

func TestSetupRefusesWithoutATopic(t *testing.T) {
	if _, err := Setup(Env{ChecksFile: filepath.Join("testdata", "checks.yaml")}, aws.Config{}, nil); err == nil ||
		!strings.Contains(err.Error(), EnvTopicARN) {
		t.Errorf("err %v", err)
	}
}

// Setup, as main.go calls it, builds a handler that pages with a routing key
// kept in Secrets Manager and publishes to the topic.
func TestSetupBuildsAWorkingHandler(t *testing.T) {
	srv := awstest.Start(t)
	ctx := context.Background()
	awsCfg := srv.Config(t, "us-east-1")
	topic, err := sns.NewFromConfig(awsCfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("lookout-notify")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secretsmanager.NewFromConfig(awsCfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("lookout/pagerduty"), SecretString: aws.String(`{"routing_key":"` + testRoutingKey + `"}`)}); err != nil {
		t.Fatal(err)
	}
	ps := newPagerServer(t)
	env := EnvFrom(func(k string) string {
		return map[string]string{
			EnvChecksFile:     filepath.Join("testdata", "checks.yaml"),
			EnvTopicARN:       *topic.TopicArn,
			EnvPagerKey:       "secret:lookout/pagerduty#routing_key",
			EnvPagerURL:       ps.URL(),
			EnvDashboard:      "lookout-taskboard",
			EnvProbeLogGroups: "/aws/lambda/lookout-probe",
		}[k]
	}, "")
	h, err := Setup(env, awsCfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := readEvent(t, filepath.Join(eventsDir, "sns-alarm-down.json"))
	if rep, err := h.Handle(ctx, ev); err != nil || rep.Alarms != 1 {
		t.Fatalf("report %+v: %v", rep, err)
	}
	got := ps.received()
	if len(got) != 1 || got[0].RoutingKey != testRoutingKey || got[0].EventAction != PagerTrigger {
		t.Errorf("pager got %+v", got)
	}
	if len(got) == 1 && !strings.Contains(got[0].ClientURL, "#dashboards/dashboard/lookout-taskboard") {
		t.Errorf("client_url %q", got[0].ClientURL)
	}
}
