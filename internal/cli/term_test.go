package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// /dev/null is a character device but no terminal: apply </dev/null must
// refuse for want of --auto-approve rather than read "no" from it.
func TestIsTerminalDevNull(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Errorf("%s is taken for a terminal", os.DevNull)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if isTerminal(r) || isTerminal(w) {
		t.Error("a pipe is taken for a terminal")
	}
}

// Ctrl-C at the confirmation prompt cancels at once, rather than waiting
// for a line that never comes while the state stays locked.
func TestConfirmInterrupted(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var out strings.Builder
	a := &app{stdin: r, stdout: &out, stderr: &out}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := a.confirm(ctx)
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "apply cancelled") {
			t.Errorf("confirm after Ctrl-C: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("confirm still waits for a line after Ctrl-C")
	}
	// And a "yes" still approves (on a fresh input: the interrupted read
	// still waits on the first).
	a.stdin = strings.NewReader("yes\n")
	if ok, err := a.confirm(context.Background()); !ok || err != nil {
		t.Errorf("confirm with yes: %v %v", ok, err)
	}
}

// TestReportEndsProgress: an error that ends a command while the progress
// line is shown starts a line of its own.
func TestReportEndsProgress(t *testing.T) {
	var errb strings.Builder
	a := &app{stdout: io.Discard, stderr: &errb}
	errb.WriteString("[1/2] member/acme/bob@acme.com")
	a.progressShown.Store(true)
	if code := a.report(errors.New("writing the state: disk full")); code != ExitError {
		t.Errorf("exit %d", code)
	}
	if want := "[1/2] member/acme/bob@acme.com\r\033[KError: writing the state: disk full\n"; errb.String() != want {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
}
