package boltstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/state"
)

// TestSpecialFiles: a named pipe or a dangling symbolic link where the
// state should be is reported as such, promptly, never a hang.
func TestSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.db")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	link := filepath.Join(dir, "link.db")
	if err := os.Symlink(filepath.Join(dir, "nowhere", "x.db"), link); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{fifo: "not a regular file", link: "symbolic link"} {
		st, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = st.Snapshot(ctx)
		cancel()
		var d *state.DamagedError
		if !errors.As(err, &d) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want a DamagedError saying %q", filepath.Base(path), err, want)
		}
	}
}
