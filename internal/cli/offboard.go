package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/ops"
)

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
	c.ValidArgsFunction = a.completeOnce(ops.CompleteEmails)
	var ticket, outDir string
	c.Flags().StringVar(&ticket, "ticket", "", "the offboarding ticket, for the apply that follows")
	c.Flags().StringVar(&outDir, "out", "", "write the changed files to this directory instead of in place")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		email := args[0]
		now, err := a.now()
		if err != nil {
			return err
		}
		res, err := ops.Offboard(cmd.Context(), a.env(), ops.OffboardRequest{Email: email, Out: outDir, Now: now})
		if res != nil && len(res.Unsafe) > 0 {
			fmt.Fprintf(a.stderr, "roster cannot remove %s safely from these declarations; edit them by hand, then run roster offboard again:\n", email)
			for _, p := range res.Unsafe {
				fmt.Fprintf(a.stderr, "  %s\n", p)
			}
			return err
		}
		if res != nil {
			for _, p := range res.Removed {
				fmt.Fprintf(a.stdout, "%s\n", p)
			}
			who := email
			if len(res.Moved) > 0 {
				who = fmt.Sprintf("%s (moved: %s)", email, strings.Join(res.Moved, ", "))
			}
			fmt.Fprintf(a.stdout, "\nRemoved %s from %s in %s.\n", who, plural(res.Changed, "file", "files"), res.Where)
			if len(res.Sponsored) > 0 {
				fmt.Fprintf(a.stdout, "%s sponsors %s: give their access a new sponsor, or end it.\n", email, strings.Join(res.Sponsored, ", "))
			}
			fmt.Fprintln(a.stdout)
		}
		if err != nil {
			return err
		}
		if err := a.renderPlan(a.stdout, res.Planned.Plan, "text"); err != nil {
			return err
		}
		next := "roster apply"
		if outDir != "" {
			next = "copy the files into " + a.dir() + ", then roster apply"
		}
		if ticket != "" {
			next += " --ticket " + ticket
		}
		fmt.Fprintf(a.stdout, "\nNext: review the change, then %s.\n", next)
		return nil
	}
	return c
}
