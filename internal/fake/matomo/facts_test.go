package matomo

import (
	"net/url"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// TestFacts holds the fake to docs/apis/matomo.md, one row a fact the
// fake implements or the driver relies on, each citing its section and
// line there. TestSemantics beside it follows one instance through
// several steps at length; this table is the index from the document to
// the fake.
//
// Every row runs against a fresh fake seeded with testSeed (root is the
// superuser; ann administers site 1, where vic views and pen, invited by
// ann, is pending with 3 days left), changed by the row's seed. The
// row's before calls are made first and must not fail; the row's own
// call is then checked. Its raw answer, for the table, is the body after
// a "Content-Type: …" line and, when Matomo sends it, an
// "X-Matomo-Total-Results: N" line.
func TestFacts(t *testing.T) {
	type row struct {
		fact   string // matomo.md, section (line): the fact
		seed   func(*Seed)
		before []url.Values
		query  string // the query string of the row's call
		form   url.Values
		header map[string]string
		status int
		has    []string // substrings of the raw answer
		lacks  []string
	}
	const (
		rootTok = "root-tok"
		annTok  = "ann-tok"
		vicTok  = "vic-tok"
		success = `{"message":"ok","result":"success"}`
		vicRow  = `{"email":"vic@acme.com","invite_status":"active","login":"vic","superuser_access":"0","uses_2fa":false}`
	)
	version := func(v string) func(*Seed) { return func(s *Seed) { s.Version = v } }
	// user adds a user, with a token named LOGIN-tok, pending when
	// expires is set, and the access given on site 1.
	user := func(login, expires, invitedBy string, access ...string) func(*Seed) {
		return func(s *Seed) {
			s.Users = append(s.Users, SeedUser{Login: login, Email: login + "@x.io", InviteExpires: expires, InvitedBy: invitedBy})
			s.Tokens[login+"-tok"] = login
			if len(access) > 0 {
				s.Access = append(s.Access, SeedAccess{Login: login, Site: 1, Access: access})
			}
		}
	}
	onSite2 := func(login string, access ...string) func(*Seed) {
		return func(s *Seed) {
			s.Users = append(s.Users, SeedUser{Login: login, Email: login + "@x.io"})
			s.Access = append(s.Access, SeedAccess{Login: login, Site: 2, Access: access})
		}
	}
	both := func(fs ...func(*Seed)) func(*Seed) {
		return func(s *Seed) {
			for _, f := range fs {
				f(s)
			}
		}
	}
	noFormat := func(f url.Values) url.Values { f.Del("format"); return f }
	rows := []row{
		// --- Auth ---
		{fact: "Auth (31): POST index.php with module=API, method, format=JSON and token_auth, all in the form body",
			form: form(rootTok, "API.getMatomoVersion"), status: 200, has: []string{"Content-Type: application/json", `{"value":"5.2.0"}`}},
		{fact: "Auth (31): module=API is part of every call",
			form: func() url.Values { f := form(rootTok, "API.getMatomoVersion"); f.Del("module"); return f }(), status: 400, has: []string{`"result":"error"`}},
		{fact: "Auth (32-33, 40): since 5.0 a token in the query string is refused, with the GET wording",
			query: "?token_auth=" + rootTok, form: form("", "UsersManager.getUsers"), status: 401,
			has: []string{`{"message":"Unable to authenticate with the provided token. It is either invalid, expired or is required to be sent as a POST parameter.","result":"error"}`}},
		{fact: "Auth (32-33): a token in the query string is not sent securely, even with the same token in POST",
			query: "?token_auth=" + rootTok, form: form(rootTok, "UsersManager.getUsers"), status: 401,
			has: []string{"required to be sent as a POST parameter"}},
		{fact: "Auth (33): before 5.0 a token in the query string is accepted",
			seed: version("4.16.1"), query: "?token_auth=" + rootTok, form: form("", "API.getMatomoVersion"), status: 200,
			has: []string{`{"value":"4.16.1"}`}},
		{fact: "Auth (34): the default format is XML",
			form: noFormat(form(rootTok, "API.getMatomoVersion")), status: 200, has: []string{"Content-Type: text/xml", "<?xml"}},
		{fact: "Auth (35): from 5.4 the Authorization: Bearer header is read",
			seed: version("5.4.0"), form: form("", "API.getMatomoVersion"), header: map[string]string{"Authorization": "Bearer " + rootTok}, status: 200,
			has: []string{`{"value":"5.4.0"}`}},
		{fact: "Auth (35): from 5.4 a Bearer token that differs from the POST token is 400",
			seed: version("5.4.0"), form: form(rootTok, "API.getMatomoVersion"), header: map[string]string{"Authorization": "Bearer other"}, status: 400,
			has: []string{`"result":"error"`}},
		{fact: "Auth (35-36): before 5.4 the Bearer header is ignored; the POST token counts",
			form: form(rootTok, "API.getMatomoVersion"), header: map[string]string{"Authorization": "Bearer other"}, status: 200,
			has: []string{`{"value":"5.2.0"}`}},
		{fact: "Auth (36): the token in the POST body works on 4.x",
			seed: version("4.12.0"), form: form(rootTok, "API.getMatomoVersion"), status: 200, has: []string{`{"value":"4.12.0"}`}},
		{fact: "Auth (37, 55): under force_api_session=1 inviteUser asks for passwordConfirmation",
			form: form(rootTok, "UsersManager.inviteUser", "userLogin", "zed", "email", "zed@x.io", "initialIdSite", "1", "force_api_session", "1"), status: 200,
			has: []string{`{"message":"Please enter your password to confirm this change.","result":"error"}`}},
		{fact: "Auth (37, 55): under force_api_session=1 deleteUser asks for passwordConfirmation",
			form: form(rootTok, "UsersManager.deleteUser", "userLogin", "vic", "force_api_session", "1"), status: 200,
			has: []string{"Please enter your password to confirm this change."}},
		{fact: "Auth (37, 55): under force_api_session=1 resendInvite asks for passwordConfirmation",
			form: form(rootTok, "UsersManager.resendInvite", "userLogin", "pen", "force_api_session", "1"), status: 200,
			has: []string{"Please enter your password to confirm this change."}},
		{fact: "Auth (39): a bad token in POST is 401, invalid or expired",
			form: form("nope", "UsersManager.getUsers"), status: 401,
			has: []string{`{"message":"Unable to authenticate with the provided token. It is either invalid or expired.","result":"error"}`}},
		{fact: "Auth (44, 184): an admin sees other users without email and without uses_2fa",
			form: form(annTok, "UsersManager.getUsers"), status: 200,
			has: []string{`{"invite_status":"active","login":"vic","superuser_access":"0"}`}, lacks: []string{"vic@acme.com", "uses_2fa"}},
		{fact: "Auth (44): an admin sees its own email",
			form: form(annTok, "UsersManager.getUsers"), status: 200, has: []string{`"email":"ann@acme.com","invite_status":"active","login":"ann"`}},
		{fact: "Auth (44), Endpoints (77): an admin sees superusers' emails (getUsersHavingSuperUserAccess)",
			form: form(annTok, "UsersManager.getUsersHavingSuperUserAccess"), status: 200, has: []string{`"email":"root@acme.com"`}},
		{fact: "Auth (45): an admin's lists cover only users with access to sites it manages",
			seed: onSite2("bob", "view"), form: form(annTok, "UsersManager.getUsers"), status: 200,
			has: []string{`"login":"vic"`}, lacks: []string{`"login":"bob"`}},
		{fact: "Auth (45-46): an admin's getUsersPlusRole leaves out users with no access to its sites, and others' pending invitations",
			seed: both(onSite2("bob", "view"), user("pat", "2026-03-06T10:00:00Z", "root", "view")),
			form: form(annTok, "UsersManager.getUsersPlusRole", "idSite", "1"), status: 200,
			has: []string{`"login":"pen"`, `"login":"vic"`}, lacks: []string{`"login":"bob"`, `"login":"pat"`}},
		{fact: "Auth (46): an admin sees pending invitations it made, not others'",
			seed: user("pat", "2026-03-06T10:00:00Z", "root", "view"), form: form(annTok, "UsersManager.getUsers"), status: 200,
			has: []string{`"login":"pen"`}, lacks: []string{`"login":"pat"`}},
		{fact: "Auth (47), Errors (143): an admin may delete a pending user it invited",
			form: form(annTok, "UsersManager.deleteUser", "userLogin", "pen"), status: 200, has: []string{success}},
		{fact: "Auth (47), Errors (143): an admin deleting anyone else gets 401 User 'x' doesn't exist.",
			form: form(annTok, "UsersManager.deleteUser", "userLogin", "vic"), status: 401,
			has: []string{`{"message":"User 'vic' doesn't exist.","result":"error"}`}},
		{fact: "Auth (48), Endpoints (81), Errors (113): getSitesAccessFromUser refuses an admin: 401 superuser access",
			form: form(annTok, "UsersManager.getSitesAccessFromUser", "userLogin", "ann"), status: 401,
			has: []string{`{"message":"You can't access this resource as it requires a 'superuser' access.","result":"error"}`}},
		{fact: "Auth (51), Endpoints (77): getUsersHavingSuperUserAccess answers any authenticated caller, an admin too",
			form: form(annTok, "UsersManager.getUsersHavingSuperUserAccess"), status: 200, has: []string{`[{"email":"root@acme.com","login":"root","superuser_access":true}]`}},
		{fact: "Auth (54), Endpoints (90), Errors (146): setSuperUserAccess without passwordConfirmation",
			form: form(rootTok, "UsersManager.setSuperUserAccess", "userLogin", "ann", "hasSuperUserAccess", "1"), status: 200,
			has: []string{`{"message":"Please enter your password to confirm this change.","result":"error"}`}},
		{fact: "Auth (54): updateUser changing an email needs passwordConfirmation",
			form: form(rootTok, "UsersManager.updateUser", "userLogin", "vic", "email", "vic2@acme.com"), status: 200,
			has: []string{"Please enter your password to confirm this change."}},
		{fact: "Auth (55), Version differences (195): under force_api_session=1 setUserAccess giving anonymous view asks for passwordConfirmation",
			form: form(rootTok, "UsersManager.setUserAccess", "userLogin", "anonymous", "access", "view", "idSites", "1", "force_api_session", "1"), status: 200,
			has: []string{"Please enter your password to confirm this change."}},
		{fact: "Auth (56): setUserAccess otherwise never asks for passwordConfirmation, even under force_api_session=1",
			form: form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access", "write", "idSites", "1", "force_api_session", "1"), status: 200,
			has: []string{success}},
		{fact: "Auth (56): addCapabilities never asks for passwordConfirmation",
			form: form(rootTok, "UsersManager.addCapabilities", "userLogin", "vic", "capabilities[]", "tagmanager_write", "idSites", "1", "force_api_session", "1"), status: 200,
			has: []string{success}},
		{fact: "Auth (58): access[] is a PHP form array: one role plus capabilities",
			before: []url.Values{form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access[]", "view", "access[]", "tagmanager_write", "idSites", "1")},
			form:   form(rootTok, "UsersManager.getSitesAccessFromUser", "userLogin", "vic"), status: 200,
			has: []string{`[{"access":"view","site":"1"},{"access":"tagmanager_write","site":"1"}]`}},
		{fact: "Auth (58): idSites takes a comma list",
			before: []url.Values{form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access", "write", "idSites", "1,2")},
			form:   form(rootTok, "UsersManager.getSitesAccessFromUser", "userLogin", "vic"), status: 200,
			has: []string{`[{"access":"write","site":"1"},{"access":"write","site":"2"}]`}},
		{fact: "Auth (58): idSites takes idSites[]",
			before: []url.Values{form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access", "write", "idSites[]", "1", "idSites[]", "2")},
			form:   form(rootTok, "UsersManager.getSitesAccessFromUser", "userLogin", "vic"), status: 200,
			has: []string{`[{"access":"write","site":"1"},{"access":"write","site":"2"}]`}},
		{fact: "Auth (58): idSites=all is every site where the caller is admin",
			before: []url.Values{form(annTok, "UsersManager.setUserAccess", "userLogin", "vic", "access", "write", "idSites", "all")},
			form:   form(rootTok, "UsersManager.getSitesAccessFromUser", "userLogin", "vic"), status: 200,
			has: []string{`[{"access":"write","site":"1"}]`}},
		{fact: "Auth (58): a missing required parameter gives Please specify a value for 'userLogin'.",
			form: form(rootTok, "UsersManager.setUserAccess", "access", "view", "idSites", "1"), status: 200,
			has: []string{`{"message":"Please specify a value for 'userLogin'.","result":"error"}`}},
		{fact: "Auth (58): a missing userLogin of deleteUser gives Please specify a value for 'userLogin'.",
			form: form(rootTok, "UsersManager.deleteUser"), status: 200,
			has: []string{"Please specify a value for 'userLogin'."}},
		{fact: "Auth (58): a missing idSite of getUsersPlusRole gives Please specify a value for 'idSite'.",
			form: form(rootTok, "UsersManager.getUsersPlusRole"), status: 200,
			has: []string{"Please specify a value for 'idSite'."}},

		// --- Response format ---
		{fact: "Response format (61): setUserAccess succeeds with {result:success,message:ok}",
			form: form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access", "view", "idSites", "2"), status: 200, has: []string{success}},
		{fact: "Response format (61): inviteUser succeeds with {result:success,message:ok}",
			form: form(rootTok, "UsersManager.inviteUser", "userLogin", "zed@x.io", "email", "zed@x.io", "initialIdSite", "2", "expiryInDays", "7"), status: 200, has: []string{success}},
		{fact: "Response format (61): deleteUser succeeds with {result:success,message:ok}",
			form: form(rootTok, "UsersManager.deleteUser", "userLogin", "vic"), status: 200, has: []string{success}},
		{fact: "Response format (61): addCapabilities succeeds with {result:success,message:ok}",
			form: form(rootTok, "UsersManager.addCapabilities", "userLogin", "vic", "capabilities", "tagmanager_write", "idSites", "1"), status: 200, has: []string{success}},
		{fact: "Response format (61): removeCapabilities succeeds with {result:success,message:ok}",
			form: form(rootTok, "UsersManager.removeCapabilities", "userLogin", "vic", "capabilities[]", "tagmanager_write", "idSites", "1"), status: 200, has: []string{success}},
		{fact: "Response format (61): resendInvite succeeds with {result:success,message:ok}",
			form: form(rootTok, "UsersManager.resendInvite", "userLogin", "pen"), status: 200, has: []string{success}},
		{fact: "Response format (62): a scalar comes back wrapped as {value}",
			form: form(rootTok, "API.getMatomoVersion"), status: 200, has: []string{`{"value":"5.2.0"}`}},
		{fact: "Response format (63-64), Endpoints (78): getSitesWithAdminAccess is a JSON array, ids as strings",
			form: form(rootTok, "SitesManager.getSitesWithAdminAccess", "fetchAliasUrls", "0"), status: 200, has: []string{`[{"currency":"EUR","idsite":"1",`}},
		{fact: "Response format (65, 68): a validation failure is HTTP 200 with {result:error,message}",
			form: form(rootTok, "UsersManager.setUserAccess", "userLogin", "nobody", "access", "view", "idSites", "1"), status: 200,
			has: []string{`{"message":"User 'nobody' doesn't exist.","result":"error"}`}},
		{fact: "Response format (66), Errors (112): NoAccessException is 401: no admin right on the site",
			form: form(annTok, "UsersManager.setUserAccess", "userLogin", "vic", "access", "view", "idSites", "2"), status: 401,
			has: []string{`{"message":"You can't access this resource as it requires 'admin' access for the website id = 2.","result":"error"}`}},
		{fact: "Response format (67): an unknown method is 400, does not exist or is not available",
			form: form(rootTok, "UsersManager.nope"), status: 400,
			has: []string{`{"message":"The method 'nope' does not exist or is not available in the module 'UsersManager'.","result":"error"}`}},
		{fact: "Response format (70): filter_limit and filter_offset apply to list responses",
			form: form(rootTok, "UsersManager.getUsers", "filter_limit", "1", "filter_offset", "1"), status: 200,
			has: []string{`[{"email":"anonymous@example.org"`}, lacks: []string{`"login":"ann"`, `"login":"pen"`}},
		{fact: "Response format (70): filter_limit -1 means all",
			form: form(rootTok, "UsersManager.getUsers", "filter_limit", "-1"), status: 200,
			has: []string{`"login":"ann"`, `"login":"vic"`}},

		// --- Endpoints ---
		{fact: "Endpoints (76): API.getMatomoVersion answers {value}",
			form: form(vicTok, "API.getMatomoVersion"), status: 200, has: []string{`{"value":"5.2.0"}`}},
		{fact: "Endpoints (76), Response format (66): API.getMatomoVersion needs some view access: a user with none gets 401",
			seed: user("nob", "", ""), form: form("nob-tok", "API.getMatomoVersion"), status: 401, has: []string{`"result":"error"`}, lacks: []string{"5.2.0"}},
		{fact: "Endpoints (78): getSitesWithAdminAccess rows ordered by idsite, with idsite, name, main_url, timezone, currency, type",
			form: form(rootTok, "SitesManager.getSitesWithAdminAccess", "fetchAliasUrls", "0"), status: 200,
			has: []string{`"idsite":"1","main_url":"https://site1.example","name":"Shop","timezone":"UTC","type":"website"},{"currency":"EUR","idsite":"2",`}},
		{fact: "Endpoints (78): a superuser gets every site",
			form: form(rootTok, "SitesManager.getSitesWithAdminAccess"), status: 200, has: []string{`"name":"Shop"`, `"name":"Blog"`}},
		{fact: "Endpoints (78): an admin gets the sites it administers",
			form: form(annTok, "SitesManager.getSitesWithAdminAccess"), status: 200, has: []string{`"name":"Shop"`}, lacks: []string{`"name":"Blog"`}},
		{fact: "Endpoints (78), Semantics (181): getSitesWithAdminAccess takes limit",
			form: form(rootTok, "SitesManager.getSitesWithAdminAccess", "limit", "1"), status: 200, has: []string{`"name":"Shop"`}, lacks: []string{`"name":"Blog"`}},
		{fact: "Endpoints (79): getUsers lists every user, login ascending, enriched",
			form: form(rootTok, "UsersManager.getUsers"), status: 200,
			has: []string{`"login":"ann","superuser_access":"0","uses_2fa":false},{"email":"anonymous@example.org"`, `"login":"root","superuser_access":"1","uses_2fa":false},` + vicRow + `]`}},
		{fact: "Endpoints (79): getUsers takes userLogins, a comma list",
			form: form(rootTok, "UsersManager.getUsers", "userLogins", "vic,root"), status: 200,
			has: []string{`"login":"root"`, vicRow}, lacks: []string{`"login":"ann"`, `"login":"pen"`}},
		{fact: "Endpoints (79): getUsers needs admin access for at least one website: 401",
			form: form(vicTok, "UsersManager.getUsers"), status: 401,
			has: []string{`{"message":"You can't access this resource as it requires admin access for at least one website.","result":"error"}`}},
		{fact: "Endpoints (80): getUsersPlusRole gives role and capabilities per user for the site, ordered by login, with X-Matomo-Total-Results",
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "1", "filter_access", "some"), status: 200,
			has: []string{"X-Matomo-Total-Results: 4",
				`[{"capabilities":[],"email":"ann@acme.com","invite_status":"active","login":"ann","role":"admin","superuser_access":false,"uses_2fa":false},{"capabilities":[],"email":"pen@x.io"`,
				`"role":"view","superuser_access":false,"uses_2fa":false}]`}},
		{fact: "Endpoints (80): a non-admin of the site gets only their own user",
			form: form(vicTok, "UsersManager.getUsersPlusRole", "idSite", "1"), status: 200,
			has: []string{`[{"capabilities":[],"email":"vic@acme.com","invite_status":"active","login":"vic","role":"view","superuser_access":false}]`}},
		{fact: "Endpoints (80): filter_search matches the login or the email",
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "1", "filter_search", "x.io"), status: 200,
			has: []string{"X-Matomo-Total-Results: 1", `"login":"pen"`}, lacks: []string{`"login":"vic"`, `"login":"ann"`}},
		{fact: "Endpoints (80): filter_access=noaccess lists the users with no role on the site",
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "2", "filter_access", "noaccess"), status: 200,
			has: []string{`"login":"vic","role":"noaccess"`}, lacks: []string{`"login":"root"`}},
		{fact: "Endpoints (80): filter_access=view lists the site's viewers",
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "1", "filter_access", "view"), status: 200,
			has: []string{`"login":"vic"`, `"login":"pen"`}, lacks: []string{`"login":"ann"`, `"login":"root"`}},
		{fact: "Endpoints (80): filter_access=superuser lists the superusers",
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "1", "filter_access", "superuser"), status: 200,
			has: []string{"X-Matomo-Total-Results: 1", `"login":"root","role":"superuser"`}},
		{fact: "Endpoints (80): filter_access takes a capability id",
			seed: func(s *Seed) { s.Access[1].Access = []string{"view", "tagmanager_write"} },
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "1", "filter_access", "tagmanager_write"), status: 200,
			has: []string{"X-Matomo-Total-Results: 1", `"capabilities":["tagmanager_write"]`, `"login":"vic"`}},
		{fact: "Endpoints (80), Semantics (170): filter_status=pending: invite_expired_at after today",
			seed: both(user("old", "2026-03-01T10:00:00Z", "root", "view"), user("tdy", "2026-03-02T18:00:00Z", "root", "view")),
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "1", "filter_status", "pending"), status: 200,
			has: []string{"X-Matomo-Total-Results: 1", `"login":"pen"`}, lacks: []string{`"login":"old"`, `"login":"tdy"`}},
		{fact: "Endpoints (80), Semantics (170): filter_status=expired: invite_expired_at before today",
			seed: both(user("old", "2026-03-01T10:00:00Z", "root", "view"), user("tdy", "2026-03-02T18:00:00Z", "root", "view")),
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "1", "filter_status", "expired"), status: 200,
			has: []string{"X-Matomo-Total-Results: 1", `"login":"old"`}, lacks: []string{`"login":"pen"`, `"login":"tdy"`}},
		{fact: "Endpoints (80): filter_status=active: the users never invited or who accepted",
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "1", "filter_status", "active"), status: 200,
			has: []string{`"login":"vic"`, `"login":"ann"`}, lacks: []string{`"login":"pen"`}},
		{fact: "Endpoints (81): getSitesAccessFromUser, one row per access row",
			seed: func(s *Seed) { s.Access[1].Access = []string{"view", "tagmanager_write"} },
			form: form(rootTok, "UsersManager.getSitesAccessFromUser", "userLogin", "vic"), status: 200,
			has: []string{`[{"access":"view","site":"1"},{"access":"tagmanager_write","site":"1"}]`}},
		{fact: "Endpoints (81): getSitesAccessFromUser gives a superuser every site with admin",
			form: form(rootTok, "UsersManager.getSitesAccessFromUser", "userLogin", "root"), status: 200,
			has: []string{`[{"access":"admin","site":"1"},{"access":"admin","site":"2"}]`}},
		{fact: "Endpoints (81): getSitesAccessFromUser of an unknown user: User 'x' doesn't exist.",
			form: form(rootTok, "UsersManager.getSitesAccessFromUser", "userLogin", "nobody"), status: 200,
			has: []string{`{"message":"User 'nobody' doesn't exist.","result":"error"}`}},
		{fact: "Endpoints (82), Semantics (154-155): getAvailableCapabilities rows id, name, description, helpUrl, includedInRoles, category",
			form: form(annTok, "UsersManager.getAvailableCapabilities"), status: 200,
			has: []string{`"category":"`, `"description":"`, `"helpUrl":"`, `"id":"tagmanager_write","includedInRoles":["write","admin"],"name":"`,
				`"id":"tagmanager_publish_live_container","includedInRoles":["admin"]`, `"id":"tagmanager_use_custom_templates","includedInRoles":["admin"]`}},
		{fact: "Endpoints (83), Semantics (165): inviteUser's expiryInDays defaults to 7",
			before: []url.Values{form(rootTok, "UsersManager.inviteUser", "userLogin", "zed", "email", "zed@x.io", "initialIdSite", "2")},
			form:   form(rootTok, "UsersManager.getUsers", "userLogins", "zed"), status: 200,
			has: []string{`"invite_status":7,"invited_by":"root","login":"zed"`}},
		{fact: "Endpoints (84): resendInvite of a user who is not pending: User 'x' doesn't exist.",
			form: form(rootTok, "UsersManager.resendInvite", "userLogin", "vic"), status: 200,
			has: []string{`{"message":"User 'vic' doesn't exist.","result":"error"}`}},
		{fact: "Endpoints (84): resendInvite by an admin who did not invite the user: 401",
			seed: user("pat", "2026-03-06T10:00:00Z", "root", "view"), form: form(annTok, "UsersManager.resendInvite", "userLogin", "pat"), status: 401,
			has: []string{`{"message":"Resending an invite is only allowed to the user who invited pat or any super user.","result":"error"}`}},
		{fact: "Endpoints (84): resendInvite's expiryInDays defaults to 7",
			before: []url.Values{form(rootTok, "UsersManager.resendInvite", "userLogin", "pen")},
			form:   form(rootTok, "UsersManager.getUsers", "userLogins", "pen"), status: 200,
			has: []string{`"invite_status":7,"invited_by":"ann","login":"pen"`}},
		{fact: "Endpoints (86): setUserAccess takes access as one string",
			before: []url.Values{form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access", "admin", "idSites", "1")},
			form:   form(rootTok, "UsersManager.getSitesAccessFromUser", "userLogin", "vic"), status: 200,
			has: []string{`[{"access":"admin","site":"1"}]`}},
		{fact: "Endpoints (87): addCapabilities takes capabilities[]",
			before: []url.Values{form(rootTok, "UsersManager.addCapabilities", "userLogin", "vic", "capabilities[]", "tagmanager_write", "capabilities[]", "tagmanager_use_custom_templates", "idSites", "1")},
			form:   form(rootTok, "UsersManager.getSitesAccessFromUser", "userLogin", "vic"), status: 200,
			has: []string{`[{"access":"view","site":"1"},{"access":"tagmanager_use_custom_templates","site":"1"},{"access":"tagmanager_write","site":"1"}]`}},

		// --- The enriched user ---
		{fact: "Enriched user (98): password, token_auth, invite_token and the like are removed",
			form: form(rootTok, "UsersManager.getUsers"), status: 200,
			lacks: []string{"password", "token_auth", "invite_token", "invite_link_token", "twofactor_secret", "root-tok"}},
		{fact: "Enriched user (99): role superuser with capabilities [] for superusers",
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "2"), status: 200,
			has: []string{`{"capabilities":[],"email":"root@acme.com","invite_status":"active","login":"root","role":"superuser","superuser_access":true`}},
		{fact: "Enriched user (99): role noaccess when the user has no role on the site",
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "2"), status: 200,
			has: []string{`{"capabilities":[],"email":"vic@acme.com","invite_status":"active","login":"vic","role":"noaccess"`}},
		{fact: "Enriched user (100), Semantics (153): capabilities lists only explicit rows; implied ones are neither stored nor listed",
			seed: func(s *Seed) {
				s.Access[1].Access = []string{"write", "tagmanager_write", "tagmanager_publish_live_container"}
			},
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "1", "filter_access", "write"), status: 200,
			has: []string{`"capabilities":["tagmanager_publish_live_container"],"email":"vic@acme.com"`}},
		{fact: "Enriched user (101): superuser_access is the raw column in getUsers",
			form: form(rootTok, "UsersManager.getUsers"), status: 200, has: []string{`"login":"root","superuser_access":"1"`}},
		{fact: "Enriched user (101): superuser_access is a boolean in getUsersPlusRole",
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "1"), status: 200,
			has: []string{`"login":"root","role":"superuser","superuser_access":true`, `"login":"vic","role":"view","superuser_access":false`}},
		{fact: "Enriched user (104): invite_status active when never invited",
			form: form(rootTok, "UsersManager.getUsers"), status: 200, has: []string{vicRow}},
		{fact: "Enriched user (105), Semantics (169): invite_status expired when the expiry lies in the past",
			seed: user("old", "2026-03-01T10:00:00Z", "root", "view"), form: form(rootTok, "UsersManager.getUsers"), status: 200,
			has: []string{`"invite_status":"expired","invited_by":"root","login":"old"`}},
		{fact: "Enriched user (106): invite_status is otherwise the whole days left, rounded down",
			form: form(rootTok, "UsersManager.getUsers"), status: 200, has: []string{`"invite_status":3,"invited_by":"ann","login":"pen"`}},
		{fact: "Enriched user (106): 0 on the last day",
			seed: user("tdy", "2026-03-02T18:00:00Z", "root", "view"), form: form(rootTok, "UsersManager.getUsers"), status: 200,
			has: []string{`"invite_status":0,"invited_by":"root","login":"tdy"`}},
		{fact: "Paging (107): limit and offset page by login",
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "1", "filter_access", "some", "limit", "1", "offset", "1"), status: 200,
			has: []string{"X-Matomo-Total-Results: 4", `[{"capabilities":[],"email":"pen@x.io"`}, lacks: []string{`"login":"ann"`, `"login":"root"`}},
		{fact: "Paging (107): offset is ignored unless limit is set",
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "1", "filter_access", "some", "offset", "2"), status: 200,
			has: []string{"X-Matomo-Total-Results: 4", `"login":"ann"`, `"login":"vic"`}},

		// --- Errors of the write methods ---
		{fact: "Errors (112): an admin's write on a site it does not administer is 401",
			form: form(annTok, "UsersManager.addCapabilities", "userLogin", "vic", "capabilities", "tagmanager_write", "idSites", "2"), status: 401,
			has: []string{"You can't access this resource as it requires 'admin' access for the website id = 2."}},
		{fact: "Errors (112): inviteUser on a site the admin does not administer is 401",
			form: form(annTok, "UsersManager.inviteUser", "userLogin", "zed", "email", "zed@x.io", "initialIdSite", "2"), status: 401,
			has: []string{"You can't access this resource as it requires 'admin' access for the website id = 2."}},
		{fact: "Errors (115): inviteUser without initialIdSite",
			form: form(rootTok, "UsersManager.inviteUser", "userLogin", "zed", "email", "zed@x.io"), status: 200,
			has: []string{`{"message":"New users must be given access to a website, please set the 'initialIdSite' parameter.","result":"error"}`}},
		{fact: "Errors (116): inviteUser on an unknown site (superuser caller)",
			form: form(rootTok, "UsersManager.inviteUser", "userLogin", "zed", "email", "zed@x.io", "initialIdSite", "999"), status: 200,
			has: []string{`{"message":"An unexpected website was found in the request: website id was set to '999' .","result":"error"}`}},
		{fact: "Errors (117), Semantics (173): inviteUser, a login outside the pattern",
			form: form(rootTok, "UsersManager.inviteUser", "userLogin", "o'neil", "email", "o@x.io", "initialIdSite", "1"), status: 200,
			has: []string{`"Username: The username must be between 2 and 100 characters long and contain only letters, numbers, or the characters '_' or '-' or '.' or '@' or '+'"`}},
		{fact: "Errors (117), Semantics (173): inviteUser, a login of 1 character",
			form: form(rootTok, "UsersManager.inviteUser", "userLogin", "z", "email", "z@x.io", "initialIdSite", "1"), status: 200,
			has: []string{"Username: The username must be between 2 and 100 characters long"}},
		{fact: "Errors (117), Semantics (173): inviteUser, a login of 101 characters",
			form: form(rootTok, "UsersManager.inviteUser", "userLogin", strings.Repeat("z", 101), "email", "z@x.io", "initialIdSite", "1"), status: 200,
			has: []string{"Username: The username must be between 2 and 100 characters long"}},
		{fact: "Semantics (173): a login of 100 characters from the pattern, + and @ included, is accepted",
			form: form(rootTok, "UsersManager.inviteUser", "userLogin", "a+b@c.d-e_"+strings.Repeat("z", 90), "email", "z@x.io", "initialIdSite", "1"), status: 200,
			has: []string{success}},
		{fact: "Errors (118): inviteUser, login taken",
			form: form(rootTok, "UsersManager.inviteUser", "userLogin", "ann", "email", "ann2@x.io", "initialIdSite", "1"), status: 200,
			has: []string{`{"message":"Username: Username 'ann' already exists.","result":"error"}`}},
		{fact: "Errors (118), Semantics (174): logins compare case-insensitively",
			form: form(rootTok, "UsersManager.inviteUser", "userLogin", "ANN", "email", "ann2@x.io", "initialIdSite", "1"), status: 200,
			has: []string{"Username: Username 'ANN' already exists."}},
		{fact: "Errors (119): inviteUser, login is another user's email",
			form: form(rootTok, "UsersManager.inviteUser", "userLogin", "vic@acme.com", "email", "v2@x.io", "initialIdSite", "1"), status: 200,
			has: []string{"Username: Username 'vic@acme.com' already used as an email."}},
		{fact: "Errors (120): inviteUser, bad email",
			form: form(rootTok, "UsersManager.inviteUser", "userLogin", "zed", "email", "zed", "initialIdSite", "1"), status: 200,
			has: []string{`Email: The value \"zed\" does not look like a valid email.`}},
		{fact: "Errors (121), Semantics (174): inviteUser, email taken, compared case-insensitively",
			form: form(rootTok, "UsersManager.inviteUser", "userLogin", "ann3", "email", "ANN@acme.com", "initialIdSite", "1"), status: 200,
			has: []string{"Email: User with email 'ANN@acme.com' already exists."}},
		{fact: "Errors (122): inviteUser, email is another user's login",
			seed: func(s *Seed) { s.Users = append(s.Users, SeedUser{Login: "kim@x.io", Email: "kim.other@x.io"}) },
			form: form(rootTok, "UsersManager.inviteUser", "userLogin", "kim2", "email", "kim@x.io", "initialIdSite", "1"), status: 200,
			has: []string{"Email: Email 'kim@x.io' already used as a username."}},
		{fact: "Errors (124): the checks run in order: admin, then login, then email",
			form: form(rootTok, "UsersManager.inviteUser", "userLogin", "o'neil", "email", "bad", "initialIdSite", "1"), status: 200,
			has: []string{"Username: The username must be"}, lacks: []string{"Email:"}},
		{fact: "Errors (124): the admin check comes before the login's",
			form: form(annTok, "UsersManager.inviteUser", "userLogin", "o'neil", "email", "bad", "initialIdSite", "2"), status: 401,
			has: []string{"requires 'admin' access for the website id = 2."}},
		{fact: "Errors (126): setUserAccess with a bad value lists the roles, then each capability",
			form: form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access[]", "edit", "idSites", "1"), status: 200,
			has: []string{`{"message":"The parameter access must have one of the following values: [ view, write, admin, tagmanager_write, tagmanager_publish_live_container, tagmanager_use_custom_templates ], 'edit' given.","result":"error"}`}},
		{fact: "Errors (127): setUserAccess, access[] with no role",
			form: form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access[]", "tagmanager_write", "idSites", "1"), status: 200,
			has: []string{`{"message":"No role is set but one of these needs to be set: view, write, admin","result":"error"}`}},
		{fact: "Errors (128): setUserAccess, two roles",
			form: form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access[]", "view", "access[]", "write", "idSites", "1"), status: 200,
			has: []string{`{"message":"Only one role can be set but multiple have been set. Use only one of: view, write, admin","result":"error"}`}},
		{fact: "Errors (129): setUserAccess, no site",
			form: form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access", "view"), status: 200,
			has: []string{`{"message":"Specify at least one website ID in &idSites=","result":"error"}`}},
		{fact: "Errors (130): setUserAccess, unknown user",
			form: form(rootTok, "UsersManager.setUserAccess", "userLogin", "nobody", "access", "view", "idSites", "1"), status: 200,
			has: []string{"User 'nobody' doesn't exist."}},
		{fact: "Errors (131), Semantics (160): setUserAccess on a superuser",
			form: form(rootTok, "UsersManager.setUserAccess", "userLogin", "root", "access", "view", "idSites", "1"), status: 200,
			has: []string{`{"message":"The user 'root' has Super User access and has already permission to access and modify all websites in Matomo. You may remove the Super User access from this user and try again.","result":"error"}`}},
		{fact: "Errors (132), Semantics (179): anonymous may be given view",
			form: form(rootTok, "UsersManager.setUserAccess", "userLogin", "anonymous", "access", "view", "idSites", "1"), status: 200, has: []string{success}},
		{fact: "Errors (132): anonymous given anything but view or noaccess",
			form: form(rootTok, "UsersManager.setUserAccess", "userLogin", "anonymous", "access", "write", "idSites", "1"), status: 200,
			has: []string{`{"message":"You can only set access noaccess or view access to the 'anonymous' user.","result":"error"}`}},
		{fact: "Errors (133): an unknown but numeric idsite is written for a superuser",
			before: []url.Values{form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access", "view", "idSites", "999")},
			form:   form(rootTok, "UsersManager.getSitesAccessFromUser", "userLogin", "vic"), status: 200,
			has: []string{`{"access":"view","site":"1"}`}},
		{fact: "Errors (135), Semantics (153): addCapabilities with no role on the site",
			form: form(rootTok, "UsersManager.addCapabilities", "userLogin", "vic", "capabilities[]", "tagmanager_write", "idSites", "2"), status: 200,
			has: []string{`{"message":"Unable to grant any capabilities to user vic for idSite 2. The user needs at least view access.","result":"error"}`}},
		{fact: "Errors (136): addCapabilities to anonymous",
			before: []url.Values{form(rootTok, "UsersManager.setUserAccess", "userLogin", "anonymous", "access", "view", "idSites", "1")},
			form:   form(rootTok, "UsersManager.addCapabilities", "userLogin", "anonymous", "capabilities[]", "tagmanager_write", "idSites", "1"), status: 200,
			has: []string{`{"message":"You cannot grant any capability to the 'anonymous' user.","result":"error"}`}},
		{fact: "Errors (137), Semantics (160): addCapabilities to a superuser",
			form: form(rootTok, "UsersManager.addCapabilities", "userLogin", "root", "capabilities[]", "tagmanager_write", "idSites", "1"), status: 200,
			has: []string{"The user 'root' has Super User access and has already permission to access and modify all websites in Matomo."}},
		{fact: "Errors (138): addCapabilities of an unknown capability is an HTTP 500 that is not JSON",
			form: form(rootTok, "UsersManager.addCapabilities", "userLogin", "vic", "capabilities[]", "nope", "idSites", "1"), status: 500,
			has: []string{"Fatal error"}, lacks: []string{`"result"`}},
		{fact: "Errors (138): removeCapabilities has the same flaw",
			form: form(rootTok, "UsersManager.removeCapabilities", "userLogin", "vic", "capabilities[]", "nope", "idSites", "1"), status: 500,
			has: []string{"Fatal error"}, lacks: []string{`"result"`}},
		{fact: "Errors (139): removing a capability the role implies is a silent success that changes nothing",
			before: []url.Values{form(rootTok, "UsersManager.removeCapabilities", "userLogin", "ann", "capabilities[]", "tagmanager_write", "idSites", "1")},
			form:   form(rootTok, "UsersManager.getSitesAccessFromUser", "userLogin", "ann"), status: 200,
			has: []string{`[{"access":"admin","site":"1"}]`}},
		{fact: "Errors (141): deleteUser of an unknown user",
			form: form(rootTok, "UsersManager.deleteUser", "userLogin", "nobody"), status: 200,
			has: []string{`{"message":"User 'nobody' doesn't exist.","result":"error"}`}},
		{fact: "Errors (142), Semantics (163): deleteUser of the only superuser",
			form: form(rootTok, "UsersManager.deleteUser", "userLogin", "root"), status: 200,
			has: []string{`{"message":"Deleting user 'root' is not possible. There has to be at least one user with Super User access. Please grant Super User access to another user first.","result":"error"}`}},
		{fact: "Errors (142): a superuser may be deleted while another remains",
			seed: func(s *Seed) {
				s.Users = append(s.Users, SeedUser{Login: "sue", Email: "sue@acme.com", Superuser: true})
			},
			form: form(rootTok, "UsersManager.deleteUser", "userLogin", "sue"), status: 200, has: []string{success}},
		{fact: "Errors (144): deleteUser of anonymous",
			form: form(rootTok, "UsersManager.deleteUser", "userLogin", "anonymous"), status: 200,
			has: []string{`{"message":"The anonymous user cannot be edited or deleted.`}},
		{fact: "Errors (147): setSuperUserAccess with a wrong password",
			form: form(rootTok, "UsersManager.setSuperUserAccess", "userLogin", "ann", "hasSuperUserAccess", "1", "passwordConfirmation", "guess"), status: 200,
			has: []string{`{"message":"The current password you entered is not correct.","result":"error"}`}},

		// --- Semantics and edge cases ---
		{fact: "Semantics (151): setUserAccess replaces the whole grant: a role change drops explicit capabilities",
			seed:   func(s *Seed) { s.Access[1].Access = []string{"view", "tagmanager_write"} },
			before: []url.Values{form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access", "write", "idSites", "1")},
			form:   form(rootTok, "UsersManager.getSitesAccessFromUser", "userLogin", "vic"), status: 200,
			has: []string{`[{"access":"write","site":"1"}]`}},
		{fact: "Semantics (151): capabilities re-sent in access[] are kept",
			seed:   func(s *Seed) { s.Access[1].Access = []string{"view", "tagmanager_write"} },
			before: []url.Values{form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access[]", "write", "access[]", "tagmanager_publish_live_container", "idSites", "1")},
			form:   form(rootTok, "UsersManager.getSitesAccessFromUser", "userLogin", "vic"), status: 200,
			has: []string{`[{"access":"write","site":"1"},{"access":"tagmanager_publish_live_container","site":"1"}]`}},
		{fact: "Semantics (152): noaccess is removal; no row is stored",
			before: []url.Values{form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access[]", "noaccess", "idSites", "1")},
			form:   form(rootTok, "UsersManager.getSitesAccessFromUser", "userLogin", "vic"), status: 200,
			has: []string{`[]`}, lacks: []string{`"site"`}},
		{fact: "Semantics (153): an explicit capability the role implies is not stored",
			before: []url.Values{form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access[]", "admin", "access[]", "tagmanager_publish_live_container", "idSites", "1")},
			form:   form(rootTok, "UsersManager.getSitesAccessFromUser", "userLogin", "vic"), status: 200,
			has: []string{`[{"access":"admin","site":"1"}]`}},
		{fact: "Semantics (157): write is a role, settable alone",
			form: form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access[]", "write", "idSites", "1"), status: 200, has: []string{success}},
		{fact: "Semantics (157): superuser is not a role setUserAccess takes",
			form: form(rootTok, "UsersManager.setUserAccess", "userLogin", "vic", "access[]", "superuser", "idSites", "1"), status: 200,
			has: []string{"The parameter access must have one of the following values:", "'superuser' given."}},
		{fact: "Semantics (165): inviteUser creates a pending user at once, invited_by the caller, with view on initialIdSite",
			before: []url.Values{form(rootTok, "UsersManager.inviteUser", "userLogin", "zed", "email", "zed@x.io", "initialIdSite", "2", "expiryInDays", "5")},
			form:   form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "2", "filter_access", "view"), status: 200,
			has: []string{`{"capabilities":[],"email":"zed@x.io","invite_status":5,"invited_by":"root","login":"zed","role":"view"`}},
		{fact: "Semantics (166): setUserAccess works on a pending user",
			form: form(rootTok, "UsersManager.setUserAccess", "userLogin", "pen", "access", "write", "idSites", "1"), status: 200, has: []string{success}},
		{fact: "Semantics (166): addCapabilities works on a pending user",
			form: form(rootTok, "UsersManager.addCapabilities", "userLogin", "pen", "capabilities", "tagmanager_write", "idSites", "1"), status: 200, has: []string{success}},
		{fact: "Semantics (168): resendInvite works on an expired invitation and renews it",
			seed:   user("old", "2026-03-01T10:00:00Z", "root", "view"),
			before: []url.Values{form(rootTok, "UsersManager.resendInvite", "userLogin", "old", "expiryInDays", "2")},
			form:   form(rootTok, "UsersManager.getUsers", "userLogins", "old"), status: 200,
			has: []string{`"invite_status":2,"invited_by":"root","login":"old"`}},
		{fact: "Semantics (169): users whose invitation expired more than 3 days ago are deleted, access included",
			seed: user("gone", "2026-02-26T09:00:00Z", "root", "view"),
			form: form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "1"), status: 200,
			has: []string{`"login":"pen"`}, lacks: []string{"gone"}},
		{fact: "Semantics (176): deleteUser deletes the user's tokens",
			before: []url.Values{form(rootTok, "UsersManager.deleteUser", "userLogin", "vic")},
			form:   form(vicTok, "API.getMatomoVersion"), status: 401,
			has: []string{"Unable to authenticate with the provided token."}},
		{fact: "Semantics (176): deleteUser deletes the user's access rows",
			before: []url.Values{form(rootTok, "UsersManager.deleteUser", "userLogin", "vic")},
			form:   form(rootTok, "UsersManager.getUsersPlusRole", "idSite", "1", "filter_access", "some"), status: 200,
			has: []string{"X-Matomo-Total-Results: 3"}, lacks: []string{`"login":"vic"`}},
		{fact: "Semantics (179): the anonymous user exists, anonymous@example.org",
			form: form(rootTok, "UsersManager.getUsers"), status: 200, has: []string{`"email":"anonymous@example.org"`, `"login":"anonymous"`}},
		{fact: "Semantics (183): site names come decoded in JSON",
			seed: func(s *Seed) { s.Sites[0].Name = "Tom & Jerry's <Shop>" },
			form: form(rootTok, "SitesManager.getSitesWithAdminAccess"), status: 200, has: []string{`"name":"Tom & Jerry's <Shop>"`}},
		{fact: "Semantics (184): getUsers reports uses_2fa to a superuser caller",
			form: form(rootTok, "UsersManager.getUsers"), status: 200, has: []string{`"login":"vic","superuser_access":"0","uses_2fa":false}`}},

		// --- Version differences ---
		{fact: "Version differences (191): up to 4.10 there is no inviteUser",
			seed: version("4.10.0"), form: form(rootTok, "UsersManager.inviteUser", "userLogin", "zed", "email", "zed@x.io", "initialIdSite", "1"), status: 400,
			has: []string{"The method 'inviteUser' does not exist or is not available in the module 'UsersManager'."}},
		{fact: "Version differences (191): up to 4.10 there is no resendInvite",
			seed: version("4.10.0"), form: form(rootTok, "UsersManager.resendInvite", "userLogin", "pen"), status: 400,
			has: []string{"The method 'resendInvite' does not exist or is not available in the module 'UsersManager'."}},
		{fact: "Version differences (192): 4.11 has inviteUser",
			seed: version("4.11.0"), form: form(rootTok, "UsersManager.inviteUser", "userLogin", "zed", "email", "zed@x.io", "initialIdSite", "1"), status: 200,
			has: []string{success}},
	}
	fakekit.RunFacts(t, rows, func(r row) fakekit.Fact {
		return fakekit.Fact{Cite: r.fact, Method: "POST", Path: "/index.php" + r.query + " " + r.form.Get("method"), Status: r.status, Has: r.has, Lacks: r.lacks}
	}, func(t *testing.T, r row) (int, string) {
		seed := testSeed()
		if r.seed != nil {
			r.seed(&seed)
		}
		srv := New(Options{Seed: seed, Now: t0})
		defer srv.Close()
		for _, b := range r.before {
			if status, body, _ := post(t, srv.URL, "", b, nil); status != 200 || strings.Contains(body, `"result":"error"`) {
				t.Fatalf("before %s: %d %s", b.Get("method"), status, body)
			}
		}
		status, body, h := post(t, srv.URL, r.query, r.form, r.header)
		raw := "Content-Type: " + h.Get("Content-Type") + "\n"
		if n := h.Get("X-Matomo-Total-Results"); n != "" {
			raw += "X-Matomo-Total-Results: " + n + "\n"
		}
		return status, raw + body
	})
}
