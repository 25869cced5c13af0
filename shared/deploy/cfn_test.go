package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// This file holds the test helpers that read the template: running cfn-lint,
// expanding template.yaml into plain CloudFormation with cfn-lint's own
// transforms (scripts/expand-template.py), and resolving the intrinsic
// functions that remain for given parameter values and region.

// repoRoot is where template.yaml, samconfig.toml and checks.yaml live.
const repoRoot = "../.."

// needTool finds a program the template tests run. Under CI=true a missing
// tool fails the test (.ci/run promises cfn-lint); elsewhere it is skipped.
// With args, the program is run once to prove it works (python3 -c "import
// cfnlint"); the answer is remembered for the other tests.
func needTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	key := name + " " + strings.Join(args, " ")
	toolsMu.Lock()
	found, ok := tools[key]
	if !ok {
		found.path, found.err = exec.LookPath(name)
		if found.err == nil && len(args) > 0 {
			if out, err := exec.Command(found.path, args...).CombinedOutput(); err != nil {
				found.err = fmt.Errorf("%s: %v: %s", key, err, out)
			}
		}
		tools[key] = found
	}
	toolsMu.Unlock()
	if found.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("required under CI=true: %v (install cfn-lint: pip install cfn-lint)", found.err)
		}
		t.Skipf("skipped: %v; install cfn-lint (pip install cfn-lint) to run the template tests", found.err)
	}
	return found.path
}

var (
	toolsMu sync.Mutex
	tools   = map[string]struct {
		path string
		err  error
	}{}
)

// tpl is a CloudFormation template decoded from JSON.
type tpl map[string]any

func (t tpl) section(name string) map[string]any {
	m, _ := t[name].(map[string]any)
	return m
}

func (t tpl) resource(name string) map[string]any {
	r, _ := t.section("Resources")[name].(map[string]any)
	return r
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// stacks is what one location's deploy creates, expanded into plain
// CloudFormation: template.yaml, and in the home region the nested alarm
// stacks (area-alarms.yaml) it creates, each with the parameters the parent
// passes it.
type stacks struct {
	parent tpl
	params map[string]any // every template parameter's value: deploy-params, else its Default
	// children are the nested stacks created in the home region, by logical id.
	children map[string]child
}

type child struct {
	template string // path, relative to the repository
	tpl      tpl
	params   map[string]any
}

// expanded is the example checks file's home stack, expanded once per test binary.
var expanded struct {
	once sync.Once
	s    stacks
	err  error
}

// expandExample expands template.yaml with the parameters `lookout
// deploy-params` derives from the example checks file, and the nested stacks
// it creates in the home region.
func expandExample(t *testing.T) (tpl, map[string]any) {
	t.Helper()
	s := exampleStacks(t)
	return s.parent, s.params
}

func exampleStacks(t *testing.T) stacks {
	t.Helper()
	needTool(t, "python3", "-c", "import cfnlint.template.transforms")
	expanded.once.Do(func() {
		expanded.s, expanded.err = expandStacks(t, loadExample(t))
	})
	if expanded.err != nil {
		t.Fatal(expanded.err)
	}
	return expanded.s
}

// expandJob is one template for scripts/expand-template.py --jobs.
type expandJob struct {
	Template   string     `json:"template"`
	Region     string     `json:"region"`
	Parameters []Override `json:"parameters"`
}

// expandTemplates expands templates with cfn-lint's transforms, in one run of
// scripts/expand-template.py (Fn::ForEach needs the parameter values:
// cfn-lint takes them from each parameter's Default, which the script sets).
func expandTemplates(t *testing.T, jobs []expandJob) ([]tpl, error) {
	t.Helper()
	python := needTool(t, "python3", "-c", "import cfnlint.template.transforms")
	js, err := json.Marshal(jobs)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(t.TempDir(), "jobs.json")
	if err := os.WriteFile(file, js, 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(python, "scripts/expand-template.py", "--jobs", file)
	cmd.Dir = repoRoot
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("expand-template.py: %v\n%s", err, stderr.String())
	}
	var docs []tpl
	if err := json.Unmarshal(out, &docs); err != nil {
		return nil, fmt.Errorf("expanded templates: %v", err)
	}
	return docs, nil
}

// paramValues are a template's parameter values: the given ones, else the
// Default; list parameters as []string.
func paramValues(doc tpl, given []Override) map[string]any {
	values := map[string]any{}
	for name, decl := range doc.section("Parameters") {
		if d, ok := decl.(map[string]any)["Default"]; ok {
			values[name] = fmt.Sprint(d)
		}
	}
	for _, o := range given {
		values[o.Key] = o.Value
	}
	for name, decl := range doc.section("Parameters") {
		if decl.(map[string]any)["Type"] == "CommaDelimitedList" {
			if s, ok := values[name].(string); ok {
				values[name] = commaList(s)
			}
		}
	}
	return values
}

// expandStacks expands the home stack of a checks file and its nested stacks.
func expandStacks(t *testing.T, cfg *check.Config) (stacks, error) {
	t.Helper()
	p, err := Params(cfg, "")
	if err != nil {
		return stacks{}, err
	}
	docs, err := expandTemplates(t, []expandJob{{"template.yaml", p.HomeRegion, p.Overrides()}})
	if err != nil {
		return stacks{}, err
	}
	s := stacks{parent: docs[0], params: paramValues(docs[0], p.Overrides()), children: map[string]child{}}
	home := &cfnEval{t: t, tpl: s.parent, params: s.params, region: p.HomeRegion}
	var (
		jobs []expandJob
		ids  []string
	)
	for _, id := range sortedNames(s.parent.section("Resources")) {
		r := s.parent.resource(id)
		if r["Type"] != "AWS::CloudFormation::Stack" || !home.deployed(r) {
			continue
		}
		pr := home.value(props(r)).(map[string]any)
		job := expandJob{Template: pr["TemplateURL"].(string), Region: p.HomeRegion}
		given, _ := pr["Parameters"].(map[string]any)
		for _, k := range sortedNames(given) {
			job.Parameters = append(job.Parameters, Override{k, fmt.Sprint(given[k])})
		}
		jobs, ids = append(jobs, job), append(ids, id)
	}
	if len(jobs) == 0 {
		return s, nil
	}
	kids, err := expandTemplates(t, jobs)
	if err != nil {
		return stacks{}, err
	}
	for i, id := range ids {
		s.children[id] = child{template: jobs[i].Template, tpl: kids[i], params: paramValues(kids[i], jobs[i].Parameters)}
	}
	return s, nil
}

// alarms lists every alarm of the home region's stacks, resolved: the
// parent's and its nested stacks', by logical id (nested ones as
// Stack/Alarm), with the Condition of its declaration.
func (s stacks) alarms(t *testing.T, region string) map[string]resolvedAlarm {
	t.Helper()
	out := map[string]resolvedAlarm{}
	walk := func(prefix string, doc tpl, params map[string]any) {
		e := &cfnEval{t: t, tpl: doc, params: params, region: region}
		for _, id := range sortedNames(doc.section("Resources")) {
			r := doc.resource(id)
			if r["Type"] != "AWS::CloudWatch::Alarm" || !e.deployed(r) {
				continue
			}
			c, _ := r["Condition"].(string)
			out[prefix+id] = resolvedAlarm{Props: e.value(props(r)).(map[string]any), Condition: c}
		}
	}
	walk("", s.parent, s.params)
	for _, id := range sortedNames(anyMap(s.children)) {
		c := s.children[id]
		walk(id+"/", c.tpl, c.params)
	}
	return out
}

type resolvedAlarm struct {
	Props     map[string]any
	Condition string
}

func anyMap[V any](m map[string]V) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// noValue is what AWS::NoValue resolves to; containers drop it.
type noValue struct{}

// cfnEval resolves intrinsic functions for one stack: parameter values and a
// region. Resources resolve to placeholders: Ref X is "<X>", GetAtt X.Y is "<X.Y>".
type cfnEval struct {
	t      *testing.T
	tpl    tpl
	params map[string]any // string, or []string for list parameters
	region string
}

const testAccount = "123456789012"

func (e *cfnEval) ref(name string) any {
	switch name {
	case "AWS::Region":
		return e.region
	case "AWS::AccountId":
		return testAccount
	case "AWS::Partition":
		return "aws"
	case "AWS::URLSuffix":
		return "amazonaws.com"
	case "AWS::StackName":
		return "lookout-test"
	case "AWS::NoValue":
		return noValue{}
	}
	if v, ok := e.params[name]; ok {
		if l, ok := v.([]string); ok {
			out := make([]any, len(l))
			for i, s := range l {
				out[i] = s
			}
			return out
		}
		return v
	}
	if e.tpl.resource(name) != nil {
		return "<" + name + ">"
	}
	e.t.Errorf("Ref %s: no such parameter or resource", name)
	return ""
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

// value resolves every intrinsic function in v.
func (e *cfnEval) value(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			for k, arg := range v {
				if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
					return e.fn(k, arg)
				}
			}
		}
		out := map[string]any{}
		for k, x := range v {
			if r := e.value(x); r != (noValue{}) {
				out[k] = r
			}
		}
		return out
	case []any:
		out := []any{}
		for _, x := range v {
			if r := e.value(x); r != (noValue{}) {
				out = append(out, r)
			}
		}
		return out
	}
	return v
}

func (e *cfnEval) str(v any) string {
	switch r := e.value(v).(type) {
	case string:
		return r
	case float64:
		return strconv.FormatFloat(r, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(r)
	default:
		e.t.Errorf("want a string, got %T %v", r, r)
		return ""
	}
}

func (e *cfnEval) list(v any) []any {
	l, ok := e.value(v).([]any)
	if !ok {
		e.t.Errorf("want a list, got %v", v)
	}
	return l
}

func (e *cfnEval) fn(name string, arg any) any {
	args, _ := arg.([]any)
	switch name {
	case "Ref":
		return e.ref(arg.(string))
	case "Condition":
		return e.cond(arg.(string))
	case "Fn::GetAtt":
		if s, ok := arg.(string); ok {
			return "<" + s + ">"
		}
		return "<" + e.str(args[0]) + "." + e.str(args[1]) + ">"
	case "Fn::Sub":
		var (
			s    string
			vars = map[string]any{}
		)
		if str, ok := arg.(string); ok {
			s = str
		} else {
			s = args[0].(string)
			for k, x := range args[1].(map[string]any) {
				vars[k] = e.str(x)
			}
		}
		return subVar.ReplaceAllStringFunc(s, func(m string) string {
			name := m[2 : len(m)-1]
			if strings.HasPrefix(name, "!") {
				return "${" + name[1:] + "}"
			}
			if v, ok := vars[name]; ok {
				return v.(string)
			}
			if res, attr, ok := strings.Cut(name, "."); ok && e.tpl.resource(res) != nil {
				return "<" + res + "." + attr + ">"
			}
			return e.str(map[string]any{"Ref": name})
		})
	case "Fn::Join":
		var parts []string
		for _, x := range e.list(args[1]) {
			parts = append(parts, e.str(x))
		}
		return strings.Join(parts, args[0].(string))
	case "Fn::Split":
		var out []any
		for _, s := range strings.Split(e.str(args[1]), args[0].(string)) {
			out = append(out, s)
		}
		return out
	case "Fn::Select":
		i, _ := strconv.Atoi(e.str(args[0]))
		return e.list(args[1])[i]
	case "Fn::If":
		if e.cond(args[0].(string)) {
			return e.value(args[1])
		}
		return e.value(args[2])
	case "Fn::Equals":
		return e.str(args[0]) == e.str(args[1])
	case "Fn::Not":
		return !e.value(args[0]).(bool)
	case "Fn::And", "Fn::Or":
		and := name == "Fn::And"
		for _, c := range args {
			if e.value(c).(bool) != and {
				return !and
			}
		}
		return and
	}
	e.t.Errorf("intrinsic %s is not understood by the test evaluator", name)
	return noValue{}
}

// cond evaluates a named condition of the template.
func (e *cfnEval) cond(name string) bool {
	c, ok := e.tpl.section("Conditions")[name]
	if !ok {
		e.t.Errorf("no condition %s", name)
		return false
	}
	b, _ := e.value(c).(bool)
	return b
}

// deployed reports whether a resource (or output) with this declaration is
// created in the evaluator's stack.
func (e *cfnEval) deployed(r map[string]any) bool {
	c, ok := r["Condition"].(string)
	return !ok || e.cond(c)
}

// num reads a number given as a JSON number or a numeric string (a Ref to a
// Number parameter is a string).
func num(t *testing.T, v any) float64 {
	t.Helper()
	switch v := v.(type) {
	case float64:
		return v
	case string:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Errorf("not a number: %q", v)
		}
		return f
	}
	t.Errorf("not a number: %T %v", v, v)
	return 0
}

// stringsOf turns a resolved list (or single string) into strings.
func stringsOf(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

// withParams returns a copy of the parameter values with some changed.
func withParams(base map[string]any, changes map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range changes {
		out[k] = v
	}
	return out
}

// sortedNames lists a section's keys in order.
func sortedNames(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
