package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/apply"
	"github.com/roster-dev/roster/internal/ops"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/render"
	"github.com/roster-dev/roster/internal/runbook"
)

type applyFlags struct {
	autoApprove   bool
	actor         string
	approvers     []string
	commit        string
	changeRequest string
	ticket        string
	lockTimeout   time.Duration
	reviewed      string   // --reviewed PLANFILE
	only          []string // --only, as given
}

// who is who applies, as the flags say.
func (af *applyFlags) who() ops.Who {
	return ops.Who{Actor: af.actor, Approvers: af.approvers, Commit: af.commit, ChangeRequest: af.changeRequest, Ticket: af.ticket}
}

func (a *app) applyCommand() *cobra.Command {
	c := newCommand("apply [PLANFILE]", "Make the configuration's changes, or apply a saved plan")
	c.Long = `Make the configuration's changes, or apply a saved plan.

Without PLANFILE, apply plans afresh, shows the plan and asks for "yes" on a
terminal; without a terminal on standard input it refuses unless
--auto-approve is given, and never waits for an answer. With PLANFILE
(roster plan --out FILE) it never asks: the plan was reviewed when it was
saved. It refuses a stale plan (since it was saved, the state's serial
moved, the configuration changed, or a live object changed). --reviewed PLANFILE plans afresh and applies only if the
fresh plan's changes are exactly PLANFILE's.

It ends with "Apply complete: N applied, N manual steps, N failed." and the
evidence written, one record per change.`
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
	c.Flags().StringVar(&af.changeRequest, "change-request", "", "URL of the reviewed change request (default: the plan's, else built from $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/pull/N when $GITHUB_REF is refs/pull/N/merge)")
	c.Flags().StringVar(&af.ticket, "ticket", "", "the change's ticket, recorded as change_ticket on every evidence record (default: $ROSTER_TICKET)")
	c.Flags().DurationVar(&af.lockTimeout, "lock-timeout", 0, "how long to wait for the state lock (default 0s: one try, no wait)")
	c.Flags().StringVar(&af.reviewed, "reviewed", "", "plan afresh and apply only if the changes are exactly those of this reviewed plan file")
	c.Flags().StringArrayVar(&af.only, "only", nil, "apply only the changes of this cause: expired or drift (repeatable)")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if len(args) == 1 && cmd.Flags().Changed("reinvite") {
			return &exitCode{code: ExitError, msg: "--reinvite cannot be given with a saved plan: it is part of the plan; make the plan with roster plan --reinvite --out FILE"}
		}
		if len(args) == 1 && pf.refreshOnly {
			return &exitCode{code: ExitError, msg: "--refresh-only cannot be given with a saved plan"}
		}
		if err := af.checkNarrow(args, &pf, cmd.Flags().Changed("reinvite")); err != nil {
			return err
		}
		req, err := pf.request(a, cmd)
		if err != nil {
			return err
		}
		if len(args) == 1 {
			tuneGCForApply()
			res, err := ops.ApplySaved(ctx, a.env(), ops.ApplySavedRequest{
				File: args[0], Now: req.Now, Parallelism: req.Parallelism, MaxWait: req.MaxWait, MaxWaitSet: req.MaxWaitSet,
				Who: af.who(), LockTimeout: af.lockTimeout,
			})
			if err != nil {
				return err
			}
			if res.Nothing {
				fmt.Fprintln(a.stdout, "No changes.")
			}
			return a.showApply(res)
		}
		res, err := ops.Apply(ctx, a.env(), ops.ApplyRequest{
			PlanRequest: req, Who: af.who(), AutoApprove: af.autoApprove, CanAsk: pf.input && isTerminal(a.stdin),
			LockTimeout: af.lockTimeout, Reviewed: af.reviewed, UI: applyUI{a},
		})
		if err != nil {
			return err
		}
		return a.showApply(res)
	}
	return c
}

// applyUI shows the plan an apply is about to make and asks for "yes".
type applyUI struct{ a *app }

func (u applyUI) Show(p *plan.Plan) error {
	a := u.a
	if err := render.WriteText(a.stdout, p, render.TextOptions{Color: a.color(a.stdout)}); err != nil {
		return err
	}
	if n := len(p.Held); n > 0 { // --only
		fmt.Fprintf(a.stdout, "%s of other causes left for the next plan.\n", plural(n, "change", "changes"))
	}
	return nil
}

func (u applyUI) Approve(ctx context.Context, ask bool) (bool, error) {
	if !ask {
		fmt.Fprintln(u.a.stdout)
		return true, nil
	}
	return u.a.confirm(ctx)
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

// showApply reports an apply as schema/sync.md says: what was done, its
// manual steps and guidance, and the summary (with the evidence) or the
// failure line last.
func (a *app) showApply(res *ops.ApplyResult) error {
	a.endProgress() // a failed or interrupted apply leaves it shown
	p := res.Plan
	switch {
	case res.Nothing:
		if cp := res.Checkpoint; cp != nil {
			fmt.Fprintf(a.stdout, "Checkpoint signed: record %d, head %s.\n", cp.Seq, cp.Head)
		}
		return nil
	case res.Interrupted:
		if res.Err != nil { // what it was doing: the team and the request
			fmt.Fprintf(a.stderr, "Error: %v\n", res.Err)
		}
		fmt.Fprintln(a.stderr, "Error: interrupted (Ctrl-C or SIGTERM) before any change was recorded: nothing was applied, and roster plan shows the same changes.")
		fmt.Fprintf(a.stdout, "Apply failed: 0 applied, 0 failed, %d not attempted.\n", len(p.Changes))
		return silentExit(ExitError)
	case res.Result != nil: // offline
		a.printOffline(res.Offline, res.Platforms)
		a.printFollowUps(p)
		a.printSummary(applySummary(res.Result), len(res.Offline)+len(p.FollowUps) > 0)
		return nil
	}
	rep := res.Report
	if res.Err != nil {
		fmt.Fprintf(a.stderr, "Error: %v\n", res.Err)
	}
	for _, d := range rep.Deferred {
		fmt.Fprintf(a.stdout, "Deferred: %s: the demotion from owner waits until every new owner has accepted; the next plan shows it again.\n", d)
	}
	if rep.Adopted > 0 {
		fmt.Fprintf(a.stdout, "Refresh: %s written to the state from the platforms.\n", plural(rep.Adopted, "change", "changes"))
	}
	if res.Failed() {
		// What was done stands: its manual steps, guidance and evidence
		// first, and the failure line last (schema/sync.md: the command ends
		// with it).
		a.printManual(res.ViaAPI, res.Teams)
		a.printOffline(res.Offline, res.Platforms)
		a.printFollowUps(p)
		for _, f := range rep.Failures {
			fmt.Fprintf(a.stderr, "Error: %v\n", f.Err)
		}
		if rep.Records > 0 {
			fmt.Fprintf(a.stdout, "Evidence: %d records, head %s. Run roster plan to see what is left.\n", rep.Records, rep.Head)
		}
		// sync.md: here manual outcomes count as applied.
		fmt.Fprintf(a.stdout, "Apply failed: %d applied, %d failed, %d not attempted.\n", rep.Applied+rep.Manual, rep.Failed, rep.NotAttempted)
		return silentExit(ExitError)
	}
	a.printManual(res.ViaAPI, res.Teams)
	a.printOffline(res.Offline, res.Platforms)
	a.printFollowUps(p)
	a.printSummary(applySummary(&rep.Result), len(res.ViaAPI)+len(res.Offline)+len(p.FollowUps) > 0)
	return nil
}

// printSummary prints an apply's last line (cli.md "apply and evidence":
// the apply ends with it, as a failed one ends with its failure line), set
// apart by a blank line from the runbook printed before it.
func (a *app) printSummary(line string, after bool) {
	if after {
		fmt.Fprintln(a.stdout)
	}
	fmt.Fprintln(a.stdout, line)
}

// applySummary is an apply's last line (cli.md "Command line, version 2
// additions"): manual outcomes are counted apart from the changes made.
func applySummary(res *apply.Result) string {
	// The spec's words exactly, as the plan's "N manual steps await
	// confirmation" writes them, for the scripts that read them.
	return fmt.Sprintf("Apply complete: %d applied, %d manual steps, 0 failed. Evidence: %d records, head %s.",
		res.Applied, res.Manual, res.Records, res.Head)
}

// printManual prints the runbook of the changes left to a person.
func (a *app) printManual(steps []plan.Change, platforms map[string]string) {
	a.printSteps(steps, platforms, "1 change no API can make; a person does it:", "%d changes no API can make; a person does them:")
}

// printOffline prints, for offline teams, every step a person follows in
// each platform's UI to make the changes just recorded as manual steps
// (sync.md: every one of them, never cut short), and how to confirm them.
func (a *app) printOffline(steps []plan.Change, platforms map[string]string) {
	a.printSteps(steps, platforms,
		"These teams are offline: 1 change waits for a person to make it in the platforms' UIs, then record it with roster confirm (roster runbook lists it):",
		"These teams are offline: %d changes wait for a person to make them in the platforms' UIs, then record them with roster confirm (roster runbook lists them):")
}

// printSteps prints the runbook of steps under a header: one for a single
// change, else many, whose %d is the number of changes.
func (a *app) printSteps(steps []plan.Change, platforms map[string]string, one, many string) {
	if len(steps) == 0 {
		return
	}
	items := make([]runbook.Item, 0, len(steps))
	for _, c := range steps {
		it := runbook.ForChange(platforms[c.Addr.Team], string(c.Action), c.Before, c.After)
		if c.Note != "" { // the platform's words on why a person must do it
			it.Steps = append([]string{c.Note}, it.Steps...)
		}
		items = append(items, it)
	}
	n := len(items)
	items = runbook.Merge(items)
	header := one
	if n != 1 {
		header = fmt.Sprintf(many, n)
	}
	fmt.Fprintf(a.stdout, "\n%s\n\n", header)
	runbook.WriteText(a.stdout, items)
}

// printFollowUps says where the plan's follow-up tasks wait.
func (a *app) printFollowUps(p *plan.Plan) {
	if len(p.FollowUps) > 0 {
		fmt.Fprintf(a.stdout, "\n%s for a person: roster runbook lists them, roster confirm closes them.\n", plural(len(p.FollowUps), "follow-up task waits", "follow-up tasks wait"))
	}
}
