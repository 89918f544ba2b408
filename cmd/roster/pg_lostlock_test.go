package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/state/pgstore/pgtest"
)

// TestPGLostLock: apply A holds the lock and waits on its commit; its lock
// connection is terminated from another session (pg_terminate_backend, as
// idle_session_timeout or a cut connection would end it); apply B takes
// the lock and commits. A must not commit too: exactly one apply succeeds,
// and A says "lost the state lock". Before issue 20 both exited 0.
func TestPGLostLock(t *testing.T) {
	u, st := pgState(t)
	r := newRunner(t)
	dir := t.TempDir()
	cfg := `team "acme" {
  platform = "plausible"
}

member "ann@acme.com" {
  team = "acme"
  role = "owner"
}
`
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o644)
	r.ok(t, dir, "apply", "--auto-approve", "--state", u, "--now", testNow)
	os.WriteFile(filepath.Join(dir, "more.hcl"), []byte("member \"bob@acme.com\" {\n  team = \"acme\"\n  role = \"viewer\"\n}\n"), 0o644)

	// An administrator's transaction holds the meta row, so A's commit
	// waits inside its write transaction, lock taken.
	ctx := context.Background()
	admin := pgtest.Connect(t)
	tx, err := admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT value FROM "`+st.Schema()+`".meta WHERE key = 'schema_version' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}

	start := func(name string) (*exec.Cmd, *bytes.Buffer, chan int) {
		cmd := r.command(context.Background(), dir, "apply", "--auto-approve", "--lock-timeout", "20s", "--state", u, "--now", testNow)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan int, 1)
		go func() {
			err := cmd.Wait()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Errorf("apply %s: %v", name, err)
			}
			done <- cmd.ProcessState.ExitCode()
		}()
		return cmd, &out, done
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	_, outA, doneA := start("A")
	waitFor("A to wait on its commit", func() bool { return pgWriting(t, st) })
	var pidA int32
	if err := tx.QueryRow(ctx, `SELECT backend_pid FROM "`+st.Schema()+`".writer_lock WHERE id = 1`).Scan(&pidA); err != nil {
		t.Fatal(err)
	}
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, pidA).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend(%d): %v %v", pidA, ok, err)
	}

	_, outB, doneB := start("B")
	waitFor("B to take the lock", func() bool {
		var pid int32
		err := tx.QueryRow(ctx, `SELECT backend_pid FROM "`+st.Schema()+`".writer_lock WHERE id = 1`).Scan(&pid)
		return err == nil && pid != pidA
	})
	time.Sleep(500 * time.Millisecond) // B plans and waits on its commit too
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	codeA, codeB := <-doneA, <-doneB
	if codeA != 1 || !strings.Contains(outA.String(), "lost the state lock") {
		t.Errorf("apply A, whose lock was lost: exit %d\n%s", codeA, outA)
	}
	if codeB != 0 {
		t.Errorf("apply B, which took the lock: exit %d\n%s", codeB, outB)
	}
	list := r.stateList(t, dir, u)
	if !strings.Contains(strings.Join(list, "\n"), "member/acme/bob@acme.com") {
		t.Errorf("the state lacks B's change: %v", list)
	}
}
