package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/ops"
)

// stateMigrateCommand is `roster state migrate --to PATH|URL`.
func (a *app) stateMigrateCommand() *cobra.Command {
	c := newCommand("migrate --to PATH|URL", "Copy the whole state (objects, history, evidence) to another store, then verify it there")
	c.Long = `migrate copies the whole state of --state (objects, history, evidence
records and signed checkpoints, byte for byte) into the store --to names,
a state file or a postgres:// URL, then verifies the evidence chain there.
The target must be empty; the source is left as it was. Point --state (or
$ROSTER_STATE) at the target afterwards.`
	c.Args = cobra.NoArgs
	var to string
	c.Flags().StringVar(&to, "to", "", "the target: a state file, or a postgres:// URL (it must be empty)")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if to == "" {
			return &exitCode{code: ExitError, msg: "state migrate needs --to PATH|URL: the store to copy the state into"}
		}
		res, err := ops.Migrate(cmd.Context(), a.env(), ops.MigrateRequest{To: to})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "Migrated %s to %s: serial %d, %s, %s, %d evidence records (verified, head %s), %s.\n",
			res.From, res.To, res.Serial, plural(res.Objects, "object", "objects"),
			plural(res.History, "history entry", "history entries"), res.Evidence, res.Head,
			plural(res.Checkpoints, "checkpoint", "checkpoints"))
		return nil
	}
	return c
}
