package testtool

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how a test ended instead of
// ending it.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                      {}
func (r *recorder) Fatalf(f string, args ...any) { r.fatal = fmt.Sprintf(f, args...) }
func (r *recorder) Skipf(f string, args ...any)  { r.skip = fmt.Sprintf(f, args...) }

func TestNeed(t *testing.T) {
	const missing = "roster-no-such-tool"
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	Need(r, missing, "roster-pkg")
	if r.skip != "" || !strings.Contains(r.fatal, "apt-get install roster-pkg") {
		t.Errorf("under CI=true a missing tool must fail the test: fatal %q, skip %q", r.fatal, r.skip)
	}
	t.Setenv("CI", "")
	r = &recorder{TB: t}
	Need(r, missing, "roster-pkg")
	if r.fatal != "" || !strings.Contains(r.skip, "apt-get install roster-pkg") {
		t.Errorf("off CI a missing tool skips the test: fatal %q, skip %q", r.fatal, r.skip)
	}
	r = &recorder{TB: t}
	if path := Need(r, "go", "golang"); path == "" || r.fatal != "" || r.skip != "" {
		t.Errorf("go is on PATH: got %q, fatal %q, skip %q", path, r.fatal, r.skip)
	}
}

// TestModuleRoot: from this package's directory the root is two up.
func TestModuleRoot(t *testing.T) {
	want, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if got := ModuleRoot(t); got != want {
		t.Errorf("ModuleRoot = %s, want %s", got, want)
	}
}
