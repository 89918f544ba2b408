package ops

import (
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/policy"
)

// ValidateRequest checks the configuration and its policy, expiry judged
// at Now.
type ValidateRequest struct {
	Now time.Time
}

// Validate loads the configuration and runs the policy's rules over it
// (over its objects alone when it does not load): every diagnostic comes
// back, errors and warnings, with the loaded configuration (its Config
// nil when it did not load).
func Validate(env *Env, req ValidateRequest) (*config.Result, hcl.Diagnostics) {
	res := config.Load(env.Dir)
	diags := res.Diags
	if res.Config != nil {
		if diags.HasErrors() {
			diags = append(diags, policy.CheckObjects(res.Config, req.Now)...)
		} else {
			diags = append(diags, policy.Check(res.Config, req.Now)...)
		}
	}
	return res, diags
}
