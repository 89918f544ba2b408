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
	return openStoreAt(a.statePath())
}

// openStoreAt opens a state file, or a PostgreSQL database for a
// postgres:// or postgresql:// URL.
func openStoreAt(path string) (state.Store, error) {
	if pgstore.IsURL(path) {
		st, err := pgstore.Open(context.Background(), path)
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

// storeError turns a store's error into the message a user reads.
func storeError(err error) error {
	var de *state.DamagedError
	var le *state.LockedError
	var he *evidence.HeadError
	switch {
	case errors.As(err, &de), errors.As(err, &le), errors.As(err, &he):
		return &exitCode{code: ExitError, msg: err.Error()}
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
