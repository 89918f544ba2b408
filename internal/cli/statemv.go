package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/ops"
)

// stateEditCommand is `state mv FROM TO` (args 2) or `state rm ADDRESS`
// (args 1): a rename or a forgetting by hand, under the state lock, with
// evidence (language.md "moved").
func (a *app) stateEditCommand(use, short string, args int) *cobra.Command {
	c := newCommand(use, short)
	c.Args = cobra.ExactArgs(args)
	c.ValidArgsFunction = a.completeOnce(ops.CompleteAddresses)
	var req ops.StateEditRequest
	c.Flags().StringVar(&req.Actor, "actor", "", "who did it (default: $ROSTER_ACTOR, $GITHUB_ACTOR, $USER)")
	c.Flags().DurationVar(&req.LockTimeout, "lock-timeout", 0, "how long to wait for the state lock (default 0s: one try, no wait)")
	c.RunE = func(cmd *cobra.Command, argv []string) error {
		addrs := make([]model.Address, len(argv))
		for i, s := range argv {
			a, err := model.ParseAddress(s)
			if err != nil {
				return &exitCode{code: ExitError, msg: err.Error()}
			}
			addrs[i] = a
		}
		req.From = addrs[0]
		if args == 2 {
			req.To = &addrs[1]
		}
		res, err := ops.StateEdit(cmd.Context(), a.env(), req)
		if err != nil {
			return err
		}
		what := "Moved " + addrs[0].String() + " to " + addrs[len(addrs)-1].String()
		if args == 1 {
			what = "Forgot " + addrs[0].String() + " (state only; nothing changed on the platform)"
		}
		fmt.Fprintf(a.stdout, "%s. Evidence: %d records, head %s.\n", what, res.Records, res.Head)
		return nil
	}
	return c
}
