package ops

import (
	"context"
	"errors"

	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/plan"
)

// maxPlanFile bounds a saved plan file (README "Limits"): a 100,000-change
// plan is about 45 MB.
const maxPlanFile = 256 << 20

// ReadPlanFile reads and decodes a saved plan file, at most maxPlanFile
// bytes, giving up when ctx ends (a FIFO nobody writes to). Each error
// names the file once.
func ReadPlanFile(ctx context.Context, file string) (*plan.Plan, error) {
	return readPlan(ctx, "plan file", file)
}

// readPlan is ReadPlanFile with the name messages give the file ("plan
// file", "reviewed plan").
func readPlan(ctx context.Context, what, file string) (*plan.Plan, error) {
	data, err := fsx.ReadFile(ctx, file, maxPlanFile)
	if errors.Is(err, context.Canceled) {
		return nil, errorf("interrupted while reading the %s %s; nothing was changed", what, file)
	}
	if err != nil {
		return nil, errorf("cannot read the %s %s: %v", what, file, err)
	}
	p, err := plan.Decode(data)
	if err != nil {
		return nil, errorf("%s %s: %v", what, file, err)
	}
	return p, nil
}
