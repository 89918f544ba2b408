package state

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/roster-dev/roster/internal/model"
)

// TestResolveTasks: a move takes the tasks open at its point of the
// changes (the open set with the changes before it applied) to the new
// address of their site; what comes after it stays where it says.
func TestResolveTasks(t *testing.T) {
	site := func(team, name string) model.Address { return model.SiteAddress(team, name) }
	tk := func(s model.Address, name string) Task { return Task{Site: s, Name: name, Text: name + " " + s.Site} }
	a, b, c := site("acme", "a.com"), site("acme", "b.com"), site("beta", "c.com")
	shop := site("acme", "shop.com")
	open := []Task{tk(a, "rotate_api_key"), tk(b, "rotate_api_key"), tk(c, "rotate_api_key")}
	changes := []TaskChange{
		{Task: tk(a, "review_shared_links")},                       // raised before the move: moves
		{Task: Task{Site: a, Name: "rotate_api_key"}, Close: true}, // closed before it: stays closed
		{Move: &TaskMove{From: a, To: shop}},
		{Task: tk(a, "later")}, // raised at the old address after the move: stays there
		{Move: &TaskMove{From: model.TeamAddress("acme"), To: model.TeamAddress("globex")}},
		{Move: &TaskMove{From: model.MemberAddress("beta", "x@y.z"), To: model.MemberAddress("beta", "x@w.z")}}, // carries no site
	}
	got, _, err := FoldTasks(open, ResolveTasks(open, changes))
	if err != nil {
		t.Fatal(err)
	}
	g := func(s string) model.Address { return site("globex", s) }
	moved := func(t Task, to model.Address) Task { t.Site = to; return t }
	want := []Task{
		tk(c, "rotate_api_key"),
		moved(tk(a, "later"), g("a.com")),
		moved(tk(b, "rotate_api_key"), g("b.com")),
		moved(tk(a, "review_shared_links"), g("shop.com")),
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("open tasks (-want +got):\n%s", d)
	}
	if _, _, err := FoldTasks(open, changes); err == nil {
		t.Error("FoldTasks took an unresolved move")
	}
	if !HasTaskMoves(changes) || HasTaskMoves(changes[:2]) {
		t.Error("HasTaskMoves")
	}
}

// TestResolveTasksTeamThenSite: a site moves to the team its own team
// is relabelled to, and the team's move is committed first (a connected
// apply commits each change on its own): the team's move carries only the
// sites its changeset writes (CarriedSites), so the moving site's tasks
// wait for its own move and end at its new address.
func TestResolveTasksTeamThenSite(t *testing.T) {
	a, b := model.SiteAddress("acme", "a.com"), model.SiteAddress("acme", "b.com")
	shop := model.SiteAddress("globex", "shop.com")
	open := []Task{{Site: a, Name: "rotate_api_key", Text: "on a"}, {Site: b, Name: "rotate_api_key", Text: "on b"}}
	for _, order := range []string{"team first", "site first"} {
		teamMove := []TaskChange{{Move: &TaskMove{From: model.TeamAddress("acme"), To: model.TeamAddress("globex")}}}
		// The team's changeset writes b.com anew; a.com moves on its own.
		CarriedSites(teamMove, []*model.Object{{Addr: model.TeamAddress("globex")}, {Addr: model.SiteAddress("globex", "b.com")}})
		siteMove := []TaskChange{{Move: &TaskMove{From: a, To: shop}}}
		first, second := teamMove, siteMove
		if order == "site first" {
			first, second = siteMove, teamMove
		}
		mid, _, err := FoldTasks(open, ResolveTasks(open, first))
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := FoldTasks(mid, ResolveTasks(mid, second))
		if err != nil {
			t.Fatal(err)
		}
		want := []Task{{Site: model.SiteAddress("globex", "b.com"), Name: "rotate_api_key", Text: "on b"}, {Site: shop, Name: "rotate_api_key", Text: "on a"}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: open tasks (-want +got):\n%s", order, d)
		}
	}
}

// TestResolveTasksOtherTeamsSite: a site moving to another team, under
// a new name, takes its own tasks only, not those of a site of that team
// that has its old name.
func TestResolveTasksOtherTeamsSite(t *testing.T) {
	acmeWWW, globexWWW := model.SiteAddress("acme", "www.com"), model.SiteAddress("globex", "www.com")
	shop := model.SiteAddress("globex", "shop.com")
	open := []Task{{Site: acmeWWW, Name: "rotate_api_key", Text: "acme's"}, {Site: globexWWW, Name: "rotate_api_key", Text: "globex's"}}
	got, _, err := FoldTasks(open, ResolveTasks(open, []TaskChange{{Move: &TaskMove{From: acmeWWW, To: shop}}}))
	if err != nil {
		t.Fatal(err)
	}
	want := []Task{{Site: shop, Name: "rotate_api_key", Text: "acme's"}, {Site: globexWWW, Name: "rotate_api_key", Text: "globex's"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("open tasks (-want +got):\n%s", d)
	}
}

// TestResolveTaskForgets: a forgetting closes the tasks open on the site
// at its point of the changes (a team's: on every site of the team); what
// is raised after it stays open, other sites' and teams' tasks stay.
func TestResolveTaskForgets(t *testing.T) {
	site := func(team, name string) model.Address { return model.SiteAddress(team, name) }
	tk := func(s model.Address, name string) Task { return Task{Site: s, Name: name, Text: name + " " + s.Site} }
	a, b, c, d := site("acme", "a.com"), site("acme", "b.com"), site("beta", "c.com"), site("gamma", "d.com")
	open := []Task{tk(a, "rotate_api_key"), tk(b, "rotate_api_key"), tk(c, "rotate_api_key"), tk(d, "rotate_api_key")}
	addr := func(a model.Address) *model.Address { return &a }
	changes := []TaskChange{
		{Task: tk(a, "review_shared_links")}, // raised before the forgetting: closes
		{Forget: addr(a)},
		{Task: tk(a, "later")},                                     // raised after it: stays
		{Forget: addr(model.MemberAddress("acme", "x@y.z"))},       // carries no site
		{Forget: addr(model.TeamAddress("beta"))},                  // c.com's close
		{Task: Task{Site: d, Name: "rotate_api_key"}, Close: true}, // closed before: stays closed
		{Forget: addr(d)},                                          // nothing left to close
		{Forget: addr(model.SiteAddress("acme", "none.com"))},      // nothing open
	}
	resolved := ResolveTasks(open, changes)
	got, _, err := FoldTasks(open, resolved)
	if err != nil {
		t.Fatal(err)
	}
	want := []Task{tk(a, "later"), tk(b, "rotate_api_key")}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("open tasks (-want +got):\n%s", d)
	}
	if _, _, err := FoldTasks(open, changes); err == nil {
		t.Error("FoldTasks took an unresolved forgetting")
	}
	if !HasTaskMoves(changes[1:2]) || HasTaskMoves(resolved) {
		t.Error("HasTaskMoves")
	}
}

// BenchmarkFoldTasks folds 1000 open tasks and 1000 changes, as a large
// apply's commit does.
func BenchmarkFoldTasks(b *testing.B) {
	var base []Task
	var changes []TaskChange
	for i := range 1000 {
		s := model.SiteAddress("acme", fmt.Sprintf("s%d.com", i%100))
		base = append(base, Task{Site: s, Name: fmt.Sprintf("task_%d", i), Text: "Do it."})
		changes = append(changes, TaskChange{Task: Task{Site: s, Name: fmt.Sprintf("task_%d", i+500)}, Close: i%2 == 0})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := FoldTasks(base, changes); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTaskIdentity: tasks are one task when their site and name are, as
// their keys (SITE#NAME) say; they sort as their keys' sites, then names,
// do, whatever the team names ('-' sorts before '/').
func TestTaskIdentity(t *testing.T) {
	tasks := []Task{
		{Site: model.SiteAddress("a", "x.com"), Name: "b"},
		{Site: model.SiteAddress("a-b", "x.com"), Name: "a"},
		{Site: model.SiteAddress("a", "x.com"), Name: "a"},
		{Site: model.SiteAddress("ab", "x.com"), Name: "a"},
		{Site: model.SiteAddress("a", "x.co"), Name: "a"},
		{Site: model.SiteAddress("a", "x.com-b"), Name: "a"},
		{Site: model.SiteAddress("a0", "a.com"), Name: "a"},
		{Site: model.SiteAddress("a", "x"), Name: "a"},
	}
	for _, x := range tasks {
		for _, y := range tasks {
			byKey := strings.Compare(x.Site.String(), y.Site.String())
			if byKey == 0 {
				byKey = strings.Compare(x.Name, y.Name)
			}
			if got := CompareTasks(x, y); got != byKey {
				t.Errorf("CompareTasks(%s, %s) = %d, want %d", x.Key(), y.Key(), got, byKey)
			}
			if (x.ID() == y.ID()) != (x.Key() == y.Key()) {
				t.Errorf("%s and %s: same ID %t, same key %t", x.Key(), y.Key(), x.ID() == y.ID(), x.Key() == y.Key())
			}
		}
	}
	put, _, err := FoldTasks(nil, []TaskChange{{Task: tasks[0]}, {Task: Task{Site: tasks[0].Site, Name: tasks[0].Name, Text: "again"}}, {Task: tasks[1]}})
	if err != nil {
		t.Fatal(err)
	}
	if len(put) != 2 || put[1].Text != "again" {
		t.Errorf("FoldTasks: %v; want two tasks, the second raised again", put)
	}
}

// TestResolveTasksRaisedAgain: a task raised again while open keeps
// naming everyone it was raised for, whether the new text is new
// (appended) or already in it (kept whole, not cut back to the new text
// alone); a moved task meeting one of its name joins its text the same
// way; a task closed and raised in one commit starts afresh.
func TestResolveTasksRaisedAgain(t *testing.T) {
	site, shop := model.SiteAddress("acme", "a.com"), model.SiteAddress("acme", "shop.com")
	task := func(s model.Address, text string) Task { return Task{Site: s, Name: "review_shared_links", Text: text} }
	for _, c := range []struct {
		name      string
		open      []Task
		changes   []TaskChange
		wantTexts []string // of the opens, in order
	}{
		{"new text", []Task{task(site, "jane.")}, []TaskChange{{Task: task(site, "zed.")}}, []string{"jane. zed."}},
		{"text held", []Task{task(site, "jane. zed.")}, []TaskChange{{Task: task(site, "zed.")}}, []string{"jane. zed."}},
		{"same text", []Task{task(site, "jane.")}, []TaskChange{{Task: task(site, "jane.")}}, []string{"jane."}},
		{"twice in one commit", nil, []TaskChange{{Task: task(site, "jane.")}, {Task: task(site, "zed.")}}, []string{"jane.", "jane. zed."}},
		{"closed, then raised", []Task{task(site, "jane.")}, []TaskChange{{Task: task(site, ""), Close: true}, {Task: task(site, "zed.")}}, []string{"zed."}},
		{"moved onto one open", []Task{task(site, "jane."), task(shop, "zed.")}, []TaskChange{{Move: &TaskMove{From: site, To: shop}}}, []string{"zed. jane."}},
	} {
		var got []string
		for _, r := range ResolveTasks(c.open, c.changes) {
			if !r.Close {
				got = append(got, r.Task.Text)
			}
		}
		if !slices.Equal(got, c.wantTexts) {
			t.Errorf("%s: texts %q, want %q", c.name, got, c.wantTexts)
		}
	}
}
