package ops

import (
	"time"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/policy"
)

// checkPlanPolicy runs every policy rule, the plan's included: violations
// stop the command, warnings are printed.
func (r *run) checkPlanPolicy(cfg *config.Result, p *plan.Plan, now time.Time) error {
	diags := policy.Check(cfg.Config, now)
	diags = append(diags, policy.CheckPlan(cfg.Config, p)...)
	if diags.HasErrors() {
		return &DiagError{Diags: diags, Files: cfg.Files}
	}
	r.warn(diags, cfg.Files)
	p.Diagnostics = append(p.Diagnostics, planDiagnostics(diags, nil)...)
	return nil
}
