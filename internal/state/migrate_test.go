package state_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/boltstore"
	"github.com/roster-dev/roster/internal/state/pgstore"
	"github.com/roster-dev/roster/internal/state/pgstore/pgtest"
)

func TestMain(m *testing.M) {
	pgtest.Announce("internal/state")
	os.Exit(m.Run())
}

// verify is evidence.Verify as Migrate takes it.
func verify(ctx context.Context, st state.Store) (uint64, string, error) {
	r, err := evidence.Verify(ctx, st)
	return r.Count, r.Head, err
}

func openBolt(t *testing.T) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openPG(t *testing.T) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fill writes a real state into s: three applies of objects, history and
// sealed evidence records, an evidence-only commit and two checkpoints.
func fill(t *testing.T, s state.Store, grants int) {
	t.Helper()
	ctx := context.Background()
	var chain evidence.Chain
	when := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	seal := func(addr, action string) state.EvidenceRecord {
		r, err := chain.Seal(&evidence.Record{Time: evidence.FormatTime(when), Address: addr, Action: action, Actor: "alice", Reason: "audit \"Q4\" ✓"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	commit := func(cs *state.Changeset) {
		t.Helper()
		u, err := s.Lock(ctx, "apply", 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer u.Unlock()
		if _, err := s.Commit(ctx, cs); err != nil {
			t.Fatal(err)
		}
	}
	for step := range 3 {
		cs := &state.Changeset{Lineage: "lineage-m", BaseSerial: uint64(step),
			History: &state.HistoryEntry{Time: when, Actor: "alice", PlanDigest: fmt.Sprintf("sha256:%d", step)}}
		cs.Put = append(cs.Put, &model.Object{Addr: model.TeamAddress(fmt.Sprintf("t%d", step)), Platform: "plausible", DisplayName: "Team ✓", Require2FA: new(bool)})
		for i := range grants {
			cs.Put = append(cs.Put, &model.Object{Addr: model.PersonGrantAddress(fmt.Sprintf("t%d", step), "a.com", fmt.Sprintf("u%05d@x.com", i)),
				Role: "viewer", HolderKind: model.HolderGuest, Status: model.StatusActive, Expires: "2027-01-01T00:00:00Z"})
		}
		if step == 2 {
			cs.Delete = []model.Address{model.TeamAddress("t0")}
		}
		for _, o := range cs.Put {
			cs.Evidence = append(cs.Evidence, seal(o.Addr.String(), "create"))
			cs.History.Changes = append(cs.History.Changes, state.HistoryChange{Address: o.Addr.String(), Action: "create"})
		}
		cs.History.Add = len(cs.Put)
		commit(cs)
	}
	commit(&state.Changeset{Lineage: "lineage-m", BaseSerial: 3, Evidence: []state.EvidenceRecord{seal("team/t1", "review")},
		Checkpoints: [][]byte{[]byte(`{"seq":1,"sig":"a"}`), []byte(`{ "seq" : 2 }`)},
		Tasks: []state.TaskChange{
			{Task: state.Task{Site: model.SiteAddress("t1", "a.com"), Name: "rotate_api_key", Text: "Rotate the key ✓."}},
			{Task: state.Task{Site: model.SiteAddress("t2", "a.com"), Name: "review_shared_links", Text: "Review."}},
		}})
}

// everything is what a store keeps, for comparing two.
type everything struct {
	Snap        *state.Snapshot
	History     []state.HistoryEntry
	Evidence    []state.EvidenceRecord
	Checkpoints []string
	Count       uint64
	Head        string
	Tasks       []state.Task
	TasksKept   bool
}

func read(t *testing.T, s state.Store) everything {
	t.Helper()
	ctx := context.Background()
	var e everything
	var err error
	if e.Snap, err = s.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if e.History, err = s.History(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Evidence(ctx, 0, func(r state.EvidenceRecord) error { e.Evidence = append(e.Evidence, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Checkpoints(ctx, func(n uint64, raw []byte) error {
		e.Checkpoints = append(e.Checkpoints, fmt.Sprintf("%d:%s", n, raw))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if e.Count, e.Head, err = verify(ctx, s); err != nil {
		t.Fatalf("verify %s: %v", s.Describe(), err)
	}
	if e.Tasks, e.TasksKept, err = s.OpenTasks(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

// lines renders what a store keeps as lines of text, for a cheap exact
// comparison (cmp.Diff over thousands of objects takes seconds).
func (e everything) lines() []string {
	out := []string{fmt.Sprintf("lineage %q serial %d; %d records, head %s", e.Snap.Lineage, e.Snap.Serial, e.Count, e.Head)}
	for _, o := range e.Snap.Objects {
		j, _ := o.MarshalJSON()
		out = append(out, "object "+string(j))
	}
	for _, h := range e.History {
		j, _ := json.Marshal(h)
		out = append(out, "history "+string(j))
	}
	for _, r := range e.Evidence {
		out = append(out, fmt.Sprintf("evidence %d %s %s %s", r.Seq, r.PrevHash, r.Hash, r.JSON))
	}
	for _, c := range e.Checkpoints {
		out = append(out, "checkpoint "+c)
	}
	out = append(out, fmt.Sprintf("tasks kept %t", e.TasksKept))
	for _, tk := range e.Tasks {
		out = append(out, fmt.Sprintf("task %s %q", tk.Key(), tk.Text))
	}
	return out
}

// same fails the test unless two stores keep the same.
func same(t *testing.T, what string, want, got everything) {
	t.Helper()
	w, g := want.lines(), got.lines()
	if slices.Equal(w, g) {
		return
	}
	for i := range min(len(w), len(g)) {
		if w[i] != g[i] {
			t.Errorf("%s: line %d is\n%s\nwant\n%s", what, i, g[i], w[i])
			return
		}
	}
	t.Errorf("%s: %d lines, want %d", what, len(g), len(w))
}

// TestMigrateRoundTrip copies a state from store to store and back; each
// copy keeps everything, byte for byte where the stores keep bytes.
func TestMigrateRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		chain []func(t *testing.T) state.Store
		pg    bool
	}{
		{"bolt to bolt", []func(t *testing.T) state.Store{
			func(t *testing.T) state.Store { return openBolt(t) },
			func(t *testing.T) state.Store { return openBolt(t) },
		}, false},
		{"bolt to pg to bolt", []func(t *testing.T) state.Store{
			func(t *testing.T) state.Store { return openBolt(t) },
			func(t *testing.T) state.Store { return openPG(t) },
			func(t *testing.T) state.Store { return openBolt(t) },
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.pg {
				pgtest.Base(t)
			}
			ctx := context.Background()
			src := tc.chain[0](t)
			fill(t, src, 300)
			want := read(t, src)
			if want.Count != 904 || len(want.History) != 3 || len(want.Checkpoints) != 2 || !want.TasksKept || len(want.Tasks) != 2 {
				t.Fatalf("the source holds %d records, %d history entries, %d checkpoints", want.Count, len(want.History), len(want.Checkpoints))
			}
			for _, open := range tc.chain[1:] {
				dst := open(t)
				res, err := state.Migrate(ctx, src, dst, verify)
				if err != nil {
					t.Fatalf("Migrate %s → %s: %v", src.Describe(), dst.Describe(), err)
				}
				wantRes := state.MigrateResult{Lineage: "lineage-m", Serial: 3, Objects: len(want.Snap.Objects), History: 3, Evidence: 904, Head: want.Head, Checkpoints: 2}
				if *res != wantRes {
					t.Errorf("result %+v, want %+v", *res, wantRes)
				}
				same(t, dst.Describe(), want, read(t, dst))
				// Both stores are unlocked afterwards, and the copy takes
				// the next apply.
				for _, st := range []state.Store{src, dst} {
					u, err := st.Lock(ctx, "apply", 0)
					if err != nil {
						t.Fatalf("%s after Migrate: %v", st.Describe(), err)
					}
					u.Unlock()
				}
				src = dst
			}
		})
	}
}

// TestMigrateLegacyTasks: a state of the previous release, which keeps no
// open follow-up tasks, is copied as such (its evidence tells them), into
// either store.
func TestMigrateLegacyTasks(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("boltstore", "testdata", "prev", "agency.db"))
	if err != nil {
		t.Fatal(err)
	}
	src := openBolt(t)
	if err := os.WriteFile(strings.TrimPrefix(src.Describe(), "state file "), data, 0o600); err != nil {
		t.Fatal(err)
	}
	want := read(t, src)
	if want.TasksKept {
		t.Fatal("the previous release's state keeps tasks")
	}
	dsts := []func(t *testing.T) state.Store{func(t *testing.T) state.Store { return openBolt(t) }}
	if pgtest.Available() {
		dsts = append(dsts, func(t *testing.T) state.Store { return openPG(t) })
	}
	for _, open := range dsts {
		dst := open(t)
		if _, err := state.Migrate(context.Background(), src, dst, verify); err != nil {
			t.Fatalf("Migrate → %s: %v", dst.Describe(), err)
		}
		same(t, dst.Describe(), want, read(t, dst))
	}
}

// TestMigrateRefusals: a non-empty target, an empty source, a source whose
// chain does not verify, a locked store and a store onto itself are
// refused, and nothing is written.
func TestMigrateRefusals(t *testing.T) {
	ctx := context.Background()
	full := openBolt(t)
	fill(t, full, 5)

	t.Run("non-empty target", func(t *testing.T) {
		other := openBolt(t)
		fill(t, other, 1)
		before := read(t, other)
		_, err := state.Migrate(ctx, full, other, verify)
		if err == nil || !strings.Contains(err.Error(), "is not empty") || !strings.Contains(err.Error(), "migrate only into an empty store") {
			t.Fatalf("err = %v, want a refusal of the non-empty target", err)
		}
		same(t, "the target after a refused migration", before, read(t, other))
	})
	t.Run("empty source", func(t *testing.T) {
		_, err := state.Migrate(ctx, openBolt(t), openBolt(t), verify)
		if err == nil || !strings.Contains(err.Error(), "nothing to migrate") {
			t.Fatalf("err = %v, want nothing to migrate", err)
		}
	})
	t.Run("onto itself", func(t *testing.T) {
		_, err := state.Migrate(ctx, full, full, verify)
		if err == nil || !strings.Contains(err.Error(), "onto itself") {
			t.Fatalf("err = %v, want a refusal", err)
		}
	})
	t.Run("broken chain", func(t *testing.T) {
		dst := openBolt(t)
		broken := func(ctx context.Context, st state.Store) (uint64, string, error) {
			if st == state.Store(full) {
				return 0, "", &evidence.VerifyError{Seq: 3, Reason: "altered content"}
			}
			return verify(ctx, st)
		}
		_, err := state.Migrate(ctx, full, dst, broken)
		if err == nil || !strings.Contains(err.Error(), "does not verify") || !strings.Contains(err.Error(), "evidence record 3: altered content") {
			t.Fatalf("err = %v, want the source's verification failure", err)
		}
		if snap, err := dst.Snapshot(ctx); err != nil || !snap.Empty() {
			t.Errorf("the target after a refused migration: %+v, %v", snap, err)
		}
	})
	t.Run("locked source", func(t *testing.T) {
		u, err := full.Lock(ctx, "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer u.Unlock()
		_, err = state.Migrate(ctx, full, openBolt(t), verify)
		var le *state.LockedError
		if !errors.As(err, &le) {
			t.Fatalf("err = %v, want a *state.LockedError", err)
		}
	})
	t.Run("no verifier", func(t *testing.T) {
		if _, err := state.Migrate(ctx, full, openBolt(t), nil); err == nil {
			t.Fatal("Migrate without a verifier succeeded")
		}
	})
}

// TestImportRefusals: the Importers refuse a non-empty store and a broken
// chain, and write nothing.
func TestImportRefusals(t *testing.T) {
	stores := map[string]func(t *testing.T) state.Store{
		"bolt": func(t *testing.T) state.Store { return openBolt(t) },
		"pg":   func(t *testing.T) state.Store { return openPG(t) },
	}
	ctx := context.Background()
	snap := &state.Snapshot{Lineage: "l", Serial: 1, Objects: []*model.Object{{Addr: model.TeamAddress("a"), Platform: "plausible"}}}
	recs := func(links ...string) func(fn func(state.EvidenceRecord) error) error {
		return func(fn func(state.EvidenceRecord) error) error {
			prev := ""
			for i, h := range links {
				r := state.EvidenceRecord{Seq: uint64(i + 1), PrevHash: prev, Hash: h, JSON: fmt.Appendf(nil, `{"hash":%q}`, h)}
				if h == "gap" {
					r.Seq++
				}
				if err := fn(r); err != nil {
					return err
				}
				prev = h
				if h == "bad" {
					prev = "elsewhere"
				}
			}
			return nil
		}
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			if name == "pg" {
				pgtest.Base(t)
			}
			for _, ev := range []func(fn func(state.EvidenceRecord) error) error{recs("h1", "gap"), recs("h1", "bad", "h3")} {
				s := open(t)
				err := s.(state.Importer).Import(ctx, &state.Import{Snapshot: snap, Evidence: ev})
				if !errors.Is(err, state.ErrChain) {
					t.Errorf("a broken chain: err = %v, want ErrChain", err)
				}
				if got, err := s.Snapshot(ctx); err != nil || !got.Empty() {
					t.Errorf("after a refused import: %+v, %v; want an empty state", got, err)
				}
			}
			s := open(t)
			if err := s.(state.Importer).Import(ctx, &state.Import{Snapshot: snap, Evidence: recs("h1", "h2")}); err != nil {
				t.Fatal(err)
			}
			err := s.(state.Importer).Import(ctx, &state.Import{Snapshot: snap})
			if err == nil || !strings.Contains(err.Error(), "import only into") {
				t.Errorf("a second import: err = %v, want a refusal", err)
			}
			if seq, hash, err := s.EvidenceHead(ctx); seq != 2 || hash != "h2" || err != nil {
				t.Errorf("head %d %q %v after the refused import, want 2 h2", seq, hash, err)
			}
		})
	}
}
