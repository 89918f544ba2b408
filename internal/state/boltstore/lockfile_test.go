package boltstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// A command that fails beside a missing, damaged or odd state path leaves
// no lock file; one that wrote the state, or found the lock file there,
// keeps it (issue 20).
func TestLockFileLeftOnlyWithAState(t *testing.T) {
	ctx := context.Background()
	lockThen := func(t *testing.T, path string, write bool) {
		t.Helper()
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.Lock(ctx, "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		if write {
			if _, err := s.Commit(ctx, &state.Changeset{Lineage: "l", Put: []*model.Object{{Addr: model.TeamAddress("a")}}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := u.Unlock(); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(p string) bool { _, err := os.Lstat(p); return err == nil }
	dir := t.TempDir()

	missing := filepath.Join(dir, "missing.db")
	lockThen(t, missing, false)
	if exists(LockPath(missing)) {
		t.Error("a failed command left a lock file beside a missing state")
	}
	damaged := filepath.Join(dir, "damaged.db")
	os.WriteFile(damaged, []byte("not a bolt file"), 0o600)
	lockThen(t, damaged, false)
	if exists(LockPath(damaged)) {
		t.Error("a failed command left a lock file beside a damaged state")
	}
	odd := filepath.Join(dir, "odd")
	os.Mkdir(odd, 0o700)
	lockThen(t, odd, false)
	if exists(LockPath(odd)) {
		t.Error("a failed command left a lock file beside a directory")
	}
	made := filepath.Join(dir, "made.db")
	lockThen(t, made, true)
	if !exists(LockPath(made)) {
		t.Error("the lock file of a state just written was removed")
	}
	lockThen(t, made, false)
	if !exists(LockPath(made)) {
		t.Error("a lock file that was there before was removed")
	}
}

// A writer waiting on a lock file that its holder removes as it lets go
// ends up holding the file at the path, so a third writer finds it locked.
func TestLockFileRemovedWhileWaiting(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	a, _ := Open(path)
	b, _ := Open(path)
	c, _ := Open(path)
	ua, err := a.Lock(ctx, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan state.Unlocker, 1)
	go func() {
		ub, err := b.Lock(ctx, "apply", 10*time.Second)
		if err != nil {
			t.Error(err)
		}
		got <- ub
	}()
	time.Sleep(300 * time.Millisecond) // b has opened the file and waits
	ua.Unlock()                        // removes the file: a wrote nothing
	ub := <-got
	if ub == nil {
		t.Fatal("b did not get the lock")
	}
	defer ub.Unlock()
	_, err = c.Lock(ctx, "apply", 0)
	var le *state.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("c's Lock while b holds the lock: %v, want locked", err)
	}
}
