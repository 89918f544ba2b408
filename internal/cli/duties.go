package cli

import (
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/policy"
)

// policyDigest is the policy_digest of the records an apply writes: the
// digest of the policy of the configuration loaded (cli.md "Evidence,
// version 2"), "" when the command loaded none.
func (a *app) policyDigest() string {
	if !a.policyLoaded {
		return ""
	}
	return policy.Digest(a.policy)
}

// checkDuties refuses an apply that changes something when the policy's
// distinct_approver rule is not met: no approver other than the actor.
func (a *app) checkDuties(p *plan.Plan, af *applyFlags) error {
	if p.Empty() {
		return nil
	}
	approvers := af.approvers
	if len(approvers) == 0 {
		approvers = envApprovers()
	}
	if err := policy.DistinctApprover(a.policy, firstNonEmpty(af.actor, envActor()), approvers); err != nil {
		return &exitCode{code: ExitError, msg: err.Error()}
	}
	return nil
}
