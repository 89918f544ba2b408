package piwikpro

import (
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// TestFacts holds the fake to docs/apis/piwikpro.md, one row a fact
// the driver depends on, each citing its section and line there. The
// topic tests beside it (TestGroups, TestAccessControl, ...) check the
// same behaviour at length; this table is the index from the document to
// the fake. In paths and bodies, {shop}, {blog}, {carol}, {dave},
// {owner} and {managers} stand for the seed's ids.
func TestFacts(t *testing.T) {
	type row struct {
		fact         string // piwikpro.md, section (line): the fact
		method, path string
		ctype        string // "": JSON:API for a body
		body         string
		status       int
		has          []string // substrings of the raw answer
	}
	rows := []row{
		{"Auth (9-10): POST /auth/token with JSON client credentials answers token_type Bearer, expires_in 1800, access_token",
			"POST", "/auth/token", "application/json", `{"grant_type":"client_credentials","client_id":"owner-id","client_secret":"owner-secret"}`, 200,
			[]string{`"token_type":"Bearer"`, `"expires_in":1800`, `"access_token":"`}},
		{"Auth (14): a JSON:API body sent as application/json is 400 error.json-api-content-type",
			"POST", "/api/users/v2/invite", "application/json", `{"data":{"type":"ppms/user","attributes":{"email":"new@x.io"}}}`, 400,
			[]string{`"code":"error.json-api-content-type"`}},
		{"Auth (14): group creation takes application/vnd.api+json",
			"POST", "/api/user-groups/v1", JSONAPI, `{"data":{"type":"ppms/user-group","attributes":{"name":"Analysts"}}}`, 201,
			[]string{`"type":"ppms/user-group"`, `"name":"Analysts"`}},
		{"Endpoints (17): lists answer {meta:{total},data} with no links",
			"GET", "/api/users/v2?limit=1000", "", "", 200,
			[]string{`"meta":{"total":4}`, `"data":[`}},
		{"Endpoints (17): a limit above 1000 is 400",
			"GET", "/api/users/v2?limit=1001", "", "", 400,
			[]string{`"status":"400"`}},
		{"Shapes (45): a user has id, type ppms/user, attributes email, role, addedAt",
			"GET", "/api/users/v2?limit=1000&search=carol@x.io", "", "", 200,
			[]string{`"type":"ppms/user"`, `"email":"carol@x.io"`, `"role":"USER"`, `"addedAt":"`}},
		{"Endpoints (23): invite answers 201 with the user, role USER",
			"POST", "/api/users/v2/invite", "", `{"data":{"type":"ppms/user","attributes":{"email":"new@x.io"}}}`, 201,
			[]string{`"email":"new@x.io"`, `"role":"USER"`, `"id":"`}},
		{"Endpoints (23), What a reconciler must do (80): inviting an existing email is 400 users.error.user-already-exists",
			"POST", "/api/users/v2/invite", "", `{"data":{"type":"ppms/user","attributes":{"email":"carol@x.io"}}}`, 400,
			[]string{`"code":"users.error.user-already-exists"`}},
		{"Endpoints (25): change-role to OWNER answers 204",
			"PATCH", "/api/users/v2/{dave}/change-role", "", `{"data":{"type":"ppms/user","id":"{dave}","attributes":{"role":"OWNER"}}}`, 204,
			nil},
		{"Semantics (71), Endpoints (24): the caller cannot change its own role",
			"PATCH", "/api/users/v2/{owner}/change-role", "", `{"data":{"type":"ppms/user","id":"{owner}","attributes":{"role":"USER"}}}`, 400,
			[]string{`"code":"users.error.cannot-change-own-role"`}},
		{"Errors (59): a body id that differs from the path id is 409",
			"PATCH", "/api/users/v2/{dave}/change-role", "", `{"data":{"type":"ppms/user","id":"{carol}","attributes":{"role":"OWNER"}}}`, 409,
			nil},
		{"Endpoints (26): DELETE of a user answers 204",
			"DELETE", "/api/users/v2/{dave}", "", "", 204,
			nil},
		{"Endpoints (26), Semantics (71): the caller cannot delete its own account",
			"DELETE", "/api/users/v2/{owner}", "", "", 400,
			[]string{`"code":"users.error.cannot-delete-own-account"`}},
		{"Errors (59): an unknown user is 404 users.error.user-does-not-exist",
			"DELETE", "/api/users/v2/00000000-0000-4000-8000-0000000000ff", "", "", 404,
			[]string{`"code":"users.error.user-does-not-exist"`}},
		{"Endpoints (30): a group's users are [{type ppms/user, id, attributes:{email}}]",
			"GET", "/api/user-groups/v1/{managers}/users?limit=1000", "", "", 200,
			[]string{`"type":"ppms/user"`, `"email":"carol@x.io"`}},
		{"Endpoints (31): adding users to a group answers 204",
			"POST", "/api/user-groups/v1/{managers}/relationships/users", "", `{"data":[{"type":"ppms/user","id":"{dave}"}]}`, 204,
			nil},
		{"Endpoints (31): removing users from a group answers 204",
			"DELETE", "/api/user-groups/v1/{managers}/relationships/users", "", `{"data":[{"type":"ppms/user","id":"{carol}"}]}`, 204,
			nil},
		{"Shapes (47-51): a user's permission on an app: permission, and group_permissions with the group names",
			"GET", "/api/access-control/v2/app/{shop}/permission/user?limit=1000", "", "", 200,
			[]string{`"type":"app/permission/user"`, `"permission":"view"`, `"group_names":["Managers"]`, `"group_permissions":{`}},
		{"Semantics (66): owners are left out of permission lists",
			"GET", "/api/access-control/v2/app/{shop}/permission/user?limit=1000&search=owner@acme.com", "", "", 200,
			[]string{`"meta":{"total":0}`}},
		{"Shapes (52): a group's permission on an app: name and permission",
			"GET", "/api/access-control/v2/app/{shop}/permission/user-group?limit=1000", "", "", 200,
			[]string{`"type":"app/permission/user-group"`, `"name":"Managers"`, `"permission":"edit"`}},
		{"Endpoints (34): setting a user's permission answers 204",
			"POST", "/api/access-control/v2/app/{blog}/permission/user/{carol}", "", `{"data":{"type":"app/permission/user","attributes":{"permission":"edit"}}}`, 204,
			nil},
		{"Semantics (65): removal is a POST of no-access",
			"POST", "/api/access-control/v2/app/{shop}/permission/user/{carol}", "", `{"data":{"type":"app/permission/user","attributes":{"permission":"no-access"}}}`, 204,
			nil},
		{"Errors (57): an invalid permission is 400 naming the levels",
			"POST", "/api/access-control/v2/app/{shop}/permission/user/{carol}", "", `{"data":{"type":"app/permission/user","attributes":{"permission":"copy"}}}`, 400,
			[]string{`Invalid permission \"copy\", available are: [no-access, view, edit, edit-publish, manage]`}},
		{"Endpoints (35): setting a group's permission answers 204",
			"POST", "/api/access-control/v2/app/{blog}/permission/user-group/{managers}", "", `{"data":{"type":"app/permission/user-group","attributes":{"permission":"view"}}}`, 204,
			nil},
		{"Shapes (53): an app list item is {id, type ppms/app, attributes:{name}}",
			"GET", "/api/apps/v2?limit=1000", "", "", 200,
			[]string{`"type":"ppms/app"`, `"name":"Shop"`}},
		{"Shapes (54): a meta-site list item is {id, type ppms/meta-site, attributes:{name}}",
			"GET", "/api/meta-sites/v1?limit=1000", "", "", 200,
			[]string{`"type":"ppms/meta-site"`, `"name":"All sites"`}},
	}
	fakekit.RunFacts(t, rows, func(r row) fakekit.Fact {
		return fakekit.Fact{Cite: r.fact, Method: r.method, Path: r.path, Status: r.status, Has: r.has}
	}, func(t *testing.T, r row) (int, string) {
		s := acme(t)
		ids := strings.NewReplacer("{shop}", s.appID(t, "Shop"), "{blog}", s.appID(t, "Blog"), "{carol}", s.idOf(t, "carol@x.io"),
			"{dave}", s.idOf(t, "dave@x.io"), "{owner}", s.idOf(t, "owner@acme.com"), "{managers}", s.groupID(t, "Managers"))
		tok := ""
		if r.path != "/auth/token" {
			tok = login(t, s, "owner-id", "owner-secret")
		}
		ctype := r.ctype
		if ctype == "" && r.body != "" {
			ctype = JSONAPI
		}
		a := send(t, s, tok, r.method, ids.Replace(r.path), ctype, ids.Replace(r.body))
		return a.Status, a.Raw
	})
	// Auth (12): a bad token is 401 {"message":"Unauthorized"}.
	s := acme(t)
	if a := send(t, s, "not-a-token", "GET", "/api/users/v2", "", ""); a.Status != 401 || a.Raw != `{"message":"Unauthorized"}` {
		t.Errorf("bad token: %d %s", a.Status, a.Raw)
	}
}
