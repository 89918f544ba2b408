package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/state/boltstore"
)

const pendingConfig = `team "acme" {
  platform = "plausible"
}

site "mysite.com" {
  team = "acme"
}
`

const pendingSheet = "email,site,role\nann@acme.com,mysite.com,viewer\nbob@acme.com,,admin\n"

// A pending file whose commit the state holds (the import was killed
// between its commit and putting the file into place) is finished by the
// next import; one whose commit never happened is forgotten and the
// import runs afresh.
func TestImportFinishesPending(t *testing.T) {
	t.Setenv("ROSTER_ACTOR", "importer")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(pendingConfig), 0o644)
	os.WriteFile(filepath.Join(dir, "sheet.csv"), []byte(pendingSheet), 0o644)
	statePath := filepath.Join(dir, "state.db")
	args := []string{"import", "acme", "--csv", filepath.Join(dir, "sheet.csv"), "--chdir", dir, "--state", statePath, "--now", "2026-12-01"}
	runCLI(t, 0, args...)
	out := filepath.Join(dir, "imported_acme.hcl")
	src, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pendingPath(out)); err == nil {
		t.Fatal("a finished import left its pending file")
	}

	// Make it look killed after its commit.
	st, err := boltstore.Open(statePath)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := st.History(context.Background())
	st.Close()
	if err != nil || len(hist) == 0 {
		t.Fatalf("history: %v %v", hist, err)
	}
	h := hist[len(hist)-1]
	os.Remove(out)
	if err := writePending(out, &pendingImport{serial: h.Serial, time: h.Time, actor: h.Actor, changes: 3, src: src}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(args...)
	if code != 0 || !strings.Contains(stdout, "Finished an import that was interrupted") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if got, _ := os.ReadFile(out); string(got) != string(src) {
		t.Fatalf("the finished file differs:\n%s", got)
	}
	if _, err := os.Stat(pendingPath(out)); err == nil {
		t.Fatal("the pending file was kept")
	}
	runCLI(t, 0, "plan", "--detailed-exitcode", "--chdir", dir, "--state", statePath, "--now", "2026-12-01")

	// Killed before its commit: forgotten, and the import runs.
	dir2 := t.TempDir()
	os.WriteFile(filepath.Join(dir2, "main.hcl"), []byte(pendingConfig), 0o644)
	os.WriteFile(filepath.Join(dir2, "sheet.csv"), []byte(pendingSheet), 0o644)
	out2 := filepath.Join(dir2, "imported_acme.hcl")
	writePending(out2, &pendingImport{serial: 1, time: time.Now(), actor: "importer", changes: 3, src: []byte("# stale\n")})
	args2 := []string{"import", "acme", "--csv", filepath.Join(dir2, "sheet.csv"), "--chdir", dir2, "--state", filepath.Join(dir2, "state.db"), "--now", "2026-12-01"}
	code, stdout, stderr = run(args2...)
	if code != 0 || !strings.Contains(stdout, "Recorded") || strings.Contains(stdout, "Finished") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if got, _ := os.ReadFile(out2); strings.Contains(string(got), "# stale") {
		t.Fatal("the unrecorded pending file was put into place")
	}
}
