package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/roster-dev/roster/internal/schematest"
)

// TestStateEditsMatchSchemas: the history and evidence of roster state mv
// and state rm (actions move and forget) match schema/.
func TestStateEditsMatchSchemas(t *testing.T) {
	t.Setenv("ROSTER_ACTOR", "tester")
	t.Setenv("GITHUB_SHA", "")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(schemaConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	g := []string{"--chdir", dir, "--now", "2026-12-01"}
	with := func(args ...string) []string { return append(append([]string{}, args...), g...) }
	runCLI(t, 0, with("apply", "--auto-approve")...)
	runCLI(t, 0, with("state", "mv", "site/acme/mysite.com", "site/acme/shop.com")...)
	runCLI(t, 0, with("state", "rm", "member/acme/alice@acme.com")...)
	validateJSON(t, schematest.Compile(t, "history.schema.json"), "history --json", runCLI(t, 0, with("history", "--json")...))
	validateJSON(t, schematest.Compile(t, "state.schema.json"), "show --json", runCLI(t, 0, with("show", "--json")...))
	rec := schematest.Compile(t, "evidence.schema.json")
	out := runCLI(t, 0, with("evidence", "export", "--format", "jsonl")...)
	var moves, forgets int
	for i, l := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		validateJSON(t, rec, "evidence record "+string(rune('1'+i)), l)
		moves += bytes.Count(l, []byte(`"action":"move"`))
		forgets += bytes.Count(l, []byte(`"action":"forget"`))
	}
	if moves != 1 || forgets == 0 {
		t.Errorf("%d move and %d forget records, want 1 and some:\n%s", moves, forgets, out)
	}
}
