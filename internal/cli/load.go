package cli

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/ops"
)

// loadConfig loads the configuration directory for the reports. Errors
// come back as an *ops.DiagError carrying every diagnostic; warnings are
// printed and loading goes on.
func (a *app) loadConfig() (*config.Result, error) {
	now, err := a.now()
	if err != nil {
		return nil, err
	}
	return ops.LoadConfig(a.dir(), now, termView{a})
}

// warn prints the warnings among diags.
func (a *app) warn(diags hcl.Diagnostics, files map[string]*hcl.File) {
	termView{a}.Warnings(diags, files, 0)
}
