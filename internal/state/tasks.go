package state

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/roster-dev/roster/internal/model"
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
	final := make(map[TaskID]entry, len(base)+len(changes))
	for i := range base {
		if err := base[i].Check(); err != nil {
			return nil, nil, err
		}
		final[base[i].ID()] = entry{base[i], true}
	}
	for i := range changes {
		c := &changes[i]
		if c.Move != nil {
			return nil, nil, fmt.Errorf("the move of the follow-up tasks of %s to %s was not resolved against the open tasks (ResolveTasks)", c.Move.From, c.Move.To)
		}
		if c.Forget != nil {
			return nil, nil, fmt.Errorf("the forgetting of the follow-up tasks of %s was not resolved against the open tasks (ResolveTasks)", *c.Forget)
		}
		if err := c.Task.Check(); err != nil {
			return nil, nil, err
		}
		final[c.Task.ID()] = entry{c.Task, !c.Close}
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
// OpenTasks lists them in. Two site addresses compare as their printed
// forms do, without printing them.
func CompareTasks(a, b Task) int {
	var c int
	if a.Site.Kind == model.KindSite && b.Site.Kind == model.KindSite {
		c = compareSlashed(a.Site.Team, a.Site.Site, b.Site.Team, b.Site.Site)
	} else {
		c = strings.Compare(a.Site.String(), b.Site.String())
	}
	return cmp.Or(c, strings.Compare(a.Name, b.Name))
}

// compareSlashed compares a1+"/"+a2 with b1+"/"+b2, byte by byte, without
// joining them.
func compareSlashed(a1, a2, b1, b2 string) int {
	at := func(s1, s2 string, i int) byte {
		switch {
		case i < len(s1):
			return s1[i]
		case i == len(s1):
			return '/'
		}
		return s2[i-len(s1)-1]
	}
	la, lb := len(a1)+1+len(a2), len(b1)+1+len(b2)
	for i := range min(la, lb) {
		if x, y := at(a1, a2, i), at(b1, b2, i); x != y {
			return cmp.Compare(x, y)
		}
	}
	return cmp.Compare(la, lb)
}

// HasTaskMoves reports whether changes hold a move or a forgetting
// (TaskChange.Move, TaskChange.Forget) that ResolveTasks must resolve
// before a store can take them.
func HasTaskMoves(changes []TaskChange) bool {
	for i := range changes {
		if changes[i].Move != nil || changes[i].Forget != nil {
			return true
		}
	}
	return false
}

// ResolveTasks is changes as a store takes them, resolved against open
// (the set before them) in order, each change seeing the tasks open at its
// point:
//   - a move (TaskChange.Move) becomes a close of each task on a site it
//     carries (model.Rekey) and an open of the same task, name and text,
//     at the site's new address;
//   - a forgetting (TaskChange.Forget) becomes a close of each task open
//     on the site, or on a site of the team;
//   - a task opened while it is open already (the same site and name:
//     raised again, say for another person's removal, or a moved task
//     meeting one of its name) keeps the text it had, followed by the new
//     text unless that text is in it already, so that the runbook keeps
//     naming everyone it was raised for.
//
// Every writer resolves its changes here before it commits them, and
// derives the open set of an old state's evidence through it, so that
// both give the same texts; FoldTasks refuses a move or forgetting left
// unresolved.
func ResolveTasks(open []Task, changes []TaskChange) []TaskChange {
	// bySite holds the tasks open as the changes go: site → name → text.
	bySite := make(map[model.Address]map[string]string)
	put := func(t Task) {
		m := bySite[t.Site]
		if m == nil {
			m = make(map[string]string)
			bySite[t.Site] = m
		}
		m[t.Name] = t.Text
	}
	for _, t := range open {
		put(t)
	}
	// raise opens t, its text joined to the text of the task open under
	// its name, if any.
	raise := func(t Task) Task {
		if old, ok := bySite[t.Site][t.Name]; ok && old != "" {
			if strings.Contains(old, t.Text) {
				t.Text = old // raised again as it was: nothing new to add
			} else {
				t.Text = old + " " + t.Text
			}
		}
		put(t)
		return t
	}
	out := make([]TaskChange, 0, len(changes))
	// closeAll closes every task open on site, in name order.
	closeAll := func(site model.Address) {
		for _, name := range slices.Sorted(maps.Keys(bySite[site])) {
			out = append(out, TaskChange{Task: Task{Site: site, Name: name}, Close: true})
		}
		delete(bySite, site)
	}
	for _, c := range changes {
		if c.Forget != nil {
			switch f := *c.Forget; f.Kind {
			case model.KindSite:
				closeAll(f)
			case model.KindTeam:
				for _, site := range sortedSites(bySite, f.Team, nil) {
					closeAll(site)
				}
			}
			continue // nothing else carries tasks
		}
		if c.Move == nil {
			if c.Close {
				delete(bySite[c.Task.Site], c.Task.Name)
			} else {
				c.Task = raise(c.Task)
			}
			out = append(out, c)
			continue
		}
		mv := *c.Move
		if mv.From.Kind != mv.To.Kind || (mv.From.Kind != model.KindSite && mv.From.Kind != model.KindTeam) {
			continue // only a site carries tasks, and a team its sites'
		}
		var sites []model.Address
		if mv.From.Kind == model.KindSite {
			if len(bySite[mv.From]) > 0 {
				sites = append(sites, mv.From)
			}
		} else {
			sites = sortedSites(bySite, mv.From.Team, mv.Sites)
		}
		for _, site := range sites {
			na, ok := model.Rekey(site, mv.From, mv.To)
			if !ok || na == site {
				continue
			}
			names := bySite[site]
			for _, name := range slices.Sorted(maps.Keys(names)) {
				t := raise(Task{Site: na, Name: name, Text: names[name]})
				out = append(out, TaskChange{Task: Task{Site: site, Name: name}, Close: true}, TaskChange{Task: t})
			}
			delete(bySite, site)
		}
	}
	return out
}

// sortedSites are the sites of team with tasks open in bySite, only those
// in only when it is not nil, sorted by address.
func sortedSites(bySite map[model.Address]map[string]string, team string, only map[model.Address]bool) []model.Address {
	var sites []model.Address
	for site, names := range bySite {
		if site.Team == team && len(names) > 0 && (only == nil || only[site]) {
			sites = append(sites, site)
		}
	}
	slices.SortFunc(sites, func(a, b model.Address) int { return strings.Compare(a.String(), b.String()) })
	return sites
}
