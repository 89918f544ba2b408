// Package schematest compiles the JSON Schemas in schema/ (the published
// shapes of roster's JSON outputs) for tests, with a validator written by
// others (github.com/santhosh-tekuri/jsonschema, draft 2020-12, formats
// asserted), so that roster's JSON is checked against the schema and not
// against its own reading of it. It is for tests only.
package schematest

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/roster-dev/roster/internal/testtool"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Compile compiles schema/FILE of the module the test runs in; the test
// stops when it does not compile.
func Compile(t testing.TB, file string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	sch, err := c.Compile(filepath.Join(testtool.ModuleRoot(t), "schema", file))
	if err != nil {
		t.Fatalf("schema %s does not compile: %v", file, err)
	}
	return sch
}

// Instance is JSON as the validator reads it; the test stops when b is
// not JSON.
func Instance(t testing.TB, b []byte) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return v
}
