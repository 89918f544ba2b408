package kit

import (
	"context"
	"errors"
)

// Why says in words why a wait or a request of roster's ended early: the
// run was stopped, or its time ran out; another error is its own text.
func Why(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "roster was stopped (Ctrl-C or SIGTERM), or another request of the run failed"
	case errors.Is(err, context.DeadlineExceeded):
		return "the time allowed for it ran out"
	}
	return err.Error()
}

// Interrupted is "what: why" (Why), still err to errors.Is and errors.As.
func Interrupted(what string, err error) error {
	return &interrupted{msg: what + ": " + Why(err), err: err}
}

type interrupted struct {
	msg string
	err error
}

func (e *interrupted) Error() string { return e.msg }
func (e *interrupted) Unwrap() error { return e.err }
