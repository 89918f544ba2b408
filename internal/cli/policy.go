package cli

import (
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/policy"
)

// checkPlanPolicy runs every policy rule, the plan's included: violations
// stop the command, warnings are printed.
func (a *app) checkPlanPolicy(cfg *config.Result, p *plan.Plan, now time.Time) error {
	diags := a.policyDiags(cfg, now)
	diags = append(diags, policy.CheckPlan(cfg.Config, p)...)
	if diags.HasErrors() {
		return &diagError{diags: diags, files: cfg.Files}
	}
	a.warn(diags, cfg.Files)
	p.Diagnostics = append(p.Diagnostics, planDiagnostics(diags, nil)...)
	return nil
}

// policyDiags runs the policy rules over the configuration alone.
func (a *app) policyDiags(cfg *config.Result, now time.Time) hcl.Diagnostics {
	return policy.Check(cfg.Config, now)
}
