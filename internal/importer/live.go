package importer

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/roster-dev/roster/internal/model"
)

// LiveInput is what FromLive reads: one connected team's live access and
// the configuration it is imported into.
type LiveInput struct {
	Team     string
	Platform *model.Platform
	// Declared is the configuration's objects; only Team's are read.
	Declared []*model.Object
	// Live is the team's live access as the driver's snapshot holds it:
	// memberships, grants and groups, with every site addressed by its
	// label (declared, or one of NewSites).
	Live []*model.Object
	// Invisible lists the kinds the API cannot read (Plausible: member).
	Invisible []model.Kind
	// NewSites are the live sites the configuration does not declare
	// (UndeclaredSites). Live groups come with Live: the driver addresses
	// every live group, declared or not.
	NewSites []Site
	// Moves are the configuration's moved blocks (moves.go): live access
	// under a from is the access declared under its to.
	Moves []model.Move
}

// declIndex is the team's declared objects, arranged for import.
type declIndex struct {
	objs   map[string]*model.Object // by address
	people map[string]model.HolderKind
	groups map[string]bool
}

func indexDeclared(team string, declared []*model.Object) *declIndex {
	d := &declIndex{objs: map[string]*model.Object{}, people: map[string]model.HolderKind{}, groups: map[string]bool{}}
	for _, o := range declared {
		if o.Addr.Team != team {
			continue
		}
		d.objs[o.Addr.String()] = o
		switch o.Addr.Kind {
		case model.KindMember:
			d.people[o.Addr.Email] = model.HolderMember
		case model.KindGrant:
			if o.Addr.Email != "" {
				if _, ok := d.people[o.Addr.Email]; !ok || o.HolderKind == model.HolderMember {
					d.people[o.Addr.Email] = o.HolderKind
				}
			}
		case model.KindGroup:
			d.groups[o.Addr.Group] = true
		}
	}
	return d
}

// holding is one holder's found access: a person's membership and grants,
// or a group and its grants.
type holding struct {
	main   *model.Object // the membership or the group; nil when none
	grants []*model.Object
}

// collect sorts found access by holder: people by email, groups by label.
func collect(team string, objs []*model.Object, invisible []model.Kind) (people, groups map[string]*holding) {
	people, groups = map[string]*holding{}, map[string]*holding{}
	get := func(m map[string]*holding, k string) *holding {
		h := m[k]
		if h == nil {
			h = &holding{}
			m[k] = h
		}
		return h
	}
	for _, o := range objs {
		if o.Addr.Team != team || slices.Contains(invisible, o.Addr.Kind) {
			continue
		}
		switch o.Addr.Kind {
		case model.KindMember:
			get(people, o.Addr.Email).main = o
		case model.KindGroup:
			get(groups, o.Addr.Group).main = o
		case model.KindGrant:
			if o.Addr.Group != "" {
				h := get(groups, o.Addr.Group)
				h.grants = append(h.grants, o)
			} else {
				h := get(people, o.Addr.Email)
				h.grants = append(h.grants, o)
			}
		}
	}
	return people, groups
}

// driftOf lists the found objects of a declared holder that the
// configuration declares differently, or not at all.
func (d *declIndex) driftOf(h *holding, same func(a, b *model.Object) bool) []Drift {
	var out []Drift
	for _, o := range append([]*model.Object{h.main}, h.grants...) {
		if o == nil {
			continue
		}
		decl := d.objs[o.Addr.String()]
		if decl == nil || !same(decl, o) {
			out = append(out, Drift{Addr: o.Addr, Declared: decl, Found: o})
		}
	}
	return out
}

// samePlatformView compares what a platform holds of an object: role,
// holder kind and members. Reason, ticket and expiry live only in roster.
func samePlatformView(a, b *model.Object) bool {
	return a.Role == b.Role && a.HolderKind == b.HolderKind && slices.Equal(a.Members, b.Members) && slices.Equal(a.Capabilities, b.Capabilities)
}

// FromLive decides what to declare for a connected team's live access:
// the sites and groups not declared, and every person the configuration
// does not declare, as a person would write them (schema/sync.md "import"):
//
//   - someone with a team role is a member, with their grants nested where
//     the platform allows member grants;
//   - someone with grants only, or whose team role is only the one the
//     platform gives every guest (guest_team_role: PostHog's member,
//     Piwik PRO's user) next to grants, is a guest — unless a group holds
//     them, since group members must be members.
//
// Live access of declared people and groups that differs from their
// declarations is listed as drift, never rewritten.
func FromLive(in LiveInput) *Result {
	p := in.Platform
	res := &Result{Team: in.Team, Sites: slices.Clone(in.NewSites)}
	d := indexDeclared(in.Team, in.Declared)
	found, moved := rekeyFound(in.Team, in.Moves, in.Live)
	res.Moved = movedFound(in.Team, in.Moves, moved, in.Invisible)
	people, groups := collect(in.Team, found, in.Invisible)

	mustMember := map[string]bool{}
	for _, label := range slices.Sorted(maps.Keys(groups)) {
		h := groups[label]
		if d.groups[label] {
			res.Drift = append(res.Drift, d.driftOf(h, samePlatformView)...)
			continue
		}
		if h.main == nil {
			continue // grants of a group the driver did not list
		}
		g := Group{Label: label, Name: label, Members: slices.Clone(h.main.Members), RemoteID: h.main.RemoteID}
		var guests []string
		for _, m := range g.Members {
			if d.people[m] == model.HolderGuest {
				guests = append(guests, m)
			}
		}
		if len(guests) > 0 {
			res.Skipped = append(res.Skipped, fmt.Sprintf("%s: %s declared as a guest, and group members must be members of the team; declare the group by hand once they are members",
				model.GroupAddress(in.Team, label), plural(guests, "is", "are")))
			continue
		}
		for _, m := range g.Members {
			if _, declared := d.people[m]; !declared {
				mustMember[m] = true
			}
		}
		for _, gr := range h.grants {
			g.Grants = append(g.Grants, Grant{Site: gr.Addr.Site, Role: gr.Role, Capabilities: gr.Capabilities})
		}
		res.Groups = append(res.Groups, g)
	}
	for _, email := range slices.Sorted(maps.Keys(people)) {
		h := people[email]
		if _, declared := d.people[email]; declared {
			res.Drift = append(res.Drift, d.driftOf(h, samePlatformView)...)
			continue
		}
		person, skipped := livePerson(in.Team, p, email, h, mustMember[email])
		res.Skipped = append(res.Skipped, skipped...)
		if person != nil {
			res.People = append(res.People, *person)
		}
	}
	res.sort()
	return res
}

// livePerson decides how an undeclared person is declared.
func livePerson(team string, p *model.Platform, email string, h *holding, mustMember bool) (*Person, []string) {
	m := h.main
	guest := false
	switch {
	case m == nil && len(h.grants) == 0:
		return nil, nil
	case mustMember:
	case m == nil:
		guest = true
	case p.Guests && p.GuestTeamRole != "" && m.Role == p.GuestTeamRole && len(h.grants) > 0:
		guest = true
	}
	if guest && !p.Guests {
		if m == nil {
			return nil, []string{fmt.Sprintf("%s: holds grants but no team role, and platform %q has no guests; declare them by hand", model.MemberAddress(team, email), p.Name)}
		}
		guest = false
	}
	person := &Person{Email: email, Kind: model.HolderGuest}
	if !guest {
		person.Kind = model.HolderMember
		switch {
		case m != nil:
			person.Role = m.Role
		case p.GuestTeamRole != "":
			person.Role = p.GuestTeamRole // a stored guest's implicit membership
		default:
			return nil, []string{fmt.Sprintf("%s: belongs to a group but holds no team role that roster can read; declare them by hand", model.MemberAddress(team, email))}
		}
	}
	var skipped []string
	for _, g := range h.grants {
		if person.Kind == model.HolderMember && !p.MemberGrants {
			skipped = append(skipped, fmt.Sprintf("%s: members of a %q team hold no grants (the team role covers every site); not declared", g.Addr, p.Name))
			continue
		}
		person.Grants = append(person.Grants, Grant{Site: g.Addr.Site, Role: g.Role, Capabilities: g.Capabilities})
	}
	return person, skipped
}

// plural joins names with "is" or "are" after them.
func plural(names []string, one, many string) string {
	if len(names) == 1 {
		return names[0] + " " + one
	}
	return strings.Join(names, ", ") + " " + many
}
