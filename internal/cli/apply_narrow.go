package cli

import (
	"fmt"
	"strings"

	"github.com/roster-dev/roster/internal/plan"
)

// This file parses apply's --reviewed and --only (schema/cli.md, "Command line,
// version 2 additions"); reading the reviewed plan and comparing is
// ops.Apply's (with plan.CheckReviewed), the filtering the plan package's
// (plan.Input.Only).

// checkNarrow checks --reviewed and --only against the other arguments.
func (af *applyFlags) checkNarrow(args []string, pf *planFlags, reinviteGiven bool) error {
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
	if af.reviewed != "" && reinviteGiven {
		return &exitCode{code: ExitError, msg: "--reinvite cannot be given with --reviewed: the reviewed plan says whether it reinvites"}
	}
	return nil
}
