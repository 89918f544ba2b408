package posthog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/driver/fakeclock"
	fake "github.com/roster-dev/roster/internal/fake/posthog"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

const token = "phx_s3cret_token_value"

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// env is a fake PostHog and a driver on it.
type env struct {
	t     *testing.T
	srv   *fake.Server
	team  *driver.Team
	d     *Driver
	clock *fakeclock.Clock
	log   *bytes.Buffer
}

func (e *env) org(rest string) string { return "/api/organizations/" + e.srv.OrgID() + "/" + rest }

// acmeSeed: owner@acme.com (the key's owner), bob@x.io (admin),
// carol@x.io (member), projects Production (101, private), Staging (102,
// default admin) and Lab (103, undeclared).
func acmeSeed() fake.Seed {
	return fake.Seed{
		Keys: map[string]string{token: "owner@acme.com", "phx_member_key": "carol@x.io"},
		Members: []fake.SeedMember{
			{Email: "owner@acme.com", Level: 15},
			{Email: "bob@x.io", Level: 8},
			{Email: "carol@x.io", Level: 1},
		},
		Projects: []fake.SeedProject{
			{ID: 101, Name: "Production", DefaultAccessLevel: "none"},
			{ID: 102, Name: "Staging", DefaultAccessLevel: "admin"},
			{ID: 103, Name: "Lab", DefaultAccessLevel: "none"},
		},
	}
}

func site(name, remote string) *model.Object {
	return &model.Object{Addr: model.SiteAddress("acme", name), RemoteID: remote}
}

func newEnv(t *testing.T, seed fake.Seed, guests []string, sites ...*model.Object) *env {
	t.Helper()
	srv := fake.New(fake.Options{Seed: seed, Now: t0})
	t.Cleanup(srv.Close)
	if sites == nil {
		sites = []*model.Object{site("Production", ""), site("Staging", "")}
	}
	team := &driver.Team{
		Name: "acme", Conn: model.Connection{Endpoint: srv.URL, AccountID: srv.OrgID()}, Token: token,
		Sites: sites, Guests: map[string]bool{}, Members: map[string]bool{},
	}
	for _, g := range guests {
		team.Guests[g] = true
	}
	e := &env{t: t, srv: srv, team: team, clock: fakeclock.New(t0), log: &bytes.Buffer{}}
	e.d = newDriver(team, Options{Clock: e.clock, Log: e.log, UserAgent: "roster/test"}, nil)
	e.d.parallel = 1
	return e
}

func (e *env) refresh() *driver.Snapshot {
	e.t.Helper()
	return drivertest.Refresh(e.t, e.d)
}

// render prints objects one per line: address role holder_kind status.
func render(objs []*model.Object) string {
	var b strings.Builder
	for _, o := range objs {
		fmt.Fprintf(&b, "%s %s", o.Addr, o.Role)
		if o.HolderKind != "" {
			fmt.Fprintf(&b, " %s", o.HolderKind)
		}
		fmt.Fprintf(&b, " %s\n", o.Status)
	}
	return b.String()
}

func TestRefreshMapping(t *testing.T) {
	seed := acmeSeed()
	seed.Members = append(seed.Members,
		fake.SeedMember{Email: "Guest@Agency.io", Level: 1},  // a guest with one grant
		fake.SeedMember{Email: "lone@agency.io", Level: 1},   // a guest with no grant left
		fake.SeedMember{Email: "gadmin@agency.io", Level: 8}, // declared a guest, but an admin: a member
		fake.SeedMember{Email: "dave@x.io", Level: 1},
	)
	seed.Access = []fake.SeedAccess{
		{Project: "Production", Email: "Guest@Agency.io", Level: "member"},
		{Project: "Staging", Email: "carol@x.io", Level: "admin"},
		{Project: "Production", Email: "dave@x.io", Level: "none"}, // no grant
		{Project: "Lab", Email: "dave@x.io", Level: "admin"},       // undeclared project
	}
	seed.Invites = []fake.SeedInvite{
		{Email: "inv@x.io", Level: 8, PrivateProjectAccess: []fake.ProjectAccess{{ID: 101, Level: "admin"}, {ID: 103, Level: "member"}}},
		{Email: "ginv@agency.io", Level: 1, PrivateProjectAccess: []fake.ProjectAccess{{ID: 102, Level: "member"}}},
		{Email: "old@x.io", Level: 1, PrivateProjectAccess: []fake.ProjectAccess{{ID: 101, Level: "member"}}, CreatedAt: "2026-02-20T00:00:00Z"},
	}
	e := newEnv(t, seed, []string{"guest@agency.io", "lone@agency.io", "gadmin@agency.io", "ginv@agency.io", "old@x.io"})
	snap := e.refresh()
	want := `grant/acme/Production/guest@agency.io member guest active
grant/acme/Production/inv@x.io admin member invited
grant/acme/Staging/carol@x.io admin member active
grant/acme/Staging/ginv@agency.io member guest invited
member/acme/bob@x.io admin active
member/acme/carol@x.io member active
member/acme/gadmin@agency.io admin active
member/acme/inv@x.io admin invited
member/acme/owner@acme.com owner active
`
	if got := render(snap.Objects); got != want {
		t.Errorf("objects:\n%s\nwant:\n%s", got, want)
	}
	// Memberships at level member that are no access of their own: the
	// guests' (ginv's invitation too), and dave's, whose only access is on
	// an undeclared project (schema/sync.md, Reading safely: their
	// membership stays).
	wantImplicit := `member/acme/dave@x.io member active
member/acme/ginv@agency.io member invited
member/acme/guest@agency.io member active
member/acme/lone@agency.io member active
`
	if got := render(snap.Implicit); got != wantImplicit {
		t.Errorf("implicit:\n%s\nwant:\n%s", got, wantImplicit)
	}
	// inv's invitation gives access on Lab when accepted.
	if got := fmt.Sprint(snap.Elsewhere); got != "map[dave@x.io:[Lab] inv@x.io:[Lab]]" {
		t.Errorf("elsewhere: %s", got)
	}
	if snap.Self != "owner@acme.com" || snap.Team != "acme" {
		t.Errorf("self %q team %q", snap.Self, snap.Team)
	}
	if snap.SiteIDs["Production"] != "101" || snap.SiteIDs["Staging"] != "102" || len(snap.SiteIDs) != 2 {
		t.Errorf("site ids: %v", snap.SiteIDs)
	}
	wantNotes := []string{"project Lab (id 103) is not declared; roster does not manage its access"}
	if !slices.Equal(snap.Notes, wantNotes) {
		t.Errorf("notes:\n%s", strings.Join(snap.Notes, "\n"))
	}
	wantWarnings := []string{
		`site Staging (PostHog project 102) gives every organization member "admin" access by default; declared grants cannot narrow it (set the project's default access to "none" in PostHog to make it private)`,
	}
	if !slices.Equal(snap.Warnings, wantWarnings) {
		t.Errorf("warnings:\n%s", strings.Join(snap.Warnings, "\n"))
	}
	wantLog := []string{
		"GET /api/users/@me/",
		"GET " + e.org("members/"),
		"GET " + e.org("invites/"),
		"GET " + e.org("projects/"),
		"GET /api/projects/101/access_controls/",
		"GET /api/projects/102/access_controls/",
		"GET /api/projects/103/access_controls/", // undeclared: who holds access there
	}
	if got := e.srv.Requests(); !slices.Equal(got, wantLog) {
		t.Errorf("requests:\n%s", strings.Join(got, "\n"))
	}
	if got := fmt.Sprint(snap.Defaults); got != "map[Production:none Staging:admin]" {
		t.Errorf("defaults: %s", got)
	}
	if snap.Requests != len(wantLog) {
		t.Errorf("Requests = %d, want %d", snap.Requests, len(wantLog))
	}
}

func TestSiteResolution(t *testing.T) {
	seed := acmeSeed()
	seed.Projects = append(seed.Projects, fake.SeedProject{ID: 104, Name: "Twin"}, fake.SeedProject{ID: 105, Name: "Twin"})
	cases := []struct {
		name  string
		sites []*model.Object
		ids   map[string]string
		err   []string
	}{
		{"by name", []*model.Object{site("Production", "")}, map[string]string{"Production": "101"}, nil},
		{"by remote_id", []*model.Object{site("prod", "101"), site("twin-a", "105")}, map[string]string{"prod": "101", "twin-a": "105"}, nil},
		{"missing", []*model.Object{site("Prod", "")}, nil,
			[]string{`site "Prod": no PostHog project is named "Prod"`, `"Production" (id 101)`, `"Lab" (id 103)`, "Set remote_id"}},
		{"ambiguous", []*model.Object{site("Twin", "")}, nil,
			[]string{`site "Twin": 2 PostHog projects are named "Twin" (ids 104, 105)`, "remote_id"}},
		{"unknown remote_id", []*model.Object{site("prod", "999")}, nil, []string{"no project with id 999", `"Staging" (id 102)`}},
		{"bad remote_id", []*model.Object{site("prod", "abc")}, nil, []string{`remote_id "abc" is not a PostHog project id`}},
		{"two sites, one project", []*model.Object{site("Production", ""), site("p2", "101")}, nil, []string{`sites "Production" and "p2" both name PostHog project 101`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, seed, nil, c.sites...)
			snap, err := e.d.Refresh(context.Background())
			drivertest.WantSites(t, snap, err, fmt.Sprint(c.ids), c.err)
		})
	}
}

func TestPaging(t *testing.T) {
	seed := acmeSeed()
	for i := 0; i < 247; i++ {
		seed.Members = append(seed.Members, fake.SeedMember{Email: fmt.Sprintf("m%03d@x.io", i)})
	}
	for i := 0; i < 120; i++ {
		seed.Invites = append(seed.Invites, fake.SeedInvite{Email: fmt.Sprintf("i%03d@y.io", i)})
	}
	e := newEnv(t, seed, nil)
	snap := e.refresh()
	count := map[string]int{}
	for _, l := range e.srv.Requests() {
		count[l]++
	}
	if count["GET "+e.org("members/")] != 3 || count["GET "+e.org("invites/")] != 2 || count["GET "+e.org("projects/")] != 1 {
		t.Errorf("pages: %v", count)
	}
	members, invited := 0, 0
	for _, o := range snap.Objects {
		if o.Addr.Kind == model.KindMember {
			if o.Status == model.StatusInvited {
				invited++
			} else {
				members++
			}
		}
	}
	if members != 250 || invited != 120 {
		t.Errorf("%d members, %d invited", members, invited)
	}
	if snap.Requests != len(e.srv.Requests()) {
		t.Errorf("Requests %d, log %d", snap.Requests, len(e.srv.Requests()))
	}
}

// grant and member build changes.
func grantChange(action plan.Action, site, email, before, after string, hk model.HolderKind, status model.Status) plan.Change {
	addr := model.PersonGrantAddress("acme", site, email)
	c := plan.Change{Addr: addr, Action: action}
	if before != "" {
		c.Before = &model.Object{Addr: addr, Role: before, HolderKind: hk, Status: status}
	}
	if after != "" {
		c.After = &model.Object{Addr: addr, Role: after, HolderKind: hk}
	}
	return c
}

func memberChange(action plan.Action, email, before, after string, status model.Status) plan.Change {
	addr := model.MemberAddress("acme", email)
	c := plan.Change{Addr: addr, Action: action}
	if before != "" {
		c.Before = &model.Object{Addr: addr, Role: before, Status: status}
	}
	if after != "" {
		c.After = &model.Object{Addr: addr, Role: after}
	}
	return c
}

// applyAll runs Begin and Apply over changes like the engine, returning
// each result, and checks that Cost predicted the requests made.
func (e *env) applyAll(changes ...plan.Change) []driver.Result {
	e.t.Helper()
	e.srv.ResetRequests()
	reads := len(e.d.team.Sites) + 1 + max(1, e.d.pages.members) + max(1, e.d.pages.invites) + max(1, e.d.pages.projects) + e.d.pages.undeclared
	cost, budget := e.d.Cost(changes)
	if budget != 0 {
		e.t.Errorf("budget %d", budget)
	}
	e.d.Begin(changes)
	var out []driver.Result
	for i := range changes {
		res, err := e.d.Apply(context.Background(), &changes[i])
		if err != nil {
			e.t.Fatalf("apply %s: %v", changes[i].Addr, err)
		}
		out = append(out, res)
	}
	if writes := len(e.srv.Requests()); cost != reads+writes {
		e.t.Errorf("Cost = %d, but the apply made %d writes after %d reads", cost, writes, reads)
	}
	return out
}

func (e *env) wantResult(res driver.Result, outcome driver.Outcome, api ...string) {
	e.t.Helper()
	if res.Outcome != outcome || !slices.Equal(res.API, api) {
		e.t.Errorf("result %s %q, want %s %q", res.Outcome, res.API, outcome, api)
	}
}

func (e *env) member(email string) (fake.StateMember, bool) {
	for _, m := range e.srv.State().Members {
		if m.Email == email {
			return m, true
		}
	}
	return fake.StateMember{}, false
}

func (e *env) invites() []fake.StateInvite { return e.srv.State().Invites }

func (e *env) access() map[string]string {
	out := map[string]string{}
	for _, p := range e.srv.State().Projects {
		for _, g := range p.Access {
			out[p.Name+"/"+g.Email] = g.Level
		}
	}
	return out
}

func TestApplyNewGuestTwoGrantsOneInvitation(t *testing.T) {
	e := newEnv(t, acmeSeed(), []string{"g@agency.io"})
	e.refresh()
	res := e.applyAll(
		grantChange(plan.Create, "Production", "g@agency.io", "", "member", model.HolderGuest, ""),
		grantChange(plan.Create, "Staging", "g@agency.io", "", "admin", model.HolderGuest, ""),
	)
	post := "POST " + e.org("invites/") + " 201"
	e.wantResult(res[0], driver.Invited, post)
	e.wantResult(res[1], driver.Invited, post)
	if got := e.srv.Requests(); !slices.Equal(got, []string{"POST " + e.org("invites/")}) {
		t.Errorf("requests: %q", got)
	}
	inv := e.invites()
	if len(inv) != 1 || inv[0].Level != 1 || fmt.Sprint(inv[0].PrivateProjectAccess) != "[{101 member} {102 admin}]" {
		t.Fatalf("invitation: %+v", inv)
	}
	// Accepted, the grants are active and the membership stays hidden.
	if err := e.srv.Accept("g@agency.io"); err != nil {
		t.Fatal(err)
	}
	got := render(e.refresh().Objects)
	for _, w := range []string{"grant/acme/Production/g@agency.io member guest active", "grant/acme/Staging/g@agency.io admin guest active"} {
		if !strings.Contains(got, w) {
			t.Errorf("after accept, no %q in\n%s", w, got)
		}
	}
	if strings.Contains(got, "member/acme/g@agency.io") {
		t.Errorf("a guest's implicit membership is shown:\n%s", got)
	}
}

func TestApplyNewMemberWithGrant(t *testing.T) {
	e := newEnv(t, acmeSeed(), nil)
	e.refresh()
	res := e.applyAll(
		grantChange(plan.Create, "Production", "new@x.io", "", "admin", model.HolderMember, ""),
		memberChange(plan.Create, "new@x.io", "", "admin", ""),
	)
	post := "POST " + e.org("invites/") + " 201"
	e.wantResult(res[0], driver.Invited, post)
	e.wantResult(res[1], driver.Invited, post)
	inv := e.invites()
	if len(inv) != 1 || inv[0].Level != 8 || fmt.Sprint(inv[0].PrivateProjectAccess) != "[{101 admin}]" {
		t.Fatalf("invitation: %+v", inv)
	}
}

func TestApplyInvitationUpdated(t *testing.T) {
	seed := acmeSeed()
	seed.Invites = []fake.SeedInvite{
		{Email: "inv@x.io", Level: 1, PrivateProjectAccess: []fake.ProjectAccess{{ID: 101, Level: "member"}}},
		{Email: "ginv@agency.io", Level: 1, PrivateProjectAccess: []fake.ProjectAccess{{ID: 101, Level: "member"}}},
	}
	e := newEnv(t, seed, []string{"ginv@agency.io"})
	e.refresh()
	old := map[string]string{}
	for _, inv := range e.invites() {
		old[inv.Email] = inv.ID
	}
	// Another role for someone invited, and another grant for an invited guest.
	up := memberChange(plan.Update, "inv@x.io", "member", "admin", model.StatusInvited)
	up.Why = "invitation updated"
	res := e.applyAll(
		grantChange(plan.Create, "Staging", "ginv@agency.io", "", "admin", model.HolderGuest, ""),
		up,
	)
	e.wantResult(res[0], driver.Invited, "DELETE "+e.org("invites/"+old["ginv@agency.io"]+"/")+" 204", "POST "+e.org("invites/")+" 201")
	e.wantResult(res[1], driver.Invited, "DELETE "+e.org("invites/"+old["inv@x.io"]+"/")+" 204", "POST "+e.org("invites/")+" 201")
	got := map[string]string{}
	for _, inv := range e.invites() {
		got[inv.Email] = fmt.Sprint(inv.Level, inv.PrivateProjectAccess)
	}
	if got["inv@x.io"] != "8 [{101 member}]" || got["ginv@agency.io"] != "1 [{101 member} {102 admin}]" {
		t.Errorf("invitations: %v", got)
	}
}

func TestApplyRemoveInvited(t *testing.T) {
	seed := acmeSeed()
	seed.Invites = []fake.SeedInvite{
		{Email: "inv@x.io", Level: 8},
		{Email: "ginv@agency.io", Level: 1, PrivateProjectAccess: []fake.ProjectAccess{{ID: 101, Level: "member"}, {ID: 102, Level: "member"}}},
	}
	e := newEnv(t, seed, []string{"ginv@agency.io"})
	e.refresh()
	ids := map[string]string{}
	for _, inv := range e.invites() {
		ids[inv.Email] = inv.ID
	}
	res := e.applyAll(
		grantChange(plan.Delete, "Production", "ginv@agency.io", "member", "", model.HolderGuest, model.StatusInvited),
		grantChange(plan.Delete, "Staging", "ginv@agency.io", "member", "", model.HolderGuest, model.StatusInvited),
		memberChange(plan.Delete, "inv@x.io", "admin", "", model.StatusInvited),
	)
	delG := "DELETE " + e.org("invites/"+ids["ginv@agency.io"]+"/") + " 204"
	e.wantResult(res[0], driver.Applied, delG)
	e.wantResult(res[1], driver.Applied, delG)
	e.wantResult(res[2], driver.Applied, "DELETE "+e.org("invites/"+ids["inv@x.io"]+"/")+" 204")
	if inv := e.invites(); len(inv) != 0 {
		t.Errorf("invitations left: %+v", inv)
	}
}

// TestInvitedElsewhere: someone only invited whose invitation also gives
// access on an undeclared project holds access there (schema/sync.md,
// Reading safely): the refresh says so, their invitation is a membership
// that is no access of their own, and removing their declared access
// sends the invitation again with the undeclared project's access only.
func TestInvitedElsewhere(t *testing.T) {
	seed := acmeSeed()
	seed.Invites = []fake.SeedInvite{
		{Email: "ivy@x.io", Level: 1, PrivateProjectAccess: []fake.ProjectAccess{{ID: 101, Level: "member"}, {ID: 103, Level: "admin"}}},
		{Email: "gil@agency.io", Level: 1, PrivateProjectAccess: []fake.ProjectAccess{{ID: 102, Level: "member"}, {ID: 103, Level: "member"}}},
		{Email: "ned@x.io", Level: 1, PrivateProjectAccess: []fake.ProjectAccess{{ID: 103, Level: "none"}}}, // no access on Lab
	}
	e := newEnv(t, seed, []string{"gil@agency.io"})
	snap := e.refresh()
	if got := fmt.Sprint(snap.Elsewhere); got != "map[gil@agency.io:[Lab] ivy@x.io:[Lab]]" {
		t.Errorf("elsewhere: %s", got)
	}
	wantImplicit := `member/acme/gil@agency.io member invited
member/acme/ivy@x.io member invited
`
	if got := render(snap.Implicit); got != wantImplicit {
		t.Errorf("implicit:\n%s\nwant:\n%s", got, wantImplicit)
	}
	if got := render(snap.Objects); !strings.Contains(got, "grant/acme/Production/ivy@x.io member member invited\n") ||
		strings.Contains(got, "member/acme/ivy@x.io") || !strings.Contains(got, "member/acme/ned@x.io member invited\n") {
		t.Errorf("objects:\n%s", got)
	}
	id := e.invites()[0].ID
	res := e.applyAll(grantChange(plan.Delete, "Production", "ivy@x.io", "member", "", model.HolderMember, model.StatusInvited))
	e.wantResult(res[0], driver.Applied, "DELETE "+e.org("invites/"+id+"/")+" 204", "POST "+e.org("invites/")+" 201")
	for _, inv := range e.invites() {
		if inv.Email == "ivy@x.io" && (inv.Level != 1 || fmt.Sprint(inv.PrivateProjectAccess) != "[{103 admin}]") {
			t.Errorf("ivy's invitation: %+v", inv)
		}
	}
}

func TestApplyInvitedGuestLosesOneGrant(t *testing.T) {
	seed := acmeSeed()
	seed.Invites = []fake.SeedInvite{{Email: "ginv@agency.io", Level: 1, PrivateProjectAccess: []fake.ProjectAccess{{ID: 101, Level: "member"}, {ID: 102, Level: "admin"}}}}
	e := newEnv(t, seed, []string{"ginv@agency.io"})
	e.refresh()
	id := e.invites()[0].ID
	res := e.applyAll(grantChange(plan.Delete, "Production", "ginv@agency.io", "member", "", model.HolderGuest, model.StatusInvited))
	e.wantResult(res[0], driver.Applied, "DELETE "+e.org("invites/"+id+"/")+" 204", "POST "+e.org("invites/")+" 201")
	if inv := e.invites(); len(inv) != 1 || fmt.Sprint(inv[0].PrivateProjectAccess) != "[{102 admin}]" {
		t.Errorf("invitations: %+v", inv)
	}
}

func TestApplyExpiredInvitation(t *testing.T) {
	seed := acmeSeed()
	seed.Invites = []fake.SeedInvite{{Email: "old@agency.io", Level: 1, PrivateProjectAccess: []fake.ProjectAccess{{ID: 101, Level: "member"}}, CreatedAt: "2026-02-20T00:00:00Z"}}
	e := newEnv(t, seed, []string{"old@agency.io"})
	snap := e.refresh()
	if strings.Contains(render(snap.Objects), "old@agency.io") {
		t.Fatalf("an expired invitation is live:\n%s", render(snap.Objects))
	}
	c := grantChange(plan.Create, "Production", "old@agency.io", "", "member", model.HolderGuest, "")
	c.Why = "invitation expired"
	res := e.applyAll(c)
	e.wantResult(res[0], driver.Invited, "POST "+e.org("invites/")+" 201")
	if inv := e.invites(); len(inv) != 1 || inv[0].Expired {
		t.Errorf("invitations: %+v", inv)
	}
}

func TestApplyMembersAndGrants(t *testing.T) {
	e := newEnv(t, acmeSeed(), nil)
	e.refresh()
	bob, _ := e.member("bob@x.io")
	carol, _ := e.member("carol@x.io")
	res := e.applyAll(
		grantChange(plan.Create, "Production", "carol@x.io", "", "admin", model.HolderMember, ""),
		memberChange(plan.Update, "carol@x.io", "member", "admin", model.StatusActive),
		memberChange(plan.Delete, "bob@x.io", "admin", "", model.StatusActive),
	)
	e.wantResult(res[0], driver.Applied, "PUT /api/projects/101/access_controls/ 200")
	e.wantResult(res[1], driver.Applied, "PATCH "+e.org("members/"+carol.UserUUID+"/")+" 200")
	e.wantResult(res[2], driver.Applied, "DELETE "+e.org("members/"+bob.UserUUID+"/")+" 204")
	if m, _ := e.member("carol@x.io"); m.Level != 8 {
		t.Errorf("carol's level %d", m.Level)
	}
	if _, ok := e.member("bob@x.io"); ok {
		t.Error("bob is still a member")
	}
	if a := e.access(); a["Production/carol@x.io"] != "admin" {
		t.Errorf("access: %v", a)
	}
	// A role change on a grant, then its removal.
	res = e.applyAll(grantChange(plan.Update, "Production", "carol@x.io", "admin", "member", model.HolderMember, model.StatusActive))
	e.wantResult(res[0], driver.Applied, "PUT /api/projects/101/access_controls/ 200")
	res = e.applyAll(grantChange(plan.Delete, "Production", "carol@x.io", "member", "", model.HolderMember, model.StatusActive))
	e.wantResult(res[0], driver.Applied, "PUT /api/projects/101/access_controls/ 204")
	if a := e.access(); len(a) != 0 {
		t.Errorf("access: %v", a)
	}
	if _, ok := e.member("carol@x.io"); !ok {
		t.Error("a member's membership went with their last grant")
	}
}

// TestApplyGuestLastGrantRemovesMembership: the last grant's removal
// removes the access on its project only; the membership goes by a change
// of its own, which the plan shows (schema/sync.md, Reading safely).
func TestApplyGuestLastGrantRemovesMembership(t *testing.T) {
	seed := acmeSeed()
	seed.Members = append(seed.Members, fake.SeedMember{Email: "g@agency.io"})
	seed.Access = []fake.SeedAccess{{Project: "Production", Email: "g@agency.io", Level: "member"}, {Project: "Staging", Email: "g@agency.io", Level: "admin"}}
	e := newEnv(t, seed, []string{"g@agency.io"})
	e.refresh()
	g, _ := e.member("g@agency.io")
	res := e.applyAll(
		grantChange(plan.Delete, "Production", "g@agency.io", "member", "", model.HolderGuest, model.StatusActive),
		grantChange(plan.Delete, "Staging", "g@agency.io", "admin", "", model.HolderGuest, model.StatusActive),
	)
	e.wantResult(res[0], driver.Applied, "PUT /api/projects/101/access_controls/ 204")
	e.wantResult(res[1], driver.Applied, "PUT /api/projects/102/access_controls/ 204")
	if _, ok := e.member("g@agency.io"); !ok {
		t.Fatal("the last grant's removal took the membership the plan did not remove")
	}
	e.refresh()
	res = e.applyAll(memberChange(plan.Delete, "g@agency.io", "member", "", model.StatusActive))
	e.wantResult(res[0], driver.Applied, "DELETE "+e.org("members/"+g.UserUUID+"/")+" 204")
	if _, ok := e.member("g@agency.io"); ok {
		t.Error("the membership's removal left it")
	}
}

func TestApplyGuestMovesSite(t *testing.T) {
	seed := acmeSeed()
	seed.Members = append(seed.Members, fake.SeedMember{Email: "g@agency.io"})
	seed.Access = []fake.SeedAccess{{Project: "Staging", Email: "g@agency.io", Level: "member"}}
	e := newEnv(t, seed, []string{"g@agency.io"})
	e.refresh()
	// In apply order: the creation first, then the removal.
	res := e.applyAll(
		grantChange(plan.Create, "Production", "g@agency.io", "", "member", model.HolderGuest, ""),
		grantChange(plan.Delete, "Staging", "g@agency.io", "member", "", model.HolderGuest, model.StatusActive),
	)
	e.wantResult(res[0], driver.Applied, "PUT /api/projects/101/access_controls/ 200")
	e.wantResult(res[1], driver.Applied, "PUT /api/projects/102/access_controls/ 204")
	if _, ok := e.member("g@agency.io"); !ok {
		t.Error("the guest lost their membership while keeping a grant")
	}
}

func TestApplyGuestBecomesMember(t *testing.T) {
	for _, c := range []struct {
		role string
		api  bool
	}{{"admin", true}, {"member", false}} {
		t.Run(c.role, func(t *testing.T) {
			seed := acmeSeed()
			seed.Members = append(seed.Members, fake.SeedMember{Email: "g@agency.io"})
			seed.Access = []fake.SeedAccess{{Project: "Production", Email: "g@agency.io", Level: "member"}}
			e := newEnv(t, seed, []string{"g@agency.io"})
			e.refresh()
			g, _ := e.member("g@agency.io")
			hk := grantChange(plan.Update, "Production", "g@agency.io", "member", "member", model.HolderGuest, model.StatusActive)
			hk.After.HolderKind = model.HolderMember
			res := e.applyAll(memberChange(plan.Create, "g@agency.io", "", c.role, ""), hk)
			if c.api {
				e.wantResult(res[0], driver.Applied, "PATCH "+e.org("members/"+g.UserUUID+"/")+" 200")
			} else {
				e.wantResult(res[0], driver.Applied)
			}
			e.wantResult(res[1], driver.Applied)
			for _, l := range e.srv.Requests() {
				if strings.HasPrefix(l, "POST") {
					t.Errorf("an invitation was sent: %s", l)
				}
			}
			if m, _ := e.member("g@agency.io"); m.Level != orgLevels[c.role] {
				t.Errorf("level %d", m.Level)
			}
		})
	}
}

func TestApplyMemberBecomesGuest(t *testing.T) {
	seed := acmeSeed()
	seed.Access = []fake.SeedAccess{{Project: "Production", Email: "bob@x.io", Level: "admin"}}
	e := newEnv(t, seed, []string{"bob@x.io"}) // declared a guest now
	e.refresh()
	bob, _ := e.member("bob@x.io")
	hk := grantChange(plan.Update, "Production", "bob@x.io", "admin", "admin", model.HolderMember, model.StatusActive)
	hk.After.HolderKind = model.HolderGuest
	res := e.applyAll(hk, memberChange(plan.Delete, "bob@x.io", "admin", "", model.StatusActive))
	e.wantResult(res[0], driver.Applied)
	e.wantResult(res[1], driver.Applied, "PATCH "+e.org("members/"+bob.UserUUID+"/")+" 200")
	if m, ok := e.member("bob@x.io"); !ok || m.Level != 1 {
		t.Errorf("bob: %+v %v", m, ok)
	}
	if a := e.access(); a["Production/bob@x.io"] != "admin" {
		t.Errorf("access: %v", a)
	}
}

func TestApplyErrors(t *testing.T) {
	seed := acmeSeed()
	e := newEnv(t, seed, nil, site("Staging", ""))
	e.team.Token = "phx_member_key" // carol, a member
	e.d = newDriver(e.team, Options{Clock: e.clock}, nil)
	e.refresh()
	bob, _ := e.member("bob@x.io")
	c := memberChange(plan.Update, "bob@x.io", "admin", "member", model.StatusActive)
	e.d.Begin([]plan.Change{c})
	res, err := e.d.Apply(context.Background(), &c)
	if err == nil {
		t.Fatal("no error")
	}
	if got, want := err.Error(), "member/acme/bob@x.io: PostHog refused the change (403): You can only edit others if you are an admin."; got != want {
		t.Errorf("error:\n%s\nwant:\n%s", got, want)
	}
	var ae *driver.APIError
	if !errors.As(err, &ae) || ae.Status != 403 || ae.Request != "PATCH "+e.org("members/"+bob.UserUUID+"/") || ae.Platform != "PostHog" || ae.Read {
		t.Errorf("APIError: %+v", ae)
	}
	if !slices.Equal(res.API, []string{"PATCH " + e.org("members/"+bob.UserUUID+"/") + " 403"}) {
		t.Errorf("api: %q", res.API)
	}
	// A validation error names its field.
	e2 := newEnv(t, acmeSeed(), nil)
	e2.refresh()
	e2.srv.Fail(fake.FailRule{Method: "POST", Status: 400,
		Body: `{"type":"validation_error","code":"invalid_input","detail":"Project does not exist on this organization, or it is private and you do not have access to it.","attr":"private_project_access"}`})
	g := grantChange(plan.Create, "Production", "n@x.io", "", "member", model.HolderGuest, "")
	e2.d.Begin([]plan.Change{g})
	_, err = e2.d.Apply(context.Background(), &g)
	if err == nil || err.Error() != "grant/acme/Production/n@x.io: PostHog refused the change (400): Project does not exist on this organization, or it is private and you do not have access to it. (private_project_access)" {
		t.Errorf("validation error: %v", err)
	}
}

func TestRefreshRetriesThrottled(t *testing.T) {
	e := newEnv(t, acmeSeed(), nil)
	e.srv.Fail(fake.FailRule{Method: "GET", PathPrefix: "/api/users/", Status: 429, Count: 1, RetryAfter: "7"})
	e.srv.Fail(fake.FailRule{Method: "GET", PathPrefix: e.org("members"), Status: 429, Count: 1, RetryAfter: "3"})
	snap := e.refresh()
	if !slices.Equal(e.clock.Slept(), []time.Duration{7 * time.Second, 3 * time.Second}) {
		t.Errorf("waits: %v", e.clock.Slept())
	}
	if snap.Self != "owner@acme.com" || len(snap.Objects) != 3 {
		t.Errorf("snapshot: %s", render(snap.Objects))
	}
	if snap.Requests != 9 || len(e.srv.Requests()) != 9 { // 3 access reads: 2 declared, 1 undeclared
		t.Errorf("requests %d, log %q", snap.Requests, e.srv.Requests())
	}
}

func TestRefreshFailsClosed(t *testing.T) {
	cases := []struct {
		name string
		rule fake.FailRule
		want string
	}{
		{"members refused", fake.FailRule{Method: "GET", PathPrefix: "/api/organizations/", Status: 403,
			Body: `{"type":"authentication_error","code":"permission_denied","detail":"You do not have permission to perform this action.","attr":null}`},
			"PostHog refused GET /api/organizations/%s/members/ (403): You do not have permission to perform this action."},
		{"server down", fake.FailRule{Method: "GET", PathPrefix: "/api/projects/102/", Status: 503},
			"PostHog refused GET /api/projects/102/access_controls/ (503): A server error occurred."},
		{"bad key", fake.FailRule{Method: "GET", PathPrefix: "/api/users/", Status: 401},
			"PostHog refused GET /api/users/@me/ (401): Incorrect authentication credentials; check that the team's token variable holds a personal API key of an owner of the organization (PostHog: Settings, Personal API keys)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, acmeSeed(), nil)
			e.srv.Fail(c.rule)
			_, err := e.d.Refresh(context.Background())
			want := c.want
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, e.srv.OrgID())
			}
			if err == nil || err.Error() != want {
				t.Fatalf("error:\n%v\nwant:\n%s", err, want)
			}
			var ae *driver.APIError
			if !errors.As(err, &ae) || !ae.Read {
				t.Errorf("not a read APIError: %#v", err)
			}
		})
	}
	// Not a member of the organization named.
	e := newEnv(t, acmeSeed(), nil)
	e.team.Conn.AccountID = "0190ffff-0000-4000-8000-00000000ffff"
	e.d = newDriver(e.team, Options{Clock: e.clock}, nil)
	if _, err := e.d.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "is not a member of organization 0190ffff") {
		t.Errorf("wrong org: %v", err)
	}
	e.team.Conn.AccountID = ""
	e.d = newDriver(e.team, Options{Clock: e.clock}, nil)
	if _, err := e.d.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "account_id") {
		t.Errorf("no org: %v", err)
	}
}

func TestTokenNeverShown(t *testing.T) {
	e := newEnv(t, acmeSeed(), nil)
	e.srv.Fail(fake.FailRule{Method: "GET", PathPrefix: "/api/users/", Status: 401, Count: 1,
		Body: `{"type":"authentication_error","code":"authentication_failed","detail":"Personal API key ` + token + ` is invalid.","attr":null}`})
	_, err := e.d.Refresh(context.Background())
	if err == nil {
		t.Fatal("no error")
	}
	e.srv.Fail(fake.FailRule{Method: "PATCH", Status: 500, Body: `{"detail":"boom ` + token + `"}`})
	e.refresh()
	c := memberChange(plan.Update, "carol@x.io", "member", "admin", model.StatusActive)
	e.d.Begin([]plan.Change{c})
	_, err2 := e.d.Apply(context.Background(), &c)
	if err2 == nil {
		t.Fatal("no apply error")
	}
	for _, s := range []string{err.Error(), err2.Error(), e.log.String()} {
		if strings.Contains(s, token) {
			t.Errorf("the token shows in %q", s)
		}
	}
	if !strings.Contains(err.Error(), "[redacted]") || !strings.Contains(e.log.String(), "GET /api/users/@me/") {
		t.Errorf("error %q; log:\n%s", err, e.log)
	}
}

func TestManual(t *testing.T) {
	e := newEnv(t, acmeSeed(), nil)
	for _, c := range []struct {
		change plan.Change
		want   bool
	}{
		{plan.Change{Addr: model.TeamAddress("acme"), Action: plan.Update,
			Before: &model.Object{Addr: model.TeamAddress("acme"), DisplayName: "A"}, After: &model.Object{Addr: model.TeamAddress("acme"), DisplayName: "B"}}, true},
		{plan.Change{Addr: model.TeamAddress("acme"), Action: plan.Create, After: &model.Object{Addr: model.TeamAddress("acme")}}, false},
		{memberChange(plan.Update, "carol@x.io", "member", "admin", model.StatusActive), false},
		{grantChange(plan.Create, "Production", "g@x.io", "", "member", model.HolderGuest, ""), false},
	} {
		manual, reason := e.d.Manual(&c.change)
		if manual != c.want || (manual && !strings.Contains(reason, "display_name")) {
			t.Errorf("%s %s: %v %q", c.change.Action, c.change.Addr, manual, reason)
		}
	}
}

func TestCostWithoutRefresh(t *testing.T) {
	e := newEnv(t, acmeSeed(), []string{"g@agency.io"})
	n, budget := e.d.Cost([]plan.Change{
		grantChange(plan.Create, "Production", "g@agency.io", "", "member", model.HolderGuest, ""),
		grantChange(plan.Create, "Staging", "g@agency.io", "", "member", model.HolderGuest, ""),
		memberChange(plan.Update, "carol@x.io", "member", "admin", model.StatusActive),
		memberChange(plan.Delete, "bob@x.io", "admin", "", model.StatusActive),
	})
	// reads: @me, one page of each list, 2 sites; writes: one invitation, PATCH, DELETE.
	if n != 1+3+2+3 || budget != 0 {
		t.Errorf("cost %d, budget %d", n, budget)
	}
}

// TestDefaultIsTheDefaultRow: the project's default access is the row with
// organization_member and role null; default_access_level ("admin" for
// every project) only stands in when no such row exists (posthog.md).
func TestDefaultIsTheDefaultRow(t *testing.T) {
	seed := acmeSeed()
	seed.Projects = append(seed.Projects, fake.SeedProject{ID: 104, Name: "Rowless"})
	e := newEnv(t, seed, nil, site("Production", ""), site("Staging", ""), site("Rowless", ""))
	snap := e.refresh()
	want := map[string]string{"Production": "none", "Staging": "admin", "Rowless": "admin"}
	for name, lvl := range want {
		if snap.Defaults[name] != lvl {
			t.Errorf("default of %s = %q, want %q (all: %v)", name, snap.Defaults[name], lvl, snap.Defaults)
		}
	}
	if err := e.srv.SetDefault("Staging", "member"); err != nil {
		t.Fatal(err)
	}
	if got := e.refresh().Defaults["Staging"]; got != "member" {
		t.Errorf("a default changed by hand reads %q, want member", got)
	}
}

// TestRoleAccess: access through RBAC role rows (Enterprise) is read into
// the snapshot with the role's name and members (issue 18 defect 8).
func TestRoleAccess(t *testing.T) {
	seed := acmeSeed()
	seed.Roles = []fake.SeedRole{{Name: "Analysts", Members: []string{"carol@x.io", "bob@x.io"}}, {Name: "Unused"}}
	seed.RoleAccess = []fake.SeedRoleAccess{{Project: "Production", Role: "Analysts", Level: "member"}}
	e := newEnv(t, seed, nil)
	snap := e.refresh()
	if len(snap.RoleAccess) != 1 {
		t.Fatalf("role access %+v", snap.RoleAccess)
	}
	ra := snap.RoleAccess[0]
	if ra.Site != "Production" || ra.Role != "Analysts" || ra.Level != "member" || strings.Join(ra.Members, ",") != "bob@x.io,carol@x.io" {
		t.Errorf("role access %+v", ra)
	}
	// Without role rows, no role requests.
	e = newEnv(t, acmeSeed(), nil)
	e.srv.ResetRequests()
	if snap := e.refresh(); len(snap.RoleAccess) != 0 {
		t.Errorf("%+v", snap.RoleAccess)
	}
	for _, l := range e.srv.Requests() {
		if strings.Contains(l, "/roles/") {
			t.Errorf("read %s without role rows", l)
		}
	}
}

// TestRoleMemberNotAnEmail: the state keeps role members' emails (a site's
// role_access), so a role membership whose user has no usable email stops
// the refresh, naming the request, rather than being kept or dropped.
func TestRoleMemberNotAnEmail(t *testing.T) {
	seed := acmeSeed()
	seed.Members = append(seed.Members, fake.SeedMember{Email: "a/b@x.io", Level: fake.LevelMember})
	seed.Roles = []fake.SeedRole{{Name: "Analysts", Members: []string{"carol@x.io", "a/b@x.io"}}}
	seed.RoleAccess = []fake.SeedRoleAccess{{Project: "Production", Role: "Analysts", Level: "member"}}
	e := newEnv(t, seed, nil)
	_, err := e.d.Refresh(context.Background())
	if err == nil || !strings.Contains(err.Error(), "/role_memberships/") || !strings.Contains(err.Error(), "role membership") {
		t.Fatalf("refresh: %v", err)
	}
}

// TestRoleNameControlCharacters: reports print role names on terminals,
// so a role named with control characters is read with them replaced.
func TestRoleNameControlCharacters(t *testing.T) {
	seed := acmeSeed()
	seed.Roles = []fake.SeedRole{{Name: "Ana\x1b[2Jlysts", Members: []string{"carol@x.io"}}}
	seed.RoleAccess = []fake.SeedRoleAccess{{Project: "Production", Role: "Ana\x1b[2Jlysts", Level: "member"}}
	snap := newEnv(t, seed, nil).refresh()
	if len(snap.RoleAccess) != 1 || snap.RoleAccess[0].Role != "Ana\uFFFD[2Jlysts" {
		t.Fatalf("role access %+v", snap.RoleAccess)
	}
}

// TestRefreshRefusesPeopleWithoutEmail: a member or an invitation whose
// email is empty is no one roster can name: the refresh fails closed
// (sync.md, Reading safely) instead of planning the removal of
// "member/acme/", which would delete a membership nobody reviewed.
func TestRefreshRefusesPeopleWithoutEmail(t *testing.T) {
	for _, c := range []struct{ path, body, want string }{
		{"members", `{"count":1,"next":null,"previous":null,"results":[{"id":"m9","level":8,"user":{"uuid":"u9","email":" "}}]}`,
			"PostHog answered GET /api/organizations/%s/members/ with a member without an email (membership m9); nothing was planned from it"},
		{"invites", `{"count":1,"next":null,"previous":null,"results":[{"id":"i9","target_email":"","level":1,"is_expired":false,"created_at":"2026-03-01T00:00:00Z","private_project_access":[]}]}`,
			"PostHog answered GET /api/organizations/%s/invites/ with an invitation without an email (invitation i9); nothing was planned from it"},
	} {
		t.Run(c.path, func(t *testing.T) {
			e := newEnv(t, acmeSeed(), nil)
			e.srv.Fail(fake.FailRule{Method: "GET", PathPrefix: "/api/organizations/" + e.srv.OrgID() + "/" + c.path, Status: 200, Body: c.body})
			_, err := e.d.Refresh(context.Background())
			if want := fmt.Sprintf(c.want, e.srv.OrgID()); err == nil || err.Error() != want {
				t.Errorf("error:\n%v\nwant:\n%s", err, want)
			}
		})
	}
}

// TestRoleAccessElsewhere: access through a role's row on a project the
// team does not declare is access elsewhere, which keeps a guest's
// organization membership (sync.md, Reading safely) as a row of their
// own there does: deleting the membership would take it from them.
func TestRoleAccessElsewhere(t *testing.T) {
	seed := acmeSeed()
	seed.Members = append(seed.Members, fake.SeedMember{Email: "g@agency.io", Level: fake.LevelMember})
	seed.Roles = []fake.SeedRole{{Name: "Lab crew", Members: []string{"g@agency.io"}}}
	seed.RoleAccess = []fake.SeedRoleAccess{{Project: "Lab", Role: "Lab crew", Level: "member"}}
	e := newEnv(t, seed, []string{"g@agency.io"})
	snap := e.refresh()
	if got := fmt.Sprint(snap.Elsewhere); got != "map[g@agency.io:[Lab]]" {
		t.Errorf("elsewhere: %s", got)
	}
	if len(snap.RoleAccess) != 0 {
		t.Errorf("role access of an undeclared project reported as a declared site's: %+v", snap.RoleAccess)
	}
}
