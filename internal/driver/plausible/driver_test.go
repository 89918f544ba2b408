package plausible

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

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/driver/fakeclock"
	"github.com/roster-dev/roster/internal/driver/httpc"
	fake "github.com/roster-dev/roster/internal/fake/plausible"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

const (
	token    = "pl_s3cret_key_0123456789abcdef"
	teamKey  = "pl_team_key_for_acme_only"
	acmeID   = "0195e1a0-aaaa-4000-8000-000000000001"
	otherID  = "0195e1a0-bbbb-4000-8000-000000000002"
	guestsEP = "/api/v1/sites/guests"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// ticking is a transport on which every request takes d of fake time.
type ticking struct {
	clock *fakeclock.Clock
	d     time.Duration
}

func (t ticking) RoundTrip(r *http.Request) (*http.Response, error) {
	t.clock.Advance(t.d)
	return http.DefaultTransport.RoundTrip(r)
}

// acmeSeed: team Acme (owner, admin, editor members; sites a.com with an
// accepted viewer and an invited editor, b.com with an accepted editor,
// lab.com undeclared) and team Other (other.com), which owner@acme.com
// also belongs to. token is their legacy key (it sees both teams);
// teamKey is bound to Acme.
func acmeSeed() fake.Seed {
	return fake.Seed{
		Teams: []fake.SeedTeam{
			{ID: acmeID, Name: "Acme",
				Members: []fake.SeedMember{{Email: "owner@acme.com", Role: "owner"}, {Email: "admin@acme.com", Role: "admin"}, {Email: "ed@acme.com", Role: "editor"}},
				Sites: []fake.SeedSite{
					{Domain: "a.com", Guests: []fake.SeedGuest{
						{Email: "Viewer@Agency.io", Role: "viewer", InsertedAt: "2026-02-20T09:00:00Z"},
						{Email: "inv@agency.io", Role: "editor", Status: "invited", InsertedAt: "2026-03-02T09:00:00Z"},
					}},
					{Domain: "b.com", Guests: []fake.SeedGuest{{Email: "writer@agency.io", Role: "editor", InsertedAt: "2026-02-21T09:00:00Z"}}},
					{Domain: "lab.com", Guests: []fake.SeedGuest{{Email: "lab@agency.io", Role: "viewer", InsertedAt: "2026-02-21T09:00:00Z"}}},
				}},
			{ID: otherID, Name: "Other",
				Members: []fake.SeedMember{{Email: "owner@acme.com", Role: "owner"}},
				Sites:   []fake.SeedSite{{Domain: "other.com"}}},
		},
		Keys: []fake.SeedKey{
			{Key: token, Email: "owner@acme.com"},
			{Key: teamKey, Email: "owner@acme.com", Team: acmeID},
		},
	}
}

func site(name, remote string) *model.Object {
	return &model.Object{Addr: model.SiteAddress("acme", name), RemoteID: remote}
}

// env is a fake Plausible and a driver on it, sharing one fake clock.
type env struct {
	t     *testing.T
	srv   *fake.Server
	team  *driver.Team
	d     *Driver
	clock *fakeclock.Clock
	log   *bytes.Buffer
	mu    sync.Mutex
	notes []string
}

func newEnv(t *testing.T, seed fake.Seed, sites ...*model.Object) *env {
	t.Helper()
	e := &env{t: t, clock: fakeclock.New(t0), log: &bytes.Buffer{}}
	e.srv = fake.New(fake.Options{Seed: seed, Clock: e.clock.Now})
	t.Cleanup(e.srv.Close)
	if sites == nil {
		sites = []*model.Object{site("a.com", ""), site("Blog", "b.com")}
	}
	e.team = &driver.Team{
		Name: "acme", Conn: model.Connection{Endpoint: e.srv.URL, AccountID: acmeID}, Token: token, Sites: sites,
		Guests:  map[string]bool{"viewer@agency.io": true, "inv@agency.io": true, "writer@agency.io": true},
		Members: map[string]bool{"owner@acme.com": true, "admin@acme.com": true, "ed@acme.com": true},
	}
	e.rebuild(Options{}, nil)
	return e
}

// rebuild makes a new driver with opts (clock, log and notify filled in).
func (e *env) rebuild(opts Options, transport http.RoundTripper) {
	opts.Clock = e.clock
	opts.Log = e.log
	opts.UserAgent = "roster/test"
	opts.Notify = func(m string) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.notes = append(e.notes, m)
	}
	e.d = newDriver(e.team, opts, transport)
	e.d.parallel = 1
}

func (e *env) refresh() *driver.Snapshot {
	e.t.Helper()
	return drivertest.Refresh(e.t, e.d)
}

// render prints objects one per line: address role holder_kind status.
func render(objs []*model.Object) string {
	var b strings.Builder
	for _, o := range objs {
		fmt.Fprintf(&b, "%s %s %s %s\n", o.Addr, o.Role, o.HolderKind, o.Status)
	}
	return b.String()
}

func TestRefreshMapping(t *testing.T) {
	e := newEnv(t, acmeSeed())
	snap := e.refresh()
	want := `grant/acme/Blog/writer@agency.io editor guest active
grant/acme/a.com/inv@agency.io editor guest invited
grant/acme/a.com/viewer@agency.io viewer guest active
`
	if got := render(snap.Objects); got != want {
		t.Errorf("objects:\n%s\nwant:\n%s", got, want)
	}
	if !slices.Equal(snap.Invisible, []model.Kind{model.KindMember}) || snap.Self != "" || snap.Team != "acme" {
		t.Errorf("invisible %v, self %q, team %q", snap.Invisible, snap.Self, snap.Team)
	}
	if fmt.Sprint(snap.SiteIDs) != "map[Blog:b.com a.com:a.com]" {
		t.Errorf("site ids %v", snap.SiteIDs)
	}
	if !slices.Equal(snap.Notes, []string{"site lab.com is not declared; roster does not manage its guests"}) {
		t.Errorf("notes %q", snap.Notes)
	}
	var got []string
	for _, r := range e.srv.RequestLog() {
		got = append(got, r.Method+" "+r.Path+"?"+r.Query)
	}
	wantLog := []string{
		"GET /api/v1/sites/teams?limit=100",
		"GET /api/v1/sites?limit=100&team_id=" + acmeID,
		"GET /api/v1/sites/guests?limit=100&site_id=a.com",
		"GET /api/v1/sites/guests?limit=100&site_id=b.com",
	}
	if !slices.Equal(got, wantLog) {
		t.Errorf("requests:\n%s", strings.Join(got, "\n"))
	}
	if snap.Requests != 4 {
		t.Errorf("Requests = %d", snap.Requests)
	}
	// Team members never show: they are invisible, not absent.
	for _, o := range snap.Objects {
		if o.Addr.Kind == model.KindMember {
			t.Errorf("a member in the snapshot: %s", o.Addr)
		}
	}
}

func TestTeamSelection(t *testing.T) {
	cases := []struct {
		name, key, account string
		err                []string
	}{
		{"account_id", token, acmeID, nil},
		{"team-scoped key", teamKey, "", nil},
		{"team-scoped key and its id", teamKey, acmeID, nil},
		{"several teams", token, "", []string{"team acme: the Plausible API key sees 2 teams: \"Other\" (" + otherID + "), \"Acme\" (" + acmeID + "); set connection.account_id"}},
		{"unknown account_id", token, "0195e1a0-ffff-4000-8000-00000000ffff", []string{`connection.account_id "0195e1a0-ffff-4000-8000-00000000ffff" is not a Plausible team the API key can see`, `"Acme" (` + acmeID + ")"}},
		{"another team's id, team key", teamKey, otherID, []string{"is not a Plausible team the API key can see", `it sees "Acme"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, acmeSeed())
			e.team.Token, e.team.Conn.AccountID = c.key, c.account
			e.rebuild(Options{}, nil)
			snap, err := e.d.Refresh(context.Background())
			if c.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(snap.Objects) != 3 || e.d.teamID != acmeID {
					t.Errorf("team %s, objects:\n%s", e.d.teamID, render(snap.Objects))
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.err {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			// An unknown team would list every site unfiltered: nothing
			// past the teams is read.
			if got := e.srv.Requests(); !slices.Equal(got, []string{"GET /api/v1/sites/teams"}) {
				t.Errorf("requests %q", got)
			}
		})
	}
	// A key that sees no team.
	seed := acmeSeed()
	seed.Keys = append(seed.Keys, fake.SeedKey{Key: "pl_guest_key", Email: "viewer@agency.io"})
	e := newEnv(t, seed)
	e.team.Token, e.team.Conn.AccountID = "pl_guest_key", ""
	e.rebuild(Options{}, nil)
	if _, err := e.d.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "sees no team") {
		t.Errorf("no team: %v", err)
	}
}

func TestSiteResolution(t *testing.T) {
	cases := []struct {
		name  string
		sites []*model.Object
		ids   string
		err   []string
	}{
		{"by name", []*model.Object{site("a.com", "")}, "map[a.com:a.com]", nil},
		{"by remote_id, any case", []*model.Object{site("Main", "A.COM"), site("Blog", "b.com")}, "map[Blog:b.com Main:a.com]", nil},
		{"missing", []*model.Object{site("shop", "")}, "", []string{`site "shop": Plausible team ` + acmeID + ` has no site with domain "shop"; its sites are lab.com, b.com, a.com. Set remote_id`}},
		{"bad remote_id", []*model.Object{site("shop", "shop.com")}, "", []string{`remote_id "shop.com" is not a site of Plausible team`}},
		{"another team's site", []*model.Object{site("other.com", "")}, "", []string{`no site with domain "other.com"`}},
		{"two sites, one domain", []*model.Object{site("a.com", ""), site("Main", "a.com")}, "", []string{`sites "a.com" and "Main" both name Plausible site a.com`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, acmeSeed(), c.sites...)
			snap, err := e.d.Refresh(context.Background())
			drivertest.WantSites(t, snap, err, c.ids, c.err)
		})
	}
}

func TestPaging(t *testing.T) {
	seed := fake.Seed{
		Teams: []fake.SeedTeam{{ID: acmeID, Name: "Acme", Members: []fake.SeedMember{{Email: "owner@acme.com", Role: "owner"}}}},
		Keys:  []fake.SeedKey{{Key: token, Email: "owner@acme.com"}},
	}
	for i := 1; i <= 250; i++ {
		seed.Teams[0].Sites = append(seed.Teams[0].Sites, fake.SeedSite{Domain: fmt.Sprintf("s%03d.com", i)})
	}
	for i := 0; i < 230; i++ {
		seed.Teams[0].Sites[0].Guests = append(seed.Teams[0].Sites[0].Guests,
			fake.SeedGuest{Email: fmt.Sprintf("g%03d@agency.io", i), Role: "viewer", Status: []string{"accepted", "invited"}[i%2]})
	}
	e := newEnv(t, seed, site("s001.com", ""), site("s250.com", ""))
	snap := e.refresh()
	count := map[string]int{}
	for _, r := range e.srv.RequestLog() {
		count[r.Path]++
		if !strings.Contains(r.Query, "limit=100") {
			t.Errorf("%s?%s does not ask for 100", r.Path, r.Query)
		}
	}
	if count["/api/v1/sites"] != 3 || count[guestsEP] != 3+1 || count["/api/v1/sites/teams"] != 1 {
		t.Errorf("pages: %v", count)
	}
	if len(snap.Notes) != 248 || len(snap.Objects) != 230 || snap.Requests != 8 {
		t.Errorf("%d notes, %d objects, %d requests", len(snap.Notes), len(snap.Objects), snap.Requests)
	}
	invited := 0
	for _, o := range snap.Objects {
		if o.Status == model.StatusInvited {
			invited++
		}
	}
	if invited != 115 {
		t.Errorf("%d invited", invited)
	}
	// Cost counts the same pages.
	if n, budget := e.d.Cost(nil); n != 8 || budget != 600 {
		t.Errorf("Cost(nil) = %d, %d", n, budget)
	}
}

// grantChange builds a change of a guest grant.
func grantChange(action plan.Action, site, email, before, after string, status model.Status) plan.Change {
	addr := model.PersonGrantAddress("acme", site, email)
	c := plan.Change{Addr: addr, Action: action}
	if before != "" {
		c.Before = &model.Object{Addr: addr, Role: before, HolderKind: model.HolderGuest, Status: status}
	}
	if after != "" {
		c.After = &model.Object{Addr: addr, Role: after, HolderKind: model.HolderGuest}
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
		c.After = &model.Object{Addr: addr, Role: after}
	}
	return c
}

// applyAll runs Begin, then Manual and Apply over changes like the engine,
// and checks that Cost predicted the requests made (after the refresh).
func (e *env) applyAll(changes ...plan.Change) []driver.Result {
	e.t.Helper()
	before := len(e.srv.Requests())
	cost, _ := e.d.Cost(changes)
	e.d.Begin(changes)
	reads := cost
	for i := range changes {
		c := &changes[i]
		if manual, _ := e.d.Manual(c); manual || c.Addr.Kind != model.KindGrant {
			continue
		}
		switch {
		case c.Action == plan.Update && roleChange(c):
			reads -= 2
		case c.Action != plan.Update:
			reads--
		}
	}
	var out []driver.Result
	for i := range changes {
		if manual, _ := e.d.Manual(&changes[i]); manual {
			out = append(out, driver.Result{Outcome: driver.Manual})
			continue
		}
		res, err := e.d.Apply(context.Background(), &changes[i])
		if err != nil {
			e.t.Fatalf("apply %s: %v", changes[i].Addr, err)
		}
		out = append(out, res)
	}
	if writes := len(e.srv.Requests()) - before; cost != reads+writes {
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

func (e *env) wantGuests(domain string, want ...string) {
	e.t.Helper()
	if got := e.srv.Guests(domain); !slices.Equal(got, want) {
		e.t.Errorf("%s guests:\n%s\nwant:\n%s", domain, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

const (
	put = "PUT " + guestsEP + " 200"
)

func del(email string) string { return "DELETE " + guestsEP + "/" + email + " 200" }

func TestApplyPaths(t *testing.T) {
	e := newEnv(t, acmeSeed())
	e.refresh()
	res := e.applyAll(
		grantChange(plan.Create, "a.com", "new@agency.io", "", "viewer", ""),
		grantChange(plan.Create, "Blog", "writer@agency.io", "", "editor", ""), // already there, same role
		grantChange(plan.Update, "a.com", "inv@agency.io", "editor", "viewer", model.StatusInvited),
		grantChange(plan.Delete, "Blog", "writer@agency.io", "editor", "", model.StatusActive),
		grantChange(plan.Delete, "a.com", "gone@agency.io", "viewer", "", model.StatusActive), // unknown: silent
	)
	e.wantResult(res[0], driver.Invited, put)
	e.wantResult(res[1], driver.Applied, put)
	e.wantResult(res[2], driver.Invited, del("inv@agency.io"), put)
	e.wantResult(res[3], driver.Applied, del("writer@agency.io"))
	e.wantResult(res[4], driver.Applied, del("gone@agency.io"))
	e.wantGuests("a.com", "Viewer@Agency.io viewer accepted", "inv@agency.io viewer invited", "new@agency.io viewer invited")
	e.wantGuests("b.com")
	// The DELETE carried site_id in its query.
	log := e.srv.RequestLog()
	if last := log[len(log)-1]; last.Query != "site_id=a.com" || last.Status != 200 {
		t.Errorf("last request: %+v", last)
	}
	// A holder-kind-only update sends nothing.
	hk := grantChange(plan.Update, "a.com", "new@agency.io", "viewer", "viewer", model.StatusInvited)
	hk.After.HolderKind = model.HolderMember
	res = e.applyAll(hk)
	e.wantResult(res[0], driver.Invited)
}

func TestApplyReinvite(t *testing.T) {
	up := grantChange(plan.Update, "a.com", "viewer@agency.io", "viewer", "editor", model.StatusActive)
	// Without --reinvite: a manual step, never sent.
	e := newEnv(t, acmeSeed())
	e.refresh()
	if manual, reason := e.d.Manual(&up); !manual || !strings.Contains(reason, "has accepted the invitation to a.com") || !strings.Contains(reason, "--reinvite") {
		t.Errorf("manual %v %q", manual, reason)
	}
	e.srv.ResetRequests()
	if _, err := e.d.Apply(context.Background(), &up); err == nil || !strings.Contains(err.Error(), "manual step") {
		t.Errorf("apply without reinvite: %v", err)
	}
	if n, _ := e.d.Cost([]plan.Change{up}); n != 4 {
		t.Errorf("cost of a manual step: %d reads and writes", n)
	}
	if len(e.srv.Requests()) != 0 {
		t.Errorf("requests: %q", e.srv.Requests())
	}
	// With it: removed and invited again.
	e = newEnv(t, acmeSeed())
	e.rebuild(Options{Reinvite: true}, nil)
	e.refresh()
	if manual, _ := e.d.Manual(&up); manual {
		t.Error("manual with Reinvite")
	}
	res := e.applyAll(up)
	e.wantResult(res[0], driver.Invited, del("viewer@agency.io"), put)
	e.wantGuests("a.com", "inv@agency.io editor invited", "viewer@agency.io editor invited")
}

func TestApplyFindOrCreateOtherRole(t *testing.T) {
	// Someone gave the guest another role by hand after the refresh.
	e := newEnv(t, acmeSeed())
	e.refresh()
	if err := e.srv.AddGuest("b.com", "late@agency.io", "viewer", "accepted"); err != nil {
		t.Fatal(err)
	}
	c := grantChange(plan.Create, "Blog", "late@agency.io", "", "editor", "")
	res, err := e.d.Apply(context.Background(), &c)
	want := "grant/acme/Blog/late@agency.io: Plausible refused the change (200): late@agency.io is already a guest of b.com as viewer (accepted), and Plausible's API cannot change a guest's role; run roster plan again to see it as drift"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
	var ae *driver.APIError
	if !errors.As(err, &ae) || ae.Request != "PUT "+guestsEP || ae.Read {
		t.Errorf("APIError %+v", ae)
	}
	if !slices.Equal(res.API, []string{put}) {
		t.Errorf("api %q", res.API)
	}
	e.wantGuests("b.com", "late@agency.io viewer accepted", "writer@agency.io editor accepted")
	// Only invited, by hand since the refresh: the change fails too. The
	// DELETE that would replace that invitation is no request the plan
	// showed (sync.md, Reading safely: apply sends nothing the plan did
	// not show); the next plan shows it as an "invitation updated".
	if err := e.srv.AddGuest("b.com", "pending@agency.io", "viewer", "invited"); err != nil {
		t.Fatal(err)
	}
	c = grantChange(plan.Create, "Blog", "pending@agency.io", "", "editor", "")
	res, err = e.d.Apply(context.Background(), &c)
	want = "grant/acme/Blog/pending@agency.io: Plausible refused the change (200): pending@agency.io has been invited to b.com as viewer since the plan was made, and roster does not replace an invitation the plan did not show; run roster plan again"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
	if !slices.Equal(res.API, []string{put}) {
		t.Errorf("api %q", res.API)
	}
	e.wantGuests("b.com", "late@agency.io viewer accepted", "pending@agency.io viewer invited", "writer@agency.io editor accepted")
}

func TestNeverInviteTeamMember(t *testing.T) {
	e := newEnv(t, acmeSeed())
	e.refresh()
	e.srv.ResetRequests()
	for _, email := range []string{"ed@acme.com", "promoted@agency.io"} {
		c := grantChange(plan.Create, "a.com", email, "", "viewer", "")
		changes := []plan.Change{memberChange(plan.Create, "promoted@agency.io", "", "viewer"), c}
		e.d.Begin(changes)
		manual, reason := e.d.Manual(&c)
		if !manual || !strings.Contains(reason, email+" is a team member of acme") || !strings.Contains(reason, "Invite guest") {
			t.Errorf("%s: manual %v %q", email, manual, reason)
		}
		if _, err := e.d.Apply(context.Background(), &c); err == nil || !strings.Contains(err.Error(), "never sends a guest invitation for a team member's email") {
			t.Errorf("%s: apply: %v", email, err)
		}
		if n, _ := e.d.Cost(changes); n != 4 {
			t.Errorf("cost %d", n)
		}
	}
	if got := e.srv.Requests(); len(got) != 0 {
		t.Errorf("requests were sent: %q", got)
	}
}

func TestPromotion(t *testing.T) {
	// viewer@agency.io becomes a team admin: the member change is manual,
	// and so are their guest removals (Plausible drops them itself).
	e := newEnv(t, acmeSeed())
	e.refresh()
	changes := []plan.Change{
		memberChange(plan.Create, "viewer@agency.io", "", "admin"),
		grantChange(plan.Delete, "a.com", "viewer@agency.io", "viewer", "", model.StatusActive),
		grantChange(plan.Delete, "Blog", "writer@agency.io", "editor", "", model.StatusActive), // not promoted
	}
	res := e.applyAll(changes...)
	e.wantResult(res[0], driver.Manual)
	e.wantResult(res[1], driver.Manual)
	e.wantResult(res[2], driver.Applied, del("writer@agency.io"))
	if _, reason := e.d.Manual(&changes[1]); !strings.Contains(reason, "is being made a team member of acme; Plausible removes their guest access to a.com itself") {
		t.Errorf("reason %q", reason)
	}
	// The person does it by hand; the next refresh sees no guest row.
	if err := e.srv.Promote(acmeID, "viewer@agency.io", "admin"); err != nil {
		t.Fatal(err)
	}
	if got := render(e.refresh().Objects); strings.Contains(got, "viewer@agency.io") {
		t.Errorf("after promotion:\n%s", got)
	}
}

func TestManual(t *testing.T) {
	e := newEnv(t, acmeSeed())
	e.refresh()
	teamAddr := model.TeamAddress("acme")
	cases := []struct {
		name   string
		change plan.Change
		want   string // "" not manual; else part of the reason
	}{
		{"member create", memberChange(plan.Create, "new@acme.com", "", "viewer"), "no API for team members"},
		{"member update", memberChange(plan.Update, "ed@acme.com", "editor", "admin"), "Team Settings → General"},
		{"member delete", memberChange(plan.Delete, "ed@acme.com", "editor", ""), "no API for team members"},
		{"team update", plan.Change{Addr: teamAddr, Action: plan.Update, Before: &model.Object{Addr: teamAddr}, After: &model.Object{Addr: teamAddr, DisplayName: "A"}}, "team settings"},
		{"team create", plan.Change{Addr: teamAddr, Action: plan.Create, After: &model.Object{Addr: teamAddr}}, ""},
		{"site create", plan.Change{Addr: model.SiteAddress("acme", "a.com"), Action: plan.Create, After: &model.Object{Addr: model.SiteAddress("acme", "a.com")}}, ""},
		{"guest create", grantChange(plan.Create, "a.com", "x@agency.io", "", "viewer", ""), ""},
		{"guest delete", grantChange(plan.Delete, "a.com", "viewer@agency.io", "viewer", "", model.StatusActive), ""},
		{"invited role change", grantChange(plan.Update, "a.com", "inv@agency.io", "editor", "viewer", model.StatusInvited), ""},
		{"accepted role change", grantChange(plan.Update, "a.com", "viewer@agency.io", "viewer", "editor", model.StatusActive), "cannot change a guest's role"},
		{"accepted, expiry only", grantChange(plan.Update, "a.com", "viewer@agency.io", "viewer", "viewer", model.StatusActive), ""},
		{"member's email", grantChange(plan.Create, "a.com", "admin@acme.com", "", "viewer", ""), "refuses a guest invitation for a team member's email"},
		{"member's guest removal", grantChange(plan.Delete, "a.com", "ed@acme.com", "viewer", "", model.StatusActive), "is being made a team member"},
	}
	for _, c := range cases {
		manual, reason := e.d.Manual(&c.change)
		if manual != (c.want != "") || !strings.Contains(reason, c.want) {
			t.Errorf("%s: %v %q, want %q", c.name, manual, reason, c.want)
		}
	}
}

func TestApplyErrors(t *testing.T) {
	e := newEnv(t, acmeSeed())
	c := grantChange(plan.Create, "a.com", "x@agency.io", "", "viewer", "")
	if _, err := e.d.Apply(context.Background(), &c); err == nil || !strings.Contains(err.Error(), "must refresh") {
		t.Errorf("before refresh: %v", err)
	}
	e.refresh()
	for _, tc := range []struct {
		change plan.Change
		want   string
	}{
		{grantChange(plan.Create, "a.com", "x@agency.io", "", "admin", ""), "no guest role \"admin\"; use viewer or editor"},
		{grantChange(plan.Create, "shop", "x@agency.io", "", "viewer", ""), `site "shop" is not a declared site`},
		{memberChange(plan.Create, "x@acme.com", "", "viewer"), "no API for team members"},
		{plan.Change{Addr: model.GroupGrantAddress("acme", "a.com", "g"), Action: plan.Create}, "no groups"},
	} {
		if _, err := e.d.Apply(context.Background(), &tc.change); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.change.Addr, err, tc.want)
		}
	}
	// A refusal carries Plausible's message.
	e.srv.Fail(fake.FailRule{Method: "PUT", Status: 402, Count: 1})
	res, err := e.d.Apply(context.Background(), &c)
	want := "grant/acme/a.com/x@agency.io: Plausible refused the change (402): API key does not have access to Sites API"
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
	if !slices.Equal(res.API, []string{"PUT " + guestsEP + " 402"}) {
		t.Errorf("api %q", res.API)
	}
	// A team member's email that roster did not know: Plausible's 500 is
	// its answer, sent once and never retried, and said for what it means.
	c = grantChange(plan.Create, "a.com", "secret-admin@acme.com", "", "viewer", "")
	if err := e.srv.AddMember(acmeID, "secret-admin@acme.com", "admin"); err != nil {
		t.Fatal(err)
	}
	res, err = e.d.Apply(context.Background(), &c)
	var ae *driver.APIError
	if !errors.As(err, &ae) || ae.Status != 500 || !strings.Contains(ae.Message, "already a member of team acme") || len(res.API) != 1 {
		t.Errorf("member PUT: %v, api %q", err, res.API)
	}
	// Any other 5xx is a passing fault, retried as sync.md says for a PUT
	// ("GET, PUT, PATCH and DELETE are retried on 429 and 5xx"): only the
	// 500 is Plausible's answer to a team member's email.
	for _, status := range []int{502, 503, 504} {
		email := fmt.Sprintf("flaky%d@agency.io", status)
		c = grantChange(plan.Create, "a.com", email, "", "viewer", "")
		e.srv.Fail(fake.FailRule{Method: "PUT", Status: status, Count: 1})
		res, err = e.d.Apply(context.Background(), &c)
		if err != nil || res.Outcome != driver.Invited {
			t.Errorf("PUT answered %d once: %v (outcome %s)", status, err, res.Outcome)
		}
		if want := []string{fmt.Sprintf("PUT %s %d", guestsEP, status), put}; !slices.Equal(res.API, want) {
			t.Errorf("PUT answered %d once: api %q, want %q", status, res.API, want)
		}
	}
}

func TestRefreshFailsClosed(t *testing.T) {
	cases := []struct {
		name string
		rule fake.FailRule
		want string
	}{
		{"guests down", fake.FailRule{Method: "GET", PathPrefix: guestsEP, Status: 503},
			"Plausible refused GET /api/v1/sites/guests (503): internal server error"},
		{"bad key", fake.FailRule{Method: "GET", PathPrefix: "/api/v1/sites/teams", Status: 401},
			"Plausible refused GET /api/v1/sites/teams (401): Invalid API key. Please make sure you're using a valid API key with access to the resource you've requested; check that the team's token variable holds a Sites API key of the team (Plausible: New API Key, of type Sites API)"},
		{"not JSON", fake.FailRule{Method: "GET", PathPrefix: "/api/v1/sites", Status: 200, Body: "<html>"},
			"Plausible answered GET /api/v1/sites/teams with 200, but not in the shape roster expects: the answer is not JSON"},
		{"no list", fake.FailRule{Method: "GET", PathPrefix: "/api/v1/sites", Status: 200, Body: `{"meta":{"after":null}}`},
			"Plausible answered GET /api/v1/sites/teams with 200, but not in the shape roster expects: teams is missing"},
		{"null list", fake.FailRule{Method: "GET", PathPrefix: guestsEP, Status: 200, Body: `{"guests":null,"meta":{"after":null}}`},
			"Plausible answered GET /api/v1/sites/guests with 200, but not in the shape roster expects: guests is null where a list belongs"},
		{"no paging", fake.FailRule{Method: "GET", PathPrefix: "/api/v1/sites", Status: 200, Body: `{"teams":[],"meta":{}}`},
			"meta.after is missing"},
		{"empty page promising more", fake.FailRule{Method: "GET", PathPrefix: "/api/v1/sites/teams", Status: 200, Body: `{"teams":[],"meta":{"after":"x"}}`},
			"Plausible answered GET /api/v1/sites/teams with paging that does not keep its word: page 1 is empty while the paging promises more"},
		{"endless", fake.FailRule{Method: "GET", PathPrefix: "/api/v1/sites/teams", Status: 200, Body: `{"teams":[{"id":"t","name":"T"}],"meta":{"after":"x"}}`},
			"Plausible answered GET /api/v1/sites/teams with the same page twice"},
		{"odd status", fake.FailRule{Method: "GET", PathPrefix: guestsEP, Status: 200, Body: `{"guests":[{"email":"a@b.io","role":"viewer","status":"pending"}],"meta":{"after":null}}`},
			`with status "pending", which roster does not know`},
		// json/v2: a repeated member is refused, named without its value.
		{"repeated member", fake.FailRule{Method: "GET", PathPrefix: "/api/v1/sites/teams", Status: 200, Body: `{"teams":[],"teams":[{"id":"t","name":"T"}],"meta":{"after":null}}`},
			`Plausible answered GET /api/v1/sites/teams with 200, but not in the shape roster expects: the answer repeats a key in an object (duplicate object member name "teams")`},
		{"error not a string", fake.FailRule{Method: "GET", PathPrefix: "/api/v1/sites/teams", Status: 422, Body: `{"error": {"team_id": ["is invalid"]}}`},
			`Plausible refused GET /api/v1/sites/teams (422): {"team_id": ["is invalid"]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, acmeSeed())
			e.srv.Fail(c.rule)
			_, err := e.d.Refresh(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error:\n%v\nwant:\n%s", err, c.want)
			}
		})
	}
	// Another team's site with a team-scoped key: 401, no access.
	seed := acmeSeed()
	e := newEnv(t, seed, site("a.com", ""))
	e.team.Token = teamKey
	e.rebuild(Options{}, nil)
	e.refresh()
	e.d.siteIDs["a.com"] = "other.com"
	c := grantChange(plan.Create, "a.com", "x@agency.io", "", "viewer", "")
	if _, err := e.d.Apply(context.Background(), &c); err == nil || !strings.Contains(err.Error(), "(401): Invalid API key") {
		t.Errorf("other team's site: %v", err)
	}
}

func TestInvitationExpiry(t *testing.T) {
	e := newEnv(t, acmeSeed())
	e.refresh()
	res := e.applyAll(grantChange(plan.Create, "Blog", "new@agency.io", "", "viewer", ""))
	e.wantResult(res[0], driver.Invited, put)
	snap := e.refresh()
	if !strings.Contains(render(snap.Objects), "grant/acme/Blog/new@agency.io viewer guest invited") {
		t.Fatalf("invited:\n%s", render(snap.Objects))
	}
	// 47 hours on, it is still there; at the second 01:00 UTC after 48
	// hours, the daily job deletes it (and inv@agency.io, invited at 09:00).
	e.clock.Advance(47 * time.Hour)
	if !strings.Contains(render(e.refresh().Objects), "new@agency.io") {
		t.Fatal("expired too early")
	}
	e.clock.Advance(16 * time.Hour) // 2026-03-05 01:00
	want := `grant/acme/Blog/writer@agency.io editor guest active
grant/acme/a.com/viewer@agency.io viewer guest active
`
	if got := render(e.refresh().Objects); got != want {
		t.Errorf("after expiry:\n%s\nwant:\n%s", got, want)
	}
	// Planned again, the invitation is sent again.
	again := grantChange(plan.Create, "Blog", "new@agency.io", "", "viewer", "")
	again.Why = plan.WhyInvitationExpired
	res = e.applyAll(again)
	e.wantResult(res[0], driver.Invited, put)
	e.wantGuests("b.com", "new@agency.io viewer invited", "writer@agency.io editor accepted")
}

func TestPacing(t *testing.T) {
	// 700 invitations on 7 sites, each request taking 100 ms of fake time
	// from 10:00:00: 600 requests fit in the first hour, then the driver
	// waits for 11:00 (plus 5 s) and says so once.
	seed := acmeSeed()
	var sites []*model.Object
	for s := 0; s < 7; s++ {
		dom := fmt.Sprintf("site%d.com", s)
		seed.Teams[0].Sites = append(seed.Teams[0].Sites, fake.SeedSite{Domain: dom})
		sites = append(sites, site(dom, ""))
	}
	e := newEnv(t, seed, sites...)
	e.rebuild(Options{}, ticking{clock: e.clock, d: 100 * time.Millisecond})
	e.refresh()
	var changes []plan.Change
	for i := 0; i < 700; i++ {
		changes = append(changes, grantChange(plan.Create, fmt.Sprintf("site%d.com", i%7), fmt.Sprintf("g%03d@agency.io", i), "", "viewer", ""))
	}
	cost, budget := e.d.Cost(changes)
	if cost != 1+1+7+700 || budget != 600 {
		t.Fatalf("Cost = %d, %d", cost, budget)
	}
	e.srv.ResetRequests()
	e.d.Refresh(context.Background())
	e.d.Begin(changes)
	for i := range changes {
		res, err := e.d.Apply(context.Background(), &changes[i])
		if err != nil || res.Outcome != driver.Invited {
			t.Fatalf("change %d: %v %v", i, res, err)
		}
	}
	perHour := map[int]int{}
	for _, r := range e.srv.RequestLog() {
		perHour[r.At.Hour()]++
		if r.Status != 200 {
			t.Fatalf("%s %s answered %d", r.Method, r.Path, r.Status)
		}
	}
	if total := perHour[10] + perHour[11] + perHour[12]; total != cost {
		t.Errorf("%d requests made, Cost said %d", total, cost)
	}
	if perHour[10] > 600 || perHour[11] > 600 || perHour[10] < 590 {
		t.Errorf("requests per clock hour: %v", perHour)
	}
	e.mu.Lock()
	notes := slices.Clone(e.notes)
	e.mu.Unlock()
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "team acme: Plausible allows 600 requests an hour; waiting ") || !strings.HasSuffix(notes[0], "for the next hour (11:00 UTC)") {
		t.Errorf("notes %q", notes)
	}
	if s := e.clock.Slept(); len(s) != 1 || s[0] < 58*time.Minute {
		t.Errorf("sleeps %v", s)
	}
	if n := len(e.srv.Guests("site3.com")); n != 100 {
		t.Errorf("site3.com has %d guests", n)
	}
	// Another 1,000 invitations cost 1,000 writes after the reads, at the
	// team's own budget.
	changes = changes[:0]
	for i := 0; i < 1000; i++ {
		changes = append(changes, grantChange(plan.Create, fmt.Sprintf("site%d.com", i%7), fmt.Sprintf("h%04d@agency.io", i), "", "editor", ""))
	}
	e.team.Conn.RequestsPerHour = 1200
	e.rebuild(Options{}, nil)
	e.refresh()
	if cost, budget := e.d.Cost(changes); cost != 1+1+(1+1+1+1+1+1+1)+1000 || budget != 1200 {
		t.Errorf("Cost of 1,000 = %d, %d", cost, budget)
	}
	for i := 0; i < 7; i++ {
		e.srv.AddSite(acmeID, fmt.Sprintf("more%d.com", i), "")
	}
	for i := 0; i < 150; i++ {
		e.srv.AddGuest("site0.com", fmt.Sprintf("x%03d@agency.io", i), "viewer", "")
	}
	e.refresh() // site0.com: 250 guests, 3 pages
	if cost, _ := e.d.Cost(changes); cost != 1+1+(3+1+1+1+1+1+1)+1000 {
		t.Errorf("Cost after growth = %d", cost)
	}
}

func TestThrottled(t *testing.T) {
	// Someone else spent the key's hour: Plausible answers 429 without
	// Retry-After, and the driver waits for the next clock hour.
	e := newEnv(t, acmeSeed())
	e.clock.Advance(15 * time.Minute) // 10:15
	e.refresh()
	if err := e.srv.Spend(token, 600); err != nil {
		t.Fatal(err)
	}
	c := grantChange(plan.Create, "a.com", "new@agency.io", "", "viewer", "")
	res, err := e.d.Apply(context.Background(), &c)
	if err != nil {
		t.Fatal(err)
	}
	e.wantResult(res, driver.Invited, "PUT "+guestsEP+" 429", put)
	if s := e.clock.Slept(); !slices.Equal(s, []time.Duration{45*time.Minute + 5*time.Second}) {
		t.Errorf("sleeps %v", s)
	}
	want := "team acme: Plausible refused a request because the hourly API budget is used up (600 requests an hour); waiting 45m5s for the next hour (11:00 UTC)"
	if !slices.Equal(e.notes, []string{want}) {
		t.Errorf("notes %q", e.notes)
	}

	// Past --max-wait: a clear error, no waiting.
	e = newEnv(t, acmeSeed())
	e.rebuild(Options{MaxWait: 10 * time.Minute}, nil)
	e.refresh()
	e.srv.Spend(token, 600)
	res, err = e.d.Apply(context.Background(), &c)
	if err == nil || !errors.Is(err, httpc.ErrBudgetUsedUp) {
		t.Fatalf("err = %v", err)
	}
	for _, w := range []string{"grant/acme/a.com/new@agency.io: Plausible: PUT /api/v1/sites/guests stopped: the hourly API budget is used up (600 requests an hour)",
		"--max-wait", "Run the command again after 11:00 UTC"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	if len(e.clock.Slept()) != 0 || !slices.Equal(res.API, []string{"PUT " + guestsEP + " 429"}) {
		t.Errorf("sleeps %v, api %q", e.clock.Slept(), res.API)
	}
	e.wantGuests("a.com", "Viewer@Agency.io viewer accepted", "inv@agency.io editor invited")

	// A refresh waits too.
	e = newEnv(t, acmeSeed())
	e.srv.Spend(token, 600)
	snap := e.refresh()
	if len(snap.Objects) != 3 || snap.Requests != 5 || len(e.clock.Slept()) != 1 {
		t.Errorf("refresh after 429: %d objects, %d requests, sleeps %v", len(snap.Objects), snap.Requests, e.clock.Slept())
	}
}

func TestSecretsNeverShown(t *testing.T) {
	e := newEnv(t, acmeSeed())
	e.srv.Fail(fake.FailRule{Method: "GET", PathPrefix: "/api/v1/sites/teams", Status: 401, Count: 1,
		Body: `{"error":"Invalid API key ` + token + `"}`})
	_, err := e.d.Refresh(context.Background())
	if err == nil {
		t.Fatal("no error")
	}
	e.refresh()
	e.srv.Fail(fake.FailRule{Method: "PUT", Status: 400, Body: `{"error":"bad Bearer ` + token + `"}`})
	c := grantChange(plan.Create, "a.com", "new@agency.io", "", "viewer", "")
	_, err2 := e.d.Apply(context.Background(), &c)
	if err2 == nil {
		t.Fatal("no apply error")
	}
	e.srv.ClearFailures()
	e.srv.Spend(token, 600)
	e.d.Apply(context.Background(), &c)
	for _, s := range append([]string{err.Error(), err2.Error(), e.log.String()}, e.notes...) {
		if strings.Contains(s, token) {
			t.Errorf("the key shows in %q", s)
		}
	}
	if !strings.Contains(err.Error(), "[redacted]") || !strings.Contains(err2.Error(), "[redacted]") || !strings.Contains(e.log.String(), "GET /api/v1/sites/teams") {
		t.Errorf("errors %q, %q; log:\n%s", err, err2, e.log)
	}
}

func TestNew(t *testing.T) {
	srv := fake.New(fake.Options{Seed: acmeSeed(), Now: t0})
	defer srv.Close()
	team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: srv.URL, AccountID: acmeID}, Token: token,
		Sites: []*model.Object{site("a.com", "")}, Members: map[string]bool{}, Guests: map[string]bool{},
		Declared: []*model.Object{{Addr: model.MemberAddress("acme", "boss@acme.com"), Role: "owner"}}}
	d := New(team, Options{})
	// Before a refresh, Cost counts one page of everything.
	if n, budget := d.Cost([]plan.Change{grantChange(plan.Create, "a.com", "x@agency.io", "", "viewer", "")}); n != 1+1+1+1 || budget != DefaultRequestsPerHour {
		t.Errorf("Cost before refresh = %d, %d", n, budget)
	}
	snap, err := d.Refresh(context.Background())
	if err != nil || len(snap.Objects) != 2 {
		t.Fatalf("%v %v", snap, err)
	}
	if _, budget := d.Cost(nil); budget != DefaultRequestsPerHour {
		t.Errorf("budget %d", budget)
	}
	c := grantChange(plan.Create, "a.com", "boss@acme.com", "", "viewer", "")
	if manual, _ := d.Manual(&c); !manual {
		t.Error("a declared member's email is not manual")
	}
}
