package ops

import (
	"cmp"
	"context"
	"slices"
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
// address then task. With titlesOnly (a plan, which shows one line per
// item) an item keeps no steps but a move's, which Merge extends: a
// state of 100,000 waiting grants held their steps, about 70 MB, for
// nothing.
func openItems(ctx context.Context, st state.Store, objs []*model.Object, titlesOnly bool) ([]runbook.Item, error) {
	platforms := platformsOf(objs)
	n := 0
	for _, o := range objs {
		if o.PendingAction != "" {
			n++
		}
	}
	items := make([]runbook.Item, 0, n)
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
		it := runbook.ForChange(plat, o.PendingAction, cur, o.Pending)
		if titlesOnly && it.Change != "move" {
			it.Steps = nil
		}
		items = append(items, it)
	}
	tasks, err := evidence.OpenTasks(ctx, st)
	if err != nil {
		return nil, err
	}
	for _, t := range tasks {
		items = append(items, runbook.ForTask(platforms[t.Site.Team], t.Site, t.Name, t.Text))
	}
	sortItems(items)
	return runbook.Merge(items), nil
}

// sortItems sorts items by address, then task, keeping the order of equal
// ones; each address is written once, not at every comparison.
func sortItems(items []runbook.Item) {
	keys := make([]string, len(items))
	for i := range items {
		keys[i] = items[i].Addr.String()
	}
	sort.Stable(itemOrder{items, keys})
}

// itemOrder sorts items and their addresses' keys together.
type itemOrder struct {
	items []runbook.Item
	keys  []string
}

func (o itemOrder) Len() int { return len(o.items) }
func (o itemOrder) Less(i, j int) bool {
	return cmp.Or(cmp.Compare(o.keys[i], o.keys[j]), cmp.Compare(o.items[i].Task, o.items[j].Task)) < 0
}
func (o itemOrder) Swap(i, j int) {
	o.items[i], o.items[j] = o.items[j], o.items[i]
	o.keys[i], o.keys[j] = o.keys[j], o.keys[i]
}

// manualOfPlan fills the plan's open manual steps: those the planner met
// (with their texts) and the open follow-up tasks.
func manualOfPlan(ctx context.Context, st state.Store, p *plan.Plan, prior []*model.Object) error {
	items, err := openItems(ctx, st, prior, true)
	if err != nil {
		return StoreOrError(err)
	}
	p.Manual = slices.Grow(p.Manual[:0], len(items))
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
	items, err := openItems(ctx, st, snap.Objects, false)
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
	items, err := openItems(ctx, st, snap.Objects, false)
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
