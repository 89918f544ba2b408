package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/roster-dev/roster/internal/plan"
)

// This file parses apply's --reviewed and --only (schema/cli.md, "Command line,
// version 2 additions"); the comparison and the filtering are the plan
// package's (plan.CheckReviewed, plan.Input.Only).

// checkNarrow checks --reviewed and --only against the other arguments,
// reads the reviewed plan, and makes the fresh plan as the reviewed one
// was made (its reinvite and mass-removal choices).
func (af *applyFlags) checkNarrow(ctx context.Context, args []string, pf *planFlags, reinviteGiven bool) error {
	for _, s := range af.only {
		k, ok := plan.ParseCause(s)
		if !ok {
			names := make([]string, len(plan.Causes))
			for i, c := range plan.Causes {
				names[i] = string(c)
			}
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --only %q: expected %s", s, strings.Join(names, " or "))}
		}
		pf.only = append(pf.only, k)
	}
	if af.reviewed == "" && len(af.only) == 0 {
		return nil
	}
	switch {
	case len(args) == 1:
		return &exitCode{code: ExitError, msg: "--reviewed and --only plan afresh and cannot be given with a saved plan to apply as it is"}
	case af.reviewed != "" && len(af.only) > 0:
		return &exitCode{code: ExitError, msg: "--reviewed and --only cannot be given together: a reviewed plan is applied whole"}
	case pf.refreshOnly:
		return &exitCode{code: ExitError, msg: "--refresh-only cannot be given with --reviewed or --only"}
	}
	if af.reviewed == "" {
		return nil
	}
	if reinviteGiven {
		return &exitCode{code: ExitError, msg: "--reinvite cannot be given with --reviewed: the reviewed plan says whether it reinvites"}
	}
	p, err := readPlan(ctx, "reviewed plan", af.reviewed) // bounded, cancellable
	if err != nil {
		return err
	}
	af.reviewedPlan = p
	af.autoApprove = true // it was reviewed, as apply PLANFILE
	pf.reinvite = p.Reinvite
	pf.allowMassRemoval = pf.allowMassRemoval || p.AllowMassRemoval
	return nil
}

// narrow checks the fresh plan against the reviewed one (--reviewed): p
// itself when its changes are the reviewed plan's, else the refusal.
// (--only narrows the plan as it is made: planFlags.only.)
func (af *applyFlags) narrow(pd *planned) (*plan.Plan, error) {
	p := pd.p
	if r := af.reviewedPlan; r != nil {
		if r.Lineage != "" && pd.snap.Lineage != r.Lineage {
			return nil, &exitCode{code: ExitError, msg: fmt.Sprintf("reviewed plan %s was made against another state (lineage %s, this state's is %s)", af.reviewed, r.Lineage, pd.snap.Lineage)}
		}
		if err := plan.CheckReviewed(r, p); err != nil {
			return nil, &exitCode{code: ExitError, msg: err.Error()}
		}
		return p, nil
	}
	return p, nil
}
