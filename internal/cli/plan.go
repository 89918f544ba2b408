package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/ops"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/render"
)

// planFlags are the flags plan shares with plan-and-apply.
type planFlags struct {
	allowMassRemoval bool
	refresh          bool
	refreshOnly      bool
	parallelism      int
	reinvite         bool
	maxWait          time.Duration
	only             []plan.Cause // apply --only
	input            bool         // --input=false: never ask (terraform's -input)
}

func (f *planFlags) register(c *cobra.Command) {
	c.Flags().BoolVar(&f.allowMassRemoval, "allow-mass-removal", false, "lift the policy's max_removals for this run")
	c.Flags().BoolVar(&f.refresh, "refresh", true, "read live access of connected teams first")
	c.Flags().BoolVar(&f.refreshOnly, "refresh-only", false, "only show (or, with apply, adopt) what changed outside roster")
	f.parallelism = 4
	c.Flags().Var((*parallelismValue)(&f.parallelism), "parallelism", "reads in flight and teams applied at once")
	c.Flags().BoolVar(&f.reinvite, "reinvite", false, "delete and re-invite accepted guests whose role changes (cuts their access until they accept)")
	c.Flags().DurationVar(&f.maxWait, "max-wait", 65*time.Minute, "longest wait for an API budget or a Retry-After")
	c.Flags().BoolVar(&f.input, "input", true, "ask for confirmation on a terminal; --input=false never asks, as terraform's -input=false (apply then needs --auto-approve or a plan file)")
}

// parallelismValue is --parallelism: a whole number of at least 1 (it
// bounds the requests in flight, sync.md; 0 would never send one). Anything
// else is refused as pflag refuses a malformed number, naming the flag.
type parallelismValue int

func (v *parallelismValue) String() string { return strconv.Itoa(int(*v)) }
func (v *parallelismValue) Type() string   { return "int" }
func (v *parallelismValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return err
	}
	if n < 1 {
		return errors.New("must be at least 1")
	}
	*v = parallelismValue(n)
	return nil
}

// request is the plan request the flags make (schema/sync.md: --max-wait and
// --parallelism reach the drivers on plan and apply alike).
func (f *planFlags) request(a *app, cmd *cobra.Command) (ops.PlanRequest, error) {
	now, err := a.now()
	if err != nil {
		return ops.PlanRequest{}, err
	}
	return ops.PlanRequest{
		Now:              now,
		AllowMassRemoval: f.allowMassRemoval,
		Refresh:          f.refresh,
		RefreshOnly:      f.refreshOnly,
		Parallelism:      f.parallelism,
		Reinvite:         f.reinvite,
		MaxWait:          f.maxWait,
		MaxWaitSet:       cmd.Flags().Changed("max-wait"),
		Only:             f.only,
	}, nil
}

func (a *app) planCommand() *cobra.Command {
	c := newCommand("plan", "Show the changes from the current state to the configuration")
	c.Long = `plan shows the changes from the current state to the configuration: each
change with its address, action, before and after attributes and its risk
tags (escalation, external, production, owner, removal, policy_weakened,
expired, drift), then the follow-up tasks, then the line
"Plan: N to add, N to change, N to remove." With nothing to do it prints
"No changes." Connected teams are read first (--refresh=false skips it).

--format markdown is a pull-request comment; --format json is the plan as
schema/plan.schema.json describes it. --out FILE saves the plan for
roster apply FILE, which refuses it as a stale plan once the state moves.

Exit status: 0 on success (with or without changes), 1 on any error;
with --detailed-exitcode, 2 when there are changes.`
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
		req, err := pf.request(a, cmd)
		if err != nil {
			return err
		}
		req.Out, req.Stdout = out, a.stdout
		pd, err := ops.Plan(cmd.Context(), a.env(), req)
		if err != nil {
			return err
		}
		p := pd.Plan
		w := a.stdout
		if out == "-" { // the plan file is on standard output
			w = a.stderr
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
