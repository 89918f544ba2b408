package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/ops"
	"github.com/roster-dev/roster/internal/runbook"
)

func (a *app) runbookCommand() *cobra.Command {
	c := newCommand("runbook", "The manual steps and follow-up tasks still open")
	c.Args = cobra.NoArgs
	var format string
	c.Flags().StringVar(&format, "format", "text", "text, markdown or json")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if format != "text" && format != "markdown" && format != "json" {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --format %q: expected text, markdown or json", format)}
		}
		items, err := ops.Runbook(cmd.Context(), a.env(), ops.RunbookRequest{})
		if err != nil {
			return err
		}
		switch format {
		case "json":
			return runbook.WriteJSON(a.stdout, items)
		case "markdown":
			return runbook.WriteMarkdown(a.stdout, items)
		}
		return runbook.WriteText(a.stdout, items)
	}
	return c
}

func (a *app) confirmCommand() *cobra.Command {
	c := newCommand("confirm ADDRESS...", "Record that a person did the open manual steps")
	c.ValidArgsFunction = a.completeEach(ops.CompleteAddresses)
	var req ops.ConfirmRequest
	c.Flags().BoolVar(&req.All, "all", false, "confirm every open item")
	c.Flags().StringVar(&req.Note, "note", "", "what was done, for the evidence")
	c.Flags().StringVar(&req.Actor, "actor", "", "who did it (default: $ROSTER_ACTOR, $GITHUB_ACTOR, $USER)")
	c.Flags().DurationVar(&req.LockTimeout, "lock-timeout", 0, "how long to wait for the state lock (default 0s: one try, no wait)")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 && !req.All {
			return &exitCode{code: ExitError, msg: "name the items to confirm (ADDRESS, or ADDRESS#TASK; roster runbook lists them), or give --all"}
		}
		req.Items = args
		res, err := ops.Confirm(cmd.Context(), a.env(), req)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "Confirmed %s. Evidence: %d records, head %s.\n", plural(len(res.Confirmed), "item", "items"), res.Result.Records, res.Result.Head)
		return nil
	}
	return c
}
