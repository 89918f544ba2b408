package state

import (
	"cmp"
	"slices"
	"strings"
)

// FoldTasks reduces the task changes of a changeset, over base (its
// TaskBase, or nil), to their outcome, each task named once: put are the
// tasks open after them that base or changes name, del those the changes
// closed; both sorted by site address then name (CompareTasks). It refuses
// a task no store can keep, so a store checks a changeset's tasks with it
// before writing anything.
func FoldTasks(base []Task, changes []TaskChange) (put, del []Task, err error) {
	type entry struct {
		t    Task
		open bool
	}
	final := make(map[string]entry, len(base)+len(changes))
	for i := range base {
		if err := base[i].Check(); err != nil {
			return nil, nil, err
		}
		final[base[i].Key()] = entry{base[i], true}
	}
	for i := range changes {
		c := &changes[i]
		if err := c.Task.Check(); err != nil {
			return nil, nil, err
		}
		final[c.Task.Key()] = entry{c.Task, !c.Close}
	}
	for _, e := range final {
		if e.open {
			put = append(put, e.t)
		} else {
			del = append(del, Task{Site: e.t.Site, Name: e.t.Name})
		}
	}
	slices.SortFunc(put, CompareTasks)
	slices.SortFunc(del, CompareTasks)
	return put, del, nil
}

// CompareTasks orders tasks by site address, then name: the order
// OpenTasks lists them in.
func CompareTasks(a, b Task) int {
	return cmp.Or(strings.Compare(a.Site.String(), b.Site.String()), strings.Compare(a.Name, b.Name))
}
