package main

import (
	"os"
	"os/exec"
	"testing"
)

// TestCrossBuild builds roster for the systems users run it on: the state
// file's lock has a build for each (Unix flock, Windows LockFileEx), and no
// Unix-only call may creep in elsewhere.
func TestCrossBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (builds roster for three systems): skipped under -short; make test runs it")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build roster with: %v", err)
	}
	for _, target := range []struct{ goos, goarch string }{
		{"windows", "amd64"},
		{"darwin", "arm64"},
		{"linux", "arm64"},
	} {
		t.Run(target.goos+"/"+target.goarch, func(t *testing.T) {
			cmd := exec.Command(gobin, "build", "-o", os.DevNull, ".")
			cmd.Env = append(os.Environ(), "GOOS="+target.goos, "GOARCH="+target.goarch, "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("GOOS=%s GOARCH=%s go build ./cmd/roster: %v\n%s", target.goos, target.goarch, err, out)
			}
		})
	}
}
