package piwikpro

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/driver/fakeclock"
	"github.com/roster-dev/roster/internal/driver/httpc"
	fake "github.com/roster-dev/roster/internal/fake/piwikpro"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

const (
	clientID = "roster-client-7f3a"
	secret   = "s3cret-value-XYZ-91"
	token    = clientID + ":" + secret
	tokenEnv = "ROSTER_TOKEN_ACME"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// newClock is the driver's clock at t; a sleep also moves the fake
// server's clock, so both agree.
func newClock(t time.Time, srv *fake.Server) *fakeclock.Clock {
	c := fakeclock.New(t)
	c.OnSleep = srv.Advance
	return c
}

// env is a fake Piwik PRO and a driver on it.
type env struct {
	t     *testing.T
	srv   *fake.Server
	team  *driver.Team
	d     *Driver
	clock *fakeclock.Clock
	log   *bytes.Buffer
}

// acmeSeed: owner@acme.com (the API key's owner) and boss@acme.com,
// owners; carol@x.io and dave@x.io, users; apps Shop, Blog and Lab (Lab
// undeclared); group Managers (carol) with edit on Shop; carol has view
// on Shop, dave edit-publish on Blog.
func acmeSeed() fake.Seed {
	return fake.Seed{
		Clients: []fake.SeedClient{{ClientID: clientID, ClientSecret: secret, Email: "owner@acme.com"}},
		Users: []fake.SeedUser{
			{Email: "owner@acme.com", Role: "OWNER"},
			{Email: "boss@acme.com", Role: "OWNER"},
			{Email: "carol@x.io"},
			{Email: "dave@x.io"},
		},
		Apps:             []fake.SeedApp{{ID: "a0000000-0000-4000-8000-000000000001", Name: "Shop"}, {ID: "a0000000-0000-4000-8000-000000000002", Name: "Blog"}, {ID: "a0000000-0000-4000-8000-000000000003", Name: "Lab"}},
		Groups:           []fake.SeedGroup{{ID: "90000000-0000-4000-8000-000000000001", Name: "Managers", Members: []string{"carol@x.io"}}},
		Permissions:      []fake.SeedPermission{{App: "Shop", Email: "carol@x.io", Permission: "view"}, {App: "Blog", Email: "dave@x.io", Permission: "edit-publish"}},
		GroupPermissions: []fake.SeedGroupPermission{{App: "Shop", Group: "Managers", Permission: "edit"}},
	}
}

const (
	shopID = "a0000000-0000-4000-8000-000000000001"
	blogID = "a0000000-0000-4000-8000-000000000002"
	mgrsID = "90000000-0000-4000-8000-000000000001"
)

func site(name, remote string) *model.Object {
	return &model.Object{Addr: model.SiteAddress("acme", name), RemoteID: remote}
}

func newEnv(t *testing.T, seed fake.Seed, guests []string, sites ...*model.Object) *env {
	t.Helper()
	srv := fake.New(fake.Options{Seed: seed, Now: t0})
	t.Cleanup(srv.Close)
	if sites == nil {
		sites = []*model.Object{site("Shop", ""), site("Blog", "")}
	}
	team := &driver.Team{
		Name: "acme", Conn: model.Connection{Endpoint: srv.URL, TokenEnv: tokenEnv}, Token: token,
		Sites: sites, Guests: map[string]bool{}, Members: map[string]bool{},
	}
	for _, g := range guests {
		team.Guests[g] = true
	}
	e := &env{t: t, srv: srv, team: team, clock: newClock(t0, srv), log: &bytes.Buffer{}}
	e.remake(nil)
	return e
}

// remake makes a new driver on the team (after changing it).
func (e *env) remake(transport http.RoundTripper) {
	e.d = newDriver(e.team, Options{Clock: e.clock, Log: e.log, UserAgent: "roster/test"}, transport)
	e.d.parallel = 1
}

func (e *env) refresh() *driver.Snapshot {
	e.t.Helper()
	return drivertest.Refresh(e.t, e.d)
}

// render prints objects one per line: address role holder_kind status,
// or address members remote_id for groups.
func render(objs []*model.Object) string {
	var b strings.Builder
	for _, o := range objs {
		if o.Addr.Kind == model.KindGroup {
			fmt.Fprintf(&b, "%s %v %s\n", o.Addr, o.Members, o.RemoteID)
			continue
		}
		fmt.Fprintf(&b, "%s %s", o.Addr, o.Role)
		if o.HolderKind != "" {
			fmt.Fprintf(&b, " %s", o.HolderKind)
		}
		fmt.Fprintf(&b, " %s\n", o.Status)
	}
	return b.String()
}

func (e *env) userID(email string) string {
	for _, u := range e.srv.State().Users {
		if u.Email == email {
			return u.ID
		}
	}
	e.t.Fatalf("no user %s", email)
	return ""
}

func (e *env) role(email string) string {
	for _, u := range e.srv.State().Users {
		if u.Email == email {
			return u.Role
		}
	}
	return ""
}

// perms maps "App/email" to explicit permissions and "App/group:Name" to
// group permissions.
func (e *env) perms() map[string]string {
	out := map[string]string{}
	for _, a := range e.srv.State().Apps {
		for em, p := range a.Permissions {
			out[a.Name+"/"+em] = p
		}
		for g, p := range a.GroupPermissions {
			out[a.Name+"/group:"+g] = p
		}
	}
	return out
}

func (e *env) groups() map[string]string {
	out := map[string]string{}
	for _, g := range e.srv.State().Groups {
		m := slices.Clone(g.Members)
		slices.Sort(m)
		out[g.Name] = strings.Join(m, ",")
	}
	return out
}

func TestRefreshMapping(t *testing.T) {
	seed := acmeSeed()
	seed.Users = append(seed.Users,
		fake.SeedUser{Email: "Guest@Agency.io"},               // a guest with one grant
		fake.SeedUser{Email: "lone@agency.io"},                // a guest with no grant left
		fake.SeedUser{Email: "gown@agency.io", Role: "OWNER"}, // declared a guest, but an owner: a member
		fake.SeedUser{Email: "erin@x.io"},                     // a user without permissions
	)
	seed.Permissions = append(seed.Permissions,
		fake.SeedPermission{App: "Blog", Email: "Guest@Agency.io", Permission: "view"},
		fake.SeedPermission{App: "Lab", Email: "erin@x.io", Permission: "manage"}, // undeclared app
	)
	seed.Groups = append(seed.Groups, fake.SeedGroup{Name: "Data & Analytics", Members: []string{"dave@x.io", "erin@x.io"}}, fake.SeedGroup{Name: "data analytics"})
	seed.GroupPermissions = append(seed.GroupPermissions, fake.SeedGroupPermission{App: "Blog", Group: "Data & Analytics", Permission: "view"})
	e := newEnv(t, seed, []string{"guest@agency.io", "lone@agency.io", "gown@agency.io"})
	// boss is an owner the state knows, with a grant; owner@acme.com is
	// not in the state, and the configuration gives them a grant.
	e.team.Stored = []*model.Object{
		{Addr: model.MemberAddress("acme", "boss@acme.com"), Role: "owner", Status: model.StatusActive},
		{Addr: model.PersonGrantAddress("acme", "Shop", "boss@acme.com"), Role: "manage", HolderKind: model.HolderMember, Status: model.StatusActive, Reason: "runs the shop"},
		{Addr: model.PersonGrantAddress("acme", "Lab", "boss@acme.com"), Role: "view", HolderKind: model.HolderMember, Status: model.StatusActive}, // an undeclared site
	}
	e.team.Declared = []*model.Object{
		{Addr: model.PersonGrantAddress("acme", "Blog", "owner@acme.com"), Role: "edit", HolderKind: model.HolderMember, Status: model.StatusActive},
		{Addr: model.PersonGrantAddress("acme", "Blog", "boss@acme.com"), Role: "view", HolderKind: model.HolderMember, Status: model.StatusActive}, // the state wins
	}
	snap := e.refresh()
	gid := func(name string) string {
		for _, g := range e.srv.State().Groups {
			if g.Name == name {
				return g.ID
			}
		}
		return ""
	}
	want := `grant/acme/Blog/dave@x.io edit_publish member active
grant/acme/Blog/group:data-analytics view group active
grant/acme/Blog/guest@agency.io view guest active
grant/acme/Blog/owner@acme.com edit member active
grant/acme/Shop/boss@acme.com manage member active
grant/acme/Shop/carol@x.io view member active
grant/acme/Shop/group:managers edit group active
group/acme/data-analytics [dave@x.io erin@x.io] ` + gid("Data & Analytics") + `
group/acme/data-analytics-2 [] ` + gid("data analytics") + `
group/acme/managers [carol@x.io] 90000000-0000-4000-8000-000000000001
member/acme/boss@acme.com owner active
member/acme/carol@x.io user active
member/acme/dave@x.io user active
member/acme/gown@agency.io owner active
member/acme/owner@acme.com owner active
`
	if got := render(snap.Objects); got != want {
		t.Errorf("objects:\n%s\nwant:\n%s", got, want)
	}
	// Memberships that are no access of their own: the guests', and
	// erin's, whose only access is on the undeclared Lab (schema/sync.md,
	// Reading safely: it stays).
	wantImplicit := `member/acme/erin@x.io user active
member/acme/guest@agency.io user active
member/acme/lone@agency.io user active
`
	if got := render(snap.Implicit); got != wantImplicit {
		t.Errorf("implicit:\n%s\nwant:\n%s", got, wantImplicit)
	}
	if got := fmt.Sprint(snap.Elsewhere); got != "map[erin@x.io:[Lab]]" {
		t.Errorf("elsewhere: %s", got)
	}
	for _, o := range snap.Objects {
		if o.Addr.String() == "grant/acme/Shop/boss@acme.com" && o.Reason != "runs the shop" {
			t.Errorf("an owner's stored grant is not copied unchanged: %+v", o)
		}
	}
	if snap.Self != "owner@acme.com" || snap.Team != "acme" {
		t.Errorf("self %q team %q", snap.Self, snap.Team)
	}
	if snap.SiteIDs["Shop"] != shopID || snap.SiteIDs["Blog"] != blogID || len(snap.SiteIDs) != 2 {
		t.Errorf("site ids: %v", snap.SiteIDs)
	}
	if want := []string{"app Lab (id a0000000-0000-4000-8000-000000000003) is not declared; roster does not manage its access"}; !slices.Equal(snap.Notes, want) {
		t.Errorf("notes: %q", snap.Notes)
	}
	wantLog := []string{
		"POST /auth/token",
		"GET /api/users/v2",
		"GET /api/apps/v2",
		"GET /api/meta-sites/v1", // none here; who holds access on one keeps their USER
		"GET /api/user-groups/v1",
		"GET /api/user-groups/v1/" + gid("Data & Analytics") + "/users", // groups come sorted by name
		"GET /api/user-groups/v1/" + mgrsID + "/users",
		"GET /api/user-groups/v1/" + gid("data analytics") + "/users",
		"GET /api/access-control/v2/app/" + shopID + "/permission/user",
		"GET /api/access-control/v2/app/" + shopID + "/permission/user-group",
		"GET /api/access-control/v2/app/" + blogID + "/permission/user",
		"GET /api/access-control/v2/app/" + blogID + "/permission/user-group",
		// The undeclared Lab: who holds access there.
		"GET /api/access-control/v2/app/a0000000-0000-4000-8000-000000000003/permission/user",
		"GET /api/access-control/v2/app/a0000000-0000-4000-8000-000000000003/permission/user-group",
	}
	if got := e.srv.Requests(); !slices.Equal(got, wantLog) {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantLog, "\n"))
	}
	if snap.Requests != len(wantLog) {
		t.Errorf("Requests = %d, want %d", snap.Requests, len(wantLog))
	}
}

func TestRefreshNotesAUserKey(t *testing.T) {
	seed := acmeSeed()
	seed.Clients = append(seed.Clients, fake.SeedClient{ClientID: "carol-id", ClientSecret: "carol-secret", Email: "carol@x.io"})
	seed.Permissions = append(seed.Permissions, fake.SeedPermission{App: "Shop", Email: "carol@x.io", Permission: "manage"})
	e := newEnv(t, seed, nil, site("Shop", ""))
	e.team.Token = "carol-id:carol-secret"
	e.remake(nil)
	snap := e.refresh()
	if snap.Self != "carol@x.io" || len(snap.Notes) != 1 || !strings.Contains(snap.Notes[0], "carol@x.io, a USER: Piwik PRO lets only owners manage users and groups") {
		t.Errorf("self %q, notes %q", snap.Self, snap.Notes)
	}
}

// planTeam plans one connected piwikpro team: desired and prior hold the
// team and site objects plus the given access objects, live is the
// snapshot's.
func planTeam(t *testing.T, snap *driver.Snapshot, desired, prior []*model.Object) *plan.Plan {
	t.Helper()
	base := []*model.Object{
		{Addr: model.TeamAddress("acme"), Platform: "piwikpro"},
		{Addr: model.SiteAddress("acme", "Shop"), RemoteID: shopID},
		{Addr: model.SiteAddress("acme", "Blog"), RemoteID: blogID},
	}
	d := append(slices.Clone(base), desired...)
	p := append(slices.Clone(base), prior...)
	model.SortObjects(d)
	model.SortObjects(p)
	return plan.Make(plan.Input{Desired: d, Prior: p, Platforms: config.BuiltinPlatforms(), Now: t0,
		Live: snap.Objects, LiveTeams: map[string]bool{"acme": true}})
}

func describe(p *plan.Plan) string {
	var b strings.Builder
	for _, d := range p.Drift {
		fmt.Fprintf(&b, "drift %s\n", d.Addr)
	}
	for _, c := range p.Changes {
		fmt.Fprintf(&b, "%s %s\n", c.Action, c.Addr)
	}
	return b.String()
}

// TestGroupPermissionsAreNotDrift: carol holds view explicitly and edit
// through Managers; her grant is view, so declaring view plans nothing,
// and declaring edit plans an update of the explicit permission. Owners
// missing from the permission lists are not drift either.
func TestGroupPermissionsAreNotDrift(t *testing.T) {
	e := newEnv(t, acmeSeed(), nil)
	stored := []*model.Object{
		{Addr: model.MemberAddress("acme", "boss@acme.com"), Role: "owner", Status: model.StatusActive},
		{Addr: model.PersonGrantAddress("acme", "Shop", "boss@acme.com"), Role: "manage", HolderKind: model.HolderMember, Status: model.StatusActive},
	}
	e.team.Stored = stored
	snap := e.refresh()
	access := func(carolRole string) []*model.Object {
		return []*model.Object{
			{Addr: model.MemberAddress("acme", "owner@acme.com"), Role: "owner", Status: model.StatusActive},
			{Addr: model.MemberAddress("acme", "boss@acme.com"), Role: "owner", Status: model.StatusActive},
			{Addr: model.PersonGrantAddress("acme", "Shop", "boss@acme.com"), Role: "manage", HolderKind: model.HolderMember, Status: model.StatusActive},
			{Addr: model.MemberAddress("acme", "carol@x.io"), Role: "user", Status: model.StatusActive},
			{Addr: model.PersonGrantAddress("acme", "Shop", "carol@x.io"), Role: carolRole, HolderKind: model.HolderMember, Status: model.StatusActive},
			{Addr: model.MemberAddress("acme", "dave@x.io"), Role: "user", Status: model.StatusActive},
			{Addr: model.PersonGrantAddress("acme", "Blog", "dave@x.io"), Role: "edit_publish", HolderKind: model.HolderMember, Status: model.StatusActive},
			{Addr: model.GroupAddress("acme", "managers"), Members: []string{"carol@x.io"}},
			{Addr: model.GroupGrantAddress("acme", "Shop", "managers"), Role: "edit", HolderKind: model.HolderGroup, Status: model.StatusActive},
		}
	}
	withRemote := func(objs []*model.Object) []*model.Object {
		for _, o := range objs {
			if o.Addr.Kind == model.KindGroup {
				o.RemoteID = mgrsID
			}
		}
		return objs
	}
	if got := describe(planTeam(t, snap, access("view"), withRemote(access("view")))); got != "" {
		t.Errorf("desired view: planned\n%s", got)
	}
	if got := describe(planTeam(t, snap, access("edit"), withRemote(access("view")))); got != "update grant/acme/Shop/carol@x.io\n" {
		t.Errorf("desired edit: planned\n%s", got)
	}
}

func TestSiteResolution(t *testing.T) {
	seed := acmeSeed()
	seed.Apps = append(seed.Apps, fake.SeedApp{ID: "a0000000-0000-4000-8000-000000000004", Name: "Twin"}, fake.SeedApp{ID: "a0000000-0000-4000-8000-000000000005", Name: "Twin"})
	cases := []struct {
		name  string
		sites []*model.Object
		ids   map[string]string
		err   []string
	}{
		{"by name", []*model.Object{site("Shop", "")}, map[string]string{"Shop": shopID}, nil},
		{"by remote_id", []*model.Object{site("shop", shopID), site("twin-b", "a0000000-0000-4000-8000-000000000005")},
			map[string]string{"shop": shopID, "twin-b": "a0000000-0000-4000-8000-000000000005"}, nil},
		{"missing", []*model.Object{site("Shopp", "")}, nil,
			[]string{`site "Shopp": no Piwik PRO app is named "Shopp"`, `"Shop" (id ` + shopID + `)`, `"Lab" (id`, "Set remote_id"}},
		{"ambiguous", []*model.Object{site("Twin", "")}, nil,
			[]string{`site "Twin": 2 Piwik PRO apps are named "Twin" (ids a0000000-0000-4000-8000-000000000004, a0000000-0000-4000-8000-000000000005)`, "remote_id"}},
		{"unknown remote_id", []*model.Object{site("x", "nope")}, nil, []string{"no app with id nope", `"Blog" (id ` + blogID + `)`}},
		{"two sites, one app", []*model.Object{site("Shop", ""), site("s2", shopID)}, nil, []string{`sites "Shop" and "s2" both name Piwik PRO app ` + shopID}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, seed, nil, c.sites...)
			snap, err := e.d.Refresh(context.Background())
			drivertest.WantSites(t, snap, err, fmt.Sprint(c.ids), c.err)
		})
	}
}

func TestGroupLabels(t *testing.T) {
	for name, want := range map[string]string{
		"Managers": "managers", "Data & Analytics": "data-analytics", "  --Ops_Team 2": "ops_team-2",
		"Ünïcode": "n-code", "!!!": "group", strings.Repeat("x", 70): strings.Repeat("x", 63),
	} {
		got := GroupLabel(name)
		if got != want || model.CheckGroupName(got) != nil {
			t.Errorf("GroupLabel(%q) = %q, want %q", name, got, want)
		}
	}
	seed := acmeSeed()
	seed.Groups = append(seed.Groups, fake.SeedGroup{ID: "90000000-0000-4000-8000-0000000000aa", Name: "Team A"},
		fake.SeedGroup{ID: "90000000-0000-4000-8000-0000000000bb", Name: "Analysts"})
	e := newEnv(t, seed, nil)
	// A declared remote_id names the group; the stored one of another
	// label too; the rest go by their names.
	e.team.Declared = []*model.Object{{Addr: model.GroupAddress("acme", "analysts"), RemoteID: "90000000-0000-4000-8000-0000000000aa"}}
	e.team.Stored = []*model.Object{{Addr: model.GroupAddress("acme", "bosses"), RemoteID: mgrsID}}
	got := render(e.refresh().Objects)
	for _, w := range []string{"group/acme/analysts [] 90000000-0000-4000-8000-0000000000aa", "group/acme/analysts-2 [] 90000000-0000-4000-8000-0000000000bb",
		"group/acme/bosses [carol@x.io] " + mgrsID, "grant/acme/Shop/group:bosses edit group active"} {
		if !strings.Contains(got, w) {
			t.Errorf("no %q in\n%s", w, got)
		}
	}
	e.team.Declared = []*model.Object{{Addr: model.GroupAddress("acme", "analysts"), RemoteID: "nope"}}
	if _, err := e.d.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), `group "analysts": the account has no user group with id nope`) {
		t.Errorf("unknown group remote_id: %v", err)
	}
}

func TestPaging(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (2,500 users over 1,200 apps): skipped under -short; make test runs it")
	}
	seed := acmeSeed()
	seed.RateLimits = &fake.RateLimits{ReadsPerMinute: -1}
	big := fake.SeedGroup{Name: "Everyone"}
	for i := 0; i < 2496; i++ {
		email := fmt.Sprintf("u%04d@x.io", i)
		seed.Users = append(seed.Users, fake.SeedUser{Email: email})
		if i < 1500 {
			big.Members = append(big.Members, email)
			seed.Permissions = append(seed.Permissions, fake.SeedPermission{App: "Shop", Email: email, Permission: "view"})
		}
	}
	seed.Groups = append(seed.Groups, big)
	for i := 0; i < 1200; i++ {
		seed.Apps = append(seed.Apps, fake.SeedApp{Name: fmt.Sprintf("app-%04d", i)})
	}
	e := newEnv(t, seed, nil)
	snap := e.refresh()
	count := map[string]int{}
	for _, l := range e.srv.Requests() {
		count[l]++
	}
	if count["GET /api/users/v2"] != 3 || count["GET /api/apps/v2"] != 2 || count["GET /api/access-control/v2/app/"+shopID+"/permission/user"] != 3 {
		t.Errorf("pages: %v", count)
	}
	members, grants := 0, 0
	for _, o := range snap.Objects {
		switch {
		case o.Addr.Kind == model.KindMember:
			members++
		case o.Addr.Kind == model.KindGrant && o.Addr.Site == "Shop" && o.Addr.Email != "":
			grants++
		case o.Addr.Kind == model.KindGroup && o.Addr.Group == "everyone" && len(o.Members) != 1500:
			t.Errorf("everyone has %d members", len(o.Members))
		}
	}
	if members != 2500 || grants != 1501 {
		t.Errorf("%d members, %d grants on Shop", members, grants)
	}
	if snap.Requests != len(e.srv.Requests()) {
		t.Errorf("Requests %d, log %d", snap.Requests, len(e.srv.Requests()))
	}
	if len(snap.Notes) != 1201 {
		t.Errorf("%d notes", len(snap.Notes))
	}
}

// --- apply ---------------------------------------------------------------------

func grantChange(action plan.Action, site, email, before, after string, hk model.HolderKind) plan.Change {
	addr := model.PersonGrantAddress("acme", site, email)
	c := plan.Change{Addr: addr, Action: action}
	if before != "" {
		c.Before = &model.Object{Addr: addr, Role: before, HolderKind: hk, Status: model.StatusActive}
	}
	if after != "" {
		c.After = &model.Object{Addr: addr, Role: after, HolderKind: hk, Status: model.StatusActive}
	}
	return c
}

func groupGrantChange(action plan.Action, site, group, before, after string) plan.Change {
	c := grantChange(action, site, "", before, after, model.HolderGroup)
	c.Addr = model.GroupGrantAddress("acme", site, group)
	for _, o := range []*model.Object{c.Before, c.After} {
		if o != nil {
			o.Addr = c.Addr
		}
	}
	return c
}

func memberChange(action plan.Action, email, before, after string) plan.Change {
	addr := model.MemberAddress("acme", email)
	c := plan.Change{Addr: addr, Action: action}
	if before != "" {
		c.Before = &model.Object{Addr: addr, Role: before, Status: model.StatusActive}
	}
	if after != "" {
		c.After = &model.Object{Addr: addr, Role: after, Status: model.StatusActive}
	}
	return c
}

func groupChange(action plan.Action, name string, before, after []string) plan.Change {
	addr := model.GroupAddress("acme", name)
	c := plan.Change{Addr: addr, Action: action}
	if before != nil {
		c.Before = &model.Object{Addr: addr, Members: before}
	}
	if after != nil {
		c.After = &model.Object{Addr: addr, Members: after}
	}
	return c
}

// applyAll runs Begin and Apply over changes like the engine, returning
// each result, and checks that Cost predicted the requests made.
func (e *env) applyAll(changes ...plan.Change) []driver.Result {
	e.t.Helper()
	e.srv.ResetRequests()
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
		if res.Outcome != driver.Applied {
			e.t.Errorf("%s: outcome %s", changes[i].Addr, res.Outcome)
		}
		out = append(out, res)
	}
	if writes, reads := len(e.srv.Requests()), e.d.readCost(); cost != reads+writes {
		e.t.Errorf("Cost = %d, but the apply made %d writes after %d reads", cost, writes, reads)
	}
	return out
}

func (e *env) wantAPI(res driver.Result, api ...string) {
	e.t.Helper()
	if !slices.Equal(res.API, api) {
		e.t.Errorf("api:\n%s\nwant:\n%s", strings.Join(res.API, "\n"), strings.Join(api, "\n"))
	}
}

func permPath(app, kind, id string) string {
	return "POST /api/access-control/v2/app/" + app + "/permission/" + kind + "/" + id + " 204"
}

func TestApplyMembers(t *testing.T) {
	e := newEnv(t, acmeSeed(), nil)
	e.refresh()
	carol, dave := e.userID("carol@x.io"), e.userID("dave@x.io")
	res := e.applyAll(
		memberChange(plan.Create, "new@x.io", "", "user"),
		memberChange(plan.Create, "chief@x.io", "", "owner"),
		memberChange(plan.Update, "carol@x.io", "user", "owner"),
		memberChange(plan.Delete, "dave@x.io", "user", ""),
	)
	e.wantAPI(res[0], "POST /api/users/v2/invite 201")
	chief := e.userID("chief@x.io")
	e.wantAPI(res[1], "POST /api/users/v2/invite 201", "PATCH /api/users/v2/"+chief+"/change-role 204")
	e.wantAPI(res[2], "PATCH /api/users/v2/"+carol+"/change-role 204")
	e.wantAPI(res[3], "DELETE /api/users/v2/"+dave+" 204")
	for email, want := range map[string]string{"new@x.io": "USER", "chief@x.io": "OWNER", "carol@x.io": "OWNER", "dave@x.io": ""} {
		if got := e.role(email); got != want {
			t.Errorf("%s: role %q, want %q", email, got, want)
		}
	}
	// Invited users are listed at once, active.
	got := render(e.refresh().Objects)
	for _, w := range []string{"member/acme/new@x.io user active", "member/acme/chief@x.io owner active"} {
		if !strings.Contains(got, w) {
			t.Errorf("no %q in\n%s", w, got)
		}
	}
}

func TestApplyDemotedOwnerGetsPermissions(t *testing.T) {
	seed := acmeSeed()
	e := newEnv(t, seed, nil)
	e.team.Stored = []*model.Object{
		{Addr: model.MemberAddress("acme", "boss@acme.com"), Role: "owner", Status: model.StatusActive},
		{Addr: model.PersonGrantAddress("acme", "Shop", "boss@acme.com"), Role: "manage", HolderKind: model.HolderMember, Status: model.StatusActive},
		{Addr: model.PersonGrantAddress("acme", "Blog", "boss@acme.com"), Role: "view", HolderKind: model.HolderMember, Status: model.StatusActive},
	}
	e.refresh()
	boss := e.userID("boss@acme.com")
	// In apply order: a grant changed and one removed while boss is an
	// owner (no request), then the demotion, which sets what is left.
	res := e.applyAll(
		grantChange(plan.Update, "Shop", "boss@acme.com", "manage", "edit_publish", model.HolderMember),
		grantChange(plan.Delete, "Blog", "boss@acme.com", "view", "", model.HolderMember),
		memberChange(plan.Update, "boss@acme.com", "owner", "user"),
	)
	e.wantAPI(res[0])
	e.wantAPI(res[1])
	e.wantAPI(res[2], "PATCH /api/users/v2/"+boss+"/change-role 204",
		permPath(blogID, "user", boss), // Blog first: sites by name; no-access, removed while an owner
		permPath(shopID, "user", boss))
	if p := e.perms(); p["Shop/boss@acme.com"] != "edit-publish" || p["Blog/boss@acme.com"] != "" || e.role("boss@acme.com") != "USER" {
		t.Errorf("perms %v, role %s", p, e.role("boss@acme.com"))
	}
	// Promoted again: the permissions stay in Piwik PRO but are no longer
	// listed; the refresh reads the state's grants instead.
	res = e.applyAll(memberChange(plan.Update, "boss@acme.com", "user", "owner"))
	e.wantAPI(res[0], "PATCH /api/users/v2/"+boss+"/change-role 204")
}

func TestApplyGuestGrants(t *testing.T) {
	seed := acmeSeed()
	seed.Users = append(seed.Users, fake.SeedUser{Email: "g@agency.io"})
	seed.Permissions = append(seed.Permissions, fake.SeedPermission{App: "Shop", Email: "g@agency.io", Permission: "view"}, fake.SeedPermission{App: "Blog", Email: "g@agency.io", Permission: "edit"})
	e := newEnv(t, seed, []string{"g@agency.io", "new@agency.io"})
	e.refresh()
	g := e.userID("g@agency.io")
	res := e.applyAll(
		// A new guest: their USER rides before their first grant.
		grantChange(plan.Create, "Shop", "new@agency.io", "", "view", model.HolderGuest),
		grantChange(plan.Create, "Blog", "new@agency.io", "", "edit_publish", model.HolderGuest),
		grantChange(plan.Update, "Shop", "g@agency.io", "view", "manage", model.HolderGuest),
		// The guest's last grants, then their USER by a change of its
		// own, as the plan shows it (schema/sync.md, Reading safely).
		grantChange(plan.Delete, "Blog", "g@agency.io", "edit", "", model.HolderGuest),
		grantChange(plan.Delete, "Shop", "g@agency.io", "manage", "", model.HolderGuest),
		memberChange(plan.Delete, "g@agency.io", "user", ""),
	)
	n := e.userID("new@agency.io")
	e.wantAPI(res[0], "POST /api/users/v2/invite 201", permPath(shopID, "user", n))
	e.wantAPI(res[1], permPath(blogID, "user", n))
	e.wantAPI(res[2], permPath(shopID, "user", g))
	e.wantAPI(res[3], permPath(blogID, "user", g))
	e.wantAPI(res[4], permPath(shopID, "user", g))
	e.wantAPI(res[5], "DELETE /api/users/v2/"+g+" 204")
	p := e.perms()
	if p["Shop/new@agency.io"] != "view" || p["Blog/new@agency.io"] != "edit-publish" || e.role("g@agency.io") != "" {
		t.Errorf("perms %v; g's role %q", p, e.role("g@agency.io"))
	}
	// The new guest's implicit USER is hidden.
	if got := render(e.refresh().Objects); strings.Contains(got, "member/acme/new@agency.io") || !strings.Contains(got, "grant/acme/Blog/new@agency.io edit_publish guest active") {
		t.Errorf("after apply:\n%s", got)
	}
}

func TestApplyMemberGrantsAndOwners(t *testing.T) {
	e := newEnv(t, acmeSeed(), nil)
	e.refresh()
	dave := e.userID("dave@x.io")
	res := e.applyAll(
		grantChange(plan.Create, "Shop", "dave@x.io", "", "edit", model.HolderMember),
		grantChange(plan.Create, "Shop", "boss@acme.com", "", "manage", model.HolderMember), // an owner: recorded only
		grantChange(plan.Delete, "Blog", "dave@x.io", "edit_publish", "", model.HolderMember),
	)
	e.wantAPI(res[0], permPath(shopID, "user", dave))
	e.wantAPI(res[1])
	e.wantAPI(res[2], permPath(blogID, "user", dave))
	if p := e.perms(); p["Shop/dave@x.io"] != "edit" || p["Blog/dave@x.io"] != "" || p["Shop/boss@acme.com"] != "" {
		t.Errorf("perms: %v", p)
	}
	if e.role("dave@x.io") != "USER" {
		t.Error("a member lost their USER with their last grant")
	}
}

func TestApplyGuestBecomesMember(t *testing.T) {
	for _, role := range []string{"user", "owner"} {
		t.Run(role, func(t *testing.T) {
			seed := acmeSeed()
			seed.Users = append(seed.Users, fake.SeedUser{Email: "g@agency.io"})
			seed.Permissions = append(seed.Permissions, fake.SeedPermission{App: "Shop", Email: "g@agency.io", Permission: "view"})
			e := newEnv(t, seed, []string{"g@agency.io"})
			e.refresh()
			g := e.userID("g@agency.io")
			hk := grantChange(plan.Update, "Shop", "g@agency.io", "view", "view", model.HolderGuest)
			hk.After.HolderKind = model.HolderMember
			res := e.applyAll(memberChange(plan.Create, "g@agency.io", "", role), hk)
			if role == "owner" {
				e.wantAPI(res[0], "PATCH /api/users/v2/"+g+"/change-role 204")
			} else {
				e.wantAPI(res[0])
			}
			e.wantAPI(res[1])
			if e.role("g@agency.io") != strings.ToUpper(role) || e.userID("g@agency.io") != g {
				t.Errorf("role %s", e.role("g@agency.io"))
			}
		})
	}
}

func TestApplyMemberBecomesGuest(t *testing.T) {
	seed := acmeSeed()
	e := newEnv(t, seed, []string{"boss@acme.com", "dave@x.io"}) // both declared guests now
	e.team.Stored = []*model.Object{
		{Addr: model.MemberAddress("acme", "boss@acme.com"), Role: "owner", Status: model.StatusActive},
		{Addr: model.PersonGrantAddress("acme", "Shop", "boss@acme.com"), Role: "view", HolderKind: model.HolderMember, Status: model.StatusActive},
	}
	e.refresh()
	boss := e.userID("boss@acme.com")
	hkBoss := grantChange(plan.Update, "Shop", "boss@acme.com", "view", "view", model.HolderMember)
	hkBoss.After.HolderKind = model.HolderGuest
	hkDave := grantChange(plan.Update, "Blog", "dave@x.io", "edit_publish", "edit_publish", model.HolderMember)
	hkDave.After.HolderKind = model.HolderGuest
	res := e.applyAll(hkBoss, hkDave,
		memberChange(plan.Delete, "boss@acme.com", "owner", ""),
		memberChange(plan.Delete, "dave@x.io", "user", ""))
	e.wantAPI(res[0])
	e.wantAPI(res[1])
	e.wantAPI(res[2], "PATCH /api/users/v2/"+boss+"/change-role 204", permPath(shopID, "user", boss))
	e.wantAPI(res[3])
	if e.role("boss@acme.com") != "USER" || e.role("dave@x.io") != "USER" || e.perms()["Shop/boss@acme.com"] != "view" {
		t.Errorf("boss %s, dave %s, perms %v", e.role("boss@acme.com"), e.role("dave@x.io"), e.perms())
	}
}

func TestApplyGroups(t *testing.T) {
	seed := acmeSeed()
	seed.Groups = append(seed.Groups, fake.SeedGroup{ID: "90000000-0000-4000-8000-0000000000dd", Name: "old"})
	e := newEnv(t, seed, nil)
	e.refresh()
	rel := func(gid string) string { return "/api/user-groups/v1/" + gid + "/relationships/users" }
	res := e.applyAll(
		// In apply order: the group before its new member's creation.
		groupChange(plan.Create, "analysts", nil, []string{"dave@x.io", "nina@x.io"}),
		memberChange(plan.Create, "nina@x.io", "", "user"),
		groupGrantChange(plan.Create, "Blog", "analysts", "", "view"),
		groupChange(plan.Update, "managers", []string{"carol@x.io"}, []string{"dave@x.io"}),
		groupGrantChange(plan.Update, "Shop", "managers", "edit", "manage"),
		groupGrantChange(plan.Delete, "Shop", "managers", "manage", ""),
		groupChange(plan.Delete, "old", []string{}, nil),
	)
	var aid string
	for _, g := range e.srv.State().Groups {
		if g.Name == "analysts" {
			aid = g.ID
		}
	}
	e.wantAPI(res[0], "POST /api/user-groups/v1 201", "POST /api/users/v2/invite 201", "POST "+rel(aid)+" 204")
	e.wantAPI(res[1])
	e.wantAPI(res[2], permPath(blogID, "user-group", aid))
	e.wantAPI(res[3], "POST "+rel(mgrsID)+" 204", "DELETE "+rel(mgrsID)+" 204")
	e.wantAPI(res[4], permPath(shopID, "user-group", mgrsID))
	e.wantAPI(res[5], permPath(shopID, "user-group", mgrsID))
	e.wantAPI(res[6], "DELETE /api/user-groups/v1/90000000-0000-4000-8000-0000000000dd 204")
	if g := e.groups(); fmt.Sprint(g) != "map[Managers:dave@x.io analysts:dave@x.io,nina@x.io]" {
		t.Errorf("groups: %v", g)
	}
	if p := e.perms(); p["Blog/group:analysts"] != "view" || p["Shop/group:Managers"] != "" {
		t.Errorf("perms: %v", p)
	}
	if e.role("nina@x.io") != "USER" {
		t.Errorf("nina: %q", e.role("nina@x.io"))
	}
	// The group is found by its label now.
	if got := render(e.refresh().Objects); !strings.Contains(got, "group/acme/analysts [dave@x.io nina@x.io] "+aid) {
		t.Errorf("after apply:\n%s", got)
	}
}

func TestApplyGroupBatches(t *testing.T) {
	seed := acmeSeed()
	var members []string
	for i := 0; i < 1500; i++ {
		email := fmt.Sprintf("u%04d@x.io", i)
		seed.Users = append(seed.Users, fake.SeedUser{Email: email})
		members = append(members, email)
	}
	e := newEnv(t, seed, nil)
	e.refresh()
	res := e.applyAll(groupChange(plan.Create, "everyone", nil, members))
	if len(res[0].API) != 3 || !strings.HasSuffix(res[0].API[2], "/relationships/users 204") {
		t.Errorf("api: %q", res[0].API)
	}
	if g := e.groups(); strings.Count(g["everyone"], "@") != 1500 {
		t.Errorf("everyone has %d members", strings.Count(g["everyone"], "@"))
	}
}

func TestApplyHolderKindOnlyAndTeam(t *testing.T) {
	e := newEnv(t, acmeSeed(), nil)
	e.refresh()
	hk := grantChange(plan.Update, "Shop", "carol@x.io", "view", "view", model.HolderMember)
	hk.After.HolderKind = model.HolderGuest
	res := e.applyAll(hk, plan.Change{Addr: model.SiteAddress("acme", "Shop"), Action: plan.Create, After: site("Shop", "")})
	e.wantAPI(res[0])
	e.wantAPI(res[1])
	if len(e.srv.Requests()) != 0 {
		t.Errorf("requests: %q", e.srv.Requests())
	}
}

// recorder records each request's Content-Type.
type recorder struct {
	mu    sync.Mutex
	types map[string]string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Method != http.MethodGet {
		r.mu.Lock()
		r.types[req.Method+" "+req.URL.Path] = req.Header.Get("Content-Type")
		r.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestContentType(t *testing.T) {
	e := newEnv(t, acmeSeed(), []string{"g@x.io"})
	rec := &recorder{types: map[string]string{}}
	e.remake(rec)
	e.refresh()
	e.applyAll(
		groupChange(plan.Create, "analysts", nil, []string{"dave@x.io"}),
		memberChange(plan.Create, "n@x.io", "", "owner"),
		grantChange(plan.Create, "Shop", "g@x.io", "", "view", model.HolderGuest),
		groupChange(plan.Update, "managers", []string{"carol@x.io"}, []string{}),
	)
	if len(rec.types) < 6 {
		t.Fatalf("recorded %v", rec.types)
	}
	for req, ct := range rec.types {
		// piwikpro.md, Auth: every body is JSON:API, group creation
		// included ("send vnd.api+json anyway"); the token's is JSON.
		want := JSONAPI
		if req == "POST /auth/token" {
			want = "application/json"
		}
		if ct != want {
			t.Errorf("%s sent Content-Type %q, want %q", req, ct, want)
		}
	}
}

func TestTokenExpiredMidApply(t *testing.T) {
	e := newEnv(t, acmeSeed(), nil)
	e.refresh()
	dave := e.userID("dave@x.io")
	changes := []plan.Change{
		grantChange(plan.Create, "Shop", "dave@x.io", "", "view", model.HolderMember),
		grantChange(plan.Update, "Blog", "dave@x.io", "edit_publish", "manage", model.HolderMember),
		memberChange(plan.Update, "carol@x.io", "user", "owner"),
	}
	e.d.Begin(changes)
	res, err := e.d.Apply(context.Background(), &changes[0])
	if err != nil {
		t.Fatal(err)
	}
	e.wantAPI(res, permPath(shopID, "user", dave))
	// The fake lets every token expire: the next change gets 401, renews
	// once, and goes on.
	e.srv.ExpireTokens()
	res, err = e.d.Apply(context.Background(), &changes[1])
	if err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	p := "POST /api/access-control/v2/app/" + blogID + "/permission/user/" + dave
	e.wantAPI(res, p+" 401", "POST /auth/token 200", p+" 204")
	// By the driver's clock, a token a minute from its end is replaced
	// before the call.
	e.clock.Advance(29*time.Minute + 30*time.Second)
	res, err = e.d.Apply(context.Background(), &changes[2])
	if err != nil {
		t.Fatal(err)
	}
	e.wantAPI(res, "POST /auth/token 200", "PATCH /api/users/v2/"+e.userID("carol@x.io")+"/change-role 204")
	if e.perms()["Blog/dave@x.io"] != "manage" || e.role("carol@x.io") != "OWNER" {
		t.Errorf("perms %v", e.perms())
	}
	// A token that cannot be renewed ends the change with a clear error.
	e.srv.ExpireTokens()
	e.srv.Fail(fake.FailRule{Method: "POST", PathPrefix: "/auth/token", Status: 401})
	c := memberChange(plan.Delete, "dave@x.io", "user", "")
	e.d.Begin([]plan.Change{c})
	_, err = e.d.Apply(context.Background(), &c)
	if err == nil || !strings.Contains(err.Error(), "member/acme/dave@x.io") || !strings.Contains(err.Error(), "$"+tokenEnv+" holds the CLIENT_ID:CLIENT_SECRET") {
		t.Errorf("renewal refused: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name   string
		seed   func(*fake.Seed)
		change plan.Change
		want   string
	}{
		{"own account", nil, memberChange(plan.Delete, "owner@acme.com", "owner", ""),
			"member/acme/owner@acme.com: Piwik PRO refused the change (400): You cannot delete your own account. (users.error.cannot-delete-own-account)"},
		{"last owner", func(s *fake.Seed) { s.Users[1].Role = "USER" }, memberChange(plan.Delete, "owner@acme.com", "owner", ""),
			"member/acme/owner@acme.com: Piwik PRO refused the change (400): The account's last owner cannot be deleted. (users.error.cannot-delete-last-owner)"},
		{"own role", nil, memberChange(plan.Update, "owner@acme.com", "owner", "user"),
			"member/acme/owner@acme.com: Piwik PRO refused the change (400): You cannot change your own role. (users.error.cannot-change-own-role)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seed := acmeSeed()
			if c.seed != nil {
				c.seed(&seed)
			}
			e := newEnv(t, seed, nil)
			e.refresh()
			e.d.Begin([]plan.Change{c.change})
			res, err := e.d.Apply(context.Background(), &c.change)
			if err == nil || err.Error() != c.want {
				t.Fatalf("error:\n%v\nwant:\n%s", err, c.want)
			}
			var ae *driver.APIError
			if !errors.As(err, &ae) || ae.Status != 400 || ae.Platform != "Piwik PRO" || ae.Read || len(res.API) != 1 {
				t.Errorf("APIError %+v, api %q", ae, res.API)
			}
		})
	}
	// A permission the API refuses: its detail is the message.
	e := newEnv(t, acmeSeed(), nil)
	e.refresh()
	c := grantChange(plan.Create, "Shop", "dave@x.io", "", "copy", model.HolderMember)
	e.d.Begin([]plan.Change{c})
	if _, err := e.d.Apply(context.Background(), &c); err == nil || !strings.Contains(err.Error(), `Piwik PRO has no app permission "copy"`) {
		t.Errorf("unknown role: %v", err)
	}
	e.srv.Fail(fake.FailRule{Method: "POST", Status: 400,
		Body: `{"errors":[{"status":"400","code":"error.default","title":"Invalid form","detail":"Invalid permission \"copy\", available are: [no-access, view, edit, edit-publish, manage]"}]}`})
	c = grantChange(plan.Create, "Shop", "dave@x.io", "", "view", model.HolderMember)
	e.d.Begin([]plan.Change{c})
	if _, err := e.d.Apply(context.Background(), &c); err == nil || err.Error() !=
		`grant/acme/Shop/dave@x.io: Piwik PRO refused the change (400): Invalid permission "copy", available are: [no-access, view, edit, edit-publish, manage]` {
		t.Errorf("refused permission: %v", err)
	}
}

func TestInviteOfAnExistingUser(t *testing.T) {
	e := newEnv(t, acmeSeed(), []string{"late@x.io"})
	e.refresh()
	// Someone adds the user by hand after the refresh.
	id, err := e.srv.AddUser("late@x.io", "USER")
	if err != nil {
		t.Fatal(err)
	}
	res := e.applyAllNoCost(grantChange(plan.Create, "Shop", "late@x.io", "", "view", model.HolderGuest))
	e.wantAPI(res[0], "POST /api/users/v2/invite 400", "GET /api/users/v2 200", permPath(shopID, "user", id))
}

func (e *env) applyAllNoCost(changes ...plan.Change) []driver.Result {
	e.t.Helper()
	e.d.Begin(changes)
	var out []driver.Result
	for i := range changes {
		res, err := e.d.Apply(context.Background(), &changes[i])
		if err != nil {
			e.t.Fatalf("apply %s: %v", changes[i].Addr, err)
		}
		out = append(out, res)
	}
	return out
}

// TestPacing makes 150 writes with the fake server's limit of 60 a
// minute: the driver paces them by its clock (which moves the server's),
// never gets a 429, and never starts more than 60 in a minute.
func TestPacing(t *testing.T) {
	seed := acmeSeed()
	var changes []plan.Change
	for i := 0; i < 150; i++ {
		email := fmt.Sprintf("u%03d@x.io", i)
		seed.Users = append(seed.Users, fake.SeedUser{Email: email})
		changes = append(changes, grantChange(plan.Create, "Shop", email, "", "view", model.HolderMember))
	}
	e := newEnv(t, seed, nil, site("Shop", ""))
	var notes []string
	e.d = newDriver(e.team, Options{Clock: e.clock, Notify: func(m string) { notes = append(notes, m) }}, nil)
	e.refresh()
	var times []time.Time
	e.d.Begin(changes)
	for i := range changes {
		res, err := e.d.Apply(context.Background(), &changes[i])
		if err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
		for _, l := range res.API {
			if !strings.HasSuffix(l, " 204") {
				t.Fatalf("change %d: %q", i, res.API)
			}
		}
		times = append(times, e.clock.Now())
	}
	// The token request at t0 was a write too: 59 grants fit the first minute.
	for i := range times {
		j := i
		for j < len(times) && times[j].Sub(times[i]) < time.Minute {
			j++
		}
		if j-i > 60 {
			t.Fatalf("%d writes within a minute from %s", j-i, times[i])
		}
	}
	if el := e.clock.Now().Sub(t0); el < 2*time.Minute || el > 3*time.Minute {
		t.Errorf("150 writes took %s", el)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "about 60 changes a minute") {
		t.Errorf("notes: %q", notes)
	}
	if got := len(e.perms()); got != 153 {
		t.Errorf("%d permissions", got)
	}
}

func TestRefreshFailsClosed(t *testing.T) {
	cases := []struct {
		name string
		rule fake.FailRule
		want string
	}{
		{"users refused", fake.FailRule{Method: "GET", PathPrefix: "/api/users/", Status: 403},
			"Piwik PRO refused GET /api/users/v2 (403): You do not have permission to perform this action. (error.forbidden)"},
		{"server down", fake.FailRule{Method: "GET", PathPrefix: "/api/access-control/v2/app/" + blogID, Status: 503},
			"Piwik PRO refused GET /api/access-control/v2/app/" + blogID + "/permission/user (503): An internal error occurred. (error.internal)"},
		{"bad key", fake.FailRule{Method: "POST", PathPrefix: "/auth/token", Status: 401},
			"Piwik PRO refused POST /auth/token (401): Unauthorized; check that $ROSTER_TOKEN_ACME holds the CLIENT_ID:CLIENT_SECRET of a valid Piwik PRO API key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, acmeSeed(), nil)
			e.srv.Fail(c.rule)
			_, err := e.d.Refresh(context.Background())
			if err == nil || err.Error() != c.want {
				t.Fatalf("error:\n%v\nwant:\n%s", err, c.want)
			}
			var ae *driver.APIError
			if !errors.As(err, &ae) || !ae.Read {
				t.Errorf("not a read APIError: %#v", err)
			}
		})
	}
	e := newEnv(t, acmeSeed(), nil)
	e.team.Token = clientID + ":wrong"
	e.remake(nil)
	if _, err := e.d.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "POST /auth/token (401): Unauthorized") {
		t.Errorf("wrong secret: %v", err)
	}
}

func TestSecretsNeverShown(t *testing.T) {
	e := newEnv(t, acmeSeed(), nil)
	for _, bad := range []string{"no-colon-" + secret, ":" + secret, clientID + ":"} {
		e.team.Token = bad
		e.remake(nil)
		_, err := e.d.Refresh(context.Background())
		if err == nil || !strings.Contains(err.Error(), "$"+tokenEnv+" must hold a Piwik PRO API key as CLIENT_ID:CLIENT_SECRET") || strings.Contains(err.Error(), secret) {
			t.Errorf("token %q: %v", bad, err)
		}
		c := memberChange(plan.Delete, "dave@x.io", "user", "")
		if _, err := e.d.Apply(context.Background(), &c); err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("apply with token %q: %v", bad, err)
		}
	}
	e.team.Token = token
	e.remake(nil)
	// Answers that echo the credentials.
	e.srv.Fail(fake.FailRule{Method: "POST", PathPrefix: "/auth/token", Status: 400, Count: 1,
		Body: `{"error":"invalid_client","message":"client ` + clientID + ` with secret ` + secret + ` is unknown"}`})
	_, err1 := e.d.Refresh(context.Background())
	if err1 == nil {
		t.Fatal("no error")
	}
	e.refresh()
	e.srv.Fail(fake.FailRule{Method: "DELETE", Status: 500, Body: `{"errors":[{"status":"500","code":"boom","title":"Boom","detail":"boom ` + secret + ` ` + clientID + `"}]}`})
	c := memberChange(plan.Delete, "dave@x.io", "user", "")
	e.d.Begin([]plan.Change{c})
	res, err2 := e.d.Apply(context.Background(), &c)
	if err2 == nil {
		t.Fatal("no apply error")
	}
	all := []string{err1.Error(), err2.Error(), e.log.String(), strings.Join(res.API, "\n")}
	for _, s := range all {
		for _, sec := range []string{secret, clientID, e.d.api.tokens.Token()} {
			if strings.Contains(s, sec) {
				t.Errorf("%q shows in %q", sec, s)
			}
		}
	}
	if !strings.Contains(err1.Error(), "[redacted]") || !strings.Contains(e.log.String(), "POST /auth/token") {
		t.Errorf("error %q; log:\n%s", err1, e.log)
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
		{memberChange(plan.Update, "carol@x.io", "user", "owner"), false},
		{groupChange(plan.Create, "g", nil, []string{}), false},
		{grantChange(plan.Create, "Shop", "g@x.io", "", "view", model.HolderGuest), false},
	} {
		manual, reason := e.d.Manual(&c.change)
		if manual != c.want || (manual && !strings.Contains(reason, "display_name")) {
			t.Errorf("%s %s: %v %q", c.change.Action, c.change.Addr, manual, reason)
		}
	}
}

func TestCostWithoutRefresh(t *testing.T) {
	e := newEnv(t, acmeSeed(), []string{"g@agency.io"})
	e.team.Stored = []*model.Object{{Addr: model.GroupAddress("acme", "managers"), Members: []string{"carol@x.io"}}}
	n, budget := e.d.Cost([]plan.Change{
		grantChange(plan.Create, "Shop", "g@agency.io", "", "view", model.HolderGuest),
		grantChange(plan.Create, "Blog", "g@agency.io", "", "view", model.HolderGuest),
		memberChange(plan.Update, "carol@x.io", "user", "owner"),
		memberChange(plan.Delete, "dave@x.io", "user", ""),
		groupChange(plan.Update, "managers", []string{"carol@x.io"}, []string{"dave@x.io"}),
	})
	// reads: token, one page each of users, apps, meta-sites and groups,
	// one group's users, 2 per site; writes: invite + 2 permissions,
	// PATCH, POST and DELETE relationships, DELETE.
	if n != 1+4+1+4+(3+1+2+1) || budget != 0 {
		t.Errorf("cost %d, budget %d", n, budget)
	}
}

// A reply that repeats a member is refused (json/v2), not read as its
// last value: the token answer's included, whose error names the member
// and never its value.
func TestDuplicateMemberRefused(t *testing.T) {
	const leaked = "eyJsecret.token.value"
	for _, c := range []struct {
		rule fake.FailRule
		want string
	}{
		{fake.FailRule{Method: "POST", PathPrefix: "/auth/token", Status: 200,
			Body: `{"token_type":"Bearer","expires_in":1800,"access_token":"` + leaked + `","access_token":"x"}`},
			`Piwik PRO answered POST /auth/token with 200, but not in the shape roster expects: the answer repeats a key in an object (duplicate object member name "access_token")`},
		{fake.FailRule{Method: "GET", PathPrefix: "/api/users/", Status: 200,
			Body: `{"meta":{"total":1},"data":[{"id":"u1","attributes":{"email":"a@x.io","role":"USER","role":"OWNER"}}]}`},
			`Piwik PRO answered GET /api/users/v2 with 200, but not in the shape roster expects: the answer repeats a key in an object (duplicate object member name "role" within "/data/0/attributes")`},
	} {
		e := newEnv(t, acmeSeed(), nil)
		e.srv.Fail(c.rule)
		_, err := e.d.Refresh(context.Background())
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), leaked) || !errors.Is(err, httpc.ErrMalformed) {
			t.Errorf("error:\n%v\nwant:\n%s", err, c.want)
		}
	}
}

// A person invited since the refresh (by hand, in Piwik PRO) makes the
// invite answer 400 users.error.user-already-exists: the driver looks the
// user up and goes on (piwikpro.md, What a reconciler must do, 6), on the
// error's code, never its words.
func TestInviteOfAUserMadeSinceTheRefresh(t *testing.T) {
	e := newEnv(t, acmeSeed(), nil)
	e.refresh()
	id, err := e.srv.AddUser("late@x.io", "USER")
	if err != nil {
		t.Fatal(err)
	}
	c := memberChange(plan.Create, "late@x.io", "", "user")
	e.d.Begin([]plan.Change{c})
	res, err := e.d.Apply(context.Background(), &c)
	if err != nil || res.Outcome != driver.Applied {
		t.Fatalf("%+v %v", res, err)
	}
	if len(res.API) != 2 || res.API[0] != "POST /api/users/v2/invite 400" || !strings.HasPrefix(res.API[1], "GET /api/users/v2 200") {
		t.Errorf("api %q", res.API)
	}
	if u := e.d.st.users["late@x.io"]; u == nil || u.id != id {
		t.Errorf("the user found is %+v, want id %s", u, id)
	}
}

// A group whose name already fits the group pattern is labelled with it
// (sync.md, import: groups are labelled as sites are): the "-2" of
// another group's label never takes it.
func TestGroupLabelsKeepFittingNames(t *testing.T) {
	named := func(id, name string) Named {
		var n Named
		n.ID, n.Attributes.Name = id, name
		return n
	}
	d := &Driver{team: &driver.Team{}}
	got, err := d.groupLabels([]Named{named("1", "Analysts"), named("2", "analysts"), named("3", "analysts-2"), named("4", "Data Team"), named("5", "data-team")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"1": "analysts-3", "2": "analysts", "3": "analysts-2", "4": "data-team-2", "5": "data-team"}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("group %s labelled %q, want %q (all: %v)", id, got[id], w, got)
		}
	}
}

// One invited since the refresh and made an OWNER by hand is no user the
// plan saw: the invite's change fails, asking for a new plan, instead of
// demoting an owner with a change-role the plan never showed (sync.md,
// Reading safely: apply sends nothing the plan did not show; demotions
// from owner come last and only as planned).
func TestInviteOfAnOwnerMadeSinceTheRefresh(t *testing.T) {
	for _, c := range []plan.Change{
		memberChange(plan.Create, "late@x.io", "", "user"),
		grantChange(plan.Create, "Shop", "late@x.io", "", "view", model.HolderGuest),
	} {
		t.Run(c.Addr.String(), func(t *testing.T) {
			e := newEnv(t, acmeSeed(), []string{"late@x.io"})
			e.refresh()
			if _, err := e.srv.AddUser("late@x.io", "OWNER"); err != nil {
				t.Fatal(err)
			}
			e.d.Begin([]plan.Change{c})
			res, err := e.d.Apply(context.Background(), &c)
			if err == nil || !strings.Contains(err.Error(), "run roster plan again") {
				t.Errorf("applied (%+v, %v); want a failure asking for a new plan", res, err)
			}
			for _, l := range res.API {
				if !strings.HasPrefix(l, "POST /api/users/v2/invite ") && !strings.HasPrefix(l, "GET ") {
					t.Errorf("sent %s, which the plan did not show", l)
				}
			}
			if got := e.role("late@x.io"); got != "OWNER" {
				t.Errorf("late@x.io is %s now, want OWNER as made by hand", got)
			}
		})
	}
}

// TestRefreshMetaSiteAccess: access on a meta-site is access on a site
// the team does not declare (meta-sites are not managed: sync.md), so it
// keeps a person's USER as access on an undeclared app does (sync.md,
// Reading safely). Without reading it, a USER whose only access is a
// meta-site's would be planned for deletion as an undeclared member,
// cutting access the plan never showed.
func TestRefreshMetaSiteAccess(t *testing.T) {
	seed := acmeSeed()
	seed.MetaSites = []fake.SeedApp{{ID: "3e7a0000-0000-4000-8000-000000000001", Name: "All shops"}}
	seed.Users = append(seed.Users, fake.SeedUser{Email: "meta@x.io"})
	seed.Permissions = append(seed.Permissions, fake.SeedPermission{MetaSite: "All shops", Email: "meta@x.io", Permission: "view"})
	e := newEnv(t, seed, nil)
	snap := e.refresh()
	if got := render(snap.Objects); strings.Contains(got, "member/acme/meta@x.io") {
		t.Errorf("meta@x.io, with access on a meta-site only, is read as a member of their own:\n%s", got)
	}
	if got := render(snap.Implicit); !strings.Contains(got, "member/acme/meta@x.io user active") {
		t.Errorf("implicit:\n%s", got)
	}
	if got := fmt.Sprint(snap.Elsewhere); got != "map[meta@x.io:[All shops (meta-site)]]" {
		t.Errorf("elsewhere: %s", got)
	}
	reqs := strings.Join(e.srv.Requests(), "\n")
	for _, want := range []string{
		"GET /api/meta-sites/v1",
		"GET /api/access-control/v2/meta-site/3e7a0000-0000-4000-8000-000000000001/permission/user",
		"GET /api/access-control/v2/meta-site/3e7a0000-0000-4000-8000-000000000001/permission/user-group",
	} {
		if !strings.Contains(reqs, want) {
			t.Errorf("no %s in the refresh's requests:\n%s", want, reqs)
		}
	}
}
