package apply

import (
	"slices"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// Adoptions are the state corrections a refresh brings (schema/sync.md): for the
// connected teams in liveTeams, every declared live membership, grant or
// group the plan does not change is written as live (an invitation
// accepted, declared live access the state lacked), and every stored one
// gone live that the plan does not change is dropped. Undeclared live
// access is not adopted: the plan removes it. A stored site whose default
// access or role access moved takes the live ones, unless the plan changes the site
// (its After carries the live default already). With p nil (apply
// --refresh-only) the state takes the whole live access.
func Adoptions(live []*model.Object, liveTeams map[string]bool, prior []*model.Object, p *plan.Plan, declared map[string]bool) []Adoption {
	changed := map[string]bool{}
	if p != nil {
		for i := range p.Changes {
			changed[p.Changes[i].Addr.String()] = true
		}
		for i := range p.Held { // apply --only: left for the next plan
			changed[p.Held[i].Addr.String()] = true
		}
	}
	stored := map[string]*model.Object{}
	storedSite := map[model.Address]*model.Object{}
	for _, o := range prior {
		switch {
		case !liveTeams[o.Addr.Team]:
		case isAccess(o.Addr.Kind):
			stored[o.Addr.String()] = o
		case o.Addr.Kind == model.KindSite:
			storedSite[o.Addr] = o
		}
	}
	seen := map[string]bool{}
	var out []Adoption
	for _, o := range live {
		if !liveTeams[o.Addr.Team] {
			continue
		}
		if o.Addr.Kind == model.KindSite {
			if a, ok := siteAdoption(o, storedSite[o.Addr], changed); ok {
				out = append(out, a)
			}
			continue
		}
		if !isAccess(o.Addr.Kind) {
			continue
		}
		k := o.Addr.String()
		seen[k] = true
		if changed[k] {
			continue
		}
		s := stored[k]
		if p != nil && !declared[k] && s == nil {
			continue
		}
		if s != nil && s.PendingAction != "" {
			if o.PendingAction == "" && s.PendingAction != string(plan.Move) {
				// A person did the manual step: the refresh closes it.
				// (A person's move is done when the new email shows,
				// below; the old one live means it still waits.)
				out = append(out, Adoption{Addr: o.Addr, Before: s, After: o, Why: "the manual step was done", Confirm: true})
			}
			continue
		}
		switch {
		case s == nil:
			out = append(out, Adoption{Addr: o.Addr, After: o, Why: "found on the platform"})
		case s.Status == model.StatusInvited && o.Status == model.StatusActive && sameAttrs(s, o):
			out = append(out, Adoption{Addr: o.Addr, Before: s, After: o, Why: "invitation accepted"})
		case s.RemoteID == "" && o.RemoteID != "" && sameAttrs(s, withRemoteID(o, "")) && s.Status == o.Status:
			// A group roster made, whose id the platform gave it.
			out = append(out, Adoption{Addr: o.Addr, Before: s, After: o, Why: "remote id found on the platform"})
		case !sameAttrs(s, o) || s.Status != o.Status:
			out = append(out, Adoption{Addr: o.Addr, Before: s, After: o, Why: "changed outside roster"})
		}
	}
	for _, s := range prior {
		k := s.Addr.String()
		if stored[k] == nil || seen[k] || changed[k] {
			continue
		}
		switch s.PendingAction {
		case "create":
			continue // not made yet: the step stays open
		case "delete":
			out = append(out, Adoption{Addr: s.Addr, Before: s, Why: "the manual step was done", Confirm: true})
			continue
		case string(plan.Move):
			// A person's new email (sync.md, Renames): done once the
			// platform shows the new address, open until then.
			if s.Pending != nil && seen[s.Pending.Addr.String()] {
				out = append(out, Adoption{Addr: s.Addr, Before: s, Why: "the manual step was done", Confirm: true})
			}
			continue
		}
		why := "removed outside roster"
		if s.Status == model.StatusInvited {
			why = "invitation expired"
		}
		out = append(out, Adoption{Addr: s.Addr, Before: s, Why: why})
	}
	return out
}

// siteAdoption records the default access a live site reports, and the
// access its roles give, on the stored site (schema/sync.md: apply records each
// project's default access).
func siteAdoption(l, s *model.Object, changed map[string]bool) (Adoption, bool) {
	if s == nil || changed[l.Addr.String()] {
		return Adoption{}, false
	}
	sameDefault, sameRoles := l.DefaultAccess == s.DefaultAccess, slices.Equal(l.RoleAccess, s.RoleAccess)
	if l.DefaultAccess == "" || sameDefault && sameRoles {
		return Adoption{}, false
	}
	after := s.Clone()
	after.DefaultAccess = l.DefaultAccess
	after.RoleAccess = slices.Clone(l.RoleAccess)
	var why string
	switch {
	case s.DefaultAccess == "":
		why = "default access read from the platform"
	case sameDefault:
		why = "role access changed outside roster"
	case sameRoles:
		why = "default access changed outside roster"
	default:
		why = "default access and role access changed outside roster"
	}
	return Adoption{Addr: l.Addr, Before: s, After: after, Why: why}, true
}

func isAccess(k model.Kind) bool {
	return k == model.KindMember || k == model.KindGrant || k == model.KindGroup
}

// withRemoteID is a copy of o with another remote id.
func withRemoteID(o *model.Object, id string) *model.Object {
	c := o.Clone()
	c.RemoteID = id
	return c
}

func sameAttrs(a, b *model.Object) bool {
	x, y := a.Attrs(), b.Attrs()
	if len(x) != len(y) {
		return false // a grant's capabilities on one side only
	}
	for i := range x {
		if x[i].Name == "status" {
			continue
		}
		if x[i].Name != y[i].Name || !model.AttrEqual(x[i].Value, y[i].Value) {
			return false
		}
	}
	return true
}
