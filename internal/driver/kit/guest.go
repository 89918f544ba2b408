package kit

import (
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// KeepsAsGuest reports whether removing a member (change i of changes)
// turns them into a guest instead, whose account stays: they are a guest
// (guest, or one of their changes, mine, gives a grant a guest's holder
// kind) and keep grants after this apply. left are the sites where they
// hold access now, by the platform's id (KeepsAsGuest changes it);
// remaining are their changes not yet made, in apply order; site is a
// grant change's platform id (false: left out).
func KeepsAsGuest[K comparable](guest bool, changes []plan.Change, mine, remaining []int, i int, left map[K]bool, site func(*plan.Change) (K, bool)) bool {
	for _, j := range mine {
		// A grant this apply turns (or turned) into a guest's.
		if c := &changes[j]; c.Addr.Kind == model.KindGrant && c.After != nil && c.After.HolderKind == model.HolderGuest {
			guest = true
		}
	}
	for _, j := range remaining {
		c := &changes[j]
		if j == i || c.Addr.Kind != model.KindGrant {
			continue
		}
		id, ok := site(c)
		if !ok {
			continue
		}
		if c.Action == plan.Delete {
			delete(left, id)
			continue
		}
		left[id] = true
		if c.After != nil && c.After.HolderKind == model.HolderGuest {
			guest = true
		}
	}
	return guest && len(left) > 0
}
