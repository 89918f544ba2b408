package plan

import (
	"slices"

	"github.com/roster-dev/roster/internal/model"
)

// Step is a change's place in the apply order on connected teams (schema/sync.md,
// "apply on connected teams"): invitations and creations; promotions to
// owner; other updates; removals; demotions from owner last, so that a
// team never loses its last owner half-way.
type Step int

// The steps, in the order they are applied.
const (
	StepCreate Step = iota
	StepPromote
	StepUpdate
	StepRemove
	StepDemote
)

// Step says where c goes in the apply order.
func (c *Change) Step() Step {
	switch c.Action {
	case Create:
		return StepCreate
	case Delete:
		return StepRemove
	}
	if c.Addr.Kind == model.KindMember && c.Before != nil && c.After != nil && c.Before.Role != c.After.Role {
		if c.After.Role == model.RoleOwner {
			return StepPromote
		}
		if c.Before.Role == model.RoleOwner {
			return StepDemote
		}
	}
	return StepUpdate
}

// kindRank orders kinds within a step: containers before what they hold
// (a membership before its grants), the reverse when removing.
func kindRank(c *Change) int {
	var r int
	switch c.Addr.Kind {
	case model.KindTeam:
		r = 0
	case model.KindSite:
		r = 1
	case model.KindGroup:
		r = 2
	case model.KindMember:
		r = 3
	case model.KindGrant:
		r = 4
	}
	if c.Step() == StepRemove {
		return -r
	}
	return r
}

// CompareApply orders two changes of one team for apply: by Step, then
// within a step memberships before grants when adding and after them when
// removing. Equal changes keep their (address) order under a stable sort.
// It is the one definition of the apply order: the apply engine and the
// drivers that simulate an apply (PostHog, Piwik PRO) all use it.
func CompareApply(a, b *Change) int {
	if sa, sb := a.Step(), b.Step(); sa != sb {
		return int(sa) - int(sb)
	}
	return kindRank(a) - kindRank(b)
}

// SortForApply sorts a team's changes into the apply order, stably.
func SortForApply(cs []*Change) {
	slices.SortStableFunc(cs, CompareApply)
}

// SortChangesForApply is SortForApply for a slice of values.
func SortChangesForApply(cs []Change) {
	slices.SortStableFunc(cs, func(a, b Change) int { return CompareApply(&a, &b) })
}
