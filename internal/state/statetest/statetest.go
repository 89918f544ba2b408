package statetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sync/errgroup"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// Run runs the conformance suite. open must return a new, empty store each
// time it is called, and arrange its own cleanup (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) state.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s state.Store)
	}{
		{"EmptyStore", testEmptyStore},
		{"FirstCommit", testFirstCommit},
		{"FirstCommitNeedsLineage", testFirstCommitNeedsLineage},
		{"PutReplaceDelete", testPutReplaceDelete},
		{"ObjectsSorted", testObjectsSorted},
		{"AttributeRoundTrip", testAttributeRoundTrip},
		{"StaleBaseSerial", testStaleBaseSerial},
		{"WrongLineage", testWrongLineage},
		{"BrokenChain", testBrokenChain},
		{"EvidenceOnlyCommit", testEvidenceOnlyCommit},
		{"MoveSerial", testMoveSerial},
		{"EvidenceVerbatim", testEvidenceVerbatim},
		{"History", testHistory},
		{"Checkpoints", testCheckpoints},
		{"EvidenceIteration", testEvidenceIteration},
		{"EvidenceJSON", testEvidenceJSON},
		{"EvidenceHead", testEvidenceHead},
		{"CanceledContext", testCanceledContext},
		{"LockedWhileHeld", testLockedWhileHeld},
		{"UnlockThenLock", testUnlockThenLock},
		{"LockWaits", testLockWaits},
		{"LockCanceled", testLockCanceled},
		{"ConsistentSnapshot", testConsistentSnapshot},
		{"LargeCommit", testLargeCommit},
		{"Move", testMove},
		{"FailedMoveWritesNothing", testFailedMoveWritesNothing},
		{"TasksEmpty", testTasksEmpty},
		{"TasksRaiseClose", testTasksRaiseClose},
		{"TasksAtomic", testTasksAtomic},
		{"TasksRefused", testTasksRefused},
		{"TasksMove", testTasksMove},
		{"TasksMoveFailed", testTasksMoveFailed},
		{"TasksForget", testTasksForget},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// Helpers -----------------------------------------------------------------

func bp(b bool) *bool { return &b }

func team(name string) *model.Object {
	return &model.Object{Addr: model.TeamAddress(name), Platform: "plausible", DisplayName: "Team " + name}
}

func grant(team, site, email, role string) *model.Object {
	return &model.Object{
		Addr:       model.PersonGrantAddress(team, site, email),
		Role:       role,
		HolderKind: model.HolderGuest,
		Status:     model.StatusActive,
		Reason:     "analysis",
		Ticket:     "OPS-1",
	}
}

// rec builds an evidence record with simple fake JSON, as the suite uses.
func rec(seq uint64, prev, hash string) state.EvidenceRecord {
	return state.EvidenceRecord{
		Seq: seq, PrevHash: prev, Hash: hash,
		JSON: fmt.Appendf(nil, `{"hash":%q,"prev_hash":%q,"seq":%d}`, hash, prev, seq),
	}
}

// chain builds records from seq first on, continuing from prev.
func chain(first uint64, n int, prev string) []state.EvidenceRecord {
	var recs []state.EvidenceRecord
	for i := range n {
		seq := first + uint64(i)
		h := fmt.Sprintf("h%d", seq)
		recs = append(recs, rec(seq, prev, h))
		prev = h
	}
	return recs
}

// commit takes the lock, commits and unlocks, failing the test on error.
func commit(t *testing.T, s state.Store, cs *state.Changeset) uint64 {
	t.Helper()
	serial, err := tryCommit(t, s, cs)
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return serial
}

func tryCommit(t *testing.T, s state.Store, cs *state.Changeset) (uint64, error) {
	t.Helper()
	ctx := context.Background()
	u, err := s.Lock(ctx, "test", 30*time.Second)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	defer func() {
		if err := u.Unlock(); err != nil {
			t.Errorf("Unlock: %v", err)
		}
	}()
	return s.Commit(ctx, cs)
}

func snapshot(t *testing.T, s state.Store) *state.Snapshot {
	t.Helper()
	snap, err := s.Snapshot(context.Background())
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	return snap
}

func history(t *testing.T, s state.Store) []state.HistoryEntry {
	t.Helper()
	h, err := s.History(context.Background())
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	return h
}

func head(t *testing.T, s state.Store) (uint64, string) {
	t.Helper()
	seq, hash, err := s.EvidenceHead(context.Background())
	if err != nil {
		t.Fatalf("EvidenceHead: %v", err)
	}
	return seq, hash
}

func evidence(t *testing.T, s state.Store, from uint64) []state.EvidenceRecord {
	t.Helper()
	var recs []state.EvidenceRecord
	err := s.Evidence(context.Background(), from, func(r state.EvidenceRecord) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatalf("Evidence: %v", err)
	}
	return recs
}

func addrs(snap *state.Snapshot) []string {
	var out []string
	for _, o := range snap.Objects {
		out = append(out, o.Addr.String())
	}
	return out
}

var objectOpts = cmp.Options{cmpopts.EquateEmpty(), cmpopts.IgnoreFields(model.Object{}, "Decl")}

// whole is everything a store keeps, to show that a failed commit wrote
// nothing.
type whole struct {
	Snap      *state.Snapshot
	History   []state.HistoryEntry
	Evidence  []state.EvidenceRecord
	HeadSeq   uint64
	HeadHash  string
	Tasks     []state.Task
	TasksKept bool
}

func everything(t *testing.T, s state.Store) whole {
	t.Helper()
	seq, hash := head(t, s)
	tasks, kept := openTasks(t, s)
	return whole{snapshot(t, s), history(t, s), evidence(t, s, 0), seq, hash, tasks, kept}
}

func sameAs(t *testing.T, s state.Store, before whole) {
	t.Helper()
	if d := cmp.Diff(before, everything(t, s), objectOpts); d != "" {
		t.Errorf("a failed commit changed the state (-before +after):\n%s", d)
	}
}

// seed commits one team with history and three evidence records: serial 1,
// evidence head 3/h3.
func seed(t *testing.T, s state.Store) {
	t.Helper()
	commit(t, s, &state.Changeset{
		Lineage:  "lineage-1",
		Put:      []*model.Object{team("acme")},
		History:  &state.HistoryEntry{Actor: "alice", Add: 1, Changes: []state.HistoryChange{{Address: "team/acme", Action: "create"}}},
		Evidence: chain(1, 3, ""),
	})
}

// Tests -------------------------------------------------------------------

func testEmptyStore(t *testing.T, s state.Store) {
	snap := snapshot(t, s)
	if snap.Lineage != "" || snap.Serial != 0 || len(snap.Objects) != 0 || !snap.Empty() {
		t.Errorf("empty store: snapshot = lineage %q serial %d, %d objects; want an empty one", snap.Lineage, snap.Serial, len(snap.Objects))
	}
	if h := history(t, s); len(h) != 0 {
		t.Errorf("empty store: %d history entries", len(h))
	}
	if seq, hash := head(t, s); seq != 0 || hash != "" {
		t.Errorf("empty store: evidence head = %d %q, want 0 \"\"", seq, hash)
	}
	if recs := evidence(t, s, 0); len(recs) != 0 {
		t.Errorf("empty store: %d evidence records", len(recs))
	}
	if s.Describe() == "" {
		t.Error("Describe is empty")
	}
}

func testFirstCommit(t *testing.T, s state.Store) {
	serial := commit(t, s, &state.Changeset{Lineage: "lin-a", Put: []*model.Object{team("acme")}})
	if serial != 1 {
		t.Errorf("first commit returned serial %d, want 1", serial)
	}
	snap := snapshot(t, s)
	if snap.Lineage != "lin-a" || snap.Serial != 1 || snap.Empty() {
		t.Errorf("after the first commit: lineage %q serial %d empty %v; want lin-a 1 false", snap.Lineage, snap.Serial, snap.Empty())
	}
	if got := addrs(snap); !cmp.Equal(got, []string{"team/acme"}) {
		t.Errorf("objects = %v, want [team/acme]", got)
	}
}

func testFirstCommitNeedsLineage(t *testing.T, s state.Store) {
	if _, err := tryCommit(t, s, &state.Changeset{Put: []*model.Object{team("acme")}}); err == nil {
		t.Fatal("a first commit without lineage succeeded")
	}
	if snap := snapshot(t, s); !snap.Empty() || len(snap.Objects) != 0 {
		t.Errorf("a failed first commit wrote: lineage %q, %d objects", snap.Lineage, len(snap.Objects))
	}
}

func testPutReplaceDelete(t *testing.T, s state.Store) {
	steps := []struct {
		put  []*model.Object
		del  []model.Address
		want []string
		role string // the role of grant/acme/a.com/jane@x.com afterwards
	}{
		{put: []*model.Object{team("acme"), grant("acme", "a.com", "jane@x.com", "viewer")}, want: []string{"grant/acme/a.com/jane@x.com", "team/acme"}, role: "viewer"},
		{put: []*model.Object{grant("acme", "a.com", "jane@x.com", "admin")}, want: []string{"grant/acme/a.com/jane@x.com", "team/acme"}, role: "admin"},
		{put: []*model.Object{grant("acme", "b.com", "joe@x.com", "viewer")}, del: []model.Address{model.PersonGrantAddress("acme", "a.com", "jane@x.com")}, want: []string{"grant/acme/b.com/joe@x.com", "team/acme"}},
		{del: []model.Address{model.TeamAddress("gone"), model.TeamAddress("acme")}, want: []string{"grant/acme/b.com/joe@x.com"}},
		// Two puts of one address: the last wins.
		{put: []*model.Object{grant("acme", "a.com", "jane@x.com", "viewer"), grant("acme", "a.com", "jane@x.com", "editor")}, want: []string{"grant/acme/a.com/jane@x.com", "grant/acme/b.com/joe@x.com"}, role: "editor"},
	}
	for i, st := range steps {
		serial := commit(t, s, &state.Changeset{Lineage: "l", BaseSerial: uint64(i), Put: st.put, Delete: st.del})
		if serial != uint64(i+1) {
			t.Fatalf("step %d: serial %d, want %d", i, serial, i+1)
		}
		snap := snapshot(t, s)
		if snap.Serial != serial {
			t.Errorf("step %d: snapshot serial %d, Commit said %d", i, snap.Serial, serial)
		}
		if got := addrs(snap); !cmp.Equal(got, st.want) {
			t.Errorf("step %d: objects %v, want %v", i, got, st.want)
		}
		for _, o := range snap.Objects {
			if o.Addr.String() == "grant/acme/a.com/jane@x.com" && o.Role != st.role {
				t.Errorf("step %d: role %q, want %q", i, o.Role, st.role)
			}
		}
	}
}

func testObjectsSorted(t *testing.T, s state.Store) {
	var objs []*model.Object
	for i := range 300 {
		switch i % 4 {
		case 0:
			objs = append(objs, team(fmt.Sprintf("t%03d", i)))
		case 1:
			objs = append(objs, &model.Object{Addr: model.SiteAddress("t000", fmt.Sprintf("s%d.com", i))})
		case 2:
			objs = append(objs, grant("t000", "s1.com", fmt.Sprintf("p%d@x.com", i), "viewer"))
		case 3:
			objs = append(objs, &model.Object{Addr: model.MemberAddress("t000", fmt.Sprintf("m%d@x.com", i)), Role: "member"})
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(objs), func(i, j int) { objs[i], objs[j] = objs[j], objs[i] })
	commit(t, s, &state.Changeset{Lineage: "l", Put: objs})
	got := addrs(snapshot(t, s))
	if len(got) != len(objs) {
		t.Fatalf("%d objects, want %d", len(got), len(objs))
	}
	if !sort.StringsAreSorted(got) {
		t.Errorf("objects are not sorted by address: %v", got[:10])
	}
}

func testAttributeRoundTrip(t *testing.T, s state.Store) {
	objs := []*model.Object{
		{Addr: model.TeamAddress("acme"), Platform: "plausible", DisplayName: "Acme Inc.", Require2FA: bp(true), SSO: "okta"},
		{Addr: model.TeamAddress("beta"), Platform: "posthog", DisplayName: "Beta", Require2FA: bp(false)},
		{Addr: model.TeamAddress("gamma"), Platform: "piwik_pro"},
		{Addr: model.SiteAddress("acme", "mysite.com"), Environment: "production", RemoteID: "site-42"},
		{Addr: model.MemberAddress("acme", "alice@acme.com"), Role: "admin", Expires: "2027-01-31T00:00:00Z", Reason: "on call", Ticket: "OPS-7", Status: model.StatusInvited},
		{Addr: model.PersonGrantAddress("acme", "mysite.com", "jane@agency.com"), Role: "viewer", HolderKind: model.HolderGuest, Expires: "2026-06-01T00:00:00Z", Reason: "audit \"Q2\" ✓", Ticket: "SEC-1", Status: model.StatusManual},
		{Addr: model.GroupGrantAddress("acme", "mysite.com", "analysts"), Role: "editor", HolderKind: model.HolderGroup, Status: model.StatusActive},
		{Addr: model.GroupAddress("acme", "analysts"), Members: []string{"a@acme.com", "b@acme.com"}, Expires: "2026-12-31T23:59:59Z", Reason: "analytics", Ticket: "T-9", RemoteID: "g-1"},
		{Addr: model.GroupAddress("acme", "empty")},
	}
	commit(t, s, &state.Changeset{Lineage: "l", Put: objs})
	got := map[string]*model.Object{}
	for _, o := range snapshot(t, s).Objects {
		got[o.Addr.String()] = o
	}
	for _, want := range objs {
		o := got[want.Addr.String()]
		if o == nil {
			t.Errorf("%s: missing after the round trip", want.Addr)
			continue
		}
		if d := cmp.Diff(want, o, objectOpts); d != "" {
			t.Errorf("%s: round trip changed it (-want +got):\n%s", want.Addr, d)
		}
		wj, _ := want.MarshalJSON()
		gj, _ := o.MarshalJSON()
		if string(wj) != string(gj) {
			t.Errorf("%s: JSON %s, want %s", want.Addr, gj, wj)
		}
	}
}

func testStaleBaseSerial(t *testing.T, s state.Store) {
	seed(t, s)
	before := everything(t, s)
	for _, base := range []uint64{0, 2, 7} {
		_, err := tryCommit(t, s, &state.Changeset{
			Lineage: "lineage-1", BaseSerial: base,
			Put:      []*model.Object{team("other")},
			History:  &state.HistoryEntry{Actor: "bob"},
			Evidence: chain(4, 1, "h3"),
		})
		if !errors.Is(err, state.ErrStale) {
			t.Errorf("base serial %d on serial 1: err = %v, want ErrStale", base, err)
		}
	}
	sameAs(t, s, before)
}

func testWrongLineage(t *testing.T, s state.Store) {
	seed(t, s)
	before := everything(t, s)
	for _, lin := range []string{"lineage-2", ""} {
		_, err := tryCommit(t, s, &state.Changeset{
			Lineage: lin, BaseSerial: 1,
			Put:      []*model.Object{team("other")},
			Evidence: chain(4, 1, "h3"),
		})
		if !errors.Is(err, state.ErrLineage) {
			t.Errorf("lineage %q on lineage-1: err = %v, want ErrLineage", lin, err)
		}
	}
	sameAs(t, s, before)
}

func testBrokenChain(t *testing.T, s state.Store) {
	seed(t, s) // head 3/h3
	tests := []struct {
		name string
		recs []state.EvidenceRecord
	}{
		{"bad prev_hash", chain(4, 2, "nope")},
		{"empty prev_hash", chain(4, 1, "")},
		{"gap before the first", chain(5, 2, "h3")},
		{"repeats the head", chain(3, 1, "h2")},
		{"seq zero", []state.EvidenceRecord{rec(0, "h3", "x")}},
		{"gap inside", append(chain(4, 2, "h3"), rec(7, "h5", "h7"))},
		{"broken link inside", append(chain(4, 2, "h3"), rec(6, "h4", "h6"))},
		{"duplicate inside", append(chain(4, 2, "h3"), rec(5, "h5", "h5b"))},
	}
	before := everything(t, s)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tryCommit(t, s, &state.Changeset{
				Lineage: "lineage-1", BaseSerial: 1,
				Put:      []*model.Object{team("other"), grant("acme", "a.com", "j@x.com", "viewer")},
				Delete:   []model.Address{model.TeamAddress("acme")},
				History:  &state.HistoryEntry{Actor: "bob", Add: 2, Remove: 1},
				Evidence: tc.recs,
			})
			if !errors.Is(err, state.ErrChain) {
				t.Errorf("err = %v, want ErrChain", err)
			}
			sameAs(t, s, before)
		})
	}
}

func testEvidenceOnlyCommit(t *testing.T, s state.Store) {
	seed(t, s)
	snapBefore := snapshot(t, s)
	serial := commit(t, s, &state.Changeset{Lineage: "lineage-1", BaseSerial: 1, Evidence: chain(4, 2, "h3")})
	if serial != 1 {
		t.Errorf("an evidence-only commit returned serial %d, want 1 (unchanged)", serial)
	}
	if d := cmp.Diff(snapBefore, snapshot(t, s), objectOpts); d != "" {
		t.Errorf("an evidence-only commit changed the snapshot:\n%s", d)
	}
	if seq, hash := head(t, s); seq != 5 || hash != "h5" {
		t.Errorf("head %d %q, want 5 h5", seq, hash)
	}
	if h := history(t, s); len(h) != 1 {
		t.Errorf("%d history entries, want 1", len(h))
	}
	// The serial did not move, so a plan made at serial 1 still applies.
	if serial := commit(t, s, &state.Changeset{Lineage: "lineage-1", BaseSerial: 1, Put: []*model.Object{team("b")}}); serial != 2 {
		t.Errorf("next object commit: serial %d, want 2", serial)
	}
}

// testMoveSerial: a connected apply's failed attempt, evidence alone, moves
// the serial (MoveSerial), and the history entry written after it goes
// under the serial it moved to, though the serial it moved from has one.
func testMoveSerial(t *testing.T, s state.Store) {
	seed(t, s)
	snapBefore := snapshot(t, s)
	serial := commit(t, s, &state.Changeset{Lineage: "lineage-1", BaseSerial: 1, Evidence: chain(4, 1, "h3"), MoveSerial: true})
	if serial != 2 {
		t.Errorf("an evidence-only commit with MoveSerial returned serial %d, want 2", serial)
	}
	if got := snapshot(t, s); got.Serial != 2 {
		t.Errorf("snapshot at serial %d, want 2", got.Serial)
	}
	if d := cmp.Diff(snapBefore.Objects, snapshot(t, s).Objects, objectOpts); d != "" {
		t.Errorf("an evidence-only commit changed the objects:\n%s", d)
	}
	if seq, hash := head(t, s); seq != 4 || hash != "h4" {
		t.Errorf("head %d %q, want 4 h4", seq, hash)
	}
	// A plan made at serial 1 is stale now.
	if _, err := tryCommit(t, s, &state.Changeset{Lineage: "lineage-1", BaseSerial: 1, Put: []*model.Object{team("b")}}); !errors.Is(err, state.ErrStale) {
		t.Errorf("a commit at the old serial: %v, want ErrStale", err)
	}
	last := state.HistoryEntry{Actor: "connected"}
	if serial := commit(t, s, &state.Changeset{Lineage: "lineage-1", BaseSerial: 2, History: &last}); serial != 2 {
		t.Errorf("the history-only changeset moved the serial to %d", serial)
	}
	h := history(t, s)
	if len(h) != 2 || h[0].Serial != 1 || h[1].Serial != 2 || h[1].Actor != "connected" {
		t.Errorf("history %+v, want the seed's entry at serial 1 and the connected apply's at 2", h)
	}
}

func testEvidenceVerbatim(t *testing.T, s state.Store) {
	odd := [][]byte{
		[]byte(`{"seq":1,"prev_hash":"","hash":"h1","note":"  spaced  ","n":1.50}`),
		[]byte("{ \"seq\" : 2 ,\n \"prev_hash\":\"h1\", \"hash\":\"h2\", \"u\":\"\\u00e9\\n\", \"nested\":{\"hash\":\"not-this\"} }"),
	}
	recs := []state.EvidenceRecord{
		{Seq: 1, PrevHash: "", Hash: "h1", JSON: odd[0]},
		{Seq: 2, PrevHash: "h1", Hash: "h2", JSON: odd[1]},
	}
	commit(t, s, &state.Changeset{Lineage: "l", Put: []*model.Object{team("a")}, Evidence: recs})
	got := evidence(t, s, 0)
	if len(got) != 2 {
		t.Fatalf("%d records, want 2", len(got))
	}
	for i, r := range got {
		if string(r.JSON) != string(odd[i]) {
			t.Errorf("record %d: JSON %q, want it verbatim: %q", i+1, r.JSON, odd[i])
		}
		if r.Seq != recs[i].Seq || r.PrevHash != recs[i].PrevHash || r.Hash != recs[i].Hash {
			t.Errorf("record %d: seq %d prev %q hash %q, want %d %q %q", i+1, r.Seq, r.PrevHash, r.Hash, recs[i].Seq, recs[i].PrevHash, recs[i].Hash)
		}
	}
}

func testHistory(t *testing.T, s state.Store) {
	when := time.Date(2026, 11, 26, 9, 30, 0, 123456789, time.UTC)
	var want []state.HistoryEntry
	prev := ""
	for i := range 3 {
		e := state.HistoryEntry{
			Serial: 99, // set by the store
			Time:   when.Add(time.Duration(i) * time.Hour), Actor: fmt.Sprintf("actor%d", i),
			Add: i + 1, Change: i, Remove: 1,
			Changes:    []state.HistoryChange{{Address: fmt.Sprintf("team/t%d", i), Action: "create"}},
			PlanDigest: fmt.Sprintf("sha256:%d", i), Commit: "abc123", ChangeRequest: "https://example.com/pull/1",
		}
		recs := chain(uint64(2*i+1), 2, prev)
		prev = recs[1].Hash
		commit(t, s, &state.Changeset{Lineage: "l", BaseSerial: uint64(i), Put: []*model.Object{team(fmt.Sprintf("t%d", i))}, History: &e, Evidence: recs})
		e.Serial = uint64(i + 1)
		want = append(want, e)
	}
	// A commit without a history entry adds none.
	commit(t, s, &state.Changeset{Lineage: "l", BaseSerial: 3, Put: []*model.Object{team("t9")}})
	// A history-only changeset (the end of a connected apply's per-change
	// commits) goes under the current serial, without moving it...
	last := state.HistoryEntry{Time: when, Actor: "connected", Add: 1, Changes: []state.HistoryChange{{Address: "team/t9", Action: "create"}}}
	if serial := commit(t, s, &state.Changeset{Lineage: "l", BaseSerial: 4, History: &last}); serial != 4 {
		t.Errorf("a history-only changeset moved the serial to %d", serial)
	}
	last.Serial = 4
	want = append(want, last)
	// ...and never replaces an entry.
	if _, err := tryCommit(t, s, &state.Changeset{Lineage: "l", BaseSerial: 4, History: &last}); err == nil {
		t.Error("a second history entry for serial 4 was accepted")
	}
	got := history(t, s)
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
}

func testEvidenceIteration(t *testing.T, s state.Store) {
	all := chain(1, 10, "")
	commit(t, s, &state.Changeset{Lineage: "l", Put: []*model.Object{team("a")}, Evidence: all[:4]})
	commit(t, s, &state.Changeset{Lineage: "l", BaseSerial: 1, Evidence: all[4:7]})
	commit(t, s, &state.Changeset{Lineage: "l", BaseSerial: 1, Put: []*model.Object{team("b")}, Evidence: all[7:]})
	tests := []struct {
		from  uint64
		first uint64
		n     int
	}{{0, 1, 10}, {1, 1, 10}, {5, 5, 6}, {10, 10, 1}, {11, 0, 0}, {1000, 0, 0}}
	for _, tc := range tests {
		got := evidence(t, s, tc.from)
		if len(got) != tc.n {
			t.Errorf("from %d: %d records, want %d", tc.from, len(got), tc.n)
			continue
		}
		for i, r := range got {
			w := all[int(tc.first)-1+i]
			if r.Seq != w.Seq || r.PrevHash != w.PrevHash || r.Hash != w.Hash || string(r.JSON) != string(w.JSON) {
				t.Errorf("from %d, record %d: %d %q %q %s; want %d %q %q %s", tc.from, i, r.Seq, r.PrevHash, r.Hash, r.JSON, w.Seq, w.PrevHash, w.Hash, w.JSON)
			}
		}
	}
	// Early stop: fn's error ends the walk and is returned.
	stop := errors.New("stop")
	calls := 0
	err := s.Evidence(context.Background(), 2, func(r state.EvidenceRecord) error {
		calls++
		if r.Seq == 4 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("early stop: err %v after %d calls, want %v after 3", err, calls, stop)
	}
}

// testEvidenceJSON: state.EvidenceJSON walks what Evidence walks, the
// same records in the same order from the same place, stopping at fn's
// error; a store that is a state.EvidenceJSONReader leaves the hashes out.
func testEvidenceJSON(t *testing.T, s state.Store) {
	all := chain(1, 6, "")
	commit(t, s, &state.Changeset{Lineage: "l", Put: []*model.Object{team("a")}, Evidence: all[:4]})
	commit(t, s, &state.Changeset{Lineage: "l", BaseSerial: 1, Evidence: all[4:]})
	_, noHashes := s.(state.EvidenceJSONReader)
	stop := errors.New("stop")
	for _, from := range []uint64{0, 1, 3, 6, 7} {
		var got []state.EvidenceRecord
		err := state.EvidenceJSON(context.Background(), s, from, func(r state.EvidenceRecord) error {
			got = append(got, r)
			if r.Seq == 5 {
				return stop
			}
			return nil
		})
		want := evidence(t, s, from)
		if len(want) > 0 && want[0].Seq <= 5 {
			want = want[:5-want[0].Seq+1]
			if !errors.Is(err, stop) {
				t.Errorf("from %d: %v, want fn's error", from, err)
			}
		} else if err != nil {
			t.Errorf("from %d: %v", from, err)
		}
		if noHashes {
			// Left out, or the copies a store keeps beside the JSON: the
			// same as the JSON's for records committed as they are here.
			for i := range want {
				if i < len(got) && got[i].PrevHash == "" && got[i].Hash == "" {
					want[i].PrevHash, want[i].Hash = "", ""
				}
			}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("from %d (-Evidence +EvidenceJSON):\n%s", from, d)
		}
	}
}

func testEvidenceHead(t *testing.T, s state.Store) {
	seed(t, s)
	if seq, hash := head(t, s); seq != 3 || hash != "h3" {
		t.Errorf("head %d %q, want 3 h3", seq, hash)
	}
	commit(t, s, &state.Changeset{Lineage: "lineage-1", BaseSerial: 1, Put: []*model.Object{team("b")}, Evidence: chain(4, 1, "h3")})
	if seq, hash := head(t, s); seq != 4 || hash != "h4" {
		t.Errorf("head %d %q, want 4 h4", seq, hash)
	}
	// A commit without evidence leaves the head.
	commit(t, s, &state.Changeset{Lineage: "lineage-1", BaseSerial: 2, Put: []*model.Object{team("c")}})
	if seq, hash := head(t, s); seq != 4 || hash != "h4" {
		t.Errorf("head %d %q after a commit without evidence, want 4 h4", seq, hash)
	}
}

func testCanceledContext(t *testing.T, s state.Store) {
	seed(t, s)
	before := everything(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Commit(ctx, &state.Changeset{Lineage: "lineage-1", BaseSerial: 1, Put: []*model.Object{team("x")}}); err == nil {
		t.Error("Commit with a canceled context succeeded")
	}
	if _, err := s.Lock(ctx, "apply", time.Second); err == nil {
		t.Error("Lock with a canceled context succeeded")
	}
	sameAs(t, s, before)
}

func checkHolder(t *testing.T, err error, op string, start time.Time) {
	t.Helper()
	var le *state.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Lock: err = %v, want a *state.LockedError", err)
	}
	host, _ := os.Hostname()
	h := le.Holder
	if h.PID != os.Getpid() || h.Host != host || h.Operation != op {
		t.Errorf("holder = pid %d host %q operation %q; want %d %q %q", h.PID, h.Host, h.Operation, os.Getpid(), host, op)
	}
	// Loose bounds: clocks and machines differ; this only catches a zero
	// or nonsense time.
	if h.Since.Before(start.Add(-time.Hour)) || h.Since.After(time.Now().Add(time.Hour)) {
		t.Errorf("holder since %v, want about %v", h.Since, start)
	}
	if msg := err.Error(); msg == "" {
		t.Error("empty lock error message")
	}
}

func testLockedWhileHeld(t *testing.T, s state.Store) {
	ctx := context.Background()
	start := time.Now()
	u, err := s.Lock(ctx, "apply", 0)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	defer u.Unlock()
	_, err = s.Lock(ctx, "import", 0)
	checkHolder(t, err, "apply", start)
	// A short wait ends in the same error.
	_, err = s.Lock(ctx, "import", 150*time.Millisecond)
	checkHolder(t, err, "apply", start)
	// Reads do not wait for the lock.
	if _, err := s.Snapshot(ctx); err != nil {
		t.Errorf("Snapshot while locked: %v", err)
	}
	// The holder commits.
	if _, err := s.Commit(ctx, &state.Changeset{Lineage: "l", Put: []*model.Object{team("a")}}); err != nil {
		t.Errorf("Commit while holding the lock: %v", err)
	}
}

func testUnlockThenLock(t *testing.T, s state.Store) {
	ctx := context.Background()
	for i := range 3 {
		u, err := s.Lock(ctx, "apply", 0)
		if err != nil {
			t.Fatalf("Lock %d: %v", i, err)
		}
		if err := u.Unlock(); err != nil {
			t.Fatalf("Unlock %d: %v", i, err)
		}
	}
}

func testLockWaits(t *testing.T, s state.Store) {
	ctx := context.Background()
	u, err := s.Lock(ctx, "apply", 0)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	var released atomic.Bool
	var g errgroup.Group
	g.Go(func() error {
		time.Sleep(100 * time.Millisecond)
		released.Store(true)
		return u.Unlock()
	})
	u2, err := s.Lock(ctx, "apply", time.Minute)
	if err := g.Wait(); err != nil {
		t.Errorf("Unlock: %v", err)
	}
	if err != nil {
		t.Fatalf("Lock with a timeout while the holder unlocks: %v", err)
	}
	if !released.Load() {
		t.Error("the second Lock succeeded before the first was released")
	}
	if err := u2.Unlock(); err != nil {
		t.Errorf("Unlock: %v", err)
	}
}

func testLockCanceled(t *testing.T, s state.Store) {
	u, err := s.Lock(context.Background(), "apply", 0)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	defer u.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	// Without the cancel this would wait for an hour.
	if _, err := s.Lock(ctx, "apply", time.Hour); err == nil {
		t.Fatal("Lock succeeded while the lock was held")
	}
}

func testConsistentSnapshot(t *testing.T, s state.Store) {
	const n = 2000
	commit(t, s, &state.Changeset{Lineage: "l", Put: []*model.Object{team("base")}})
	var objs []*model.Object
	for i := range n {
		objs = append(objs, grant("acme", "big.com", fmt.Sprintf("user%05d@x.com", i), "viewer"))
	}
	var done atomic.Bool
	var g errgroup.Group
	g.Go(func() error {
		defer done.Store(true)
		u, err := s.Lock(context.Background(), "apply", time.Minute)
		if err != nil {
			return err
		}
		defer u.Unlock()
		_, err = s.Commit(context.Background(), &state.Changeset{Lineage: "l", BaseSerial: 1, Put: objs, Evidence: chain(1, n, "")})
		return err
	})
	seen := map[int]int{}
	for last := false; !last; {
		last = done.Load()
		snap, err := s.Snapshot(context.Background())
		if err != nil {
			t.Fatalf("Snapshot during a commit: %v", err)
		}
		grants := 0
		for _, o := range snap.Objects {
			if o.Addr.Kind == model.KindGrant {
				grants++
			}
		}
		seen[grants]++
		if grants != 0 && grants != n {
			t.Fatalf("a snapshot during a commit saw %d of its %d objects", grants, n)
		}
		if (grants == n) != (snap.Serial == 2) {
			t.Fatalf("snapshot with %d grants has serial %d", grants, snap.Serial)
		}
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if seen[n] == 0 {
		t.Errorf("the last snapshot, after the commit, did not see it: %v", seen)
	}
}

func testLargeCommit(t *testing.T, s state.Store) {
	const n = 20000
	var objs []*model.Object
	for i := range n {
		objs = append(objs, grant("acme", fmt.Sprintf("s%02d.com", i%50), fmt.Sprintf("u%06d@x.com", n-i), "viewer"))
	}
	serial := commit(t, s, &state.Changeset{Lineage: "l", Put: objs, Evidence: chain(1, n, ""), History: &state.HistoryEntry{Actor: "a", Add: n}})
	if serial != 1 {
		t.Errorf("serial %d, want 1", serial)
	}
	snap := snapshot(t, s)
	if len(snap.Objects) != n {
		t.Fatalf("%d objects, want %d", len(snap.Objects), n)
	}
	if !sort.SliceIsSorted(snap.Objects, func(i, j int) bool {
		return snap.Objects[i].Addr.String() < snap.Objects[j].Addr.String()
	}) {
		t.Error("objects are not sorted")
	}
	if seq, hash := head(t, s); seq != n || hash != fmt.Sprintf("h%d", n) {
		t.Errorf("head %d %q, want %d h%d", seq, hash, n, n)
	}
	count := 0
	next := uint64(1)
	err := s.Evidence(context.Background(), 0, func(r state.EvidenceRecord) error {
		if r.Seq != next {
			return fmt.Errorf("record %d after %d", r.Seq, next-1)
		}
		next++
		count++
		return nil
	})
	if err != nil || count != n {
		t.Errorf("Evidence: %d records, err %v; want %d", count, err, n)
	}
	// Delete them all in one commit.
	var del []model.Address
	for _, o := range objs {
		del = append(del, o.Addr)
	}
	commit(t, s, &state.Changeset{Lineage: "l", BaseSerial: 1, Delete: del})
	if snap := snapshot(t, s); len(snap.Objects) != 0 || snap.Serial != 2 {
		t.Errorf("after deleting all: %d objects, serial %d", len(snap.Objects), snap.Serial)
	}
}

func testCheckpoints(t *testing.T, s state.Store) {
	list := func() []string {
		var out []string
		err := s.Checkpoints(context.Background(), func(n uint64, raw []byte) error {
			out = append(out, fmt.Sprintf("%d:%s", n, raw))
			return nil
		})
		if err != nil {
			t.Fatalf("Checkpoints: %v", err)
		}
		return out
	}
	if got := list(); len(got) != 0 {
		t.Fatalf("an empty store lists checkpoints %q", got)
	}
	recs := chain(1, 2, "")
	commit(t, s, &state.Changeset{Lineage: "l", Put: []*model.Object{team("a")}, Evidence: recs, Checkpoints: [][]byte{[]byte(`{"seq":2}`)}})
	// A checkpoint-only write (with its evidence) does not move the serial.
	more := chain(3, 1, recs[1].Hash)
	if serial := commit(t, s, &state.Changeset{Lineage: "l", BaseSerial: 1, Evidence: more, Checkpoints: [][]byte{[]byte(`{"seq":3}`), []byte(`{"seq":3,"again":true}`)}}); serial != 1 {
		t.Errorf("checkpoints moved the serial to %d", serial)
	}
	want := []string{`1:{"seq":2}`, `2:{"seq":3}`, `3:{"seq":3,"again":true}`}
	if got := list(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("checkpoints %q, want %q", got, want)
	}
	// A refused changeset writes no checkpoint either.
	if _, err := tryCommit(t, s, &state.Changeset{Lineage: "l", BaseSerial: 7, Checkpoints: [][]byte{[]byte(`{"x":1}`)}}); err == nil {
		t.Error("a stale changeset was accepted")
	}
	if got := list(); len(got) != 3 {
		t.Errorf("a refused changeset left checkpoints: %q", got)
	}
}

// moveSeed stores a site with two grants and a member: serial 1.
func moveSeed(t *testing.T, s state.Store) {
	t.Helper()
	commit(t, s, &state.Changeset{Lineage: "l", Put: []*model.Object{
		team("acme"),
		{Addr: model.SiteAddress("acme", "old.com"), Environment: "production", RemoteID: "42"},
		grant("acme", "old.com", "jane@x.com", "viewer"),
		grant("acme", "old.com", "joe@x.com", "viewer"),
		{Addr: model.MemberAddress("acme", "lena@old.com"), Role: "admin", Status: model.StatusActive},
	}})
}

// moveChangeset is a move as apply commits it (language.md "moved"): the
// old addresses deleted and the objects put under the new ones in one
// changeset, moves first; a later put of a moved address wins (an
// attribute change beside the move), and a delete of one wins too.
func moveChangeset() *state.Changeset {
	return &state.Changeset{
		Lineage: "l", BaseSerial: 1,
		Put: []*model.Object{
			{Addr: model.SiteAddress("acme", "new.com"), Environment: "production", RemoteID: "42"},
			grant("acme", "new.com", "jane@x.com", "viewer"),
			grant("acme", "new.com", "joe@x.com", "viewer"),
			{Addr: model.MemberAddress("acme", "lena@new.com"), Role: "admin", Status: model.StatusActive},
			grant("acme", "new.com", "jane@x.com", "editor"),
		},
		Delete: []model.Address{
			model.SiteAddress("acme", "old.com"),
			model.PersonGrantAddress("acme", "old.com", "jane@x.com"),
			model.PersonGrantAddress("acme", "old.com", "joe@x.com"),
			model.MemberAddress("acme", "lena@old.com"),
			model.PersonGrantAddress("acme", "new.com", "joe@x.com"),
		},
		History:  &state.HistoryEntry{Actor: "bob", Change: 2, Changes: []state.HistoryChange{{Address: "site/acme/new.com", Action: "move"}, {Address: "member/acme/lena@new.com", Action: "move"}}},
		Evidence: chain(1, 2, ""),
	}
}

func testMove(t *testing.T, s state.Store) {
	moveSeed(t, s)
	if serial := commit(t, s, moveChangeset()); serial != 2 {
		t.Errorf("a move moved the serial to %d, want 2", serial)
	}
	snap := snapshot(t, s)
	want := []string{"grant/acme/new.com/jane@x.com", "member/acme/lena@new.com", "site/acme/new.com", "team/acme"}
	if got := addrs(snap); !cmp.Equal(got, want) {
		t.Fatalf("after the move: %v, want %v", got, want)
	}
	for _, o := range snap.Objects {
		switch o.Addr.String() {
		case "grant/acme/new.com/jane@x.com":
			if o.Role != "editor" {
				t.Errorf("the change beside the move was lost: role %q", o.Role)
			}
		case "site/acme/new.com":
			if o.RemoteID != "42" {
				t.Errorf("the moved site lost its remote_id: %q", o.RemoteID)
			}
		}
	}
	if h := history(t, s); len(h) != 1 || len(h[0].Changes) != 2 || h[0].Changes[0].Action != "move" {
		t.Errorf("history %+v", h)
	}
}

// A move that cannot commit (stale) leaves nothing half-moved.
func testFailedMoveWritesNothing(t *testing.T, s state.Store) {
	moveSeed(t, s)
	commit(t, s, &state.Changeset{Lineage: "l", BaseSerial: 1, Put: []*model.Object{team("other")}})
	before := everything(t, s)
	if _, err := tryCommit(t, s, moveChangeset()); !errors.Is(err, state.ErrStale) {
		t.Fatalf("a stale move: %v, want ErrStale", err)
	}
	sameAs(t, s, before)
}
