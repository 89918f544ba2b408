package config

import (
	"os"
	"strings"
	"testing"
)

// TestReferenceMentionsEverything keeps schema/language.md honest: every
// block and attribute the decoders accept, and every function, appears in
// the language reference as `code`.
func TestReferenceMentionsEverything(t *testing.T) {
	data, err := os.ReadFile("../../schema/language.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for block, names := range SchemaNames() {
		if block != "" && !strings.Contains(doc, "`"+block) {
			t.Errorf("schema/language.md does not mention the block %q", block)
		}
		for _, n := range names {
			if !strings.Contains(doc, "`"+n) {
				t.Errorf("schema/language.md does not mention %q of %q", n, block)
			}
		}
	}
	for _, f := range FunctionNames() {
		if !strings.Contains(doc, "`"+f+"`") {
			t.Errorf("schema/language.md does not list the function %q", f)
		}
	}
	for _, rule := range []string{"internal_domains", "min_owners", "external_expiry", "max_grant_days", "require_ticket", "external_forbidden", "max_removals", "directory", "sponsor_required"} {
		if !strings.Contains(doc, "### "+rule) {
			t.Errorf("schema/language.md has no section for the policy rule %s", rule)
		}
	}
}
