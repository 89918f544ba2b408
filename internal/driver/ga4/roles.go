package ga4

import (
	"slices"
	"strings"
)

// RolePrefix starts every role string [RES].
const RolePrefix = "predefinedRoles/"

// The base roles from the least to the most privileged, and the two data
// restrictions (ga4.md, Roles; resources.proto).
var baseRoles = []string{"viewer", "analyst", "editor", "admin"}

const (
	noCost    = RolePrefix + "no-cost-data"
	noRevenue = RolePrefix + "no-revenue-data"
)

// Profile role suffixes (schema/platforms/ga4.hcl).
const (
	sufNoCost    = "_no_cost"
	sufNoRevenue = "_no_revenue"
)

// apiRoles is a profile role's roles list: its base role, then the
// restrictions it carries.
func apiRoles(role string) []string {
	base := role
	cost, revenue := false, false
	if b, ok := strings.CutSuffix(base, sufNoRevenue); ok {
		base, revenue = b, true
	}
	if b, ok := strings.CutSuffix(base, sufNoCost); ok {
		base, cost = b, true
	}
	out := []string{RolePrefix + base}
	if cost {
		out = append(out, noCost)
	}
	if revenue {
		out = append(out, noRevenue)
	}
	return out
}

// modelRole is the profile role of a live roles list; ok is false when the
// list holds a role roster does not know (a UI-set Marketer, say) or no
// base role. Two base roles read as the higher (ga4.md), with several
// true.
func modelRole(roles []string) (role string, ok, several bool) {
	rank := -1
	bases := 0
	cost, revenue := false, false
	for _, r := range roles {
		switch r {
		case noCost:
			cost = true
			continue
		case noRevenue:
			revenue = true
			continue
		}
		name, pre := strings.CutPrefix(r, RolePrefix)
		i := slices.Index(baseRoles, name)
		if !pre || i < 0 {
			return "", false, false
		}
		bases++
		rank = max(rank, i)
	}
	if rank < 0 {
		return "", false, false
	}
	role = baseRoles[rank]
	if cost {
		role += sufNoCost
	}
	if revenue {
		role += sufNoRevenue
	}
	return role, true, bases > 1
}

// narrows reports whether setting a binding of profile role from to
// profile role to takes anything away: a lower base role, or a data
// restriction (no cost or no revenue data) that from does not carry.
func narrows(from, to string) bool {
	split := func(role string) (rank int, cost, revenue bool) {
		base := role
		if b, ok := strings.CutSuffix(base, sufNoRevenue); ok {
			base, revenue = b, true
		}
		if b, ok := strings.CutSuffix(base, sufNoCost); ok {
			base, cost = b, true
		}
		return slices.Index(baseRoles, base), cost, revenue
	}
	fr, fc, fv := split(from)
	tr, tc, tv := split(to)
	return tr < fr || tc && !fc || tv && !fv
}
