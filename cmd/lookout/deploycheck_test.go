package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/deploy"
)

// areasFile is a checks file of n areas with ids of idLen characters.
func areasFile(t *testing.T, n, idLen int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("app: taskboard\nareas:\n")
	for i := range n {
		id := fmt.Sprintf("A%d", i)
		fmt.Fprintf(&b, "  - id: %s\n    request: {url: \"https://example.com/%d\"}\n", id+strings.Repeat("x", idLen-len(id)), i)
	}
	return writeChecks(t, b.String())
}

// validate and deploy-params refuse one area past what the template holds,
// naming the limit; at the limit both accept the file.
func TestValidateAndDeployParamsRefuseOneAreaPastTheCeiling(t *testing.T) {
	fit := deploy.AreaChunks * ((deploy.MaxParameterBytes + 1) / 65) // ids of 64 characters
	for _, n := range []int{fit, fit + 1} {
		file := areasFile(t, n, 64)
		code, out, errOut := runMain(t, context.Background(), "validate", "-f", file)
		dcode, _, derr := runMain(t, context.Background(), "deploy-params", "-f", file)
		if n == fit {
			if code != exitOK || dcode != exitOK {
				t.Fatalf("%d areas: validate exit %d (%s), deploy-params exit %d (%s)", n, code, errOut, dcode, derr)
			}
			if !strings.Contains(out, "quotas: 62 of 500 resources per stack") {
				t.Errorf("validate stdout: %s", out)
			}
			continue
		}
		want := fmt.Sprintf("%d areas do not fit the template's 32 alarm stacks (each at most 200 areas and 4096 bytes of ids)", n)
		if code != exitFailed || !strings.Contains(errOut, want) {
			t.Errorf("%d areas: validate exit %d, stderr %q; want 1 and %q", n, code, errOut, want)
		}
		if dcode != exitFailed || !strings.Contains(derr, want) {
			t.Errorf("%d areas: deploy-params exit %d, stderr %q; want 1 and %q", n, dcode, derr, want)
		}
	}
}

// ${env:} runs on a laptop, but validate --deploy and deploy-params refuse
// it at its line, with the fix.
func TestDeployRefusesEnvReferences(t *testing.T) {
	file := writeChecks(t, `app: taskboard
areas:
  - id: Api
    request:
      url: "https://example.com/"
      headers: {X-Api-Key: "${env:MONITOR_TOKEN}"}
`)
	want := file + ":6: areas[0].request.headers.X-Api-Key: cannot be resolved by a deployed probe: ${env:MONITOR_TOKEN}"
	if code, _, errOut := runMain(t, context.Background(), "validate", "-f", file); code != exitOK {
		t.Errorf("validate without --deploy: exit %d, %s", code, errOut)
	}
	for _, args := range [][]string{{"validate", "--deploy", "-f", file}, {"deploy-params", "-f", file}} {
		code, _, errOut := runMain(t, context.Background(), args...)
		if code != exitFailed || !strings.Contains(errOut, want) || !strings.Contains(errOut, "${ssm:/lookout/taskboard/monitor-token}") {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %q with the SSM fix", strings.Join(args, " "), code, errOut, want)
		}
	}
}

func TestDeployParamsUnknownLocationIsAUsageError(t *testing.T) {
	code, _, errOut := runMain(t, context.Background(), "deploy-params", "-f", "../../checks.yaml", "--location", "mars-1")
	if code != exitUsage || !strings.Contains(errOut, "mars-1 is not one of the checks file's locations") {
		t.Errorf("exit %d, stderr %q; want 2", code, errOut)
	}
}

// validate --deploy and deploy-params print each problem once, as
// file:line: field: what, and how many there were: the file is named once a line.
func TestDeployProblemsAreListedALineEach(t *testing.T) {
	file := writeChecks(t, `app: taskboard
areas:
  - id: A
    request: {url: "https://app.example.com/", headers: {Authorization: "Bearer ${env:MONITOR_TOKEN}"}}
  - id: B
    request: {url: "https://app.example.com/b", headers: {Authorization: "Bearer ${env:OTHER}"}}
`)
	for _, args := range [][]string{{"validate", "--deploy", "-f", file}, {"deploy-params", "-f", file, "--location", "us-east-1"}} {
		code, _, errOut := runMain(t, context.Background(), args...)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != exitFailed || len(lines) != 3 ||
			!strings.HasPrefix(lines[0], file+":4: areas[0].request.headers.Authorization: cannot be resolved by a deployed probe: ${env:MONITOR_TOKEN}") ||
			!strings.HasPrefix(lines[1], file+":6: areas[1].request.headers.Authorization: cannot be resolved by a deployed probe: ${env:OTHER}") ||
			lines[2] != file+": 2 errors" {
			t.Errorf("%s: exit %d, stderr:\n%s", args[0], code, errOut)
		}
	}
}
