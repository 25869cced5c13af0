package deploy

import (
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// lookout validate computes a round's memory against the probe function's:
// the template gives the function the MemorySize and the Go memory limit
// that computation assumes.
func TestProbeFunctionMemoryIsWhatValidateAssumes(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources struct {
			ProbeFunction struct {
				Properties struct {
					MemorySize  int `yaml:"MemorySize"`
					Environment struct {
						Variables map[string]yaml.Node `yaml:"Variables"`
					} `yaml:"Environment"`
				} `yaml:"Properties"`
			} `yaml:"ProbeFunction"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	p := doc.Resources.ProbeFunction.Properties
	if want := int(check.ProbeFunctionMemory >> 20); p.MemorySize != want {
		t.Errorf("ProbeFunction MemorySize = %d, want %d (check.ProbeFunctionMemory)", p.MemorySize, want)
	}
	if got, want := p.Environment.Variables["GOMEMLIMIT"].Value, check.ProbeMemoryLimit.String(); got != want {
		t.Errorf("ProbeFunction GOMEMLIMIT = %q, want %q (check.ProbeMemoryLimit)", got, want)
	}
	if !(check.RoundMemoryBudget < check.ProbeMemoryLimit && check.ProbeMemoryLimit < check.ProbeFunctionMemory) {
		t.Errorf("want RoundMemoryBudget %s < ProbeMemoryLimit %s < ProbeFunctionMemory %s",
			check.RoundMemoryBudget, check.ProbeMemoryLimit, check.ProbeFunctionMemory)
	}
}
