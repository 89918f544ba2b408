package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/ops"
)

func (a *app) fmtCommand() *cobra.Command {
	c := newCommand("fmt [FILE...]", "Rewrite configuration files in canonical HCL formatting")
	c.Long = `fmt rewrites the .hcl files of the configuration directory (or the FILEs
and directories given; - reads standard input and writes standard output)
in canonical HCL formatting, and lists the files it changed. --recursive
also formats the directories below, as terraform fmt -recursive does.
--check changes nothing and exits 1 listing each file that would change;
--diff shows the changes as a unified diff.`
	var check, showDiff, recursive bool
	c.Flags().BoolVar(&check, "check", false, "change nothing; exit 1 listing the files that would change")
	c.Flags().BoolVar(&recursive, "recursive", false, "also format the .hcl files in every directory below (hidden ones excepted)")
	c.Flags().BoolVar(&showDiff, "diff", false, "show the changes as a unified diff")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		res, err := ops.Fmt(cmd.Context(), a.env(), ops.FmtRequest{Args: args, Recursive: recursive, Check: check, Diff: showDiff, Stdin: a.stdin})
		a.showFmt(res, showDiff)
		if err != nil {
			return err
		}
		if check && len(res.Changed) > 0 {
			return silentExit(ExitError)
		}
		return nil
	}
	return c
}

// showFmt prints what fmt did: each change's diff, or the name of each
// file rewritten (or, with --check, not formatted); for standard input,
// its diff or the formatted text.
func (a *app) showFmt(res *ops.FmtResult, showDiff bool) {
	if res == nil {
		return
	}
	for _, f := range res.Changed {
		switch {
		case showDiff:
			a.stdout.Write(f.Diff)
		case !res.Stdin:
			fmt.Fprintln(a.stdout, f.Name)
		}
	}
	if res.Formatted != nil {
		a.stdout.Write(res.Formatted)
	}
}
