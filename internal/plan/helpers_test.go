package plan

import (
	"slices"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/model"
)

// Platforms built by hand, mirroring schema/platforms.md (the config package that
// loads the real profiles is not a dependency of the planner).

var (
	vr  = model.ViewReports
	ed  = model.ExportData
	csl = model.CreateSharedLinks
	es  = model.EditSettings
	mg  = model.ManageGoals
	mi  = model.ManageIntegrations
	mm  = model.ManageMembers
	mb  = model.ManageBilling
	api = model.APIAccess
	cs  = model.CreateSites
)

type roleDef struct {
	name string
	caps []model.Capability
}

func mkPlatform(name string, groups bool, team, site []roleDef) *model.Platform {
	p := &model.Platform{Name: name, Guests: true, Groups: groups, MemberGrants: groups}
	for i, r := range team {
		p.TeamRoles = append(p.TeamRoles, &model.Role{Name: r.name, Kind: model.TeamRole, Caps: model.CapSetOf(r.caps...), Rank: i})
	}
	for i, r := range site {
		p.SiteRoles = append(p.SiteRoles, &model.Role{Name: r.name, Kind: model.SiteRole, Caps: model.CapSetOf(r.caps...), Rank: i})
	}
	return p
}

// plausible is schema/platforms.md's plausible table.
func plausible() *model.Platform {
	return mkPlatform("plausible", false, []roleDef{
		{"billing", []model.Capability{mb}},
		{"viewer", []model.Capability{vr, ed, csl}},
		{"editor", []model.Capability{vr, ed, csl, es, mg, mi}},
		{"admin", []model.Capability{vr, ed, csl, es, mg, mi, mm, api, cs}},
		{"owner", []model.Capability{model.Wildcard}},
	}, []roleDef{
		{"viewer", []model.Capability{vr, ed, csl}},
		{"editor", []model.Capability{vr, ed, csl, es, mg, mi}},
	})
}

// grouptool is a declared platform with groups, whose site roles carry the
// capabilities that raise follow-ups.
func grouptool() *model.Platform {
	return mkPlatform("grouptool", true, []roleDef{
		{"user", nil},
		{"owner", []model.Capability{model.Wildcard}},
	}, []roleDef{
		{"view", []model.Capability{vr}},
		{"share", []model.Capability{vr, csl}},
		{"admin", []model.Capability{vr, csl, api}},
	})
}

func platforms() map[string]*model.Platform {
	return map[string]*model.Platform{"plausible": plausible(), "grouptool": grouptool()}
}

func mustAddr(t testing.TB, s string) model.Address {
	t.Helper()
	a, err := model.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func team(name, platform string) *model.Object {
	return &model.Object{Addr: model.TeamAddress(name), Platform: platform}
}

func site(team, name, env string) *model.Object {
	return &model.Object{Addr: model.SiteAddress(team, name), Environment: env}
}

func member(team, email, role string) *model.Object {
	return &model.Object{Addr: model.MemberAddress(team, email), Role: role}
}

func guest(team, site, email, role string) *model.Object {
	return &model.Object{Addr: model.PersonGrantAddress(team, site, email), Role: role, HolderKind: model.HolderGuest}
}

func group(team, name string, members ...string) *model.Object {
	return &model.Object{Addr: model.GroupAddress(team, name), Members: members}
}

func groupGrant(team, site, group, role string) *model.Object {
	return &model.Object{Addr: model.GroupGrantAddress(team, site, group), Role: role, HolderKind: model.HolderGroup}
}

// with returns a copy of o changed by f.
func with(o *model.Object, f func(*model.Object)) *model.Object {
	c := o.Clone()
	f(c)
	return c
}

func status(s model.Status) func(*model.Object) { return func(o *model.Object) { o.Status = s } }
func role(r string) func(*model.Object)         { return func(o *model.Object) { o.Role = r } }
func defaultAccess(level string) func(*model.Object) {
	return func(o *model.Object) { o.DefaultAccess = level }
}

// clones copies every object, so tests can share fixtures safely.
func clones(objs []*model.Object) []*model.Object {
	out := make([]*model.Object, len(objs))
	for i, o := range objs {
		out[i] = o.Clone()
	}
	return out
}

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// run plans desired against prior with the test platforms, sorting both
// lists as the callers of Make do.
func run(t testing.TB, desired, prior []*model.Object, opts ...func(*Input)) *Plan {
	t.Helper()
	in := Input{
		Desired:   clones(desired),
		Prior:     clones(prior),
		Platforms: platforms(),
		Now:       testNow,
		CreatedAt: testNow,
	}
	model.SortObjects(in.Desired)
	model.SortObjects(in.Prior)
	for _, f := range opts {
		f(&in)
	}
	model.SortObjects(in.Live)
	return Make(in)
}

func withPolicy(domains ...string) func(*Input) {
	return func(in *Input) { in.Policy = &model.Policy{InternalDomains: domains} }
}

func withNow(t time.Time) func(*Input) { return func(in *Input) { in.Now = t } }

func findChange(p *Plan, addr string) *Change {
	for i := range p.Changes {
		if p.Changes[i].Addr.String() == addr {
			return &p.Changes[i]
		}
	}
	return nil
}

func addrs(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, string(c.Action)+" "+c.Addr.String())
	}
	return out
}

func risks(rs ...Risk) []Risk { return rs }

func sameRisks(a, b []Risk) bool { return slices.Equal(a, b) }
