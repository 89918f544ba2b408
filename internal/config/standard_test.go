package config

import (
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/diagtest"
)

// schemaWords are the attribute and block names of the language, the
// words a diagnostic's detail may begin with uncapitalised.
func schemaWords() map[string]bool {
	out := map[string]bool{}
	for _, names := range SchemaNames() {
		for _, n := range names {
			out[n] = true
		}
	}
	return out
}

// TestDiagnosticStandard: every diagnostic of every invalid case has a
// tight Subject in a file, a short summary and a full-sentence detail
// (the rules of internal/diagtest).
func TestDiagnosticStandard(t *testing.T) {
	words := schemaWords()
	for _, c := range cases(t, "testdata/invalid") {
		t.Run(c.name, func(t *testing.T) {
			checkStandard(t, &diagtest.Checker{Files: c.files(t), Words: words}, c.load(t).Diags)
		})
	}
}

func checkStandard(t *testing.T, c *diagtest.Checker, diags hcl.Diagnostics) {
	t.Helper()
	for _, d := range diags {
		for _, p := range c.Problems(d) {
			t.Errorf("%s: %s", diagText(d), p)
		}
	}
}
