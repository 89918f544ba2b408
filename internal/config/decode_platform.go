package config

import (
	"io/fs"
	"maps"
	"slices"
	"sort"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/schema"
)

var builtins struct {
	once  sync.Once
	m     map[string]*model.Platform
	diags hcl.Diagnostics
}

// BuiltinPlatforms returns the profiles shipped in the binary
// (schema/platforms/*.hcl), decoded once by the same decoder as users'
// platform blocks. The map is new on each call; the profiles are shared
// and must not be changed. A broken embedded profile is a programming
// error, caught by this package's tests; what decoded is returned.
func BuiltinPlatforms() map[string]*model.Platform {
	builtins.once.Do(loadBuiltins)
	out := make(map[string]*model.Platform, len(builtins.m))
	for k, v := range builtins.m {
		out[k] = v
	}
	return out
}

// builtinDiags are the diagnostics of decoding the embedded profiles,
// empty unless a profile is broken.
func builtinDiags() hcl.Diagnostics {
	builtins.once.Do(loadBuiltins)
	return builtins.diags
}

// BuiltinNames lists the built-in platforms, sorted.
func BuiltinNames() []string { return slices.Sorted(maps.Keys(BuiltinPlatforms())) }

func loadBuiltins() {
	builtins.m = map[string]*model.Platform{}
	entries, err := fs.ReadDir(schema.Platforms, "platforms")
	if err != nil {
		builtins.diags = append(builtins.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No built-in platforms", Detail: err.Error()})
		return
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		data, err := fs.ReadFile(schema.Platforms, "platforms/"+e.Name())
		if err != nil {
			builtins.diags = append(builtins.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unreadable built-in platform", Detail: err.Error()})
			continue
		}
		f, diags := hclsyntax.ParseConfig(data, "platforms/"+e.Name(), hcl.Pos{Line: 1, Column: 1})
		builtins.diags = append(builtins.diags, diags...)
		if f == nil {
			continue
		}
		c, diags := f.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "platform", LabelNames: []string{"name"}}}})
		builtins.diags = append(builtins.diags, diags...)
		for _, b := range c.Blocks {
			p, diags := DecodePlatform(b)
			builtins.diags = append(builtins.diags, diags...)
			if p != nil {
				p.Builtin = true
				builtins.m[p.Name] = p
			}
		}
	}
}

// DecodePlatform decodes one platform block, with literal values and
// functions (no locals). It checks the block on its own: attribute types,
// capabilities of the vocabulary, at least one role, unique role names,
// a guest_team_role that names a team role.
func DecodePlatform(block *hcl.Block) (*model.Platform, hcl.Diagnostics) {
	if block == nil || block.Type != "platform" || len(block.Labels) != 1 || block.Body == nil {
		var rng *hcl.Range
		if block != nil {
			rng = block.DefRange.Ptr()
		}
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid platform block",
			Detail: `A platform is declared as platform "NAME" { ... }, with one label.`, Subject: rng}}
	}
	l := newLoader()
	p := l.decodePlatform(block)
	return p, sortDiags(l.diags, nil)
}

func (l *loader) decodePlatforms(blocks []*hcl.Block) {
	declared := map[string]hcl.Range{}
	for _, b := range blocks {
		name := b.Labels[0]
		if p, ok := l.platforms[name]; ok && p.Builtin {
			l.errorf(b.LabelRanges[0], "Platform name reserved",
				"%q is a built-in platform (roster platforms show %s lists its roles): remove this platform block to use the built-in profile, or give the declared platform another name. The built-in platforms are %s.", name, name, model.QuoteList(BuiltinNames()))
			continue
		}
		if prev, dup := declared[name]; dup {
			l.errorf(b.LabelRanges[0], "Duplicate platform", "Platform %q is already declared at %s.", name, at(prev))
			continue
		}
		declared[name] = b.DefRange
		if p := l.decodePlatform(b); p != nil {
			impliedCostRevenue(p)
			l.platforms[name] = p
		}
	}
}

// costRevenue are the capabilities platforms.md version 2 added to the
// vocabulary: every role that holds view_reports holds both.
var costRevenue = model.CapSetOf(model.ViewCostData, model.ViewRevenueData)

// impliedCostRevenue gives every role of a declared platform that holds
// view_reports view_cost_data and view_revenue_data too (platforms.md,
// version 2: every role on every platform, but GA4's restricted
// variants, which are built in), so that who-can view_revenue_data
// answers for declared platforms, those written before version 2
// included. The built-in profiles list both where they hold them.
func impliedCostRevenue(p *model.Platform) {
	for _, roles := range [][]*model.Role{p.TeamRoles, p.SiteRoles} {
		for _, r := range roles {
			if r.Caps.Has(model.ViewReports) {
				r.Caps |= costRevenue
			}
		}
	}
}

func (l *loader) decodePlatform(b *hcl.Block) *model.Platform {
	var s slots
	roles := l.content(b.Body, platformSchema, b.DefRange, &s)
	name := b.Labels[0]
	if name == "" {
		l.errorf(b.LabelRanges[0], "Invalid platform name", "A platform name cannot be empty.")
	}
	p := &model.Platform{Name: name, Range: b.DefRange}
	p.Guests, _ = l.boolean(s[aGuests], l.ctx, "guests")
	p.GuestTeamRole, _ = l.str(s[aGuestTeamRole], l.ctx, "guest_team_role", false)
	p.MemberGrants, _ = l.boolean(s[aMemberGrants], l.ctx, "member_grants")
	p.Groups, _ = l.boolean(s[aGroups], l.ctx, "groups")
	p.TwoFactor, _ = l.boolean(s[aTwoFactor], l.ctx, "two_factor")
	if modes, rngs, ok := l.strList(s[aSSOModes], l.ctx, "sso_modes"); ok {
		for i, m := range modes {
			if m == "" {
				l.errorf(rngs[i], "Invalid sso_modes", "An sso mode cannot be empty.")
				continue
			}
			if p.HasSSOMode(m) {
				continue
			}
			p.SSOModes = append(p.SSOModes, m)
		}
	}
	if p.SSOModes == nil {
		p.SSOModes = []string{}
	}
	p.TeamRoles = []*model.Role{}
	p.SiteRoles = []*model.Role{}
	var capBlocks []*hcl.Block
	for _, rb := range roles {
		if rb.Type == "grant_capability" {
			capBlocks = append(capBlocks, rb)
			continue
		}
		kind := model.TeamRole
		if rb.Type == "site_role" {
			kind = model.SiteRole
		}
		rname := rb.Labels[0]
		if rname == "" {
			l.errorf(rb.LabelRanges[0], "Invalid role name", "A role name cannot be empty.")
			continue
		}
		if prev, dup := p.Role(kind, rname); dup {
			l.errorf(rb.LabelRanges[0], "Duplicate role",
				"Platform %q already has a %s role %q, declared at %s; role names are unique among the %s roles.", name, kind, rname, at(prev.Range), kind)
			continue
		}
		r := &model.Role{Name: rname, Kind: kind, Range: rb.DefRange}
		var rs slots
		rsch := teamRoleSchema
		if kind == model.SiteRole {
			rsch = siteRoleSchema
		}
		l.content(rb.Body, rsch, rb.DefRange, &rs)
		caps, rngs, _ := l.strList(rs[aCapabilities], l.ctx, "capabilities")
		for i, c := range caps {
			if !model.IsCapability(c) {
				l.errorf(rngs[i], "Unknown capability",
					"%q is not a capability. The vocabulary is: %s.", c, model.VocabularyList())
				continue
			}
			if model.Capability(c) == model.Wildcard {
				r.Wildcard = true
			}
			r.Caps |= model.CapSetOf(model.Capability(c))
		}
		if kind == model.TeamRole {
			r.Rank = len(p.TeamRoles)
			p.TeamRoles = append(p.TeamRoles, r)
		} else {
			r.Rank = len(p.SiteRoles)
			p.SiteRoles = append(p.SiteRoles, r)
		}
	}
	for _, cb := range capBlocks {
		l.decodeGrantCap(p, cb)
	}
	if len(p.TeamRoles)+len(p.SiteRoles) == 0 && len(roles) == len(capBlocks) {
		l.errorf(b.DefRange, "Platform without roles",
			"Platform %q declares no role; add at least one team_role or site_role block, listed from least to most privileged.", name)
	}
	if p.GuestTeamRole != "" {
		if _, ok := p.TeamRole(p.GuestTeamRole); !ok {
			l.errorf(s[aGuestTeamRole].Range(), "Unknown guest_team_role",
				"guest_team_role = %q names no team role of platform %q; its team roles are %s.", p.GuestTeamRole, name, model.QuoteList(p.RoleNames(model.TeamRole, false)))
		}
	}
	return p
}

// decodeGrantCap decodes one grant_capability block: a platform right
// that a grant may hold beyond its role, what it adds, and which site
// roles already include it.
func (l *loader) decodeGrantCap(p *model.Platform, b *hcl.Block) {
	name := b.Labels[0]
	var s slots
	l.content(b.Body, grantCapSchema, b.DefRange, &s)
	if name == "" {
		l.errorf(b.LabelRanges[0], "Invalid grant capability name", "A grant capability name cannot be empty.")
		return
	}
	if _, ok := p.SiteRole(name); ok {
		l.errorf(b.LabelRanges[0], "Grant capability named like a role",
			"Platform %q already has a site role %q; a grant capability needs a name of its own.", p.Name, name)
		return
	}
	if prev, dup := p.GrantCap(name); dup {
		l.errorf(b.LabelRanges[0], "Duplicate grant capability",
			"Platform %q already has a grant capability %q, declared at %s.", p.Name, name, at(prev.Range))
		return
	}
	c := &model.GrantCap{Name: name, Range: b.DefRange, IncludedIn: []string{}}
	caps, rngs, _ := l.strList(s[aCapabilities], l.ctx, "capabilities")
	for i, v := range caps {
		if !model.IsCapability(v) || model.Capability(v) == model.Wildcard {
			l.errorf(rngs[i], "Unknown capability",
				"%q is not a capability a grant capability can add. The vocabulary is: %s.", v, model.VocabularyList())
			continue
		}
		c.Caps |= model.CapSetOf(model.Capability(v))
	}
	roles, rngs, _ := l.strList(s[aIncludedIn], l.ctx, "included_in")
	for i, r := range roles {
		if _, ok := p.SiteRole(r); !ok {
			l.errorf(rngs[i], "Unknown role in included_in",
				"included_in names %q, which is not a site role of platform %q; its site roles are %s.", r, p.Name, model.QuoteList(p.RoleNames(model.SiteRole, false)))
			continue
		}
		c.IncludedIn = append(c.IncludedIn, r)
	}
	p.GrantCaps = append(p.GrantCaps, c)
}
