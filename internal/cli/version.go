package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/ops"
)

func (a *app) versionCommand() *cobra.Command {
	c := newCommand("version", "Print roster's version, commit and Go version")
	c.Args = cobra.NoArgs
	c.RunE = func(*cobra.Command, []string) error {
		v := ops.Version(ops.VersionRequest{Version: Version, Commit: Commit})
		fmt.Fprintf(a.stdout, "roster %s\ncommit %s\n%s %s/%s\n", v.Version, v.Commit, v.Go, v.OS, v.Arch)
		return nil
	}
	return c
}
