package evidence

import (
	"context"
	"fmt"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// taskChanges is what r does to the open follow-up tasks (schema/sync.md):
// a confirm record closes the tasks it lists, any other record opens them.
func taskChanges(r *Record) ([]state.TaskChange, error) {
	out := make([]state.TaskChange, 0, len(r.FollowUps))
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
// stores the record.
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
	err := st.Evidence(ctx, 1, func(rec state.EvidenceRecord) error {
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
	open, _, err := state.FoldTasks(nil, changes)
	if err != nil {
		return nil, err
	}
	return append([]state.Task{}, open...), nil // never nil: a TaskBase
}

// PrepareTasks readies cs, whose records NoteTasks noted, for a state
// that keeps no set of open follow-up tasks yet: it gives cs the set the
// evidence tells (TaskBase), so that the commit starts the set. It does
// nothing for a state that keeps one. The caller holds the writer's lock,
// and cs continues the chain as it is now.
func PrepareTasks(ctx context.Context, st state.Store, cs *state.Changeset) error {
	_, kept, err := st.OpenTasks(ctx)
	if err != nil || kept {
		return err
	}
	base, err := tasksFromChain(ctx, st)
	if err != nil {
		return err
	}
	cs.TaskBase = base
	return nil
}
