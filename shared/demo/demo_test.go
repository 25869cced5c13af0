package demo_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/demo"
)

func TestFloodScenario(t *testing.T) {
	cfg, err := check.Load("../../checks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var v demo.View = &demo.Terminal{W: os.Stdout}
	if !testing.Verbose() {
		v = nil
	}
	s, err := demo.Run(context.Background(), demo.Options{Config: cfg, Fast: true, View: v,
		Start: time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", s)
}
