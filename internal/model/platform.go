package model

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// RoleKind says where a role applies: to the whole team, or to one site.
type RoleKind int

const (
	// TeamRole is held by a member and covers every site of the team.
	TeamRole RoleKind = iota
	// SiteRole is held through a grant on one site.
	SiteRole
)

func (k RoleKind) String() string {
	if k == SiteRole {
		return "site"
	}
	return "team"
}

// RoleOwner is the team role language.md names owners by, on every
// platform that has one: policy's min_owners counts it, review flags it,
// and apply promotes to it first and demotes from it last (schema/sync.md).
const RoleOwner = "owner"

// Role is one role of a platform profile with what it may do.
type Role struct {
	Name string
	Kind RoleKind
	// Caps is what the role may do.
	Caps CapSet
	// Wildcard is true when the profile wrote `*`, kept so the matrix can
	// say "all" rather than listing every word.
	Wildcard bool
	// Rank is the role's position in its list, 0 for the least privileged.
	Rank int
	// Range is where the role was declared.
	Range hcl.Range
}

// Grantable reports whether the role can be given: a site role without any
// capability (Piwik PRO's no_access) is listed but never granted.
func (r *Role) Grantable() bool { return r.Kind == TeamRole || r.Caps != 0 }

// Platform is a platform profile: what kinds of access exist on a platform
// and what each role may do. The built-in profiles live in
// schema/platforms/*.hcl; users may declare more.
type Platform struct {
	Name          string
	Builtin       bool
	Guests        bool
	GuestTeamRole string
	MemberGrants  bool
	Groups        bool
	SSOModes      []string
	TwoFactor     bool
	// TeamRoles and SiteRoles are ordered from least to most privileged.
	TeamRoles []*Role
	SiteRoles []*Role
	// GrantCaps are the platform's explicit per-site capabilities that a
	// grant may add to its role (`capabilities = [...]` on a grant;
	// Matomo's Tag Manager rights), in profile order. Nil for platforms
	// without them.
	GrantCaps []*GrantCap
	// Range is the declaration's range (the block header for user profiles).
	Range hcl.Range
}

// Via is how a person holds access that comes from somewhere other than
// their own object at that place.
type Via string

// ViaAccount is a team role held through an account-level binding, which
// covers every site of the team (GA4: a property binding can only raise
// it; schema/platforms.md, version 2).
const ViaAccount Via = "account"

// accountPlatforms are the built-in platforms whose team role is an
// account-level binding.
var accountPlatforms = map[string]bool{"ga4": true}

// TeamVia is how the platform named name gives its team role on the
// team's sites: ViaAccount where it is an account binding, "" where a
// member simply holds it.
func TeamVia(name string) Via {
	if accountPlatforms[name] {
		return ViaAccount
	}
	return ""
}

// GrantCap is one platform capability a grant may hold beyond its role.
type GrantCap struct {
	Name string
	// Caps is what holding it adds on the site.
	Caps CapSet
	// IncludedIn names the site roles that already include it: a grant
	// of such a role cannot declare it (the platform stores no row).
	IncludedIn []string
	Range      hcl.Range
}

// GrantCap returns the grant capability called name.
func (p *Platform) GrantCap(name string) (*GrantCap, bool) {
	for _, c := range p.GrantCaps {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// GrantCapNames lists the grant capabilities' names in profile order.
func (p *Platform) GrantCapNames() []string {
	out := make([]string, 0, len(p.GrantCaps))
	for _, c := range p.GrantCaps {
		out = append(out, c.Name)
	}
	return out
}

// GrantCapSet is the roster capabilities that a grant's explicit platform
// capabilities add (unknown names add nothing).
func (p *Platform) GrantCapSet(names []string) CapSet {
	var s CapSet
	for _, n := range names {
		if c, ok := p.GrantCap(n); ok {
			s |= c.Caps
		}
	}
	return s
}

// TeamRole returns the team role called name.
func (p *Platform) TeamRole(name string) (*Role, bool) { return findRole(p.TeamRoles, name) }

// SiteRole returns the site role called name.
func (p *Platform) SiteRole(name string) (*Role, bool) { return findRole(p.SiteRoles, name) }

// Role returns the role of the given kind called name.
func (p *Platform) Role(kind RoleKind, name string) (*Role, bool) {
	if kind == SiteRole {
		return p.SiteRole(name)
	}
	return p.TeamRole(name)
}

func findRole(roles []*Role, name string) (*Role, bool) {
	for _, r := range roles {
		if r.Name == name {
			return r, true
		}
	}
	return nil, false
}

// RoleNames lists the names of the roles of one kind, in profile order;
// with grantableOnly, roles that cannot be granted are left out.
func (p *Platform) RoleNames(kind RoleKind, grantableOnly bool) []string {
	roles := p.TeamRoles
	if kind == SiteRole {
		roles = p.SiteRoles
	}
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		if grantableOnly && !r.Grantable() {
			continue
		}
		out = append(out, r.Name)
	}
	return out
}

// HasSSOMode reports whether mode is one of the profile's sso_modes.
func (p *Platform) HasSSOMode(mode string) bool {
	for _, m := range p.SSOModes {
		if m == mode {
			return true
		}
	}
	return false
}

// QuoteList renders names as `"a", "b" and "c"` for diagnostics.
func QuoteList(names []string) string {
	if len(names) == 0 {
		return "(none)"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = `"` + n + `"`
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
