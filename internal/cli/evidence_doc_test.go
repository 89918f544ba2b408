package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/testtool"
)

// TestEvidenceDocProcedure follows schema/evidence.md literally: it
// exports the evidence as the document says and runs the document's own
// shell loop with jq and sha256sum, which must reach the head hash that
// roster reports. Skipped where jq is not installed.
func TestEvidenceDocProcedure(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (follows schema/evidence.md with jq): skipped under -short; make test runs it")
	}
	for _, tool := range [][2]string{{"bash", "bash"}, {"jq", "jq"}, {"sha256sum", "coreutils"}} {
		testtool.Need(t, tool[0], tool[1])
	}
	doc, err := os.ReadFile("../../schema/evidence.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	start := strings.Index(text, "prev=\"\"; n=0")
	end := strings.Index(text, "echo \"checked $n records, head $prev\"")
	if start < 0 || end < start {
		t.Fatal("schema/evidence.md no longer holds the chain-checking loop")
	}
	loop := text[start : end+len("echo \"checked $n records, head $prev\"")]

	t.Setenv("ROSTER_ACTOR", "auditor-test")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(schemaConfig), 0o644)
	g := []string{"--chdir", dir, "--now", "2026-12-01"}
	runCLI(t, 0, append([]string{"apply", "--auto-approve"}, g...)...)
	runCLI(t, 0, append([]string{"evidence", "export", "--format", "jsonl", "--out", filepath.Join(dir, "evidence.jsonl")}, g...)...)
	verify := string(runCLI(t, 0, append([]string{"evidence", "verify"}, g...)...))
	head := strings.TrimSuffix(strings.TrimSpace(verify[strings.LastIndex(verify, " ")+1:]), ".")

	cmd := exec.Command("bash", "-c", loop)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the documented procedure failed: %v\n%s", err, out)
	}
	if want := "checked 4 records, head " + head; strings.TrimSpace(string(out)) != want {
		t.Errorf("the documented procedure printed %q, want %q", out, want)
	}

	// The same procedure catches an edited record.
	data, _ := os.ReadFile(filepath.Join(dir, "evidence.jsonl"))
	os.WriteFile(filepath.Join(dir, "evidence.jsonl"), []byte(strings.Replace(string(data), `"actor":"auditor-test"`, `"actor":"somebody-else"`, 1)), 0o644)
	again := exec.Command("bash", "-c", loop)
	again.Dir = dir
	out, _ = again.CombinedOutput()
	if !strings.Contains(string(out), "record 1: altered") {
		t.Errorf("an edited record was not caught: %s", out)
	}

	// And a record that names a member twice (cli.md "Evidence, version
	// 2": it must fail even where the hash matches). jq keeps the last
	// value, so its hash is the genuine one: only the canonical-form
	// check catches it.
	os.WriteFile(filepath.Join(dir, "evidence.jsonl"), []byte(strings.Replace(string(data), `"actor":"auditor-test"`, `"actor":"mallory","actor":"auditor-test"`, 1)), 0o644)
	dup := exec.Command("bash", "-c", loop)
	dup.Dir = dir
	out, _ = dup.CombinedOutput()
	if !strings.Contains(string(out), "record 1: not canonical") {
		t.Errorf("a record naming a member twice was not caught: %s", out)
	}
}
