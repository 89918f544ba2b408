package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func (a *app) versionCommand() *cobra.Command {
	c := newCommand("version", "Print roster's version, commit and Go version")
	c.Args = cobra.NoArgs
	c.RunE = func(*cobra.Command, []string) error {
		fmt.Fprintf(a.stdout, "roster %s\ncommit %s\n%s %s/%s\n", Version, commit(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	}
	return c
}

// commit is the commit roster was built from: the one the Makefile stamps,
// else the one the Go toolchain records from version control (go build in
// a git checkout), marked "-dirty" when the tree had changes.
func commit() string {
	if Commit != "unknown" && Commit != "" {
		return Commit
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return Commit
	}
	var rev string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return Commit
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}
