package ops

import (
	"context"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/state"
)

// Snapshot reads the state (show, state list, state show).
func Snapshot(ctx context.Context, env *Env) (*state.Snapshot, error) {
	st, err := env.open(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return snapshot(ctx, st)
}

// History reads the applied changesets (history).
func History(ctx context.Context, env *Env) ([]state.HistoryEntry, error) {
	st, err := env.open(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	hist, err := st.History(ctx)
	if err != nil {
		return nil, StoreError(err)
	}
	return hist, nil
}

// LatestCheckpoint reads the latest signed checkpoint of the evidence
// (evidence checkpoint); an *Error says when there is none.
func LatestCheckpoint(ctx context.Context, env *Env) (checkpoint.Stored, error) {
	st, err := env.open(ctx)
	if err != nil {
		return checkpoint.Stored{}, err
	}
	defer st.Close()
	last, ok, err := checkpoint.Latest(ctx, st)
	if err != nil {
		return checkpoint.Stored{}, StoreError(err)
	}
	if !ok {
		return checkpoint.Stored{}, errorf("no signed checkpoint in the state: roster writes one after each apply when $%s holds a key made by roster keygen", checkpoint.EnvSigningKey)
	}
	return last, nil
}
