package goldenfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryTestPackageTakesUpdate fails when a directory has tests but
// none of its test files imports this package: go test ./... -update
// would stop there with "flag provided but not defined".
func TestEveryTestPackageTakesUpdate(t *testing.T) {
	root := filepath.Join("..", "..")
	hasTests := map[string]bool{}
	imports := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != root {
				return filepath.SkipDir // a module of its own (examples/ci): go test ./... does not reach it
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		dir := filepath.Dir(path)
		hasTests[dir] = true
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), `"github.com/roster-dev/roster/internal/goldenfile"`) {
			imports[dir] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(hasTests) < 10 {
		t.Fatalf("found tests in %d directories only; is the walk rooted at the module?", len(hasTests))
	}
	for dir := range hasTests {
		if !imports[dir] && filepath.Base(dir) != "goldenfile" {
			t.Errorf("%s has tests but none imports internal/goldenfile: go test ./... -update fails there (add an update_flag_test.go like the other packages')", dir)
		}
	}
}
