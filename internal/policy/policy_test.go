package policy

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

func intp(n int) *int { return &n }

var now = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

func plausible() *model.Platform {
	mk := func(name string, kind model.RoleKind, caps ...model.Capability) *model.Role {
		return &model.Role{Name: name, Kind: kind, Caps: model.CapSetOf(caps...)}
	}
	viewer := []model.Capability{model.ViewReports, model.ExportData, model.CreateSharedLinks}
	return &model.Platform{
		Name: "plausible", Guests: true,
		TeamRoles: []*model.Role{
			mk("billing", model.TeamRole, model.ManageBilling),
			mk("viewer", model.TeamRole, viewer...),
			mk("admin", model.TeamRole, append(viewer, model.ManageMembers, model.APIAccess)...),
			mk("owner", model.TeamRole, model.Wildcard),
		},
		SiteRoles: []*model.Role{mk("viewer", model.SiteRole, viewer...), mk("editor", model.SiteRole, append(viewer, model.EditSettings)...)},
	}
}

func decl(line int) *model.Decl {
	r := hcl.Range{Filename: "main.hcl", Start: hcl.Pos{Line: line, Column: 1, Byte: line * 10}, End: hcl.Pos{Line: line, Column: 5, Byte: line*10 + 4}}
	var f model.SpanFiles
	return &model.Decl{Range: f.Span(r), Holder: &model.HolderDecl{Range: f.Span(r)}}
}

func member(email, role, expires, ticket string, line int) *model.Object {
	return &model.Object{Addr: model.MemberAddress("acme", email), Role: role, Expires: expires, Ticket: ticket, Status: model.StatusActive, Decl: decl(line)}
}

func guestGrant(email, site, role, expires, ticket string, line int) *model.Object {
	return &model.Object{Addr: model.PersonGrantAddress("acme", site, email), Role: role, HolderKind: model.HolderGuest, Expires: expires, Ticket: ticket, Status: model.StatusActive, Decl: decl(line)}
}

func newConfig(pol *model.Policy, objs ...*model.Object) *model.Config {
	team := &model.Object{Addr: model.TeamAddress("acme"), Platform: "plausible", Decl: decl(1)}
	return &model.Config{
		Platforms: map[string]*model.Platform{"plausible": plausible()},
		Objects:   append([]*model.Object{team}, objs...),
		Policy:    pol,
	}
}

// errorsOf returns "rule@line" for every error, and the warnings' summaries.
func errorsOf(diags hcl.Diagnostics) (errs, warns []string) {
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			warns = append(warns, d.Summary)
			continue
		}
		// The rule as callers read it (RuleOf), which the summary names.
		rule, ok := RuleOf(d)
		if !ok || !strings.HasPrefix(d.Summary, "Policy "+rule+":") {
			rule = "no rule in " + strconv.Quote(d.Summary)
		}
		line := 0
		if d.Subject != nil {
			line = d.Subject.Start.Line
		}
		errs = append(errs, rule+"@"+strconv.Itoa(line))
	}
	return
}

func TestRules(t *testing.T) {
	internal := []string{"acme.com"}
	cases := []struct {
		name  string
		cfg   *model.Config
		errs  []string
		warns []string
	}{
		{"min_owners holds", newConfig(&model.Policy{InternalDomains: internal, MinOwners: intp(2)},
			member("a@acme.com", "owner", "", "T", 2), member("b@acme.com", "owner", "", "T", 3)), nil, nil},
		{"min_owners violated", newConfig(&model.Policy{InternalDomains: internal, MinOwners: intp(2)},
			member("a@acme.com", "owner", "", "T", 2), member("b@acme.com", "admin", "", "T", 3)), []string{"min_owners@1"}, nil},
		{"min_owners does not count an owner expired at now", newConfig(&model.Policy{InternalDomains: internal, MinOwners: intp(2)},
			member("a@acme.com", "owner", "", "T", 2), member("b@acme.com", "owner", "2026-11-25T23:59:59Z", "T", 3)), []string{"min_owners@1"}, nil},
		{"single owner warns when min_owners unset", newConfig(&model.Policy{InternalDomains: internal},
			member("a@acme.com", "owner", "", "T", 2)), nil, []string{"Team acme has a single owner"}},
		{"external_expiry violated by a guest", newConfig(&model.Policy{InternalDomains: internal, ExternalExpiry: true},
			guestGrant("j@agency.com", "s", "viewer", "", "T", 4)), []string{"external_expiry@4"}, nil},
		{"external_expiry: a subdomain of an internal domain is internal", newConfig(&model.Policy{InternalDomains: internal, ExternalExpiry: true},
			guestGrant("j@EU.Acme.com", "s", "viewer", "", "T", 4)), nil, nil},
		{"external_expiry: a look-alike domain is external", newConfig(&model.Policy{InternalDomains: internal, ExternalExpiry: true},
			guestGrant("j@notacme.com", "s", "viewer", "", "T", 4)), []string{"external_expiry@4"}, nil},
		{"external_expiry holds with an expiry", newConfig(&model.Policy{InternalDomains: internal, ExternalExpiry: true},
			guestGrant("j@agency.com", "s", "viewer", "2027-01-01T23:59:59Z", "T", 4)), nil, nil},
		{"guest without expiry warns when external_expiry unset", newConfig(&model.Policy{InternalDomains: internal},
			guestGrant("j@agency.com", "s", "viewer", "", "T", 4)), nil, []string{"Guest without expiry"}},
		{"max_grant_days: exactly at the limit holds", newConfig(&model.Policy{InternalDomains: internal, MaxGrantDays: intp(30)},
			guestGrant("j@agency.com", "s", "viewer", "2026-12-26T00:00:00Z", "T", 4)), nil, nil},
		{"max_grant_days: one second past the limit", newConfig(&model.Policy{InternalDomains: internal, MaxGrantDays: intp(30)},
			guestGrant("j@agency.com", "s", "viewer", "2026-12-26T00:00:01Z", "T", 4)), []string{"max_grant_days@4"}, nil},
		{"require_ticket on member and grant", newConfig(&model.Policy{InternalDomains: internal, RequireTicket: true},
			member("a@acme.com", "viewer", "", "", 2), guestGrant("j@agency.com", "s", "viewer", "2027-01-01T00:00:00Z", "", 5)),
			[]string{"require_ticket@2", "require_ticket@5"}, nil},
		{"external_forbidden on a team role", newConfig(&model.Policy{InternalDomains: internal, ExternalForbidden: []model.Capability{model.APIAccess}},
			member("x@agency.com", "admin", "2027-01-01T00:00:00Z", "T", 2)), []string{"external_forbidden@2"}, nil},
		{"external_forbidden: internal admin is fine", newConfig(&model.Policy{InternalDomains: internal, ExternalForbidden: []model.Capability{model.APIAccess}},
			member("x@acme.com", "admin", "", "T", 2)), nil, nil},
		{"external_forbidden through a group", newConfig(&model.Policy{InternalDomains: internal, ExternalForbidden: []model.Capability{model.EditSettings}},
			member("x@agency.com", "viewer", "2027-01-01T00:00:00Z", "T", 2),
			&model.Object{Addr: model.GroupAddress("acme", "g"), Members: []string{"x@agency.com"}, Decl: decl(6)},
			&model.Object{Addr: model.GroupGrantAddress("acme", "s", "g"), Role: "editor", HolderKind: model.HolderGroup, Decl: decl(7)}),
			[]string{"external_forbidden@7"}, nil},
		{"no internal domains: nobody is external, with one warning", newConfig(&model.Policy{ExternalExpiry: true, ExternalForbidden: []model.Capability{model.APIAccess}},
			guestGrant("j@agency.com", "s", "viewer", "", "T", 4)), nil, []string{"Policy internal_domains is not set"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs, warns := errorsOf(Check(c.cfg, now))
			if strings.Join(errs, " ") != strings.Join(c.errs, " ") {
				t.Errorf("errors %v, want %v", errs, c.errs)
			}
			if strings.Join(warns, "|") != strings.Join(c.warns, "|") {
				t.Errorf("warnings %v, want %v", warns, c.warns)
			}
		})
	}
}

func TestIsExternal(t *testing.T) {
	in := []string{"acme.com", "@Corp.io"}
	for email, want := range map[string]bool{
		"a@acme.com": false, "a@eu.acme.com": false, "a@corp.io": false, "a@x.corp.io": false,
		"a@acme.com.evil.io": true, "a@notacme.com": true, "a@agency.com": true,
	} {
		if got := IsExternal(email, in); got != want {
			t.Errorf("IsExternal(%s) = %v", email, got)
		}
	}
	if IsExternal("a@agency.com", nil) {
		t.Error("with no internal domains nobody is external")
	}
}

func TestMaxRemovals(t *testing.T) {
	pol := &model.Policy{MaxRemovals: intp(2)}
	mk := func(n int, lifted bool) *plan.Plan {
		p := &plan.Plan{AllowMassRemoval: lifted}
		for i := 0; i < n; i++ {
			p.Changes = append(p.Changes, plan.Change{Action: plan.Delete, Risks: []plan.Risk{plan.RiskRemoval}})
		}
		// Forgetting a site is no removal of access.
		p.Changes = append(p.Changes, plan.Change{Action: plan.Delete})
		return p
	}
	if d := MaxRemovals(pol, mk(2, false)); len(d) != 0 {
		t.Errorf("2 removals at a limit of 2 refused: %v", d)
	}
	d := MaxRemovals(pol, mk(3, false))
	if len(d) != 1 || !strings.Contains(d[0].Summary, "max_removals") || !strings.Contains(d[0].Detail, "--allow-mass-removal") {
		t.Errorf("3 removals: %v", d)
	}
	if d := MaxRemovals(pol, mk(3, true)); len(d) != 0 {
		t.Errorf("lifted rail still refused: %v", d)
	}
}

// TestMassRemovalDefault: without max_removals, a plan removing more than
// 10 of a team's accesses and more than a quarter of them is refused
// (schema/language.md, policy additions); max_removals = 0 turns the rail off.
func TestMassRemovalDefault(t *testing.T) {
	// mk plans `removed` removals of team acme whose configuration keeps
	// `kept` members unchanged and adds `added`.
	mk := func(pol *model.Policy, removed, kept, added int, lifted bool) (*model.Config, *plan.Plan) {
		var objs []*model.Object
		p := &plan.Plan{AllowMassRemoval: lifted}
		for i := 0; i < kept; i++ {
			objs = append(objs, member(fmt.Sprintf("k%03d@acme.com", i), "viewer", "", "", 10+i))
		}
		for i := 0; i < added; i++ {
			o := member(fmt.Sprintf("a%03d@acme.com", i), "viewer", "", "", 500+i)
			objs = append(objs, o)
			p.Changes = append(p.Changes, plan.Change{Addr: o.Addr, Action: plan.Create, After: o})
		}
		for i := 0; i < removed; i++ {
			o := member(fmt.Sprintf("r%03d@acme.com", i), "viewer", "", "", 0)
			o.Decl = nil
			p.Changes = append(p.Changes, plan.Change{Addr: o.Addr, Action: plan.Delete, Before: o, Risks: []plan.Risk{plan.RiskRemoval}})
		}
		// Forgetting a site is no removal of access.
		p.Changes = append(p.Changes, plan.Change{Addr: model.SiteAddress("acme", "old.com"), Action: plan.Delete})
		return newConfig(pol, objs...), p
	}
	cases := []struct {
		name                 string
		pol                  *model.Policy
		removed, kept, added int
		lifted               bool
		want                 []string
	}{
		{"no policy block: 10 removals pass however few remain", nil, 10, 0, 0, false, nil},
		{"no policy block: 11 of 11 refused", nil, 11, 0, 0, false, []string{"max_removals@1"}},
		{"11 of 44 (exactly a quarter) pass", &model.Policy{}, 11, 33, 0, false, nil},
		{"11 of 43 (over a quarter) refused", &model.Policy{}, 11, 32, 0, false, []string{"max_removals@1"}},
		{"additions do not dilute the team's accesses", &model.Policy{}, 11, 32, 100, false, []string{"max_removals@1"}},
		{"lifted with --allow-mass-removal", nil, 600, 0, 0, true, nil},
		{"max_removals = 0 turns the rail off", &model.Policy{MaxRemovals: intp(0)}, 600, 0, 0, false, nil},
		{"max_removals set replaces the default", &model.Policy{MaxRemovals: intp(700)}, 600, 0, 0, false, nil},
		{"max_removals set is checked as before", &model.Policy{MaxRemovals: intp(5)}, 6, 1000, 0, false, []string{"max_removals@0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, p := mk(tc.pol, tc.removed, tc.kept, tc.added, tc.lifted)
			d := CheckPlan(cfg, p)
			errs, _ := errorsOf(d)
			if strings.Join(errs, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("got %v, want %v (%v)", errs, tc.want, d)
			}
			if len(d) > 0 && !strings.Contains(d[0].Detail, "--allow-mass-removal") {
				t.Errorf("the diagnostic does not name --allow-mass-removal: %s", d[0].Detail)
			}
		})
	}
}
