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

// expanded is template.yaml expanded once per test binary for the example
// checks file's home stack.
var expanded struct {
	once   sync.Once
	tpl    tpl
	params map[string]any // every template parameter's value: deploy-params, else its Default
	err    error
}

// expandExample expands template.yaml with the parameters `lookout
// deploy-params` derives from the example checks file (Fn::ForEach needs the
// values: cfn-lint takes them from each parameter's Default, which the script
// sets from the JSON parameter list).
func expandExample(t *testing.T) (tpl, map[string]any) {
	t.Helper()
	python := needTool(t, "python3", "-c", "import cfnlint.template.transforms")
	expanded.once.Do(func() {
		p, err := Params(loadExample(t), "")
		if err != nil {
			expanded.err = err
			return
		}
		js, err := p.JSON()
		if err != nil {
			expanded.err = err
			return
		}
		dir, err := os.MkdirTemp("", "lookout-template")
		if err != nil {
			expanded.err = err
			return
		}
		defer os.RemoveAll(dir)
		file := filepath.Join(dir, "params.json")
		if err := os.WriteFile(file, js, 0o644); err != nil {
			expanded.err = err
			return
		}
		cmd := exec.Command(python, "scripts/expand-template.py", "--region", p.HomeRegion, "--parameters", file, "template.yaml")
		cmd.Dir = repoRoot
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			expanded.err = fmt.Errorf("expand-template.py: %v\n%s", err, stderr.String())
			return
		}
		var doc tpl
		if err := json.Unmarshal(out, &doc); err != nil {
			expanded.err = fmt.Errorf("expanded template: %v", err)
			return
		}
		values := map[string]any{}
		for name, decl := range doc.section("Parameters") {
			if d, ok := decl.(map[string]any)["Default"]; ok {
				values[name] = fmt.Sprint(d)
			}
		}
		for _, o := range p.Overrides() {
			values[o.Key] = o.Value
		}
		for name, decl := range doc.section("Parameters") {
			if decl.(map[string]any)["Type"] == "CommaDelimitedList" {
				if s, ok := values[name].(string); ok {
					values[name] = commaList(s)
				}
			}
		}
		expanded.tpl, expanded.params = doc, values
	})
	if expanded.err != nil {
		t.Fatal(expanded.err)
	}
	return expanded.tpl, expanded.params
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
