package check

import (
	"encoding/json"
	"strings"
	"time"

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

// JSONSchemaExtend adds the id, time and zone patterns.
func (Maintenance) JSONSchemaExtend(s *jsonschema.Schema) {
	for name, pattern := range map[string]string{"id": areaPattern.String(), "start": whenPattern.String(),
		"end": whenPattern.String(), "time_zone": zonePattern.String()} {
		if p, ok := s.Properties.Get(name); ok {
			p.Pattern = pattern
		}
	}
	if p, ok := s.Properties.Get("areas"); ok && p.Items != nil {
		p.Items.Pattern = areaPattern.String()
	}
}

// JSONSchemaExtend adds the day names and the time of day's pattern.
func (Every) JSONSchemaExtend(s *jsonschema.Schema) {
	if p, ok := s.Properties.Get("days"); ok && p.Items != nil {
		p.Items.Pattern = dayPattern()
	}
	if p, ok := s.Properties.Get("at"); ok {
		p.Pattern = clockPattern.String()
	}
}

// dayPattern matches a day name as weekday reads it, in any case, in the
// regular expressions editors run (which have no case-insensitive flag).
func dayPattern() string {
	alts := make([]string, 0, 7)
	for d := time.Sunday; d <= time.Saturday; d++ {
		var b strings.Builder
		name := strings.ToLower(d.String())
		for i, r := range name {
			if i == 3 {
				b.WriteString("(")
			}
			b.WriteString("[" + strings.ToUpper(string(r)) + string(r) + "]")
		}
		b.WriteString(")?")
		alts = append(alts, b.String())
	}
	return "^(" + strings.Join(alts, "|") + ")$"
}
