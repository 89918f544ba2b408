package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/diag"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/ops"
)

func (a *app) validateCommand() *cobra.Command {
	c := newCommand("validate", "Load and check the configuration and its policy")
	c.Long = `validate loads the configuration and checks it and its policy, reading no
state. Every problem is reported at once, each with FILE:LINE:COL; it exits
1 if any is an error. --json prints the diagnostics in the shape of
terraform validate -json (valid, error_count, warning_count, diagnostics).`
	c.Args = cobra.NoArgs
	var asJSON bool
	c.Flags().BoolVar(&asJSON, "json", false, "print diagnostics as JSON (the shape of terraform validate -json)")
	c.RunE = func(*cobra.Command, []string) error {
		now, err := a.now()
		if err != nil {
			return err
		}
		res, diags := ops.Validate(a.env(), ops.ValidateRequest{Now: now})
		if asJSON {
			if err := diag.WriteJSON(a.stdout, diags); err != nil {
				return err
			}
			if diags.HasErrors() {
				return silentExit(ExitError)
			}
			return nil
		}
		if diags.HasErrors() {
			return &diagError{diags: diags, files: res.Files}
		}
		a.warn(diags, res.Files)
		fmt.Fprintf(a.stdout, "Success! The configuration is valid: %s.\n", summarize(res.Config))
		return nil
	}
	return c
}

// summarize counts what a configuration declares, for validate's line.
func summarize(cfg *model.Config) string {
	var teams, sites, grants int
	people := map[string]bool{}
	for _, o := range cfg.Objects {
		switch o.Addr.Kind {
		case model.KindTeam:
			teams++
		case model.KindSite:
			sites++
		case model.KindMember:
			people[o.Addr.Email] = true
		case model.KindGrant:
			grants++
			if o.Addr.Email != "" {
				people[o.Addr.Email] = true
			}
		}
	}
	return fmt.Sprintf("%s, %s, %s, %s", plural(teams, "team", "teams"), plural(sites, "site", "sites"),
		plural(len(people), "person", "people"), plural(grants, "grant", "grants"))
}
