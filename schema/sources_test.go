package schema

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// The profiles and the language reference cite the platforms' documentation
// pages by title, never source files the repository does not contain
// (issue 24: "seed 000", "../shared/seeds").
func TestCiteNoMissingSourceFiles(t *testing.T) {
	files, err := filepath.Glob("platforms/*.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no profiles: %v", err)
	}
	files = append(files, "language.md")
	bad := regexp.MustCompile(`(?i)\bseeds?\s+0\d\d\b|shared/seeds`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := bad.Find(b); m != nil {
			t.Errorf("%s cites %q, a file the repository does not contain: cite the documentation page by title", f, m)
		}
	}
}
