package live

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/driver"
	_ "github.com/roster-dev/roster/internal/goldenfile" // -update, for go test ./...
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

func siteObj(team, name, remoteID, def string) *model.Object {
	return &model.Object{Addr: model.SiteAddress(team, name), RemoteID: remoteID, DefaultAccess: def}
}

// TestNewViewSiteDefaults checks how a refresh's site ids and defaults
// reach the planner: desired sites take both, stored sites of refreshed
// teams appear in Live with the live default, and nothing shared changes.
func TestNewViewSiteDefaults(t *testing.T) {
	snaps := map[string]*driver.Snapshot{"ph": {
		Team:     "ph",
		SiteIDs:  map[string]string{"app": "1", "web": "2"},
		Defaults: map[string]string{"app": "member", "web": "none"},
	}}
	offline := siteObj("off", "x", "", "")
	desired := []*model.Object{siteObj("ph", "app", "", ""), siteObj("ph", "web", "2", ""), offline}
	storedWeb := siteObj("ph", "web", "2", "")
	prior := []*model.Object{storedWeb, siteObj("off", "x", "", "admin")}
	v := NewView(snaps, desired, prior)

	if d := v.Desired[0]; d.RemoteID != "1" || d.DefaultAccess != "member" {
		t.Errorf("desired app: remote_id %q, default_access %q; want 1, member", d.RemoteID, d.DefaultAccess)
	}
	if d := v.Desired[1]; d.RemoteID != "2" || d.DefaultAccess != "none" {
		t.Errorf("desired web: remote_id %q, default_access %q; want 2, none", d.RemoteID, d.DefaultAccess)
	}
	if v.Desired[2] != offline {
		t.Errorf("an offline team's site was copied: %+v", v.Desired[2])
	}
	if desired[0].RemoteID != "" || desired[0].DefaultAccess != "" || storedWeb.DefaultAccess != "" {
		t.Errorf("NewView changed its input: %+v %+v", desired[0], storedWeb)
	}
	var live []string
	for _, o := range v.Live {
		live = append(live, o.Addr.String()+" "+o.DefaultAccess)
	}
	if want := []string{"site/ph/web none"}; !slices.Equal(live, want) {
		t.Errorf("live %q, want %q (stored sites of refreshed teams only)", live, want)
	}
}

func TestStoredDefaultWarnings(t *testing.T) {
	cfg := &model.Config{Objects: []*model.Object{
		{Addr: model.TeamAddress("ph"), Connected: true, Decl: &model.Decl{Connection: &model.Connection{Endpoint: "https://ph.invalid"}}},
		{Addr: model.TeamAddress("off"), Decl: &model.Decl{}},
	}}
	prior := []*model.Object{
		siteObj("ph", "app", "1", "member"), siteObj("ph", "web", "2", "none"), siteObj("ph", "new", "", ""),
		siteObj("off", "x", "", "admin"),
	}
	got := StoredDefaultWarnings(cfg, prior)
	if len(got) != 1 || !strings.HasPrefix(got[0], `team ph: site app gave every organization member "member" access by default when last read; declared grants cannot narrow it`) {
		t.Errorf("warnings %q", got)
	}
}

// TestForgottenGuestsNote: a guest whose only grants are on a site no
// longer declared, and who is not declared, is warned about; one with a
// grant on a declared site, or declared, is not.
func TestForgottenGuestsNote(t *testing.T) {
	grant := func(site, email string) *model.Object {
		return &model.Object{Addr: model.PersonGrantAddress("ph", site, email), Role: "member", HolderKind: model.HolderGuest}
	}
	prior := []*model.Object{
		grant("gone", "gus@x.io"), grant("gone", "kay@x.io"), grant("kept", "kay@x.io"), grant("gone", "dee@x.io"),
	}
	desired := []*model.Object{siteObj("ph", "kept", "", ""), grant("kept", "dee@x.io")}
	declaredSite := map[model.Address]bool{model.SiteAddress("ph", "kept"): true}
	got := forgottenGuests("ph", prior, desired, declaredSite)
	if len(got) != 1 || !strings.HasPrefix(got[0], "team ph: gus@x.io's grants are forgotten with their sites") {
		t.Errorf("notes %q", got)
	}
}

// TestImplicitMemberships: an implicit membership goes only when its
// holder is declared nowhere in the team and holds nothing on undeclared
// sites; otherwise the plan says, when their declared access goes, that it
// stays and why (schema/sync.md, Reading safely).
func TestImplicitMemberships(t *testing.T) {
	member := func(email string) *model.Object {
		return &model.Object{Addr: model.MemberAddress("ph", email), Role: "member", Status: model.StatusActive}
	}
	grant := func(email string) *model.Object {
		return &model.Object{Addr: model.PersonGrantAddress("ph", "app", email), Role: "member", HolderKind: model.HolderGuest, Status: model.StatusActive}
	}
	site := siteObj("ph", "app", "1", "")
	group := &model.Object{Addr: model.GroupAddress("ph", "crew"), Members: []string{"grp@x.io"}}
	cases := []struct {
		name      string
		email     string
		elsewhere []string
		desired   []*model.Object // besides the site
		gone      bool
		note      string // a part of the note, "" for none
	}{
		{"declared nowhere, nothing elsewhere: goes", "a@x.io", nil, nil, true, ""},
		{"declared nowhere, access elsewhere: stays, said", "b@x.io", []string{"Lab"}, nil, false, "b@x.io loses their access on the team's declared sites only; their account membership stays, because they hold access on sites the team does not declare (Lab)"},
		{"still declared with a grant: stays, nothing to say", "c@x.io", nil, []*model.Object{grant("c@x.io")}, false, ""},
		{"still in a group: stays, said", "grp@x.io", nil, []*model.Object{group}, false, "grp@x.io loses their own grants on the team's declared sites; their account membership stays, because the team still declares them (a member of group crew)"},
		// Someone only invited (PostHog): the invitation is the
		// membership, and the plan says it is sent again.
		{"invited, declared nowhere, access elsewhere: stays, said", "inv-b@x.io", []string{"Lab"}, nil, false, "inv-b@x.io loses their invited access on the team's declared sites only; their invitation to the account stays, sent again (deleted and invited anew) with only its access on sites the team does not declare (Lab)"},
		{"invited, declared nowhere, nothing elsewhere: goes", "inv-a@x.io", nil, nil, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := member(tc.email)
			if strings.HasPrefix(tc.email, "inv-") {
				m.Status = model.StatusInvited
			}
			snaps := map[string]*driver.Snapshot{"ph": {
				Team:      "ph",
				Objects:   []*model.Object{grant(tc.email)},
				Implicit:  []*model.Object{m},
				Elsewhere: map[string][]string{tc.email: tc.elsewhere},
			}}
			desired := append([]*model.Object{site}, tc.desired...)
			v := NewView(snaps, desired, []*model.Object{site, grant(tc.email)})
			if gone := len(v.Gone) == 1; gone != tc.gone {
				t.Errorf("gone %v, want %v", v.Gone, tc.gone)
			}
			if tc.gone && !slices.ContainsFunc(v.WithPrior(nil), func(o *model.Object) bool { return o.Addr == member(tc.email).Addr }) {
				t.Error("the membership that goes is not in the prior the planner removes it from")
			}
			notes := strings.Join(v.Notes, "\n")
			if tc.note == "" && strings.Contains(notes, "membership stays") || tc.note != "" && !strings.Contains(notes, tc.note) {
				t.Errorf("notes:\n%s\nwant a note with %q", notes, tc.note)
			}
		})
	}
}

// TestCheckStaleDependencies: a saved plan is stale when what a change
// depends on moved, not only the changed object (schema/sync.md).
func TestCheckStaleDependencies(t *testing.T) {
	ben := &model.Object{Addr: model.MemberAddress("ph", "ben@x.io"), Role: "member", Status: model.StatusActive}
	benGrant := &model.Object{Addr: model.PersonGrantAddress("ph", "app", "ben@x.io"), Role: "member", HolderKind: model.HolderMember}
	gg := &model.Object{Addr: model.GroupGrantAddress("ph", "app", "crew"), Role: "view", HolderKind: model.HolderGroup, Status: model.StatusActive}
	crew := &model.Object{Addr: model.GroupAddress("ph", "crew"), Members: []string{"a@x.io"}}
	crew2 := &model.Object{Addr: model.GroupAddress("ph", "crew"), Members: []string{"a@x.io", "b@x.io"}}
	view := func(live []*model.Object, elsewhere map[string][]string) *View {
		return &View{LiveTeams: map[string]bool{"ph": true}, Live: live,
			Implicit: map[string]map[string]*model.Object{}, Elsewhere: map[string]map[string][]string{"ph": elsewhere}}
	}
	raised := gg.Clone()
	raised.Role = "manage"
	annView := &model.Object{Addr: model.PersonGrantAddress("mt", "Blog", "ann@x.io"), Role: "view", HolderKind: model.HolderMember, Status: model.StatusActive}
	annWrite := annView.Clone()
	annWrite.Role = "write"
	annTagged := annView.Clone()
	annTagged.Capabilities = []string{"tagmanager_write"}
	matomo := func(live ...*model.Object) *View {
		return &View{LiveTeams: map[string]bool{"mt": true}, Live: live,
			Implicit: map[string]map[string]*model.Object{}, Elsewhere: map[string]map[string][]string{}}
	}
	admin := ben.Clone()
	admin.Role = "admin"
	cases := []struct {
		name    string
		changes []plan.Change
		at, now *View
		want    string // "" for fresh
	}{
		{"a grant, its holder unchanged", []plan.Change{{Addr: benGrant.Addr, Action: plan.Create, After: benGrant}},
			view([]*model.Object{ben}, nil), view([]*model.Object{ben}, nil), ""},
		{"a grant, its holder removed by hand", []plan.Change{{Addr: benGrant.Addr, Action: plan.Create, After: benGrant}},
			view([]*model.Object{ben}, nil), view(nil, nil), "member/ph/ben@x.io, which a change depends on"},
		{"a grant, its holder's role changed", []plan.Change{{Addr: benGrant.Addr, Action: plan.Create, After: benGrant}},
			view([]*model.Object{ben}, nil), view([]*model.Object{admin}, nil), "member/ph/ben@x.io, which a change depends on"},
		{"a group's members, its grant raised", []plan.Change{{Addr: crew.Addr, Action: plan.Update, Before: crew, After: crew2}},
			view([]*model.Object{crew, gg}, nil), view([]*model.Object{crew, raised}, nil), "grant/ph/app/group:crew, which a change depends on"},
		{"a group's members, a grant appeared", []plan.Change{{Addr: crew.Addr, Action: plan.Update, Before: crew, After: crew2}},
			view([]*model.Object{crew}, nil), view([]*model.Object{crew, gg}, nil), "grant/ph/app/group:crew, which group/ph/crew depends on, appeared"},
		{"a membership's removal, access elsewhere appeared", []plan.Change{{Addr: ben.Addr, Action: plan.Delete, Before: ben}},
			view([]*model.Object{ben}, nil), view([]*model.Object{ben}, map[string][]string{"ben@x.io": {"Lab"}}), "on sites the team does not declare"},
		{"a membership's removal, a grant appeared", []plan.Change{{Addr: ben.Addr, Action: plan.Delete, Before: ben}},
			view([]*model.Object{ben}, nil), view([]*model.Object{ben, benGrant}, nil), "appeared"},
		// Matomo's setUserAccess replaces a grant's capabilities with the
		// plan's: one added by hand since would go unseen.
		{"a grant's role, a capability added by hand", []plan.Change{{Addr: annView.Addr, Action: plan.Update, Before: annView, After: annWrite}},
			matomo(annView), matomo(annTagged), "grant/mt/Blog/ann@x.io is no longer as planned"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &plan.Plan{Changes: tc.changes}
			p.Seen = Depends(p, tc.at)
			err := CheckStale(p, tc.now)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "stale plan: team "+tc.changes[0].Addr.Team)):
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// TestPersonAccessImplicit: a membership kept for access on undeclared
// sites is still access that `access --live` reports (an offboarding
// proof must not miss it).
func TestPersonAccessImplicit(t *testing.T) {
	m := &model.Object{Addr: model.MemberAddress("ph", "gus@x.io"), Role: "member", Status: model.StatusActive}
	snaps := map[string]*driver.Snapshot{"ph": {Team: "ph", Implicit: []*model.Object{m}, Elsewhere: map[string][]string{"gus@x.io": {"Lab"}}}}
	got := PersonAccess(snaps, nil, "gus@x.io")
	if len(got) != 1 || got[0].Addr != m.Addr || got[0].Kind != model.KindMember {
		t.Errorf("holdings %+v, want gus's membership", got)
	}
	if got := PersonAccess(snaps, nil, "ann@x.io"); len(got) != 0 {
		t.Errorf("someone else's membership reported: %+v", got)
	}
}

// TestNewViewSiteRoleAccess: the access roles give reaches desired and
// live sites with the default, one entry per member of each role, sorted;
// a stored site whose roles give nothing now is live without any.
func TestNewViewSiteRoleAccess(t *testing.T) {
	snaps := map[string]*driver.Snapshot{"ph": {
		Team:     "ph",
		SiteIDs:  map[string]string{"app": "1", "web": "2"},
		Defaults: map[string]string{"app": "none", "web": "none"},
		RoleAccess: []driver.RoleAccess{
			{Site: "app", Role: "Analysts", RoleID: "r1", Level: "admin", Members: []string{"tom@x.io", "mia@x.io"}},
			{Site: "app", Role: "Empty", RoleID: "r2", Level: "member"},
			{Site: "app", Role: "Data", RoleID: "r3", Level: "member", Members: []string{"mia@x.io"}},
		},
	}}
	storedWeb := siteObj("ph", "web", "2", "none")
	storedWeb.RoleAccess = []model.RoleAccess{{Person: "ann@x.io", Level: "member", Role: "Gone"}}
	storedApp := siteObj("ph", "app", "1", "none")
	desired := []*model.Object{siteObj("ph", "app", "", ""), siteObj("ph", "web", "", "")}
	v := NewView(snaps, desired, []*model.Object{storedApp, storedWeb})
	str := func(l []model.RoleAccess) string {
		var s []string
		for _, r := range l {
			s = append(s, r.String())
		}
		return strings.Join(s, "; ")
	}
	const app = "mia@x.io: admin via role Analysts; mia@x.io: member via role Data; tom@x.io: admin via role Analysts"
	if got := str(v.Desired[0].RoleAccess); got != app {
		t.Errorf("desired app: %q, want %q", got, app)
	}
	if v.Desired[1].RoleAccess != nil {
		t.Errorf("desired web: %v", v.Desired[1].RoleAccess)
	}
	for _, o := range v.Live {
		want := map[string]string{"app": app, "web": ""}[o.Addr.Site]
		if got := str(o.RoleAccess); got != want {
			t.Errorf("live %s: %q, want %q", o.Addr, got, want)
		}
	}
	if len(v.Live) != 2 || len(storedWeb.RoleAccess) != 1 {
		t.Errorf("live %d objects; stored web %v", len(v.Live), storedWeb.RoleAccess)
	}
	// The plan shows both moves as drift of the site, and no change.
	p := plan.Make(plan.Input{Desired: v.Desired, Prior: []*model.Object{storedApp, storedWeb}, Live: v.Live, LiveTeams: v.LiveTeams})
	var drift []string
	for _, d := range p.Drift {
		drift = append(drift, d.Addr.String())
	}
	if want := []string{"site/ph/app", "site/ph/web"}; !slices.Equal(drift, want) {
		t.Errorf("drift %q, want %q", drift, want)
	}
	if len(p.Changes) != 0 {
		t.Errorf("changes %+v", p.Changes)
	}
}

// TestNewViewMoot: a snapshot's moot addresses of its own team are left
// alone by the planner (Keep); another team's are not taken.
func TestNewViewMoot(t *testing.T) {
	moot := model.PersonGrantAddress("ga", "web", "ann@acme.com")
	snaps := map[string]*driver.Snapshot{"ga": {Team: "ga", Moot: []model.Address{moot, model.PersonGrantAddress("other", "web", "x@y.io")}}}
	v := NewView(snaps, nil, nil)
	if !v.Keep[moot.String()] || len(v.Keep) != 1 {
		t.Errorf("keep %v", v.Keep)
	}
}

// checker is a driver that refuses any plan with a removal in it.
type checker struct {
	driver.Driver
	got []string
}

func (c *checker) CheckPlan(changes []plan.Change) error {
	for _, ch := range changes {
		c.got = append(c.got, ch.Addr.String())
		if ch.Action == plan.Delete {
			return errors.New(ch.Addr.String() + " would be removed")
		}
	}
	return nil
}

// TestCheckDrivers: each checking driver sees its own team's changes
// (the state's own changes left out) and its refusal names the team.
func TestCheckDrivers(t *testing.T) {
	ga, other := &checker{}, &checker{}
	p := &plan.Plan{Changes: []plan.Change{
		{Addr: model.MemberAddress("ga", "ann@acme.com"), Action: plan.Delete},
		{Addr: model.SiteAddress("ga", "web"), Action: plan.Create},
		{Addr: model.MemberAddress("ok", "bob@acme.com"), Action: plan.Create},
	}}
	err := CheckDrivers(p, map[string]driver.Driver{"ga": ga, "ok": other, "plain": nil})
	if err == nil || err.Error() != "team ga: member/ga/ann@acme.com would be removed" {
		t.Errorf("error %v", err)
	}
	if !slices.Equal(ga.got, []string{"member/ga/ann@acme.com"}) || !slices.Equal(other.got, []string{"member/ok/bob@acme.com"}) {
		t.Errorf("ga saw %v, ok saw %v", ga.got, other.got)
	}
}

// TestEndpointPasswordNeverShown: $ROSTER_ENDPOINT_<TEAM> may carry a
// proxy's user and password; an endpoint refused is quoted without it.
func TestEndpointPasswordNeverShown(t *testing.T) {
	for _, ep := range []string{
		"http://proxy:Pr0xyPassw0rd@matomo.example.com",
		"ftp://proxy:Pr0xyPassw0rd@matomo.example.com",
		"https://proxy:Pr0xy/Passw0rd@matomo.example.com",
	} {
		err := CheckEndpoint(ep)
		if err == nil || strings.Contains(err.Error(), "Passw0rd") || !strings.Contains(err.Error(), "matomo.example.com") {
			t.Errorf("CheckEndpoint(%q) = %v, want an error naming the host, without the password", ep, err)
		}
	}
}

// TestCheckEndpoint holds $ROSTER_ENDPOINT_<TEAM> to sync.md's rule for
// endpoints: https://, or http:// to a loopback address; a host name is
// compared without regard to case, as the configuration's check does.
func TestCheckEndpoint(t *testing.T) {
	for _, tc := range []struct {
		endpoint string
		ok       bool
	}{
		{"https://eu.posthog.com", true},
		{"https://EU.PostHog.com/", true},
		{"http://127.0.0.1:8080", true},
		{"http://[::1]:8080", true},
		{"http://localhost:8080", true},
		{"http://LocalHost:8080", true},
		{"HTTP://LOCALHOST", true},
		{"http://eu.posthog.com", false},
		{"http://10.0.0.1", false},
		{"http://localhost.example.com", false},
		{"ftp://localhost", false},
		{"eu.posthog.com", false},
	} {
		err := CheckEndpoint(tc.endpoint)
		if (err == nil) != tc.ok {
			t.Errorf("CheckEndpoint(%q) = %v, want ok %v", tc.endpoint, err, tc.ok)
		}
	}
}
