package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/apply"
	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/live"
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
	maxWait          time.Duration
	only             []plan.Cause // apply --only
}

func (f *planFlags) register(c *cobra.Command) {
	c.Flags().BoolVar(&f.allowMassRemoval, "allow-mass-removal", false, "lift the policy's max_removals for this run")
	c.Flags().BoolVar(&f.refresh, "refresh", true, "read live access of connected teams first")
	c.Flags().BoolVar(&f.refreshOnly, "refresh-only", false, "only show (or, with apply, adopt) what changed outside roster")
	c.Flags().IntVar(&f.parallelism, "parallelism", 4, "reads in flight and teams applied at once")
	c.Flags().BoolVar(&f.reinvite, "reinvite", false, "delete and re-invite accepted guests whose role changes (cuts their access until they accept)")
	c.Flags().DurationVar(&f.maxWait, "max-wait", 65*time.Minute, "longest wait for an API budget or a Retry-After")
}

// take hands the flags that reach the drivers to a (schema/sync.md: --max-wait
// and --parallelism on plan and apply alike).
func (f *planFlags) take(a *app, cmd *cobra.Command) {
	a.maxWait, a.maxWaitSet = f.maxWait, cmd.Flags().Changed("max-wait")
	a.parallelism = f.parallelism
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
	c.Flags().StringVar(&out, "out", "", "save the plan to FILE, for roster apply FILE")
	c.Flags().BoolVar(&detailed, "detailed-exitcode", false, "exit 2 when there are changes (0: none, 1: error)")
	c.Flags().StringVar(&format, "format", "text", "output format: text, markdown or json")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if format != "text" && format != "markdown" && format != "json" {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --format %q: expected text, markdown or json", format)}
		}
		ctx := cmd.Context()
		pf.take(a, cmd)
		st, err := a.openStore()
		if err != nil {
			return err
		}
		defer st.Close()
		pd, err := a.makePlan(ctx, st, &pf)
		if err != nil {
			return err
		}
		p := pd.p
		w := a.stdout
		if out != "" {
			data, err := plan.EncodeSigned(p, planSigner())
			if err == nil {
				err = fsx.WriteFile(out, data, fsx.Options{Stdout: a.stdout, Context: ctx})
			}
			if err != nil {
				return &exitCode{code: ExitError, msg: fmt.Sprintf("saving the plan: %v", err)}
			}
			if out == "-" { // the plan file is on standard output
				w = a.stderr
			}
		}
		if err := a.renderPlan(w, p, format); err != nil {
			return err
		}
		if out != "" && out != "-" && format == "text" {
			fmt.Fprintf(a.stdout, "\nSaved the plan to %s. Apply exactly this plan with:\n    roster apply %s\n", out, out)
		}
		if detailed && (!p.Empty() || (pf.refreshOnly && len(p.Drift) > 0)) {
			return silentExit(ExitChanges)
		}
		return nil
	}
	return c
}

// planned is a plan with what it was made from, kept for apply.
type planned struct {
	p    *plan.Plan
	cfg  *config.Result
	snap *state.Snapshot
	cn   *connected // nil when no team was refreshed
}

// makePlan loads the configuration, reads the state, refreshes the
// connected teams (unless --refresh=false) and plans. It checks the policy,
// so a plan that breaks it is an error.
func (a *app) makePlan(ctx context.Context, st state.Store, pf *planFlags) (*planned, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	now, err := a.now()
	if err != nil {
		return nil, err
	}
	snap, err := a.snapshot(ctx, st)
	if err != nil {
		return nil, err
	}
	pd := &planned{cfg: cfg, snap: snap}
	var notes []string // what the plan says on stderr besides warnings
	var warnings []plan.Diagnostic
	weakened, err := weakenedSince(ctx, st, cfg.Config.Policy)
	if err != nil {
		return nil, storeError(err)
	}
	if len(weakened) > 0 {
		w := fmt.Sprintf("the policy removes or relaxes %s, in force at the last apply; every change of this plan is tagged policy_weakened.", strings.Join(weakened, ", "))
		fmt.Fprintf(a.stderr, "Warning: %s\n\n", w)
		warnings = append(warnings, plan.Diagnostic{Severity: plan.SeverityWarning, Summary: w})
	}
	in := plan.Input{
		Desired:          cfg.Config.Objects,
		Prior:            snap.Objects,
		Platforms:        cfg.Config.Platforms,
		Policy:           cfg.Config.Policy,
		Moves:            cfg.Config.Moves,
		Now:              now,
		Lineage:          snap.Lineage,
		Serial:           snap.Serial,
		ConfigDigest:     cfg.Config.Digest,
		PolicyWeakened:   len(weakened) > 0,
		AllowMassRemoval: pf.allowMassRemoval,
		Only:             pf.only,
		Commit:           envCommit(a.dir()),
		ChangeRequest:    envChangeRequest(),
		CreatedAt:        time.Now().UTC(),
	}
	if pf.refreshOnly && !pf.refresh {
		return nil, &exitCode{code: ExitError, msg: "--refresh-only and --refresh=false contradict each other"}
	}
	a.reinvite = pf.reinvite
	if pf.refresh && hasConnections(cfg.Config) {
		pd.cn, err = a.refresh(ctx, cfg, snap.Objects, pf.parallelism, nil)
		if err != nil {
			return nil, err
		}
		in.Desired = pd.cn.view.Desired
		in.Prior = pd.cn.view.WithPrior(snap.Objects)
		in.Live = pd.cn.view.Live
		in.LiveTeams = pd.cn.view.LiveTeams
		in.Keep = pd.cn.view.Keep
		notes = append(notes, pd.cn.view.Notes...)
	} else if hasConnections(cfg.Config) {
		notes = append(notes, live.StoredDefaultNotes(cfg.Config, snap.Objects)...)
	}
	a.printNotes(notes)
	p := plan.Make(in)
	p.Diagnostics = append(planDiagnostics(cfg.Diags, notes), warnings...)
	p.Reinvite = pf.reinvite
	if err := a.manualOfPlan(ctx, st, p, snap.Objects); err != nil {
		return nil, err
	}
	if pf.refreshOnly {
		// Only what changed outside roster: no change is planned.
		p.Changes, p.FollowUps = nil, nil
		pd.p = p
		return pd, nil
	}
	if pd.cn != nil {
		pd.cn.view.Explain(p)
		p.Seen = live.Depends(p, pd.cn.view)
		if err := live.CheckSelf(p, pd.cn.view); err != nil {
			return nil, &exitCode{code: ExitError, msg: err.Error()}
		}
		if err := live.CheckDrivers(p, pd.cn.drivers); err != nil {
			return nil, &exitCode{code: ExitError, msg: err.Error()}
		}
		p.Cost = pd.cn.costs(p)
		notes = live.ManualNotes(p, pd.cn.drivers)
		a.printNotes(notes)
		p.Diagnostics = append(p.Diagnostics, planDiagnostics(nil, notes)...)
	}
	if pd.cn == nil && !pf.refresh && hasConnections(cfg.Config) {
		p.Cost = a.estimateCosts(cfg, snap.Objects, p)
		if len(p.Cost) > 0 {
			notes = []string{"the cost is an estimate from the state: with --refresh=false no platform was read, so the pages to read are not known"}
			a.printNotes(notes)
			p.Diagnostics = append(p.Diagnostics, planDiagnostics(nil, notes)...)
		}
	}
	var drivers map[string]driver.Driver
	if pd.cn != nil {
		drivers = pd.cn.drivers
	}
	platforms := platformsOf(snap.Objects)
	for t, name := range platformsOf(cfg.Config.Objects) {
		platforms[t] = name
	}
	p.Upcoming = apply.Upcoming(p, drivers, platforms)
	if err := a.checkPlanPolicy(cfg, p, now); err != nil {
		return nil, err
	}
	pd.p = p
	return pd, nil
}

// printNotes prints the planning's notes on stderr.
func (a *app) printNotes(notes []string) {
	for _, n := range notes {
		fmt.Fprintf(a.stderr, "Note: %s\n", n)
	}
}

// planDiagnostics are the configuration's warnings and the planning's
// notes, as the JSON and markdown plans carry them.
func planDiagnostics(diags hcl.Diagnostics, notes []string) []plan.Diagnostic {
	var out []plan.Diagnostic
	for _, d := range diags {
		if d.Severity != hcl.DiagWarning {
			continue
		}
		pd := plan.Diagnostic{Severity: plan.SeverityWarning, Summary: d.Summary, Detail: d.Detail}
		if r := d.Subject; r != nil && r.Filename != "" {
			pd.Range = &plan.Range{Filename: r.Filename,
				Start: plan.Pos{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte},
				End:   plan.Pos{Line: r.End.Line, Column: r.End.Column, Byte: r.End.Byte}}
		}
		out = append(out, pd)
	}
	for _, n := range notes {
		out = append(out, plan.Diagnostic{Severity: plan.SeverityNote, Summary: n})
	}
	return out
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
