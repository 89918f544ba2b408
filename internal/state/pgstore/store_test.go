package pgstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/pgstore/pgtest"
	"github.com/roster-dev/roster/internal/state/statetest"
)

func TestMain(m *testing.M) {
	statetest.LockChild(func(ctx context.Context, u string) (state.Store, error) { return Open(ctx, u) })
	pgtest.Announce("internal/state/pgstore")
	os.Exit(m.Run())
}

// openTest opens a store on a schema of the test's own, dropped at its end.
func openTest(t testing.TB) *Store {
	t.Helper()
	return openURL(t, pgtest.URL(t))
}

func openURL(t testing.TB, u string) *Store {
	t.Helper()
	s, err := Open(context.Background(), u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	pgtest.Base(t)
	statetest.Run(t, func(t *testing.T) state.Store { return openTest(t) })
}

// TestLegacyTasks runs the conformance cases of a state that keeps no
// open follow-up tasks on a schema as a roster of schema version 1 left
// it: its tables without open_tasks, schema_version 1.
func TestLegacyTasks(t *testing.T) {
	pgtest.Base(t)
	statetest.RunLegacy(t, func(t *testing.T) state.Store {
		s := openTest(t)
		commit(t, s, &state.Changeset{Lineage: "old", Put: []*model.Object{team("acme")}, Evidence: []state.EvidenceRecord{rec(1, "", "h1")}})
		ctx := context.Background()
		if _, err := s.pool.Exec(ctx, `DROP TABLE `+s.table(tableTasks)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.pool.Exec(ctx, `UPDATE `+s.table(tableMeta)+` SET value = '1' WHERE key = 'schema_version'`); err != nil {
			t.Fatal(err)
		}
		return openURL(t, pgtest.WithSchema(t, pgtest.Base(t), s.Schema()))
	})
}

func rec(seq uint64, prev, hash string) state.EvidenceRecord {
	return state.EvidenceRecord{Seq: seq, PrevHash: prev, Hash: hash,
		JSON: fmt.Appendf(nil, `{"hash":%q,"prev_hash":%q,"seq":%d}`, hash, prev, seq)}
}

func team(name string) *model.Object {
	return &model.Object{Addr: model.TeamAddress(name), Platform: "plausible"}
}

// commit takes the lock, commits and unlocks.
func commit(t testing.TB, s *Store, cs *state.Changeset) uint64 {
	t.Helper()
	ctx := context.Background()
	u, err := s.Lock(ctx, "test", 10*time.Second)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	defer u.Unlock()
	serial, err := s.Commit(ctx, cs)
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return serial
}

func TestParseURL(t *testing.T) {
	t.Setenv("PGPASSWORD", "")
	tests := []struct {
		url, schema, describe, conn, err string
	}{
		{url: "postgres://u@h:5432/db", schema: "roster",
			describe: "PostgreSQL state postgres://u@h:5432/db (schema roster)", conn: "postgres://u@h:5432/db"},
		{url: "postgresql://u:pw@h/db?sslmode=disable&schema=team_a", schema: "team_a",
			describe: "PostgreSQL state postgresql://u@h/db?sslmode=disable (schema team_a)", conn: "postgresql://u:pw@h/db?sslmode=disable"},
		{url: "postgres://u@h/db?password=pw&application_name=x", schema: "roster",
			describe: "PostgreSQL state postgres://u@h/db?application_name=x (schema roster)", conn: "postgres://u@h/db?application_name=x&password=pw"},
		{url: "POSTGRES://h/db", schema: "roster", describe: "PostgreSQL state postgres://h/db (schema roster)", conn: "postgres://h/db"},
		{url: "postgres://h/db?schema=Roster", err: `not a plain identifier: it contains 'R'`},
		{url: "postgres://h/db?schema=", err: "it is empty"},
		{url: "postgres://h/db?schema=a%3Bdrop", err: "not a plain identifier"},
		{url: "postgres://h/db?schema=a;drop", err: "cannot be read"},
		{url: `postgres://h/db?schema=a"b`, err: "not a plain identifier"},
		{url: "postgres://h/db?schema=pg_temp", err: "PostgreSQL's own"},
		{url: "postgres://h/db?schema=1abc", err: "starts with a digit"},
		{url: "postgres://h/db?schema=" + strings.Repeat("a", 64), err: "longer than 63"},
		{url: "postgres://h/db?schema=a&schema=b", err: "more than one schema"},
		{url: "postgres://u:se/cret@h:5432/db", err: "not a valid URL"},
		{url: "postgres://h/db?x=%zz", err: "cannot be read"},
		{url: "/tmp/state.db", err: "must be a postgres:// or postgresql:// URL"},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			got, err := parseURL(tc.url)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "cret") {
					t.Errorf("the error shows part of the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.schema != tc.schema || got.describe != tc.describe || got.connString != tc.conn {
				t.Errorf("schema %q describe %q conn %q\nwant %q %q %q", got.schema, got.describe, got.connString, tc.schema, tc.describe, tc.conn)
			}
		})
	}
}

func TestScrubForms(t *testing.T) {
	t.Setenv("PGPASSWORD", "env-secret")
	tg, err := parseURL("postgres://u:p%40ss%2Fw0rd@h/db?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{
		"failed: p@ss/w0rd", "failed: p%40ss%2Fw0rd", "failed: p%40ss%2Fw0rd and p@ss/w0rd", "env-secret here",
	} {
		got := tg.scrub(msg)
		for _, s := range []string{"p@ss/w0rd", "p%40ss%2Fw0rd", "env-secret"} {
			if strings.Contains(got, s) {
				t.Errorf("scrub(%q) = %q still shows %q", msg, got, s)
			}
		}
		if !strings.Contains(got, "xxxxx") {
			t.Errorf("scrub(%q) = %q, want the password replaced by xxxxx", msg, got)
		}
	}
	if got := tg.scrub("nothing secret"); got != "nothing secret" {
		t.Errorf("scrub changed a message without the password: %q", got)
	}
}

// TestLockHolder: a second Lock fails naming the holder, in the message
// format of file states; Unlock clears the holder's row.
func TestLockHolder(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	u, err := s.Lock(ctx, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	other := openURL(t, pgtest.WithSchema(t, pgtest.Base(t), s.Schema()))
	_, err = other.Lock(ctx, "plan", 0)
	var le *state.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Lock: %v, want a *state.LockedError", err)
	}
	host, _ := os.Hostname()
	want := fmt.Sprintf("state is locked by pid %d on %s (apply since ", os.Getpid(), host)
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %q, want it to start %q", err, want)
	}
	if err := u.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := u.Unlock(); err != nil {
		t.Errorf("a second Unlock: %v", err)
	}
	var rows int
	if err := pgtest.Connect(t).QueryRow(ctx, `SELECT count(*) FROM "`+s.Schema()+`".writer_lock`).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("after Unlock the writer_lock table holds %d rows (%v), want 0", rows, err)
	}
	u2, err := other.Lock(ctx, "plan", 0)
	if err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	// Close releases a lock still held.
	if err := other.Close(); err != nil {
		t.Errorf("Close with a lock held: %v", err)
	}
	_ = u2
	u3, err := s.Lock(ctx, "apply", 5*time.Second)
	if err != nil {
		t.Fatalf("Lock after the holder's store was closed: %v", err)
	}
	u3.Unlock()
}

// TestLockKilledHolder: a lock held by another process names that process,
// and once it is killed with SIGKILL the lock is free again.
func TestLockKilledHolder(t *testing.T) {
	s := openTest(t)
	// The server ends the dead client's session as soon as it reads the
	// closed connection; give it a moment, not a stale lock.
	statetest.LockOtherProcess(t, s, pgtest.WithSchema(t, pgtest.Base(t), s.Schema()), 20*time.Second)
}

// TestLockStaleRow: a holder's row left behind (its session gone without
// clearing it) does not make the state locked, and is not reported as the
// holder of a lock taken since.
func TestLockStaleRow(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	u, err := s.Lock(ctx, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	u.Unlock()
	pgtest.Exec(t, `INSERT INTO "`+s.Schema()+`".writer_lock VALUES (1, 999999, 4242, 'gone-host', 'apply', now())`)
	u, err = s.Lock(ctx, "apply", 0)
	if err != nil {
		t.Fatalf("Lock with a stale holder row: %v", err)
	}
	defer u.Unlock()
	_, err = openURL(t, pgtest.WithSchema(t, pgtest.Base(t), s.Schema())).Lock(ctx, "plan", 0)
	var le *state.LockedError
	if !errors.As(err, &le) || le.Holder.PID != os.Getpid() {
		t.Errorf("second Lock: %v, want it locked by pid %d", err, os.Getpid())
	}
}

// TestCreateTogether: several stores on one new schema take the lock at
// once; the tables are made once and every one gets the lock in turn.
func TestCreateTogether(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	var g errgroup.Group
	for i := range 4 {
		s := openURL(t, u)
		g.Go(func() error {
			lk, err := s.Lock(ctx, "apply", 30*time.Second)
			if err == nil {
				err = lk.Unlock()
			}
			if err != nil {
				return fmt.Errorf("store %d: %w", i, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Error(err)
	}
}

// TestCommitRefusals: changesets refused before anything is written.
func TestCommitRefusals(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	commit(t, s, &state.Changeset{Lineage: "l", Put: []*model.Object{team("a")}, Evidence: []state.EvidenceRecord{rec(1, "", "h1")}})
	tests := []struct {
		name string
		cs   *state.Changeset
		want string
	}{
		{"nil", nil, "the changeset is nil"},
		{"nil object", &state.Changeset{Lineage: "l", BaseSerial: 1, Put: []*model.Object{nil}}, "nil object"},
		{"empty delete", &state.Changeset{Lineage: "l", BaseSerial: 1, Delete: []model.Address{{}}}, "empty address"},
		{"empty evidence JSON", &state.Changeset{Lineage: "l", BaseSerial: 1, Evidence: []state.EvidenceRecord{{Seq: 2, PrevHash: "h1", Hash: "h2"}}}, "no JSON"},
		{"evidence not JSON", &state.Changeset{Lineage: "l", BaseSerial: 1, Evidence: []state.EvidenceRecord{{Seq: 2, PrevHash: "h1", Hash: "h2", JSON: []byte("{nope")}}}, "refuses a value being written: invalid input syntax for type json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Commit(ctx, tc.cs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			var de *state.DamagedError
			if errors.As(err, &de) {
				t.Errorf("a refused changeset is reported as damage: %v", err)
			}
		})
	}
	if seq, _, _ := s.EvidenceHead(ctx); seq != 1 {
		t.Errorf("a refused changeset moved the evidence head to %d", seq)
	}
}

// TestPutThenDelete: an address both put and deleted in one changeset ends
// deleted, as in boltstore.
func TestPutThenDelete(t *testing.T) {
	s := openTest(t)
	commit(t, s, &state.Changeset{Lineage: "l", Put: []*model.Object{team("a"), team("b")}, Delete: []model.Address{model.TeamAddress("a")}})
	snap, err := s.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Objects) != 1 || snap.Objects[0].Addr.String() != "team/b" {
		t.Errorf("objects %v, want only team/b", snap.Objects)
	}
}

// TestUnrelatedTables: a schema shared with tables of other names is no
// problem: the state is empty until the first commit, then roster's.
func TestUnrelatedTables(t *testing.T) {
	s := openTest(t)
	pgtest.Exec(t, `CREATE SCHEMA "`+s.Schema()+`"`, `CREATE TABLE "`+s.Schema()+`".customers (id int)`)
	ctx := context.Background()
	snap, err := s.Snapshot(ctx)
	if err != nil || !snap.Empty() {
		t.Fatalf("snapshot %+v, %v; want an empty state", snap, err)
	}
	commit(t, s, &state.Changeset{Lineage: "l", Put: []*model.Object{team("a")}})
	if snap, err := s.Snapshot(ctx); err != nil || snap.Serial != 1 {
		t.Fatalf("after a commit: %+v, %v", snap, err)
	}
}

// TestReadOnlyUntilWritten: reads of a schema that does not exist create
// nothing.
func TestReadOnlyUntilWritten(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.History(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Evidence(ctx, 0, func(state.EvidenceRecord) error { return nil }); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pgtest.Connect(t).QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, s.Schema()).Scan(&n); err != nil || n != 0 {
		t.Errorf("reads created the schema (%d, %v)", n, err)
	}
}

// TestEvidencePaging: a walk over more records than one batch holds sees
// each once, in order, and a commit during the walk does not disturb it.
func TestEvidencePaging(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	n := 2*evidenceBatchRecords + 17
	var recs []state.EvidenceRecord
	prev := ""
	for i := 1; i <= n; i++ {
		h := fmt.Sprintf("h%d", i)
		recs = append(recs, rec(uint64(i), prev, h))
		prev = h
	}
	commit(t, s, &state.Changeset{Lineage: "l", Put: []*model.Object{team("a")}, Evidence: recs})
	next := uint64(5)
	committed := false
	err := s.Evidence(ctx, 5, func(r state.EvidenceRecord) error {
		want := rec(uint64(n+1), prev, "last")
		if r.Seq <= uint64(n) {
			want = recs[r.Seq-1]
		}
		if r.Seq != next || string(r.JSON) != string(want.JSON) || r.Hash != want.Hash || r.PrevHash != want.PrevHash {
			return fmt.Errorf("record %d (%s) where %d was due", r.Seq, r.JSON, next)
		}
		next++
		if r.Seq == 100 && !committed {
			committed = true
			commit(t, s, &state.Changeset{Lineage: "l", BaseSerial: 1, Evidence: []state.EvidenceRecord{rec(uint64(n+1), prev, "last")}})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if next != uint64(n+2) {
		t.Errorf("the walk ended before record %d, want it to see all %d", next, n+1)
	}
}

// TestWriting: a session named as roster's write transactions are shows as
// writing; the store's own sessions otherwise do not.
func TestWriting(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	commit(t, s, &state.Changeset{Lineage: "l", Put: []*model.Object{team("a")}})
	if busy, err := s.Writing(ctx); err != nil || busy {
		t.Fatalf("Writing with no write under way: %v, %v", busy, err)
	}
	conn := pgtest.Connect(t)
	if _, err := conn.Exec(ctx, `SELECT set_config('application_name', $1, false)`, s.writingName()); err != nil {
		t.Fatal(err)
	}
	if busy, err := s.Writing(ctx); err != nil || !busy {
		t.Errorf("Writing while a session is named %q: %v, %v", s.writingName(), busy, err)
	}
	conn.Close(ctx)
}
