package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/ops"
)

func (a *app) initCommand() *cobra.Command {
	c := newCommand("init", "Write a starter configuration into the directory")
	c.Long = `init writes a starter configuration (main.hcl), or with --example NAME one
of the bundled examples, into the configuration directory (--chdir).
It never overwrites: in a directory that already holds a configuration it
says so and exits 0, as terraform init run twice does.`
	c.Args = cobra.NoArgs
	var example string
	c.Flags().StringVar(&example, "example", "", "start from a bundled example: "+strings.Join(ops.Examples(), ", "))
	c.RunE = func(*cobra.Command, []string) error {
		res, err := ops.Init(a.env(), ops.InitRequest{Example: example})
		if res != nil {
			a.showInit(res)
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, "\nNext: roster validate, then roster plan.")
		return nil
	}
	return c
}

// showInit says what init wrote, or that a configuration was there.
func (a *app) showInit(res *ops.InitResult) {
	if res.Existing != "" {
		fmt.Fprintf(a.stdout, "%s already holds a configuration (%s); roster init never overwrites it. Nothing to do.\n", res.Dir, res.Existing)
	}
	for _, f := range res.Wrote {
		fmt.Fprintf(a.stdout, "Wrote %s\n", f)
	}
}
