package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A sheet over 16 MiB, or one whose declarations would pass a
// configuration file's 16 MiB, is refused naming the limit; before issue
// 20 the second said "This is a bug in roster".
func TestImportSizeLimits(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(pendingConfig), 0o644)
	sheet := func(rows int, pad int) string {
		var b bytes.Buffer
		b.WriteString("email,site,role,reason\n")
		for i := range rows {
			fmt.Fprintf(&b, "p%07d@acme.com,mysite.com,viewer,%s\n", i, strings.Repeat("r", pad))
		}
		p := filepath.Join(dir, fmt.Sprintf("sheet-%d-%d.csv", rows, pad))
		os.WriteFile(p, b.Bytes(), 0o644)
		return p
	}
	args := func(csv string) []string {
		return []string{"import", "acme", "--csv", csv, "--chdir", dir, "--state", filepath.Join(dir, "state.db"), "--now", "2026-12-01"}
	}
	// 17 MiB of sheet.
	code, _, stderr := run(args(sheet(17<<20/1000, 970))...)
	if code != 1 || !strings.Contains(stderr, "larger than 16 MiB") || strings.Contains(stderr, "bug in roster") {
		t.Errorf("a 17 MiB sheet: exit %d\n%s", code, stderr)
	}
	if testing.Short() {
		return
	}
	// 12 MiB of sheet, more than 16 MiB of declarations.
	code, stdout, stderr := run(args(sheet(100_000, 80))...)
	if code != 1 || !strings.Contains(stderr, "larger than 16 MiB, the limit of one configuration file") || strings.Contains(stderr, "bug in roster") {
		t.Errorf("declarations over 16 MiB: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "imported_acme.hcl")); err == nil {
		t.Error("the file was written")
	}
}
