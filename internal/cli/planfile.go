package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/plan"
)

// maxPlanFile bounds a saved plan file (README "Limits"): a 100,000-change
// plan is about 45 MB.
const maxPlanFile = 256 << 20

// readPlanFile reads and decodes a saved plan file, at most maxPlanFile
// bytes, giving up when ctx ends (a FIFO nobody writes to). Each error
// names the file once.
func readPlanFile(ctx context.Context, file string) (*plan.Plan, error) {
	data, err := fsx.ReadFile(ctx, file, maxPlanFile)
	if errors.Is(err, context.Canceled) {
		return nil, &exitCode{code: ExitError, msg: fmt.Sprintf("interrupted while reading the plan file %s; nothing was changed", file)}
	}
	if err != nil {
		return nil, &exitCode{code: ExitError, msg: fmt.Sprintf("cannot read the plan file %s: %v", file, err)}
	}
	p, err := plan.Decode(data)
	if err != nil {
		return nil, &exitCode{code: ExitError, msg: fmt.Sprintf("plan file %s: %v", file, err)}
	}
	return p, nil
}
