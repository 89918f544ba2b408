package statetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// task is a follow-up task on site/acme/SITE.
func task(site, name, text string) state.Task {
	return state.Task{Site: model.SiteAddress("acme", site), Name: name, Text: text}
}

func raise(t state.Task) state.TaskChange { return state.TaskChange{Task: t} }

func closeTask(t state.Task) state.TaskChange {
	return state.TaskChange{Task: state.Task{Site: t.Site, Name: t.Name}, Close: true}
}

// openTasks reads the open tasks and whether the store keeps them.
func openTasks(t *testing.T, s state.Store) ([]state.Task, bool) {
	t.Helper()
	tasks, kept, err := s.OpenTasks(context.Background())
	if err != nil {
		t.Fatalf("OpenTasks: %v", err)
	}
	return tasks, kept
}

func wantTasks(t *testing.T, s state.Store, want ...state.Task) {
	t.Helper()
	got, kept := openTasks(t, s)
	if !kept {
		t.Fatal("OpenTasks: kept = false, want true")
	}
	if d := cmp.Diff(want, got, objectOpts); d != "" {
		t.Errorf("open tasks (-want +got):\n%s", d)
	}
}

// testTasksEmpty: a missing state keeps an empty set.
func testTasksEmpty(t *testing.T, s state.Store) {
	wantTasks(t, s)
	seed(t, s)
	wantTasks(t, s)
}

// testTasksRaiseClose: tasks open and close in the commit of the records
// that raise and confirm them, in order, listed by site then name; the
// serial does not move for them.
func testTasksRaiseClose(t *testing.T, s state.Store) {
	seed(t, s)
	keys := task("b.com", "rotate_api_key", "Rotate the key of b.com.")
	links := task("a.com", "review_shared_links", "Review the links of a.com.")
	keysA := task("a.com", "rotate_api_key", "Rotate the key of a.com.")
	serial := commit(t, s, &state.Changeset{Lineage: "lineage-1", BaseSerial: 1, Evidence: chain(4, 1, "h3"),
		Tasks: []state.TaskChange{raise(keys), raise(links), raise(keysA)}})
	if serial != 1 {
		t.Errorf("a commit of tasks and evidence moved the serial to %d", serial)
	}
	wantTasks(t, s, links, keysA, keys)

	// Raised again with another text: the text is replaced. Closed:
	// gone. Closing what is not open changes nothing. Raised and closed
	// in one changeset: closed; closed and raised: open.
	keys2 := task("b.com", "rotate_api_key", "Rotate the key of b.com again.")
	other := task("c.com", "rotate_api_key", "Rotate the key of c.com.")
	gone := task("d.com", "review_shared_links", "")
	commit(t, s, &state.Changeset{Lineage: "lineage-1", BaseSerial: 1, Put: []*model.Object{team("beta")}, Evidence: chain(5, 1, "h4"),
		Tasks: []state.TaskChange{raise(keys2), closeTask(links), closeTask(gone), raise(other), closeTask(other), closeTask(keysA), raise(keysA)}})
	wantTasks(t, s, keysA, keys2)
	if snap := snapshot(t, s); snap.Serial != 2 || len(snap.Objects) != 2 {
		t.Errorf("serial %d, %d objects; want 2, 2", snap.Serial, len(snap.Objects))
	}
}

// testTasksAtomic: a commit that fails writes none of its tasks.
func testTasksAtomic(t *testing.T, s state.Store) {
	seed(t, s)
	keys := task("a.com", "rotate_api_key", "Rotate.")
	commit(t, s, &state.Changeset{Lineage: "lineage-1", BaseSerial: 1, Evidence: chain(4, 1, "h3"), Tasks: []state.TaskChange{raise(keys)}})
	before := everything(t, s)
	bad := []*state.Changeset{
		// Stale, a broken chain, another lineage.
		{Lineage: "lineage-1", BaseSerial: 7, Evidence: chain(5, 1, "h4"), Tasks: []state.TaskChange{closeTask(keys), raise(task("b.com", "rotate_api_key", "x"))}},
		{Lineage: "lineage-1", BaseSerial: 1, Evidence: chain(9, 1, "h8"), Tasks: []state.TaskChange{closeTask(keys)}},
		{Lineage: "other", BaseSerial: 1, Tasks: []state.TaskChange{closeTask(keys)}},
		// A set derived from the evidence, for a state that keeps one.
		{Lineage: "lineage-1", BaseSerial: 1, Evidence: chain(5, 1, "h4"), TaskBase: []state.Task{}},
	}
	for i, cs := range bad {
		if _, err := tryCommit(t, s, cs); err == nil {
			t.Errorf("changeset %d: Commit succeeded", i)
		} else if i == 3 && !errors.Is(err, state.ErrStale) {
			t.Errorf("changeset %d: %v, want ErrStale", i, err)
		}
	}
	sameAs(t, s, before)
}

// testTasksRefused: a task no store can keep is refused, and nothing of
// its changeset written.
func testTasksRefused(t *testing.T, s state.Store) {
	seed(t, s)
	before := everything(t, s)
	for _, tk := range []state.Task{
		{Site: model.TeamAddress("acme"), Name: "rotate_api_key"},
		{Site: model.MemberAddress("acme", "a@x.io"), Name: "rotate_api_key"},
		{Site: model.SiteAddress("acme", "a.com")},
		{Site: model.SiteAddress("acme", "a/b"), Name: "rotate_api_key"},
		{Site: model.SiteAddress("acme", "a.com"), Name: "x\x00y"},
	} {
		_, err := tryCommit(t, s, &state.Changeset{Lineage: "lineage-1", BaseSerial: 1, Put: []*model.Object{team("beta")},
			Evidence: chain(4, 1, "h3"), Tasks: []state.TaskChange{raise(tk)}})
		if err == nil {
			t.Errorf("a commit raising %q succeeded", tk.Key())
		}
	}
	sameAs(t, s, before)
}

// RunLegacy runs the cases of a state written by a roster of schema
// version 1, which kept no set of open follow-up tasks. open must return
// such a state, applied to at least once (a lineage, a serial and
// evidence), a new one each time, and arrange its own cleanup.
func RunLegacy(t *testing.T, open func(t *testing.T) state.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s state.Store)
	}{
		{"NotKept", testLegacyNotKept},
		{"TasksWithoutBase", testLegacyTasksWithoutBase},
		{"TaskBaseStartsTheSet", testLegacyTaskBase},
		{"FailedTaskBase", testLegacyFailedTaskBase},
		{"TaskMove", testLegacyTaskMove},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// next is a changeset continuing s: its lineage, serial and chain.
func next(t *testing.T, s state.Store) *state.Changeset {
	t.Helper()
	snap := snapshot(t, s)
	seq, hash := head(t, s)
	if snap.Empty() || seq == 0 {
		t.Fatalf("the legacy state is empty (lineage %q, evidence head %d)", snap.Lineage, seq)
	}
	return &state.Changeset{Lineage: snap.Lineage, BaseSerial: snap.Serial, Evidence: chain(seq+1, 1, hash)}
}

func testLegacyNotKept(t *testing.T, s state.Store) {
	if tasks, kept := openTasks(t, s); kept || tasks != nil {
		t.Errorf("OpenTasks = %v, kept %t; want none, not kept", tasks, kept)
	}
}

// testLegacyTasksWithoutBase: without a TaskBase the state keeps no set
// (the evidence holds the tasks); the rest of the changeset is written.
func testLegacyTasksWithoutBase(t *testing.T, s state.Store) {
	cs := next(t, s)
	cs.Tasks = []state.TaskChange{raise(task("a.com", "rotate_api_key", "Rotate."))}
	commit(t, s, cs)
	if _, kept := openTasks(t, s); kept {
		t.Error("a commit without a TaskBase made the state keep the tasks")
	}
	if seq, _ := head(t, s); seq != cs.Evidence[0].Seq {
		t.Errorf("evidence head %d, want %d", seq, cs.Evidence[0].Seq)
	}
}

// testLegacyTaskBase: a TaskBase starts the set, with the changeset's
// tasks over it; from then on the state keeps it, and refuses another
// TaskBase.
func testLegacyTaskBase(t *testing.T, s state.Store) {
	a := task("a.com", "rotate_api_key", "Rotate a.")
	b := task("b.com", "rotate_api_key", "Rotate b.")
	c := task("c.com", "review_shared_links", "Review c.")
	cs := next(t, s)
	cs.TaskBase = []state.Task{b, a}
	cs.Tasks = []state.TaskChange{closeTask(a), raise(c)}
	commit(t, s, cs)
	wantTasks(t, s, b, c)

	cs = next(t, s)
	cs.Tasks = []state.TaskChange{closeTask(b)}
	commit(t, s, cs)
	wantTasks(t, s, c)

	before := everything(t, s)
	cs = next(t, s)
	cs.TaskBase = []state.Task{a}
	if _, err := tryCommit(t, s, cs); !errors.Is(err, state.ErrStale) {
		t.Errorf("a second TaskBase: %v, want ErrStale", err)
	}
	sameAs(t, s, before)
	wantTasks(t, s, c)
}

// testLegacyFailedTaskBase: a failed commit with a TaskBase leaves the
// state as it was, keeping no set.
func testLegacyFailedTaskBase(t *testing.T, s state.Store) {
	before := everything(t, s)
	cs := next(t, s)
	cs.BaseSerial++
	cs.TaskBase = []state.Task{task("a.com", "rotate_api_key", "Rotate a.")}
	if _, err := tryCommit(t, s, cs); !errors.Is(err, state.ErrStale) {
		t.Errorf("Commit: %v, want ErrStale", err)
	}
	sameAs(t, s, before)
	if _, kept := openTasks(t, s); kept {
		t.Error("a failed commit made the state keep the tasks")
	}
}

// moveTasks is what a writer commits for the moves of a site or team
// (language.md "moved"): each move resolved against the open set, as
// evidence.PrepareTasks does (state.ResolveTasks).
func moveTasks(t *testing.T, s state.Store, changes ...state.TaskChange) []state.TaskChange {
	t.Helper()
	open, _ := openTasks(t, s)
	return state.ResolveTasks(open, changes)
}

func move(from, to model.Address) state.TaskChange {
	return state.TaskChange{Move: &state.TaskMove{From: from, To: to}}
}

// testTasksMove: the open tasks of a moved site move in the move's commit
// with its objects, name and text kept; a task already open at the new
// address under the same name keeps its text, followed by the moved
// one's (state.ResolveTasks); other sites' tasks stay. A team's move then carries the tasks of every site of it.
func testTasksMove(t *testing.T, s state.Store) {
	moveSeed(t, s)
	keys := state.Task{Site: model.SiteAddress("acme", "old.com"), Name: "rotate_api_key", Text: "Rotate the key of old.com."}
	links := state.Task{Site: model.SiteAddress("acme", "old.com"), Name: "review_shared_links", Text: "Review the links of old.com."}
	there := state.Task{Site: model.SiteAddress("acme", "new.com"), Name: "rotate_api_key", Text: "Rotate the key of new.com."}
	other := state.Task{Site: model.SiteAddress("beta", "b.com"), Name: "rotate_api_key", Text: "Rotate the key of b.com."}
	commit(t, s, &state.Changeset{Lineage: "l", BaseSerial: 1, Evidence: chain(1, 1, ""),
		Tasks: []state.TaskChange{raise(keys), raise(links), raise(there), raise(other)}})

	cs := moveChangeset()
	cs.Evidence = chain(2, 2, "h1")
	cs.Tasks = moveTasks(t, s, move(model.SiteAddress("acme", "old.com"), model.SiteAddress("acme", "new.com")))
	if serial := commit(t, s, cs); serial != 2 {
		t.Errorf("the move moved the serial to %d, want 2", serial)
	}
	movedLinks, movedKeys := links, keys
	movedLinks.Site, movedKeys.Site = model.SiteAddress("acme", "new.com"), model.SiteAddress("acme", "new.com")
	movedKeys.Text = there.Text + " " + keys.Text
	wantTasks(t, s, movedLinks, movedKeys, other)

	cs = &state.Changeset{Lineage: "l", BaseSerial: 2, Evidence: chain(4, 1, "h3"),
		Tasks: moveTasks(t, s, move(model.TeamAddress("acme"), model.TeamAddress("globex")))}
	commit(t, s, cs)
	movedLinks.Site, movedKeys.Site = model.SiteAddress("globex", "new.com"), model.SiteAddress("globex", "new.com")
	wantTasks(t, s, other, movedLinks, movedKeys)
}

// testTasksMoveFailed: a move that cannot commit (stale) leaves the tasks
// where they were, and a move no writer resolved (TaskChange.Move) is
// refused, writing nothing.
func testTasksMoveFailed(t *testing.T, s state.Store) {
	moveSeed(t, s)
	keys := state.Task{Site: model.SiteAddress("acme", "old.com"), Name: "rotate_api_key", Text: "Rotate."}
	commit(t, s, &state.Changeset{Lineage: "l", BaseSerial: 1, Evidence: chain(1, 1, ""), Tasks: []state.TaskChange{raise(keys)}})
	commit(t, s, &state.Changeset{Lineage: "l", BaseSerial: 1, Put: []*model.Object{team("other")}})
	before := everything(t, s)
	cs := moveChangeset()
	cs.Evidence = chain(2, 2, "h1")
	cs.Tasks = moveTasks(t, s, move(model.SiteAddress("acme", "old.com"), model.SiteAddress("acme", "new.com")))
	if _, err := tryCommit(t, s, cs); !errors.Is(err, state.ErrStale) {
		t.Fatalf("a stale move: %v, want ErrStale", err)
	}
	sameAs(t, s, before)

	cs = moveChangeset()
	cs.BaseSerial = 2
	cs.Evidence = chain(2, 2, "h1")
	cs.Tasks = []state.TaskChange{move(model.SiteAddress("acme", "old.com"), model.SiteAddress("acme", "new.com"))}
	if _, err := tryCommit(t, s, cs); err == nil {
		t.Error("a commit of an unresolved move of tasks succeeded")
	}
	sameAs(t, s, before)
	wantTasks(t, s, keys)
}

func forget(addr model.Address) state.TaskChange { return state.TaskChange{Forget: &addr} }

// testTasksForget: the open tasks of a forgotten site (roster state rm)
// close in the commit that takes it out of the state, other sites' stay;
// a forgetting no writer resolved (TaskChange.Forget) is refused, writing
// nothing. A team's forgetting closes the tasks of every site of it.
func testTasksForget(t *testing.T, s state.Store) {
	moveSeed(t, s)
	old := model.SiteAddress("acme", "old.com")
	keys := state.Task{Site: old, Name: "rotate_api_key", Text: "Rotate the key of old.com."}
	links := state.Task{Site: old, Name: "review_shared_links", Text: "Review the links of old.com."}
	more := state.Task{Site: model.SiteAddress("acme", "more.com"), Name: "rotate_api_key", Text: "Rotate the key of more.com."}
	other := state.Task{Site: model.SiteAddress("beta", "b.com"), Name: "rotate_api_key", Text: "Rotate the key of b.com."}
	commit(t, s, &state.Changeset{Lineage: "l", BaseSerial: 1, Evidence: chain(1, 1, ""),
		Tasks: []state.TaskChange{raise(keys), raise(links), raise(more), raise(other)}})

	rm := func(seq uint64, prev string, addrs ...model.Address) *state.Changeset {
		return &state.Changeset{Lineage: "l", BaseSerial: 1, Delete: addrs, Evidence: chain(seq, 1, prev)}
	}
	before := everything(t, s)
	cs := rm(2, "h1", old)
	cs.Tasks = []state.TaskChange{forget(old)}
	if _, err := tryCommit(t, s, cs); err == nil {
		t.Error("a commit of an unresolved forgetting of tasks succeeded")
	}
	sameAs(t, s, before)

	cs = rm(2, "h1", old, model.PersonGrantAddress("acme", "old.com", "jane@x.com"), model.PersonGrantAddress("acme", "old.com", "joe@x.com"))
	cs.Tasks = moveTasks(t, s, forget(old))
	if serial := commit(t, s, cs); serial != 2 {
		t.Errorf("the forgetting moved the serial to %d, want 2", serial)
	}
	wantTasks(t, s, more, other)

	cs = rm(3, "h2", model.TeamAddress("acme"))
	cs.BaseSerial = 2
	cs.Tasks = moveTasks(t, s, forget(model.TeamAddress("acme")))
	commit(t, s, cs)
	wantTasks(t, s, other)
}

// testLegacyTaskMove: on a state that keeps no set, a move's commit
// starts the set (TaskBase) with the tasks of the moved site at its new
// address.
func testLegacyTaskMove(t *testing.T, s state.Store) {
	a := task("a.com", "rotate_api_key", "Rotate a.")
	b := task("b.com", "rotate_api_key", "Rotate b.")
	cs := next(t, s)
	cs.TaskBase = []state.Task{a, b}
	cs.Tasks = state.ResolveTasks(cs.TaskBase, []state.TaskChange{move(a.Site, model.SiteAddress("acme", "shop.com"))})
	commit(t, s, cs)
	moved := a
	moved.Site = model.SiteAddress("acme", "shop.com")
	wantTasks(t, s, b, moved)
}
