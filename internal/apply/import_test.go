package apply

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/boltstore"
)

func openStore(t testing.TB) state.Store {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestImport: one transaction puts every object, with one import record
// each (before: the stored object, if any), a history entry, and a signed
// checkpoint when a signer is given; an object listed twice is recorded
// once.
func TestImport(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	team := &model.Object{Addr: model.TeamAddress("acme"), Platform: "plausible", Decl: &model.Decl{}}
	old := &model.Object{Addr: model.MemberAddress("acme", "ada@acme.com"), Role: "viewer", Status: model.StatusActive}
	if _, err := st.Commit(ctx, &state.Changeset{Lineage: "l-1", Put: []*model.Object{old}}); err != nil {
		t.Fatal(err)
	}
	snap, err := st.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ada := &model.Object{Addr: old.Addr, Role: "owner", Ticket: "IAM-1"}
	invited := &model.Object{Addr: model.PersonGrantAddress("acme", "shop.example", "jo@x.io"), Role: "viewer", HolderKind: model.HolderGuest, Status: model.StatusInvited}
	var signed []uint64
	meta := Meta{Actor: "tester", Commit: "abc", Time: at, Sign: func(_ []byte, seq uint64, hash string, _ time.Time) ([]byte, error) {
		signed = append(signed, seq)
		return fmt.Appendf(nil, `{"seq":%d,"hash":%q}`, seq, hash), nil
	}}
	res, err := Import(ctx, st, snap, []Imported{
		{Object: team, Why: "declared; recorded by import"},
		{Object: ada, Why: "read from the sheet people.csv"},
		{Object: invited, Why: "found on plausible"},
		{Object: ada, Why: "twice"},
	}, meta)
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied != 3 || res.Records != 3 || res.Serial != snap.Serial+1 || res.Head == "" {
		t.Fatalf("result %+v", res)
	}
	after, _ := st.Snapshot(ctx)
	got := map[string]*model.Object{}
	for _, o := range after.Objects {
		got[o.Addr.String()] = o
	}
	if o := got["member/acme/ada@acme.com"]; o == nil || o.Role != "owner" || o.Status != model.StatusActive || o.Ticket != "IAM-1" {
		t.Errorf("ada: %+v", o)
	}
	if o := got[invited.Addr.String()]; o == nil || o.Status != model.StatusInvited {
		t.Errorf("the invited grant: %+v", o)
	}
	if o := got["team/acme"]; o == nil || o.Decl != nil || o.Platform != "plausible" {
		t.Errorf("team: %+v", o)
	}
	var recs []*evidence.Record
	err = st.Evidence(ctx, 1, func(r state.EvidenceRecord) error {
		rec, err := evidence.Decode(r.JSON)
		recs = append(recs, rec)
		return err
	})
	if err != nil || len(recs) != 3 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	for _, r := range recs {
		if r.Action != evidence.ActionImport || r.Outcome != evidence.OutcomeApplied || r.Actor != "tester" || r.Time != "2026-11-26T10:00:00Z" || r.Commit != "abc" {
			t.Errorf("record %+v", r)
		}
	}
	if recs[1].Address != "member/acme/ada@acme.com" || string(recs[1].Before) == "null" || recs[1].Ticket != "IAM-1" || recs[1].Why != "read from the sheet people.csv" {
		t.Errorf("ada's record: %+v (before %s)", recs[1], recs[1].Before)
	}
	if string(recs[0].Before) != "null" {
		t.Errorf("the team's record has before %s", recs[0].Before)
	}
	if v, err := evidence.Verify(ctx, st); err != nil {
		t.Errorf("verify: %v %+v", err, v)
	}
	hist, _ := st.History(ctx)
	if len(hist) == 0 {
		t.Fatal("no history")
	}
	h := hist[len(hist)-1]
	if h.Add != 2 || h.Change != 1 || len(h.Changes) != 3 || h.Changes[0].Action != "import" || h.Actor != "tester" {
		t.Errorf("history %+v", h)
	}
	if len(signed) != 1 || signed[0] != 3 {
		t.Errorf("signed %v, want the head, seq 3", signed)
	}
	n := 0
	st.Checkpoints(ctx, func(uint64, []byte) error { n++; return nil })
	if n != 1 {
		t.Errorf("%d checkpoints stored", n)
	}

	// A snapshot read before another write is refused, and nothing is
	// written.
	if _, err := Import(ctx, st, snap, []Imported{{Object: team}}, meta); err == nil {
		t.Error("an import on a stale snapshot was written")
	}
	if again, _ := st.Snapshot(ctx); again.Serial != after.Serial {
		t.Errorf("serial moved from %d to %d", after.Serial, again.Serial)
	}
	// Nothing to import writes nothing.
	if r, err := Import(ctx, st, after, nil, meta); err != nil || r.Records != 0 {
		t.Errorf("empty import: %+v %v", r, err)
	}
}
