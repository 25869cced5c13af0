package check

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds a checks file; a larger one is surely a mistake.
const MaxFileSize = 4 << 20

// Load reads, decodes, defaults and validates a checks file. Every problem is
// reported (as Errors), each as "file:line: field: what is wrong".
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checks file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("checks file %s: %w", path, err)
	}
	return Parse(path, data)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse is Load for bytes already read; file names the source in messages.
func Parse(file string, data []byte) (*Config, error) {
	if len(data) > MaxFileSize {
		return nil, Errors{{File: file, Err: newProblem(ErrInvalid, "larger than %d bytes", MaxFileSize)}}
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{File: file, Err: newProblem(ErrRequired, "the file is empty")}}
		}
		return nil, Errors{syntaxError(file, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, Errors{{File: file, Line: extra.Line, Err: newProblem(ErrSyntax, "more than one YAML document; a checks file holds one")}}
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	c := &Config{File: file}
	d := &decoder{file: file, lines: map[string]int{}}
	d.decode(doc, reflect.ValueOf(c).Elem(), "")
	c.lines = d.lines
	c.regions = mappingKeys(doc, "locations")
	if len(d.errs) > 0 {
		return nil, d.errs.sorted()
	}
	c.applyDefaults()
	if errs := c.validate(); len(errs) > 0 {
		return nil, errs.sorted()
	}
	return c, nil
}

func syntaxError(file string, err error) *FieldError {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &FieldError{File: file, Line: line, Err: newProblem(ErrSyntax, "%s", m[2])}
	}
	return &FieldError{File: file, Err: newProblem(ErrSyntax, "%s", cleanYAMLError(err))}
}

// Line returns the line of a field path such as "areas[2].steps[0].url", or 0.
func (c *Config) Line(path string) int { return c.lineOf(path) }

// mappingKeys returns the keys of the mapping at root[field], in file order.
func mappingKeys(root *yaml.Node, field string) []string {
	if root.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != field {
			continue
		}
		m := root.Content[i+1]
		if m.Kind == yaml.AliasNode && m.Alias != nil {
			m = m.Alias
		}
		if m.Kind != yaml.MappingNode {
			return nil
		}
		keys := make([]string, 0, len(m.Content)/2)
		for j := 0; j+1 < len(m.Content); j += 2 {
			keys = append(keys, m.Content[j].Value)
		}
		return keys
	}
	return nil
}
