package cli

import (
	"context"
	"errors"

	"github.com/roster-dev/roster/internal/ops"
)

// context is the command's context (cancelled on Ctrl-C or SIGTERM).
func (a *app) context() context.Context {
	if a.ctx != nil {
		return a.ctx
	}
	return context.Background()
}

// storeOrExit keeps exit codes and the operations' errors, and maps store
// errors.
func storeOrExit(err error) error {
	var ec *exitCode
	if errors.As(err, &ec) {
		return err
	}
	return ops.StoreOrError(err)
}
