package matomo

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func testSeed() Seed {
	return Seed{
		Tokens: map[string]string{"root-tok": "root", "ann-tok": "ann", "vic-tok": "vic"},
		Users: []SeedUser{
			{Login: "root", Email: "root@acme.com", Superuser: true},
			{Login: "ann", Email: "ann@acme.com"},
			{Login: "vic", Email: "vic@acme.com"},
			{Login: "pen", Email: "pen@x.io", InviteExpires: "2026-03-05T12:00:00Z", InvitedBy: "ann"},
		},
		Sites:  []SeedSite{{ID: 1, Name: "Shop"}, {ID: 2, Name: "Blog"}},
		Access: []SeedAccess{{Login: "ann", Site: 1, Access: []string{"admin"}}, {Login: "vic", Site: 1, Access: []string{"view"}}, {Login: "pen", Site: 1, Access: []string{"view"}}},
	}
}

func post(t *testing.T, base, query string, form url.Values, header map[string]string) (int, string, http.Header) {
	t.Helper()
	req := fakekit.NewRequest(t, "POST", base+"/index.php"+query, "", "application/x-www-form-urlencoded", []byte(form.Encode()))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	a := fakekit.Send(t, req)
	return a.Status, a.Raw, a.Header
}

func form(tok, method string, kv ...string) url.Values {
	f := url.Values{"module": {"API"}, "format": {"JSON"}, "method": {method}}
	if tok != "" {
		f.Set("token_auth", tok)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	return f
}

// TestFacts checks the fake against docs/apis/matomo.md, one fact a
// case (the section is named in each).
func TestFacts(t *testing.T) {
	type row struct {
		fact   string
		query  string
		form   url.Values
		header map[string]string
		status int
		body   string
		seed   func(*Seed) // a change to testSeed for this fact
	}
	rows := []row{
		{"Auth: bad token, POST wording", "", form("nope", "UsersManager.getUsers"), nil, 401, "It is either invalid or expired.", nil},
		{"Auth: token in the query since 5.0", "?token_auth=root-tok", form("", "UsersManager.getUsers"), nil, 401, "required to be sent as a POST parameter", nil},
		{"Auth: the default format is XML", "", func() url.Values { f := form("root-tok", "API.getMatomoVersion"); f.Del("format"); return f }(), nil, 200, "<?xml", nil},
		{"Response format: a scalar is wrapped", "", form("root-tok", "API.getMatomoVersion"), nil, 200, `{"value":"5.2.0"}`, nil},
		{"Response format: unknown method is 400", "", form("root-tok", "UsersManager.nope"), nil, 400, "The method 'nope' does not exist or is not available in the module 'UsersManager'.", nil},
		{"Auth: getSitesAccessFromUser is superuser only", "", form("ann-tok", "UsersManager.getSitesAccessFromUser", "userLogin", "ann"), nil, 401, "requires a 'superuser' access", nil},
		{"Endpoints: getSitesAccessFromUser, one row per access row", "", form("root-tok", "UsersManager.getSitesAccessFromUser", "userLogin", "ann"), nil, 200, `[{"access":"admin","site":"1"}]`, nil},
		{"Endpoints: getUsers needs admin somewhere", "", form("vic-tok", "UsersManager.getUsers"), nil, 401, "requires admin access for at least one website", nil},
		{"Auth: an admin sees no other user's email", "", form("ann-tok", "UsersManager.getUsers"), nil, 200, `{"invite_status":"active","login":"vic","superuser_access":"0","uses_2fa":false}`, nil},
		{"Response format: superuser_access is the raw column in getUsers", "", form("root-tok", "UsersManager.getUsers"), nil, 200, `"superuser_access":"1"`, nil},
		{"Endpoints: invite_status is whole days left", "", form("root-tok", "UsersManager.getUsers"), nil, 200, `"invite_status":3,"invited_by":"ann","login":"pen"`, nil},
		{"Endpoints: getUsersPlusRole role and explicit capabilities", "", form("root-tok", "UsersManager.getUsersPlusRole", "idSite", "1", "filter_access", "some", "limit", "1", "offset", "1"), nil, 200, `"capabilities":[],"email":"pen@x.io"`, nil},
		{"Errors: setUserAccess without a role", "", form("root-tok", "UsersManager.setUserAccess", "userLogin", "vic", "access[]", "tagmanager_write", "idSites", "1"), nil, 200, `{"message":"No role is set but one of these needs to be set: view, write, admin","result":"error"}`, nil},
		{"Errors: setUserAccess with two roles", "", form("root-tok", "UsersManager.setUserAccess", "userLogin", "vic", "access[]", "view", "access[]", "write", "idSites", "1"), nil, 200, "Only one role can be set", nil},
		{"Errors: setUserAccess bad value lists roles then capabilities", "", form("root-tok", "UsersManager.setUserAccess", "userLogin", "vic", "access[]", "edit", "idSites", "1"), nil, 200, "[ view, write, admin, tagmanager_write, tagmanager_publish_live_container, tagmanager_use_custom_templates ], 'edit' given.", nil},
		{"Errors: setUserAccess on a superuser", "", form("root-tok", "UsersManager.setUserAccess", "userLogin", "root", "access", "view", "idSites", "1"), nil, 200, "has Super User access", nil},
		{"Errors: setUserAccess without idSites", "", form("root-tok", "UsersManager.setUserAccess", "userLogin", "vic", "access", "view"), nil, 200, "Specify at least one website ID in &idSites=", nil},
		{"Errors: admin needed on the site", "", form("ann-tok", "UsersManager.setUserAccess", "userLogin", "vic", "access", "view", "idSites", "2"), nil, 401, "requires 'admin' access for the website id = 2.", nil},
		{"Errors: addCapabilities needs a role", "", form("root-tok", "UsersManager.addCapabilities", "userLogin", "vic", "capabilities[]", "tagmanager_write", "idSites", "2"), nil, 200, "The user needs at least view access.", nil},
		{"Errors: an unknown capability is a 500 that is not JSON", "", form("root-tok", "UsersManager.addCapabilities", "userLogin", "vic", "capabilities[]", "nope", "idSites", "1"), nil, 500, "Fatal error", nil},
		{"Errors: inviteUser needs initialIdSite", "", form("root-tok", "UsersManager.inviteUser", "userLogin", "zed", "email", "zed@x.io"), nil, 200, "please set the 'initialIdSite' parameter.", nil},
		{"Errors: inviteUser, unknown site", "", form("root-tok", "UsersManager.inviteUser", "userLogin", "zed", "email", "zed@x.io", "initialIdSite", "999"), nil, 200, "website id was set to '999' .", nil},
		{"Errors: inviteUser, login taken", "", form("root-tok", "UsersManager.inviteUser", "userLogin", "ann", "email", "ann2@x.io", "initialIdSite", "1"), nil, 200, "Username: Username 'ann' already exists.", nil},
		{"Errors: inviteUser, login format", "", form("root-tok", "UsersManager.inviteUser", "userLogin", "o'neil", "email", "o@x.io", "initialIdSite", "1"), nil, 200, "Username: The username must be between 2 and 100 characters", nil},
		{"Errors: inviteUser, email taken", "", form("root-tok", "UsersManager.inviteUser", "userLogin", "ann3", "email", "ann@acme.com", "initialIdSite", "1"), nil, 200, "Email: User with email 'ann@acme.com' already exists.", nil},
		{"Auth: session auth asks the password for inviteUser", "", form("root-tok", "UsersManager.inviteUser", "userLogin", "zed", "email", "zed@x.io", "initialIdSite", "1", "force_api_session", "1"), nil, 200, "Please enter your password to confirm this change.", nil},
		{"Semantics: setSuperUserAccess always needs the password", "", form("root-tok", "UsersManager.setSuperUserAccess", "userLogin", "ann", "hasSuperUserAccess", "1"), nil, 200, "Please enter your password to confirm this change.", nil},
		{"Errors: resendInvite of a user not pending", "", form("root-tok", "UsersManager.resendInvite", "userLogin", "ann"), nil, 200, "User 'ann' doesn't exist.", nil},
		{"Errors: resendInvite by another admin", "", form("ann-tok", "UsersManager.resendInvite", "userLogin", "vic"), nil, 200, "User 'vic' doesn't exist.", nil},
		{"Errors: deleteUser of the last superuser", "", form("root-tok", "UsersManager.deleteUser", "userLogin", "root"), nil, 200, "There has to be at least one user with Super User access.", nil},
		{"Errors: a non-superuser deletes only pending users it invited", "", form("ann-tok", "UsersManager.deleteUser", "userLogin", "vic"), nil, 401, "User 'vic' doesn't exist.", nil},
		{"Auth: Bearer is ignored before 5.4 (the POST token counts)", "", form("root-tok", "API.getMatomoVersion"), map[string]string{"Authorization": "Bearer other"}, 200, `"5.2.0"`, nil},
		// The facts the driver's reads and writes rest on.
		{"Endpoints: getUsersHavingSuperUserAccess lists the superusers with login and email", "", form("root-tok", "UsersManager.getUsersHavingSuperUserAccess"), nil, 200, `[{"email":"root@acme.com","login":"root","superuser_access":true}]`, nil},
		{"Endpoints: getSitesWithAdminAccess is a list ordered by idsite, ids as strings", "", form("root-tok", "SitesManager.getSitesWithAdminAccess", "fetchAliasUrls", "0"), nil, 200, `[{"currency":"EUR","idsite":"1","main_url":"https://site1.example","name":"Shop"`, nil},
		{"Endpoints: getUsersPlusRole gives a superuser role superuser, capabilities [] and superuser_access a boolean", "", form("root-tok", "UsersManager.getUsersPlusRole", "idSite", "2", "filter_access", "some", "limit", "100"), nil, 200, `[{"capabilities":[],"email":"root@acme.com","invite_status":"active","login":"root","role":"superuser","superuser_access":true`, nil},
		{"Endpoints: getUsersPlusRole with filter_access=some leaves out users with no role on the site", "", form("root-tok", "UsersManager.getUsersPlusRole", "idSite", "2", "filter_access", "some", "limit", "100"), nil, 200, `"superuser_access":true,"uses_2fa":false}]`, nil},
		{"Response format: a void method answers {result:success,message:ok}", "", form("root-tok", "UsersManager.setUserAccess", "userLogin", "vic", "access", "view", "idSites", "2"), nil, 200, `{"message":"ok","result":"success"}`, nil},
		{"Semantics: the anonymous user exists (anonymous@example.org)", "", form("root-tok", "UsersManager.getUsers"), nil, 200, `"email":"anonymous@example.org"`, nil},
		{"Auth: from 5.4, a Bearer token that differs from the POST token is 400", "", form("root-tok", "API.getMatomoVersion"), map[string]string{"Authorization": "Bearer other"}, 400, `"result":"error"`, func(s *Seed) { s.Version = "5.4.0" }},
		{"Auth: from 5.4, the Bearer header is read", "", form("", "API.getMatomoVersion"), map[string]string{"Authorization": "Bearer root-tok"}, 200, `{"value":"5.4.0"}`, func(s *Seed) { s.Version = "5.4.0" }},
		{"Errors: setUserAccess of an unknown user", "", form("root-tok", "UsersManager.setUserAccess", "userLogin", "nobody", "access", "view", "idSites", "1"), nil, 200, "User 'nobody' doesn't exist.", nil},
		{"Errors: removeCapabilities of a capability the role implies is a silent success", "", form("root-tok", "UsersManager.removeCapabilities", "userLogin", "ann", "capabilities[]", "tagmanager_write", "idSites", "1"), nil, 200, `{"message":"ok","result":"success"}`, nil},
	}
	fakekit.RunFacts(t, rows, func(r row) fakekit.Fact {
		return fakekit.Fact{Cite: r.fact, Method: "POST", Path: "/index.php" + r.query + " " + r.form.Get("method"), Status: r.status, Has: []string{r.body}}
	}, func(t *testing.T, r row) (int, string) {
		seed := testSeed()
		if r.seed != nil {
			r.seed(&seed)
		}
		srv := New(Options{Seed: seed, Now: t0})
		defer srv.Close()
		status, body, _ := post(t, srv.URL, r.query, r.form, r.header)
		return status, body
	})
}

func TestSemantics(t *testing.T) {
	srv := New(Options{Seed: testSeed(), Now: t0})
	defer srv.Close()
	do := func(f url.Values) string {
		_, b, _ := post(t, srv.URL, "", f, nil)
		return b
	}
	access := func(login string, site int) []string {
		for _, a := range srv.Dump().Access {
			if a.Login == login && a.Site == site {
				return a.Access
			}
		}
		return nil
	}
	// setUserAccess replaces the whole grant: a role change without the
	// capability drops it; implied capabilities are not stored.
	do(form("root-tok", "UsersManager.setUserAccess", "userLogin", "vic", "access[]", "view", "access[]", "tagmanager_write", "idSites", "1"))
	if got := access("vic", 1); strings.Join(got, ",") != "view,tagmanager_write" {
		t.Errorf("vic: %q", got)
	}
	do(form("root-tok", "UsersManager.setUserAccess", "userLogin", "vic", "access", "write", "idSites", "1"))
	if got := access("vic", 1); strings.Join(got, ",") != "write" {
		t.Errorf("after the role change: %q", got)
	}
	do(form("root-tok", "UsersManager.setUserAccess", "userLogin", "vic", "access[]", "admin", "access[]", "tagmanager_publish_live_container", "idSites", "1"))
	if got := access("vic", 1); strings.Join(got, ",") != "admin" {
		t.Errorf("implied capability stored: %q", got)
	}
	// noaccess removes; an unknown numeric idsite is written anyway.
	do(form("root-tok", "UsersManager.setUserAccess", "userLogin", "vic", "access", "noaccess", "idSites", "1"))
	if access("vic", 1) != nil {
		t.Error("noaccess kept a row")
	}
	if b := do(form("root-tok", "UsersManager.setUserAccess", "userLogin", "vic", "access", "view", "idSites", "999")); !strings.Contains(b, "success") {
		t.Errorf("unknown idsite: %s", b)
	}
	// inviteUser grants view on initialIdSite; the user is pending with
	// the expiry asked; paging reports the total in a header (ann, pen,
	// root on site 1).
	if b := do(form("root-tok", "UsersManager.inviteUser", "userLogin", "zed@x.io", "email", "zed@x.io", "initialIdSite", "2", "expiryInDays", "7")); !strings.Contains(b, `"result":"success"`) {
		t.Fatal(b)
	}
	if got := access("zed@x.io", 2); strings.Join(got, ",") != "view" {
		t.Errorf("invitee: %q", got)
	}
	_, body, h := post(t, srv.URL, "", form("root-tok", "UsersManager.getUsersPlusRole", "idSite", "1", "filter_access", "some", "limit", "2"), nil)
	var rows []map[string]any
	if err := json.Unmarshal([]byte(body), &rows); err != nil || len(rows) != 2 || h.Get("X-Matomo-Total-Results") != "3" {
		t.Errorf("paging: %d rows, total %q, %s", len(rows), h.Get("X-Matomo-Total-Results"), body)
	}
	// Expired: "expired"; resend renews; 3 days after expiry the daily
	// task deletes the user.
	srv.Advance(8 * 24 * time.Hour)
	if !strings.Contains(do(form("root-tok", "UsersManager.getUsers")), `"invite_status":"expired","invited_by":"root","login":"zed@x.io"`) {
		t.Error("not expired")
	}
	do(form("root-tok", "UsersManager.resendInvite", "userLogin", "zed@x.io", "expiryInDays", "7"))
	if !strings.Contains(do(form("root-tok", "UsersManager.getUsers")), `"invite_status":7,"invited_by":"root","login":"zed@x.io"`) {
		t.Error("resend did not renew")
	}
	srv.Advance(11 * 24 * time.Hour)
	if strings.Contains(do(form("root-tok", "UsersManager.getUsers")), `zed@x.io`) {
		t.Error("not cleaned up 3 days after expiry")
	}
	// Every API request is logged with its method.
	if l := srv.Requests(); len(l) == 0 || l[0] != "POST /index.php?method=UsersManager.setUserAccess" {
		t.Errorf("log %q", l)
	}
}
