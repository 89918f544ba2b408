package ga4

import (
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// liveFixture: the service account and ann administer account 100; bob
// views it; jane holds an analyst binding on property 1000 (site Web).
func liveFixture() *liveState {
	return &liveState{
		account: "accounts/100",
		members: map[string]*binding{
			saEmail:        {name: "accounts/100/accessBindings/1", user: saEmail, role: "admin"},
			"ann@acme.com": {name: "accounts/100/accessBindings/2", user: "Ann@Acme.com", role: "admin"},
			"bob@acme.com": {name: "accounts/100/accessBindings/3", user: "bob@acme.com", role: "viewer"},
		},
		grants: map[string]map[string]*binding{
			"1000": {"jane@agency.com": {name: "properties/1000/accessBindings/9", user: "jane@agency.com", role: "analyst"}},
		},
		siteIDs: map[string]string{"Web": "1000", "App": "1001"},
	}
}

// TestDecide: each change becomes one request, chosen from the live state
// alone (ga4.md, What a reconciler must do, 4).
func TestDecide(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change plan.Change
		want   string // METHOD path body, "" for nothing sent
		err    string
	}{
		{"member create: POST on the account", memberChange(plan.Create, "carol@acme.com", "", "analyst_no_cost"),
			`POST /v1alpha/accounts/100/accessBindings carol@acme.com [predefinedRoles/analyst predefinedRoles/no-cost-data]`, ""},
		{"grant create: POST on the property", grantChange(plan.Create, "App", "kim@agency.com", "", "viewer_no_revenue"),
			`POST /v1alpha/properties/1001/accessBindings kim@agency.com [predefinedRoles/viewer predefinedRoles/no-revenue-data]`, ""},
		{"role change: PATCH the whole list, under the address GA4 returned", memberChange(plan.Update, "bob@acme.com", "viewer", "editor"),
			`PATCH /v1alpha/accounts/100/accessBindings/3 bob@acme.com [predefinedRoles/editor]`, ""},
		{"a create where a binding exists PATCHes it", grantChange(plan.Create, "Web", "jane@agency.com", "", "viewer"),
			`PATCH /v1alpha/properties/1000/accessBindings/9 jane@agency.com [predefinedRoles/viewer]`, ""},
		{"removal: DELETE, never a PATCH with no roles", grantChange(plan.Delete, "Web", "jane@agency.com", "analyst", ""),
			`DELETE /v1alpha/properties/1000/accessBindings/9`, ""},
		{"same role, other holder: nothing sent", grantChange(plan.Update, "Web", "jane@agency.com", "analyst", "analyst"), "", ""},
		{"a site roster does not manage: nothing sent", plan.Change{Addr: model.SiteAddress("acme", "Web"), Action: plan.Create}, "", ""},
		{"the service account's own binding is never changed", memberChange(plan.Update, saEmail, "admin", "viewer"), "", "never changes the binding of the service account"},
		{"a removal of what is gone", memberChange(plan.Delete, "zed@acme.com", "viewer", ""), "", "has no binding for zed@acme.com"},
		{"an undeclared property", grantChange(plan.Create, "Blog", "kim@agency.com", "", "viewer"), "", "site Blog was not found"},
		{"demoting the last other Administrator", memberChange(plan.Update, "ann@acme.com", "admin", "editor"), "", "the last Administrator of Google Analytics account 100"},
		{"a restricted admin is still an Administrator", memberChange(plan.Update, "ann@acme.com", "admin", "admin_no_cost"),
			`PATCH /v1alpha/accounts/100/accessBindings/2 Ann@Acme.com [predefinedRoles/admin predefinedRoles/no-cost-data]`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, send, err := decide(liveFixture(), saEmail, "100", &tc.change)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || send {
					t.Fatalf("got %v (send %v), want an error with %q", err, send, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if send {
				got = req.Method + " " + req.Path
				if req.Body != nil {
					got += " " + req.Body.User + " " + "[" + strings.Join(req.Body.Roles, " ") + "]"
				}
			}
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestLastAdminPlan: the whole plan of a team is checked before anything
// is sent, whatever the order of its changes.
func TestLastAdminPlan(t *testing.T) {
	roles := liveFixture().memberRoles()
	for _, tc := range []struct {
		name    string
		changes []plan.Change
		refused []string // addresses named
	}{
		{"removing ann", []plan.Change{memberChange(plan.Delete, "ann@acme.com", "admin", "")}, []string{"member/acme/ann@acme.com"}},
		{"demoting ann", []plan.Change{memberChange(plan.Update, "ann@acme.com", "admin", "viewer")}, []string{"member/acme/ann@acme.com"}},
		{"removing ann while bob becomes admin", []plan.Change{
			memberChange(plan.Delete, "ann@acme.com", "admin", ""),
			memberChange(plan.Update, "bob@acme.com", "viewer", "admin"),
		}, nil},
		{"a new admin, then ann demoted", []plan.Change{
			memberChange(plan.Create, "carol@acme.com", "", "admin_no_revenue"),
			memberChange(plan.Update, "ann@acme.com", "admin", "viewer"),
		}, nil},
		{"ann demoted and the new admin's create is only a role on a property", []plan.Change{
			grantChange(plan.Create, "Web", "carol@acme.com", "", "admin"),
			memberChange(plan.Update, "ann@acme.com", "admin", "viewer"),
		}, []string{"member/acme/ann@acme.com"}},
		{"unrelated changes", []plan.Change{memberChange(plan.Update, "bob@acme.com", "viewer", "analyst")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, c := range lastAdmin(roles, saEmail, tc.changes) {
				got = append(got, c.Addr.String())
			}
			if !slices.Equal(got, tc.refused) {
				t.Errorf("refused %v, want %v", got, tc.refused)
			}
		})
	}
	// An account with no other Administrator already is refused nothing
	// that takes none away.
	alone := map[string]string{saEmail: "admin", "bob@acme.com": "viewer"}
	if got := lastAdmin(alone, saEmail, []plan.Change{memberChange(plan.Update, "bob@acme.com", "viewer", "editor")}); got != nil {
		t.Errorf("refused %v", got)
	}
}

// TestMootGrants: a grant at or below the person's declared account role
// is moot; one that raises any capability is not (ga4.md, Direct vs
// effective access).
func TestMootGrants(t *testing.T) {
	p := config.BuiltinPlatforms()["ga4"]
	declared := []*model.Object{
		{Addr: model.MemberAddress("acme", "ann@acme.com"), Role: "editor"},
		{Addr: model.PersonGrantAddress("acme", "Web", "ann@acme.com"), Role: "viewer_no_revenue"},
		{Addr: model.PersonGrantAddress("acme", "App", "ann@acme.com"), Role: "editor"},
		{Addr: model.MemberAddress("acme", "bob@acme.com"), Role: "viewer_no_cost"},
		{Addr: model.PersonGrantAddress("acme", "Web", "bob@acme.com"), Role: "viewer"},
		{Addr: model.PersonGrantAddress("acme", "Web", "jane@agency.com"), Role: "viewer"},
	}
	var got []string
	for _, m := range mootGrants(p, declared) {
		got = append(got, m.grant.Addr.String()+" "+m.teamRole)
	}
	want := []string{"grant/acme/App/ann@acme.com editor", "grant/acme/Web/ann@acme.com editor"}
	if !slices.Equal(got, want) {
		t.Errorf("moot %v, want %v", got, want)
	}
}

// TestCheckPlan: the driver's plan check names each change that takes the
// last other Administrator away, with the role it had live.
func TestCheckPlan(t *testing.T) {
	d := &Driver{team: &driver.Team{Name: "acme", Conn: model.Connection{AccountID: "100"}}, c: &client{key: &key{email: saEmail}}, live: liveFixture(), refreshed: true}
	err := d.CheckPlan([]plan.Change{
		memberChange(plan.Update, "bob@acme.com", "viewer", "analyst"),
		memberChange(plan.Delete, "ann@acme.com", "admin", ""),
	})
	want := "member/acme/ann@acme.com would be removed (role admin), but that is the last Administrator of Google Analytics account 100 besides roster's own service account " + saEmail
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v\nwant %s...", err, want)
	}
	if err := d.CheckPlan([]plan.Change{memberChange(plan.Update, "bob@acme.com", "viewer", "admin"), memberChange(plan.Delete, "ann@acme.com", "admin", "")}); err != nil {
		t.Errorf("a handover refused: %v", err)
	}
	if err := (&Driver{}).CheckPlan([]plan.Change{memberChange(plan.Delete, "ann@acme.com", "admin", "")}); err != nil {
		t.Errorf("before a refresh: %v", err)
	}
}
