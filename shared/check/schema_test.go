package check_test

import (
	"github.com/lookout-monitoring/lookout/shared/golden"

	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/lookout-monitoring/lookout/shared/check"
)

const schemaFile = "../../checks.schema.json"

// TestSchemaInSync fails when checks.schema.json differs from the schema the
// Go types produce; refresh it with -update.
func TestSchemaInSync(t *testing.T) {
	got, err := check.Schema()
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, schemaFile, append(got, '\n'))
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(check.SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(check.SchemaID)
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	return s
}

func yamlAsJSON(t *testing.T, file string) any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	// Round-trip through encoding/json so numbers and maps take JSON's shapes.
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSchemaAgreesWithLoader: files the loader accepts pass the schema, and
// files that are wrong in shape (not in cross-field rules) fail it.
func TestSchemaAgreesWithLoader(t *testing.T) {
	s := compileSchema(t)
	for _, f := range []string{"../../checks.yaml", "testdata/valid-minimal.yaml", "testdata/valid-maintenance.yaml"} {
		if err := s.Validate(yamlAsJSON(t, f)); err != nil {
			t.Errorf("%s: loader accepts it but schema rejects it: %v", f, err)
		}
	}
	shapeErrors, _ := filepath.Glob("testdata/invalid-*.yaml")
	for _, f := range shapeErrors {
		name := filepath.Base(f)
		// These break rules that need more than one field or outside knowledge.
		if strings.Contains(name, "syntax") || strings.Contains(name, "empty") || strings.Contains(name, "references") ||
			strings.Contains(name, "literal") || strings.Contains(name, "timing") || strings.Contains(name, "control") ||
			strings.Contains(name, "alerting") || strings.Contains(name, "url") || strings.Contains(name, "area-id") ||
			strings.Contains(name, "assertions") || strings.Contains(name, "memory") ||
			strings.Contains(name, "maintenance-cron") || strings.Contains(name, "maintenance-overlap") {
			continue
		}
		if err := s.Validate(yamlAsJSON(t, f)); err == nil {
			t.Errorf("%s: schema accepts a file the loader rejects for its shape", f)
		}
	}
}
