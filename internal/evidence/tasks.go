package evidence

import (
	"context"
	"fmt"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// taskChanges is what r does to the open follow-up tasks (schema/sync.md):
// a confirm record closes the tasks it lists, any other record opens them,
// and the move record of a site or team (applied, MovedFrom) moves the
// tasks open on it to the new address (schema/evidence.md "Move and forget
// records"), as state.ResolveTasks resolves it; the forget record of
// a site or team closes the tasks open on it (on the team's sites).
func taskChanges(r *Record) ([]state.TaskChange, error) {
	out := make([]state.TaskChange, 0, len(r.FollowUps))
	if from, ok := MovedFrom(r); ok && r.Outcome == OutcomeApplied && (from.Kind == model.KindSite || from.Kind == model.KindTeam) {
		to, err := model.ParseAddress(r.Address)
		if err != nil {
			return nil, fmt.Errorf("its move from %s: %v", from, err)
		}
		out = append(out, state.TaskChange{Move: &state.TaskMove{From: from, To: to}})
	}
	if r.Action == ActionForget && r.Outcome == OutcomeApplied {
		addr, err := model.ParseAddress(r.Address)
		if err != nil {
			return nil, fmt.Errorf("its forgetting: %v", err)
		}
		if addr.Kind == model.KindSite || addr.Kind == model.KindTeam {
			out = append(out, state.TaskChange{Forget: &addr})
		}
	}
	for _, f := range r.FollowUps {
		addr, err := model.ParseAddress(f.Address)
		if err != nil {
			return nil, fmt.Errorf("its follow-up task %q: %v", f.Task, err)
		}
		c := state.TaskChange{Task: state.Task{Site: addr, Name: f.Task, Text: f.Text}, Close: r.Action == ActionConfirm}
		if err := c.Task.Check(); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// NoteTasks adds to cs what the record r, sealed into cs, does to the open
// follow-up tasks, so the state's set changes in the transaction that
// stores the record. A move or forgetting it notes is resolved by
// PrepareTasks, which a writer of one calls before it commits.
func NoteTasks(cs *state.Changeset, r *Record) error {
	cs2, err := taskChanges(r)
	if err != nil {
		return fmt.Errorf("%s: %w", r.Address, err)
	}
	cs.Tasks = append(cs.Tasks, cs2...)
	return nil
}

// OpenTasks lists the open follow-up tasks of st, sorted by site then
// name: the set the state keeps or, for a state written by a roster that
// kept none (state schema version 1), the set its evidence tells, every
// record decoded in order. A record that does not decode stops it: `roster
// evidence verify` says what is wrong with it.
func OpenTasks(ctx context.Context, st state.Store) ([]state.Task, error) {
	tasks, kept, err := st.OpenTasks(ctx)
	if err != nil || kept {
		return tasks, err
	}
	return tasksFromChain(ctx, st)
}

// tasksFromChain derives the open follow-up tasks from the evidence chain.
func tasksFromChain(ctx context.Context, st state.Store) ([]state.Task, error) {
	var changes []state.TaskChange
	err := state.EvidenceJSON(ctx, st, 1, func(rec state.EvidenceRecord) error {
		r, err := Decode(rec.JSON)
		if err == nil {
			var cs []state.TaskChange
			if cs, err = taskChanges(r); err == nil {
				changes = append(changes, cs...)
				return nil
			}
		}
		return fmt.Errorf("evidence record %d cannot be read to find the open follow-up tasks (%v); run roster evidence verify", rec.Seq, err)
	})
	if err != nil {
		return nil, err
	}
	open, _, err := state.FoldTasks(nil, state.ResolveTasks(nil, changes))
	if err != nil {
		return nil, err
	}
	return append([]state.Task{}, open...), nil // never nil: a TaskBase
}

// PrepareTasks readies cs, whose records NoteTasks noted, for st: for a
// state that keeps no set of open follow-up tasks yet, it gives cs the set
// the evidence tells (TaskBase), so that the commit starts the set; and it
// resolves cs's task changes against the open set (state.ResolveTasks), so
// that a moved site's tasks move in the same commit, a forgotten site's
// close in it, and a task raised again while open keeps the text it had.
// Every commit whose records touch tasks goes through it. The caller holds the writer's
// lock, and cs continues the chain as it is now.
func PrepareTasks(ctx context.Context, st state.Store, cs *state.Changeset) error {
	open, kept, err := st.OpenTasks(ctx)
	if err != nil {
		return err
	}
	_, err = PrepareTasksOn(ctx, st, open, kept, cs)
	return err
}

// PrepareTasksOn is PrepareTasks for a caller that knows st's open tasks
// already (open and kept, as st.OpenTasks gives them): a writer that
// commits many times under one lock reads them once. It returns the open
// tasks once cs is committed, for that writer's next commit.
func PrepareTasksOn(ctx context.Context, st state.Store, open []state.Task, kept bool, cs *state.Changeset) ([]state.Task, error) {
	if !kept {
		var err error
		if open, err = tasksFromChain(ctx, st); err != nil {
			return nil, err
		}
		cs.TaskBase = open
	}
	state.CarriedSites(cs.Tasks, cs.Put)
	cs.Tasks = state.ResolveTasks(open, cs.Tasks)
	after, _, err := state.FoldTasks(open, cs.Tasks)
	return after, err
}
