package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/roster-dev/roster/internal/model"
	"github.com/zclconf/go-cty/cty"
)

// movedSchema is language.md's moved block (version 2).
var movedSchema = newSchema("moved", []attrSpec{
	{"from", aFrom, true},
	{"to", aTo, true},
}, nil, false)

// moveRef is one end of a moved block: an object address, with guest
// set for a guest (whose address is written like a member's).
type moveRef struct {
	addr  model.Address
	guest bool
}

func (r moveRef) kind() string {
	if r.guest {
		return "guest"
	}
	return r.addr.Kind.String()
}

func (r moveRef) String() string {
	if r.guest {
		return "guest/" + r.addr.Team + "/" + r.addr.Email
	}
	return r.addr.String()
}

type movedDecl struct {
	from, to moveRef
	rng      hcl.Range
}

// moveRef reads from or to: a traversal KIND.TEAM["NAME"] or team.NAME, or
// a string with the printed address.
func (l *loader) moveRef(e hcl.Expression, name string) (moveRef, bool) {
	if e == nil {
		return moveRef{}, false
	}
	if tr, diags := hcl.AbsTraversalForExpr(e); !diags.HasErrors() {
		return l.moveTraversal(tr, e.Range(), name)
	}
	s, ok := l.str(e, l.ctx, name, true)
	if !ok {
		return moveRef{}, false
	}
	a, err := model.ParseAddress(s)
	if err == nil && a.Kind == model.KindGrant {
		err = fmt.Errorf("a grant moves with its holder or its site, not on its own")
	}
	if err != nil {
		l.errorf(e.Range(), "Invalid moved address", "%s = %q is not an address a moved block can name: %s. Write member.TEAM[\"EMAIL\"], guest.TEAM[\"EMAIL\"], site.TEAM[\"SITE\"], group.TEAM[\"GROUP\"] or team.NAME.", name, s, sentence(err))
		return moveRef{}, false
	}
	return moveRef{addr: a}, true
}

func (l *loader) moveTraversal(tr hcl.Traversal, rng hcl.Range, name string) (moveRef, bool) {
	bad := func() (moveRef, bool) {
		l.errorf(rng, "Invalid moved address",
			"%s must name one object: member.TEAM[\"EMAIL\"], guest.TEAM[\"EMAIL\"], site.TEAM[\"SITE\"], group.TEAM[\"GROUP\"] or team.NAME, or the printed address as a string.", name)
		return moveRef{}, false
	}
	kind := tr.RootName()
	if len(tr) < 2 {
		return bad()
	}
	team, ok := tr[1].(hcl.TraverseAttr)
	if !ok {
		return bad()
	}
	if kind == "team" {
		if len(tr) != 2 || model.CheckTeamName(team.Name) != nil {
			return bad()
		}
		return moveRef{addr: model.TeamAddress(team.Name)}, true
	}
	if len(tr) != 3 {
		return bad()
	}
	idx, ok := tr[2].(hcl.TraverseIndex)
	if !ok || !idx.Key.Type().Equals(cty.String) || idx.Key.IsNull() {
		return bad()
	}
	key := idx.Key.AsString()
	var a model.Address
	var err error
	switch kind {
	case "member", "guest":
		var email string
		email, err = model.ParseEmail(key)
		a = model.MemberAddress(team.Name, email)
	case "site":
		err = model.CheckSiteName(key)
		a = model.SiteAddress(team.Name, key)
	case "group":
		err = model.CheckGroupName(key)
		a = model.GroupAddress(team.Name, key)
	default:
		return bad()
	}
	if err == nil {
		err = model.CheckTeamName(team.Name)
	}
	if err != nil {
		l.errorf(rng, "Invalid moved address", "%s: %s.", name, sentence(err))
		return moveRef{}, false
	}
	return moveRef{addr: a, guest: kind == "guest"}, true
}

// declared reports whether the configuration declares r.
func (l *loader) declared(r moveRef) bool {
	t := l.teams[r.addr.Team]
	if t == nil {
		return false
	}
	switch {
	case r.addr.Kind == model.KindTeam:
		return true
	case r.addr.Kind == model.KindSite:
		_, ok := t.sites[r.addr.Site]
		return ok
	case r.addr.Kind == model.KindGroup:
		_, ok := t.groups[r.addr.Group]
		return ok
	case r.addr.Kind == model.KindMember:
		p := t.people[r.addr.Email]
		want := model.HolderMember
		if r.guest {
			want = model.HolderGuest
		}
		return p != nil && p.kind == want
	}
	return false
}

// decodeMoved checks the moved blocks against language.md's rules, after
// every object is declared, and resolves chains into the configuration's
// moves.
func (l *loader) decodeMoved(blocks []*hcl.Block) []model.Move {
	var decls []*movedDecl
	byFrom := map[string]*movedDecl{}
	byTo := map[string]*movedDecl{}
	for _, b := range blocks {
		var s slots
		l.content(b.Body, movedSchema, b.DefRange, &s)
		from, okF := l.moveRef(s[aFrom], "from")
		to, okT := l.moveRef(s[aTo], "to")
		if !okF || !okT {
			continue
		}
		d := &movedDecl{from: from, to: to, rng: b.DefRange}
		switch {
		case from.kind() != to.kind():
			l.errorf(b.DefRange, "Moved kind mismatch", "This moved block moves a %s (%s) to a %s (%s); from and to must be of the same kind.", from.kind(), from, to.kind(), to)
			continue
		case from == to:
			l.errorf(b.DefRange, "Moved to itself", "from and to both name %s; a moved block needs two different addresses.", from)
			continue
		}
		if prev := byFrom[from.String()]; prev != nil {
			l.errorf(b.DefRange, "Duplicate moved from", "%s is already moved at %s; each object can be moved by one moved block.", from, at(prev.rng))
			continue
		}
		if prev := byTo[to.String()]; prev != nil {
			l.errorf(b.DefRange, "Duplicate moved to", "%s is already the target of the moved block at %s; two objects cannot move to one address.", to, at(prev.rng))
			continue
		}
		byFrom[from.String()], byTo[to.String()] = d, d
		decls = append(decls, d)
	}
	// teamEnd follows the team moved blocks from team t to the team it is
	// now declared as.
	teamEnd := func(t string) string {
		for range len(decls) + 1 {
			next := byFrom[model.TeamAddress(t).String()]
			if next == nil {
				break
			}
			t = next.to.addr.Team
		}
		return t
	}
	var moves []model.Move
	for _, d := range decls {
		// A member's or guest's move is a new email for the same account
		// (sync.md, Renames) and a site or group stays in its team: the
		// state cannot carry access from one platform account to another.
		if d.from.addr.Kind != model.KindTeam && d.from.addr.Team != d.to.addr.Team &&
			teamEnd(d.from.addr.Team) != teamEnd(d.to.addr.Team) {
			l.errorf(d.rng, "Moved across teams", "%s is in team %q and %s in team %q; a moved block renames an object inside its team, unless a moved block also moves team.%s to team.%s. To change a %s's team, remove it from the one and declare it in the other.",
				d.from, d.from.addr.Team, d.to, d.to.addr.Team, d.from.addr.Team, d.to.addr.Team, d.from.kind())
			continue
		}
		if l.declared(d.from) {
			l.errorf(d.rng, "Moved from a declared object", "%s is still declared; a moved block's from must name an address the configuration no longer declares.", d.from)
			continue
		}
		// Follow the chain to its end; a chain that comes back is a cycle.
		end, cycle := d.to, false
		for steps := 0; ; steps++ {
			next := byFrom[end.String()]
			if next == nil {
				break
			}
			if next == d || steps > len(decls) {
				cycle = true
				break
			}
			end = next.to
		}
		if cycle {
			l.errorf(d.rng, "Moved cycle", "The moved blocks starting at %s lead back to it; a chain of moves must end at a declared address.", d.from)
			continue
		}
		if byFrom[d.to.String()] == nil && !l.declared(d.to) {
			hint := ""
			if other := (moveRef{addr: d.to.addr, guest: !d.to.guest}); d.to.addr.Kind == model.KindMember && l.declared(other) {
				hint = fmt.Sprintf(" %s is declared as a %s of team %q: write %s.%s[%q] on both sides to move a %s.",
					d.to.addr.Email, other.kind(), d.to.addr.Team, other.kind(), d.to.addr.Team, d.to.addr.Email, other.kind())
			}
			l.errorf(d.rng, "Moved to an undeclared object", "%s is not declared; a moved block's to must name an object the configuration declares.%s", d.to, hint)
			continue
		}
		moves = append(moves, model.Move{From: d.from.addr, To: end.addr, Guest: d.from.guest})
	}
	return moves
}
