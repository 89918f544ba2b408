package cli

import (
	"context"
	"errors"

	"github.com/roster-dev/roster/internal/ops"
	"github.com/roster-dev/roster/internal/state"
)

// openStore opens the state store that --state, $ROSTER_STATE or the
// default names.
func (a *app) openStore() (state.Store, error) {
	return ops.OpenStore(a.context(), a.statePath())
}

// context is the command's context (cancelled on Ctrl-C or SIGTERM).
func (a *app) context() context.Context {
	if a.ctx != nil {
		return a.ctx
	}
	return context.Background()
}

// storeError turns a store's error into the message a user reads.
func storeError(err error) error { return ops.StoreError(err) }

// storeOrExit keeps exit codes and the operations' errors, and maps store
// errors.
func storeOrExit(err error) error {
	var ec *exitCode
	if errors.As(err, &ec) {
		return err
	}
	return ops.StoreOrError(err)
}

// snapshot reads the state.
func (a *app) snapshot(ctx context.Context, st state.Store) (*state.Snapshot, error) {
	snap, err := st.Snapshot(ctx)
	if err != nil {
		return nil, storeError(err)
	}
	return snap, nil
}
