package cli

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/diag"
	"github.com/roster-dev/roster/internal/policy"
)

// loadConfig loads the configuration directory. Errors come back as a
// *diagError carrying every diagnostic; warnings are printed and loading
// goes on.
func (a *app) loadConfig() (*config.Result, error) {
	if a.preloaded != nil {
		return a.preloaded, nil
	}
	res := config.Load(a.dir())
	if res.Diags.HasErrors() || res.Config == nil {
		diags := res.Diags
		if now, err := a.now(); err == nil && res.Config != nil {
			diags = append(diags, policy.CheckObjects(res.Config, now)...)
		}
		return nil, &diagError{diags: diags, files: res.Files}
	}
	a.warn(res.Diags, res.Files)
	a.policy, a.policyLoaded = res.Config.Policy, true
	return res, nil
}

// warn prints the warnings among diags.
func (a *app) warn(diags hcl.Diagnostics, files map[string]*hcl.File) {
	var ws hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			ws = append(ws, d)
		}
	}
	if len(ws) > 0 {
		diag.WriteText(a.stderr, ws, files)
		a.stderr.Write([]byte("\n"))
	}
}
