package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/offboard"
)

func init() { extraCommands = append(extraCommands, (*app).offboardCommand) }

func (a *app) offboardCommand() *cobra.Command {
	c := newCommand("offboard EMAIL", "Remove a person from every declaration, then show the plan")
	c.Long = `offboard rewrites the configuration to remove EMAIL from every declaration:
member and guest blocks, group member lists, and for_each collections and
locals written as literals (formatting and comments kept). A declaration
computed from other values is reported with its file and line for you to
edit, and then nothing is written. A renamed person is one person: EMAIL
may be an old or a new email of a moved block, or of a move waiting in the
state, and every email so linked is removed, with the moved blocks that
name them. It prints the plan of the result; apply it as any other change.`
	c.Args = cobra.ExactArgs(1)
	c.ValidArgsFunction = completeOnce(a.emails)
	var ticket, outDir string
	c.Flags().StringVar(&ticket, "ticket", "", "the offboarding ticket, for the apply that follows")
	c.Flags().StringVar(&outDir, "out", "", "write the changed files to this directory instead of in place")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		email := args[0]
		srcs, diags, _ := config.ReadDir(a.dir())
		if diags.HasErrors() {
			return &diagError{diags: diags}
		}
		st, err := a.openStore()
		if err != nil {
			return err
		}
		defer st.Close()
		snap, err := a.snapshot(cmd.Context(), st)
		if err != nil {
			return err
		}
		res, err := offboard.Remove(a.dir(), srcs, email, snap.Objects)
		var de *offboard.DiagError
		switch {
		case errors.Is(err, offboard.ErrNotDeclared):
			return &exitCode{code: ExitError, msg: fmt.Sprintf("%s is declared nowhere in %s: nothing to offboard", email, a.dir())}
		case errors.As(err, &de):
			return &diagError{diags: de.Diags, files: de.Files}
		case err != nil:
			return &exitCode{code: ExitError, msg: fmt.Sprintf("offboard %s: %v", email, err)}
		}
		if len(res.Unsafe) > 0 {
			fmt.Fprintf(a.stderr, "roster cannot remove %s safely from these declarations; edit them by hand, then run roster offboard again:\n", email)
			for _, p := range res.Unsafe {
				fmt.Fprintf(a.stderr, "  %s\n", p)
			}
			return &exitCode{code: ExitError, msg: "nothing was written"}
		}
		dir := a.dir()
		if outDir != "" {
			if err := os.MkdirAll(outDir, 0o755); err != nil {
				return &exitCode{code: ExitError, msg: err.Error()}
			}
		}
		if err := writeAll(cmd.Context(), dir, outDir, res.Changed); err != nil {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("writing the configuration: %v", err)}
		}
		for _, p := range res.Removed {
			fmt.Fprintf(a.stdout, "%s\n", p)
		}
		where := dir
		if outDir != "" {
			where = outDir
		}
		who := email
		if len(res.Moved) > 0 {
			who = fmt.Sprintf("%s (moved: %s)", email, strings.Join(res.Moved, ", "))
		}
		fmt.Fprintf(a.stdout, "\nRemoved %s from %s in %s.\n", who, plural(len(res.Changed), "file", "files"), where)
		if len(res.Sponsored) > 0 {
			fmt.Fprintf(a.stdout, "%s sponsors %s: give their access a new sponsor, or end it.\n", email, strings.Join(res.Sponsored, ", "))
		}
		fmt.Fprintln(a.stdout)

		a.preloaded = res.Config
		pd, err := a.makePlan(cmd.Context(), st, &planFlags{refresh: true, parallelism: 4})
		if err != nil {
			return err
		}
		if err := a.renderPlan(a.stdout, pd.p, "text"); err != nil {
			return err
		}
		next := "roster apply"
		if outDir != "" {
			next = "copy the files into " + dir + ", then roster apply"
		}
		if ticket != "" {
			next += " --ticket " + ticket
		}
		fmt.Fprintf(a.stdout, "\nNext: review the change, then %s.\n", next)
		return nil
	}
	return c
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
		mode := os.FileMode(0o644)
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
