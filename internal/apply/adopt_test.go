package apply

import (
	"fmt"
	"slices"
	"testing"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// TestAdoptionsSiteDefaults checks that a refresh records each stored
// site's default access (schema/sync.md), and leaves alone what the plan changes,
// what is already recorded and the sites of teams not refreshed.
func TestAdoptionsSiteDefaults(t *testing.T) {
	site := func(team, name, def string) *model.Object {
		return &model.Object{Addr: model.SiteAddress(team, name), RemoteID: "7", DefaultAccess: def}
	}
	prior := []*model.Object{
		site("ph", "new", ""),       // never read: recorded
		site("ph", "moved", "none"), // changed in PostHog: recorded
		site("ph", "same", "member"),
		site("ph", "planned", "none"), // the plan's update carries it
		site("off", "x", ""),          // team not refreshed
	}
	model.SortObjects(prior)
	live := []*model.Object{
		site("ph", "new", "member"), site("ph", "moved", "admin"), site("ph", "same", "member"),
		site("ph", "planned", "admin"), site("off", "x", "admin"),
	}
	p := &plan.Plan{Changes: []plan.Change{{Addr: model.SiteAddress("ph", "planned"), Action: plan.Update}}}
	var got []string
	for _, a := range Adoptions(live, map[string]bool{"ph": true}, prior, p, nil) {
		got = append(got, fmt.Sprintf("%s %q→%q (%s) remote_id %s", a.Addr, a.Before.DefaultAccess, a.After.DefaultAccess, a.Why, a.After.RemoteID))
	}
	want := []string{
		`site/ph/moved "none"→"admin" (default access changed outside roster) remote_id 7`,
		`site/ph/new ""→"member" (default access read from the platform) remote_id 7`,
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("adoptions:\n%q\nwant:\n%q", got, want)
	}
	// apply --refresh-only (no plan) takes every live default.
	n := 0
	for _, a := range Adoptions(live, map[string]bool{"ph": true}, prior, nil, nil) {
		if a.Addr.Kind == model.KindSite {
			n++
		}
	}
	if n != 3 {
		t.Errorf("refresh-only: %d site adoptions, want 3 (new, moved, planned)", n)
	}
	for _, o := range prior {
		if o.Addr.Site == "moved" && o.DefaultAccess != "none" {
			t.Errorf("Adoptions changed the stored object: %+v", o)
		}
	}
}

// TestAdoptionsRemoteIDFound: a group roster created, whose id the next
// refresh reads, is recorded as such, not as a change outside roster.
func TestAdoptionsRemoteIDFound(t *testing.T) {
	g := &model.Object{Addr: model.GroupAddress("pw", "analysts"), Members: []string{"a@x.io"}}
	live := g.Clone()
	live.RemoteID = "8f0e"
	ads := Adoptions([]*model.Object{live}, map[string]bool{"pw": true}, []*model.Object{g}, &plan.Plan{}, map[string]bool{g.Addr.String(): true})
	if len(ads) != 1 || ads[0].Why != "remote id found on the platform" || ads[0].After.RemoteID != "8f0e" {
		t.Fatalf("adoptions %+v", ads)
	}
	live.Members = []string{"b@x.io"}
	ads = Adoptions([]*model.Object{live}, map[string]bool{"pw": true}, []*model.Object{g}, &plan.Plan{}, map[string]bool{g.Addr.String(): true})
	if len(ads) != 1 || ads[0].Why != "changed outside roster" {
		t.Fatalf("members changed too: %+v", ads)
	}
}

// TestAdoptionsSiteRoleAccess: the access PostHog roles give, kept on the
// site, is recorded when it moved, with a why that says what moved.
func TestAdoptionsSiteRoleAccess(t *testing.T) {
	mia := model.RoleAccess{Person: "mia@x.io", Level: "admin", Role: "Analysts"}
	tom := model.RoleAccess{Person: "tom@x.io", Level: "admin", Role: "Analysts"}
	site := func(name, def string, roles ...model.RoleAccess) *model.Object {
		return &model.Object{Addr: model.SiteAddress("ph", name), RemoteID: "7", DefaultAccess: def, RoleAccess: roles}
	}
	prior := []*model.Object{
		site("left", "none", mia, tom), // tom left the role
		site("joined", "none"),         // mia joined one
		site("both", "none", mia),      // default and roles moved
		site("same", "none", mia),
	}
	live := []*model.Object{site("left", "none", mia), site("joined", "none", mia), site("both", "member"), site("same", "none", mia)}
	var got []string
	for _, a := range Adoptions(live, map[string]bool{"ph": true}, prior, &plan.Plan{}, nil) {
		got = append(got, fmt.Sprintf("%s %d→%d %s (%s)", a.Addr, len(a.Before.RoleAccess), len(a.After.RoleAccess), a.After.DefaultAccess, a.Why))
	}
	slices.Sort(got)
	want := []string{
		"site/ph/both 1→0 member (default access and role access changed outside roster)",
		"site/ph/joined 0→1 none (role access changed outside roster)",
		"site/ph/left 2→1 none (role access changed outside roster)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("adoptions:\n%q\nwant:\n%q", got, want)
	}
	if len(prior[0].RoleAccess) != 2 {
		t.Errorf("Adoptions changed the stored object: %+v", prior[0])
	}
}
