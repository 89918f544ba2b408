package ops

import (
	"context"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/state"
)

// MigrateRequest copies the whole state to the store To (a state file or
// a postgres:// URL), which must be empty.
type MigrateRequest struct {
	To string
}

// MigrateResult is what was copied, from where to where.
type MigrateResult struct {
	From, To string
	*state.MigrateResult
}

// Migrate copies the state (objects, history, evidence, checkpoints) to
// another store, then verifies the evidence there.
func Migrate(ctx context.Context, env *Env, req MigrateRequest) (*MigrateResult, error) {
	src, err := env.open(ctx)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	dst, err := OpenStore(ctx, req.To)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	res, err := state.Migrate(ctx, src, dst, func(ctx context.Context, st state.Store) (uint64, string, error) {
		r, err := evidence.Verify(ctx, st)
		return r.Count, r.Head, err
	})
	if err != nil {
		return nil, StoreOrError(err)
	}
	return &MigrateResult{From: src.Describe(), To: dst.Describe(), MigrateResult: res}, nil
}
