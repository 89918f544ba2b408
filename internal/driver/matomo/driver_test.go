package matomo

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/fakeclock"
	"github.com/roster-dev/roster/internal/fake/fakekit"
	fake "github.com/roster-dev/roster/internal/fake/matomo"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// seed: root (superuser, the token's owner), ann (write + publish on Shop),
// pen (pending invitation), old (expired invitation), on Shop (1) and
// Blog (2).
func seed() fake.Seed {
	return fake.Seed{
		Tokens: map[string]string{token: "root", "admin-token": "ann"},
		Users: []fake.SeedUser{
			{Login: "root", Email: "root@acme.com", Superuser: true},
			{Login: "ann", Email: "ann@acme.com"},
			{Login: "pen@x.io", Email: "pen@x.io", InviteExpires: "2026-03-05T00:00:00Z", InvitedBy: "root"},
			{Login: "old@x.io", Email: "old@x.io", InviteExpires: "2026-03-01T00:00:00Z", InvitedBy: "root"},
			{Login: "vic", Email: "vic@acme.com"},
		},
		Sites: []fake.SeedSite{{ID: 1, Name: "Shop"}, {ID: 2, Name: "Blog"}, {ID: 3, Name: "Old"}},
		Access: []fake.SeedAccess{
			{Login: "ann", Site: 1, Access: []string{"admin"}},
			{Login: "ann", Site: 2, Access: []string{"write", "tagmanager_publish_live_container"}},
			{Login: "pen@x.io", Site: 1, Access: []string{"view"}},
			{Login: "old@x.io", Site: 1, Access: []string{"view"}},
			{Login: "vic", Site: 3, Access: []string{"view"}},
		},
	}
}

func start(t *testing.T, s fake.Seed, guests ...string) (*fake.Server, *Driver) {
	t.Helper()
	srv := fake.New(fake.Options{Seed: s, Now: t0})
	t.Cleanup(srv.Close)
	g := map[string]bool{}
	for _, e := range guests {
		g[e] = true
	}
	team := &driver.Team{Name: "m", Conn: model.Connection{Endpoint: srv.URL, AccountID: "root", TokenEnv: "ROSTER_TOKEN_M"}, Token: token,
		Sites: []*model.Object{site("Shop", ""), site("Blog", "2")}, Guests: g, Members: map[string]bool{}}
	return srv, newDriver(team, driver.Options{Clock: fakeclock.New(t0)}, nil)
}

func find(objs []*model.Object, addr string) *model.Object {
	for _, o := range objs {
		if o.Addr.String() == addr {
			return o
		}
	}
	return nil
}

func TestRefreshReadsUsersAndAccess(t *testing.T) {
	srv, d := start(t, seed(), "pen@x.io")
	snap, err := d.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Self != "root@acme.com" {
		t.Errorf("self %q", snap.Self)
	}
	if o := find(snap.Objects, "member/m/root@acme.com"); o == nil || o.Role != "superuser" {
		t.Errorf("root: %+v", o)
	}
	if o := find(snap.Objects, "grant/m/Blog/ann@acme.com"); o == nil || o.Role != "write" || !slices.Equal(o.Capabilities, []string{"tagmanager_publish_live_container"}) {
		t.Errorf("ann on Blog: %+v", o)
	}
	if o := find(snap.Objects, "grant/m/Shop/pen@x.io"); o == nil || o.Status != model.StatusInvited || o.HolderKind != model.HolderGuest {
		t.Errorf("pending guest's grant: %+v", o)
	}
	if o := find(snap.Objects, "member/m/pen@x.io"); o != nil {
		t.Errorf("a guest's implicit account is reported: %+v", o)
	}
	// An expired invitation is left out: the plan invites again.
	for _, o := range snap.Objects {
		if o.Addr.Email == "old@x.io" {
			t.Errorf("expired invitation reported: %s", o.Addr)
		}
	}
	// 5 reads and one page per declared site; never the token in the
	// query, always format=JSON (the fake refuses otherwise).
	lines := srv.Requests()
	if len(lines) != 7 || snap.Requests != 7 {
		t.Errorf("%d requests (%d counted): %q", len(lines), snap.Requests, lines)
	}
	// The version is read once per driver.
	srv.ResetRequests()
	if _, err := d.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, l := range srv.Requests() {
		if strings.Contains(l, "getMatomoVersion") {
			t.Errorf("version read again: %q", srv.Requests())
		}
	}
}

func TestBadInputIsOneLineNamingTeamAndMethod(t *testing.T) {
	cases := []struct {
		name  string
		setup func(srv *fake.Server, d *Driver)
		want  []string
	}{
		{"not a superuser's token", func(srv *fake.Server, d *Driver) { d.api.token = "admin-token"; d.team.Token = "admin-token" },
			[]string{"not a superuser's", "UsersManager.getSitesAccessFromUser", "401"}},
		{"token refused", func(srv *fake.Server, d *Driver) { d.api.token = "nope"; d.team.Token = "nope" },
			[]string{"401", "Check $ROSTER_TOKEN_M: roster needs the token_auth of a superuser"}},
		{"account_id not a superuser", func(srv *fake.Server, d *Driver) { d.team.Conn.AccountID = "ann" },
			[]string{"account_id \"ann\"", "UsersManager.getUsersHavingSuperUserAccess"}},
		{"unknown site id", func(srv *fake.Server, d *Driver) { d.team.Sites[1] = site("Blog", "99") },
			[]string{"team m", "Blog", "99", "SitesManager.getSitesWithAdminAccess"}},
		{"error body on a 200", func(srv *fake.Server, d *Driver) {
			srv.Fail(fakekit.FailRule{PathPrefix: "/index.php?method=UsersManager.getUsers&", Status: 200, Body: `{"result":"error","message":"Creating, updating, and deleting users has been disabled."}`, Count: 1})
		}, []string{"UsersManager.getUsers", "(200)", "has been disabled"}},
		// Answers with HTTP 200 that echo the request, token_auth and
		// all (a PHP page in debug mode, a proxy's or firewall's page):
		// the token is redacted as in the answers of any other status.
		{"error body on a 200 echoing the token", func(srv *fake.Server, d *Driver) {
			srv.Fail(fakekit.FailRule{PathPrefix: "/index.php?method=UsersManager.getUsers&", Status: 200, Body: `{"result":"error","message":"The token_auth ` + token + ` may not call this."}`, Count: 1})
		}, []string{"UsersManager.getUsers", "(200)", "may not call this", "[redacted]"}},
		{"non-JSON 200 echoing the request", func(srv *fake.Server, d *Driver) {
			srv.Fail(fakekit.FailRule{PathPrefix: "/index.php?method=UsersManager.getUsers&", Status: 200, Body: "<html>Request blocked: module=API&amp;token_auth=" + token + "&amp;format=JSON</html>", Count: 1})
		}, []string{"UsersManager.getUsers", "HTTP 200, but not with JSON", "[redacted]"}},
		{"non-JSON 500", func(srv *fake.Server, d *Driver) {
			srv.Fail(fakekit.FailRule{PathPrefix: "/index.php?method=UsersManager.getUsersPlusRole", Status: 500, Body: "<b>Fatal error</b>", Count: 1})
		}, []string{"UsersManager.getUsersPlusRole", "500", "not JSON"}},
		{"too old", func(srv *fake.Server, d *Driver) {
			srv.Fail(fakekit.FailRule{PathPrefix: "/index.php?method=API.getMatomoVersion", Status: 200, Body: `{"value":"4.11.0"}`})
		}, []string{"4.11.0", "4.12", "API.getMatomoVersion"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, d := start(t, seed())
			c.setup(srv, d)
			snap, err := d.Refresh(context.Background())
			if err == nil {
				t.Fatalf("refresh read %d objects", len(snap.Objects))
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || strings.Contains(msg, token) || strings.Contains(msg, "admin-token") {
				t.Errorf("not one line, or holds the token: %q", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q lacks %q", msg, w)
				}
			}
		})
	}
}

func change(action plan.Action, addr model.Address, before, after *model.Object) plan.Change {
	return plan.Change{Addr: addr, Action: action, Before: before, After: after}
}

func grantObj(site, email, role string, caps ...string) *model.Object {
	return &model.Object{Addr: model.PersonGrantAddress("m", site, email), Role: role, Capabilities: caps, HolderKind: model.HolderGuest}
}

func accessOf(t *testing.T, srv *fake.Server, login string, site int) []string {
	t.Helper()
	for _, a := range srv.Dump().Access {
		if a.Login == login && a.Site == site {
			return a.Access
		}
	}
	return nil
}

// A role change re-sends the site's capabilities in the same call: none is
// wiped (setUserAccess replaces the whole grant).
func TestRoleChangeKeepsCapabilities(t *testing.T) {
	srv, d := start(t, seed())
	if _, err := d.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := grantObj("Blog", "ann@acme.com", "write", "tagmanager_publish_live_container")
	after := grantObj("Blog", "ann@acme.com", "view", "tagmanager_publish_live_container", "tagmanager_write")
	c := change(plan.Update, before.Addr, before, after)
	d.Begin([]plan.Change{c})
	srv.ResetRequests()
	res, err := d.Apply(context.Background(), &c)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != driver.Applied || len(res.API) != 1 || res.API[0] != "POST /index.php 200" {
		t.Errorf("result %+v", res)
	}
	if got := accessOf(t, srv, "ann", 2); !slices.Equal(got, []string{"view", "tagmanager_publish_live_container", "tagmanager_write"}) {
		t.Errorf("ann on Blog: %q", got)
	}
}

// A new guest is invited on their first grant's site, with an expiry; a
// role beyond view is set next; an expired invitation is resent once.
func TestInviteAndResend(t *testing.T) {
	srv, d := start(t, seed(), "new@x.io", "old@x.io")
	if _, err := d.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	g1 := grantObj("Shop", "new@x.io", "write")
	g2 := grantObj("Blog", "new@x.io", "view", "tagmanager_write")
	o1 := grantObj("Shop", "old@x.io", "view")
	o2 := grantObj("Blog", "old@x.io", "admin")
	changes := []plan.Change{change(plan.Create, g1.Addr, nil, g1), change(plan.Create, g2.Addr, nil, g2),
		change(plan.Create, o1.Addr, nil, o1), change(plan.Create, o2.Addr, nil, o2)}
	d.Begin(changes)
	srv.ResetRequests()
	var outcomes []driver.Outcome
	for i := range changes {
		res, err := d.Apply(context.Background(), &changes[i])
		if err != nil {
			t.Fatal(err)
		}
		outcomes = append(outcomes, res.Outcome)
	}
	want := []string{
		"POST /index.php?method=UsersManager.inviteUser", "POST /index.php?method=UsersManager.setUserAccess",
		"POST /index.php?method=UsersManager.setUserAccess",
		"POST /index.php?method=UsersManager.resendInvite",
		"POST /index.php?method=UsersManager.setUserAccess",
	}
	if got := srv.Requests(); !slices.Equal(got, want) {
		t.Errorf("requests\n%q\nwant\n%q", got, want)
	}
	for i, o := range outcomes {
		if o != driver.Invited {
			t.Errorf("change %d: outcome %q, want invited", i, o)
		}
	}
	if got := accessOf(t, srv, "new@x.io", 2); !slices.Equal(got, []string{"view", "tagmanager_write"}) {
		t.Errorf("new on Blog: %q", got)
	}
	for _, u := range srv.Dump().Users {
		if u.Login == "old@x.io" && u.InviteStatus != float64(7) {
			t.Errorf("old's invitation after resend: %v", u.InviteStatus)
		}
	}
}

// Removing a person's last grant leaves the Matomo user with no access;
// deleting the user is a member removal of its own.
func TestLastGrantKeepsTheUser(t *testing.T) {
	srv, d := start(t, seed(), "ann@acme.com")
	if _, err := d.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	g1 := grantObj("Shop", "ann@acme.com", "admin")
	g2 := grantObj("Blog", "ann@acme.com", "write", "tagmanager_publish_live_container")
	changes := []plan.Change{change(plan.Delete, g1.Addr, g1, nil), change(plan.Delete, g2.Addr, g2, nil)}
	d.Begin(changes)
	srv.ResetRequests()
	for i := range changes {
		if _, err := d.Apply(context.Background(), &changes[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range srv.Requests() {
		if strings.Contains(l, "deleteUser") {
			t.Errorf("the last grant's removal deleted the user: %q", srv.Requests())
		}
	}
	found := false
	for _, u := range srv.Dump().Users {
		found = found || u.Login == "ann"
	}
	if !found || accessOf(t, srv, "ann", 1) != nil || accessOf(t, srv, "ann", 2) != nil {
		t.Errorf("ann: found %v, access %q %q", found, accessOf(t, srv, "ann", 1), accessOf(t, srv, "ann", 2))
	}
	// The explicit removal of the account deletes it.
	m := &model.Object{Addr: model.MemberAddress("m", "ann@acme.com"), Role: "user"}
	c := change(plan.Delete, m.Addr, m, nil)
	d.team.Guests = map[string]bool{}
	d.Begin([]plan.Change{c})
	res, err := d.Apply(context.Background(), &c)
	if err != nil || !slices.Equal(res.API, []string{"POST /index.php 200", "POST /index.php 200"}) {
		t.Fatalf("member removal: %+v %v", res, err)
	}
	if got := srv.Requests(); len(got) == 0 || got[len(got)-1] != "POST /index.php?method=UsersManager.deleteUser" {
		t.Errorf("member removal sent %q", got)
	}
	// A user with access to a website roster does not manage is not
	// deleted (schema/sync.md, Reading safely).
	v := &model.Object{Addr: model.MemberAddress("m", "vic@acme.com"), Role: "user"}
	c = change(plan.Delete, v.Addr, v, nil)
	d.Begin([]plan.Change{c})
	srv.ResetRequests()
	if _, err := d.Apply(context.Background(), &c); err == nil || !strings.Contains(err.Error(), "idsite 3") {
		t.Errorf("vic deleted despite access to an undeclared website: %v", err)
	}
	for _, l := range srv.Requests() {
		if strings.Contains(l, "deleteUser") {
			t.Errorf("sent %q", l)
		}
	}
}

// Superuser access and team settings need the password: manual steps.
func TestManual(t *testing.T) {
	_, d := start(t, seed())
	m := func(before, after string) *plan.Change {
		addr := model.MemberAddress("m", "x@acme.com")
		c := &plan.Change{Addr: addr}
		if before != "" {
			c.Before = &model.Object{Addr: addr, Role: before}
		}
		if after != "" {
			c.After = &model.Object{Addr: addr, Role: after}
		}
		switch {
		case before == "":
			c.Action = plan.Create
		case after == "":
			c.Action = plan.Delete
		default:
			c.Action = plan.Update
		}
		return c
	}
	for _, c := range []*plan.Change{m("user", "superuser"), m("superuser", "user"), m("", "superuser"), m("superuser", "")} {
		if ok, why := d.Manual(c); !ok || !strings.Contains(why, "Administration → System → Users") {
			t.Errorf("%s %v: manual %v %q", c.Action, c.After, ok, why)
		}
	}
	for _, c := range []*plan.Change{m("user", "user"), m("superuser", "superuser"), m("", "user"), m("user", "")} {
		if ok, _ := d.Manual(c); ok {
			t.Errorf("%s: manual", c.Action)
		}
	}
	team := &plan.Change{Addr: model.TeamAddress("m"), Action: plan.Update}
	if ok, why := d.Manual(team); !ok || !strings.Contains(why, "TwoFactorAuth") {
		t.Errorf("team settings: %v %q", ok, why)
	}
}

// A failed write is an APIError naming the change and the method; the
// token appears nowhere: not in errors, API lines or the debug log.
func TestWriteErrorsAndTokenCanary(t *testing.T) {
	srv, _ := start(t, seed())
	var log bytes.Buffer
	team := &driver.Team{Name: "m", Conn: model.Connection{Endpoint: srv.URL, AccountID: "root"}, Token: token,
		Sites: []*model.Object{site("Shop", "1")}, Guests: map[string]bool{}, Members: map[string]bool{}}
	d := newDriver(team, driver.Options{Log: &log, Clock: fakeclock.New(t0)}, nil)
	if _, err := d.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	g := grantObj("Shop", "ann@acme.com", "view")
	c := change(plan.Update, g.Addr, grantObj("Shop", "ann@acme.com", "admin"), g)
	d.Begin([]plan.Change{c})
	// The message echoes the token: the error becomes the note of the
	// change's evidence record, which can never be edited.
	srv.Fail(fakekit.FailRule{PathPrefix: "/index.php?method=UsersManager.setUserAccess", Status: 200, Body: `{"result":"error","message":"User 'ann' doesn't exist. (token_auth=` + token + `)"}`})
	res, err := d.Apply(context.Background(), &c)
	if err == nil {
		t.Fatal("an error body on a 200 was taken for success")
	}
	if res.Outcome != "" || len(res.API) != 1 {
		t.Errorf("result %+v", res)
	}
	msg := err.Error()
	for _, w := range []string{"grant/m/Shop/ann@acme.com", "Matomo refused the change (200)", "UsersManager.setUserAccess", "doesn't exist"} {
		if !strings.Contains(msg, w) {
			t.Errorf("%q lacks %q", msg, w)
		}
	}
	srv.ClearFailures()
	srv.Fail(fakekit.FailRule{PathPrefix: "/index.php?method=UsersManager.setUserAccess", Status: 500, Body: "<b>Fatal error</b>: Uncaught ValueError"})
	_, err = d.Apply(context.Background(), &c)
	if err == nil || !strings.Contains(err.Error(), "not JSON") || strings.Contains(err.Error(), "\n") {
		t.Errorf("non-JSON 500: %v", err)
	}
	// A 200 that is JSON but no confirmation (matomo.md: every write
	// roster sends is a void method, answered {"result":"success"}) is
	// no success either.
	for _, body := range []string{`{"value":true}`, `[]`, `{"result":"pending"}`} {
		srv.ClearFailures()
		srv.Fail(fakekit.FailRule{PathPrefix: "/index.php?method=UsersManager.setUserAccess", Status: 200, Body: body})
		if _, err := d.Apply(context.Background(), &c); err == nil || !strings.Contains(err.Error(), "UsersManager.setUserAccess") {
			t.Errorf("200 %s: %v, want a failure naming the method", body, err)
		}
	}
	all := msg + err.Error() + log.String() + strings.Join(res.API, " ")
	if strings.Contains(all, token) {
		t.Errorf("the token leaked: %s", all)
	}
	if !strings.Contains(log.String(), "UsersManager") && !strings.Contains(log.String(), "/index.php") {
		t.Errorf("no debug log: %q", log.String())
	}
}

// The token travels in the POST body only, never in the URL; the Bearer
// header comes only from 5.4 on, with the same token.
func TestTokenTransport(t *testing.T) {
	for _, v := range []string{"4.16.1", "5.4.0"} {
		var seen []*http.Request
		var bodies []string
		srv := fake.New(fake.Options{Seed: func() fake.Seed { s := seed(); s.Version = v; return s }(), Now: t0})
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			seen = append(seen, r)
			bodies = append(bodies, r.PostForm.Encode())
			r2, _ := http.NewRequest(r.Method, srv.URL+r.URL.RequestURI(), strings.NewReader(r.PostForm.Encode()))
			r2.Header = r.Header.Clone()
			resp, err := http.DefaultClient.Do(r2)
			if err != nil {
				w.WriteHeader(502)
				return
			}
			defer resp.Body.Close()
			for k, vs := range resp.Header {
				w.Header()[k] = vs
			}
			w.WriteHeader(resp.StatusCode)
			var b bytes.Buffer
			b.ReadFrom(resp.Body) //nolint:errcheck
			w.Write(b.Bytes())    //nolint:errcheck
		}))
		team := &driver.Team{Name: "m", Conn: model.Connection{Endpoint: proxy.URL, AccountID: "root"}, Token: token,
			Sites: []*model.Object{site("Shop", "1")}, Guests: map[string]bool{}, Members: map[string]bool{}}
		d := newDriver(team, driver.Options{Clock: fakeclock.New(t0)}, nil)
		if _, err := d.Refresh(context.Background()); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		proxy.Close()
		srv.Close()
		// The header comes once the version is known.
		after := len(seen)
		for i, b := range bodies {
			if strings.Contains(b, "method=API.getMatomoVersion") {
				after = i
			}
		}
		for i, r := range seen {
			if r.Method != "POST" || strings.Contains(r.URL.RawQuery, "token") || !strings.Contains(bodies[i], "token_auth=") || !strings.Contains(bodies[i], "format=JSON") {
				t.Errorf("%s: request %d: %s %s body %q", v, i, r.Method, r.URL, bodies[i])
			}
			bearer := r.Header.Get("Authorization")
			if (i > after && v == "5.4.0") != (bearer == "Bearer "+token) {
				t.Errorf("%s: request %d: Authorization %q", v, i, bearer)
			}
		}
	}
}

// The pages of getUsersPlusRole keep to X-Matomo-Total-Results.
func TestPagingKeepsItsWord(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"empty page, more": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Matomo-Total-Results", "5")
			w.Write([]byte(`[]`)) //nolint:errcheck
		},
		"total disagrees": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Matomo-Total-Results", "1")
			w.Write([]byte(`[{"login":"ann","role":"view","capabilities":[]},{"login":"root","role":"superuser","capabilities":[]}]`)) //nolint:errcheck
		},
		"no total": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`[]`)) //nolint:errcheck
		},
	} {
		srv := fake.New(fake.Options{Seed: seed(), Now: t0})
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			if r.PostForm.Get("method") == "UsersManager.getUsersPlusRole" {
				h(w, r)
				return
			}
			srv.ServeHTTP(w, r)
		}))
		team := &driver.Team{Name: "m", Conn: model.Connection{Endpoint: front.URL, AccountID: "root"}, Token: token,
			Sites: []*model.Object{site("Shop", "1")}, Guests: map[string]bool{}, Members: map[string]bool{}}
		_, err := newDriver(team, driver.Options{Clock: fakeclock.New(t0)}, nil).Refresh(context.Background())
		if err == nil || !strings.Contains(err.Error(), "UsersManager.getUsersPlusRole") {
			t.Errorf("%s: %v", name, err)
		}
		front.Close()
		srv.Close()
	}
}

// Logins for invitees: the lower-cased email where Matomo allows it.
func TestNewLogin(t *testing.T) {
	st := newState()
	st.addUser(&liveUser{login: "taken@x.io", email: "other@x.io"})
	for email, want := range map[string]string{
		"Ann@X.io":    "ann@x.io",
		"o'neil@x.io": "o_neil@x.io",
		"taken@x.io":  "taken@x.io-2",
		"a%b@x.io":    "a_b@x.io",
	} {
		if got := st.newLogin(model.NormalizeEmail(email)); got != want {
			t.Errorf("%s: %q, want %q", email, got, want)
		}
	}
}

// stamps notes, by a fake clock, when each request goes out.
type stamps struct {
	clock *fakeclock.Clock
	mu    sync.Mutex
	at    []time.Time
}

func (s *stamps) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.at = append(s.at, s.clock.Now())
	s.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// busiest is the most requests that start within any one second.
func busiest(at []time.Time) int {
	at = slices.Clone(at)
	slices.SortFunc(at, time.Time.Compare)
	most := 0
	for i := range at {
		n := 0
		for j := i; j < len(at) && at[j].Before(at[i].Add(time.Second)); j++ {
			n++
		}
		most = max(most, n)
	}
	return most
}

// manySites is seed() with n websites, all declared by the team.
func manySites(t *testing.T, n int, shared *driver.Shared, clock *fakeclock.Clock) (*stamps, *Driver, *Driver) {
	t.Helper()
	s := seed()
	s.Sites = nil
	var sites []*model.Object
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("Site%d", i)
		s.Sites = append(s.Sites, fake.SeedSite{ID: i, Name: name})
		sites = append(sites, site(name, ""))
	}
	srv := fake.New(fake.Options{Seed: s, Now: t0})
	t.Cleanup(srv.Close)
	tr := &stamps{clock: clock}
	mk := func(name string) *Driver {
		team := &driver.Team{Name: name, Conn: model.Connection{Endpoint: srv.URL, AccountID: "root", TokenEnv: "ROSTER_TOKEN_M"}, Token: token,
			Sites: sites, Guests: map[string]bool{}, Members: map[string]bool{}}
		return newDriver(team, driver.Options{Clock: clock, Shared: shared, Parallelism: 1}, tr)
	}
	return tr, mk("m"), mk("n")
}

// Requests start at most 5 in any second, with no burst beyond it
// (matomo.md, Rate limits: "Safe reading: at most 5 requests/s per
// team"), and only as long as needed: a refresh of 12 websites makes 17
// requests, so it waits three times a second.
func TestPacing(t *testing.T) {
	if got := busiest([]time.Time{t0, t0, t0, t0, t0, t0.Add(999 * time.Millisecond), t0.Add(time.Second)}); got != 6 {
		t.Fatalf("busiest counts %d in the first second, want 6", got) // the check itself can fail
	}
	clock := fakeclock.New(t0)
	tr, d, _ := manySites(t, 12, nil, clock)
	snap, err := d.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Requests != 17 || len(tr.at) != 17 {
		t.Fatalf("%d requests (%d counted), want 17", len(tr.at), snap.Requests)
	}
	if n := busiest(tr.at); n > RequestsPerSecond {
		t.Errorf("%d requests started within one second, want at most %d: %v", n, RequestsPerSecond, tr.at)
	}
	if want := []time.Duration{time.Second, time.Second, time.Second}; !slices.Equal(clock.Slept(), want) {
		t.Errorf("slept %v, want %v", clock.Slept(), want)
	}
	// A cancelled wait stops the call, saying so.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range RequestsPerSecond {
		d.api.pacer.Note(1)
	}
	if _, _, err := d.api.Version(ctx); err == nil || !strings.Contains(err.Error(), "Matomo: interrupted while pacing") {
		t.Errorf("cancelled pacing: %v", err)
	}
}

// Teams of one run on one instance share the rate (driver.Shared); teams
// of other runs, or on other instances, do not.
func TestPacingSharedByInstance(t *testing.T) {
	clock, shared := fakeclock.New(t0), driver.NewShared()
	tr, a, b := manySites(t, 3, shared, clock)
	for _, d := range []*Driver{a, b} {
		if _, err := d.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(tr.at) != 16 {
		t.Fatalf("%d requests, want 16", len(tr.at))
	}
	if n := busiest(tr.at); n > RequestsPerSecond {
		t.Errorf("%d requests of two teams on one instance started within one second, want at most %d: %v", n, RequestsPerSecond, tr.at)
	}
	if a.api.pacer != b.api.pacer {
		t.Error("two teams on one instance pace apart")
	}
	other := newClient(&driver.Team{Name: "o", Conn: model.Connection{Endpoint: "https://other.matomo.cloud"}}, driver.Options{Clock: clock, Shared: shared}, nil)
	if other.pacer == a.api.pacer {
		t.Error("another instance shares the pacing")
	}
	for _, e := range []string{"HTTPS://Acme.Matomo.Cloud/", " https://acme.matomo.cloud/index.php"} {
		if got := instance(e); got != "acme.matomo.cloud" {
			t.Errorf("instance(%q) = %q", e, got)
		}
	}
}

// Who the token is, is checked before anything else is read or sent:
// account_id must be a superuser, and the token a superuser's (matomo.md,
// Auth, "Who the credential is").
func TestCredentialCheckedFirst(t *testing.T) {
	cases := []struct {
		name  string
		setup func(d *Driver)
		sent  []string
		want  []string
	}{
		{"account_id is not a superuser", func(d *Driver) { d.team.Conn.AccountID = "ann" },
			[]string{"POST /index.php?method=UsersManager.getUsersHavingSuperUserAccess"},
			[]string{`connection.account_id "ann" is not a superuser`, "UsersManager.getUsersHavingSuperUserAccess lists root"}},
		{"account_id is unknown", func(d *Driver) { d.team.Conn.AccountID = "nobody" },
			[]string{"POST /index.php?method=UsersManager.getUsersHavingSuperUserAccess"},
			[]string{`connection.account_id "nobody"`, "UsersManager.getUsersHavingSuperUserAccess"}},
		{"the token is an admin's", func(d *Driver) { d.api.token = "admin-token" },
			[]string{"POST /index.php?method=UsersManager.getUsersHavingSuperUserAccess", "POST /index.php?method=UsersManager.getSitesAccessFromUser"},
			[]string{"the token is not a superuser's", "UsersManager.getSitesAccessFromUser (401)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, d := start(t, seed())
			c.setup(d)
			_, err := d.Refresh(context.Background())
			if err == nil {
				t.Fatal("refreshed")
			}
			if got := srv.Requests(); !slices.Equal(got, c.sent) {
				t.Errorf("sent %q, want %q", got, c.sent)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || strings.Contains(msg, token) || strings.Contains(msg, "admin-token") {
				t.Errorf("not one line, or holds the token: %q", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q lacks %q", msg, w)
				}
			}
		})
	}
}

// The plan's cost is what apply sends: the refresh's reads and each
// change's requests, none for a move or a manual step (schema/sync.md,
// Reading safely: apply sends nothing the plan did not show).
func TestCostMatchesApply(t *testing.T) {
	srv, d := start(t, seed(), "new@x.io")
	snap, err := d.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	g := grantObj("Shop", "new@x.io", "write")
	pen := memberObj("pen@x.io", "user")
	su := memberObj("ann@acme.com", "superuser")
	moved := memberObj("lisa@new.io", "user")
	changes := []plan.Change{
		change(plan.Create, g.Addr, nil, g),                                 // inviteUser, setUserAccess
		change(plan.Update, su.Addr, memberObj("ann@acme.com", "user"), su), // manual
		{Addr: moved.Addr, Action: plan.Move, Moving: &plan.Moving{From: model.MemberAddress("m", "lisa@old.io")}, Before: memberObj("lisa@old.io", "user"), After: moved},
		change(plan.Delete, pen.Addr, pen, nil), // getSitesAccessFromUser, deleteUser
	}
	cost, budget := d.Cost(changes)
	if budget != 0 {
		t.Errorf("budget %d", budget)
	}
	if want := snap.Requests + 4; cost != want {
		t.Errorf("cost %d, want %d (%d reads and 4 writes)", cost, want, snap.Requests)
	}
	var sendable []plan.Change
	for _, c := range changes {
		if manual, _ := d.Manual(&c); !manual && c.Action != plan.Move {
			sendable = append(sendable, c)
		}
	}
	d.Begin(sendable)
	srv.ResetRequests()
	for i := range sendable {
		if _, err := d.Apply(context.Background(), &sendable[i]); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(srv.Requests()); got != cost-snap.Requests {
		t.Errorf("apply sent %d requests %q; the plan showed %d", got, srv.Requests(), cost-snap.Requests)
	}
}
