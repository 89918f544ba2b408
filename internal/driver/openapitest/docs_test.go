package openapitest

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/testtool"
)

// TestAPIDocsAsShared: docs/apis is the repository's copy of the platform
// facts the drivers and fakes follow, and of the platforms' published API
// documents, kept where the project's contracts live (../shared/apis
// beside the repository). When that is present, the two hold the same
// files byte for byte, so a fact changed there fails here until it is
// copied and the fakes' fact tables and the drivers are checked against
// it.
func TestAPIDocsAsShared(t *testing.T) {
	root := testtool.ModuleRoot(t)
	shared := filepath.Join(root, "..", "shared", "apis")
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("no shared contracts beside the repository to compare docs/apis with: %v", err)
	}
	ours := filepath.Join(root, "docs", "apis")
	files := func(dir string) map[string][]byte {
		out := map[string][]byte{}
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			rel, _ := filepath.Rel(dir, path)
			out[filepath.ToSlash(rel)] = b
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want, got := files(shared), files(ours)
	for name, b := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("docs/apis/%s is missing: copy it from ../shared/apis", name)
		} else if !bytes.Equal(g, b) {
			t.Errorf("docs/apis/%s differs from ../shared/apis/%s: copy it, then check the drivers and the fakes' fact tables against what changed", name, name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("docs/apis/%s is not in ../shared/apis", name)
		}
	}
}

// TestCitedDocsExist: the sources cite the contracts and the platform
// facts where the repository keeps them: every docs/… or schema/… path a
// Go source, platform profile or markdown page names exists, and none
// points outside the repository (../shared, /work/shared), where a reader
// of the repository cannot follow it.
func TestCitedDocsExist(t *testing.T) {
	root := testtool.ModuleRoot(t)
	cited := regexp.MustCompile(`\b(?:docs|schema)/[A-Za-z0-9_./*-]*[A-Za-z0-9_/*-]`)
	placeholder := regexp.MustCompile(`\b[A-Z]{3,}\b`)
	outside := regexp.MustCompile(`\.\./shared/|/work/shared`)
	// Files that name the outside on purpose: the test reading the public
	// spec beside the repository, the test forbidding citations of
	// shared/seeds, and this one.
	allowed := map[string]bool{
		"internal/config/model_test.go":            true,
		"schema/sources_test.go":                   true,
		"internal/driver/openapitest/docs_test.go": true,
	}
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." || rel == "docs/apis" || rel == "bin" {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext != ".go" && ext != ".hcl" && ext != ".md" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, c := range cited.FindAll(b, -1) {
			n++
			// A pattern (schema/*.schema.json, docs/apis/NAME.md) must
			// match a file.
			p := placeholder.ReplaceAllString(string(c), "*")
			if m, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(p))); len(m) == 0 {
				t.Errorf("%s cites %s, which the repository does not hold", rel, c)
			}
		}
		if m := outside.Find(b); m != nil && !allowed[rel] {
			t.Errorf("%s cites %q, outside the repository: cite docs/apis, schema/ or docs/ instead", rel, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no source cites docs/ or schema/: the walk found nothing to check")
	}
}
