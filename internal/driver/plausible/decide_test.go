package plausible

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// TestDecide checks, without any server, which requests each change
// sends, which are manual steps, and which are refused.
func TestDecide(t *testing.T) {
	v := view{
		team:    "acme",
		siteIDs: map[string]string{"a.com": "a.com", "shop": "shop.example"},
		members: []map[string]bool{{"owner@acme.com": true}, {"declared@acme.com": true}, {"promoted@agency.io": true}},
		guests: map[string]map[string]*liveGuest{
			"a.com": {
				"ann@agency.io": {role: "viewer", status: statusAccepted},
				"bob@agency.io": {role: "editor", status: statusInvited},
			},
		},
	}
	put := func(domain, email, role string) request {
		return request{op: putGuest, domain: domain, email: email, role: role}
	}
	del := func(domain, email string) request { return request{op: deleteGuest, domain: domain, email: email} }
	for _, tc := range []struct {
		name     string
		c        plan.Change
		reinvite bool
		manual   string // a part of the manual step's reason; "" when none
		want     decision
		err      string // a part of the error; "" when none
	}{
		{name: "invite a guest", c: grantChange(plan.Create, "a.com", "new@agency.io", "", "viewer", ""),
			want: decision{requests: []request{put("a.com", "new@agency.io", "viewer")}}},
		{name: "invite on a site by its remote id", c: grantChange(plan.Create, "shop", "new@agency.io", "", "editor", ""),
			want: decision{requests: []request{put("shop.example", "new@agency.io", "editor")}}},
		{name: "never invite a team member", c: grantChange(plan.Create, "a.com", "declared@acme.com", "", "viewer", ""),
			manual: "Plausible refuses a guest invitation", err: "roster never sends a guest invitation"},
		{name: "never invite someone being made a member", c: grantChange(plan.Create, "a.com", "promoted@agency.io", "", "viewer", ""),
			manual: "Plausible refuses a guest invitation", err: "roster never sends a guest invitation"},
		{name: "no such guest role", c: grantChange(plan.Create, "a.com", "new@agency.io", "", "admin", ""),
			err: `Plausible has no guest role "admin"`},
		{name: "remove a guest", c: grantChange(plan.Delete, "a.com", "ann@agency.io", "viewer", "", model.StatusActive),
			want: decision{requests: []request{del("a.com", "ann@agency.io")}, outcome: driver.Applied}},
		{name: "removal of someone being made a member is theirs", c: grantChange(plan.Delete, "a.com", "promoted@agency.io", "viewer", "", model.StatusActive),
			manual: "Plausible removes their guest access", want: decision{requests: []request{del("a.com", "promoted@agency.io")}, outcome: driver.Applied}},
		{name: "an invited guest's role: replace the invitation", c: grantChange(plan.Update, "a.com", "bob@agency.io", "editor", "viewer", model.StatusInvited),
			want: decision{requests: []request{del("a.com", "bob@agency.io"), put("a.com", "bob@agency.io", "viewer")}}},
		{name: "an accepted guest's role is manual", c: grantChange(plan.Update, "a.com", "ann@agency.io", "viewer", "editor", model.StatusActive),
			manual: "Planning with --reinvite", err: "unless planned with --reinvite"},
		{name: "an accepted guest's role with --reinvite", c: grantChange(plan.Update, "a.com", "ann@agency.io", "viewer", "editor", model.StatusActive), reinvite: true,
			want: decision{requests: []request{del("a.com", "ann@agency.io"), put("a.com", "ann@agency.io", "editor")}}},
		{name: "accepted from the plan when no live row", c: grantChange(plan.Update, "a.com", "gone@agency.io", "viewer", "editor", model.StatusActive),
			manual: "has accepted the invitation", err: "has accepted the invitation"},
		{name: "same role, invited: nothing to send", c: grantChange(plan.Update, "a.com", "bob@agency.io", "editor", "editor", model.StatusInvited),
			want: decision{outcome: driver.Invited}},
		{name: "same role, accepted: nothing to send", c: grantChange(plan.Update, "a.com", "ann@agency.io", "viewer", "viewer", model.StatusActive),
			want: decision{outcome: driver.Applied}},
		{name: "undeclared site", c: grantChange(plan.Create, "b.com", "new@agency.io", "", "viewer", ""),
			err: `site "b.com" is not a declared site of team acme`},
		{name: "a team member change is manual", c: memberChange(plan.Create, "new@acme.com", "", "admin"),
			manual: "Plausible has no API for team members", err: "this change is a manual step"},
		{name: "a team setting is manual", c: plan.Change{Addr: model.TeamAddress("acme"), Action: plan.Update},
			manual: "no API for team settings", want: decision{outcome: driver.Applied}},
		{name: "a site is the engine's", c: plan.Change{Addr: model.SiteAddress("acme", "a.com"), Action: plan.Create},
			want: decision{outcome: driver.Applied}},
		{name: "no groups", c: plan.Change{Addr: model.GroupAddress("acme", "ops"), Action: plan.Create},
			err: "Plausible has no groups"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := v
			v.reinvite = tc.reinvite
			manual, why := v.manual(&tc.c)
			if manual != (tc.manual != "") || !strings.Contains(why, tc.manual) {
				t.Errorf("manual %v %q, want %q", manual, why, tc.manual)
			}
			got, err := v.decide(&tc.c)
			if drivertest.WantErr(t, err, tc.err) {
				return
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(decision{}, request{})); diff != "" {
				t.Errorf("decision (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWrites counts the writes of changes as Cost does: manual steps
// send none, a role change two.
func TestWrites(t *testing.T) {
	v := view{team: "acme", siteIDs: map[string]string{"a.com": "a.com"},
		members: []map[string]bool{{"owner@acme.com": true}}, reinvite: true}
	changes := []plan.Change{
		grantChange(plan.Create, "a.com", "new@agency.io", "", "viewer", ""),
		grantChange(plan.Create, "a.com", "owner@acme.com", "", "viewer", ""), // manual
		grantChange(plan.Delete, "a.com", "old@agency.io", "viewer", "", model.StatusActive),
		grantChange(plan.Update, "a.com", "ann@agency.io", "viewer", "editor", model.StatusActive),
		grantChange(plan.Update, "a.com", "bob@agency.io", "viewer", "viewer", model.StatusActive),
		memberChange(plan.Create, "x@acme.com", "", "admin"),
	}
	if got := v.writes(changes); got != 4 {
		t.Errorf("writes %d, want 4", got)
	}
}
