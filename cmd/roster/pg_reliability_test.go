package main

// Reliability tests of the PostgreSQL state (issue 13): the crash and
// concurrency tests of reliability_test.go, run against
// `roster --state postgres://…?schema=…`, each test in a schema of its own
// that is dropped afterwards. They need $ROSTER_TEST_POSTGRES (see
// internal/state/pgstore/pgtest) and are skipped without it and under
// -short.

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
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
	began := time.Now()
	r := newRunner(t)
	root := t.TempDir()
	cfgs := []struct {
		dir   string
		addrs []string
	}{{dir: filepath.Join(root, "a")}, {dir: filepath.Join(root, "b")}}
	cfgs[0].addrs = gen{sites: 200, guestLo: 0, guestHi: 2000, grants: 10}.write(t, cfgs[0].dir)
	cfgs[1].addrs = gen{sites: 200, guestLo: 1000, guestHi: 3000, grants: 10}.write(t, cfgs[1].dir)
	probe := func() bool { return pgWriting(t, st) }
	apply := func(dir string) []string {
		// A→B removes half the guests on purpose: the mass-removal rail is
		// lifted (schema/language.md, policy additions).
		return []string{"apply", "--auto-approve", "--allow-mass-removal", "--now", testNow, "--state", stateURL, "--chdir", dir}
	}

	first, commitAt := runWatched(t, r, cfgs[0].dir, probe, apply(cfgs[0].dir)...)
	if n := appliedCount(first.stdout); first.code != 0 || n != len(cfgs[0].addrs) {
		t.Fatalf("the first apply applied %d changes, want %d:\n%s", n, len(cfgs[0].addrs), first)
	}
	took := map[string]time.Duration{"create": first.dur(), "change": first.dur()}
	w := first.end.Sub(commitAt)
	commitTook := map[string]time.Duration{"create": w, "change": w}
	t.Logf("a whole apply of A from empty took %s, its write transaction about %s", first.dur().Round(time.Millisecond), w.Round(time.Millisecond))

	cur := 0
	curAddrs := cfgs[0].addrs
	records := r.verifyCount(t, cfgs[0].dir, stateURL)
	if records != len(cfgs[0].addrs) {
		t.Fatalf("evidence verify: %d records after the first apply, want %d", records, len(cfgs[0].addrs))
	}
	// The changes wait as manual steps (an offline team); a person
	// confirms them, and the state holds A.
	r.ok(t, cfgs[0].dir, "confirm", "--all", "--state", stateURL)
	records = r.verifyCount(t, cfgs[0].dir, stateURL)
	entries := len(r.history(t, cfgs[0].dir, stateURL))

	seed := uint64(time.Now().UnixNano())
	rnd := rand.New(rand.NewPCG(seed, 13))
	t.Logf("random seed %d", seed)
	outcomes := map[string]int{}
	trials := 0
	for trial := 0; trial < pgCrashMaxTrials && (trial < pgCrashMinTrials || time.Since(began) < pgCrashBudget); trial++ {
		trials++
		kind := "change"
		target := 1 - cur
		if trial%3 == 2 {
			kind = "create"
			pgtest.Drop(t, pgtest.Base(t), st.Schema())
			curAddrs, records, entries = nil, 0, 0
		}
		tgt := cfgs[target]
		changes := symDiff(curAddrs, tgt.addrs)

		full, window := took[kind], commitTook[kind]
		k := randomKill(rnd, trial, full, window)
		targeted, delay := k.targeted, k.delay
		killed, err := runKilled(t, r, tgt.dir, probe, k, apply(tgt.dir)...)
		if err != nil {
			t.Fatalf("trial %d: the apply failed before it was killed: %v", trial, err)
		}
		baseKind := kind
		if targeted {
			kind += " in the transaction"
		}
		settled := pgSettle(t, st)

		got := r.stateList(t, tgt.dir, stateURL)
		var outcome string
		switch {
		case slices.Equal(got, curAddrs):
			outcome = "none"
		case slices.Equal(got, waitingUnion(curAddrs, tgt.addrs)):
			// Removals wait as manual steps: until confirmed, the
			// state holds what goes as well as what comes.
			outcome = "all"
		default:
			t.Fatalf("trial %d (%s, killed after %s): state list has %d addresses, neither the %d before the apply nor the %d after it",
				trial, kind, delay, len(got), len(curAddrs), len(tgt.addrs))
		}
		if !killed {
			outcome = "finished"
			if !slices.Equal(got, waitingUnion(curAddrs, tgt.addrs)) {
				t.Fatalf("trial %d: the apply finished, but the state does not hold its objects", trial)
			}
		}
		outcomes[kind+" "+outcome]++
		wantRecords, wantEntries := records, entries
		if outcome != "none" {
			wantRecords, wantEntries = records+changes, entries+1
		}
		if n := r.verifyCount(t, tgt.dir, stateURL); n != wantRecords {
			t.Fatalf("trial %d (%s, killed after %s, state holds %s of the change): evidence verify counts %d records, want %d",
				trial, kind, delay, outcome, n, wantRecords)
		}
		if n := len(r.history(t, tgt.dir, stateURL)); n != wantEntries {
			t.Fatalf("trial %d: history has %d entries, want %d", trial, n, wantEntries)
		}

		// No stale lock: the next apply (--lock-timeout 0) completes.
		res, commitAt := runWatched(t, r, tgt.dir, probe, apply(tgt.dir)...)
		if strings.Contains(res.stderr, "state is locked") {
			t.Fatalf("trial %d: the apply after the kill found a stale lock:\n%s", trial, res)
		}
		if res.code != 0 {
			t.Fatalf("trial %d: the apply after the kill failed:\n%s", trial, res)
		}
		if outcome == "none" {
			if n := appliedCount(res.stdout); n != changes {
				t.Fatalf("trial %d: the apply after the kill applied %d changes, want %d:\n%s", trial, n, changes, res)
			}
			took[baseKind], commitTook[baseKind] = res.dur(), res.end.Sub(commitAt)
		}
		plan := r.ok(t, tgt.dir, "plan", "--now", testNow, "--state", stateURL)
		if !strings.Contains(plan.stdout, "No changes.") {
			t.Fatalf("trial %d: the plan after the apply has changes:\n%s", trial, plan)
		}
		r.ok(t, tgt.dir, "confirm", "--all", "--state", stateURL)
		cur, curAddrs = target, tgt.addrs
		records, entries = r.verifyCount(t, tgt.dir, stateURL), len(r.history(t, tgt.dir, stateURL))
		t.Logf("trial %d: %s, killed after %s: %s (settled in %s)", trial, kind, delay.Round(time.Millisecond), outcome, settled.Round(time.Millisecond))
	}
	if got := r.stateList(t, cfgs[cur].dir, stateURL); !slices.Equal(got, curAddrs) {
		t.Errorf("at the end the state holds %d addresses, want %d", len(got), len(curAddrs))
	}
	if n := r.verifyCount(t, cfgs[cur].dir, stateURL); n != records {
		t.Errorf("at the end evidence verify counts %d records, want %d", n, records)
	}
	t.Logf("%d trials in %s: %v", trials, time.Since(began).Round(time.Millisecond), outcomes)
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
