package apply

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/runbook"
	"github.com/roster-dev/roster/internal/state"
)

// movePlanFixture stores an offline team with lena@old.com (a member
// holding a grant) and plans her new email, her grant's role changing
// beside the move.
func movePlanFixture(t *testing.T) (state.Store, *plan.Plan) {
	t.Helper()
	ctx := context.Background()
	st := openStore(t)
	plat := &model.Platform{Name: "tool", Guests: true, MemberGrants: true,
		TeamRoles: []*model.Role{{Name: "user", Kind: model.TeamRole}, {Name: "owner", Kind: model.TeamRole, Rank: 1}},
		SiteRoles: []*model.Role{{Name: "view", Kind: model.SiteRole}, {Name: "edit", Kind: model.SiteRole, Rank: 1}}}
	teamObj := &model.Object{Addr: model.TeamAddress("acme"), Platform: "tool"}
	siteObj := &model.Object{Addr: model.SiteAddress("acme", "app")}
	old := &model.Object{Addr: model.MemberAddress("acme", "lena@old.com"), Role: "user", Status: model.StatusActive}
	grant := &model.Object{Addr: model.PersonGrantAddress("acme", "app", "lena@old.com"), Role: "view", HolderKind: model.HolderMember, Status: model.StatusActive}
	if _, err := st.Commit(ctx, &state.Changeset{Lineage: "l-1", Put: []*model.Object{grant, old, siteObj, teamObj}}); err != nil {
		t.Fatal(err)
	}
	snap, err := st.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	desired := []*model.Object{
		{Addr: model.PersonGrantAddress("acme", "app", "lena@new.com"), Role: "edit", HolderKind: model.HolderMember, Decl: &model.Decl{}},
		{Addr: model.MemberAddress("acme", "lena@new.com"), Role: "user", Decl: &model.Decl{}},
		{Addr: model.SiteAddress("acme", "app"), Decl: &model.Decl{}},
		{Addr: model.TeamAddress("acme"), Platform: "tool", Decl: &model.Decl{}},
	}
	p := plan.Make(plan.Input{
		Desired: desired, Prior: snap.Objects, Platforms: map[string]*model.Platform{"tool": plat},
		Moves:   []model.Move{{From: old.Addr, To: model.MemberAddress("acme", "lena@new.com")}},
		Lineage: snap.Lineage, Serial: snap.Serial,
	})
	var got []string
	for _, c := range p.Changes {
		got = append(got, string(c.Action)+" "+c.Addr.String())
	}
	if !slices.Equal(got, []string{"update grant/acme/app/lena@new.com", "move member/acme/lena@new.com"}) {
		t.Fatalf("plan %v", got)
	}
	return st, p
}

func stateOf(t *testing.T, st state.Store) map[string]*model.Object {
	t.Helper()
	snap, err := st.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*model.Object{}
	for _, o := range snap.Objects {
		m[o.Addr.String()] = o
	}
	return m
}

// openSteps lists the runbook items of the stored waiting changes, as
// roster runbook does.
func openSteps(t *testing.T, st state.Store) []runbook.Item {
	var items []runbook.Item
	for _, o := range stateOf(t, st) {
		if o.PendingAction != "" {
			cur := o
			if o.PendingAction == string(plan.Create) {
				cur = nil
			}
			items = append(items, runbook.ForChange("tool", o.PendingAction, cur, o.Pending))
		}
	}
	slices.SortFunc(items, func(a, b runbook.Item) int {
		if a.Addr.String() < b.Addr.String() {
			return -1
		}
		return 1
	})
	return items
}

// TestOfflinePersonMove: an offline email change is a manual step at
// apply (the state keeps lena@old.com, her move pending, and her grant
// where it is, its role change waiting there too), and roster confirm
// re-keys her and her grant to the new address in one commit.
func TestOfflinePersonMove(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, order := range []string{"all", "move first", "grant first"} {
		t.Run(order, func(t *testing.T) {
			st, p := movePlanFixture(t)
			res, err := Apply(ctx, st, p, Meta{Actor: "t", Time: at})
			if err != nil {
				t.Fatal(err)
			}
			if res.Applied != 0 || res.Manual != 2 {
				t.Fatalf("applied %d, manual %d: want two manual steps", res.Applied, res.Manual)
			}
			s := stateOf(t, st)
			m := s["member/acme/lena@old.com"]
			if m == nil || m.PendingAction != "move" || m.Status != model.StatusManual || m.Pending.Addr.String() != "member/acme/lena@new.com" {
				t.Fatalf("after apply the member is %+v, want the old address with the move pending", m)
			}
			g := s["grant/acme/app/lena@old.com"]
			if g == nil || g.Role != "view" || g.PendingAction != "update" || g.Pending.Role != "edit" {
				t.Fatalf("after apply the grant is %+v, want it where it is with its update pending", g)
			}
			if s["member/acme/lena@new.com"] != nil || s["grant/acme/app/lena@new.com"] != nil {
				t.Fatal("after apply something is stored at the new address already")
			}
			for _, c := range res.ManualSteps {
				if it := runbook.ForChange("tool", string(c.Action), c.Before, c.After); it.Addr.String() != map[string]string{
					"move": "member/acme/lena@old.com", "update": "grant/acme/app/lena@old.com"}[string(c.Action)] {
					t.Errorf("the printed step of the %s says roster confirm %s", c.Action, it.Addr)
				}
			}

			items := openSteps(t, st)
			if len(items) != 2 {
				t.Fatalf("open steps %v", items)
			}
			var batches [][]runbook.Item
			switch order {
			case "all":
				batches = [][]runbook.Item{items}
			case "move first":
				batches = [][]runbook.Item{{items[1]}, {items[0]}}
			case "grant first":
				batches = [][]runbook.Item{{items[0]}, {items[1]}}
			}
			for i, b := range batches {
				snap, err := st.Snapshot(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if i > 0 {
					// Where the first confirmation left the item.
					b = openSteps(t, st)
				}
				if _, err := Confirm(ctx, st, snap, b, Meta{Actor: "t", Time: at}, ""); err != nil {
					t.Fatal(err)
				}
				if i == 0 && order == "move first" {
					g := stateOf(t, st)["grant/acme/app/lena@new.com"]
					if g == nil || g.PendingAction != "update" || g.Pending.Addr != g.Addr {
						t.Fatalf("the move carried the grant as %+v, want it at the new address with its update still pending", g)
					}
				}
			}
			s = stateOf(t, st)
			var addrs []string
			for a := range s {
				addrs = append(addrs, a)
			}
			slices.Sort(addrs)
			if !slices.Equal(addrs, []string{"grant/acme/app/lena@new.com", "member/acme/lena@new.com", "site/acme/app", "team/acme"}) {
				t.Fatalf("after confirm the state holds %v", addrs)
			}
			if g := s["grant/acme/app/lena@new.com"]; g.Role != "edit" || g.Status != model.StatusActive || g.PendingAction != "" {
				t.Errorf("the grant is %+v", g)
			}
			if m := s["member/acme/lena@new.com"]; m.Status != model.StatusActive || m.PendingAction != "" {
				t.Errorf("the member is %+v", m)
			}
		})
	}
}
