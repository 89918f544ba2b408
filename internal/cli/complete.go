package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/ops"
)

// Shell completion of arguments (cobra's __complete): addresses for the
// commands that take them, emails for access, capabilities for who-can and
// team names for import. What there is to offer is ops.Complete's: it
// reads the state and the configuration if it can and offers nothing if
// it cannot, so that completion never prints an error into someone's
// shell.

type completer func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)

// completeOnce completes the first argument only.
func (a *app) completeOnce(kind ops.CompleteKind) completer {
	return func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return ops.Complete(context.Background(), a.env(), kind, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeEach completes every argument.
func (a *app) completeEach(kind ops.CompleteKind) completer {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return ops.Complete(context.Background(), a.env(), kind, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}
