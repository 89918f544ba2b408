package importer

import (
	"slices"
	"sort"

	"github.com/roster-dev/roster/internal/model"
)

// What import does with the configuration's moved blocks (language.md
// "moved"): access found under a move's from (an email, a site label or a
// team name the configuration no longer declares) is the object declared
// under its to. It is compared with that declaration, never written as a
// block of its own (the configuration may not declare a from), and a
// person's access is recorded where it was found, so that the next plan
// shows the move (a manual step for the person, sync.md "Renames") and
// never a removal and a creation.

// Moves are the moves import follows: the configuration's moved blocks,
// then each person's move the state keeps waiting (sync.md, Renames: the
// old email is the person until they change it), every from under a
// relabelled team also read under its new name, where import finds it.
func Moves(moved []model.Move, stored []*model.Object) []model.Move {
	out := slices.Clone(moved)
	for _, o := range stored {
		if o.PendingAction == "move" && o.Pending != nil && o.Pending.Addr != o.Addr {
			out = append(out, model.Move{From: o.Addr, To: o.Pending.Addr})
		}
	}
	for i := range out {
		for _, e := range out {
			if e.From.Kind != model.KindTeam || e.From == out[i].From {
				continue
			}
			if na, ok := model.Rekey(out[i].From, e.From, e.To); ok {
				out[i].From = na
			}
		}
	}
	return out
}

// movedAddr is where the moves, in order, take a (model.Rekey), and
// whether any of them does.
func movedAddr(moves []model.Move, a model.Address) (model.Address, bool) {
	moved := false
	for _, mv := range moves {
		if na, ok := model.Rekey(a, mv.From, mv.To); ok && (!mv.Guest || isPersonAccess(a)) {
			a, moved = na, true
		}
	}
	return a, moved
}

func isPersonAccess(a model.Address) bool {
	return a.Kind == model.KindMember || a.Kind == model.KindGrant && a.Group == ""
}

// rekeyFound puts the found objects of team that a move covers under their
// new addresses, and lists the people's objects among them as found (at
// their old addresses). objs is not changed.
func rekeyFound(team string, moves []model.Move, objs []*model.Object) (out, people []*model.Object) {
	if len(moves) == 0 {
		return objs, nil
	}
	out = make([]*model.Object, 0, len(objs))
	for _, o := range objs {
		na, moved := movedAddr(moves, o.Addr)
		if !moved || o.Addr.Team != team {
			out = append(out, o)
			continue
		}
		cp := o.Clone()
		cp.Addr = na
		out = append(out, cp)
		if isPersonAccess(o.Addr) && (o.Addr.Email != na.Email || o.Addr.Team != na.Team) {
			people = append(people, o)
		}
	}
	return out, people
}

// MovedTeam is the team a moved block renames team to, and whether one
// does: `roster import OLD` imports into the team's new name.
func MovedTeam(moves []model.Move, team string) (string, bool) {
	a, moved := movedAddr(moves, model.TeamAddress(team))
	return a.Team, moved && a.Kind == model.KindTeam
}

// StoredBefore reports whether the state holds (stored says) an object a
// moved block takes to a: import records nothing at a, since the next plan
// moves that object there.
func StoredBefore(moves []model.Move, a model.Address, stored func(model.Address) bool) bool {
	for i := len(moves) - 1; i >= 0; i-- {
		mv := moves[i]
		if back, ok := model.Rekey(a, mv.To, mv.From); ok {
			a = back
			if stored(a) {
				return true
			}
		}
	}
	return false
}

// movedFound pairs each person's object found under a moved block's from
// with its new address, leaving out the kinds the source cannot see. The
// object is where the person was found, under the site's or the team's
// new label where a moved block relabels it (those moves are the state's
// alone, sync.md "Renames"; the person's is theirs to make).
func movedFound(team string, moves []model.Move, objs []*model.Object, invisible []model.Kind) []Found {
	var out []Found
	var relabels []model.Move
	for _, mv := range moves {
		if mv.From.Kind != model.KindMember {
			relabels = append(relabels, mv)
		}
	}
	for _, o := range objs {
		if slices.Contains(invisible, o.Addr.Kind) {
			continue
		}
		to, _ := movedAddr(moves, o.Addr)
		if at, ok := movedAddr(relabels, o.Addr); ok {
			o = o.Clone()
			o.Addr = at
		}
		out = append(out, Found{Object: o, To: to})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Object.Addr.String() < out[j].Object.Addr.String() })
	return out
}

// move re-keys a sheet person's found access by the moves, and the sites
// of their grant blocks with it; it returns the person's email after the
// moves, and their objects a moved block covers, as found.
func (h *holding) move(team string, moves []model.Move, p *Person) (string, []Found) {
	objs := h.grants
	if h.main != nil {
		objs = append([]*model.Object{h.main}, h.grants...)
	}
	rek, moved := rekeyFound(team, moves, objs)
	if h.main != nil {
		h.main, rek = rek[0], rek[1:]
	}
	h.grants = rek
	for i := range p.Grants {
		if a, ok := movedAddr(moves, model.SiteAddress(team, p.Grants[i].Site)); ok && a.Team == team {
			p.Grants[i].Site = a.Site
		}
	}
	email := p.Email
	switch {
	case h.main != nil:
		email = h.main.Addr.Email
	case len(h.grants) > 0:
		email = h.grants[0].Addr.Email
	}
	return email, movedFound(team, moves, moved, nil)
}

// Stored reports whether the state holds a, or what a moved block takes
// to a (StoredBefore).
func Stored(moves []model.Move, a model.Address, stored func(model.Address) bool) bool {
	return stored(a) || StoredBefore(moves, a, stored)
}
