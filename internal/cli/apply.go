package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/apply"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/render"
	"github.com/roster-dev/roster/internal/state"
)

func init() { extraCommands = append(extraCommands, (*app).applyCommand) }

type applyFlags struct {
	autoApprove   bool
	actor         string
	approvers     []string
	commit        string
	changeRequest string
	lockTimeout   time.Duration
	maxWait       time.Duration
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
	c.Flags().DurationVar(&af.lockTimeout, "lock-timeout", 0, "how long to wait for the state lock")
	c.Flags().DurationVar(&af.maxWait, "max-wait", 65*time.Minute, "longest wait for an hourly API budget")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		if len(args) == 1 && cmd.Flags().Changed("reinvite") {
			return &exitCode{code: ExitError, msg: "--reinvite cannot be given with a saved plan: it is part of the plan; make the plan with roster plan --reinvite --out FILE"}
		}
		st, err := a.openStore()
		if err != nil {
			return err
		}
		defer st.Close()
		var p *plan.Plan
		if len(args) == 1 {
			p, err = plan.ReadFile(args[0])
			if err != nil {
				return &exitCode{code: ExitError, msg: fmt.Sprintf("plan file %s: %v", args[0], err)}
			}
		} else if !af.autoApprove && !isTerminal(a.stdin) {
			return &exitCode{code: ExitError, msg: "apply needs confirmation, and standard input is not a terminal: review the plan and run roster apply --auto-approve, or apply a saved plan (roster plan --out FILE; roster apply FILE)"}
		}
		lock, err := st.Lock(ctx, "apply", af.lockTimeout)
		if err != nil {
			return storeError(err)
		}
		defer lock.Unlock()
		if p == nil {
			p, _, err = a.makePlan(ctx, st, &pf)
			if err != nil {
				return err
			}
			if err := render.WriteText(a.stdout, p, render.TextOptions{Color: a.color(a.stdout)}); err != nil {
				return err
			}
			if p.Empty() {
				return nil
			}
			if !af.autoApprove {
				ok, err := a.confirm()
				if err != nil {
					return err
				}
				if !ok {
					return &exitCode{code: ExitError, msg: "apply cancelled: only 'yes' is accepted to approve"}
				}
			} else {
				fmt.Fprintln(a.stdout)
			}
		} else if p.Empty() {
			fmt.Fprintln(a.stdout, "No changes.")
			return nil
		}
		return a.applyPlan(ctx, st, p, &af)
	}
	return c
}

// confirm asks for "yes" on the terminal.
func (a *app) confirm() (bool, error) {
	fmt.Fprint(a.stdout, "\nDo you want to apply these changes?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && line == "" {
		return false, nil
	}
	fmt.Fprintln(a.stdout)
	return strings.TrimSpace(line) == "yes", nil
}

// applyPlan applies p with the metadata of flags, plan and environment.
func (a *app) applyPlan(ctx context.Context, st state.Store, p *plan.Plan, af *applyFlags) error {
	meta := apply.Meta{
		Actor:         firstNonEmpty(af.actor, envActor()),
		Approvers:     af.approvers,
		Commit:        firstNonEmpty(af.commit, p.Commit, envCommit(a.dir())),
		ChangeRequest: firstNonEmpty(af.changeRequest, p.ChangeRequest, envChangeRequest()),
		Time:          time.Now().UTC(),
	}
	if len(meta.Approvers) == 0 {
		meta.Approvers = envApprovers()
	}
	res, err := apply.Apply(ctx, st, p, meta)
	if err != nil {
		if errors.Is(err, apply.ErrStalePlan) {
			return &exitCode{code: ExitError, msg: err.Error()}
		}
		return storeError(err)
	}
	fmt.Fprintf(a.stdout, "Apply complete: %d applied (%d invited, %d manual). Evidence: %d records, head %s.\n",
		res.Applied, res.Invited, res.Manual, res.Records, res.Head)
	return nil
}
