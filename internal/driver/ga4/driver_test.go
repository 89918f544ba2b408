package ga4

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/driver/fakeclock"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/fake/fakekit"
	fake "github.com/roster-dev/roster/internal/fake/ga4"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

func opts(log *bytes.Buffer) driver.Options {
	o := driver.Options{UserAgent: "roster/test", Clock: fakeclock.New(t0)}
	if log != nil {
		o.Log = log
	}
	return o
}

func TestRoles(t *testing.T) {
	for _, tc := range []struct {
		role  string
		roles []string
	}{
		{"viewer", []string{"predefinedRoles/viewer"}},
		{"analyst_no_cost", []string{"predefinedRoles/analyst", "predefinedRoles/no-cost-data"}},
		{"editor_no_revenue", []string{"predefinedRoles/editor", "predefinedRoles/no-revenue-data"}},
		{"admin_no_cost_no_revenue", []string{"predefinedRoles/admin", "predefinedRoles/no-cost-data", "predefinedRoles/no-revenue-data"}},
	} {
		if got := apiRoles(tc.role); !slices.Equal(got, tc.roles) {
			t.Errorf("apiRoles(%s) = %v, want %v", tc.role, got, tc.roles)
		}
		if got, ok, _ := modelRole(tc.roles); !ok || got != tc.role {
			t.Errorf("modelRole(%v) = %q %v", tc.roles, got, ok)
		}
	}
	// The restrictions in either order; two base roles read as the higher.
	if r, ok, several := modelRole([]string{"predefinedRoles/no-revenue-data", "predefinedRoles/viewer", "predefinedRoles/no-cost-data"}); !ok || r != "viewer_no_cost_no_revenue" || several {
		t.Errorf("got %q %v %v", r, ok, several)
	}
	if r, ok, several := modelRole([]string{"predefinedRoles/viewer", "predefinedRoles/editor"}); !ok || r != "editor" || !several {
		t.Errorf("got %q %v %v", r, ok, several)
	}
	for _, roles := range [][]string{{"predefinedRoles/marketer"}, {"predefinedRoles/no-cost-data"}, {}, {"viewer"}} {
		if _, ok, _ := modelRole(roles); ok {
			t.Errorf("modelRole(%v) read a role", roles)
		}
	}
}

func TestRefresh(t *testing.T) {
	srv, team := start(t, fake.Seed{Bindings: []fake.SeedBinding{
		{Parent: "accounts/100", User: "Ann@Acme.com", Roles: []string{"predefinedRoles/viewer", "predefinedRoles/no-revenue-data"}},
		{Parent: "properties/1000", User: "ann@acme.com", Roles: []string{"predefinedRoles/editor"}},
		{Parent: "properties/1001", User: "jane@agency.com", Roles: []string{"predefinedRoles/analyst"}},
		{Parent: "properties/1001", User: "mark@acme.com", Roles: []string{"predefinedRoles/marketer"}},
	}})
	srv.AddProperty(acct, "1002", "Blog")
	snap := drivertest.Refresh(t, New(team, opts(nil)))
	var got []string
	for _, o := range snap.Objects {
		got = append(got, o.Addr.String()+" "+o.Role+" "+string(o.HolderKind))
	}
	want := []string{
		"grant/acme/App/jane@agency.com analyst guest",
		"grant/acme/Web/ann@acme.com editor member",
		"member/acme/ann@acme.com viewer_no_revenue ",
		"member/acme/" + saEmail + " admin ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("objects:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if snap.Self != saEmail || snap.SiteIDs["Web"] != "1000" || snap.SiteIDs["App"] != "1001" {
		t.Errorf("self %q, site ids %v", snap.Self, snap.SiteIDs)
	}
	notes := strings.Join(snap.Notes, "\n")
	for _, w := range []string{"user groups or Google Marketing Platform organization roles", "property Blog (id 1002) is not declared", "mark@acme.com holds predefinedRoles/marketer"} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes %q lack %q", notes, w)
		}
	}
	// token, accountSummaries, the account's bindings, two properties'.
	if snap.Requests != 5 {
		t.Errorf("%d requests: %v", snap.Requests, srv.Requests())
	}
}

func TestApply(t *testing.T) {
	srv, team := start(t, fake.Seed{Bindings: []fake.SeedBinding{
		{Parent: "accounts/100", User: "ann@acme.com", Roles: []string{"predefinedRoles/viewer"}},
		{Parent: "properties/1001", User: "jane@agency.com", Roles: []string{"predefinedRoles/analyst"}},
	}, NoGoogleAccount: []string{"nobody@example.org"}})
	d := New(team, opts(nil))
	drivertest.Refresh(t, d)
	srv.ResetRequests()
	for _, c := range []plan.Change{
		memberChange(plan.Create, "bob@acme.com", "", "analyst_no_cost"),
		grantChange(plan.Create, "Web", "jane@agency.com", "", "viewer_no_revenue"),
		memberChange(plan.Update, "ann@acme.com", "viewer", "editor"),
		grantChange(plan.Delete, "App", "jane@agency.com", "analyst", ""),
	} {
		res, err := d.Apply(context.Background(), &c)
		if err != nil || res.Outcome != driver.Applied || len(res.API) != 1 {
			t.Fatalf("%s: %+v %v", c.Addr, res, err)
		}
	}
	want := []string{
		"accounts/100 ann@acme.com predefinedRoles/editor",
		"accounts/100 bob@acme.com predefinedRoles/analyst,predefinedRoles/no-cost-data",
		"accounts/100 " + saEmail + " predefinedRoles/admin",
		"properties/1000 jane@agency.com predefinedRoles/viewer,predefinedRoles/no-revenue-data",
	}
	if got := srv.Bindings(); !slices.Equal(got, want) {
		t.Errorf("bindings:\n%s", strings.Join(got, "\n"))
	}
	reqs := srv.Requests()
	if !slices.Equal(reqs, []string{"POST /v1alpha/accounts/100/accessBindings", "POST /v1alpha/properties/1000/accessBindings",
		"PATCH /v1alpha/accounts/100/accessBindings/202", "DELETE /v1alpha/properties/1001/accessBindings/203"}) {
		t.Errorf("requests %q", reqs)
	}
	// An address that is not a Google account becomes a manual step.
	c := memberChange(plan.Create, "nobody@example.org", "", "viewer")
	res, err := d.Apply(context.Background(), &c)
	if err != nil || res.Outcome != driver.Manual || len(res.API) != 1 || !strings.HasSuffix(res.API[0], " 400") {
		t.Errorf("no Google account: %+v %v", res, err)
	}
	// The service account's own binding is never touched.
	c = memberChange(plan.Delete, saEmail, "admin", "")
	if _, err := d.Apply(context.Background(), &c); err == nil || !strings.Contains(err.Error(), "never changes the binding of the service account") {
		t.Errorf("self: %v", err)
	}
}

// TestBadInput: each problem is one line naming the request and what to do.
func TestBadInput(t *testing.T) {
	_, pub := testKey(t)
	for _, tc := range []struct {
		name  string
		setup func(*fake.Seed, *driver.Team)
		want  []string
	}{
		{"not a key", func(_ *fake.Seed, tm *driver.Team) { tm.Token = "ya29.not-a-key" }, []string{"$" + tokenEnv, "is not a JSON key file", "Service accounts > Keys"}},
		{"not a service account", func(_ *fake.Seed, tm *driver.Team) { tm.Token = `{"type":"authorized_user","client_id":"x"}` },
			[]string{"$" + tokenEnv, `type "authorized_user", not "service_account"`}},
		{"scope", func(s *fake.Seed, _ *driver.Team) {
			s.ServiceAccounts = []fake.SeedServiceAccount{{Email: saEmail, PublicKey: pub, Scopes: []string{fake.ScopeReadonly, fake.ScopeUsersReadonly}}}
		}, []string{"refused GET /v1alpha/", "/accessBindings (403)", "lacks the analytics.manage.users scope"}},
		{"not an administrator", func(s *fake.Seed, _ *driver.Team) {
			s.Bindings = []fake.SeedBinding{{Parent: "properties/1000", User: saEmail, Roles: []string{"predefinedRoles/viewer"}}}
		}, []string{"refused GET /v1alpha/", "/accessBindings (403)", "as an Administrator"}},
		{"property not in the account", func(_ *fake.Seed, tm *driver.Team) { tm.Sites = []*model.Object{site("Web", "2000")} },
			[]string{"team acme", "remote_id", "GET /v1alpha/accountSummaries", `"Web" (id 1000)`}},
		{"account not seen", func(_ *fake.Seed, tm *driver.Team) { tm.Conn.AccountID = "999" },
			[]string{"GET /v1alpha/accountSummaries", "cannot see Google Analytics account 999", "Administrator"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seed := fake.Seed{ServiceAccounts: []fake.SeedServiceAccount{{Email: saEmail, PublicKey: pub}}}
			// Seed changes must come before the server starts.
			probe := &driver.Team{Conn: model.Connection{AccountID: acct}}
			tc.setup(&seed, probe)
			srv, team := start(t, seed)
			if probe.Token != "" {
				team.Token = probe.Token
			}
			if probe.Sites != nil {
				team.Sites = probe.Sites
			}
			if probe.Conn.AccountID != acct {
				team.Conn.AccountID = probe.Conn.AccountID
			}
			if tc.name == "not an administrator" {
				srv.RemoveBinding("accounts/"+acct, saEmail)
			}
			var log bytes.Buffer
			d := New(team, opts(&log))
			_, err := d.Refresh(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("not one line: %q", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q lacks %q", msg, w)
				}
			}
			canary(t, msg+log.String())
		})
	}
}

// canary fails when any part of the private key shows in s.
func canary(t *testing.T, s string) {
	t.Helper()
	testKey(t)
	for _, l := range strings.Split(privPEM, "\n") {
		if len(l) > 20 && !strings.HasPrefix(l, "-----") && strings.Contains(s, l) {
			t.Fatalf("the private key shows in %q", s)
		}
	}
	if strings.Contains(s, "PRIVATE KEY") {
		t.Fatalf("the private key shows in %q", s)
	}
}

// TestRateLimit: a 403 rateLimitExceeded is retried like a 429, after a
// minute (ga4.md, Rate limits).
func TestRateLimit(t *testing.T) {
	srv, team := start(t, fake.Seed{})
	srv.Fail(fakekit.FailRule{Method: "GET", PathPrefix: "/v1alpha/accounts/", Status: 403, Count: 1,
		Body: `{"error":{"code":403,"message":"Quota Error: Rate Limit Exceeded","status":"PERMISSION_DENIED","errors":[{"reason":"rateLimitExceeded"}]}}`})
	clk := fakeclock.New(t0)
	o := opts(nil)
	o.Clock = clk
	drivertest.Refresh(t, New(team, o))
	if clk.Now().Sub(t0) < time.Minute {
		t.Errorf("waited %s, want a minute", clk.Now().Sub(t0))
	}
	if n := strings.Count(strings.Join(srv.Requests(), "\n"), "GET /v1alpha/accounts/100/accessBindings"); n != 2 {
		t.Errorf("%d reads of the account's bindings", n)
	}
	// A plain 403 is not retried.
	srv.Fail(fakekit.FailRule{Method: "GET", PathPrefix: "/v1alpha/accounts/", Status: 403})
	_, err := New(team, opts(nil)).Refresh(context.Background())
	var ae *driver.APIError
	if !errors.As(err, &ae) || ae.Status != 403 {
		t.Errorf("plain 403: %v", err)
	}
}

// TestTokenRenewal: a 401 signs a new assertion and repeats the request.
func TestTokenRenewal(t *testing.T) {
	srv, team := start(t, fake.Seed{})
	d := New(team, opts(nil))
	drivertest.Refresh(t, d)
	srv.Fail(fakekit.FailRule{Method: "POST", PathPrefix: "/v1alpha/", Status: 401, Count: 1})
	c := memberChange(plan.Create, "bob@acme.com", "", "viewer")
	res, err := d.Apply(context.Background(), &c)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"POST /v1alpha/accounts/100/accessBindings 401", "POST /token 200", "POST /v1alpha/accounts/100/accessBindings 200"}
	if !slices.Equal(res.API, want) {
		t.Errorf("api %q", res.API)
	}
}

// TestMootGrant: a grant that adds nothing to the person's account role
// is said once (ga4.md: a property binding can only raise access).
func TestMootGrant(t *testing.T) {
	_, team := start(t, fake.Seed{})
	team.Platform = config.BuiltinPlatforms()["ga4"]
	team.Declared = []*model.Object{
		{Addr: model.MemberAddress("acme", "ann@acme.com"), Role: "editor"},
		{Addr: model.PersonGrantAddress("acme", "Web", "ann@acme.com"), Role: "viewer_no_revenue"},
		{Addr: model.MemberAddress("acme", "bob@acme.com"), Role: "viewer_no_cost"},
		{Addr: model.PersonGrantAddress("acme", "Web", "bob@acme.com"), Role: "viewer"},
	}
	snap := drivertest.Refresh(t, New(team, opts(nil)))
	notes := strings.Join(snap.Notes, "\n")
	if !strings.Contains(notes, "grant/acme/Web/ann@acme.com (viewer_no_revenue) adds nothing to ann@acme.com's account role editor") {
		t.Errorf("notes %q", notes)
	}
	if strings.Contains(notes, "bob@acme.com") {
		t.Errorf("bob's grant raises his access (view_cost_data) but was called moot: %q", notes)
	}
	// ann has no live binding on Web: the plan leaves the grant out, so
	// no request is ever made for it.
	if want := []model.Address{model.PersonGrantAddress("acme", "Web", "ann@acme.com")}; !slices.Equal(snap.Moot, want) || !strings.Contains(notes, "so roster does not create it") {
		t.Errorf("moot %v, notes %q", snap.Moot, notes)
	}
}

// TestLastAdmin: the last Administrator besides the service account is
// neither removed nor demoted (ga4.md, Last administrator and self).
func TestLastAdmin(t *testing.T) {
	srv, team := start(t, fake.Seed{Bindings: []fake.SeedBinding{{Parent: "accounts/100", User: "ann@acme.com", Roles: []string{"predefinedRoles/admin"}}}})
	d := New(team, opts(nil))
	drivertest.Refresh(t, d)
	srv.ResetRequests()
	for _, c := range []plan.Change{memberChange(plan.Delete, "ann@acme.com", "admin", ""), memberChange(plan.Update, "ann@acme.com", "admin", "editor")} {
		if _, err := d.Apply(context.Background(), &c); err == nil || !strings.Contains(err.Error(), "last Administrator") {
			t.Errorf("%s %s: %v", c.Action, c.Addr, err)
		}
	}
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Errorf("requests sent: %q", reqs)
	}
	// With another admin, the demotion goes through.
	c := memberChange(plan.Create, "bob@acme.com", "", "admin")
	if _, err := d.Apply(context.Background(), &c); err != nil {
		t.Fatal(err)
	}
	c = memberChange(plan.Update, "ann@acme.com", "admin", "admin_no_cost")
	if _, err := d.Apply(context.Background(), &c); err != nil {
		t.Fatal(err)
	}
	c = memberChange(plan.Delete, "ann@acme.com", "admin_no_cost", "")
	if _, err := d.Apply(context.Background(), &c); err != nil {
		t.Fatal(err)
	}
}

// handover is an account where ann is the only Administrator besides
// the service account and bob a viewer, refreshed, and the plan's changes
// that hand admin from ann to bob, in the plan's (address) order, which
// the apply order keeps.
func handover(t *testing.T) (*fake.Server, driver.Driver, []plan.Change) {
	t.Helper()
	srv, team := start(t, fake.Seed{Bindings: []fake.SeedBinding{
		{Parent: "accounts/100", User: "ann@acme.com", Roles: []string{"predefinedRoles/admin"}},
		{Parent: "accounts/100", User: "bob@acme.com", Roles: []string{"predefinedRoles/viewer"}},
	}})
	d := New(team, opts(nil))
	drivertest.Refresh(t, d)
	return srv, d, []plan.Change{
		memberChange(plan.Update, "ann@acme.com", "admin", "viewer"),
		memberChange(plan.Update, "bob@acme.com", "viewer", "admin"),
	}
}

// TestAdminHandover: an Administrator handed over by two updates (ann
// demoted, bob promoted) passes CheckPlan, and apply, in the engine's
// order (both are "other updates", ann's first by address), makes bob's
// promotion first and reports it made, so that it answers bob's change
// without a request and the account always keeps another Administrator.
func TestAdminHandover(t *testing.T) {
	srv, d, changes := handover(t)
	plan.SortChangesForApply(changes)
	if changes[0].Addr.Email != "ann@acme.com" {
		t.Fatalf("apply order %s, %s", changes[0].Addr, changes[1].Addr)
	}
	if err := d.(driver.PlanChecker).CheckPlan(changes); err != nil {
		t.Fatalf("the handover is refused: %v", err)
	}
	srv.ResetRequests()
	d.Begin(changes)
	res, err := d.Apply(context.Background(), &changes[0])
	if err != nil {
		t.Fatalf("%s: %v", changes[0].Addr, err)
	}
	if !slices.Contains(res.Made, model.MemberAddress("acme", "bob@acme.com")) {
		t.Errorf("%s: made %v, want bob's promotion", changes[0].Addr, res.Made)
	}
	if _, err := d.Apply(context.Background(), &changes[1]); err != nil {
		t.Fatalf("%s: %v", changes[1].Addr, err)
	}
	reqs := srv.Requests()
	var writes []string
	for _, r := range reqs {
		if strings.HasPrefix(r, "PATCH") {
			writes = append(writes, r)
		}
	}
	if len(writes) != 2 {
		t.Fatalf("writes %q, want two PATCHes", reqs)
	}
	got := fmt.Sprint(srv.Bindings())
	if !strings.Contains(got, "bob@acme.com") || !strings.Contains(got, "ann@acme.com") {
		t.Fatalf("bindings %s", got)
	}
	for _, b := range srv.Bindings() {
		switch {
		case strings.Contains(b, "ann@acme.com") && !strings.Contains(b, "predefinedRoles/viewer"),
			strings.Contains(b, "bob@acme.com") && !strings.Contains(b, "predefinedRoles/admin"):
			t.Errorf("binding %s", b)
		}
	}
}

// TestAdminHandoverDemotionFails: the promotion made ahead stays named
// in Result.Made when the demotion then fails, so the engine records it:
// GA4 holds it.
func TestAdminHandoverDemotionFails(t *testing.T) {
	srv, d, changes := handover(t)
	d.Begin(changes)
	// ann's binding is the second made (the service account's first).
	srv.Fail(fakekit.FailRule{Method: "PATCH", PathPrefix: "/v1alpha/accounts/100/accessBindings/202", Status: 400})
	res, err := d.Apply(context.Background(), &changes[0])
	if err == nil {
		t.Fatal("the demotion went through a refused PATCH")
	}
	if !slices.Contains(res.Made, model.MemberAddress("acme", "bob@acme.com")) {
		t.Errorf("made %v, want bob's promotion, which GA4 holds", res.Made)
	}
	if got := fmt.Sprint(srv.Bindings()); !strings.Contains(got, "bob@acme.com predefinedRoles/admin") {
		t.Errorf("bindings %s: want bob admin", got)
	}
}

// TestStatusError: the typed client turns a google.rpc.Status refusal
// into *StatusError (HTTP, canonical status, reasons), still unwrapping
// to httpc's failure, and makes one request per call.
func TestStatusError(t *testing.T) {
	srv, team := start(t, fake.Seed{Bindings: []fake.SeedBinding{{Parent: "accounts/100", User: "ann@acme.com", Roles: []string{"predefinedRoles/viewer"}}},
		NoGoogleAccount: []string{"nobody@example.org"}})
	d := newDriver(team, opts(nil), nil)
	ctx := context.Background()
	for _, tc := range []struct {
		user   string
		http   int
		status string
	}{
		{"ann@acme.com", 409, "ALREADY_EXISTS"},
		{"nobody@example.org", 400, "INVALID_ARGUMENT"},
	} {
		srv.ResetRequests()
		_, res, err := d.c.CreateBinding(ctx, "accounts/100", wireBinding{User: tc.user, Roles: apiRoles("viewer")})
		var se *StatusError
		var re *httpc.RequestError
		if !errors.As(err, &se) || se.HTTP != tc.http || se.Status != tc.status || !errors.As(err, &re) {
			t.Errorf("%s: %#v", tc.user, err)
		}
		if want := "POST /v1alpha/accounts/100/accessBindings " + fmt.Sprint(tc.http); len(res.API) == 0 || res.API[len(res.API)-1] != want {
			t.Errorf("%s: lines %q, want last %q", tc.user, res.API, want)
		}
	}
	// A refusal read during a refresh names the request and what to do.
	err := d.apiErr(&StatusError{HTTP: 403, Status: "PERMISSION_DENIED", req: &httpc.RequestError{Method: "GET", Path: "/v1alpha/accounts/100/accessBindings", Status: 403}}, model.Address{}, true, "")
	var ae *driver.APIError
	if !errors.As(err, &ae) || !ae.Read || !strings.Contains(ae.Error(), "as an Administrator") {
		t.Errorf("%v", err)
	}
}

// TestCreateConflict: a binding made since the refresh answers the POST
// with 409; ga4.md (What a reconciler must do, 4: "409 on create: list,
// then PATCH") has the driver list the parent and PATCH that binding.
func TestCreateConflict(t *testing.T) {
	srv, team := start(t, fake.Seed{})
	d := New(team, opts(nil))
	drivertest.Refresh(t, d)
	if _, err := srv.AddBinding("properties/1000", "Jane@Agency.com", "predefinedRoles/viewer"); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	c := grantChange(plan.Create, "Web", "jane@agency.com", "", "editor")
	res, err := d.Apply(context.Background(), &c)
	if err != nil || res.Outcome != driver.Applied {
		t.Fatalf("%+v %v", res, err)
	}
	if got := srv.Bindings(); !slices.Contains(got, "properties/1000 Jane@Agency.com predefinedRoles/editor") {
		t.Errorf("bindings:\n%s", strings.Join(got, "\n"))
	}
	reqs := srv.Requests()
	if len(reqs) != 3 || reqs[0] != "POST /v1alpha/properties/1000/accessBindings" ||
		reqs[1] != "GET /v1alpha/properties/1000/accessBindings" || !strings.HasPrefix(reqs[2], "PATCH /v1alpha/properties/1000/accessBindings/") {
		t.Errorf("requests %q", reqs)
	}
	if len(res.API) != 3 || !strings.HasSuffix(res.API[0], " 409") {
		t.Errorf("api %q", res.API)
	}
}

// patchAnswer forwards every request to the fake, and answers a PATCH
// with a binding of another name under the same parent.
type patchAnswer struct{}

func (patchAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || r.Method != http.MethodPatch {
		return res, err
	}
	res.Body.Close()
	body := `{"name":"properties/1000/accessBindings/another","user":"jane@agency.com","roles":["predefinedRoles/editor"]}`
	res.Body, res.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
	return res, nil
}

// TestCreateConflictAnswerChecked: the PATCH a 409 leads to must be
// answered with the binding patched, as any PATCH must (ga4.md,
// Endpoints); another's name would be kept for later requests.
func TestCreateConflictAnswerChecked(t *testing.T) {
	srv, team := start(t, fake.Seed{})
	d := newDriver(team, opts(nil), patchAnswer{})
	drivertest.Refresh(t, d)
	if _, err := srv.AddBinding("properties/1000", "jane@agency.com", "predefinedRoles/viewer"); err != nil {
		t.Fatal(err)
	}
	c := grantChange(plan.Create, "Web", "jane@agency.com", "", "editor")
	res, err := d.Apply(context.Background(), &c)
	if err == nil || res.Outcome != "" || !strings.Contains(err.Error(), `answered PATCH with the binding "properties/1000/accessBindings/another"`) {
		t.Errorf("%+v %v", res, err)
	}
}

// TestCreateConflictUnknownRole: a binding found after a 409 that holds a
// role roster does not know is left alone (ga4.md, What a reconciler must
// do, 3): the 409 stands.
func TestCreateConflictUnknownRole(t *testing.T) {
	srv, team := start(t, fake.Seed{})
	d := New(team, opts(nil))
	drivertest.Refresh(t, d)
	if _, err := srv.AddBinding("properties/1000", "jane@agency.com", "predefinedRoles/marketer"); err != nil {
		t.Fatalf("the fake refuses the Marketer role, which ga4.md lists: %v", err)
	}
	c := grantChange(plan.Create, "Web", "jane@agency.com", "", "editor")
	if _, err := d.Apply(context.Background(), &c); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("want the 409, got %v", err)
	}
	if got := srv.Bindings(); !slices.Contains(got, "properties/1000 jane@agency.com predefinedRoles/marketer") {
		t.Errorf("bindings:\n%s", strings.Join(got, "\n"))
	}
}

// TestCreateRefusedManual: any 400 on a create is "cannot bind this
// address", a manual step (ga4.md, Open questions: the status for an
// email with no Google account is unverified; "Treat any 400 on create as
// 'cannot bind this address', a manual step").
func TestCreateRefusedManual(t *testing.T) {
	srv, team := start(t, fake.Seed{})
	d := New(team, opts(nil))
	drivertest.Refresh(t, d)
	// Google's words come back in the step's note, redacted: a message
	// that quoted a line of the private key does not show it.
	leak := strings.Split(privPEM, "\n")[3]
	srv.Fail(fakekit.FailRule{Method: "POST", PathPrefix: "/v1alpha/accounts/100/accessBindings", Status: 400, Count: 1,
		Body: `{"error":{"code":400,"message":"The user is not a Google account (` + leak + `).","status":"INVALID_ARGUMENT"}}`})
	c := memberChange(plan.Create, "nobody@example.org", "", "viewer")
	res, err := d.Apply(context.Background(), &c)
	if err != nil || res.Outcome != driver.Manual || len(res.API) != 1 {
		t.Errorf("%+v %v", res, err)
	}
	for _, want := range []string{"Google Analytics refused POST /v1alpha/accounts/100/accessBindings (400): INVALID_ARGUMENT: The user is not a Google account (", "check the email"} {
		if !strings.Contains(res.Note, want) {
			t.Errorf("note %q, want %q in it", res.Note, want)
		}
	}
	canary(t, res.Note)
	// Other outcomes carry no note.
	c = memberChange(plan.Create, "bob@acme.com", "", "viewer")
	if res, err := d.Apply(context.Background(), &c); err != nil || res.Outcome != driver.Applied || res.Note != "" {
		t.Errorf("applied: %+v %v", res, err)
	}
}

// TestPacingWrites makes 200 writes at once by a fake clock: the first
// 180 go out at t0, the 181st waits until the minute (and the guard)
// has passed, no minute holds more than 180 (ga4.md, Rate limits: writes
// a minute per user), the wait is announced once, and reads are not held
// by the full write budget.
func TestPacingWrites(t *testing.T) {
	srv, team := start(t, fake.Seed{})
	clk := fakeclock.New(t0)
	var notes []string
	o := opts(nil)
	o.Clock, o.Notify = clk, func(m string) { notes = append(notes, m) }
	d := New(team, o)
	ctx := context.Background()
	if _, err := d.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	var at []time.Time
	for i := 0; i < 200; i++ {
		c := memberChange(plan.Create, fmt.Sprintf("u%03d@x.io", i), "", "viewer")
		res, err := d.Apply(ctx, &c)
		if err != nil || res.Outcome != driver.Applied {
			t.Fatalf("write %d: %+v %v", i, res, err)
		}
		at = append(at, clk.Now()) // Sleep comes before the request
		if i == 179 {
			// The write budget is spent; a refresh (reads only) is not held.
			if _, err := d.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			if !clk.Now().Equal(t0) {
				t.Errorf("a refresh after 180 writes waited until %s", clk.Now())
			}
		}
	}
	if n := len(srv.Bindings()); n != 201 {
		t.Errorf("%d bindings, want 201", n)
	}
	if !at[179].Equal(t0) {
		t.Errorf("the 180th write went out at %s, want t0", at[179])
	}
	if w := at[180].Sub(t0); w < time.Minute || w > time.Minute+2*time.Second {
		t.Errorf("the 181st write went out %s after t0, want just over a minute", w)
	}
	for i := range at {
		j := i
		for j < len(at) && at[j].Sub(at[i]) < time.Minute {
			j++
		}
		if j-i > 180 {
			t.Fatalf("%d writes within a minute from %s", j-i, at[i])
		}
	}
	if len(notes) != 1 || notes[0] != "Google Analytics accepts about 180 changes a minute; roster paces its requests (waiting 1m1s)" {
		t.Errorf("notes: %q", notes)
	}
}

// TestPacingReads: 600 requests a minute (ga4.md, Rate limits: requests
// a minute per user), reads alone included; the 601st waits a minute.
func TestPacingReads(t *testing.T) {
	_, team := start(t, fake.Seed{})
	clk := fakeclock.New(t0)
	var notes []string
	o := opts(nil)
	o.Clock, o.Notify = clk, func(m string) { notes = append(notes, m) }
	d := newDriver(team, o, nil)
	ctx := context.Background()
	for i := 0; i < 600; i++ {
		if _, _, err := d.readSummaries(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !clk.Now().Equal(t0) || len(notes) != 0 {
		t.Fatalf("600 reads waited until %s (notes %q)", clk.Now(), notes)
	}
	if _, _, err := d.readSummaries(ctx); err != nil {
		t.Fatal(err)
	}
	if w := clk.Now().Sub(t0); w < time.Minute || w > time.Minute+2*time.Second {
		t.Errorf("the 601st read went out %s after t0, want just over a minute", w)
	}
	if len(notes) != 1 || notes[0] != "Google Analytics accepts about 600 requests a minute; roster paces its requests (waiting 1m1s)" {
		t.Errorf("notes: %q", notes)
	}
}

// TestPacingWritesAfterReads: with the request quota spent by reads, the
// first write waits for it; it is counted among the writes when it goes
// out, so no minute of sending holds more than 180 writes.
func TestPacingWritesAfterReads(t *testing.T) {
	_, team := start(t, fake.Seed{})
	clk := fakeclock.New(t0)
	o := opts(nil)
	o.Clock = clk
	d := newDriver(team, o, nil)
	ctx := context.Background()
	if _, err := d.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute) // the refresh's reads leave the window
	base := clk.Now()
	for i := 0; i < 600; i++ {
		if _, _, err := d.readSummaries(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !clk.Now().Equal(base) {
		t.Fatalf("600 reads waited until %s", clk.Now())
	}
	var at []time.Time
	for i := 0; i < 181; i++ {
		c := memberChange(plan.Create, fmt.Sprintf("u%03d@x.io", i), "", "viewer")
		if res, err := d.Apply(ctx, &c); err != nil || res.Outcome != driver.Applied {
			t.Fatalf("write %d: %+v %v", i, res, err)
		}
		at = append(at, clk.Now())
	}
	if n := 181; at[n-1].Sub(at[0]) < time.Minute {
		t.Errorf("181 writes went out within %s (the first at %s)", at[n-1].Sub(at[0]), at[0])
	}
}

// TestPacingSharedByServiceAccount: the minute's quotas are the service
// account's (ga4.md, Rate limits), so two teams of a run that use one key
// pace together: after 180 writes through one, the other's first write
// waits for the minute. Drivers of separate runs (no Shared) do not.
func TestPacingSharedByServiceAccount(t *testing.T) {
	for _, shared := range []*driver.Shared{driver.NewShared(), nil} {
		_, team := start(t, fake.Seed{})
		other := *team
		other.Name = "other"
		clk := fakeclock.New(t0)
		o := opts(nil)
		o.Clock, o.Shared = clk, shared
		a, b := newDriver(team, o, nil), newDriver(&other, o, nil)
		ctx := context.Background()
		for _, d := range []*Driver{a, b} {
			if _, err := d.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 180; i++ {
			c := memberChange(plan.Create, fmt.Sprintf("u%03d@x.io", i), "", "viewer")
			if res, err := a.Apply(ctx, &c); err != nil || res.Outcome != driver.Applied {
				t.Fatalf("write %d: %+v %v", i, res, err)
			}
		}
		if !clk.Now().Equal(t0) {
			t.Fatalf("180 writes waited until %s", clk.Now())
		}
		c := memberChange(plan.Create, "last@x.io", "", "viewer")
		if res, err := b.Apply(ctx, &c); err != nil || res.Outcome != driver.Applied {
			t.Fatalf("the other team's write: %+v %v", res, err)
		}
		waited := clk.Now().Sub(t0)
		if shared != nil && waited < time.Minute {
			t.Errorf("shared: the other team's write waited %s, want a minute", waited)
		}
		if shared == nil && waited != 0 {
			t.Errorf("not shared: the other team's write waited %s", waited)
		}
	}
}

// A long message of Google's is cut at a rune's start, so the note that
// carries it into evidence stays valid UTF-8.
func TestMessageCutAtARune(t *testing.T) {
	_, team := start(t, fake.Seed{})
	d := newDriver(team, opts(nil), nil)
	long := strings.Repeat("a", 281) + strings.Repeat("é", 20) // "INVALID_ARGUMENT: " + 281 bytes: byte 300 is inside an é
	msg := d.message(&StatusError{HTTP: 400, Status: "INVALID_ARGUMENT", Message: long, req: &httpc.RequestError{}}, "")
	if !utf8.ValidString(msg) || !strings.Contains(msg, "...") {
		t.Errorf("%q", msg)
	}
}

// A list whose nextPageToken does not move is refused rather than read
// again and again (Endpoints, intro: pageToken continues a list).
func TestRepeatedPageToken(t *testing.T) {
	srv, team := start(t, fake.Seed{})
	srv.Fail(fakekit.FailRule{Method: "GET", PathPrefix: "/v1alpha/accounts/" + acct + "/accessBindings", Status: 200,
		Body: `{"accessBindings":[{"name":"accounts/100/accessBindings/9","user":"a@x.io","roles":["predefinedRoles/viewer"]}],"nextPageToken":"again"}`})
	_, err := New(team, opts(nil)).Refresh(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Google Analytics answered GET /v1alpha/accounts/"+acct+"/accessBindings with the same nextPageToken twice") {
		t.Fatalf("refresh: %v", err)
	}
	reads := 0
	for _, l := range srv.Requests() {
		if strings.HasPrefix(l, "GET /v1alpha/accounts/"+acct+"/accessBindings") {
			reads++
		}
	}
	if reads != 2 {
		t.Errorf("%d reads of the list, want 2: %q", reads, srv.Requests())
	}
}

// TestCreateConflictHigherRole: a binding made since the refresh with a
// role above the plan's (an administrator, or data the plan's role does
// not show) is not PATCHed down: that would lower access the plan never
// showed (sync.md, Reading safely: apply sends nothing the plan did not
// show). The change fails and asks for a new plan.
func TestCreateConflictHigherRole(t *testing.T) {
	for _, found := range [][]string{
		{"predefinedRoles/admin"},
		{"predefinedRoles/editor"},
		{"predefinedRoles/viewer"}, // the plan's viewer restricts cost data
	} {
		t.Run(found[0], func(t *testing.T) {
			srv, team := start(t, fake.Seed{})
			d := New(team, opts(nil))
			drivertest.Refresh(t, d)
			if _, err := srv.AddBinding("properties/1000", "jane@agency.com", found...); err != nil {
				t.Fatal(err)
			}
			srv.ResetRequests()
			role := "analyst"
			if found[0] == "predefinedRoles/viewer" {
				role = "viewer_no_cost"
			}
			c := grantChange(plan.Create, "Web", "jane@agency.com", "", role)
			res, err := d.Apply(context.Background(), &c)
			if err == nil || res.Outcome != "" || !strings.Contains(err.Error(), "run roster plan again") {
				t.Errorf("applied: %+v %v", res, err)
			}
			for _, r := range srv.Requests() {
				if strings.HasPrefix(r, "PATCH ") {
					t.Errorf("sent %s, which the plan did not show", r)
				}
			}
			if got := srv.Bindings(); !slices.Contains(got, "properties/1000 jane@agency.com "+strings.Join(found, " ")) {
				t.Errorf("bindings:\n%s", strings.Join(got, "\n"))
			}
		})
	}
}
