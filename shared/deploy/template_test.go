package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/awsclient"
	"github.com/lookout-monitoring/lookout/shared/ledger"
	"github.com/lookout-monitoring/lookout/shared/notify"
)

// The tests below read template.yaml as CloudFormation deploys it: expanded by
// cfn-lint's AWS::LanguageExtensions and SAM transforms, with the parameters
// `lookout deploy-params` derives from the example checks.yaml, then evaluated
// for the home region and for another location.

// probeResources are the logical ids every location's stack creates; every
// other resource belongs to the home region only.
var probeResources = []string{
	"ProbeFunction",
	"ProbeFunctionEventInvokeConfig",
	"ProbeFunctionRound",     // the EventBridge Scheduler schedule (SAM ScheduleV2 event "Round")
	"ProbeFunctionRoundRole", // the schedule's role: lambda:InvokeFunction on ProbeFunction
	"ProbeLogGroup",
	"ProbeRole",
}

// cfn-lint runs here, once per test run, on both templates (make test does
// not run it again).
func TestTemplateLintsClean(t *testing.T) {
	cfnLint := needTool(t, "cfn-lint")
	cmd := exec.Command(cfnLint, "template.yaml", "area-alarms.yaml")
	cmd.Dir = repoRoot
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cfn-lint template.yaml area-alarms.yaml: %v\n%s", err, out)
	}
}

// Every Down, Slow and Silent alarm in the template is the one alarm.Alarms
// derives from the checks file, field by field, and there are no others.
func TestTemplateAlarmsAreTheSchemasAlarms(t *testing.T) {
	s := exampleStacks(t)
	cfg := loadExample(t)

	got := map[string]map[string]any{}
	alarms := s.alarms(t, cfg.HomeRegion)
	for _, id := range sortedNames(anyMap(alarms)) {
		a := alarms[id]
		name, _ := a.Props["AlarmName"].(string)
		n, ours := alarm.ParseAlarmName(name)
		if !ours {
			continue // the notifier's own alarms, tested below
		}
		// Silent alarms live in template.yaml behind IsHome; Down and Slow
		// alarms in the nested stacks, which only the home region creates.
		nested := strings.Contains(id, "/")
		if want := n.Kind != alarm.KindSilent; nested != want {
			t.Errorf("%s (%s): in a nested stack = %v, want %v", id, name, nested, want)
		}
		if !nested && a.Condition != "IsHome" {
			t.Errorf("%s (%s): Condition %v, want IsHome", id, name, a.Condition)
		}
		if _, dup := got[name]; dup {
			t.Errorf("alarm %s declared twice", name)
		}
		got[name] = a.Props
	}

	specs := alarm.Alarms(cfg)
	if len(got) != len(specs) {
		t.Errorf("template has %d Down/Slow/Silent alarms, the checks file implies %d", len(got), len(specs))
	}
	for _, s := range specs {
		name := s.Name.String()
		p, ok := got[name]
		if !ok {
			t.Errorf("no alarm %s in the template", name)
			continue
		}
		var dims []alarm.Dimension
		for _, d := range p["Dimensions"].([]any) {
			d := d.(map[string]any)
			dims = append(dims, alarm.Dimension{Name: d["Name"].(string), Value: d["Value"].(string)})
		}
		checks := []struct {
			field     string
			got, want any
		}{
			{"Namespace", p["Namespace"], s.Namespace},
			{"MetricName", p["MetricName"], s.Metric},
			{"Dimensions", dims, s.Dimensions},
			{"Statistic", p["Statistic"], s.Statistic},
			{"Period", num(t, p["Period"]), float64(s.Period)},
			{"EvaluationPeriods", num(t, p["EvaluationPeriods"]), float64(s.EvaluationPeriods)},
			{"DatapointsToAlarm", num(t, p["DatapointsToAlarm"]), float64(s.DatapointsToAlarm)},
			{"Threshold", num(t, p["Threshold"]), s.Threshold},
			{"ComparisonOperator", p["ComparisonOperator"], s.Comparison},
			{"TreatMissingData", p["TreatMissingData"], s.TreatMissingData},
			{"AlarmActions", stringsOf(p["AlarmActions"]), []string{"<AlarmTopic>"}},
			{"OKActions", stringsOf(p["OKActions"]), []string{"<AlarmTopic>"}},
		}
		for _, c := range checks {
			if gj, wj := mustJSON(t, c.got), mustJSON(t, c.want); gj != wj {
				t.Errorf("%s: %s = %s, want %s", name, c.field, gj, wj)
			}
		}
	}
}

// Silent alarms exist for all four locations, and the Location dimension is
// the label as the checks file writes it (spaces and all), which is what the
// probe publishes.
func TestTemplateHasASilentAlarmPerLocationLabel(t *testing.T) {
	doc, params := expandExample(t)
	cfg := loadExample(t)
	home := &cfnEval{t: t, tpl: doc, params: params, region: cfg.HomeRegion}
	labels := map[string]string{}
	for _, id := range sortedNames(doc.section("Resources")) {
		r := doc.resource(id)
		if r["Type"] != "AWS::CloudWatch::Alarm" {
			continue
		}
		p := home.value(props(r)).(map[string]any)
		if n, ok := alarm.ParseAlarmName(p["AlarmName"].(string)); ok && n.Kind == alarm.KindSilent {
			dim := p["Dimensions"].([]any)[0].(map[string]any)
			labels[dim["Value"].(string)] = n.Subject
		}
	}
	if len(cfg.Locations) != 4 {
		t.Fatalf("the example checks file has %d locations, want 4", len(cfg.Locations))
	}
	for region, label := range cfg.Locations {
		subject, ok := labels[label]
		if !ok {
			t.Errorf("no Silent alarm with Location=%q (%s)", label, region)
		} else if subject != label {
			t.Errorf("Silent alarm for %q is named after %q", label, subject)
		}
	}
}

func TestTemplateScheduleRunsEveryMinuteWithoutRetries(t *testing.T) {
	doc, params := expandExample(t)
	e := &cfnEval{t: t, tpl: doc, params: params, region: "eu-west-2"}

	var schedules []string
	for _, id := range sortedNames(doc.section("Resources")) {
		if doc.resource(id)["Type"] == "AWS::Scheduler::Schedule" {
			schedules = append(schedules, id)
		}
	}
	if !slices.Equal(schedules, []string{"NotifyFunctionTick", "ProbeFunctionRound"}) {
		t.Fatalf("schedules = %v, want ProbeFunctionRound and the notifier's NotifyFunctionTick", schedules)
	}
	checkTick(t, doc, params)
	r := doc.resource("ProbeFunctionRound")
	if _, home := r["Condition"]; home {
		t.Errorf("the schedule has a Condition: every location must run rounds")
	}
	p := e.value(props(r)).(map[string]any)
	target := p["Target"].(map[string]any)
	var input map[string]string
	if err := json.Unmarshal([]byte(target["Input"].(string)), &input); err != nil {
		t.Fatalf("Input is not JSON: %v", err)
	}
	checks := []struct {
		field     string
		got, want any
	}{
		{"ScheduleExpression", p["ScheduleExpression"], ScheduleRate},
		{"FlexibleTimeWindow", p["FlexibleTimeWindow"], map[string]any{"Mode": "OFF"}},
		{"Target.Arn", target["Arn"], "<ProbeFunction.Arn>"},
		{"Target.RetryPolicy", target["RetryPolicy"], map[string]any{"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60}},
		{"Target.Input.time", input["time"], "<aws.scheduler.scheduled-time>"},
		{"Target.Input.schedule", input["schedule"], "<aws.scheduler.schedule-arn>"},
		{"Target.Input.execution", input["execution"], "<aws.scheduler.execution-id>"},
	}
	for _, c := range checks {
		if gj, wj := mustJSON(t, c.got), mustJSON(t, c.want); gj != wj {
			t.Errorf("%s = %s, want %s", c.field, gj, wj)
		}
	}
	if p["Name"] != nil {
		t.Errorf("the schedule has a fixed Name %v: two apps in one region would collide", p["Name"])
	}

	// Scheduler invokes asynchronously: Lambda must not retry a stale round either.
	inv := e.value(props(doc.resource("ProbeFunctionEventInvokeConfig"))).(map[string]any)
	if num(t, inv["MaximumRetryAttempts"]) != 0 || num(t, inv["MaximumEventAgeInSeconds"]) != 60 {
		t.Errorf("ProbeFunction async config = %v, want no retries and events dropped after 60 s", inv)
	}
}

// checkTick: the notifier's minute tick runs in the home region only, sends
// the tick payload the notifier knows, and is not retried (the next one
// comes a minute later).
func checkTick(t *testing.T, doc tpl, params map[string]any) {
	t.Helper()
	r := doc.resource("NotifyFunctionTick")
	if r["Condition"] != "IsHome" {
		t.Errorf("NotifyFunctionTick has Condition %v, want IsHome", r["Condition"])
	}
	e := &cfnEval{t: t, tpl: doc, params: params, region: params["HomeRegion"].(string)}
	p := e.value(props(r)).(map[string]any)
	target := p["Target"].(map[string]any)
	want, _ := json.Marshal(notify.Request{Lookout: notify.PayloadTick})
	var got, wantPayload any
	if err := json.Unmarshal([]byte(target["Input"].(string)), &got); err != nil {
		t.Fatalf("tick Input is not JSON: %v", err)
	}
	_ = json.Unmarshal(want, &wantPayload)
	for _, c := range []struct {
		field     string
		got, want any
	}{
		{"ScheduleExpression", p["ScheduleExpression"], "rate(1 minute)"},
		{"Target.Arn", target["Arn"], "<NotifyFunction.Arn>"},
		{"Target.RetryPolicy", target["RetryPolicy"], map[string]any{"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60}},
		{"Target.Input", got, wantPayload},
	} {
		if gj, wj := mustJSON(t, c.got), mustJSON(t, c.want); gj != wj {
			t.Errorf("tick %s = %s, want %s", c.field, gj, wj)
		}
	}
}

func TestTemplateProbeFunction(t *testing.T) {
	doc, params := expandExample(t)
	e := &cfnEval{t: t, tpl: doc, params: params, region: "ap-south-1"}
	p := e.value(props(doc.resource("ProbeFunction"))).(map[string]any)
	env := p["Environment"].(map[string]any)["Variables"].(map[string]any)
	logs := p["LoggingConfig"].(map[string]any)
	group := e.value(props(doc.resource("ProbeLogGroup"))).(map[string]any)
	checks := []struct {
		field     string
		got, want any
	}{
		{"Runtime", p["Runtime"], "provided.al2023"},
		{"Architectures", p["Architectures"], []any{"arm64"}},
		{"Handler", p["Handler"], "bootstrap"},
		{"LOOKOUT_LOCATION", env["LOOKOUT_LOCATION"], "ap-south-1"},
		{"LOOKOUT_HOME_REGION", env["LOOKOUT_HOME_REGION"], params["HomeRegion"]},
		{"LoggingConfig.LogGroup", logs["LogGroup"], "<ProbeLogGroup>"},
		{"ProbeLogGroup name", group["LogGroupName"], ProbeLogGroup(params["AppName"].(string))},
		{"Role", p["Role"], "<ProbeRole.Arn>"},
	}
	for _, c := range checks {
		if gj, wj := mustJSON(t, c.got), mustJSON(t, c.want); gj != wj {
			t.Errorf("%s = %s, want %s", c.field, gj, wj)
		}
	}
	if timeout := num(t, p["Timeout"]); timeout < 30 || timeout >= 60 {
		t.Errorf("Timeout = %v s: a round runs every minute and must end before the next", timeout)
	}
	if group["RetentionInDays"] == nil {
		t.Error("ProbeLogGroup keeps logs forever: give it a retention")
	}
	if md := doc.resource("ProbeFunction")["Metadata"].(map[string]any); md["BuildMethod"] != "makefile" {
		t.Errorf("BuildMethod = %v, want makefile (root build-ProbeFunction target)", md["BuildMethod"])
	}
}

// Outside the home region a stack holds the probe and nothing else; in the
// home region it holds everything.
func TestTemplateHomeOnlyResourcesAreBehindIsHome(t *testing.T) {
	doc, params := expandExample(t)
	home := &cfnEval{t: t, tpl: doc, params: withParams(params, map[string]any{"AlertEmail": "a@example.com", "AlertPhone": "+14155550100"}), region: params["HomeRegion"].(string)}
	other := &cfnEval{t: t, tpl: doc, params: home.params, region: "ap-southeast-2"}

	var elsewhere []string
	for _, id := range sortedNames(doc.section("Resources")) {
		r := doc.resource(id)
		// An alarm chunk's stack is created only when the chunk has areas.
		chunk := r["Type"] == "AWS::CloudFormation::Stack" && strings.HasPrefix(id, "AreaAlarms")
		if !home.deployed(r) && !chunk {
			t.Errorf("%s is not created in the home region", id)
		}
		if other.deployed(r) {
			elsewhere = append(elsewhere, id)
		}
		if !slices.Contains(probeResources, id) {
			c, _ := r["Condition"].(string)
			if c != "IsHome" && !conditionRequiresIsHome(doc, c) {
				t.Errorf("%s (%s): Condition %q does not require IsHome", id, r["Type"], c)
			}
		}
	}
	if !slices.Equal(elsewhere, probeResources) {
		t.Errorf("resources outside the home region = %v, want %v", elsewhere, probeResources)
	}
	for _, name := range sortedNames(doc.section("Outputs")) {
		if other.deployed(doc.section("Outputs")[name].(map[string]any)) {
			if name != "ProbeFunctionArn" && name != "ProbeLogGroupName" {
				t.Errorf("output %s outside the home region", name)
			}
		}
	}
}

// conditionRequiresIsHome says whether a condition is Fn::And with IsHome in it.
func conditionRequiresIsHome(doc tpl, name string) bool {
	c, ok := doc.section("Conditions")[name].(map[string]any)
	if !ok {
		return false
	}
	and, _ := c["Fn::And"].([]any)
	for _, x := range and {
		if x, ok := x.(map[string]any); ok && x["Condition"] == "IsHome" {
			return true
		}
	}
	return false
}

func TestTemplateSubscriptionsAndFilterPolicies(t *testing.T) {
	doc, params := expandExample(t)
	given := withParams(params, map[string]any{"AlertEmail": "oncall@example.com", "AlertPhone": "+447700900123"})
	home := &cfnEval{t: t, tpl: doc, params: given, region: params["HomeRegion"].(string)}
	none := &cfnEval{t: t, tpl: doc, params: params, region: params["HomeRegion"].(string)}

	want := map[string]struct {
		topic, protocol, endpoint string
		filter                    any
	}{
		"NotifyEmailSubscription":   {"<NotifyTopic>", "email", "oncall@example.com", map[string]any{notify.AttrChannel: []any{notify.TopicEmail}}},
		"NotifySmsSubscription":     {"<NotifyTopic>", "sms", "+447700900123", map[string]any{notify.AttrChannel: []any{notify.TopicSMS}}},
		"FallbackEmailSubscription": {"<FallbackTopic>", "email", "oncall@example.com", nil},
		"FallbackSmsSubscription":   {"<FallbackTopic>", "sms", "+447700900123", nil},
		"NotifyFunctionAlarm":       {"<AlarmTopic>", "lambda", "<NotifyFunction.Arn>", nil},
	}
	var seen []string
	for _, id := range sortedNames(doc.section("Resources")) {
		r := doc.resource(id)
		if r["Type"] != "AWS::SNS::Subscription" {
			continue
		}
		seen = append(seen, id)
		w, ok := want[id]
		if !ok {
			t.Errorf("unexpected subscription %s", id)
			continue
		}
		p := home.value(props(r)).(map[string]any)
		if p["TopicArn"] != w.topic || p["Protocol"] != w.protocol || p["Endpoint"] != w.endpoint {
			t.Errorf("%s = %v %v %v, want %s %s %s", id, p["TopicArn"], p["Protocol"], p["Endpoint"], w.topic, w.protocol, w.endpoint)
		}
		if gj, wj := mustJSON(t, p["FilterPolicy"]), mustJSON(t, w.filter); gj != wj {
			t.Errorf("%s FilterPolicy = %s, want %s", id, gj, wj)
		}
		if w.filter != nil && p["FilterPolicyScope"] != "MessageAttributes" {
			t.Errorf("%s FilterPolicyScope = %v, want MessageAttributes (the notifier sets the channel as a message attribute)", id, p["FilterPolicyScope"])
		}
		// No address given: no email or SMS subscription at all.
		if w.protocol == "email" || w.protocol == "sms" {
			if none.deployed(r) {
				t.Errorf("%s is created without an address or number", id)
			}
		}
	}
	if len(seen) != len(want) {
		t.Errorf("subscriptions = %v", seen)
	}

	// A failed notification: two retries, then the queue; the queue and the
	// function's errors alarm to the fallback topic.
	inv := home.value(props(doc.resource("NotifyFunctionEventInvokeConfig"))).(map[string]any)
	if num(t, inv["MaximumRetryAttempts"]) != 2 || mustJSON(t, inv["DestinationConfig"]) != mustJSON(t, map[string]any{"OnFailure": map[string]any{"Destination": "<NotifyDeadLetterQueue.Arn>"}}) {
		t.Errorf("NotifyFunction async config = %s", mustJSON(t, inv))
	}
	for id, dim := range map[string]string{"NotifyErrorsAlarm": "<NotifyFunction>", "NotifyUndeliveredAlarm": "<NotifyDeadLetterQueue.QueueName>"} {
		p := home.value(props(doc.resource(id))).(map[string]any)
		d := p["Dimensions"].([]any)[0].(map[string]any)
		if d["Value"] != dim || !slices.Equal(stringsOf(p["AlarmActions"]), []string{"<FallbackTopic>"}) || p["ComparisonOperator"] != "GreaterThanThreshold" || num(t, p["Threshold"]) != 0 {
			t.Errorf("%s = %s: want > 0 on %s, to FallbackTopic", id, mustJSON(t, p), dim)
		}
	}

	env := home.value(props(doc.resource("NotifyFunction"))).(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)
	dash := home.value(props(doc.resource("Dashboard"))).(map[string]any)
	app := params["AppName"].(string)
	checks := []struct {
		field     string
		got, want any
	}{
		{"LOOKOUT_NOTIFY_TOPIC_ARN", env["LOOKOUT_NOTIFY_TOPIC_ARN"], "<NotifyTopic>"},
		{"LOOKOUT_HOME_REGION", env["LOOKOUT_HOME_REGION"], params["HomeRegion"]},
		{"LOOKOUT_DASHBOARD_NAME", env["LOOKOUT_DASHBOARD_NAME"], DashboardName(app)},
		{"DashboardName", dash["DashboardName"], DashboardName(app)},
		{"LOOKOUT_PROBE_LOG_GROUPS", env["LOOKOUT_PROBE_LOG_GROUPS"], "<ProbeLogGroup>"},
		{"LOOKOUT_PAGER_ROUTING_KEY_PARAM", env["LOOKOUT_PAGER_ROUTING_KEY_PARAM"], ""},
	}
	for _, c := range checks {
		if gj, wj := mustJSON(t, c.got), mustJSON(t, c.want); gj != wj {
			t.Errorf("%s = %s, want %s", c.field, gj, wj)
		}
	}
}

// No role may write to "*" except where AWS offers no narrower scope, and then
// only with a condition; no managed policies (their statements are not here
// to check).
func TestTemplateIAMIsScoped(t *testing.T) {
	doc, params := expandExample(t)
	for _, pager := range []string{"", "/lookout/taskboard/pager-routing-key"} {
		home := &cfnEval{t: t, tpl: doc, params: withParams(params, map[string]any{"PagerRoutingKeyParam": pager}), region: params["HomeRegion"].(string)}
		roles := 0
		for _, id := range sortedNames(doc.section("Resources")) {
			r := doc.resource(id)
			switch r["Type"] {
			case "AWS::IAM::Role":
				roles++
			case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User", "AWS::IAM::Group":
				t.Errorf("%s: %s: keep permissions inline in the roles", id, r["Type"])
				continue
			default:
				continue
			}
			p := home.value(props(r)).(map[string]any)
			if p["ManagedPolicyArns"] != nil {
				t.Errorf("%s has managed policies %v (e.g. AWSLambdaBasicExecutionRole writes logs to *)", id, p["ManagedPolicyArns"])
			}
			for _, pol := range p["Policies"].([]any) {
				for _, st := range pol.(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
					checkStatement(t, id, st.(map[string]any), params["AppName"].(string))
				}
			}
		}
		if roles != 4 {
			t.Errorf("%d roles, want 4 (probe, its schedule, notifier, its tick)", roles)
		}
	}

	// The probe reads exactly the path deploy-params checks the references against.
	e := &cfnEval{t: t, tpl: doc, params: params, region: "eu-west-2"}
	path := SecretsPath(params["AppName"].(string))
	resources := actionResources(e, "ProbeRole")
	for action, want := range map[string]string{
		"ssm:GetParameter":              "arn:aws:ssm:eu-west-2:" + testAccount + ":parameter/" + path + "/*",
		"secretsmanager:GetSecretValue": "arn:aws:secretsmanager:eu-west-2:" + testAccount + ":secret:" + path + "/*",
	} {
		if resources[action] != want {
			t.Errorf("ProbeRole %s on %q, want %q", action, resources[action], want)
		}
	}
	for action := range resources {
		if strings.HasPrefix(action, "dynamodb:") || action == "cloudwatch:DescribeAlarms" {
			t.Errorf("ProbeRole has %s: only the notifier reads the ledger and the alarms", action)
		}
	}

	// The notifier makes the ledger's calls on its table alone, and reads
	// this app's alarms and no one else's.
	homeRegion := params["HomeRegion"].(string)
	app := params["AppName"].(string)
	home := &cfnEval{t: t, tpl: doc, params: params, region: homeRegion}
	resources = actionResources(home, "NotifyRole")
	var ledgerActions []string
	for action, res := range resources {
		if strings.HasPrefix(action, "dynamodb:") {
			ledgerActions = append(ledgerActions, action)
			if res != "<LedgerTable.Arn>" {
				t.Errorf("NotifyRole %s on %q, want the ledger table's ARN only", action, res)
			}
		}
	}
	slices.Sort(ledgerActions)
	// The calls ledger.API declares, no more.
	var calls []string
	for m := range reflect.TypeFor[ledger.API]().Methods() {
		calls = append(calls, "dynamodb:"+m.Name)
	}
	slices.Sort(calls)
	if !slices.Equal(ledgerActions, calls) || len(calls) == 0 {
		t.Errorf("NotifyRole's DynamoDB actions = %v, want the calls of ledger.API: %v", ledgerActions, calls)
	}
	alarms := resources["cloudwatch:DescribeAlarms"]
	if want := "arn:aws:cloudwatch:" + homeRegion + ":" + testAccount + ":alarm:" + alarm.AlarmPrefix(app) + "*"; alarms != want {
		t.Errorf("NotifyRole cloudwatch:DescribeAlarms on %q, want %q", alarms, want)
	}
	arn := func(name string) string {
		return "arn:aws:cloudwatch:" + homeRegion + ":" + testAccount + ":alarm:" + name
	}
	var names []string
	for _, spec := range alarm.Alarms(loadExample(t)) {
		names = append(names, spec.Name.String())
	}
	for _, id := range []string{"NotifyErrorsAlarm", "NotifyUndeliveredAlarm"} {
		names = append(names, home.value(props(doc.resource(id))).(map[string]any)["AlarmName"].(string))
	}
	for _, name := range names {
		if !iamMatch(alarms, arn(name)) {
			t.Errorf("the notifier cannot read alarm %s (DescribeAlarms on %s)", name, alarms)
		}
	}
	for _, name := range []string{"lookout." + app + "x.down.api", "lookout.other.down.api", "prod-" + app + "-cpu"} {
		if iamMatch(alarms, arn(name)) {
			t.Errorf("the notifier may read another app's alarm %s", name)
		}
	}
}

// actionResources maps each action a role allows to the resources it allows
// it on (comma-separated).
func actionResources(e *cfnEval, role string) map[string]string {
	resources := map[string]string{}
	for _, pol := range e.value(props(e.tpl.resource(role))).(map[string]any)["Policies"].([]any) {
		for _, st := range pol.(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := st.(map[string]any)
			for _, a := range stringsOf(st["Action"]) {
				resources[a] = strings.Join(stringsOf(st["Resource"]), ",")
			}
		}
	}
	return resources
}

// iamMatch says whether an IAM resource pattern (* for any characters, ? for
// one) matches arn.
func iamMatch(pattern, arn string) bool {
	re := regexp.QuoteMeta(pattern)
	re = strings.NewReplacer(`\*`, `.*`, `\?`, `.`).Replace(re)
	return regexp.MustCompile("^" + re + "$").MatchString(arn)
}

// The incident ledger's table lives in the home region with the key schema
// and TTL attribute shared/ledger uses, billed per request, recoverable to
// any second of the last 35 days, and kept when the stack goes.
func TestTemplateLedgerTable(t *testing.T) {
	doc, params := expandExample(t)
	home := &cfnEval{t: t, tpl: doc, params: params, region: params["HomeRegion"].(string)}
	r := doc.resource("LedgerTable")
	if r["Type"] != "AWS::DynamoDB::Table" || r["Condition"] != "IsHome" {
		t.Fatalf("LedgerTable = %v behind %v, want an AWS::DynamoDB::Table behind IsHome", r["Type"], r["Condition"])
	}
	if r["DeletionPolicy"] != "Retain" || r["UpdateReplacePolicy"] != "Retain" {
		t.Errorf("DeletionPolicy %v, UpdateReplacePolicy %v: want Retain for both (the incident history outlives the stack)", r["DeletionPolicy"], r["UpdateReplacePolicy"])
	}
	p := home.value(props(r)).(map[string]any)
	checks := []struct {
		field     string
		got, want any
	}{
		{"BillingMode", p["BillingMode"], "PAY_PER_REQUEST"},
		{"KeySchema", p["KeySchema"], []any{
			map[string]any{"AttributeName": ledger.PartitionKey, "KeyType": "HASH"},
			map[string]any{"AttributeName": ledger.SortKey, "KeyType": "RANGE"},
		}},
		{"AttributeDefinitions", p["AttributeDefinitions"], []any{
			map[string]any{"AttributeName": ledger.PartitionKey, "AttributeType": "S"},
			map[string]any{"AttributeName": ledger.SortKey, "AttributeType": "S"},
		}},
		{"TimeToLiveSpecification", p["TimeToLiveSpecification"], map[string]any{"AttributeName": ledger.TTLAttribute, "Enabled": true}},
		{"PointInTimeRecoverySpecification", p["PointInTimeRecoverySpecification"], map[string]any{"PointInTimeRecoveryEnabled": true}},
		// Said, not left to a default: false is the AWS owned key (see the template).
		{"SSESpecification", p["SSESpecification"], map[string]any{"SSEEnabled": false}},
		{"TableName", p["TableName"], nil}, // a retained table with a fixed name would block the next deploy
		{"Tags", p["Tags"], []any{map[string]any{"Key": "lookout:app", "Value": params["AppName"]}}},
	}
	for _, c := range checks {
		if gj, wj := mustJSON(t, c.got), mustJSON(t, c.want); gj != wj {
			t.Errorf("LedgerTable %s = %s, want %s", c.field, gj, wj)
		}
	}
	env := home.value(props(doc.resource("NotifyFunction"))).(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)
	if got := env[awsclient.EnvLedgerTable]; got != "<LedgerTable>" {
		t.Errorf("NotifyFunction %s = %v, want the table's name (Ref LedgerTable)", awsclient.EnvLedgerTable, got)
	}
}

// The home stack names the ledger's table and the notifier in its outputs,
// by the names `lookout maintenance` and `lookout test-page` read them
// (cmd/lookout, outputLedgerTable and outputNotifyFunction): what a Ref of
// a table and of a function gives, their names. No other stack has them.
func TestTemplateOutputsNameTheLedgerAndTheNotifier(t *testing.T) {
	doc, params := expandExample(t)
	home := &cfnEval{t: t, tpl: doc, params: params, region: params["HomeRegion"].(string)}
	other := &cfnEval{t: t, tpl: doc, params: params, region: "ap-southeast-2"}
	for name, want := range map[string]struct{ resource, typ string }{
		"LedgerTableName":    {"LedgerTable", "AWS::DynamoDB::Table"},
		"NotifyFunctionName": {"NotifyFunction", "AWS::Lambda::Function"},
	} {
		o, ok := doc.section("Outputs")[name].(map[string]any)
		if !ok {
			t.Errorf("no output %s", name)
			continue
		}
		if o["Condition"] != "IsHome" || !home.deployed(o) || other.deployed(o) {
			t.Errorf("output %s behind %v: want IsHome, the home stack only", name, o["Condition"])
		}
		if got := home.value(o["Value"]); got != "<"+want.resource+">" {
			t.Errorf("output %s = %v, want Ref %s", name, got, want.resource)
		}
		if typ := doc.resource(want.resource)["Type"]; typ != want.typ {
			t.Errorf("output %s refers to %s, a %v: want a %s, whose Ref is its name", name, want.resource, typ, want.typ)
		}
	}
}

// readOnlyOnStar are the actions AWS scopes to no resource, each with the
// condition it must carry ("" for none: it only reads).
var readOnlyOnStar = map[string]string{
	"cloudwatch:PutMetricData": "cloudwatch:namespace", // a write: only into Lookout's namespace
	"cloudwatch:GetMetricData": "",
}

func checkStatement(t *testing.T, role string, st map[string]any, app string) {
	t.Helper()
	if st["Effect"] != "Allow" {
		return
	}
	actions := stringsOf(st["Action"])
	for _, a := range actions {
		if a == "*" || strings.HasSuffix(a, ":*") {
			t.Errorf("%s: wildcard action %s", role, a)
		}
	}
	if st["NotResource"] != nil || st["NotAction"] != nil {
		t.Errorf("%s: NotResource/NotAction: %v", role, st)
	}
	for _, res := range stringsOf(st["Resource"]) {
		if res != "*" {
			if !strings.HasPrefix(res, "<") && !strings.HasPrefix(res, "arn:aws:") {
				t.Errorf("%s: resource %q is neither an ARN nor a template resource", role, res)
			}
			continue
		}
		for _, a := range actions {
			key, ok := readOnlyOnStar[a]
			if !ok {
				t.Errorf("%s: %s on Resource \"*\"", role, a)
				continue
			}
			if key == "" {
				continue
			}
			cond, _ := st["Condition"].(map[string]any)
			eq, _ := cond["StringEquals"].(map[string]any)
			if eq[key] != alarm.Namespace(app) {
				t.Errorf("%s: %s on \"*\" without the condition %s = %s (got %v)", role, a, key, alarm.Namespace(app), st["Condition"])
			}
		}
	}
	if slices.Contains(actions, "kms:Decrypt") {
		cond, _ := st["Condition"].(map[string]any)
		eq, _ := cond["StringEquals"].(map[string]any)
		if eq["kms:ViaService"] == nil {
			t.Errorf("%s: kms:Decrypt without kms:ViaService", role)
		}
	}
}

// The dashboard finds every area and location by their dimensions, and no
// graph can silently drop series: each per-area graph is a Metrics Insights
// query ranking every area with ORDER BY and a LIMIT, a SEARCH is only over
// locations, and the counts are the figures `lookout validate` checks.
func TestTemplateDashboardRanksEveryAreaAndTruncatesNothingSilently(t *testing.T) {
	doc, params := expandExample(t)
	cfg := loadExample(t)
	dash := dashboardOf(t, doc, params, cfg.HomeRegion)
	// The maintenance windows' words name their areas; they come from the
	// checks file with every deploy, so the body is checked without them.
	if !strings.Contains(dash.body, MaintenanceText(cfg)) {
		t.Errorf("the dashboard does not show the maintenance windows %q", MaintenanceText(cfg))
	}
	dash.body = strings.ReplaceAll(dash.body, MaintenanceText(cfg), "")
	ns := strconv.Quote(alarm.Namespace(cfg.App))
	top := fmt.Sprintf("LIMIT %d", DashboardTopN)
	want := []string{
		`SELECT SUM(` + alarm.Failed + `) FROM SCHEMA(` + ns + `, Area) GROUP BY Area ORDER BY SUM() DESC ` + top,
		`SELECT SUM(` + alarm.Slow + `) FROM SCHEMA(` + ns + `, Area) GROUP BY Area ORDER BY SUM() DESC ` + top,
		`SELECT AVG(` + alarm.Latency + `) FROM SCHEMA(` + ns + `, Area, Location) GROUP BY Area, Location ORDER BY AVG() DESC ` + top,
		`SELECT MAX(` + alarm.Latency + `) FROM SCHEMA(` + ns + `, Area, Location) GROUP BY Area ORDER BY MAX() DESC ` + top,
		`SELECT SUM(` + alarm.Failed + `) FROM SCHEMA(` + ns + `, Area, Location) GROUP BY Area, Location ORDER BY SUM() DESC ` + top,
		`SEARCH('{` + ns + `,Location} MetricName="` + alarm.Heartbeat + `"', 'SampleCount', 60)`,
		`SEARCH('{` + ns + `,Location} MetricName="` + alarm.Abstained + `"', 'Sum', 60)`,
	}
	var expressions []string
	for _, g := range dash.graphs {
		expressions = append(expressions, g.expressions...)
	}
	if !slices.Equal(expressions, want) {
		t.Errorf("dashboard expressions\n got %q\nwant %q", expressions, want)
	}
	for _, g := range dash.graphs {
		if g.topN && !strings.Contains(g.title, fmt.Sprintf("%d worst", DashboardTopN)) && !strings.Contains(g.title, fmt.Sprintf("%d slowest", DashboardTopN)) {
			t.Errorf("graph %q shows only the %d worst but its title does not say so", g.title, DashboardTopN)
		}
		if g.region != cfg.HomeRegion {
			t.Errorf("graph %q: region %v, want the home region", g.title, g.region)
		}
	}
	if dash.types["alarm"] == 0 || dash.types["metric"] < 5 {
		t.Errorf("widgets by type = %v, want an alarm status widget and the metric widgets", dash.types)
	}
	f, err := Measure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if f.Widgets != dash.widgets || f.DashboardSeries != dash.series(len(cfg.Locations)) ||
		f.MaxGraphSeries != dash.maxGraph(len(cfg.Locations)) || f.TopNGraphs != dash.topNGraphs() {
		t.Errorf("Measure: %d widgets, %d series, %d in one graph, %d top-N graphs; the dashboard: %d, %d, %d, %d",
			f.Widgets, f.DashboardSeries, f.MaxGraphSeries, f.TopNGraphs,
			dash.widgets, dash.series(len(cfg.Locations)), dash.maxGraph(len(cfg.Locations)), dash.topNGraphs())
	}
	for _, a := range cfg.Areas {
		if regexp.MustCompile(`\b` + a.ID + `\b`).MatchString(dash.body) {
			t.Errorf("the dashboard names area %s: it would need an edit when areas change", a.ID)
		}
	}
	for _, l := range cfg.Locations {
		if strings.Contains(dash.body, l) {
			t.Errorf("the dashboard names location %s", l)
		}
	}
}

// dashboard is the home stack's dashboard body, read as CloudWatch reads it.
type dashboard struct {
	body    string
	widgets int
	types   map[string]int
	graphs  []graph
}

// graph is one metric widget and what bounds its series.
type graph struct {
	title, region string
	expressions   []string
	metrics       int  // plain metrics: one series each
	topN          bool // a Metrics Insights query with ORDER BY ... LIMIT
	limit         int  // its LIMIT
	byLocation    int  // SEARCHes over {Location}: one series per location each
}

var insightsLimit = regexp.MustCompile(`^SELECT .* FROM SCHEMA\(.*\) GROUP BY .* ORDER BY [A-Z]+\(\) DESC LIMIT ([0-9]+)$`)

func dashboardOf(t *testing.T, doc tpl, params map[string]any, region string) dashboard {
	t.Helper()
	home := &cfnEval{t: t, tpl: doc, params: params, region: region}
	body := home.value(props(doc.resource("Dashboard"))).(map[string]any)["DashboardBody"].(string)
	var d struct {
		Widgets []struct {
			Type       string         `json:"type"`
			Properties map[string]any `json:"properties"`
		} `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("DashboardBody is not JSON: %v\n%s", err, body)
	}
	out := dashboard{body: body, widgets: len(d.Widgets), types: map[string]int{}}
	for _, w := range d.Widgets {
		out.types[w.Type]++
		if w.Type != "metric" {
			continue
		}
		g := graph{title: fmt.Sprint(w.Properties["title"]), region: fmt.Sprint(w.Properties["region"])}
		ms, _ := w.Properties["metrics"].([]any)
		for _, m := range ms {
			row := m.([]any)
			x, ok := row[0].(map[string]any)
			if !ok || x["expression"] == nil {
				g.metrics++
				continue
			}
			e := x["expression"].(string)
			g.expressions = append(g.expressions, e)
			switch {
			case insightsLimit.MatchString(e):
				n, _ := strconv.Atoi(insightsLimit.FindStringSubmatch(e)[1])
				g.topN, g.limit = true, g.limit+n
			case strings.HasPrefix(e, "SEARCH('{") && strings.Contains(e, ",Location} "):
				g.byLocation++
			default:
				t.Errorf("graph %q: %s has no bound on its series (a SEARCH over areas returns at most 500, in no chosen order)", g.title, e)
			}
		}
		out.graphs = append(out.graphs, g)
	}
	return out
}

func (g graph) series(locations int) int { return g.metrics + g.limit + g.byLocation*locations }

func (d dashboard) series(locations int) int {
	n := 0
	for _, g := range d.graphs {
		n += g.series(locations)
	}
	return n
}

func (d dashboard) maxGraph(locations int) int {
	n := 0
	for _, g := range d.graphs {
		n = max(n, g.series(locations))
	}
	return n
}

func (d dashboard) topNGraphs() int {
	n := 0
	for _, g := range d.graphs {
		if g.topN {
			n++
		}
	}
	return n
}

// templateParameter is a parameter as template.yaml declares it.
type templateParameter struct {
	Type           string   `yaml:"Type"`
	Default        *string  `yaml:"Default"`
	AllowedPattern string   `yaml:"AllowedPattern"`
	AllowedValues  []string `yaml:"AllowedValues"`
	MinValue       *float64 `yaml:"MinValue"`
	MaxValue       *float64 `yaml:"MaxValue"`
}

func readTemplateParameters(t *testing.T) map[string]templateParameter {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Parameters map[string]templateParameter `yaml:"Parameters"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	return doc.Parameters
}

// deploy-params gives every parameter that has no default, only parameters the
// template declares, and values the template's own constraints accept.
func TestDeployParamsFitTheTemplateParameters(t *testing.T) {
	decl := readTemplateParameters(t)
	cfg := loadExample(t)
	stacks, err := Plan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stacks {
		p, err := Params(cfg, s.Region)
		if err != nil {
			t.Fatal(err)
		}
		p.AlertEmail, p.AlertPhone, p.PagerRoutingKeyParam = "oncall@example.com", "+447700900123", "/lookout/taskboard/pager-routing-key"
		given := map[string]bool{}
		for _, o := range p.Overrides() {
			given[o.Key] = true
			d, ok := decl[o.Key]
			if !ok {
				t.Errorf("deploy-params gives %s, which template.yaml does not declare", o.Key)
				continue
			}
			checkParameterValue(t, o.Key, d, o.Value)
		}
		for name, d := range decl {
			if d.Default == nil && !given[name] {
				t.Errorf("%s has no default and deploy-params does not give it", name)
			}
		}
	}
	// The optional values are checked in Go with the template's own patterns.
	for name, re := range map[string]*regexp.Regexp{"AlertEmail": EmailPattern, "AlertPhone": PhonePattern, "PagerRoutingKeyParam": SSMNamePattern} {
		if decl[name].AllowedPattern != re.String() {
			t.Errorf("%s: template AllowedPattern %q, Go pattern %q", name, decl[name].AllowedPattern, re.String())
		}
		if decl[name].Default == nil || *decl[name].Default != "" {
			t.Errorf("%s: want Default \"\" (optional)", name)
		}
	}
}

func checkParameterValue(t *testing.T, name string, d templateParameter, value string) {
	t.Helper()
	values := []string{value}
	if d.Type == "CommaDelimitedList" {
		values = commaList(value)
	}
	for _, v := range values {
		if d.AllowedPattern != "" && !regexp.MustCompile(d.AllowedPattern).MatchString(v) {
			t.Errorf("%s = %q does not match the template's AllowedPattern %s", name, v, d.AllowedPattern)
		}
		if len(d.AllowedValues) > 0 && !slices.Contains(d.AllowedValues, v) {
			t.Errorf("%s = %q is not among %v", name, v, d.AllowedValues)
		}
		if d.Type == "Number" {
			n := num(t, v)
			if d.MinValue != nil && n < *d.MinValue || d.MaxValue != nil && n > *d.MaxValue {
				t.Errorf("%s = %v outside [%v, %v]", name, n, *d.MinValue, *d.MaxValue)
			}
		}
	}
}

// samconfig.toml has one config-env per location of the checks file, named
// and ordered by deploy.Plan, with its region, and types nothing the checks
// file already says.
func TestSamconfigAgreesWithChecksAndTemplate(t *testing.T) {
	conf := readSamconfig(t)
	if conf["version"] != 0.1 {
		t.Errorf("version = %v, want 0.1", conf["version"])
	}
	cfg := loadExample(t)
	stacks, err := Plan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var envs, wantEnvs []string
	for name := range conf {
		if name != "version" && name != "default" {
			envs = append(envs, name)
		}
	}
	for _, s := range stacks {
		wantEnvs = append(wantEnvs, s.ConfigEnv)
	}
	slices.Sort(envs)
	slices.Sort(wantEnvs)
	if !slices.Equal(envs, wantEnvs) {
		t.Fatalf("samconfig.toml config-envs %v, the checks file's locations make %v", envs, wantEnvs)
	}
	decl := readTemplateParameters(t)
	derived := map[string]bool{}
	p, err := Params(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range p.Overrides() {
		if o.Key != "LocationLabel" {
			derived[o.Key] = true
		}
	}
	for _, s := range stacks {
		env, _ := conf[s.ConfigEnv].(map[string]any)
		dp, _ := env["deploy"].(map[string]any)["parameters"].(map[string]any)
		if dp == nil {
			t.Errorf("[%s.deploy.parameters] missing", s.ConfigEnv)
			continue
		}
		if dp["region"] != s.Region {
			t.Errorf("%s: region %v, want %s (%s in the checks file)", s.ConfigEnv, dp["region"], s.Region, s.Label)
		}
		if dp["stack_name"] != StackName(s.ConfigEnv) {
			t.Errorf("%s: stack_name %v, want lookout-%s", s.ConfigEnv, dp["stack_name"], s.ConfigEnv)
		}
		caps := strings.Fields(dp["capabilities"].(string))
		for _, c := range []string{"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"} {
			if !slices.Contains(caps, c) {
				t.Errorf("%s: capabilities %v lack %s", s.ConfigEnv, caps, c)
			}
		}
		_, values := parseSAMOverrides(dp["parameter_overrides"].(string))
		if values["LocationLabel"] != s.Label {
			t.Errorf("%s: LocationLabel %q, the checks file says %q", s.ConfigEnv, values["LocationLabel"], s.Label)
		}
		for k, v := range values {
			if _, ok := decl[k]; !ok {
				t.Errorf("%s: parameter_overrides gives %s, which template.yaml does not declare", s.ConfigEnv, k)
			}
			if derived[k] {
				t.Errorf("%s: parameter_overrides types %s=%q: it comes from the checks file through deploy-params", s.ConfigEnv, k, v)
			}
		}
	}
}

// The README lists every resource a stack creates (Fn::ForEach alarms as
// Down<Area>Alarm, Slow<Area>Alarm and Silent<Location>Alarm).
func TestDocsListEveryResource(t *testing.T) {
	s := exampleStacks(t)
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	generic := []struct {
		pattern *regexp.Regexp
		doc     string
	}{
		{regexp.MustCompile(`^Silent[A-Za-z0-9]+Alarm$`), "Silent<Location>Alarm"},
		{regexp.MustCompile(`^AreaAlarms[0-9]{2}$`), "AreaAlarms<NN>"},
		{regexp.MustCompile(`^Down[A-Za-z0-9]+Alarm$`), "Down<Area>Alarm"},
		{regexp.MustCompile(`^Slow[A-Za-z0-9]+Alarm$`), "Slow<Area>Alarm"},
	}
	ids := sortedNames(s.parent.section("Resources"))
	for _, c := range s.children {
		ids = append(ids, sortedNames(c.tpl.section("Resources"))...)
	}
	for _, id := range ids {
		for _, g := range generic {
			if g.pattern.MatchString(id) {
				id = g.doc
				break
			}
		}
		if !strings.Contains(text, "`"+id+"`") {
			t.Errorf("README.md does not list `%s`", id)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	// Numbers compare as numbers: 60 and 60.0 and "60" are one value here.
	var norm func(any) any
	norm = func(v any) any {
		switch v := v.(type) {
		case int:
			return float64(v)
		case map[string]any:
			out := map[string]any{}
			for k, x := range v {
				out[k] = norm(x)
			}
			return out
		case []any:
			out := make([]any, len(v))
			for i, x := range v {
				out[i] = norm(x)
			}
			return out
		}
		return v
	}
	b, err := json.Marshal(norm(v))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
