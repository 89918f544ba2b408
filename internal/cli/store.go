package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/boltstore"
	"github.com/roster-dev/roster/internal/state/pgstore"
)

// openStore opens the state store that --state, $ROSTER_STATE or the
// default names.
func (a *app) openStore() (state.Store, error) {
	return openStoreAt(a.context(), a.statePath())
}

// openStoreAt opens a state file, or a PostgreSQL database for a
// postgres:// or postgresql:// URL.
func openStoreAt(ctx context.Context, path string) (state.Store, error) {
	if pgstore.IsURL(path) {
		st, err := pgstore.Open(ctx, path)
		if err != nil {
			return nil, storeError(err)
		}
		return st, nil
	}
	st, err := boltstore.Open(path)
	if err != nil {
		return nil, storeError(err)
	}
	return st, nil
}

// context is the command's context (cancelled on Ctrl-C or SIGTERM).
func (a *app) context() context.Context {
	if a.ctx != nil {
		return a.ctx
	}
	return context.Background()
}

// storeError turns a store's error into the message a user reads.
func storeError(err error) error {
	var de *state.DamagedError
	var le *state.LockedError
	var he *evidence.HeadError
	switch {
	case errors.As(err, &de), errors.As(err, &le), errors.Is(err, state.ErrLockLost), errors.As(err, &he):
		return &exitCode{code: ExitError, msg: err.Error()}
	case errors.Is(err, context.Canceled):
		return &exitCode{code: ExitError, msg: "interrupted (Ctrl-C or SIGTERM) while reading or writing the state; nothing more was written to it"}
	}
	return &exitCode{code: ExitError, msg: fmt.Sprintf("state: %v", err)}
}

// snapshot reads the state.
func (a *app) snapshot(ctx context.Context, st state.Store) (*state.Snapshot, error) {
	snap, err := st.Snapshot(ctx)
	if err != nil {
		return nil, storeError(err)
	}
	return snap, nil
}
