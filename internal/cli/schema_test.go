package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/schematest"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

const schemaConfig = `
team "acme" {
  platform = "plausible"
}

site "mysite.com" {
  team        = "acme"
  environment = "production"
}

member "alice@acme.com" {
  team   = "acme"
  role   = "owner"
  ticket = "IAM-1"
}

guest "jane@agency.com" {
  team    = "acme"
  ticket  = "IAM-2"
  expires = "2027-06-01"

  grant "mysite.com" { role = "viewer" }
}

policy {
  internal_domains = ["acme.com"]
}
`

// runCLI runs roster in-process and returns stdout, failing on a status
// other than want.
func runCLI(t *testing.T, want int, args ...string) []byte {
	t.Helper()
	var out, errb bytes.Buffer
	if code := Run(args, strings.NewReader(""), &out, &errb); code != want {
		t.Fatalf("roster %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, errb.String())
	}
	return out.Bytes()
}

func validateJSON(t *testing.T, sch *jsonschema.Schema, what string, data []byte) {
	t.Helper()
	if err := sch.Validate(schematest.Instance(t, data)); err != nil {
		t.Errorf("%s does not match its schema: %v\n%s", what, err, data)
	}
}

// TestJSONOutputsMatchSchemas runs every command that prints JSON on a real
// configuration and state, and validates the output against schema/.
func TestJSONOutputsMatchSchemas(t *testing.T) {
	t.Setenv("ROSTER_ACTOR", "tester")
	t.Setenv("GITHUB_SHA", "")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(schemaConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "main.hcl"), []byte("team \"acme\" {\n  platform = \"nope\"\n}\n"), 0o644)
	g := []string{"--chdir", dir, "--now", "2026-12-01"}
	with := func(args ...string) []string { return append(append([]string{}, args...), g...) }

	validateJSON(t, schematest.Compile(t, "validate.schema.json"), "validate --json (valid)", runCLI(t, 0, with("validate", "--json")...))
	validateJSON(t, schematest.Compile(t, "validate.schema.json"), "validate --json (invalid)", runCLI(t, 1, "validate", "--json", "--chdir", bad))
	validateJSON(t, schematest.Compile(t, "plan.schema.json"), "plan --format json", runCLI(t, 0, with("plan", "--format", "json")...))
	validateJSON(t, schematest.Compile(t, "state.schema.json"), "show --json (empty)", runCLI(t, 0, with("show", "--json")...))
	validateJSON(t, schematest.Compile(t, "history.schema.json"), "history --json (empty)", runCLI(t, 0, with("history", "--json")...))
	runCLI(t, 0, with("apply", "--auto-approve")...)
	validateJSON(t, schematest.Compile(t, "state.schema.json"), "show --json", runCLI(t, 0, with("show", "--json")...))
	validateJSON(t, schematest.Compile(t, "history.schema.json"), "history --json", runCLI(t, 0, with("history", "--json")...))
	validateJSON(t, schematest.Compile(t, "platforms.schema.json"), "platforms --json", runCLI(t, 0, "platforms", "--json"))
	validateJSON(t, schematest.Compile(t, "platforms.schema.json"), "platforms show --json", runCLI(t, 0, "platforms", "show", "piwikpro", "--json"))
	validateJSON(t, schematest.Compile(t, "review.schema.json"), "review --format json", runCLI(t, 0, with("review", "--format", "json")...))
	validateJSON(t, schematest.Compile(t, "access.schema.json"), "access --json", runCLI(t, 0, with("access", "jane@agency.com", "--json")...))
	validateJSON(t, schematest.Compile(t, "who-can.schema.json"), "who-can --json", runCLI(t, 0, with("who-can", "view_reports", "--json")...))

	rec := schematest.Compile(t, "evidence.schema.json")
	lines := bytes.Split(bytes.TrimSpace(runCLI(t, 0, with("evidence", "export", "--format", "jsonl")...)), []byte("\n"))
	if len(lines) != 4 {
		t.Fatalf("got %d evidence records, want 4", len(lines))
	}
	for i, l := range lines {
		validateJSON(t, rec, "evidence record "+string(rune('1'+i)), l)
	}
}
