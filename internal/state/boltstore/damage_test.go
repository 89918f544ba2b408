package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// goodState builds a real state file with objects of every kind, history
// and evidence over two commits, and returns its bytes.
func goodState(t testing.TB, objects int) []byte {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var objs []*model.Object
	objs = append(objs, &model.Object{Addr: model.TeamAddress("acme"), Platform: "plausible", Require2FA: new(bool)})
	objs = append(objs, &model.Object{Addr: model.GroupAddress("acme", "analysts"), Members: []string{"a@x.com"}})
	for i := range objects {
		objs = append(objs, &model.Object{Addr: model.PersonGrantAddress("acme", fmt.Sprintf("s%d.com", i%7), fmt.Sprintf("user%d@x.com", i)),
			Role: "viewer", HolderKind: model.HolderGuest, Status: model.StatusActive, Reason: "a reason long enough to fill pages"})
	}
	var recs []state.EvidenceRecord
	prev := ""
	for i := 1; i <= objects; i++ {
		h := fmt.Sprintf("%064x", i)
		r := rec(uint64(i), prev, h)
		r.JSON = append(r.JSON[:len(r.JSON)-1], `,"pad":"`+strings.Repeat("x", 200)+`"}`...)
		recs = append(recs, r)
		prev = h
	}
	half := len(objs) / 2
	if _, err := s.Commit(ctx, &state.Changeset{Lineage: "lin", Put: objs[:half], History: &state.HistoryEntry{Actor: "a"}, Evidence: recs[:len(recs)/2]}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, &state.Changeset{Lineage: "lin", BaseSerial: 1, Put: objs[half:], History: &state.HistoryEntry{Actor: "b"}, Evidence: recs[len(recs)/2:]}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// outcome runs every operation on the file holding data and reports, per
// operation, "ok" or "damaged". Any other error fails the test; a panic
// would end it.
func outcome(t testing.TB, data []byte) map[string]string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ := Open(path)
	ctx := context.Background()
	res := map[string]string{}
	check := func(op string, err error, allowed ...error) {
		var d *state.DamagedError
		switch {
		case err == nil:
			res[op] = "ok"
		case errors.As(err, &d):
			res[op] = "damaged"
			msg := err.Error()
			if !strings.Contains(msg, "restore") && !strings.Contains(msg, "newer") {
				t.Errorf("%s: message %q says neither restore nor newer", op, msg)
			}
			if !strings.Contains(msg, path) {
				t.Errorf("%s: message %q does not name the file", op, msg)
			}
			if !errors.Is(err, state.ErrDamaged) && !errors.Is(err, state.ErrNewer) {
				t.Errorf("%s: %v is neither ErrDamaged nor ErrNewer", op, err)
			}
		default:
			for _, a := range allowed {
				if errors.Is(err, a) {
					res[op] = "refused"
					return
				}
			}
			t.Errorf("%s: %v, want nil or a *state.DamagedError", op, err)
		}
	}
	_, err := s.Snapshot(ctx)
	check("Snapshot", err)
	_, err = s.History(ctx)
	check("History", err)
	check("Evidence", s.Evidence(ctx, 0, func(state.EvidenceRecord) error { return nil }))
	_, _, err = s.EvidenceHead(ctx)
	check("EvidenceHead", err)
	_, _, err = s.OpenTasks(ctx)
	check("OpenTasks", err)
	_, err = s.Commit(ctx, &state.Changeset{Lineage: "lin", BaseSerial: 2,
		Put:    []*model.Object{{Addr: model.TeamAddress("zzz")}, {Addr: model.PersonGrantAddress("acme", "s1.com", "new@x.com"), Role: "viewer"}},
		Delete: []model.Address{model.PersonGrantAddress("acme", "s3.com", "user3@x.com")}})
	check("Commit", err, state.ErrStale, state.ErrLineage, state.ErrChain)
	return res
}

func allDamaged(res map[string]string) bool {
	for _, r := range res {
		if r != "damaged" {
			return false
		}
	}
	return true
}

func anyDamaged(res map[string]string) bool {
	for _, r := range res {
		if r == "damaged" {
			return true
		}
	}
	return false
}

func TestDamagedFiles(t *testing.T) {
	good := goodState(t, 300)
	if res := outcome(t, good); anyDamaged(res) {
		t.Fatalf("the good state is not good: %v", res)
	}
	end := dataEnd(t, good)
	// Past the pages in use the file has room to grow into: cutting it off
	// loses nothing.
	if end < len(good) {
		if res := outcome(t, good[:end]); anyDamaged(res) {
			t.Errorf("cut after the data: %v, want it to work", res)
		}
	}
	rnd := rand.New(rand.NewPCG(7, 7))
	garbage := func(data []byte, off, n int) []byte {
		d := bytes.Clone(data)
		for i := off; i < off+n && i < len(d); i++ {
			d[i] = byte(rnd.Uint32())
		}
		return d
	}
	otherBuckets := func() []byte {
		path := filepath.Join(t.TempDir(), "other.db")
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		db.Update(func(tx *bolt.Tx) error {
			b, _ := tx.CreateBucket([]byte("widgets"))
			return b.Put([]byte("k"), []byte("v"))
		})
		db.Close()
		data, _ := os.ReadFile(path)
		return data
	}
	tests := []struct {
		name string
		data []byte
		want string // "damaged": every operation; "newer": likewise, ErrNewer
	}{
		{"empty file", nil, "damaged"},
		{"text file", []byte("team \"acme\" {\n  platform = \"plausible\"\n}\n"), "damaged"},
		{"one byte", []byte{0}, "damaged"},
		{"zeros", make([]byte, 65536), "damaged"},
		{"truncated to 100", good[:100], "damaged"},
		{"truncated to one page", good[:4096], "damaged"},
		{"truncated to two pages", good[:8192], "damaged"},
		{"truncated to 3 pages", good[:3*4096], "damaged"},
		{"truncated to half", good[:len(good)/2], "damaged"},
		{"last data page cut off", good[:end-4096], "damaged"},
		{"last data byte cut off", good[:end-1], "damaged"},
		{"garbage over both headers", garbage(good, 0, 2*4096), "damaged"},
		{"garbage over the first 64 KiB", garbage(good, 0, 65536), "damaged"},
		{"bbolt file with other buckets", otherBuckets(), "damaged"},
		{"schema_version 999", setMeta(t, good, "schema_version", "999"), "newer"},
		{"schema_version text", setMeta(t, good, "schema_version", "one"), "damaged"},
		{"schema_version 0", setMeta(t, good, "schema_version", "0"), "damaged"},
		{"no schema_version", setMeta(t, good, "schema_version", ""), "damaged"},
		{"serial text", setMeta(t, good, "serial", "x"), "damaged"},
		{"no lineage", setMeta(t, good, "lineage", ""), "damaged"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := outcome(t, tc.data)
			if !allDamaged(res) {
				t.Errorf("outcome %v, want every operation to report damage", res)
			}
			if tc.want == "newer" {
				path := filepath.Join(t.TempDir(), "s.db")
				os.WriteFile(path, tc.data, 0o600)
				s, _ := Open(path)
				_, err := s.Snapshot(context.Background())
				if !errors.Is(err, state.ErrNewer) || !strings.Contains(err.Error(), "newer") {
					t.Errorf("Snapshot: %v, want ErrNewer", err)
				}
			}
		})
	}

	// Damage to one part: the operations that read it report it.
	parts := []struct {
		name   string
		data   []byte
		broken []string
	}{
		{"object value", setValue(t, good, "objects", []byte("team/acme"), []byte("{not json")), []string{"Snapshot"}},
		{"object under a wrong key", setValue(t, good, "objects", []byte("team/acme"), mustJSON(&model.Object{Addr: model.TeamAddress("other")})), []string{"Snapshot"}},
		{"object with a bad attribute", setValue(t, good, "objects", []byte("team/acme"), []byte(`{"address":"team/acme","attrs":{"require_2fa":"yes"}}`)), []string{"Snapshot"}},
		{"history value", setValue(t, good, "history", seqKey(1), []byte("[")), []string{"History"}},
		{"history serial", setValue(t, good, "history", seqKey(1), []byte(`{"serial":7}`)), []string{"History"}},
		{"evidence key", setValue(t, good, "evidence", []byte("abc"), []byte("{}")), []string{"Evidence", "EvidenceHead", "Commit"}},
		{"missing bucket", dropBucket(t, good, "history"), []string{"Snapshot", "History", "Evidence", "EvidenceHead", "OpenTasks", "Commit"}},
		{"missing tasks bucket", dropBucket(t, good, "tasks"), []string{"Snapshot", "History", "Evidence", "EvidenceHead", "OpenTasks", "Commit"}},
		{"task not on a site", setValue(t, good, "tasks", []byte("team/acme\x00rotate_api_key"), []byte("x")), []string{"OpenTasks"}},
		{"task key without a name", setValue(t, good, "tasks", []byte("site/acme/s1.com"), []byte("x")), []string{"OpenTasks"}},
	}
	for _, tc := range parts {
		t.Run(tc.name, func(t *testing.T) {
			res := outcome(t, tc.data)
			for _, op := range tc.broken {
				if res[op] != "damaged" {
					t.Errorf("%s: %s, want damaged (all: %v)", op, res[op], res)
				}
			}
		})
	}

	// Garbage over the middle: wherever it lands, nothing panics or hangs,
	// and damage to pages in use is reported by some operation.
	for _, n := range []int{100, 4096, 20000} {
		for _, off := range []int{len(good) / 3, len(good)/2 + 17, 2 * len(good) / 3} {
			t.Run(fmt.Sprintf("garbage %d at %d", n, off), func(t *testing.T) {
				res := outcome(t, garbage(good, off, n))
				t.Logf("%v", res)
			})
		}
	}
	t.Run("garbage over half the file", func(t *testing.T) {
		if res := outcome(t, garbage(good, len(good)/4, len(good)/2)); !anyDamaged(res) {
			t.Errorf("outcome %v, want some operation to report damage", res)
		}
	})
	// bbolt keeps two header pages and falls back to the older one when
	// the newer is torn (its crash recovery): garbage over just one header
	// reads a consistent state, or reports damage.
	t.Run("garbage over the first header", func(t *testing.T) {
		t.Logf("%v", outcome(t, garbage(good, 0, 4096)))
	})
}

// TestDamageSweep overwrites a small stretch at every kilobyte of a real
// state file: every operation must end in success or a DamagedError.
func TestDamageSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (damages a state file at every kilobyte): skipped under -short; make test runs it")
	}
	good := goodState(t, 150)
	rnd := rand.New(rand.NewPCG(1, 9))
	damaged := 0
	for off := 0; off < len(good); off += 1024 {
		d := bytes.Clone(good)
		n := 1 + rnd.IntN(64)
		for i := off; i < off+n && i < len(d); i++ {
			d[i] = byte(rnd.Uint32())
		}
		if anyDamaged(outcome(t, d)) {
			damaged++
		}
	}
	t.Logf("%d of %d overwrites were reported as damage", damaged, (len(good)+1023)/1024)
	if damaged == 0 {
		t.Error("no overwrite was reported as damage")
	}
}

func TestDamagedDirectory(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	_, err := s.Snapshot(context.Background())
	var d *state.DamagedError
	if !errors.As(err, &d) {
		t.Errorf("Snapshot of a directory: %v, want a DamagedError", err)
	}
}

// TestCommitLeavesForeignFile: a commit to a bbolt file that is not a
// roster state does not touch it.
func TestCommitLeavesForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("widgets")); return err })
	db.Close()
	before, _ := os.ReadFile(path)
	s, _ := Open(path)
	_, err = s.Commit(context.Background(), &state.Changeset{Lineage: "l", Put: []*model.Object{{Addr: model.TeamAddress("a")}}})
	var d *state.DamagedError
	if !errors.As(err, &d) {
		t.Errorf("Commit: %v, want a DamagedError", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the failed commit changed the file")
	}
}

// TestNewerRefusesCommit: a state of a newer schema is not written.
func TestNewerRefusesCommit(t *testing.T) {
	data := setMeta(t, goodState(t, 5), "schema_version", strconv.Itoa(state.SchemaVersion+1))
	path := filepath.Join(t.TempDir(), "state.db")
	os.WriteFile(path, data, 0o600)
	s, _ := Open(path)
	_, err := s.Commit(context.Background(), &state.Changeset{Lineage: "lin", BaseSerial: 2, Put: []*model.Object{{Addr: model.TeamAddress("a")}}})
	if !errors.Is(err, state.ErrNewer) || !strings.Contains(err.Error(), "upgrade roster") {
		t.Errorf("Commit: %v, want ErrNewer", err)
	}
}

// dataEnd is where the pages in use end, from the newer header page.
func dataEnd(t testing.TB, data []byte) int {
	m0, p0 := parseMeta(data)
	m1, p1 := parseMeta(data[4096:])
	if p0 != metaOK || p1 != metaOK {
		t.Fatal("the good state's header pages do not parse")
	}
	if m1.txid > m0.txid {
		m0 = m1
	}
	return int(m0.pgid * m0.pageSize)
}

func mustJSON(o *model.Object) []byte {
	b, _ := o.MarshalJSON()
	return b
}

// edit applies fn to a copy of the state file data with bbolt.
func edit(t testing.TB, data []byte, fn func(tx *bolt.Tx) error) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "edit.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, _ := os.ReadFile(path)
	return out
}

// setMeta sets (or, with "", deletes) a meta key.
func setMeta(t testing.TB, data []byte, key, val string) []byte {
	return edit(t, data, func(tx *bolt.Tx) error {
		if val == "" {
			return tx.Bucket(bucketMeta).Delete([]byte(key))
		}
		return tx.Bucket(bucketMeta).Put([]byte(key), []byte(val))
	})
}

func setValue(t testing.TB, data []byte, bucket string, key, val []byte) []byte {
	return edit(t, data, func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucket)).Put(key, val) })
}

func dropBucket(t testing.TB, data []byte, bucket string) []byte {
	return edit(t, data, func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte(bucket)) })
}

// FuzzOpenDamaged writes the input as a state file and runs every
// operation on it: none may panic or hang, whatever the bytes.
func FuzzOpenDamaged(f *testing.F) {
	good := goodState(f, 20)
	f.Add(good)
	for _, n := range []int{len(good) / 2, 3 * 4096, 4096, 100} {
		f.Add(good[:n])
	}
	d := bytes.Clone(good)
	copy(d[2*4096+100:], bytes.Repeat([]byte{0xff}, 300))
	f.Add(d)
	f.Add([]byte("not a database"))
	f.Fuzz(func(t *testing.T, data []byte) {
		outcome(t, data)
	})
}
