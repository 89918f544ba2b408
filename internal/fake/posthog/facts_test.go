package posthog

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
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
		{"read does not satisfy write", scoped("k5", "organization_member:read"), "PATCH", org + "members/" + s.userUUIDOf(t, "member@acme.com") + "/",
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
			if a.status != r.status {
				t.Fatalf("%s %s: %d, want %d: %s", r.method, r.path, a.status, r.status, a.raw)
			}
			if r.status == http.StatusForbidden {
				// posthog.md: 403 {"type":"authentication_error","code":"permission_denied","detail":"API key missing required scope 'user:read'","attr":null}
				wantErr(t, a, 403, sprintf(missing, r.scope))
				if a.body["type"] != "authentication_error" || a.body["code"] != "permission_denied" {
					t.Errorf("body %s", a.raw)
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
			if a.status != 200 || a.body["default_access_level"] != "admin" {
				t.Fatalf("%s", a.raw)
			}
			found := ""
			for _, x := range a.body["access_controls"].([]any) {
				row := x.(map[string]any)
				if row["organization_member"] == nil && row["role"] == nil {
					found = row["access_level"].(string)
				}
			}
			if found != r.rowLevel {
				t.Errorf("default row %q, want %q: %s", found, r.rowLevel, a.raw)
			}
		})
	}
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func (s *Server) userUUIDOf(t *testing.T, email string) string {
	t.Helper()
	for _, m := range s.State().Members {
		if m.Email == email {
			return m.UserUUID
		}
	}
	t.Fatalf("%s is not a member", email)
	return ""
}

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
		check  func(t *testing.T, a answer)
	}{
		{"GET /api/users/@me/: uuid, email and organizations [{id, name, membership_level}]", "phx_owner", "GET", "/api/users/@me/", nil, 200,
			func(t *testing.T, a answer) {
				orgs, _ := a.body["organizations"].([]any)
				if a.body["email"] != "owner@acme.com" || a.body["uuid"] == nil || len(orgs) != 1 {
					t.Errorf("%s", a.raw)
					return
				}
				o := orgs[0].(map[string]any)
				if o["id"] == nil || o["name"] == nil || o["membership_level"] != float64(15) {
					t.Errorf("%s", a.raw)
				}
			}},
		{"access_controls GET: rows {access_level, resource \"project\", resource_id as a string, organization_member, role}, available levels none/member/admin", "phx_owner", "GET", ac, nil, 200,
			func(t *testing.T, a answer) {
				rows, _ := a.body["access_controls"].([]any)
				lv, _ := a.body["available_access_levels"].([]any)
				if len(rows) == 0 || len(lv) != 3 {
					t.Fatalf("%s", a.raw)
				}
				r := rows[0].(map[string]any)
				for _, k := range []string{"access_level", "resource", "resource_id", "organization_member", "role", "created_by", "created_at", "updated_at"} {
					if _, ok := r[k]; !ok {
						t.Errorf("row lacks %s: %s", k, a.raw)
					}
				}
				if r["resource"] != "project" || r["resource_id"] != "11" {
					t.Errorf("%s", a.raw)
				}
			}},
		{"PUT with a membership id and a level grants: 200 row", "phx_owner", "PUT", ac,
			func(t *testing.T, s *Server) any {
				return map[string]any{"access_level": "member", "organization_member": s.membershipOf(t, "member@acme.com")}
			}, 200,
			func(t *testing.T, a answer) {
				if a.body["access_level"] != "member" || a.body["organization_member"] == nil {
					t.Errorf("%s", a.raw)
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
				return map[string]any{"access_level": "member", "organization_member": s.userUUIDOf(t, "member@acme.com")}
			}, 400,
			func(t *testing.T, a answer) {
				if !strings.HasPrefix(a.body["detail"].(string), "Invalid organization member id. Use the 'id' field") {
					t.Errorf("%s", a.raw)
				}
			}},
		{"Writing needs org admin or a project admin row: 403 \"Must be admin to modify project permissions.\"", "phx_member", "PUT", ac,
			func(t *testing.T, s *Server) any {
				return map[string]any{"access_level": "admin", "organization_member": s.membershipOf(t, "member@acme.com")}
			}, 403,
			func(t *testing.T, a answer) {
				if a.body["detail"] != "Must be admin to modify project permissions." {
					t.Errorf("%s", a.raw)
				}
			}},
		{"Private project: PUT the default row {access_level: none} with no member or role", "phx_owner", "PUT", "/api/projects/12/access_controls/",
			func(t *testing.T, s *Server) any { return map[string]any{"access_level": "none"} }, 200,
			func(t *testing.T, a answer) {
				if a.body["organization_member"] != nil || a.body["role"] != nil || a.body["access_level"] != "none" {
					t.Errorf("%s", a.raw)
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
			if a.status != r.status {
				t.Fatalf("%s %s: %d, want %d: %s", r.method, r.path, a.status, r.status, a.raw)
			}
			if r.check != nil {
				r.check(t, a)
			}
		})
	}
}
