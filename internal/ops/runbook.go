package ops

import (
	"cmp"
	"context"
	"sort"
	"time"

	"github.com/roster-dev/roster/internal/apply"
	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/runbook"
	"github.com/roster-dev/roster/internal/state"
)

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
func manualOfPlan(ctx context.Context, st state.Store, p *plan.Plan, prior []*model.Object) error {
	items, err := openItems(ctx, st, prior)
	if err != nil {
		return StoreOrError(err)
	}
	p.Manual = p.Manual[:0]
	for _, it := range items {
		p.Manual = append(p.Manual, plan.Manual{Addr: it.Addr, Task: it.Task, Change: it.Change, Text: it.Title})
	}
	return nil
}

// RunbookRequest asks for the open runbook items.
type RunbookRequest struct{}

// Runbook lists the open runbook items: the manual steps and follow-up
// tasks still open.
func Runbook(ctx context.Context, env *Env, _ RunbookRequest) ([]runbook.Item, error) {
	st, snap, done, err := env.openRead(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	items, err := openItems(ctx, st, snap.Objects)
	if err != nil {
		return nil, StoreOrError(err)
	}
	return items, nil
}

// ConfirmRequest names the open items a person did: Items (ADDRESS, or
// ADDRESS#TASK), or All.
type ConfirmRequest struct {
	Items       []string
	All         bool
	Note        string
	Actor       string
	LockTimeout time.Duration
}

// ConfirmResult is what a confirm recorded: the items, and the evidence.
type ConfirmResult struct {
	Confirmed []runbook.Item
	Result    *apply.Result
}

// Confirm records that a person did the open manual steps chosen.
func Confirm(ctx context.Context, env *Env, req ConfirmRequest) (*ConfirmResult, error) {
	if err := config.CheckText("note", req.Note); err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	if err := CheckSigner(); err != nil {
		return nil, err
	}
	st, snap, done, err := env.openLocked(ctx, "confirm", req.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer done()
	items, err := openItems(ctx, st, snap.Objects)
	if err != nil {
		return nil, StoreOrError(err)
	}
	chosen := items
	if !req.All {
		chosen = nil
		// named lists, for each arg that names items (Item.Aliases), the
		// items it names in runbook order: one look per arg.
		named := make(map[string][]int, len(items))
		for i := range items {
			for _, a := range items[i].Aliases() {
				named[a] = append(named[a], i)
			}
		}
		for _, arg := range req.Items {
			hit := named[arg]
			if len(hit) == 0 {
				return nil, errorf("nothing is open at %s (roster runbook lists the open items)", arg)
			}
			for _, i := range hit {
				chosen = append(chosen, items[i])
			}
		}
	}
	if len(chosen) == 0 {
		return nil, &Error{Msg: "nothing is open: there is nothing to confirm"}
	}
	res, err := apply.Confirm(ctx, st, snap, runbook.Expand(chosen), apply.Meta{Actor: cmp.Or(req.Actor, envActor()), Time: time.Now().UTC(), Sign: signFunc()}, req.Note)
	if err != nil {
		return nil, StoreOrError(err)
	}
	return &ConfirmResult{Confirmed: chosen, Result: res}, nil
}
