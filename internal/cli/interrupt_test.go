package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/state/boltstore"
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

// An offline apply interrupted before its commit ends with the failure
// line, not "state: context canceled" (issue 20).
func TestInterruptedApplySaysWhatWasApplied(t *testing.T) {
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb}
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	team := &model.Object{Addr: model.TeamAddress("acme")}
	p := &plan.Plan{Changes: []plan.Change{{Addr: team.Addr, Action: plan.Create, After: team}}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = a.applyPlan(ctx, st, p, &applyFlags{}, nil)
	if code := a.report(err); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasSuffix(out.String(), "Apply failed: 0 applied, 0 failed, 1 not attempted.\n") || strings.Contains(errb.String(), "context canceled") {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	}
}
