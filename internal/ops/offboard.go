package ops

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/offboard"
)

// OffboardRequest removes a person from every declaration of the
// configuration; Out, when set, is the directory the changed files are
// written to instead of in place. The plan of the result is made as roster
// plan makes it, with Now.
type OffboardRequest struct {
	Email string
	Out   string
	Now   time.Time
}

// OffboardResult is what offboarding changed, and the plan of the result.
type OffboardResult struct {
	// Unsafe are the declarations roster cannot remove the person from
	// safely (nothing was written then).
	Unsafe []offboard.Place
	// Removed says what was removed where, Changed is how many files
	// changed, Where the directory they were written to; Sponsored are
	// the people the person sponsors; Moved are the person's other
	// emails, linked by moved blocks or a move waiting in the state.
	Removed   []offboard.Place
	Moved     []string
	Changed   int
	Where     string
	Sponsored []string
	// Planned is the plan of the configuration without the person (nil
	// when planning failed: the error says why).
	Planned *Planned
}

// Offboard rewrites the configuration to remove the person from every
// declaration (formatting and comments kept), writes it, and plans the
// result. A result comes back with an error that stops after the files
// were written, so what was removed can still be shown.
func Offboard(ctx context.Context, env *Env, req OffboardRequest) (*OffboardResult, error) {
	email := req.Email
	srcs, diags, _ := config.ReadDir(env.Dir)
	if diags.HasErrors() {
		return nil, &DiagError{Diags: diags}
	}
	st, snap, done, err := env.openRead(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	res, err := offboard.Remove(env.Dir, srcs, email, snap.Objects)
	var de *offboard.DiagError
	switch {
	case errors.Is(err, offboard.ErrNotDeclared):
		return nil, errorf("%s is declared nowhere in %s: nothing to offboard", email, env.Dir)
	case errors.As(err, &de):
		return nil, &DiagError{Diags: de.Diags, Files: de.Files}
	case err != nil:
		return nil, errorf("offboard %s: %v", email, err)
	}
	if len(res.Unsafe) > 0 {
		return &OffboardResult{Unsafe: res.Unsafe}, &Error{Msg: "nothing was written"}
	}
	dir := env.Dir
	if req.Out != "" {
		if err := os.MkdirAll(req.Out, 0o755); err != nil {
			return nil, &Error{Msg: err.Error()}
		}
	}
	if err := writeAll(ctx, dir, req.Out, res.Changed); err != nil {
		return nil, errorf("writing the configuration: %v", err)
	}
	out := &OffboardResult{Removed: res.Removed, Changed: len(res.Changed), Where: dir, Sponsored: res.Sponsored, Moved: res.Moved}
	if req.Out != "" {
		out.Where = req.Out
	}
	r := env.run(req.Now)
	r.preloaded = res.Config
	out.Planned, err = r.makePlan(ctx, st, &PlanRequest{Now: req.Now, Refresh: true, Parallelism: 4})
	if err != nil {
		return out, err
	}
	return out, nil
}

// writeAll writes every changed source, all or nothing as far as the
// filesystem allows: each file is first written beside its target, and the
// targets are replaced only once every one of them is written. A file
// keeps its mode; a new one in outDir takes its source's. Through fsx, a
// linked file is edited where it lives (as fmt does) and a device or
// FIFO is written to, never replaced.
func writeAll(ctx context.Context, dir, outDir string, files []config.Source) error {
	var staged []*fsx.File
	defer func() {
		for _, f := range staged {
			f.Discard()
		}
	}()
	for _, f := range files {
		src := filepath.Join(dir, f.Name)
		target := src
		if outDir != "" {
			target = filepath.Join(outDir, f.Name)
		}
		mode := os.FileMode(0o600)
		if fi, err := os.Stat(src); err == nil {
			mode = fi.Mode().Perm()
		}
		out, err := fsx.Create(target, fsx.Options{Mode: mode, Context: ctx})
		if err != nil {
			return err
		}
		staged = append(staged, out)
		if _, err := out.Write(f.Data); err != nil {
			return err
		}
	}
	for _, out := range staged {
		if err := out.Commit(); err != nil {
			return err
		}
	}
	return nil
}
