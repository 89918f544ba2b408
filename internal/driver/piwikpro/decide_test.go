package piwikpro

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// TestDecide checks, without any server, the requests a change sends in
// a live state, recorded by a simulation.
func TestDecide(t *testing.T) {
	live := func() *state {
		st := newState()
		for _, u := range []*liveUser{
			{id: "u-ann", email: "ann@x.io", role: roleUser},
			{id: "u-bob", email: "bob@x.io", role: roleOwner},
			{id: "u-gus", email: "gus@agency.io", role: roleUser},
		} {
			st.addUser(u)
		}
		st.setPerm("app-web", "u-ann", "view")
		st.setPerm("app-web", "u-gus", "view")
		st.setPerm("app-shop", "u-gus", "edit")
		st.ownerGrants["bob@x.io"] = map[string]string{"app-web": "manage"}
		st.groups["ops"] = &liveGroup{id: "g-ops", name: "Ops", label: "ops", members: map[string]bool{"ann@x.io": true}}
		st.setGroupPerm("app-web", "g-ops", "edit")
		return st
	}
	d := &Driver{team: &driver.Team{Name: "acme", Guests: map[string]bool{"gus@agency.io": true}},
		siteIDs: map[string]string{"web": "app-web", "shop": "app-shop"},
		siteOf:  map[string]string{"app-web": "web", "app-shop": "shop"}}
	group := func(action plan.Action, label string, before, after []string) plan.Change {
		c := plan.Change{Addr: model.GroupAddress("acme", label), Action: action}
		if before != nil {
			c.Before = &model.Object{Addr: c.Addr, Members: before}
		}
		if after != nil {
			c.After = &model.Object{Addr: c.Addr, Members: after}
		}
		return c
	}
	for _, tc := range []struct {
		name    string
		changes []plan.Change // in apply order; the first is decided
		want    []request
		err     string
	}{
		{name: "invite a member",
			changes: []plan.Change{memberChange(plan.Create, "dave@x.io", "", "user")},
			want:    []request{{kind: inviteUser, email: "dave@x.io"}}},
		{name: "invite an owner: invite, then promote",
			changes: []plan.Change{memberChange(plan.Create, "dave@x.io", "", "owner")},
			want:    []request{{kind: inviteUser, email: "dave@x.io"}, {kind: changeRole, id: "sim-user-dave@x.io", level: roleOwner}}},
		{name: "promote a user",
			changes: []plan.Change{memberChange(plan.Update, "ann@x.io", "user", "owner")},
			want:    []request{{kind: changeRole, id: "u-ann", level: roleOwner}}},
		{name: "demote an owner: their recorded grants become permissions",
			changes: []plan.Change{memberChange(plan.Update, "bob@x.io", "owner", "user")},
			want: []request{{kind: changeRole, id: "u-bob", level: roleUser},
				{kind: setUserPermission, app: "app-web", id: "u-bob", level: "manage"}}},
		{name: "remove a user",
			changes: []plan.Change{memberChange(plan.Delete, "ann@x.io", "user", "")},
			want:    []request{{kind: deleteUser, id: "u-ann"}}},
		{name: "a grant is a permission",
			changes: []plan.Change{grantChange(plan.Create, "shop", "ann@x.io", "", "edit_publish", model.HolderMember)},
			want:    []request{{kind: setUserPermission, app: "app-shop", id: "u-ann", level: "edit-publish"}}},
		{name: "a grant Piwik PRO holds already",
			changes: []plan.Change{grantChange(plan.Update, "web", "ann@x.io", "edit", "view", model.HolderMember)}},
		{name: "a removed grant is no-access",
			changes: []plan.Change{grantChange(plan.Delete, "web", "ann@x.io", "view", "", model.HolderMember)},
			want:    []request{{kind: setUserPermission, app: "app-web", id: "u-ann", level: noAccess}}},
		{name: "an owner's grant is recorded, not sent",
			changes: []plan.Change{grantChange(plan.Create, "shop", "bob@x.io", "", "view", model.HolderMember)}},
		{name: "a guest's first grant invites them first",
			changes: []plan.Change{grantChange(plan.Create, "web", "zoe@agency.io", "", "view", model.HolderGuest)},
			want: []request{{kind: inviteUser, email: "zoe@agency.io"},
				{kind: setUserPermission, app: "app-web", id: "sim-user-zoe@agency.io", level: "view"}}},
		{name: "a member who stays a guest keeps their user",
			changes: []plan.Change{
				memberChange(plan.Delete, "gus@agency.io", "user", ""),
				grantChange(plan.Delete, "web", "gus@agency.io", "view", "", model.HolderGuest),
			}},
		{name: "create a group with its members",
			changes: []plan.Change{group(plan.Create, "analysts", nil, []string{"ann@x.io", "new@x.io"})},
			want: []request{{kind: createGroup, name: "analysts"}, {kind: inviteUser, email: "new@x.io"},
				{kind: addGroupUsers, id: "sim-group-analysts", users: []string{"u-ann", "sim-user-new@x.io"}}}},
		{name: "a group's members: add, then remove",
			changes: []plan.Change{group(plan.Update, "ops", []string{"ann@x.io"}, []string{"gus@agency.io"})},
			want: []request{{kind: addGroupUsers, id: "g-ops", users: []string{"u-gus"}},
				{kind: removeGroupUsers, id: "g-ops", users: []string{"u-ann"}}}},
		{name: "delete a group",
			changes: []plan.Change{group(plan.Delete, "ops", []string{"ann@x.io"}, nil)},
			want:    []request{{kind: deleteGroup, id: "g-ops"}}},
		{name: "a group's grant",
			changes: []plan.Change{groupGrantChange(plan.Update, "web", "ops", "edit", "manage")},
			want:    []request{{kind: setGroupPermission, app: "app-web", id: "g-ops", level: "manage"}}},
		{name: "a group's removed grant is no-access",
			changes: []plan.Change{groupGrantChange(plan.Delete, "web", "ops", "edit", "")},
			want:    []request{{kind: setGroupPermission, app: "app-web", id: "g-ops", level: noAccess}}},
		{name: "no such permission",
			changes: []plan.Change{grantChange(plan.Create, "web", "ann@x.io", "", "admin", model.HolderMember)},
			err:     `Piwik PRO has no app permission "admin"`},
		{name: "no such role",
			changes: []plan.Change{memberChange(plan.Update, "ann@x.io", "user", "admin")},
			err:     `Piwik PRO has no account role "admin"`},
		{name: "an undeclared site",
			changes: []plan.Change{grantChange(plan.Create, "blog", "ann@x.io", "", "view", model.HolderMember)},
			err:     `site "blog" is not a declared site of team acme`},
		{name: "an update of someone gone",
			changes: []plan.Change{memberChange(plan.Update, "zed@x.io", "user", "owner")},
			err:     "no longer exists in Piwik PRO"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := &simulation{}
			err := d.decide(&op{d: d, r: newRun(tc.changes), st: live(), addr: tc.changes[0].Addr, s: sim}, 0)
			if drivertest.WantErr(t, err, tc.err) {
				return
			}
			if diff := cmp.Diff(tc.want, sim.sent, cmp.AllowUnexported(request{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}
