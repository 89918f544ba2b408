package ops

import (
	"cmp"
	"context"
	"fmt"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/policy"
	"github.com/roster-dev/roster/internal/state"
)

// policyDigest is the policy_digest of the records an apply writes: the
// digest of the policy of the configuration loaded (schema/cli.md "Evidence,
// version 2"), "" when the command loaded none.
func (r *run) policyDigest() string {
	if !r.policyLoaded {
		return ""
	}
	return policy.Digest(r.policy)
}

// policyJSON is the policy of the configuration loaded as the history
// entry keeps it, nil when the command loaded none.
func (r *run) policyJSON() []byte {
	if !r.policyLoaded {
		return nil
	}
	return policy.JSON(r.policy)
}

// weakenedSince says which rules of cfgPolicy remove or relax a rule of
// the policy in force at the last apply that recorded one (nil when none
// did): the plan then tags every change policy_weakened.
func weakenedSince(ctx context.Context, st state.Store, cfgPolicy *model.Policy) ([]string, error) {
	hist, err := st.History(ctx)
	if err != nil {
		return nil, err
	}
	for i := len(hist) - 1; i >= 0; i-- {
		if len(hist[i].Policy) == 0 {
			continue
		}
		prior, err := policy.FromJSON(hist[i].Policy)
		if err != nil {
			return nil, fmt.Errorf("the policy kept by the history entry of serial %d cannot be read: %v", hist[i].Serial, err)
		}
		return policy.Weakened(prior, cfgPolicy), nil
	}
	return nil, nil
}

// checkDuties refuses an apply that changes something when the policy's
// distinct_approver rule is not met: no approver other than the actor.
func (r *run) checkDuties(p *plan.Plan, who Who) error {
	if p.Empty() {
		return nil
	}
	approvers := who.Approvers
	if len(approvers) == 0 {
		approvers = envApprovers()
	}
	// The actor as named (an unnamed one, recorded as "unknown", is
	// refused by the rule rather than compared as a name).
	if err := policy.DistinctApprover(r.policy, cmp.Or(who.Actor, namedActor()), approvers); err != nil {
		return &Error{Msg: err.Error()}
	}
	return nil
}
