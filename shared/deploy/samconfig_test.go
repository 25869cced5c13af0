package deploy

import (
	"encoding/json"
	"os/exec"
	"testing"
)

// readSamconfig reads samconfig.toml with a real TOML parser (Python's tomllib).
func readSamconfig(t *testing.T) map[string]any {
	t.Helper()
	python := needTool(t, "python3", "-c", "import tomllib")
	cmd := exec.Command(python, "-c", "import json, sys, tomllib; json.dump(tomllib.load(open(sys.argv[1], 'rb')), sys.stdout)", "samconfig.toml")
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("read samconfig.toml: %v", err)
	}
	var conf map[string]any
	if err := json.Unmarshal(out, &conf); err != nil {
		t.Fatal(err)
	}
	return conf
}

// samParameters is what SAM CLI's SamConfig.get_all reads for one command of
// one env (samcli/lib/config/samconfig.py): [<env>.global.parameters]
// overlaid with [<env>.<command>.parameters], and nothing of any other env.
func samParameters(conf map[string]any, env, command string) map[string]any {
	out := map[string]any{}
	e, _ := conf[env].(map[string]any)
	for _, section := range []string{"global", command} {
		s, _ := e[section].(map[string]any)
		p, _ := s["parameters"].(map[string]any)
		for k, v := range p {
			out[k] = v
		}
	}
	return out
}

// samCommands are the SAM CLI commands that take --language-extensions (SAM
// CLI 1.164: build, deploy, package, sync, validate and the local commands),
// as samconfig.toml names them.
var samCommands = []string{"build", "package", "deploy", "validate", "sync", "local_invoke", "local_start_api", "local_start_lambda"}

// From SAM CLI 1.161 Fn::ForEach is expanded locally only when
// language_extensions is on for the command and env being run; every command
// of every env (default too: `make deploy` builds with it) must turn it on, or
// samtranslator fails on the template's Fn::ForEach.
func TestSamconfigTurnsOnLanguageExtensionsForEveryCommandOfEveryEnv(t *testing.T) {
	conf := readSamconfig(t)
	stacks, err := Plan(loadExample(t))
	if err != nil {
		t.Fatal(err)
	}
	envs := []string{"default"}
	for _, s := range stacks {
		envs = append(envs, s.ConfigEnv)
	}
	for _, env := range envs {
		for _, command := range samCommands {
			p := samParameters(conf, env, command)
			if p["language_extensions"] != true {
				t.Errorf("sam %s --config-env %s: language_extensions = %v, want true", command, env, p["language_extensions"])
			}
		}
		// `sam validate` without --lint translates the template itself: it
		// needs AWS credentials and every parameter (Fn::ForEach), which
		// nothing passes it. cfn-lint needs neither.
		if p := samParameters(conf, env, "validate"); p["lint"] != true {
			t.Errorf("sam validate --config-env %s: lint = %v, want true", env, p["lint"])
		}
	}
	for _, s := range stacks {
		for _, command := range samCommands {
			if r := samParameters(conf, s.ConfigEnv, command)["region"]; r != s.Region {
				t.Errorf("sam %s --config-env %s: region %v, want %s", command, s.ConfigEnv, r, s.Region)
			}
		}
	}
}

// The reader above is SAM CLI's: it must not see the default env's values
// from another env, or the test would pass for the samconfig that failed.
func TestSamParametersReadOnlyTheEnvsOwnSections(t *testing.T) {
	conf := map[string]any{
		"default": map[string]any{"build": map[string]any{"parameters": map[string]any{"language_extensions": true}}},
		"london": map[string]any{
			"global":   map[string]any{"parameters": map[string]any{"region": "eu-west-2", "lint": false}},
			"validate": map[string]any{"parameters": map[string]any{"lint": true}},
		},
	}
	if p := samParameters(conf, "london", "build"); p["language_extensions"] != nil {
		t.Errorf("london build sees default's values: %v", p)
	}
	if p := samParameters(conf, "london", "validate"); p["lint"] != true || p["region"] != "eu-west-2" {
		t.Errorf("london validate = %v, want the command's lint over the global one, and the global region", p)
	}
	if got := samParameters(conf, "default", "deploy"); len(got) != 0 {
		t.Errorf("default deploy = %v, want nothing", got)
	}
}
