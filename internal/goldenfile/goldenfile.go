// Package goldenfile owns the -update flag of roster's tests and the
// comparison of output with golden files. Every test package imports it,
// so that `go test ./... -update` rewrites every golden file and every
// testscript's expected output at once instead of failing in the packages
// that have none. Only tests import it.
package goldenfile

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Update is -update: rewrite golden files instead of comparing with them.
var Update = flag.Bool("update", false, "rewrite golden files and testscripts' expected output instead of comparing")

// Check compares got with the file at path, or, with -update, writes it
// there.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (-want +got; go test -update rewrites it):\n%s", path, cmp.Diff(string(want), string(got)))
	}
}
