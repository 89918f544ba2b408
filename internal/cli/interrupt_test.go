package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/fsx"
)

// The first signal cancels the command; the second exits at once with
// 130, after removing the temporary file of an unfinished output.
func TestWatchInterrupts(t *testing.T) {
	dir := t.TempDir()
	out, err := fsx.Create(filepath.Join(dir, "export.jsonl"), fsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Discard()
	sigs := make(chan os.Signal, 2)
	cancelled := make(chan struct{})
	exited := make(chan int, 1)
	var stderr bytes.Buffer
	go watchInterrupts(sigs, func() { close(cancelled) }, &stderr, func(code int) { exited <- code })

	sigs <- syscall.SIGTERM
	select {
	case <-cancelled:
	case <-time.After(2 * time.Second):
		t.Fatal("the first signal did not cancel the command")
	}
	select {
	case code := <-exited:
		t.Fatalf("the first signal exited (%d)", code)
	case <-time.After(50 * time.Millisecond):
	}
	sigs <- os.Interrupt
	select {
	case code := <-exited:
		if code != 130 {
			t.Fatalf("exit %d, want 130", code)
		}
	case <-time.After(time.Second):
		t.Fatal("the second signal did not exit at once")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".export.jsonl.tmp-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	if !strings.Contains(stderr.String(), "interrupted twice") {
		t.Fatalf("stderr: %q", stderr.String())
	}
}
