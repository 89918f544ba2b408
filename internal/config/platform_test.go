package config

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/roster-dev/roster/internal/model"
)

// The tables of schema/platforms.md, word for word.
type wantRole struct {
	name string
	caps string // comma-separated, or "*"
}

type wantPlatform struct {
	guests        bool
	guestTeamRole string
	memberGrants  bool
	groups        bool
	ssoModes      []string
	twoFactor     bool
	team, site    []wantRole
}

var platformsMD = map[string]wantPlatform{
	"plausible": {
		guests: true, guestTeamRole: "", memberGrants: false, groups: false,
		ssoModes: []string{"none", "all_but_owners"}, twoFactor: true,
		team: []wantRole{
			{"billing", "manage_billing"},
			{"viewer", "view_reports, view_cost_data, view_revenue_data, export_data, create_shared_links"},
			{"editor", "view_reports, view_cost_data, view_revenue_data, export_data, create_shared_links, edit_settings, manage_goals, manage_integrations"},
			{"admin", "view_reports, view_cost_data, view_revenue_data, export_data, create_shared_links, edit_settings, manage_goals, manage_integrations, manage_members, api_access, create_sites"},
			{"owner", "*"},
		},
		site: []wantRole{
			{"viewer", "view_reports, view_cost_data, view_revenue_data, export_data, create_shared_links"},
			{"editor", "view_reports, view_cost_data, view_revenue_data, export_data, create_shared_links, edit_settings, manage_goals, manage_integrations"},
		},
	},
	"piwikpro": {
		guests: true, guestTeamRole: "user", memberGrants: true, groups: true,
		ssoModes: []string{}, twoFactor: false,
		team: []wantRole{
			{"user", ""},
			{"owner", "view_reports, view_cost_data, view_revenue_data, export_data, edit_dashboards, edit_settings, manage_goals, manage_integrations, manage_tags, publish_tags, manage_members, create_sites, delete_site"},
		},
		site: []wantRole{
			{"no_access", ""},
			{"view", "view_reports, view_cost_data, view_revenue_data, export_data"},
			{"edit", "view_reports, view_cost_data, view_revenue_data, export_data, edit_dashboards, edit_settings, manage_goals, manage_tags"},
			{"edit_publish", "view_reports, view_cost_data, view_revenue_data, export_data, edit_dashboards, edit_settings, manage_goals, manage_tags, publish_tags"},
			{"manage", "view_reports, view_cost_data, view_revenue_data, export_data, edit_dashboards, edit_settings, manage_goals, manage_tags, publish_tags, manage_members"},
		},
	},
	"posthog": {
		guests: true, guestTeamRole: "member", memberGrants: true, groups: false,
		ssoModes: []string{}, twoFactor: false,
		team: []wantRole{
			{"member", ""},
			{"admin", "view_reports, view_cost_data, view_revenue_data, export_data, create_shared_links, edit_dashboards, edit_settings, manage_integrations, manage_members, create_sites"},
			{"owner", "view_reports, view_cost_data, view_revenue_data, export_data, create_shared_links, edit_dashboards, edit_settings, manage_integrations, manage_members, create_sites, manage_billing, delete_site, delete_team"},
		},
		site: []wantRole{
			{"viewer", "view_reports, view_cost_data, view_revenue_data"},
			{"member", "view_reports, view_cost_data, view_revenue_data, export_data, create_shared_links, edit_dashboards"},
			{"admin", "view_reports, view_cost_data, view_revenue_data, export_data, create_shared_links, edit_dashboards, edit_settings, manage_integrations, manage_members"},
		},
	},
	// ga4.md "Capability matrix proposal" (schema/platforms.md, version 2): a `?`
	// cell is not held; each restricted variant drops view_cost_data and/or
	// view_revenue_data and sits just below its base role.
	"ga4": {
		guests: true, guestTeamRole: "", memberGrants: true, groups: false,
		ssoModes: []string{}, twoFactor: false,
		team: ga4Roles(),
		site: ga4Roles(),
	},
}

func ga4Roles() []wantRole {
	base := []struct{ name, caps string }{
		{"viewer", "view_reports, view_cost_data, view_revenue_data, export_data"},
		{"analyst", "view_reports, view_cost_data, view_revenue_data, export_data, edit_dashboards"},
		{"editor", "view_reports, view_cost_data, view_revenue_data, export_data, edit_dashboards, edit_settings, manage_goals, manage_integrations"},
		{"admin", "view_reports, view_cost_data, view_revenue_data, export_data, edit_dashboards, edit_settings, manage_goals, manage_integrations, manage_members"},
	}
	var out []wantRole
	for _, b := range base {
		noCost := strings.Replace(b.caps, "view_cost_data, ", "", 1)
		noRevenue := strings.Replace(b.caps, "view_revenue_data, ", "", 1)
		noBoth := strings.Replace(noCost, "view_revenue_data, ", "", 1)
		out = append(out, wantRole{b.name + "_no_cost_no_revenue", noBoth}, wantRole{b.name + "_no_cost", noCost},
			wantRole{b.name + "_no_revenue", noRevenue}, wantRole{b.name, b.caps})
	}
	return out
}

func TestBuiltinPlatforms(t *testing.T) {
	for _, d := range builtinDiags() {
		t.Errorf("embedded profile: %s", diagText(d))
	}
	got := BuiltinPlatforms()
	if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, []string{"ga4", "matomo", "piwikpro", "plausible", "posthog"}) {
		t.Fatalf("built-in platforms = %v", names)
	}
	for name, want := range platformsMD {
		p := got[name]
		if !p.Builtin || p.Name != name {
			t.Errorf("%s: Builtin=%v Name=%q", name, p.Builtin, p.Name)
		}
		if p.Guests != want.guests || p.GuestTeamRole != want.guestTeamRole || p.MemberGrants != want.memberGrants ||
			p.Groups != want.groups || p.TwoFactor != want.twoFactor || !slices.Equal(p.SSOModes, want.ssoModes) {
			t.Errorf("%s: profile %+v, want %+v", name, p, want)
		}
		checkRoles(t, name, model.TeamRole, p.TeamRoles, want.team)
		checkRoles(t, name, model.SiteRole, p.SiteRoles, want.site)
	}
}

func checkRoles(t *testing.T, platform string, kind model.RoleKind, got []*model.Role, want []wantRole) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d %s roles, want %d", platform, len(got), kind, len(want))
		return
	}
	for i, w := range want {
		r := got[i]
		if r.Name != w.name || r.Kind != kind || r.Rank != i {
			t.Errorf("%s: %s role %d is %q (kind %s, rank %d), want %q", platform, kind, i, r.Name, r.Kind, r.Rank, w.name)
		}
		if w.caps == "*" {
			if !r.Wildcard || r.Caps != model.AllCaps {
				t.Errorf("%s: %s role %s: want every capability", platform, kind, r.Name)
			}
			continue
		}
		var wantCaps []model.Capability
		if w.caps != "" {
			for _, c := range strings.Split(w.caps, ", ") {
				if !model.IsCapability(c) {
					t.Fatalf("test table: %q is no capability", c)
				}
				wantCaps = append(wantCaps, model.Capability(c))
			}
		}
		if r.Wildcard || r.Caps != model.CapSetOf(wantCaps...) {
			t.Errorf("%s: %s role %s has %v, want %v", platform, kind, r.Name, r.Caps.Strings(), w.caps)
		}
		if r.Range.Filename == "" {
			t.Errorf("%s: %s role %s has no range", platform, kind, r.Name)
		}
	}
}

func TestBuiltinPlatformsIsACopy(t *testing.T) {
	m := BuiltinPlatforms()
	delete(m, "plausible")
	if _, ok := BuiltinPlatforms()["plausible"]; !ok {
		t.Error("changing the returned map changed the built-ins")
	}
}

func parseBlock(t *testing.T, src string) *hcl.Block {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "p.hcl", hcl.Pos{Line: 1, Column: 1})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return f.Body.(*hclsyntax.Body).Blocks[0].AsHCLBlock()
}

func TestDecodePlatform(t *testing.T) {
	p, diags := DecodePlatform(parseBlock(t, `platform "mixpanel" {
  guests          = true
  guest_team_role = "user"
  member_grants   = false
  groups          = false
  sso_modes       = ["saml"]
  two_factor      = true
  team_role "user" { capabilities = [] }
  team_role "superuser" { capabilities = ["*"] }
  site_role "view" { capabilities = ["view_reports", "export_data"] }
  site_role "admin" { capabilities = ["view_reports", "export_data", "edit_settings", "manage_members"] }
}`))
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	if p.Name != "mixpanel" || p.Builtin || !p.Guests || p.GuestTeamRole != "user" || p.MemberGrants || p.Groups || !p.TwoFactor || !slices.Equal(p.SSOModes, []string{"saml"}) {
		t.Errorf("profile %+v", p)
	}
	if got := p.RoleNames(model.TeamRole, false); !slices.Equal(got, []string{"user", "superuser"}) {
		t.Errorf("team roles %v", got)
	}
	admin, _ := p.SiteRole("admin")
	if admin.Rank != 1 || !admin.Caps.Has(model.ManageMembers) || admin.Caps.Has(model.APIAccess) {
		t.Errorf("admin %+v", admin)
	}
	if p.Range.Start.Line != 1 || admin.Range.Start.Line != 11 {
		t.Errorf("ranges %v %v", p.Range, admin.Range)
	}

	_, diags = DecodePlatform(parseBlock(t, `platform "x" {
  guest_team_role = "nobody"
}`))
	if got := diagSummaries(diags); !slices.Equal(got, []string{"Unknown guest_team_role", "Platform without roles"}) && !slices.Equal(got, []string{"Platform without roles", "Unknown guest_team_role"}) {
		t.Errorf("diagnostics %v", got)
	}
	if _, diags := DecodePlatform(parseBlock(t, `platform "a" "b" {}`)); !diags.HasErrors() {
		t.Error("a platform block with two labels decoded")
	}
	if _, diags := DecodePlatform(nil); !diags.HasErrors() {
		t.Error("nil block decoded")
	}
}

func diagSummaries(diags hcl.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		out = append(out, d.Summary)
	}
	return out
}

func TestDeclaredPlatformInConfig(t *testing.T) {
	res := LoadSources([]Source{{Name: "p.hcl", Data: []byte(`
platform "mixpanel" {
  team_role "user" { capabilities = [] }
  site_role "view" { capabilities = ["view_reports"] }
}
`)}})
	if res.Diags.HasErrors() {
		t.Fatal(res.Diags)
	}
	ps := res.Config.Platforms
	if len(ps) != len(BuiltinNames())+1 || ps["mixpanel"] == nil || ps["mixpanel"].Builtin || !ps["plausible"].Builtin {
		t.Errorf("platforms %v", slices.Sorted(maps.Keys(ps)))
	}
	if m := ps["mixpanel"]; m.Guests || m.GuestTeamRole != "" || m.MemberGrants || m.Groups || m.TwoFactor || m.SSOModes == nil || len(m.SSOModes) != 0 {
		t.Errorf("defaults of an unwritten attribute: %+v", m)
	}
	// platforms.md version 2: every role that holds view_reports holds
	// view_cost_data and view_revenue_data too, on declared platforms as on
	// built-in ones; a role without view_reports gets neither.
	view, _ := ps["mixpanel"].SiteRole("view")
	user, _ := ps["mixpanel"].TeamRole("user")
	if !view.Caps.Has(model.ViewCostData) || !view.Caps.Has(model.ViewRevenueData) || view.Caps.Has(model.ExportData) {
		t.Errorf("view of a declared platform holds %v", view.Caps)
	}
	if user.Caps != 0 {
		t.Errorf("user of a declared platform holds %v", user.Caps)
	}
}
