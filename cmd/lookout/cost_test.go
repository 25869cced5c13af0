package main

import (
	"context"
	"encoding/json"
	"testing"
)

func TestCostGolden(t *testing.T) {
	code, out, errOut := runMain(t, context.Background(), "cost", "-f", "../../checks.yaml")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	assertGolden(t, "cost.golden", out)

	code, out, _ = runMain(t, context.Background(), "cost", "-f", "../../checks.yaml", "--rate", "5m", "--json")
	if code != exitOK {
		t.Fatalf("json: exit %d", code)
	}
	var v struct {
		Total  float64
		Rounds float64
		Rate   string `json:"rate"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Rounds != 8760 || v.Total <= 0 || v.Rate != "5m0s" {
		t.Errorf("json: %v %+v", err, v)
	}
	for _, bad := range [][]string{{"cost", "--rate", "30s"}, {"cost", "--memory-mb", "64"}, {"cost", "-f", "nope.yaml"}} {
		if code, _, _ := runMain(t, context.Background(), bad...); code != exitUsage {
			t.Errorf("%v: exit %d", bad, code)
		}
	}
}
