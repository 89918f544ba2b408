package posthog

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// TestFactsScopes encodes posthog.md's "Auth" facts about personal API key
// scopes, one row per fact, against the fake.
func TestFactsScopes(t *testing.T) {
	s := acme(t)
	org := "/api/organizations/" + s.OrgID() + "/"
	mid := s.membershipOf(t, "member@acme.com")
	scoped := func(key string, scopes ...string) string {
		if err := s.AddScopedKey(key, "owner@acme.com", scopes); err != nil {
			t.Fatal(err)
		}
		return key
	}
	const missing = "API key missing required scope '%s'"
	rows := []struct {
		fact         string // what posthog.md says
		key          string
		method, path string
		body         any
		status       int
		scope        string // the scope named in the 403, if any
	}{
		{"GET /api/users/@me/ needs user:read", scoped("k1", "organization_member:read", "project:read", "access_control:read"),
			"GET", "/api/users/@me/", nil, 403, "user:read"},
		{"user:read is enough for @me", scoped("k2", "user:read"), "GET", "/api/users/@me/", nil, 200, ""},
		{"members need organization_member:read", scoped("k3", "user:read"), "GET", org + "members/", nil, 403, "organization_member:read"},
		{"invites need organization_member:read", "k3", "GET", org + "invites/", nil, 403, "organization_member:read"},
		{"write also satisfies read", scoped("k4", "organization_member:write"), "GET", org + "members/", nil, 200, ""},
		{"read does not satisfy write", scoped("k5", "organization_member:read"), "PATCH", org + "members/" + s.uuidOf(t, "member@acme.com") + "/",
			map[string]any{"level": 8}, 403, "organization_member:write"},
		{"invites are written with organization_member:write", "k5", "POST", org + "invites/", map[string]any{"target_email": "n@x.io"}, 403, "organization_member:write"},
		{"the project list needs project:read", "k5", "GET", org + "projects/", nil, 403, "project:read"},
		{"project access needs access_control:read", scoped("k6", "project:read"), "GET", "/api/projects/11/access_controls/", nil, 403, "access_control:read"},
		{"project access is written with access_control:write", scoped("k7", "access_control:read"), "PUT", "/api/projects/11/access_controls/",
			map[string]any{"access_level": "member", "organization_member": mid}, 403, "access_control:write"},
		{"* allows everything", scoped("k8", "*"), "PUT", "/api/projects/11/access_controls/",
			map[string]any{"access_level": "member", "organization_member": mid}, 200, ""},
		{"a legacy key with no scopes may do anything", "phx_owner", "GET", "/api/users/@me/", nil, 200, ""},
	}
	for _, r := range rows {
		t.Run(r.fact, func(t *testing.T) {
			a := do(t, s, r.key, r.method, r.path, r.body)
			if a.Status != r.status {
				t.Fatalf("%s %s: %d, want %d: %s", r.method, r.path, a.Status, r.status, a.Raw)
			}
			if r.status == http.StatusForbidden {
				// posthog.md: 403 {"type":"authentication_error","code":"permission_denied","detail":"API key missing required scope 'user:read'","attr":null}
				wantErr(t, a, 403, sprintf(missing, r.scope))
				if a.Body["type"] != "authentication_error" || a.Body["code"] != "permission_denied" {
					t.Errorf("body %s", a.Raw)
				}
			}
		})
	}
}

// TestFactsProjectDefault encodes posthog.md's "Project access" facts
// about the project default.
func TestFactsProjectDefault(t *testing.T) {
	s := acme(t)
	rows := []struct {
		fact     string
		project  string
		rowLevel string // the default row's level; "" for none
	}{
		{"a private project has a default row \"none\"; default_access_level stays the constant \"admin\"", "11", "none"},
		{"with no default row, only default_access_level (\"admin\") applies", "12", ""},
	}
	for _, r := range rows {
		t.Run(r.fact, func(t *testing.T) {
			a := do(t, s, "phx_owner", "GET", "/api/projects/"+r.project+"/access_controls/", nil)
			if a.Status != 200 || a.Body["default_access_level"] != "admin" {
				t.Fatalf("%s", a.Raw)
			}
			found := ""
			for _, x := range a.Body["access_controls"].([]any) {
				row := x.(map[string]any)
				if row["organization_member"] == nil && row["role"] == nil {
					found = row["access_level"].(string)
				}
			}
			if found != r.rowLevel {
				t.Errorf("default row %q, want %q: %s", found, r.rowLevel, a.Raw)
			}
		})
	}
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

// TestFactsAccessControls encodes posthog.md's access_controls and
// users/@me facts, which no published document covers (openapi/README.md).
func TestFactsAccessControls(t *testing.T) {
	const ac = "/api/projects/11/access_controls/"
	rows := []struct {
		fact   string
		key    string
		method string
		path   string
		body   func(t *testing.T, s *Server) any
		status int
		check  func(t *testing.T, a fakekit.Answer)
	}{
		{"GET /api/users/@me/: uuid, email and organizations [{id, name, membership_level}]", "phx_owner", "GET", "/api/users/@me/", nil, 200,
			func(t *testing.T, a fakekit.Answer) {
				orgs, _ := a.Body["organizations"].([]any)
				if a.Body["email"] != "owner@acme.com" || a.Body["uuid"] == nil || len(orgs) != 1 {
					t.Errorf("%s", a.Raw)
					return
				}
				o := orgs[0].(map[string]any)
				if o["id"] == nil || o["name"] == nil || o["membership_level"] != float64(15) {
					t.Errorf("%s", a.Raw)
				}
			}},
		{"access_controls GET: rows {access_level, resource \"project\", resource_id as a string, organization_member, role}, available levels none/member/admin", "phx_owner", "GET", ac, nil, 200,
			func(t *testing.T, a fakekit.Answer) {
				rows, _ := a.Body["access_controls"].([]any)
				lv, _ := a.Body["available_access_levels"].([]any)
				if len(rows) == 0 || len(lv) != 3 {
					t.Fatalf("%s", a.Raw)
				}
				r := rows[0].(map[string]any)
				for _, k := range []string{"access_level", "resource", "resource_id", "organization_member", "role", "created_by", "created_at", "updated_at"} {
					if _, ok := r[k]; !ok {
						t.Errorf("row lacks %s: %s", k, a.Raw)
					}
				}
				if r["resource"] != "project" || r["resource_id"] != "11" {
					t.Errorf("%s", a.Raw)
				}
			}},
		{"PUT with a membership id and a level grants: 200 row", "phx_owner", "PUT", ac,
			func(t *testing.T, s *Server) any {
				return map[string]any{"access_level": "member", "organization_member": s.membershipOf(t, "member@acme.com")}
			}, 200,
			func(t *testing.T, a fakekit.Answer) {
				if a.Body["access_level"] != "member" || a.Body["organization_member"] == nil {
					t.Errorf("%s", a.Raw)
				}
			}},
		{"PUT with access_level null deletes the row: 204", "phx_owner", "PUT", ac,
			func(t *testing.T, s *Server) any {
				return map[string]any{"access_level": nil, "organization_member": s.membershipOf(t, "member@acme.com")}
			}, 204, nil},
		{"A bad level: 400", "phx_owner", "PUT", ac,
			func(t *testing.T, s *Server) any {
				return map[string]any{"access_level": "viewer", "organization_member": s.membershipOf(t, "member@acme.com")}
			}, 400, nil},
		{"organization_member is the membership id, not user.uuid: 400 \"Invalid organization member id. ...\"", "phx_owner", "PUT", ac,
			func(t *testing.T, s *Server) any {
				return map[string]any{"access_level": "member", "organization_member": s.uuidOf(t, "member@acme.com")}
			}, 400,
			func(t *testing.T, a fakekit.Answer) {
				if !strings.HasPrefix(a.Body["detail"].(string), "Invalid organization member id. Use the 'id' field") {
					t.Errorf("%s", a.Raw)
				}
			}},
		{"Writing needs org admin or a project admin row: 403 \"Must be admin to modify project permissions.\"", "phx_member", "PUT", ac,
			func(t *testing.T, s *Server) any {
				return map[string]any{"access_level": "admin", "organization_member": s.membershipOf(t, "member@acme.com")}
			}, 403,
			func(t *testing.T, a fakekit.Answer) {
				if a.Body["detail"] != "Must be admin to modify project permissions." {
					t.Errorf("%s", a.Raw)
				}
			}},
		{"Private project: PUT the default row {access_level: none} with no member or role", "phx_owner", "PUT", "/api/projects/12/access_controls/",
			func(t *testing.T, s *Server) any { return map[string]any{"access_level": "none"} }, 200,
			func(t *testing.T, a fakekit.Answer) {
				if a.Body["organization_member"] != nil || a.Body["role"] != nil || a.Body["access_level"] != "none" {
					t.Errorf("%s", a.Raw)
				}
			}},
	}
	for _, r := range rows {
		t.Run(r.fact, func(t *testing.T) {
			s := acme(t)
			var body any
			if r.body != nil {
				body = r.body(t, s)
			}
			a := do(t, s, r.key, r.method, r.path, body)
			if a.Status != r.status {
				t.Fatalf("%s %s: %d, want %d: %s", r.method, r.path, a.Status, r.status, a.Raw)
			}
			if r.check != nil {
				r.check(t, a)
			}
		})
	}
}

// TestFactsMembersAndInvites indexes posthog.md's member, invite, error
// and rate-limit facts the driver depends on, one row a fact citing its
// line (TestLevelRules, TestRemovalRules and TestInvites hold them at
// length). In paths and bodies, {org}, {member} (user uuid) and {owner2}
// stand for the seed's ids.
func TestFactsMembersAndInvites(t *testing.T) {
	type row struct {
		fact         string // posthog.md, section (line): the fact
		key          string
		method, path string
		body         any
		status       int
		has          []string // substrings of the raw fakekit.Answer
	}
	rows := []row{
		{"Auth (12-13): a bad key is 401, type authentication_error, in the {type,code,detail,attr} shape", "phx_nope", "GET", "/api/organizations/{org}/members/", nil, 401,
			[]string{`"type":"authentication_error"`, `"code":`, `"detail":`, `"attr":null`}},
		{"Endpoints (16): lists are DRF LimitOffset pages {count,next,previous,results}", "phx_owner", "GET", "/api/organizations/{org}/members/?limit=100", nil, 200,
			[]string{`"count":4`, `"next":`, `"previous":`, `"results":[`}},
		{"Endpoints (33-38): a member has the membership id, user.uuid, user.email and level", "phx_owner", "GET", "/api/organizations/{org}/members/?limit=100", nil, 200,
			[]string{`"id":"`, `"uuid":"`, `"email":"member@acme.com"`, `"level":1`}},
		{"Endpoints (21): PATCH of a member's level, keyed by user uuid, answers 200 with the member", "phx_owner", "PATCH", "/api/organizations/{org}/members/{member}/", map[string]any{"level": 8}, 200,
			[]string{`"level":8`}},
		{"Semantics (50): the key's owner cannot change their own level", "phx_owner", "PATCH", "/api/organizations/{org}/members/{owner}/", map[string]any{"level": 8}, 403,
			[]string{"You can't change your own access level."}},
		{"Semantics (50): an admin cannot edit an owner", "phx_admin", "PATCH", "/api/organizations/{org}/members/{owner2}/", map[string]any{"level": 8}, 403,
			[]string{"You can only edit others with level lower or equal to you."}},
		{"Endpoints (22): DELETE of a member, keyed by user uuid, answers 204", "phx_owner", "DELETE", "/api/organizations/{org}/members/{member}/", nil, 204,
			nil},
		{"Semantics (51): an owner cannot leave (2024 code)", "phx_owner", "DELETE", "/api/organizations/{org}/members/{owner}/", nil, 400,
			[]string{"Cannot leave the organization as its owner!"}},
		{"Endpoints (24, 40-44): an invite answers 201 with id, target_email, level, is_expired false", "phx_owner", "POST", "/api/organizations/{org}/invites/",
			map[string]any{"target_email": "new@x.io", "level": 1, "private_project_access": []any{map[string]any{"id": 11, "level": "member"}}}, 201,
			[]string{`"id":"`, `"target_email":"new@x.io"`, `"level":1`, `"is_expired":false`}},
		{"Semantics (54): inviting a member is 400 validation_error, attr null", "phx_owner", "POST", "/api/organizations/{org}/invites/", map[string]any{"target_email": "member@acme.com"}, 400,
			[]string{`"type":"validation_error"`, "A user with this email address already belongs to the organization.", `"attr":null`}},
		{"Semantics (53): inviting above one's own level is 403", "phx_admin", "POST", "/api/organizations/{org}/invites/", map[string]any{"target_email": "x@y.io", "level": 15}, 403,
			[]string{"You cannot invite a user with a higher permission level than your own."}},
		{"Semantics (58): private_project_access names a project of this org, else 400 attr private_project_access", "phx_owner", "POST", "/api/organizations/{org}/invites/",
			map[string]any{"target_email": "x@y.io", "private_project_access": []any{map[string]any{"id": 99, "level": "member"}}}, 400,
			[]string{`"attr":"private_project_access"`}},
		{"Endpoints (27): the organization's projects are listed", "phx_owner", "GET", "/api/organizations/{org}/projects/?limit=100", nil, 200,
			[]string{`"id":11`, `"name":"Production"`}},
	}
	fakekit.RunFacts(t, rows, func(r row) fakekit.Fact {
		return fakekit.Fact{Cite: r.fact, Method: r.method, Path: r.path, Status: r.status, Has: r.has}
	}, func(t *testing.T, r row) (int, string) {
		s := acme(t)
		ids := strings.NewReplacer("{org}", s.OrgID(), "{member}", s.uuidOf(t, "member@acme.com"), "{owner}", s.uuidOf(t, "owner@acme.com"),
			"{owner2}", s.uuidOf(t, "owner2@acme.com"))
		a := do(t, s, r.key, r.method, ids.Replace(r.path), r.body)
		return a.Status, a.Raw
	})
	// Endpoints (26): deleting an invite answers 204; Semantics (55):
	// inviting an email again replaces its earlier invites.
	s := acme(t)
	inv := "/api/organizations/" + s.OrgID() + "/invites/"
	do(t, s, "phx_owner", "POST", inv, map[string]any{"target_email": "again@x.io"})
	a := do(t, s, "phx_owner", "POST", inv, map[string]any{"target_email": "again@x.io"})
	if l := do(t, s, "phx_owner", "GET", inv, nil); l.Body["count"] != float64(1) {
		t.Errorf("a second invite of one email left %v invites: %s", l.Body["count"], l.Raw)
	}
	if d := do(t, s, "phx_owner", "DELETE", inv+fmt.Sprint(a.Body["id"])+"/", nil); d.Status != 204 {
		t.Errorf("delete invite: %d %s", d.Status, d.Raw)
	}
	// Rate limits (76): 429 throttled_error with Retry-After.
	s.Fail(FailRule{Method: "GET", PathPrefix: "/api/organizations/", Status: 429, Count: 1, RetryAfter: "3"})
	if a := do(t, s, "phx_owner", "GET", "/api/organizations/"+s.OrgID()+"/members/", nil); a.Status != 429 || a.Header.Get("Retry-After") != "3" ||
		a.Body["type"] != "throttled_error" || a.Body["code"] != "throttled" {
		t.Errorf("throttled: %d %v %s", a.Status, a.Header, a.Raw)
	}
}
