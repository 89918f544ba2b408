package ops

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/policy"
)

// checkPlanPolicy runs the plan's policy rules after cfgDiags, what
// policy.Check said of the configuration: violations stop the command,
// warnings are printed.
func (r *run) checkPlanPolicy(cfg *config.Result, cfgDiags hcl.Diagnostics, p *plan.Plan) error {
	diags := append(cfgDiags, policy.CheckPlan(cfg.Config, p)...)
	if diags.HasErrors() {
		return &DiagError{Diags: diags, Files: cfg.Files}
	}
	r.warn(diags, cfg.Files)
	p.Diagnostics = append(p.Diagnostics, planDiagnostics(diags, nil)...)
	return nil
}
