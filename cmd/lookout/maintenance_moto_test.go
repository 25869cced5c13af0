package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/lookout-monitoring/lookout/shared/awsclient"
	"github.com/lookout-monitoring/lookout/shared/awstest"
	"github.com/lookout-monitoring/lookout/shared/ledger"
	"github.com/lookout-monitoring/lookout/shared/maintenance"
	"github.com/lookout-monitoring/lookout/shared/notify"
)

// These tests run `lookout maintenance` with the real SDK against
// moto_server's DynamoDB (and CloudFormation, to find the table by the home
// stack's output), configured as on a laptop: AWS_ENDPOINT_URL and keys in
// the environment, loaded by the CLI's own loader.

const motoTable = "lookout-taskboard-ledger"

// motoEnv points the CLI's AWS configuration at srv through the
// environment alone, with this machine's default region elsewhere than the
// home region, and returns a DynamoDB client for the ledger table it creates.
func motoEnv(t *testing.T) (*awstest.Server, *dynamodb.Client) {
	t.Helper()
	srv := awstest.Start(t)
	awstest.NoAWS(t)
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "eu-west-2")
	t.Setenv("USER", "alice")
	ddb := awsclient.DynamoDB(srv.Config(t, "us-east-1"), "us-east-1", "")
	if err := ledger.CreateTable(context.Background(), ddb, motoTable); err != nil {
		t.Fatal(err)
	}
	return srv, ddb
}

func TestMotoMaintenanceNowListEnd(t *testing.T) {
	_, ddb := motoEnv(t)
	clock := rigNow
	a := app{awsConfig: loadAWSConfig, now: func() time.Time { return clock }}
	run := func(args ...string) (int, string, string) {
		t.Helper()
		return runApp(t, a, append(args, "-f", exampleChecks, "--table", motoTable)...)
	}

	code, out, errOut := run("maintenance", "now", "--for", "30m", "--area", "Boards,Cards")
	if code != exitOK || errOut != "" || !strings.HasPrefix(out, "Maintenance window adhoc-20261202T1405Z started: alarms of Boards, Cards notify nobody until it ends.\n") {
		t.Fatalf("now: exit %d, stderr %q\n%s", code, errOut, out)
	}
	if !strings.Contains(out, "\n  stored  ledger table "+motoTable+" (us-east-1), until 2026-12-09 14:35 UTC\n") {
		t.Errorf("now:\n%s", out)
	}
	// The notifier's store reads it back, in the home region.
	recs, err := ledger.New(ddb, motoTable).ListRecords(context.Background(), "taskboard", notify.RecordWindow, clock)
	if err != nil || len(recs) != 1 {
		t.Fatalf("records %+v, %v", recs, err)
	}
	var w maintenance.Window
	if err := json.Unmarshal(recs[0].Doc, &w); err != nil {
		t.Fatal(err)
	}
	if !w.AdHoc || w.Reason != "ad-hoc (lookout maintenance now by alice)" || !w.Start.Equal(rigNow) || !w.End.Equal(rigNow.Add(30*time.Minute)) ||
		!recs[0].Expires.Equal(w.End.Add(7*24*time.Hour)) {
		t.Errorf("window %+v, expires %s", w, recs[0].Expires)
	}

	clock = rigNow.Add(5 * time.Minute)
	code, out, errOut = run("maintenance", "list")
	if code != exitOK || errOut != "" || !regexp.MustCompile(`\nadhoc-20261202T1405Z +ad-hoc +active +2026-12-02 14:05 +2026-12-02 14:35 +Boards, Cards +ad-hoc \(lookout maintenance now by alice\)\n`).MatchString(out) {
		t.Errorf("list: exit %d, stderr %q\n%s", code, errOut, out)
	}

	clock = rigNow.Add(20 * time.Minute)
	if code, out, errOut = run("maintenance", "end", "adhoc-20261202T1405Z"); code != exitOK || errOut != "" {
		t.Fatalf("end: exit %d, stderr %q\n%s", code, errOut, out)
	}
	code, out, _ = run("maintenance", "list")
	if code != exitOK || !regexp.MustCompile(`\nadhoc-20261202T1405Z +ad-hoc +ended +2026-12-02 14:05 +2026-12-02 14:25 `).MatchString(out) {
		t.Errorf("list after end: exit %d\n%s", code, out)
	}
	code, _, errOut = run("maintenance", "end", "adhoc-20261202T1406Z")
	if code != exitUsage || !strings.HasSuffix(errOut, "(there are: adhoc-20261202T1405Z)\n") {
		t.Errorf("end of an unknown id: exit %d, stderr %q", code, errOut)
	}

	// Past its expiry the ledger no longer lists it, whether or not
	// DynamoDB's TTL has deleted it yet.
	clock = rigNow.Add(8 * 24 * time.Hour)
	if code, out, _ = run("maintenance", "list"); code != exitOK || strings.Contains(out, "adhoc-") {
		t.Errorf("list after expiry: exit %d\n%s", code, out)
	}

	// A table that is not there is a setup problem, said as such.
	code, _, errOut = runApp(t, a, "maintenance", "list", "-f", exampleChecks, "--table", "no-such-table")
	if code != exitUsage || !strings.HasPrefix(errOut, "lookout maintenance list: no ledger table no-such-table (us-east-1): ") {
		t.Errorf("missing table: exit %d, stderr %q", code, errOut)
	}
}

// Without --table the ledger is found by the home stack's output
// LedgerTableName: a stack created in moto from a template that declares
// the table and the output as template.yaml does.
func TestMotoMaintenanceFindsTheTableByTheHomeStack(t *testing.T) {
	srv, _ := motoEnv(t)
	cfn := cloudformation.NewFromConfig(srv.Config(t, "us-east-1"))
	const body = `{
  "Resources": {"LedgerTable": {"Type": "AWS::DynamoDB::Table", "Properties": {
    "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}, {"AttributeName": "SK", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}]}}},
  "Outputs": {"LedgerTableName": {"Value": {"Ref": "LedgerTable"}}}
}`
	if _, err := cfn.CreateStack(context.Background(), &cloudformation.CreateStackInput{StackName: aws.String(exampleStack), TemplateBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	a := app{awsConfig: loadAWSConfig, now: func() time.Time { return rigNow }}
	code, out, errOut := runApp(t, a, "maintenance", "now", "--for", "1h", "-f", exampleChecks)
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	m := regexp.MustCompile(`\n  stored  ledger table (\S+) \(us-east-1, stack ` + exampleStack + `\), until `).FindStringSubmatch(out)
	if m == nil || m[1] == motoTable {
		t.Fatalf("not stored in the stack's table:\n%s", out)
	}
	code, out, _ = runApp(t, a, "maintenance", "list", "-f", exampleChecks)
	if code != exitOK || !strings.Contains(out, "\nadhoc-20261202T1405Z  ad-hoc       active ") {
		t.Errorf("list: exit %d\n%s", code, out)
	}

	// Another stack name, one that is not there.
	code, _, errOut = runApp(t, a, "maintenance", "list", "-f", exampleChecks, "--stack", "lookout-elsewhere")
	if code != exitUsage || errOut != "lookout maintenance list: no stack lookout-elsewhere in us-east-1, the home region of "+exampleChecks+": deploy it first (make deploy), name it with --stack, or give --table NAME\n" {
		t.Errorf("missing stack: exit %d, stderr %q", code, errOut)
	}
}
