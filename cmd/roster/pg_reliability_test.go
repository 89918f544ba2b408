package main

// Reliability tests of the PostgreSQL state (issue 13): the crash and
// concurrency tests of reliability_test.go, run against
// `roster --state postgres://…?schema=…`, each test in a schema of its own
// that is dropped afterwards. They need $ROSTER_TEST_POSTGRES (see
// internal/state/pgstore/pgtest) and are skipped without it and under
// -short.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/state/pgstore"
	"github.com/roster-dev/roster/internal/state/pgstore/pgtest"
)

// pgState returns a state URL on a schema of the test's own and a store on
// it, through which the test watches the database.
func pgState(t *testing.T) (string, *pgstore.Store) {
	t.Helper()
	if !pgtest.Available() {
		t.Skip(pgtest.SkipMessage("cmd/roster"))
	}
	if testing.Short() {
		t.Skip("long: applies against PostgreSQL")
	}
	u := pgtest.URL(t)
	st, err := pgstore.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return u, st
}

// pgWriting reports whether a roster write transaction on the state is
// open.
func pgWriting(t *testing.T, st *pgstore.Store) bool {
	busy, err := st.Writing(context.Background())
	if err != nil {
		t.Errorf("watching the database: %v", err)
		return false
	}
	return busy
}

// pgSettle waits until no write transaction on the state is open: after
// a kill, the server finishes (or rolls back) what the dead client began
// as soon as it reads the closed connection. Only then is the outcome
// final.
func pgSettle(t *testing.T, st *pgstore.Store) time.Duration {
	t.Helper()
	start := time.Now()
	for pgWriting(t, st) {
		if time.Since(start) > 60*time.Second {
			t.Fatal("a write transaction of a killed roster was still open after 60s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// Trials of TestPGCrashDuringApply, as in TestCrashDuringApply.
const (
	pgCrashBudget    = 20 * time.Second
	pgCrashMinTrials = 4
	pgCrashMaxTrials = 8
)

// TestPGCrashDuringApply kills `roster apply --auto-approve` of a
// 20,000-grant change to a PostgreSQL state with SIGKILL at random moments,
// half of them during its write transaction. After each kill the state
// holds none or all of the change (state list, evidence verify, history),
// no stale lock is left, and a fresh apply completes after which a plan
// has nothing to do. Every third trial starts from a schema that does not
// exist, so the kill may land while roster creates its tables.
func TestPGCrashDuringApply(t *testing.T) {
	stateURL, st := pgState(t)
	crashLoop(t, time.Now(), crashStore{
		state:    stateURL,
		probe:    func() bool { return pgWriting(t, st) },
		inCommit: "in the transaction",
		empty:    func() { pgtest.Drop(t, pgtest.Base(t), st.Schema()) },
		// After a kill the server finishes (or rolls back) what the dead
		// client began: only then is the outcome final.
		afterKill: func() string { return fmt.Sprintf("settled in %s", pgSettle(t, st).Round(time.Millisecond)) },
		budget:    pgCrashBudget, minTrials: pgCrashMinTrials, maxTrials: pgCrashMaxTrials, seedStream: 13,
	})
}

// TestPGConcurrentApplies runs several applies on one PostgreSQL state at
// once. With --lock-timeout 0 each either gets the lock and succeeds, or
// exits 1 naming the holder; with --lock-timeout 30s all succeed one after
// the other (from an empty schema, all of them make the tables at once
// first). Nothing is lost or doubled: one history entry and one evidence
// record per change, each entry exactly the step from the previous
// worker's configuration to its own, and the state the last one's.
func TestPGConcurrentApplies(t *testing.T) {
	if !pgtest.Available() {
		t.Skip(pgtest.SkipMessage("cmd/roster"))
	}
	if testing.Short() {
		t.Skip("long: applies against PostgreSQL")
	}
	r := newRunner(t)
	for _, tc := range []struct {
		name        string
		workers     int
		lockTimeout string
		fromEmpty   bool
	}{
		{"8 no wait", 8, "0s", false},
		{"8 wait, empty state", 8, "30s", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stateURL, _ := pgState(t)
			concurrentApplies(t, r, stateURL, tc.workers, tc.lockTimeout, tc.fromEmpty)
		})
	}
}
