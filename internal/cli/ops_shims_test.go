package cli

import (
	"context"
	"time"

	"github.com/roster-dev/roster/internal/ops"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/state"
)

// The tests of this package written before internal/ops name what moved
// there by its old names; these adapt them, so the tests stay as they are.

type pendingImport struct {
	serial  uint64
	time    time.Time
	actor   string
	changes int
	src     []byte
}

func pendingPath(out string) string { return ops.PendingPath(out) }

func writePending(out string, p *pendingImport) error {
	return ops.WritePending(out, &ops.PendingImport{Serial: p.serial, Time: p.time, Actor: p.actor, Changes: p.changes, Src: p.src})
}

// applyPlan applies an offline plan with the state open, and shows it.
func (a *app) applyPlan(ctx context.Context, st state.Store, p *plan.Plan, af *applyFlags, platforms map[string]string) error {
	res, err := ops.ApplyPlan(ctx, a.env(), st, p, af.who(), platforms)
	if err != nil {
		return err
	}
	return a.showApply(res)
}
