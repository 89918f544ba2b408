package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

func (a *app) versionCommand() *cobra.Command {
	c := newCommand("version", "Print roster's version, commit and Go version")
	c.Args = cobra.NoArgs
	c.RunE = func(*cobra.Command, []string) error {
		fmt.Fprintf(a.stdout, "roster %s\ncommit %s\n%s %s/%s\n", Version, Commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	}
	return c
}
