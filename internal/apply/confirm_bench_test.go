package apply

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/runbook"
	"github.com/roster-dev/roster/internal/state"
)

// dryCommit is a store whose commits write nothing, so that one stored
// state serves every run of a benchmark: it measures what Confirm does,
// not the store's write.
type dryCommit struct{ state.Store }

func (d dryCommit) Commit(_ context.Context, cs *state.Changeset) (uint64, error) {
	return cs.BaseSerial + 1, nil
}

// waitingPersonMoves stores a team of people, each a member holding grants
// grants, every one with a new email waiting (an offline person's move,
// as Apply leaves it), and returns the store, its snapshot and the items
// of roster confirm --all.
func waitingPersonMoves(tb testing.TB, people, grants int) (state.Store, *state.Snapshot, []runbook.Item) {
	tb.Helper()
	ctx := context.Background()
	st := openStore(tb)
	objs := []*model.Object{{Addr: model.TeamAddress("acme"), Platform: "tool"}}
	for s := range grants {
		objs = append(objs, &model.Object{Addr: model.SiteAddress("acme", fmt.Sprintf("site%02d", s))})
	}
	for p := range people {
		old, next := fmt.Sprintf("p%05d@old.example", p), fmt.Sprintf("p%05d@new.example", p)
		m := &model.Object{Addr: model.MemberAddress("acme", old), Role: "user", Status: model.StatusManual}
		m.PendingAction = string(plan.Move)
		m.Pending = &model.Object{Addr: model.MemberAddress("acme", next), Role: "user", Status: model.StatusActive}
		objs = append(objs, m)
		for s := range grants {
			objs = append(objs, &model.Object{Addr: model.PersonGrantAddress("acme", fmt.Sprintf("site%02d", s), old), Role: "view",
				HolderKind: model.HolderMember, Status: model.StatusActive})
		}
	}
	if _, err := st.Commit(ctx, &state.Changeset{Lineage: "l-1", Put: objs}); err != nil {
		tb.Fatal(err)
	}
	snap, err := st.Snapshot(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	var items []runbook.Item
	for _, o := range snap.Objects {
		if o.PendingAction != "" {
			items = append(items, runbook.ForChange("tool", o.PendingAction, o, o.Pending))
		}
	}
	if len(items) != people {
		tb.Fatalf("%d waiting moves, want %d", len(items), people)
	}
	return st, snap, items
}

// BenchmarkConfirmPersonMoves confirms every waiting move of a state of
// people members with 10 grants each (roster confirm --all): 10 times the
// moves over 10 times the objects should cost about 10 times as much.
func BenchmarkConfirmPersonMoves(b *testing.B) {
	for _, people := range []int{200, 2000} {
		b.Run(fmt.Sprintf("moves=%d", people), func(b *testing.B) {
			st, snap, items := waitingPersonMoves(b, people, 10)
			ctx := context.Background()
			at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			b.ResetTimer()
			for range b.N {
				res, err := Confirm(ctx, dryCommit{st}, snap, items, Meta{Actor: "t", Time: at}, "")
				if err != nil {
					b.Fatal(err)
				}
				if res.Records != people {
					b.Fatalf("%d records, want %d", res.Records, people)
				}
			}
		})
	}
}

// TestConfirmManyPersonMoves: confirming many waiting moves at once
// re-keys each person and exactly their grants.
func TestConfirmManyPersonMoves(t *testing.T) {
	ctx := context.Background()
	st, snap, items := waitingPersonMoves(t, 30, 3)
	if _, err := Confirm(ctx, st, snap, items, Meta{Actor: "t", Time: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}, ""); err != nil {
		t.Fatal(err)
	}
	s := stateOf(t, st)
	if len(s) != 1+3+30*4 {
		t.Fatalf("the state holds %d objects, want %d", len(s), 1+3+30*4)
	}
	for p := range 30 {
		m := s[fmt.Sprintf("member/acme/p%05d@new.example", p)]
		if m == nil || m.PendingAction != "" || m.Status != model.StatusActive {
			t.Fatalf("member %d after confirm: %+v", p, m)
		}
		for g := range 3 {
			if s[fmt.Sprintf("grant/acme/site%02d/p%05d@new.example", g, p)] == nil {
				t.Fatalf("grant %d of member %d did not move", g, p)
			}
		}
	}
	for a := range s {
		if strings.Contains(a, "@old.example") {
			t.Errorf("%s stayed at the old email", a)
		}
	}
}
