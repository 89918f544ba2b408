package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/report"
)

func init() {
	extraCommands = append(extraCommands, (*app).reviewCommand, (*app).accessCommand, (*app).whoCanCommand)
}

// reportInput reads what every report needs: the state, the platforms
// (built-in, and declared ones when the directory holds a configuration),
// the internal domains of its policy and, when since is wanted, when each
// access began according to the evidence.
func (a *app) reportInput(cmd *cobra.Command, withSince bool) (report.Input, error) {
	now, err := a.now()
	if err != nil {
		return report.Input{}, err
	}
	in := report.Input{Now: now, Platforms: config.BuiltinPlatforms()}
	if files, _ := filepath.Glob(filepath.Join(a.dir(), "*.hcl")); len(files) > 0 {
		res, err := a.loadConfig()
		if err != nil {
			return in, err
		}
		in.Platforms = res.Config.Platforms
		if res.Config.Policy != nil {
			in.InternalDomains = res.Config.Policy.InternalDomains
		}
	}
	st, err := a.openStore()
	if err != nil {
		return in, err
	}
	defer st.Close()
	snap, err := a.snapshot(cmd.Context(), st)
	if err != nil {
		return in, err
	}
	in.Objects = snap.Objects
	if withSince {
		var recs []*evidence.Record
		err := a.records(cmd, func(_ []byte, r *evidence.Record) error {
			recs = append(recs, r)
			return nil
		})
		if err != nil {
			return in, storeOrExit(err)
		}
		in.Since = report.SinceFromEvidence(recs)
	}
	return in, nil
}

func (a *app) reviewCommand() *cobra.Command {
	c := newCommand("review", "The access review: everyone with access, flagged rows first")
	c.Args = cobra.NoArgs
	var format string
	var within int
	c.Flags().StringVar(&format, "format", "markdown", "markdown, csv or json")
	c.Flags().IntVar(&within, "expiring-within", report.DefaultExpiringWithinDays, "flag access expiring within this many days")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if format != "markdown" && format != "csv" && format != "json" {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --format %q: expected markdown, csv or json", format)}
		}
		if within < 1 {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --expiring-within %d: give a number of days, 1 or more", within)}
		}
		in, err := a.reportInput(cmd, true)
		if err != nil {
			return err
		}
		doc := report.Review(in, report.ReviewOptions{ExpiringWithinDays: within})
		switch format {
		case "csv":
			return report.WriteReviewCSV(a.stdout, doc)
		case "json":
			return report.WriteReviewJSON(a.stdout, doc)
		}
		return report.WriteReviewMarkdown(a.stdout, doc)
	}
	return c
}

func (a *app) accessCommand() *cobra.Command {
	c := newCommand("access EMAIL", "One person's access across every team and site, with capabilities")
	c.Args = cobra.ExactArgs(1)
	var asJSON bool
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		email, err := model.ParseEmail(args[0])
		if err != nil {
			return &exitCode{code: ExitError, msg: err.Error()}
		}
		in, err := a.reportInput(cmd, false)
		if err != nil {
			return err
		}
		doc := report.Access(in, email)
		if asJSON {
			return report.WriteAccessJSON(a.stdout, doc)
		}
		return report.WriteAccessText(a.stdout, doc)
	}
	return c
}

func (a *app) whoCanCommand() *cobra.Command {
	c := newCommand("who-can CAPABILITY", "Everyone holding a capability, and through which role")
	c.Args = cobra.ExactArgs(1)
	var f report.WhoCanFilter
	var asJSON bool
	c.Flags().StringVar(&f.Team, "team", "", "only this team")
	c.Flags().StringVar(&f.Site, "site", "", "only this site (TEAM/SITE, or a site name in every team)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if !model.IsCapability(args[0]) || args[0] == string(model.Wildcard) {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("unknown capability %q; the capabilities are: %s", args[0], strings.TrimSuffix(model.VocabularyList(), ", *"))}
		}
		in, err := a.reportInput(cmd, false)
		if err != nil {
			return err
		}
		doc := report.WhoCan(in, model.Capability(args[0]), f)
		if asJSON {
			return report.WriteWhoCanJSON(a.stdout, doc)
		}
		return report.WriteWhoCanText(a.stdout, doc)
	}
	return c
}
