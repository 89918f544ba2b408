package live

import (
	"slices"
	"sort"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/model"
)

// Holding is one way a person still holds access on a connected team, as
// the refresh found it (or, for what the API cannot read, as the state
// holds it).
type Holding struct {
	Team   string
	Addr   model.Address
	Kind   model.Kind
	Role   string // the role; for a group, "" (the person is in it)
	Status model.Status
	// Unread is set where the platform's API cannot read this kind of
	// access (Plausible team roles): the state stands for it, and only a
	// person looking in the platform's UI can prove it gone.
	Unread bool
}

// PersonAccess lists where email still has access on the refreshed teams:
// their memberships and grants, active or invited, the groups that list
// them, and, for kinds the API cannot read, what the state still holds of
// them. Sorted by team, then address. Empty means the platforms show
// nothing.
func PersonAccess(snaps map[string]*driver.Snapshot, stored []*model.Object, email string) []Holding {
	var out []Holding
	for team, s := range snaps {
		for _, o := range s.Objects {
			switch {
			case o.Addr.Email == email && (o.Addr.Kind == model.KindMember || o.Addr.Kind == model.KindGrant):
				out = append(out, Holding{Team: team, Addr: o.Addr, Kind: o.Addr.Kind, Role: o.Role, Status: o.Status})
			case o.Addr.Kind == model.KindGroup && slices.Contains(o.Members, email):
				out = append(out, Holding{Team: team, Addr: o.Addr, Kind: model.KindGroup, Status: o.Status})
			}
		}
		// A membership that is no access of its own (a guest's, or one
		// kept for access on undeclared sites) is still a membership of
		// the platform's account.
		for _, o := range s.Implicit {
			if o.Addr.Email == email {
				out = append(out, Holding{Team: team, Addr: o.Addr, Kind: model.KindMember, Role: o.Role, Status: o.Status})
			}
		}
		for _, o := range stored {
			if o.Addr.Team == team && o.Addr.Email == email && slices.Contains(s.Invisible, o.Addr.Kind) {
				out = append(out, Holding{Team: team, Addr: o.Addr, Kind: o.Addr.Kind, Role: o.Role, Status: o.Status, Unread: true})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Team != out[j].Team {
			return out[i].Team < out[j].Team
		}
		return out[i].Addr.String() < out[j].Addr.String()
	})
	return out
}
