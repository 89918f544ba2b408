package schematest

import "testing"

// TestCompile: a schema of schema/ compiles from a package's directory,
// and what it validates is held to it.
func TestCompile(t *testing.T) {
	sch := Compile(t, "plan.schema.json")
	if err := sch.Validate(Instance(t, []byte(`{"format_version": "1"}`))); err == nil {
		t.Error("a plan without its required members matched plan.schema.json")
	}
}
