package posthog

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// acme is a small organization: an owner (key phx_owner), an admin (key
// phx_admin), a member (key phx_member) and two projects.
func acme(t *testing.T) *Server {
	t.Helper()
	s := New(Options{Now: t0, Seed: Seed{
		Keys: map[string]string{"phx_owner": "owner@acme.com", "phx_admin": "admin@acme.com", "phx_member": "member@acme.com"},
		Members: []SeedMember{
			{Email: "owner@acme.com", Level: LevelOwner},
			{Email: "admin@acme.com", Level: LevelAdmin},
			{Email: "member@acme.com", Level: LevelMember},
			{Email: "owner2@acme.com", Level: LevelOwner},
		},
		Projects: []SeedProject{{ID: 11, Name: "Production", DefaultAccessLevel: "none"}, {ID: 12, Name: "Staging"}},
	}})
	t.Cleanup(s.Close)
	return s
}

func do(t *testing.T, s *Server, key, method, path string, body any) fakekit.Answer {
	t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	return fakekit.Ask(t, method, s.URL+path, key, "", b)
}

// wantErr checks an error answer's status, shape and detail.
func wantErr(t *testing.T, a fakekit.Answer, status int, detail string) {
	t.Helper()
	if a.Status != status {
		t.Fatalf("status %d, want %d: %s", a.Status, status, a.Raw)
	}
	for _, k := range []string{"type", "code", "detail", "attr"} {
		if _, ok := a.Body[k]; !ok {
			t.Errorf("error body lacks %q: %s", k, a.Raw)
		}
	}
	if a.Body["detail"] != detail {
		t.Errorf("detail %q, want %q", a.Body["detail"], detail)
	}
}

func (s *Server) uuidOf(t *testing.T, email string) string {
	t.Helper()
	return s.stateMember(t, email).UserUUID
}

func (s *Server) membershipOf(t *testing.T, email string) string {
	t.Helper()
	return s.stateMember(t, email).ID
}

// stateMember is the state of the member with email.
func (s *Server) stateMember(t *testing.T, email string) StateMember {
	t.Helper()
	return fakekit.Find(t, s.State().Members, func(m StateMember) bool { return m.Email == email }, email+" is not a member")
}

func (s *Server) levelOf(email string) int {
	for _, m := range s.State().Members {
		if m.Email == email {
			return m.Level
		}
	}
	return 0
}

func TestAuth(t *testing.T) {
	s := acme(t)
	org := "/api/organizations/" + s.OrgID() + "/members/"
	a := do(t, s, "", "GET", org, nil)
	wantErr(t, a, 401, "Authentication credentials were not provided.")
	if a.Body["type"] != "authentication_error" || a.Body["code"] != "not_authenticated" || a.Body["attr"] != nil {
		t.Errorf("401 body: %s", a.Raw)
	}
	a = do(t, s, "phx_nope", "GET", org, nil)
	if a.Status != 401 || a.Body["type"] != "authentication_error" {
		t.Errorf("unknown key: %d %s", a.Status, a.Raw)
	}
	if a := do(t, s, "phx_owner", "GET", "/api/organizations/0190ffff-0000-4000-8000-000000000000/members/", nil); a.Status != 403 {
		t.Errorf("another org: %d", a.Status)
	}
	// The key in the query string is accepted too.
	if a := do(t, s, "", "GET", org+"?personal_api_key=phx_owner", nil); a.Status != 200 {
		t.Errorf("query key: %d %s", a.Status, a.Raw)
	}
}

func TestMe(t *testing.T) {
	s := acme(t)
	a := do(t, s, "phx_admin", "GET", "/api/users/@me/", nil)
	if a.Status != 200 || a.Body["email"] != "admin@acme.com" || a.Body["uuid"] != s.uuidOf(t, "admin@acme.com") {
		t.Fatalf("@me: %s", a.Raw)
	}
	orgs := a.Body["organizations"].([]any)
	o := orgs[0].(map[string]any)
	if len(orgs) != 1 || o["id"] != s.OrgID() || o["membership_level"] != float64(8) {
		t.Errorf("organizations: %v", orgs)
	}
	if a.Body["organization"].(map[string]any)["id"] != s.OrgID() {
		t.Errorf("organization: %v", a.Body["organization"])
	}
	// Without the trailing slash too.
	if a := do(t, s, "phx_admin", "GET", "/api/users/@me", nil); a.Status != 200 {
		t.Errorf("no trailing slash: %d", a.Status)
	}
}

func TestMembersPaging(t *testing.T) {
	seed := Seed{Keys: map[string]string{"k": "m0@x.io"}}
	for i := 0; i < 250; i++ {
		seed.Members = append(seed.Members, SeedMember{Email: fmt.Sprintf("m%d@x.io", i), Level: LevelOwner})
	}
	s := New(Options{Seed: seed, Now: t0})
	defer s.Close()
	base := "/api/organizations/@current/members"
	cases := []struct {
		query      string
		n          int
		first      string
		next, prev string
	}{
		{"", 100, "m0@x.io", "limit=100&offset=100", ""},
		{"?limit=100&offset=100", 100, "m100@x.io", "limit=100&offset=200", "limit=100"},
		{"?limit=100&offset=200", 50, "m200@x.io", "", "limit=100&offset=100"},
		{"?limit=30&offset=240", 10, "m240@x.io", "", "limit=30&offset=210"},
	}
	for _, c := range cases {
		a := do(t, s, "k", "GET", base+c.query, nil)
		if a.Status != 200 || a.Body["count"] != float64(250) {
			t.Fatalf("%s: %d %v", c.query, a.Status, a.Body["count"])
		}
		res := a.Body["results"].([]any)
		if len(res) != c.n {
			t.Errorf("%s: %d results, want %d", c.query, len(res), c.n)
		}
		first := res[0].(map[string]any)["user"].(map[string]any)["email"]
		if first != c.first {
			t.Errorf("%s: first %v, want %s", c.query, first, c.first)
		}
		for name, want := range map[string]string{"next": c.next, "previous": c.prev} {
			got, _ := a.Body[name].(string)
			if want == "" {
				if a.Body[name] != nil {
					t.Errorf("%s: %s = %v, want null", c.query, name, a.Body[name])
				}
				continue
			}
			if wantURL := s.URL + base + "?" + want; got != wantURL {
				t.Errorf("%s: %s = %q, want %q", c.query, name, got, wantURL)
			}
		}
	}
	a := do(t, s, "k", "GET", base+"/?email=m7@x.io", nil)
	if a.Body["count"] != float64(1) {
		t.Errorf("email filter: %s", a.Raw)
	}
	m := a.Body["results"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "user", "level", "joined_at", "updated_at", "is_2fa_enabled", "has_social_auth", "last_login"} {
		if _, ok := m[k]; !ok {
			t.Errorf("member lacks %q", k)
		}
	}
	wantErr(t, do(t, s, "k", "GET", base+"/?search="+strings.Repeat("a", 201), nil), 400, "Search query must be 200 characters or fewer.")
}

func TestLevelRules(t *testing.T) {
	cases := []struct {
		name, key, target string
		level             int
		status            int
		detail            string
	}{
		{"member edits others", "phx_member", "admin@acme.com", 1, 403, "You can only edit others if you are an admin."},
		{"member promotes", "phx_member", "admin@acme.com", 8, 403, "You can only change access level of others to lower or equal to your current one."},
		{"self", "phx_admin", "admin@acme.com", 1, 403, "You can't change your own access level."},
		{"admin edits owner", "phx_admin", "owner2@acme.com", 8, 403, "You can only edit others with level lower or equal to you."},
		{"admin grants owner", "phx_admin", "member@acme.com", 15, 403, "You can only make another member owner if you're this organization's owner."},
		{"admin promotes member", "phx_admin", "member@acme.com", 8, 200, ""},
		{"owner makes owner", "phx_owner", "member@acme.com", 15, 200, ""},
		{"owner demotes owner", "phx_owner", "owner2@acme.com", 8, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := acme(t)
			a := do(t, s, c.key, "PATCH", "/api/organizations/"+s.OrgID()+"/members/"+s.uuidOf(t, c.target)+"/", map[string]any{"level": c.level})
			if c.status != 200 {
				wantErr(t, a, c.status, c.detail)
				if a.Body["type"] != "authentication_error" || a.Body["code"] != "permission_denied" {
					t.Errorf("body: %s", a.Raw)
				}
				return
			}
			if a.Status != 200 || a.Body["level"] != float64(c.level) || s.levelOf(c.target) != c.level {
				t.Errorf("%d %s", a.Status, a.Raw)
			}
		})
	}
	s := acme(t)
	a := do(t, s, "phx_owner", "PUT", "/api/organizations/@current/members/"+s.uuidOf(t, "member@acme.com"), map[string]any{"level": 5})
	if a.Status != 400 || a.Body["code"] != "invalid_choice" || a.Body["attr"] != "level" {
		t.Errorf("invalid level: %s", a.Raw)
	}
	wantErr(t, do(t, s, "phx_owner", "PATCH", "/api/organizations/@current/members/nobody/", map[string]any{"level": 1}), 404, "Not found.")
}

func TestRemovalRules(t *testing.T) {
	cases := []struct {
		name, key, target string
		status            int
		detail            string
	}{
		{"member removes other", "phx_member", "admin@acme.com", 403, "You can only edit others if you are an admin."},
		{"admin removes owner", "phx_admin", "owner@acme.com", 403, "You can only edit others with level lower or equal to you."},
		{"owner leaves", "phx_owner", "owner@acme.com", 400, "Cannot leave the organization as its owner!"},
		{"member leaves", "phx_member", "member@acme.com", 204, ""},
		{"admin removes member", "phx_admin", "member@acme.com", 204, ""},
		{"owner removes owner", "phx_owner", "owner2@acme.com", 204, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := acme(t)
			if err := s.Grant(c.target, "Production", "member"); err != nil {
				t.Fatal(err)
			}
			a := do(t, s, c.key, "DELETE", "/api/organizations/"+s.OrgID()+"/members/"+s.uuidOf(t, c.target)+"/", nil)
			if c.status != 204 {
				wantErr(t, a, c.status, c.detail)
				return
			}
			if a.Status != 204 || s.levelOf(c.target) != 0 {
				t.Errorf("%d %s", a.Status, a.Raw)
			}
			if n := len(s.State().Projects[0].Access); n != 0 {
				t.Errorf("the removed member's access rows stayed: %d", n)
			}
		})
	}
}

func TestInvites(t *testing.T) {
	s := acme(t)
	inv := "/api/organizations/" + s.OrgID() + "/invites/"
	// Level above the inviter.
	wantErr(t, do(t, s, "phx_admin", "POST", inv, map[string]any{"target_email": "x@y.io", "level": 15}), 403,
		"You cannot invite a user with a higher permission level than your own.")
	// Already a member.
	a := do(t, s, "phx_owner", "POST", inv, map[string]any{"target_email": "member@acme.com"})
	wantErr(t, a, 400, "A user with this email address already belongs to the organization.")
	if a.Body["type"] != "validation_error" || a.Body["attr"] != nil {
		t.Errorf("body: %s", a.Raw)
	}
	// Unknown project.
	a = do(t, s, "phx_owner", "POST", inv, map[string]any{"target_email": "x@y.io", "private_project_access": []any{map[string]any{"id": 99, "level": "member"}}})
	wantErr(t, a, 400, "Project does not exist on this organization, or it is private and you do not have access to it.")
	if a.Body["attr"] != "private_project_access" {
		t.Errorf("attr: %s", a.Raw)
	}
	// A member inviting to a private project without project admin.
	a = do(t, s, "phx_member", "POST", inv, map[string]any{"target_email": "x@y.io", "private_project_access": []any{map[string]any{"id": 11, "level": "member"}}})
	wantErr(t, a, 400, "Project does not exist on this organization, or it is private and you do not have access to it.")
	// A good one; the domain is lower-cased.
	a = do(t, s, "phx_owner", "POST", inv, map[string]any{"target_email": "Jane@Agency.COM", "level": 8,
		"private_project_access": []any{map[string]any{"id": 11, "level": "admin"}}})
	if a.Status != 201 || a.Body["target_email"] != "Jane@agency.com" || a.Body["level"] != float64(8) || a.Body["is_expired"] != false {
		t.Fatalf("invite: %d %s", a.Status, a.Raw)
	}
	first := a.Body["id"]
	// Listed, newest first.
	do(t, s, "phx_owner", "POST", inv, map[string]any{"target_email": "bob@x.io"})
	l := do(t, s, "phx_member", "GET", inv, nil)
	res := l.Body["results"].([]any)
	if l.Body["count"] != float64(2) || res[0].(map[string]any)["target_email"] != "bob@x.io" {
		t.Errorf("list: %s", l.Raw)
	}
	// Expiry after three days, by the server's clock.
	s.Advance(3*24*time.Hour - time.Minute)
	if st := s.State(); st.Invites[0].Expired {
		t.Error("expired before three days")
	}
	s.Advance(2 * time.Minute)
	l = do(t, s, "phx_owner", "GET", inv, nil)
	for _, r := range l.Body["results"].([]any) {
		if r.(map[string]any)["is_expired"] != true {
			t.Errorf("not expired after three days: %v", r)
		}
	}
	if err := s.Accept("Jane@agency.com"); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("accepting an expired invitation: %v", err)
	}
	// Re-inviting replaces every earlier invitation of the email, expired too.
	a = do(t, s, "phx_owner", "POST", inv, map[string]any{"target_email": "Jane@agency.com", "level": 1,
		"private_project_access": []any{map[string]any{"id": 11, "level": "member"}, map[string]any{"id": 12, "level": "admin"}}})
	if a.Status != 201 || a.Body["id"] == first {
		t.Fatalf("re-invite: %s", a.Raw)
	}
	st := s.State()
	if len(st.Invites) != 2 {
		t.Fatalf("invites after re-invite: %+v", st.Invites)
	}
	// Members may not delete invitations.
	wantErr(t, do(t, s, "phx_member", "DELETE", inv+st.Invites[0].ID+"/", nil), 403, "Your organization access level is insufficient.")
	if a := do(t, s, "phx_admin", "DELETE", inv+st.Invites[0].ID, nil); a.Status != 204 {
		t.Errorf("delete invite: %d %s", a.Status, a.Raw)
	}
	wantErr(t, do(t, s, "phx_admin", "DELETE", inv+st.Invites[0].ID+"/", nil), 404, "Not found.")
	// Accepting creates the member at the invitation's level with its rows.
	if err := s.Accept("jane@agency.com"); err != nil {
		t.Fatal(err)
	}
	st = s.State()
	if len(st.Invites) != 0 || s.levelOf("Jane@agency.com") != 1 {
		t.Fatalf("after accept: %+v", st)
	}
	got := map[string]string{}
	for _, p := range st.Projects {
		for _, g := range p.Access {
			got[p.Name] = g.Email + " " + g.Level
		}
	}
	if got["Production"] != "Jane@agency.com member" || got["Staging"] != "Jane@agency.com admin" {
		t.Errorf("rows after accept: %v", got)
	}
}

func TestCombinePendingInvites(t *testing.T) {
	s := acme(t)
	inv := "/api/organizations/@current/invites/"
	do(t, s, "phx_owner", "POST", inv, map[string]any{"target_email": "c@x.io", "level": 8, "private_project_access": []any{map[string]any{"id": 11, "level": "admin"}}})
	a := do(t, s, "phx_owner", "POST", inv, map[string]any{"target_email": "c@x.io", "combine_pending_invites": true,
		"private_project_access": []any{map[string]any{"id": 12, "level": "member"}}})
	if a.Status != 201 || a.Body["level"] != float64(8) || len(a.Body["private_project_access"].([]any)) != 2 {
		t.Errorf("combined: %s", a.Raw)
	}
}

func TestAccessControls(t *testing.T) {
	s := acme(t)
	mid := s.membershipOf(t, "member@acme.com")
	ac := "/api/projects/11/access_controls/"
	a := do(t, s, "phx_owner", "PUT", ac, map[string]any{"access_level": "member", "organization_member": mid})
	if a.Status != 200 || a.Body["access_level"] != "member" || a.Body["organization_member"] != mid || a.Body["resource_id"] != "11" {
		t.Fatalf("put: %d %s", a.Status, a.Raw)
	}
	a = do(t, s, "phx_member", "GET", ac, nil)
	// posthog.md: default_access_level is the per-resource constant
	// ("admin" for projects); the project's own default ("none" here) is
	// the row with organization_member and role null.
	if a.Status != 200 || a.Body["default_access_level"] != "admin" || a.Body["user_access_level"] != "member" {
		t.Fatalf("get: %s", a.Raw)
	}
	rows := a.Body["access_controls"].([]any)
	if len(rows) != 2 {
		t.Fatalf("rows (default and member): %v", rows)
	}
	if lv := a.Body["available_access_levels"].([]any); len(lv) != 3 || lv[0] != "none" {
		t.Errorf("levels: %v", lv)
	}
	// Staging has no default row: the default is admin.
	if a := do(t, s, "phx_owner", "GET", "/api/projects/12/access_controls", nil); a.Body["default_access_level"] != "admin" || len(a.Body["access_controls"].([]any)) != 0 {
		t.Errorf("staging: %s", a.Raw)
	}
	// Errors.
	wantErr(t, do(t, s, "phx_member", "PUT", ac, map[string]any{"access_level": "admin", "organization_member": mid}), 403, "Must be admin to modify project permissions.")
	wantErr(t, do(t, s, "phx_owner", "PUT", ac, map[string]any{"access_level": "member", "organization_member": "bogus"}), 400,
		"Invalid organization member id. Use the 'id' field from the /api/organizations/<organization_id>/members/ endpoint.")
	wantErr(t, do(t, s, "phx_owner", "PUT", ac, map[string]any{"access_level": "viewer", "organization_member": mid}), 400, "Invalid access level. Must be one of: none, member, admin")
	wantErr(t, do(t, s, "phx_owner", "PUT", ac, map[string]any{"access_level": "member", "role": "r1"}), 403, "Role-based access controls require the Role-based access feature.")
	wantErr(t, do(t, s, "phx_owner", "GET", "/api/projects/99/access_controls/", nil), 404, "Not found.")
	// A project admin row lets a member write.
	if err := s.Grant("member@acme.com", "11", "admin"); err != nil {
		t.Fatal(err)
	}
	if a := do(t, s, "phx_member", "PUT", ac, map[string]any{"access_level": "member", "organization_member": mid}); a.Status != 200 {
		t.Errorf("project admin: %s", a.Raw)
	}
	// null deletes the row: 204.
	a = do(t, s, "phx_owner", "PUT", ac, map[string]any{"access_level": nil, "organization_member": mid})
	if a.Status != 204 || len(s.State().Projects[0].Access) != 0 {
		t.Errorf("delete: %d %s", a.Status, a.Raw)
	}
	// Members see only projects they can reach.
	a = do(t, s, "phx_member", "GET", "/api/organizations/"+s.OrgID()+"/projects/", nil)
	if a.Body["count"] != float64(1) || a.Body["results"].([]any)[0].(map[string]any)["name"] != "Staging" {
		t.Errorf("member's projects: %s", a.Raw)
	}
	a = do(t, s, "phx_owner", "GET", "/api/projects/", nil)
	if a.Body["count"] != float64(2) {
		t.Errorf("owner's projects: %s", a.Raw)
	}
}

func TestFailureInjection(t *testing.T) {
	s := acme(t)
	s.Fail(FailRule{Method: "GET", PathPrefix: "/api/organizations/", Status: 429, Count: 2, RetryAfter: "3"})
	path := "/api/organizations/" + s.OrgID() + "/members/?limit=100"
	for i := 0; i < 2; i++ {
		a := do(t, s, "phx_owner", "GET", path, nil)
		if a.Status != 429 || a.Header.Get("Retry-After") != "3" || a.Body["type"] != "throttled_error" {
			t.Fatalf("try %d: %d %v %s", i, a.Status, a.Header, a.Raw)
		}
	}
	if a := do(t, s, "phx_owner", "GET", path, nil); a.Status != 200 {
		t.Errorf("after count: %d", a.Status)
	}
	if a := do(t, s, "phx_owner", "GET", "/api/users/@me/", nil); a.Status != 200 {
		t.Errorf("other path: %d", a.Status)
	}
	s.Fail(FailRule{Method: "DELETE", Status: 500, Body: `{"detail":"boom"}`})
	for i := 0; i < 3; i++ {
		if a := do(t, s, "phx_owner", "DELETE", "/api/projects/1/", nil); a.Status != 500 || a.Raw != `{"detail":"boom"}` {
			t.Errorf("always: %d %s", a.Status, a.Raw)
		}
	}
	s.ClearFailures()
	want := []string{
		"GET /api/organizations/" + s.OrgID() + "/members/",
		"GET /api/organizations/" + s.OrgID() + "/members/",
		"GET /api/organizations/" + s.OrgID() + "/members/",
		"GET /api/users/@me/",
		"DELETE /api/projects/1/", "DELETE /api/projects/1/", "DELETE /api/projects/1/",
	}
	if got := s.Requests(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Error("reset")
	}
}

func admin(t *testing.T, s *Server, method, path, body string) (int, string) {
	t.Helper()
	a := fakekit.Ask(t, method, s.URL+path, "", "", []byte(body))
	return a.Status, a.Raw
}

func TestAdminHTTP(t *testing.T) {
	s := acme(t)
	steps := [][4]string{ // method, path, body, want
		{"POST", "/_fake/add-member", `{"email":"new@x.io","level":8}`, `"user_uuid"`},
		{"POST", "/_fake/set-level", `{"email":"new@x.io","level":1}`, `"ok"`},
		{"POST", "/_fake/grant", `{"email":"new@x.io","project":"Production","level":"admin"}`, `"ok"`},
		{"POST", "/_fake/grant", `{"email":"new@x.io","project":12,"level":"member"}`, `"ok"`},
		{"POST", "/_fake/add-project", `{"name":"Lab","default_access_level":"none"}`, `{"id":13}`},
		{"POST", "/_fake/invite", `{"email":"inv@x.io","level":1,"private_project_access":[{"id":13,"level":"member"}]}`, `"ok"`},
		{"POST", "/_fake/accept", `{"email":"inv@x.io"}`, `"ok"`},
		{"POST", "/_fake/invite", `{"email":"late@x.io"}`, `"ok"`},
		{"POST", "/_fake/expire-invites", ``, `"ok"`},
		{"POST", "/_fake/remove-member", `{"email":"member@acme.com"}`, `"ok"`},
		{"POST", "/_fake/fail", `{"method":"GET","path_prefix":"/api/users","status":503,"count":1}`, `"ok"`},
	}
	fakekit.RunAdminSteps(t, s.URL, steps)
	if code, body := admin(t, s, "POST", "/_fake/accept", `{"email":"late@x.io"}`); code != 400 || !strings.Contains(body, "expired") {
		t.Errorf("accept expired: %d %s", code, body)
	}
	if code, _ := admin(t, s, "POST", "/_fake/nope", `{}`); code != 404 {
		t.Errorf("unknown admin endpoint: %d", code)
	}
	if a := do(t, s, "phx_owner", "GET", "/api/users/@me/", nil); a.Status != 503 {
		t.Errorf("injected: %d", a.Status)
	}
	_, log := admin(t, s, "GET", "/_fake/requests", "")
	if log != "GET /api/users/@me/\n" {
		t.Errorf("requests: %q", log)
	}
	admin(t, s, "POST", "/_fake/reset-requests", "")
	if _, log := admin(t, s, "GET", "/_fake/requests", ""); log != "" {
		t.Errorf("after reset: %q", log)
	}
	_, body := admin(t, s, "GET", "/_fake/state", "")
	var st State
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	levels := map[string]int{}
	for _, m := range st.Members {
		levels[m.Email] = m.Level
	}
	if levels["new@x.io"] != 1 || levels["inv@x.io"] != 1 || levels["member@acme.com"] != 0 {
		t.Errorf("members: %v", levels)
	}
	if len(st.Invites) != 1 || !st.Invites[0].Expired {
		t.Errorf("invites: %+v", st.Invites)
	}
	access := map[string]string{}
	for _, p := range st.Projects {
		for _, g := range p.Access {
			access[p.Name+"/"+g.Email] = g.Level
		}
	}
	if access["Production/new@x.io"] != "admin" || access["Staging/new@x.io"] != "member" || access["Lab/inv@x.io"] != "member" {
		t.Errorf("access: %v", access)
	}
}

func TestSeedFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "seed.json")
	os.WriteFile(good, []byte(`{"org_id":"0190a1b2-0000-4000-8000-0000000000aa","now":"2026-01-01T00:00:00Z",
		"keys":{"phx_k":"o@x.io"},"members":[{"email":"o@x.io","level":15},{"email":"g@y.io"}],
		"projects":[{"id":5,"name":"Production","default_access_level":"none"}],
		"access":[{"project":"Production","email":"g@y.io","level":"member"}],
		"invites":[{"email":"i@z.io","level":8,"private_project_access":[{"id":5,"level":"admin"}],"created_at":"2025-12-31T00:00:00Z"}]}`), 0o644)
	seed, err := LoadSeed(good)
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Seed: seed})
	defer s.Close()
	st := s.State()
	if st.OrgID != "0190a1b2-0000-4000-8000-0000000000aa" || st.Now != "2026-01-01T00:00:00.000000Z" || len(st.Members) != 2 ||
		st.Projects[0].Access[0].Email != "g@y.io" || st.Invites[0].Expired || st.Invites[0].PrivateProjectAccess[0].Level != "admin" {
		t.Errorf("state: %+v", st)
	}
	fakekit.CheckBadSeeds(t, LoadSeed, func(seed Seed) error { _, err := Start(Options{Seed: seed}); return err }, map[string]string{
		`{"memebers":[]}`:              "unknown object member name",
		`{"keys":{"k":"nobody@x.io"}}`: "no user nobody@x.io",
		`{"projects":[{"name":"A","default_access_level":"viewer"}]}`:                                      "not none, member or admin",
		`{"members":[{"email":"a@x.io"}],"access":[{"project":"Nope","email":"a@x.io","level":"member"}]}`: `no project "Nope"`,
	})
}

func TestMainAndCall(t *testing.T) {
	fakekit.CheckCommands(t, fakekit.Commands{Main: Main, Call: Call,
		Seed:  `{"keys":{"k":"o@x.io"},"members":[{"email":"o@x.io","level":15}]}`,
		Ok:    []string{"POST", "/_fake/add-member", `{"email":"n@x.io"}`},
		Fails: []string{"POST", "/_fake/accept", `{"email":"nobody@x.io"}`},
	})
}

// FuzzSeed loads arbitrary seed JSON: an error or a server, never a panic.
func FuzzSeed(f *testing.F) {
	f.Add(`{"keys":{"k":"o@x.io"},"members":[{"email":"o@x.io","level":15}],"projects":[{"name":"P","default_access_level":"none"}],"access":[{"project":"P","email":"o@x.io","level":"admin"}],"invites":[{"email":"i@x.io","private_project_access":[{"id":1,"level":"member"}]}]}`)
	f.Add(`{"projects":[{"id":3,"name":"A"},{"id":3,"name":"B"}]}`)
	f.Add(`{"access":[{"project":7,"email":"x","level":"member"}]}`)
	f.Add(`{"now":"yesterday","invites":[{"email":"a@b","level":99}]}`)
	f.Fuzz(func(t *testing.T, data string) {
		var seed Seed
		if json.Unmarshal([]byte(data), &seed) != nil {
			return
		}
		s := &Server{keys: map[string]*user{}}
		if err := s.load(seed); err == nil && s.orgID == "" {
			t.Fatal("loaded without an organization id")
		}
	})
}
