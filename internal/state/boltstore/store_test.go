package boltstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/statetest"
)

func TestMain(m *testing.M) {
	statetest.LockChild(func(_ context.Context, path string) (state.Store, error) { return Open(path) })
	os.Exit(m.Run())
}

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), ".roster", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	statetest.Run(t, func(t *testing.T) state.Store { return openTemp(t) })
}

func rec(seq uint64, prev, hash string) state.EvidenceRecord {
	return state.EvidenceRecord{Seq: seq, PrevHash: prev, Hash: hash,
		JSON: fmt.Appendf(nil, `{"hash":%q,"prev_hash":%q,"seq":%d}`, hash, prev, seq)}
}

func TestOpenCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "sub", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	snap, err := s.Snapshot(ctx)
	if err != nil || !snap.Empty() || snap.Serial != 0 || len(snap.Objects) != 0 {
		t.Errorf("missing file: snapshot %+v, %v; want empty", snap, err)
	}
	if _, err := s.History(ctx); err != nil {
		t.Errorf("History: %v", err)
	}
	if seq, hash, err := s.EvidenceHead(ctx); seq != 0 || hash != "" || err != nil {
		t.Errorf("EvidenceHead = %d %q %v", seq, hash, err)
	}
	if err := s.Evidence(ctx, 0, func(state.EvidenceRecord) error { return errors.New("called") }); err != nil {
		t.Errorf("Evidence: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sub")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("reads created something: %v", err)
	}
	if got, want := s.Describe(), "state file "+filepath.Join(dir, "sub", "state.db"); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if _, err := Open(""); err == nil {
		t.Error("Open(\"\") succeeded")
	}
}

func TestFileModes(t *testing.T) {
	for _, mask := range []int{0, 0o022, 0o077} {
		t.Run(fmt.Sprintf("umask %03o", mask), func(t *testing.T) {
			old := syscall.Umask(mask)
			defer syscall.Umask(old)
			dir := filepath.Join(t.TempDir(), "a", "b")
			s, err := Open(filepath.Join(dir, "state.db"))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			u, err := s.Lock(ctx, "apply", 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Commit(ctx, &state.Changeset{Lineage: "l", Put: []*model.Object{{Addr: model.TeamAddress("acme")}}}); err != nil {
				t.Fatal(err)
			}
			if err := u.Unlock(); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				path string
				mode os.FileMode
			}{
				{filepath.Dir(dir), 0o700 | os.ModeDir},
				{dir, 0o700 | os.ModeDir},
				{filepath.Join(dir, "state.db"), 0o600},
				{filepath.Join(dir, "state.db.lock"), 0o600},
			} {
				fi, err := os.Stat(c.path)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode() != c.mode {
					t.Errorf("%s: mode %v, want %v", c.path, fi.Mode(), c.mode)
				}
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 2 {
				t.Errorf("directory holds %d entries, want state.db and state.db.lock only", len(entries))
			}
		})
	}
}

// TestFileModesWiderBefore: a state file and lock file found with wider
// permissions (made by hand, or copied under another umask) are 0600 once
// roster has written to them; a read leaves them as they are.
func TestFileModesWiderBefore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	commit := func(serial uint64) {
		t.Helper()
		u, err := s.Lock(ctx, "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer u.Unlock()
		if _, err := s.Commit(ctx, &state.Changeset{Lineage: "l", BaseSerial: serial, Put: []*model.Object{{Addr: model.TeamAddress("acme")}}}); err != nil {
			t.Fatal(err)
		}
	}
	modes := func(want os.FileMode) {
		t.Helper()
		for _, p := range []string{path, path + ".lock"} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
				t.Errorf("%s: %v %v, want mode %v", filepath.Base(p), fi.Mode(), err, want)
			}
		}
	}
	commit(0)
	for _, p := range []string{path, path + ".lock"} {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	modes(0o644)
	commit(1)
	modes(0o600)
}

// TestLayout reads a state file with bbolt directly, as an auditor would.
func TestLayout(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	o := &model.Object{Addr: model.TeamAddress("acme"), Platform: "plausible"}
	if _, err := s.Commit(ctx, &state.Changeset{Lineage: "lin", Put: []*model.Object{o},
		History: &state.HistoryEntry{Actor: "me"}, Evidence: []state.EvidenceRecord{rec(1, "", "h1")},
		Tasks: []state.TaskChange{{Task: state.Task{Site: model.SiteAddress("acme", "a.com"), Name: "rotate_api_key", Text: "Rotate."}}}}); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	oj, _ := o.MarshalJSON()
	want := []struct{ bucket, key, val string }{
		{"meta", "schema_version", "2"},
		{"meta", "lineage", "lin"},
		{"meta", "serial", "1"},
		{"objects", "team/acme", string(oj)},
		{"evidence", string(seqKey(1)), string(rec(1, "", "h1").JSON)},
		{"tasks", "site/acme/a.com\x00rotate_api_key", "Rotate."},
	}
	err = db.View(func(tx *bolt.Tx) error {
		for _, w := range want {
			b := tx.Bucket([]byte(w.bucket))
			if b == nil {
				return fmt.Errorf("no bucket %q", w.bucket)
			}
			if got := string(b.Get([]byte(w.key))); got != w.val {
				t.Errorf("%s/%q = %q, want %q", w.bucket, w.key, got, w.val)
			}
		}
		if v := tx.Bucket([]byte("history")).Get(seqKey(1)); len(v) == 0 {
			t.Error("no history entry under serial 1")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestEvidenceBatches walks more records than one read transaction copies.
func TestEvidenceBatches(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	n := evidenceBatchRecords*2 + 17
	var recs []state.EvidenceRecord
	prev := ""
	for i := 1; i <= n; i++ {
		h := fmt.Sprintf("h%d", i)
		recs = append(recs, rec(uint64(i), prev, h))
		prev = h
	}
	if _, err := s.Commit(ctx, &state.Changeset{Lineage: "l", Evidence: recs}); err != nil {
		t.Fatal(err)
	}
	for _, from := range []uint64{0, 1, evidenceBatchRecords, evidenceBatchRecords + 1, uint64(n)} {
		next := max(from, 1)
		err := s.Evidence(ctx, from, func(r state.EvidenceRecord) error {
			if r.Seq != next || r.Hash != fmt.Sprintf("h%d", next) {
				return fmt.Errorf("got record %d (%s), want %d", r.Seq, r.Hash, next)
			}
			next++
			return nil
		})
		if err != nil || next != uint64(n)+1 {
			t.Errorf("from %d: ended before %d, err %v; want all to %d", from, next, err, n)
		}
	}
}

func TestEvidenceOnlyFirstCommit(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	serial, err := s.Commit(ctx, &state.Changeset{Lineage: "l", Evidence: []state.EvidenceRecord{rec(1, "", "h1")}})
	if err != nil || serial != 0 {
		t.Fatalf("Commit = %d, %v; want 0, nil", serial, err)
	}
	snap, err := s.Snapshot(ctx)
	if err != nil || snap.Lineage != "l" || snap.Serial != 0 {
		t.Errorf("snapshot %+v, %v; want lineage l serial 0", snap, err)
	}
	// The first commit fixed the lineage.
	if _, err := s.Commit(ctx, &state.Changeset{Lineage: "m", Evidence: []state.EvidenceRecord{rec(2, "h1", "h2")}}); !errors.Is(err, state.ErrLineage) {
		t.Errorf("other lineage: %v, want ErrLineage", err)
	}
}

func TestCommitRefuses(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if _, err := s.Commit(ctx, &state.Changeset{Lineage: "l", Put: []*model.Object{{Addr: model.TeamAddress("acme")}}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cs   *state.Changeset
	}{
		{"nil changeset", nil},
		{"nil object", &state.Changeset{Lineage: "l", BaseSerial: 1, Put: []*model.Object{nil}}},
		{"zero address", &state.Changeset{Lineage: "l", BaseSerial: 1, Put: []*model.Object{{}}}},
		{"not canonical", &state.Changeset{Lineage: "l", BaseSerial: 1, Put: []*model.Object{{Addr: model.MemberAddress("acme", "Jane@X.com")}}}},
		{"bad team name", &state.Changeset{Lineage: "l", BaseSerial: 1, Put: []*model.Object{{Addr: model.TeamAddress("Acme Inc")}}}},
		{"delete zero address", &state.Changeset{Lineage: "l", BaseSerial: 1, Delete: []model.Address{{}}}},
		{"evidence without JSON", &state.Changeset{Lineage: "l", BaseSerial: 1, Evidence: []state.EvidenceRecord{{Seq: 1, Hash: "h"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Commit(ctx, tc.cs); err == nil {
				t.Fatal("Commit succeeded")
			}
			snap, err := s.Snapshot(ctx)
			if err != nil || snap.Serial != 1 || len(snap.Objects) != 1 {
				t.Errorf("after a refused commit: %+v, %v", snap, err)
			}
		})
	}
}

// TestFirstCommitFillsObjectPages: the objects of a first commit go into
// an empty bucket in key order and fill its pages (bbolt's default would
// leave each half empty); a later commit into those full pages still
// works and keeps every object.
func TestFirstCommitFillsObjectPages(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	var objs []*model.Object
	for i := range 3000 {
		objs = append(objs, &model.Object{Addr: model.MemberAddress("acme", fmt.Sprintf("p%05d@acme.com", i)), Role: "viewer", Status: model.StatusActive})
	}
	if _, err := s.Commit(ctx, &state.Changeset{Lineage: "lin", Put: objs}); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var st bolt.BucketStats
	err = db.View(func(tx *bolt.Tx) error {
		st = tx.Bucket(bucketObjects).Stats()
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if used := float64(st.LeafInuse) / float64(st.LeafAlloc); st.KeyN != len(objs) || used < 0.85 {
		t.Errorf("objects bucket after a first commit: %d keys, leaf pages %.0f%% used (%d of %d bytes); want %d keys, at least 85%%", st.KeyN, 100*used, st.LeafInuse, st.LeafAlloc, len(objs))
	}
	// A second commit grows objects in the middle of full pages.
	more := []*model.Object{}
	for i := 0; i < len(objs); i += 7 {
		o := *objs[i]
		o.Reason = "a reason long enough to grow the page this object is on"
		more = append(more, &o)
	}
	if _, err := s.Commit(ctx, &state.Changeset{Lineage: "lin", BaseSerial: 1, Put: more}); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Objects) != len(objs) {
		t.Fatalf("after the second commit: %d objects, want %d", len(snap.Objects), len(objs))
	}
	for _, o := range snap.Objects {
		i := 0
		fmt.Sscanf(o.Addr.Email, "p%05d@acme.com", &i)
		if want := i%7 == 0; (o.Reason != "") != want {
			t.Errorf("%s: reason %q after the second commit", o.Addr, o.Reason)
		}
	}
}
