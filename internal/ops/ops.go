package ops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/boltstore"
	"github.com/roster-dev/roster/internal/state/pgstore"
)

// Env is where an operation runs: the configuration directory, the state,
// the drivers it may make and the view it reports progress to. The run's
// options travel in each operation's request, never here.
type Env struct {
	// Dir is the configuration directory.
	Dir string
	// State is the state file, or a postgres:// URL.
	State string
	// Drivers makes each platform's driver, by platform name.
	Drivers map[string]DriverFactory
	// Version is roster's version, for the drivers' User-Agent.
	Version string
	// View hears what an operation has to say while it runs.
	View View
	// Log is where the drivers log their requests, nil: nowhere.
	Log io.Writer
}

// DriverFactory makes one team's driver.
type DriverFactory = func(*driver.Team, driver.Options) driver.Driver

// View is what an operation says while it runs, besides its result: the
// command line implements it. No operation prints.
type View interface {
	// Warnings shows the warnings among diags, at most limit of them (0:
	// all) and how many more there are.
	Warnings(diags hcl.Diagnostics, files map[string]*hcl.File, limit int)
	// Errors shows error diagnostics of an operation that ends with its
	// own result (an import the policy refuses).
	Errors(diags hcl.Diagnostics, files map[string]*hcl.File)
	// Note and Warning show one line of the planning (or an import).
	Note(text string)
	Warning(text string)
	// Error shows a failure the operation goes on after, or reports before
	// its end (one change of an apply that failed).
	Error(text string)
	// Notify passes on what a driver tells the user (a wait for an hourly
	// budget).
	Notify(text string)
	// Progress is the apply's progress hook, nil when it is not shown.
	Progress() func(done, total int, addr model.Address)
}

// Error is a failure as the user reads it: the command line prints its
// text as it is and exits 1.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// errorf makes an *Error.
func errorf(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// DiagError carries configuration or policy diagnostics that stop an
// operation; the command line prints them with their source lines.
type DiagError struct {
	Diags hcl.Diagnostics
	Files map[string]*hcl.File
}

func (e *DiagError) Error() string { return e.Diags.Error() }

// ErrFailed ends an operation whose failure its result already tells (an
// apply's failure line): the command line exits 1 without more output.
var ErrFailed = errors.New("failed; see the output above")

// OpenStore opens a state file, or a PostgreSQL database for a
// postgres:// or postgresql:// URL.
func OpenStore(ctx context.Context, path string) (state.Store, error) {
	if pgstore.IsURL(path) {
		st, err := pgstore.Open(ctx, path)
		if err != nil {
			return nil, StoreError(err)
		}
		return st, nil
	}
	if scheme, ok := urlScheme(path); ok {
		// Not a file's path: a mistyped PostgreSQL URL would otherwise
		// become a local state named after it, its password in a
		// directory's name and in every message naming the state.
		return nil, errorf("the state %s://... is a URL, but roster keeps its state in a file or in PostgreSQL (postgres:// or postgresql://); check the URL's scheme", scheme)
	}
	st, err := boltstore.Open(path)
	if err != nil {
		return nil, StoreError(err)
	}
	return st, nil
}

// urlScheme is the scheme of a path written as a URL, SCHEME://...: a
// letter, then letters, digits, +, - or . (RFC 3986), two characters at
// least, so that a drive letter (C://) is still a path.
func urlScheme(path string) (string, bool) {
	scheme, _, ok := strings.Cut(path, "://")
	if !ok || len(scheme) < 2 {
		return "", false
	}
	for i, r := range scheme {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return "", false
		}
	}
	return scheme, true
}

// open opens the state of env.
func (env *Env) open(ctx context.Context) (state.Store, error) {
	return OpenStore(ctx, env.State)
}

// StoreError turns a store's error into the message a user reads.
func StoreError(err error) error {
	var de *state.DamagedError
	var le *state.LockedError
	var he *evidence.HeadError
	switch {
	case errors.As(err, &de), errors.As(err, &le), errors.Is(err, state.ErrLockLost), errors.As(err, &he):
		return &Error{Msg: err.Error()}
	case errors.Is(err, context.Canceled):
		return &Error{Msg: "interrupted (Ctrl-C or SIGTERM) while reading or writing the state; nothing more was written to it"}
	}
	return errorf("state: %v", err)
}

// StoreOrError keeps the errors a user reads as they are and maps store
// errors; nil stays nil.
func StoreOrError(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	var de *DiagError
	if errors.As(err, &e) || errors.As(err, &de) || errors.Is(err, ErrFailed) {
		return err
	}
	return StoreError(err)
}

// openRead opens the state and reads it; done closes it.
func (env *Env) openRead(ctx context.Context) (st state.Store, snap *state.Snapshot, done func(), err error) {
	if st, err = env.open(ctx); err != nil {
		return nil, nil, nil, err
	}
	if snap, err = snapshot(ctx, st); err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	return st, snap, func() { st.Close() }, nil
}

// openLocked opens the state, takes its lock for the operation name and
// reads it; done releases the lock and closes the state.
func (env *Env) openLocked(ctx context.Context, name string, timeout time.Duration) (st state.Store, snap *state.Snapshot, done func(), err error) {
	if st, err = env.open(ctx); err != nil {
		return nil, nil, nil, err
	}
	unlock, err := lockState(ctx, st, name, timeout)
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	if snap, err = snapshot(ctx, st); err != nil {
		unlock()
		st.Close()
		return nil, nil, nil, err
	}
	return st, snap, func() { unlock(); st.Close() }, nil
}

// lockState takes the state's lock for the operation name; unlock
// releases it.
func lockState(ctx context.Context, st state.Store, name string, timeout time.Duration) (unlock func(), err error) {
	lock, err := st.Lock(ctx, name, timeout)
	if err != nil {
		return nil, StoreError(err)
	}
	return func() { lock.Unlock() }, nil
}

// snapshot reads the state.
func snapshot(ctx context.Context, st state.Store) (*state.Snapshot, error) {
	snap, err := st.Snapshot(ctx)
	if err != nil {
		return nil, StoreError(err)
	}
	return snap, nil
}

// plural returns "1 thing" or "N things".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
