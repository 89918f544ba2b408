package model

// Move is one resolved rename of language.md's moved block: the object
// stored under From is now declared as To (chains already followed to
// their end). A person's move (member or guest) has From and To of kind
// member; Guest marks a guest's, whose grants are all that moves.
type Move struct {
	From, To Address
	Guest    bool
}

// Rekey gives the address a takes when the object at from moves to to,
// and whether a is under from at all: from itself, or a dependent that
// moves with it (a team's sites, memberships, groups and grants; a site's
// grants; a person's grants in the team; a group's grants).
func Rekey(a, from, to Address) (Address, bool) {
	if a == from {
		return to, true
	}
	if a.Team != from.Team {
		return a, false
	}
	switch from.Kind {
	case KindTeam:
		a.Team = to.Team
		return a, true
	case KindSite:
		if a.Kind == KindGrant && a.Site == from.Site {
			a.Team, a.Site = to.Team, to.Site
			return a, true
		}
	case KindMember:
		if a.Kind == KindGrant && a.Group == "" && a.Email == from.Email {
			a.Team, a.Email = to.Team, to.Email
			return a, true
		}
	case KindGroup:
		if a.Kind == KindGrant && a.Group == from.Group {
			a.Team, a.Group = to.Team, to.Group
			return a, true
		}
	}
	return a, false
}

// WithMovedSites is objs plus, for each move of a stored site (or of a
// team, for its sites) whose new address is not stored, a copy of the site
// under its new address: a refresh then finds a relabelled site's
// platform project by the remote_id stored under its old name (sync.md,
// Renames). objs is not changed.
func WithMovedSites(objs []*Object, moves []Move) []*Object {
	if len(moves) == 0 {
		return objs
	}
	stored := make(map[Address]bool, len(objs))
	for _, o := range objs {
		stored[o.Addr] = true
	}
	out := objs
	for _, mv := range moves {
		if (mv.From.Kind != KindSite && mv.From.Kind != KindTeam) || !stored[mv.From] || stored[mv.To] {
			continue
		}
		for _, o := range objs {
			if o.Addr.Kind != KindSite {
				continue
			}
			if na, ok := Rekey(o.Addr, mv.From, mv.To); ok && !stored[na] {
				cp := o.Clone()
				cp.Addr = na
				if len(out) == len(objs) {
					out = append([]*Object(nil), objs...)
				}
				out = append(out, cp)
			}
		}
	}
	return out
}
