package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/render"
	"github.com/roster-dev/roster/internal/state"
)

func init() { extraCommands = append(extraCommands, (*app).planCommand) }

// planFlags are the flags plan shares with plan-and-apply.
type planFlags struct {
	allowMassRemoval bool
	refresh          bool
	refreshOnly      bool
	parallelism      int
	reinvite         bool
}

func (f *planFlags) register(c *cobra.Command) {
	c.Flags().BoolVar(&f.allowMassRemoval, "allow-mass-removal", false, "lift the policy's max_removals for this run")
	c.Flags().BoolVar(&f.refresh, "refresh", true, "read live access of connected teams first")
	c.Flags().BoolVar(&f.refreshOnly, "refresh-only", false, "only show (or, with apply, adopt) what changed outside roster")
	c.Flags().IntVar(&f.parallelism, "parallelism", 4, "reads in flight and teams applied at once")
	c.Flags().BoolVar(&f.reinvite, "reinvite", false, "delete and re-invite accepted guests whose role changes (cuts their access until they accept)")
}

func (a *app) planCommand() *cobra.Command {
	c := newCommand("plan", "Show the changes from the current state to the configuration")
	c.Args = cobra.NoArgs
	var (
		pf       planFlags
		out      string
		detailed bool
		format   string
	)
	pf.register(c)
	c.Flags().StringVar(&out, "out", "", "save the plan to FILE for `roster apply FILE`")
	c.Flags().BoolVar(&detailed, "detailed-exitcode", false, "exit 2 when there are changes (0: none, 1: error)")
	c.Flags().StringVar(&format, "format", "text", "output format: text, markdown or json")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if format != "text" && format != "markdown" && format != "json" {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --format %q: expected text, markdown or json", format)}
		}
		ctx := cmd.Context()
		st, err := a.openStore()
		if err != nil {
			return err
		}
		defer st.Close()
		p, _, err := a.makePlan(ctx, st, &pf)
		if err != nil {
			return err
		}
		if out != "" {
			if err := plan.WriteFile(out, p); err != nil {
				return &exitCode{code: ExitError, msg: fmt.Sprintf("saving the plan: %v", err)}
			}
		}
		if err := a.renderPlan(a.stdout, p, format); err != nil {
			return err
		}
		if out != "" && format == "text" {
			fmt.Fprintf(a.stdout, "\nSaved the plan to %s. Apply exactly this plan with:\n    roster apply %s\n", out, out)
		}
		if detailed && !p.Empty() {
			return silentExit(ExitChanges)
		}
		return nil
	}
	return c
}

// makePlan loads the configuration, reads the state and plans. It checks
// the policy, so a plan that breaks it is an error.
func (a *app) makePlan(ctx context.Context, st state.Store, pf *planFlags) (*plan.Plan, *config.Result, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	now, err := a.now()
	if err != nil {
		return nil, nil, err
	}
	snap, err := a.snapshot(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	p := plan.Make(plan.Input{
		Desired:          cfg.Config.Objects,
		Prior:            snap.Objects,
		Platforms:        cfg.Config.Platforms,
		Policy:           cfg.Config.Policy,
		Now:              now,
		Lineage:          snap.Lineage,
		Serial:           snap.Serial,
		ConfigDigest:     cfg.Config.Digest,
		AllowMassRemoval: pf.allowMassRemoval,
		CreatedAt:        time.Now().UTC(),
	})
	p.Commit = envCommit(a.dir())
	p.ChangeRequest = envChangeRequest()
	if err := a.checkPlanPolicy(cfg, p, now); err != nil {
		return nil, nil, err
	}
	return p, cfg, nil
}

// renderPlan prints p in format.
func (a *app) renderPlan(w io.Writer, p *plan.Plan, format string) error {
	switch format {
	case "json":
		return render.WriteJSON(w, p, Version)
	case "markdown":
		return render.WriteMarkdown(w, p, render.MarkdownOptions{})
	default:
		return render.WriteText(w, p, render.TextOptions{Color: a.color(w)})
	}
}
