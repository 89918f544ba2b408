package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/go-json-experiment/json"
	"github.com/roster-dev/roster/internal/schematest"
)

// The plan's JSON and markdown carry what the text plan says on stderr (the
// warnings, as diagnostics) and which changes will be manual steps (cli.md,
// "Command line, version 2 additions"); the JSON still matches its schema.
func TestPlanSaysEverything(t *testing.T) {
	t.Setenv("ROSTER_ACTOR", "tester")
	dir := t.TempDir()
	cfg := `
team "acme" {
  platform = "plausible"
}

site "mysite.com" {
  team = "acme"
}

member "alice@acme.com" {
  team = "acme"
  role = "owner"
}

member "bob@acme.com" {
  team = "acme"
  role = "owner"
}

policy {
  max_removals = 5
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	g := []string{"--chdir", dir, "--now", "2026-12-01", "--state", filepath.Join(dir, "s.db")}
	with := func(args ...string) []string { return append(append([]string{}, args...), g...) }

	const warning = "Policy internal_domains is not set"
	md := string(runCLI(t, 0, with("plan", "--format", "markdown")...))
	if !strings.Contains(md, "#### Warnings and notes") || !strings.Contains(md, "- **warning** `main.hcl:") || !strings.Contains(md, `Policy internal\_domains is not set`) {
		t.Errorf("the markdown plan does not show the warning %q:\n%s", warning, md)
	}
	if !strings.Contains(md, "#### Manual steps this plan makes") || !strings.Contains(md, "`member/acme/bob@acme.com` (create)") {
		t.Errorf("the markdown plan does not list the manual steps it makes:\n%s", md)
	}

	out := runCLI(t, 0, with("plan", "--format", "json")...)
	validateJSON(t, schematest.Compile(t, "plan.schema.json"), "plan --format json", out)
	var doc struct {
		Diagnostics []struct {
			Severity string `json:"severity"`
			Summary  string `json:"summary"`
			Range    *struct {
				Filename string `json:"filename"`
			} `json:"range"`
		} `json:"diagnostics"`
		Manual []struct {
			Address string `json:"address"`
			Change  string `json:"change"`
			Planned bool   `json:"planned"`
		} `json:"manual"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range doc.Diagnostics {
		if d.Severity == "warning" && d.Summary == warning && d.Range != nil && d.Range.Filename == "main.hcl" {
			found = true
		}
	}
	if !found {
		t.Errorf("diagnostics lack the warning %q with its range: %+v", warning, doc.Diagnostics)
	}
	// Offline: both members are steps; the team and the site are not.
	var planned []string
	for _, m := range doc.Manual {
		if m.Planned && m.Change == "create" {
			planned = append(planned, m.Address)
		}
	}
	if want := []string{"member/acme/alice@acme.com", "member/acme/bob@acme.com"}; strings.Join(planned, " ") != strings.Join(want, " ") {
		t.Errorf("manual lists the planned steps %v, want %v", planned, want)
	}

	// Applied, they are open steps, no longer planned ones.
	runCLI(t, 0, with("apply", "--auto-approve")...)
	out = runCLI(t, 0, with("plan", "--format", "json")...)
	validateJSON(t, schematest.Compile(t, "plan.schema.json"), "plan --format json after apply", out)
	doc.Manual = nil
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Manual) != 2 || doc.Manual[0].Planned || doc.Manual[0].Change != "create" {
		t.Errorf("after apply, manual = %+v, want the 2 open steps", doc.Manual)
	}
}
