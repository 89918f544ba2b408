package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/boltstore"
)

// openStore opens the state store that --state, $ROSTER_STATE or the
// default names.
func (a *app) openStore() (state.Store, error) {
	path := a.statePath()
	if strings.HasPrefix(path, "postgres://") || strings.HasPrefix(path, "postgresql://") {
		return nil, &exitCode{code: ExitError, msg: "PostgreSQL state is not available in this version of roster; use a state file"}
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
	switch {
	case errors.As(err, &de), errors.As(err, &le):
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
