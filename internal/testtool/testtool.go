// Package testtool finds the outside programs that tests check roster's
// output with (jq, openssl, sha256sum, Chromium, cmark-gfm: tools written
// by others, so a test does not only check roster against its own
// reading), and the shells (sh, bash) that run the auditor's scripts. Off
// CI a missing tool skips the test; under CI=true, where .ci/run installs
// every one of them, a missing tool fails it, so that CI never passes by
// skipping. It also finds the repository's own root (ModuleRoot), for
// tests that read its schema/ or docs/. It is for tests only.
package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Need returns the path of the program name, or skips the test (fails it
// under CI=true) with a message saying which Debian package installs it.
func Need(t testing.TB, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed, and CI runs this test with it: apt-get install %s (.ci/run does)", name, debianPackage)
		return ""
	}
	t.Skipf("%s is not installed (apt-get install %s): this test needs it", name, debianPackage)
	return ""
}

// ModuleRoot is the directory of the go.mod above the test's directory:
// the repository's root.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = up
	}
}
