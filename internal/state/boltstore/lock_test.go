package boltstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// lockChildEnv makes the test binary, run as a child, take the lock of the
// state file it names and wait to be killed.
const lockChildEnv = "ROSTER_BOLTSTORE_LOCK_CHILD"

func lockChild(path string) {
	s, err := Open(path)
	if err == nil {
		_, err = s.Lock(context.Background(), "child-apply", 10*time.Second)
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	time.Sleep(time.Hour) // until killed
	os.Exit(0)
}

// TestLockOtherProcess: a lock held by another process is reported with
// that process's pid, and a killed holder leaves no stale lock.
func TestLockOtherProcess(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockChildEnv+"="+s.path)
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
	// Reads and the lock-free parts go on while the child holds the lock.
	if _, err := s.Snapshot(ctx); err != nil {
		t.Errorf("Snapshot while another process holds the lock: %v", err)
	}

	// kill -9: the system releases the flock; the holder's details stay
	// in the file but do not matter.
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	killed = true
	u, err := s.Lock(ctx, "apply", 10*time.Second)
	if err != nil {
		t.Fatalf("Lock after the holder was killed: %v", err)
	}
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

// TestLockSameProcess: two Locks in one process exclude each other, also
// through two Store values for the same file.
func TestLockSameProcess(t *testing.T) {
	s1 := openTemp(t)
	s2, _ := Open(s1.path)
	ctx := context.Background()
	u, err := s1.Lock(ctx, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	var le *state.LockedError
	if _, err := s2.Lock(ctx, "plan", 0); !errors.As(err, &le) || le.Holder.PID != os.Getpid() || le.Holder.Operation != "apply" {
		t.Errorf("second Lock: %v, want a LockedError naming this process's apply", err)
	}
	if err := u.Unlock(); err != nil {
		t.Fatal(err)
	}
	u2, err := s2.Lock(ctx, "plan", 0)
	if err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	// Unlock cleared the details of the first holder; the file now names
	// the second.
	data, _ := os.ReadFile(LockPath(s1.path))
	if !strings.Contains(string(data), `"operation":"plan"`) {
		t.Errorf("lock file holds %q, want the second holder's details", data)
	}
	u2.Unlock()
	if data, _ := os.ReadFile(LockPath(s1.path)); len(data) != 0 {
		t.Errorf("lock file holds %q after Unlock, want it empty", data)
	}
}

// TestLockStaleDetails: details left by a dead holder (the file is not
// locked) do not stop anyone.
func TestLockStaleDetails(t *testing.T) {
	s := openTemp(t)
	if err := mkdirPrivate(filepath.Dir(s.path)); err != nil {
		t.Fatal(err)
	}
	stale := `{"pid":999999,"host":"gone","operation":"apply","since":"2020-01-01T00:00:00Z"}` + "\n" + "garbage tail"
	if err := os.WriteFile(LockPath(s.path), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	u, err := s.Lock(context.Background(), "apply", 0)
	if err != nil {
		t.Fatalf("Lock with stale details: %v", err)
	}
	defer u.Unlock()
	_, err = s.Lock(context.Background(), "apply", 0)
	var le *state.LockedError
	if !errors.As(err, &le) || le.Holder.PID != os.Getpid() {
		t.Errorf("second Lock: %v, want a LockedError naming this process", err)
	}
}

// TestLockUnreadableDetails: a holder whose details cannot be read is still
// reported as a LockedError.
func TestLockUnreadableDetails(t *testing.T) {
	s := openTemp(t)
	u, err := s.Lock(context.Background(), "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Unlock()
	if err := os.WriteFile(LockPath(s.path), []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = s.Lock(context.Background(), "apply", 0)
	var le *state.LockedError
	if !errors.As(err, &le) || le.Holder.Operation != "unknown operation" {
		t.Errorf("Lock: %v, want a LockedError with an unknown holder", err)
	}
}

// TestReadHolder: the holder's details are the first JSON value in the
// lock file, whatever older tail follows; details naming a member twice
// are not believed.
func TestReadHolder(t *testing.T) {
	for _, c := range []struct {
		text  string
		known bool
		pid   int
	}{
		{`{"pid":42,"host":"h","operation":"apply","since":"2020-01-01T00:00:00Z"}` + "\n" + `ration":"plan"}`, true, 42},
		{`{"pid":42,"host":"h","operation":"apply","pid":7,"since":"2020-01-01T00:00:00Z"}`, false, 0},
		{`{"PID":42,"host":"h"}`, false, 0},
	} {
		f, err := os.CreateTemp(t.TempDir(), "lock")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(c.text); err != nil {
			t.Fatal(err)
		}
		info, known := readHolder(f)
		f.Close()
		if known != c.known || info.PID != c.pid {
			t.Errorf("%s: read %+v (known %t), want pid %d (known %t)", c.text, info, known, c.pid, c.known)
		}
	}
}
