package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/apply"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/render"
	"github.com/roster-dev/roster/internal/state"
)

type applyFlags struct {
	autoApprove   bool
	actor         string
	approvers     []string
	commit        string
	changeRequest string
	ticket        string
	lockTimeout   time.Duration
	reviewed      string     // --reviewed PLANFILE
	reviewedPlan  *plan.Plan // what it holds
	only          []string   // --only, as given
}

func (a *app) applyCommand() *cobra.Command {
	c := newCommand("apply [PLANFILE]", "Make the configuration's changes, or apply a saved plan")
	c.Args = cobra.MaximumNArgs(1)
	var (
		pf planFlags
		af applyFlags
	)
	pf.register(c)
	c.Flags().BoolVar(&af.autoApprove, "auto-approve", false, "apply without asking for confirmation")
	c.Flags().StringVar(&af.actor, "actor", "", "who applies (default: $ROSTER_ACTOR, $GITHUB_ACTOR, $USER)")
	c.Flags().StringArrayVar(&af.approvers, "approver", nil, "who approved the change (repeatable; default: $ROSTER_APPROVERS)")
	c.Flags().StringVar(&af.commit, "commit", "", "the commit applied (default: the plan's, $GITHUB_SHA, git rev-parse HEAD)")
	c.Flags().StringVar(&af.changeRequest, "change-request", "", "URL of the reviewed change request")
	c.Flags().StringVar(&af.ticket, "ticket", "", "the change's ticket, recorded as change_ticket on every evidence record (default: $ROSTER_TICKET)")
	c.Flags().DurationVar(&af.lockTimeout, "lock-timeout", 0, "how long to wait for the state lock")
	c.Flags().StringVar(&af.reviewed, "reviewed", "", "plan afresh and apply only if the changes are exactly those of this reviewed plan file")
	c.Flags().StringArrayVar(&af.only, "only", nil, "apply only the changes of this cause: expired or drift (repeatable)")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if len(args) == 1 && cmd.Flags().Changed("reinvite") {
			return &exitCode{code: ExitError, msg: "--reinvite cannot be given with a saved plan: it is part of the plan; make the plan with roster plan --reinvite --out FILE"}
		}
		pf.take(a, cmd)
		if err := checkSigner(); err != nil {
			return err
		}
		if len(args) == 1 && pf.refreshOnly {
			return &exitCode{code: ExitError, msg: "--refresh-only cannot be given with a saved plan"}
		}
		if err := af.checkNarrow(ctx, args, &pf, cmd.Flags().Changed("reinvite")); err != nil {
			return err
		}
		st, err := a.openStore()
		if err != nil {
			return err
		}
		defer st.Close()
		if len(args) == 1 {
			return a.applySaved(ctx, st, args[0], &pf, &af)
		}
		if !af.autoApprove && !isTerminal(a.stdin) {
			return &exitCode{code: ExitError, msg: "apply needs confirmation, and standard input is not a terminal: review the plan and run roster apply --auto-approve, or apply a saved plan (roster plan --out FILE; roster apply FILE)"}
		}
		lock, err := st.Lock(ctx, "apply", af.lockTimeout)
		if err != nil {
			return storeError(err)
		}
		defer lock.Unlock()
		pd, err := a.makePlan(ctx, st, &pf)
		if err != nil {
			return err
		}
		p, err := af.narrow(pd)
		if err != nil {
			return err
		}
		if !pf.refresh {
			if err := refusesUnrefreshed(pd.cfg.Config, p); err != nil {
				return err
			}
		}
		if err := render.WriteText(a.stdout, p, render.TextOptions{Color: a.color(a.stdout)}); err != nil {
			return err
		}
		if n := len(p.Held); n > 0 { // --only
			fmt.Fprintf(a.stdout, "%s of other causes left for the next plan.\n", plural(n, "change", "changes"))
		}
		nothing := p.Empty() && (pd.cn == nil || (len(p.Drift) == 0 && !pf.refreshOnly))
		if pf.refreshOnly {
			nothing = len(p.Drift) == 0
		}
		if nothing && (pd.cn == nil || len(apply.Adoptions(pd.cn.view.Live, pd.cn.view.LiveTeams, pd.snap.Objects, p, pd.cn.declared())) == 0) {
			return a.checkpointHead(ctx, st)
		}
		if err := a.checkDuties(p, &af); err != nil {
			return err
		}
		if !af.autoApprove {
			ok, err := a.confirm(ctx)
			if err != nil {
				return err
			}
			if !ok {
				return &exitCode{code: ExitError, msg: "apply cancelled: only 'yes' is accepted to approve"}
			}
		} else {
			fmt.Fprintln(a.stdout)
		}
		// Teams the configuration no longer declares keep the platform
		// the state knows, for their guidance.
		platforms := platformsOf(pd.snap.Objects)
		for t, name := range platformsOf(pd.cfg.Config.Objects) {
			platforms[t] = name
		}
		if pd.cn != nil {
			return a.applyConnected(ctx, st, p, pd.cn, pd.snap.Objects, a.meta(p, &af), pf.parallelism, pf.refreshOnly, platforms)
		}
		return a.applyPlan(ctx, st, p, &af, platforms)
	}
	return c
}

// applySaved applies a saved plan exactly as saved. Connected teams the
// plan changes or saw drift in are refreshed first, and the plan is refused
// as stale when their live access moved; what the refresh finds is written
// as in any apply, even when the plan has no change.
func (a *app) applySaved(ctx context.Context, st state.Store, file string, pf *planFlags, af *applyFlags) error {
	p, err := readPlanFile(ctx, file)
	if err != nil {
		return err
	}
	if err := a.checkSavedPlan(ctx, st, p, file); err != nil {
		return err
	}
	lock, err := st.Lock(ctx, "apply", af.lockTimeout)
	if err != nil {
		return storeError(err)
	}
	defer lock.Unlock()
	a.reinvite = p.Reinvite
	// The teams the plan changes, and those where it saw drift: like any
	// apply, this one writes what the refresh finds there (schema/sync.md). A
	// plan with nothing at all refreshes every connected team, for the
	// status changes (an invitation accepted) any apply writes.
	var touched map[string]bool
	if !p.Empty() || len(p.Drift) > 0 {
		touched = map[string]bool{}
		for _, c := range p.Changes {
			touched[c.Addr.Team] = true
		}
		for _, d := range p.Drift {
			touched[d.Addr.Team] = true
		}
	}
	var cn *connected
	var prior []*model.Object
	platforms := teamPlatforms(p.Changes)
	if files, _ := filepath.Glob(filepath.Join(a.dir(), "*.hcl")); len(files) > 0 {
		cfg, err := a.loadConfig()
		if err != nil {
			return err
		}
		for t, name := range platformsOf(cfg.Config.Objects) {
			platforms[t] = name
		}
		if hasConnections(cfg.Config) {
			snap, err := a.snapshot(ctx, st)
			if err != nil {
				return err
			}
			if err := checkSerial(snap, p); err != nil {
				return err
			}
			prior = snap.Objects
			cn, err = a.refresh(ctx, cfg, prior, pf.parallelism, func(t string) bool { return touched == nil || touched[t] })
			if err != nil {
				return err
			}
			if len(cn.teams) == 0 {
				cn = nil
			} else if err := checkStale(p, cn); err != nil {
				return err
			}
		}
	}
	if p.Empty() && (cn == nil || len(apply.Adoptions(cn.view.Live, cn.view.LiveTeams, prior, p, cn.declared())) == 0) {
		if cn == nil {
			// Offline, nothing checked the plan against the state yet.
			snap, err := a.snapshot(ctx, st)
			if err != nil {
				return err
			}
			if err := checkSerial(snap, p); err != nil {
				return err
			}
		}
		fmt.Fprintln(a.stdout, "No changes.")
		return a.checkpointHead(ctx, st)
	}
	if err := a.checkDuties(p, af); err != nil {
		return err
	}
	if cn != nil {
		return a.applyConnected(ctx, st, p, cn, prior, a.meta(p, af), pf.parallelism, false, platforms)
	}
	return a.applyPlan(ctx, st, p, af, platforms)
}

// refusesUnrefreshed refuses apply --refresh=false when the plan changes a
// connected team: its changes go through the platform's API, which needs
// the refresh (the people's and sites' ids); recording them as done
// without making them would be false evidence. The state-only changes of
// such a team need no API and pass.
func refusesUnrefreshed(cfg *model.Config, p *plan.Plan) error {
	connected := cfg.ConnectedTeams()
	for i := range p.Changes {
		if c := &p.Changes[i]; connected[c.Addr.Team] && !c.StateOnly() {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("apply --refresh=false cannot change team %s: its changes go through the platform's API, which needs a refresh first (%s); apply without --refresh=false, or save this plan with roster plan --refresh=false --out FILE and apply the file, which refreshes the teams it changes", c.Addr.Team, c.Addr)}
		}
	}
	return nil
}

// checkSerial refuses a saved plan made against another state (schema/cli.md:
// stale plan when the serial moved).
func checkSerial(snap *state.Snapshot, p *plan.Plan) error {
	if snap.Serial != p.Serial || snap.Lineage != p.Lineage && p.Lineage != "" {
		return &exitCode{code: ExitError, msg: fmt.Sprintf("stale plan: the state moved to serial %d since the plan was made against serial %d; make a new plan", snap.Serial, p.Serial)}
	}
	return nil
}

// confirm asks for "yes" on the terminal. Ctrl-C (or SIGTERM) while it
// waits cancels, as in Terraform: the lock is released and nothing is
// written. The read is left behind in its goroutine; the process ends.
func (a *app) confirm(ctx context.Context) (bool, error) {
	fmt.Fprint(a.stdout, "\nDo you want to apply these changes?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
	type answer struct {
		line string
		err  error
	}
	got := make(chan answer, 1)
	in := a.stdin
	go func() {
		line, err := bufio.NewReader(in).ReadString('\n')
		got <- answer{line, err}
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(a.stdout)
		return false, &exitCode{code: ExitError, msg: "apply cancelled: interrupted at the confirmation; nothing was changed"}
	case ans := <-got:
		if ans.err != nil && ans.line == "" {
			return false, nil
		}
		fmt.Fprintln(a.stdout)
		return strings.TrimSpace(ans.line) == "yes", nil
	}
}

// meta is who applies and where from: flags first, then the plan, then
// the environment (schema/cli.md).
func (a *app) meta(p *plan.Plan, af *applyFlags) apply.Meta {
	var digest string
	if af.reviewedPlan != nil {
		// The evidence names the reviewed plan, and what it knew.
		p, digest = af.reviewedPlan, af.reviewedPlan.Digest()
	}
	meta := apply.Meta{
		PlanDigest:    digest,
		Actor:         firstNonEmpty(af.actor, envActor()),
		Approvers:     af.approvers,
		Commit:        firstNonEmpty(af.commit, p.Commit, envCommit(a.dir())),
		ChangeRequest: firstNonEmpty(af.changeRequest, p.ChangeRequest, envChangeRequest()),
		ChangeTicket:  firstNonEmpty(af.ticket, os.Getenv("ROSTER_TICKET")),
		PolicyDigest:  a.policyDigest(),
		PolicyJSON:    a.policyJSON(),
		Time:          time.Now().UTC(),
		Sign:          signFunc(),
	}
	if len(meta.Approvers) == 0 {
		meta.Approvers = envApprovers()
	}
	return meta
}

// applyPlan applies a plan of offline teams in one transaction.
func (a *app) applyPlan(ctx context.Context, st state.Store, p *plan.Plan, af *applyFlags, platforms map[string]string) error {
	res, err := apply.Apply(ctx, st, p, a.meta(p, af))
	if err != nil {
		if ctx.Err() != nil {
			return a.interruptedApply(len(p.Changes))
		}
		if errors.Is(err, apply.ErrStalePlan) {
			return &exitCode{code: ExitError, msg: err.Error()}
		}
		return storeError(err)
	}
	fmt.Fprintln(a.stdout, applySummary(res))
	a.printOffline(res.ManualSteps, platforms)
	a.printFollowUps(p)
	return nil
}

// applySummary is an apply's last line (cli.md "Command line, version 2
// additions"): manual outcomes are counted apart from the changes made.
func applySummary(res *apply.Result) string {
	// The spec's words exactly, as the plan's "N manual steps await
	// confirmation" writes them, for the scripts that read them.
	return fmt.Sprintf("Apply complete: %d applied, %d manual steps, 0 failed. Evidence: %d records, head %s.",
		res.Applied, res.Manual, res.Records, res.Head)
}

// interruptedApply ends an apply that Ctrl-C or SIGTERM stopped before
// anything was recorded the way a failed apply ends (schema/sync.md): what was
// applied, with the failure line last.
func (a *app) interruptedApply(changes int) error {
	fmt.Fprintln(a.stderr, "Error: interrupted (Ctrl-C or SIGTERM) before any change was recorded: nothing was applied, and roster plan shows the same changes.")
	fmt.Fprintf(a.stdout, "Apply failed: 0 applied, 0 failed, %d not attempted.\n", changes)
	return silentExit(ExitError)
}

// printOffline prints, for offline teams, every step a person follows in
// each platform's UI to make the changes just recorded as manual steps
// (sync.md: every one of them, never cut short), and how to confirm them.
func (a *app) printOffline(steps []plan.Change, platforms map[string]string) {
	a.printSteps(steps, platforms, "These teams are offline: %s wait for a person to make them in the platforms' UIs, then record them with roster confirm (roster runbook lists them):")
}

// printFollowUps says where the plan's follow-up tasks wait.
func (a *app) printFollowUps(p *plan.Plan) {
	if len(p.FollowUps) > 0 {
		fmt.Fprintf(a.stdout, "\n%s wait for a person: roster runbook lists them, roster confirm closes them.\n", plural(len(p.FollowUps), "follow-up task", "follow-up tasks"))
	}
}
