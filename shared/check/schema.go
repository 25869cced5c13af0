package check

import (
	"encoding/json"

	"github.com/invopop/jsonschema"
)

// SchemaID is the $id of the checks file's JSON Schema.
const SchemaID = "https://lookout.dev/schemas/checks.schema.json"

// Schema returns the JSON Schema of the checks file, generated from the Go
// types so the two cannot drift; checks.schema.json at the root is this output
// (a test keeps it in sync).
func Schema() ([]byte, error) {
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		ExpandedStruct:             true,
		Anonymous:                  true,
	}
	s := r.Reflect(&Config{})
	s.ID = SchemaID
	s.Title = "Lookout checks file"
	return json.MarshalIndent(s, "", "  ")
}

// JSONSchemaExtend adds the rules struct tags cannot hold.
func (Config) JSONSchemaExtend(s *jsonschema.Schema) {
	if p, ok := s.Properties.Get("app"); ok {
		p.Pattern = appPattern.String()
	}
	if p, ok := s.Properties.Get("home_region"); ok {
		p.Pattern = regionPattern.String()
	}
	if p, ok := s.Properties.Get("locations"); ok {
		p.PropertyNames = &jsonschema.Schema{Pattern: regionPattern.String()}
		p.AdditionalProperties = &jsonschema.Schema{Type: "string", Pattern: labelPattern.String()}
	}
}

// JSONSchemaExtend adds the id pattern.
func (Area) JSONSchemaExtend(s *jsonschema.Schema) {
	if p, ok := s.Properties.Get("id"); ok {
		p.Pattern = areaPattern.String()
	}
}

// JSONSchemaExtend adds the header-name rule and capture-name pattern.
func (Step) JSONSchemaExtend(s *jsonschema.Schema) {
	if p, ok := s.Properties.Get("headers"); ok {
		p.PropertyNames = &jsonschema.Schema{Pattern: headerPattern.String()}
	}
	if p, ok := s.Properties.Get("capture"); ok {
		p.PropertyNames = &jsonschema.Schema{Pattern: varNamePattern.String()}
	}
}
