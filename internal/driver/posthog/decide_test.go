package posthog

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// TestDecide checks, without any server, which requests a change sends
// in a live state, and which changes ride on them.
func TestDecide(t *testing.T) {
	live := func() *state {
		st := newState()
		for _, m := range []*liveMember{
			{id: "m-ann", uuid: "u-ann", email: "ann@x.io", level: levelMember},
			{id: "m-bob", uuid: "u-bob", email: "bob@x.io", level: levelAdmin},
			{id: "m-gus", uuid: "u-gus", email: "gus@agency.io", level: levelMember},
		} {
			st.members[m.email], st.byID[m.id] = m, m
		}
		st.rows[1] = map[string]string{"m-ann": "member", "m-gus": "member"}
		st.rows[2] = map[string]string{"m-gus": "admin"}
		st.invites["carol@x.io"] = []*liveInvite{{id: "i-carol", email: "carol@x.io", level: levelMember,
			ppa: []projectAccess{{project: 1, level: "member"}}}}
		return st
	}
	d := &Driver{team: &driver.Team{Name: "acme", Guests: map[string]bool{"gus@agency.io": true}},
		siteIDs: map[string]int{"web": 1, "app": 2}}
	invite := func(email string, level int, ppa ...InviteProjectAcc) request {
		if ppa == nil {
			ppa = []InviteProjectAcc{}
		}
		return request{op: opCreateInvite, create: InviteRequest{TargetEmail: email, Level: level, PrivateProjectAccess: ppa}}
	}
	for _, tc := range []struct {
		name     string
		changes  []plan.Change // in apply order; the first is decided
		want     []request
		outcomes map[int]driver.Outcome
		err      string
	}{
		{name: "invite a new member",
			changes:  []plan.Change{memberChange(plan.Create, "dave@x.io", "", "admin", "")},
			want:     []request{invite("dave@x.io", levelAdmin)},
			outcomes: map[int]driver.Outcome{0: driver.Invited}},
		{name: "a new member's grants ride on the invitation",
			changes: []plan.Change{
				memberChange(plan.Create, "dave@x.io", "", "member", ""),
				grantChange(plan.Create, "web", "dave@x.io", "", "admin", model.HolderMember, ""),
			},
			want:     []request{invite("dave@x.io", levelMember, InviteProjectAcc{ID: 1, Level: "admin"})},
			outcomes: map[int]driver.Outcome{0: driver.Invited, 1: driver.Invited}},
		{name: "a level change",
			changes:  []plan.Change{memberChange(plan.Update, "ann@x.io", "member", "admin", model.StatusActive)},
			want:     []request{{op: opSetLevel, uuid: "u-ann", level: levelAdmin}},
			outcomes: map[int]driver.Outcome{0: driver.Applied}},
		{name: "the level PostHog holds already",
			changes:  []plan.Change{memberChange(plan.Update, "bob@x.io", "member", "admin", model.StatusActive)},
			outcomes: map[int]driver.Outcome{0: driver.Applied}},
		{name: "a member's grant is a row",
			changes:  []plan.Change{grantChange(plan.Create, "app", "ann@x.io", "", "admin", model.HolderMember, "")},
			want:     []request{{op: opSetAccess, project: 2, member: "m-ann", access: "admin"}},
			outcomes: map[int]driver.Outcome{0: driver.Applied}},
		{name: "a removed grant deletes the row",
			changes:  []plan.Change{grantChange(plan.Delete, "web", "ann@x.io", "member", "", model.HolderMember, model.StatusActive)},
			want:     []request{{op: opSetAccess, project: 1, member: "m-ann"}},
			outcomes: map[int]driver.Outcome{0: driver.Applied}},
		{name: "remove a member",
			changes:  []plan.Change{memberChange(plan.Delete, "bob@x.io", "admin", "", model.StatusActive)},
			want:     []request{{op: opRemoveMember, uuid: "u-bob"}},
			outcomes: map[int]driver.Outcome{0: driver.Applied}},
		{name: "a guest's grant removal deletes that row only",
			changes: []plan.Change{
				grantChange(plan.Delete, "web", "gus@agency.io", "member", "", model.HolderGuest, model.StatusActive),
			},
			want:     []request{{op: opSetAccess, project: 1, member: "m-gus"}},
			outcomes: map[int]driver.Outcome{0: driver.Applied}},
		{name: "an invited person's grant remakes the invitation",
			changes: []plan.Change{grantChange(plan.Create, "app", "carol@x.io", "", "member", model.HolderMember, "")},
			want: []request{{op: opDeleteInvite, invite: "i-carol"},
				invite("carol@x.io", levelMember, InviteProjectAcc{ID: 1, Level: "member"}, InviteProjectAcc{ID: 2, Level: "member"})},
			outcomes: map[int]driver.Outcome{0: driver.Invited}},
		{name: "removing someone only invited deletes the invitation",
			changes: []plan.Change{
				memberChange(plan.Delete, "carol@x.io", "member", "", model.StatusInvited),
				grantChange(plan.Delete, "web", "carol@x.io", "member", "", model.HolderMember, model.StatusInvited),
			},
			want:     []request{{op: opDeleteInvite, invite: "i-carol"}},
			outcomes: map[int]driver.Outcome{0: driver.Applied, 1: driver.Applied}},
		{name: "an invited person's member removal keeps the grants that stay, as a guest's invitation",
			changes: []plan.Change{memberChange(plan.Delete, "carol@x.io", "member", "", model.StatusInvited)},
			want: []request{{op: opDeleteInvite, invite: "i-carol"},
				invite("carol@x.io", levelMember, InviteProjectAcc{ID: 1, Level: "member"})},
			outcomes: map[int]driver.Outcome{0: driver.Applied}},
		{name: "a team is the engine's",
			changes:  []plan.Change{{Addr: model.TeamAddress("acme"), Action: plan.Create}},
			outcomes: map[int]driver.Outcome{0: driver.Applied}},
		{name: "no groups",
			changes: []plan.Change{{Addr: model.GroupGrantAddress("acme", "web", "ops"), Action: plan.Create}},
			err:     "PostHog has no groups"},
		{name: "an undeclared site",
			changes: []plan.Change{grantChange(plan.Create, "blog", "ann@x.io", "", "member", model.HolderMember, "")},
			err:     `site "blog" is not a declared site of team acme`},
		{name: "no such level",
			changes: []plan.Change{memberChange(plan.Update, "ann@x.io", "member", "viewer", model.StatusActive)},
			err:     `PostHog has no organization level "viewer"`},
		{name: "an update of someone gone",
			changes: []plan.Change{memberChange(plan.Update, "zed@x.io", "member", "admin", model.StatusActive)},
			err:     "neither a member of the PostHog organization nor invited"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRun(tc.changes, live(), false)
			got, outcomes, err := d.decide(r, 0)
			if drivertest.WantErr(t, err, tc.err) {
				return
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(request{}), cmpopts.IgnoreFields(request{}, "effect"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.outcomes, outcomes); diff != "" {
				t.Errorf("outcomes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecideEffects checks that each request's effect is what the
// platform does, so that the next change is decided on the state after
// it: here a level set, then a removal, then an invitation.
func TestDecideEffects(t *testing.T) {
	st := newState()
	m := &liveMember{id: "m-ann", uuid: "u-ann", email: "ann@x.io", level: levelMember}
	st.members[m.email], st.byID[m.id] = m, m
	st.rows[1] = map[string]string{"m-ann": "member"}
	patchLevel(m, levelOwner).effect(st, nil)
	if m.level != levelOwner {
		t.Errorf("level %d after SetLevel", m.level)
	}
	deleteMember(m).effect(st, nil)
	if st.members["ann@x.io"] != nil || len(st.rows[1]) != 0 {
		t.Errorf("member or row left after RemoveMember: %v %v", st.members, st.rows)
	}
	r := newRun(nil, st, true)
	postInvite(r, "ann@x.io", levelMember, nil).effect(st, &Created{ID: "i-1", CreatedAt: "2026-03-01T00:00:00Z"})
	postInvite(r, "ann@x.io", levelAdmin, nil).effect(st, nil) // simulated
	if inv := st.pending("ann@x.io"); len(inv) != 1 || inv[0].id != "sim-1" || inv[0].level != levelAdmin {
		t.Errorf("invitations after two: %+v", inv)
	}
}
