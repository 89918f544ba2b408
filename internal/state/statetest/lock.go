package statetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// lockChildEnv names, in a store's test binary run as a child, the state
// the child locks (LockChild).
const lockChildEnv = "ROSTER_STATETEST_LOCK_CHILD"

// LockChild is for a store's TestMain, first thing: in the test binary run
// as LockOtherProcess's child, it opens the state its environment names
// with open, takes the writer's lock as "child-apply", says "locked" and
// waits to be killed; it never returns then. Otherwise it returns at once.
func LockChild(open func(ctx context.Context, target string) (state.Store, error)) {
	target := os.Getenv(lockChildEnv)
	if target == "" {
		return
	}
	ctx := context.Background()
	s, err := open(ctx, target)
	if err == nil {
		_, err = s.Lock(ctx, "child-apply", 10*time.Second)
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	time.Sleep(time.Hour) // until killed
	os.Exit(0)
}

// LockOtherProcess: the writer's lock of s, held by another process (the
// test binary run as a child on target, the state of s as LockChild's open
// reads it), is reported with that process's pid, host and operation;
// reads go on meanwhile; and once the holder is killed with SIGKILL the
// lock is free again within free, with no stale lock left.
func LockOtherProcess(t *testing.T, s state.Store, target string, free time.Duration) {
	ctx := context.Background()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockChildEnv+"="+target)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		t.Fatalf("child said %q (%v), want \"locked\"", line, err)
	}

	_, err = s.Lock(ctx, "apply", 0)
	var le *state.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("Lock while another process holds it: %v, want a *state.LockedError", err)
	}
	host, _ := os.Hostname()
	if le.Holder.PID != cmd.Process.Pid || le.Holder.Operation != "child-apply" || le.Holder.Host != host {
		t.Errorf("holder %+v, want pid %d, operation child-apply, host %q", le.Holder, cmd.Process.Pid, host)
	}
	want := fmt.Sprintf("state is locked by pid %d on %s (child-apply since ", cmd.Process.Pid, host)
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %q, want it to start %q", err.Error(), want)
	}
	// Reads go on while the child holds the lock.
	if _, err := s.Snapshot(ctx); err != nil {
		t.Errorf("Snapshot while another process holds the lock: %v", err)
	}

	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()
	killed = true
	start := time.Now()
	u, err := s.Lock(ctx, "apply", free)
	if err != nil {
		t.Fatalf("Lock after the holder was killed: %v", err)
	}
	t.Logf("the lock was free %s after the kill", time.Since(start).Round(time.Millisecond))
	if _, err := s.Commit(ctx, &state.Changeset{Lineage: "l", Put: []*model.Object{{Addr: model.TeamAddress("acme")}}}); err != nil {
		t.Errorf("Commit: %v", err)
	}
	if err := u.Unlock(); err != nil {
		t.Errorf("Unlock: %v", err)
	}
	if err := u.Unlock(); err != nil {
		t.Errorf("second Unlock: %v", err)
	}
}
