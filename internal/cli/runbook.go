package cli

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/apply"
	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/runbook"
	"github.com/roster-dev/roster/internal/state"
)

func init() {
	extraCommands = append(extraCommands, (*app).runbookCommand, (*app).confirmCommand)
}

// platformsOf maps each team of a snapshot to its platform's name.
func platformsOf(objs []*model.Object) map[string]string {
	m := map[string]string{}
	for _, o := range objs {
		if o.Addr.Kind == model.KindTeam {
			m[o.Addr.Team] = o.Platform
		}
	}
	return m
}

// teamPlatforms maps each team a plan's changes touch to its platform.
func teamPlatforms(cs []plan.Change) map[string]string {
	m := map[string]string{}
	for _, c := range cs {
		if c.Addr.Kind != model.KindTeam {
			continue
		}
		if c.After != nil {
			m[c.Addr.Team] = c.After.Platform
		} else if c.Before != nil {
			m[c.Addr.Team] = c.Before.Platform
		}
	}
	return m
}

// openItems lists every open runbook item: changes waiting for a person
// (objects with status manual) and unconfirmed follow-up tasks, sorted by
// address then task.
func openItems(ctx context.Context, st state.Store, objs []*model.Object) ([]runbook.Item, error) {
	platforms := platformsOf(objs)
	var items []runbook.Item
	for _, o := range objs {
		if o.PendingAction == "" {
			continue
		}
		cur := o
		if o.PendingAction == string(plan.Create) {
			cur = nil
		}
		plat := platforms[o.Addr.Team]
		if plat == "" && o.Pending != nil {
			// A person's move waiting in a team relabelled since.
			plat = platforms[o.Pending.Addr.Team]
		}
		items = append(items, runbook.ForChange(plat, o.PendingAction, cur, o.Pending))
	}
	tasks, err := evidence.OpenTasks(ctx, st)
	if err != nil {
		return nil, err
	}
	for _, t := range tasks {
		items = append(items, runbook.ForTask(platforms[t.Site.Team], t.Site, t.Name, t.Text))
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i].Addr.String(), items[j].Addr.String()
		if a != b {
			return a < b
		}
		return items[i].Task < items[j].Task
	})
	return runbook.Merge(items), nil
}

// manualOfPlan fills the plan's open manual steps: those the planner met
// (with their texts) and the open follow-up tasks.
func (a *app) manualOfPlan(ctx context.Context, st state.Store, p *plan.Plan, prior []*model.Object) error {
	items, err := openItems(ctx, st, prior)
	if err != nil {
		return storeOrExit(err)
	}
	p.Manual = p.Manual[:0]
	for _, it := range items {
		p.Manual = append(p.Manual, plan.Manual{Addr: it.Addr, Task: it.Task, Change: it.Change, Text: it.Title})
	}
	return nil
}

func (a *app) runbookCommand() *cobra.Command {
	c := newCommand("runbook", "The manual steps and follow-up tasks still open")
	c.Args = cobra.NoArgs
	var format string
	c.Flags().StringVar(&format, "format", "text", "text, markdown or json")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if format != "text" && format != "markdown" && format != "json" {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --format %q: expected text, markdown or json", format)}
		}
		st, err := a.openStore()
		if err != nil {
			return err
		}
		defer st.Close()
		snap, err := a.snapshot(cmd.Context(), st)
		if err != nil {
			return err
		}
		items, err := openItems(cmd.Context(), st, snap.Objects)
		if err != nil {
			return storeOrExit(err)
		}
		switch format {
		case "json":
			return runbook.WriteJSON(a.stdout, items)
		case "markdown":
			return runbook.WriteMarkdown(a.stdout, items)
		}
		return runbook.WriteText(a.stdout, items)
	}
	return c
}

func (a *app) confirmCommand() *cobra.Command {
	c := newCommand("confirm ADDRESS...", "Record that a person did the open manual steps")
	c.ValidArgsFunction = completeEach(a.addresses)
	var all bool
	var note, actor string
	var lockTimeout time.Duration
	c.Flags().BoolVar(&all, "all", false, "confirm every open item")
	c.Flags().StringVar(&note, "note", "", "what was done, for the evidence")
	c.Flags().StringVar(&actor, "actor", "", "who did it (default: $ROSTER_ACTOR, $GITHUB_ACTOR, $USER)")
	c.Flags().DurationVar(&lockTimeout, "lock-timeout", 0, "how long to wait for the state lock")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		if len(args) == 0 && !all {
			return &exitCode{code: ExitError, msg: "name the items to confirm (ADDRESS, or ADDRESS#TASK; roster runbook lists them), or give --all"}
		}
		if err := config.CheckText("note", note); err != nil {
			return &exitCode{code: ExitError, msg: err.Error()}
		}
		if err := checkSigner(); err != nil {
			return err
		}
		st, err := a.openStore()
		if err != nil {
			return err
		}
		defer st.Close()
		lock, err := st.Lock(ctx, "confirm", lockTimeout)
		if err != nil {
			return storeError(err)
		}
		defer lock.Unlock()
		snap, err := a.snapshot(ctx, st)
		if err != nil {
			return err
		}
		items, err := openItems(ctx, st, snap.Objects)
		if err != nil {
			return storeOrExit(err)
		}
		chosen := items
		if !all {
			chosen = nil
			for _, arg := range args {
				var hit []runbook.Item
				for _, it := range items {
					if it.Names(arg) {
						hit = append(hit, it)
					}
				}
				if len(hit) == 0 {
					return &exitCode{code: ExitError, msg: fmt.Sprintf("nothing is open at %s (roster runbook lists the open items)", arg)}
				}
				chosen = append(chosen, hit...)
			}
		}
		if len(chosen) == 0 {
			return &exitCode{code: ExitError, msg: "nothing is open: there is nothing to confirm"}
		}
		res, err := apply.Confirm(ctx, st, snap, runbook.Expand(chosen), apply.Meta{Actor: firstNonEmpty(actor, envActor()), Time: time.Now().UTC(), Sign: signFunc()}, note)
		if err != nil {
			return storeOrExit(err)
		}
		fmt.Fprintf(a.stdout, "Confirmed %s. Evidence: %d records, head %s.\n", plural(len(chosen), "item", "items"), res.Records, res.Head)
		return nil
	}
	return c
}
