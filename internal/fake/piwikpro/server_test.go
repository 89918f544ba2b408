package piwikpro

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// acme: an owner (client "owner-id"), a second owner, two users (one with
// a client), apps Shop and Blog, a meta-site, a group Managers with
// carol, and permissions.
func acmeSeed() Seed {
	return Seed{
		Clients: []SeedClient{{ClientID: "owner-id", ClientSecret: "owner-secret", Email: "owner@acme.com"},
			{ClientID: "carol-id", ClientSecret: "carol-secret", Email: "carol@x.io"}},
		Users: []SeedUser{
			{Email: "owner@acme.com", Role: "OWNER"},
			{Email: "owner2@acme.com", Role: "owner"},
			{Email: "carol@x.io"},
			{Email: "dave@x.io", Role: "USER"},
		},
		Apps:      []SeedApp{{ID: "a0000000-0000-4000-8000-000000000001", Name: "Shop"}, {Name: "Blog"}},
		MetaSites: []SeedApp{{Name: "All sites"}},
		Groups:    []SeedGroup{{Name: "Managers", Members: []string{"carol@x.io"}}},
		Permissions: []SeedPermission{
			{App: "Shop", Email: "carol@x.io", Permission: "view"},
			{App: "Blog", Email: "dave@x.io", Permission: "edit-publish"},
		},
		GroupPermissions: []SeedGroupPermission{{App: "Shop", Group: "Managers", Permission: "edit"}},
	}
}

func acme(t *testing.T) *Server {
	t.Helper()
	s := New(Options{Now: t0, Seed: acmeSeed()})
	t.Cleanup(s.Close)
	return s
}

func send(t *testing.T, s *Server, bearer, method, path, ctype string, body string) fakekit.Answer {
	t.Helper()
	return fakekit.Ask(t, method, s.URL+path, bearer, ctype, []byte(body))
}

// do sends a JSON:API request (body marshalled when not nil).
func do(t *testing.T, s *Server, tok, method, path string, body any) fakekit.Answer {
	t.Helper()
	b := ""
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		b = string(j)
	}
	return send(t, s, tok, method, path, requestMediaType(method, path), b)
}

func login(t *testing.T, s *Server, id, secret string) string {
	t.Helper()
	a := send(t, s, "", "POST", "/auth/token", "application/json",
		fmt.Sprintf(`{"grant_type":"client_credentials","client_id":%q,"client_secret":%q}`, id, secret))
	if a.Status != 200 {
		t.Fatalf("token: %d %s", a.Status, a.Raw)
	}
	return a.Body["access_token"].(string)
}

// wantErr checks a JSON:API error answer.
func wantErr(t *testing.T, a fakekit.Answer, status int, code, detail string) {
	t.Helper()
	if a.Status != status {
		t.Fatalf("status %d, want %d: %s", a.Status, status, a.Raw)
	}
	errs, _ := a.Body["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("not one JSON:API error: %s", a.Raw)
	}
	e := errs[0].(map[string]any)
	if e["status"] != fmt.Sprint(status) || e["code"] != code || e["title"] == "" {
		t.Errorf("error %v, want status %q code %q", e, fmt.Sprint(status), code)
	}
	if detail != "" && e["detail"] != detail {
		t.Errorf("detail %q, want %q", e["detail"], detail)
	}
}

func (s *Server) idOf(t *testing.T, email string) string {
	t.Helper()
	return fakekit.Find(t, s.State().Users, func(u StateUser) bool { return u.Email == email }, "no user "+email).ID
}

func (s *Server) appID(t *testing.T, name string) string {
	t.Helper()
	return fakekit.Find(t, s.State().Apps, func(a StateApp) bool { return a.Name == name }, "no app "+name).ID
}

func (s *Server) groupID(t *testing.T, name string) string {
	t.Helper()
	return fakekit.Find(t, s.State().Groups, func(g StateGroup) bool { return g.Name == name }, "no group "+name).ID
}

func TestToken(t *testing.T) {
	s := acme(t)
	a := send(t, s, "", "POST", "/auth/token", "application/json", `{"grant_type":"client_credentials","client_id":"owner-id","client_secret":"owner-secret"}`)
	if a.Status != 200 || a.Body["token_type"] != "Bearer" || a.Body["expires_in"] != float64(1800) {
		t.Fatalf("token: %d %s", a.Status, a.Raw)
	}
	tok := a.Body["access_token"].(string)
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %s", tok)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if claims["sub"] != s.idOf(t, "owner@acme.com") || claims["iss"] != "ppms" || claims["exp"] != float64(t0.Add(30*time.Minute).Unix()) {
		t.Errorf("claims: %v", claims)
	}
	// A form works too.
	f := send(t, s, "", "POST", "/auth/token", "application/x-www-form-urlencoded",
		url.Values{"grant_type": {"client_credentials"}, "client_id": {"carol-id"}, "client_secret": {"carol-secret"}}.Encode())
	if f.Status != 200 {
		t.Errorf("form: %d %s", f.Status, f.Raw)
	}
	for _, body := range []string{
		`{"grant_type":"client_credentials","client_id":"owner-id","client_secret":"nope"}`,
		`{"grant_type":"client_credentials","client_id":"nobody","client_secret":"owner-secret"}`,
	} {
		if a := send(t, s, "", "POST", "/auth/token", "application/json", body); a.Status != 401 || a.Raw != `{"message":"Unauthorized"}` {
			t.Errorf("%s: %d %s", body, a.Status, a.Raw)
		}
	}
	if a := send(t, s, "", "POST", "/auth/token", "application/json", `{"grant_type":"password"}`); a.Status != 400 {
		t.Errorf("grant type: %d", a.Status)
	}
	// The token works, then expires by the clock.
	if a := do(t, s, tok, "GET", "/api/users/v2", nil); a.Status != 200 {
		t.Fatalf("users: %d %s", a.Status, a.Raw)
	}
	for _, bad := range []string{"", "garbage"} {
		if a := do(t, s, bad, "GET", "/api/users/v2", nil); a.Status != 401 || a.Raw != `{"message":"Unauthorized"}` {
			t.Errorf("token %q: %d %s", bad, a.Status, a.Raw)
		}
	}
	s.Advance(30*time.Minute - time.Second)
	if a := do(t, s, tok, "GET", "/api/users/v2", nil); a.Status != 200 {
		t.Errorf("before expiry: %d", a.Status)
	}
	s.Advance(time.Second)
	if a := do(t, s, tok, "GET", "/api/users/v2", nil); a.Status != 401 {
		t.Errorf("after expiry: %d", a.Status)
	}
	// ExpireTokens ends every token without moving the clock.
	tok2 := login(t, s, "owner-id", "owner-secret")
	if s.Tokens() != 1 {
		t.Errorf("valid tokens: %d", s.Tokens())
	}
	s.ExpireTokens()
	if a := do(t, s, tok2, "GET", "/api/users/v2", nil); a.Status != 401 {
		t.Errorf("after ExpireTokens: %d", a.Status)
	}
}

func TestContentType(t *testing.T) {
	s := acme(t)
	tok := login(t, s, "owner-id", "owner-secret")
	body := `{"data":{"type":"ppms/user","attributes":{"email":"new@x.io"}}}`
	for _, ct := range []string{"application/json", "", "text/plain"} {
		a := send(t, s, tok, "POST", "/api/users/v2/invite", ct, body)
		wantErr(t, a, 400, "error.json-api-content-type", "")
	}
	if len(s.State().Users) != 4 {
		t.Fatal("a refused invitation created a user")
	}
	a := send(t, s, tok, "POST", "/api/users/v2/invite", "application/vnd.api+json; charset=utf-8", body)
	if a.Status != 201 || a.Header.Get("Content-Type") != JSONAPI {
		t.Errorf("vnd.api+json: %d %s %v", a.Status, a.Raw, a.Header)
	}
	// A DELETE with a body needs it too; one without does not.
	gid := s.groupID(t, "Managers")
	a = send(t, s, tok, "DELETE", "/api/user-groups/v1/"+gid+"/relationships/users", "application/json",
		`{"data":[{"type":"ppms/user","id":"`+s.idOf(t, "carol@x.io")+`"}]}`)
	wantErr(t, a, 400, "error.json-api-content-type", "")
	if a := send(t, s, tok, "DELETE", "/api/users/v2/"+s.idOf(t, "new@x.io"), "", ""); a.Status != 204 {
		t.Errorf("delete without body: %d %s", a.Status, a.Raw)
	}
	// Group creation: [G] declares application/json; piwikpro.md says
	// every body needs vnd.api+json ("send vnd.api+json anyway"), so the
	// fake takes both there, and nothing else.
	for i, ct := range []string{"application/json", JSONAPI} {
		body := fmt.Sprintf(`{"data":{"type":"ppms/user-group","attributes":{"name":"Made %d"}}}`, i)
		if a := send(t, s, tok, "POST", "/api/user-groups/v1", ct, body); a.Status != 201 {
			t.Errorf("group creation as %s: %d %s", ct, a.Status, a.Raw)
		}
	}
	a = send(t, s, tok, "POST", "/api/user-groups/v1", "text/plain", `{"data":{"type":"ppms/user-group","attributes":{"name":"Plain"}}}`)
	wantErr(t, a, 400, "error.json-api-content-type", "")
}

func TestUsersList(t *testing.T) {
	seed := acmeSeed()
	for i := 0; i < 1496; i++ {
		seed.Users = append(seed.Users, SeedUser{Email: fmt.Sprintf("u%04d@x.io", i)})
	}
	s := New(Options{Seed: seed, Now: t0})
	defer s.Close()
	tok := login(t, s, "owner-id", "owner-secret")
	a := do(t, s, tok, "GET", "/api/users/v2", nil)
	data := a.Body["data"].([]any)
	if a.Status != 200 || a.Body["meta"].(map[string]any)["total"] != float64(1500) || len(data) != 10 {
		t.Fatalf("default page: %d, %d items", a.Status, len(data))
	}
	u := data[0].(map[string]any)
	attrs := u["attributes"].(map[string]any)
	if u["type"] != "ppms/user" || attrs["addedAt"] != "2026-03-02T10:00:00+00:00" || attrs["organization"] != "acme" || attrs["role"] == nil {
		t.Errorf("user: %v", u)
	}
	seen := map[string]bool{}
	for off := 0; off < 1500; off += 1000 {
		a := do(t, s, tok, "GET", fmt.Sprintf("/api/users/v2?limit=1000&offset=%d", off), nil)
		for _, d := range a.Body["data"].([]any) {
			seen[d.(map[string]any)["id"].(string)] = true
		}
	}
	if len(seen) != 1500 {
		t.Errorf("paging saw %d users", len(seen))
	}
	wantErr(t, do(t, s, tok, "GET", "/api/users/v2?limit=1001", nil), 400, "error.default", "")
	wantErr(t, do(t, s, tok, "GET", "/api/users/v2?offset=-1", nil), 400, "error.default", "")
	wantErr(t, do(t, s, tok, "GET", "/api/users/v2?sort=name", nil), 400, "error.default", "")
	a = do(t, s, tok, "GET", "/api/users/v2?sort=email&limit=2", nil)
	if first := a.Body["data"].([]any)[0].(map[string]any)["attributes"].(map[string]any)["email"]; first != "carol@x.io" {
		t.Errorf("sort=email: first %v", first)
	}
	a = do(t, s, tok, "GET", "/api/users/v2?search=DAVE", nil)
	if a.Body["meta"].(map[string]any)["total"] != float64(1) {
		t.Errorf("search: %s", a.Raw)
	}
	id := s.idOf(t, "dave@x.io")
	if a := do(t, s, tok, "GET", "/api/users/v2/"+id, nil); a.Status != 200 || a.Body["data"].(map[string]any)["id"] != id {
		t.Errorf("get: %s", a.Raw)
	}
	wantErr(t, do(t, s, tok, "GET", "/api/users/v2/not-a-uuid", nil), 400, "error.default", "")
	wantErr(t, do(t, s, tok, "GET", "/api/users/v2/00000000-0000-4000-8000-000000000000", nil), 404, "users.error.user-does-not-exist", "")
}

func TestInviteAndRoles(t *testing.T) {
	s := acme(t)
	tok := login(t, s, "owner-id", "owner-secret")
	inv := func(email any) fakekit.Answer {
		return do(t, s, tok, "POST", "/api/users/v2/invite", map[string]any{"data": map[string]any{"type": "ppms/user", "attributes": map[string]any{"email": email}}})
	}
	a := inv("new@x.io")
	if a.Status != 201 {
		t.Fatalf("invite: %d %s", a.Status, a.Raw)
	}
	d := a.Body["data"].(map[string]any)
	id := d["id"].(string)
	if d["attributes"].(map[string]any)["role"] != "USER" {
		t.Errorf("invited: %v", d)
	}
	// The invited user is listed at once.
	if a := do(t, s, tok, "GET", "/api/users/v2/"+id, nil); a.Status != 200 {
		t.Errorf("invited user: %d", a.Status)
	}
	wantErr(t, inv("New@X.io"), 400, "users.error.user-already-exists", "")
	wantErr(t, inv("not-an-email"), 400, "error.default", "This value is not a valid email address.")
	wantErr(t, do(t, s, tok, "POST", "/api/users/v2/invite", map[string]any{"data": map[string]any{"type": "user", "attributes": map[string]any{"email": "a@b.c"}}}),
		400, "error.json-api-resource-type", "")
	// A USER may not invite.
	ctok := login(t, s, "carol-id", "carol-secret")
	wantErr(t, do(t, s, ctok, "POST", "/api/users/v2/invite", map[string]any{"data": map[string]any{"type": "ppms/user", "attributes": map[string]any{"email": "z@x.io"}}}),
		403, "error.forbidden", "")

	role := func(id, path, r string) fakekit.Answer {
		return do(t, s, tok, "PATCH", "/api/users/v2/"+id+path, map[string]any{"data": map[string]any{"type": "ppms/user", "id": id, "attributes": map[string]any{"role": r}}})
	}
	if a := role(id, "/change-role", "OWNER"); a.Status != 204 {
		t.Fatalf("change-role: %d %s", a.Status, a.Raw)
	}
	if a := role(id, "", "USER"); a.Status != 204 {
		t.Fatalf("patch: %d %s", a.Status, a.Raw)
	}
	wantErr(t, role(id, "/change-role", "ADMIN"), 400, "users.error.invalid-role", "")
	owner := s.idOf(t, "owner@acme.com")
	wantErr(t, role(owner, "/change-role", "USER"), 400, "users.error.cannot-change-own-role", "You cannot change your own role.")
	wantErr(t, do(t, s, tok, "PATCH", "/api/users/v2/"+id, map[string]any{"data": map[string]any{"type": "ppms/user", "id": owner, "attributes": map[string]any{"role": "USER"}}}),
		409, "error.json-api-resource-id-conflict", "")
	wantErr(t, do(t, s, tok, "PATCH", "/api/users/v2/"+id, map[string]any{"data": map[string]any{"type": "ppms/user", "attributes": map[string]any{"role": "USER"}}}),
		400, "error.json-api-resource-id-not-provided", "")
}

func TestDeleteUser(t *testing.T) {
	s := acme(t)
	tok := login(t, s, "owner-id", "owner-secret")
	del := func(email string) fakekit.Answer {
		return do(t, s, tok, "DELETE", "/api/users/v2/"+s.idOf(t, email), nil)
	}
	wantErr(t, del("owner@acme.com"), 400, "users.error.cannot-delete-own-account", "You cannot delete your own account.")
	if a := del("carol@x.io"); a.Status != 204 {
		t.Fatalf("delete: %d %s", a.Status, a.Raw)
	}
	st := s.State()
	if len(st.Users) != 3 || len(st.Groups[0].Members) != 0 || st.Apps[0].Permissions["carol@x.io"] != "" {
		t.Errorf("carol's traces stayed: %+v", st)
	}
	// carol's client and token went with her.
	if a := send(t, s, "", "POST", "/auth/token", "application/json", `{"grant_type":"client_credentials","client_id":"carol-id","client_secret":"carol-secret"}`); a.Status != 401 {
		t.Errorf("deleted user's client: %d", a.Status)
	}
	if a := del("owner2@acme.com"); a.Status != 204 {
		t.Fatalf("delete owner2: %d %s", a.Status, a.Raw)
	}
	// Now owner is the last owner: deleting themselves names that first.
	wantErr(t, del("owner@acme.com"), 400, "users.error.cannot-delete-last-owner", "The account's last owner cannot be deleted.")
}

func TestAppsAndMetaSites(t *testing.T) {
	seed := acmeSeed()
	for i := 0; i < 23; i++ {
		seed.Apps = append(seed.Apps, SeedApp{Name: fmt.Sprintf("app-%02d", i)})
	}
	s := New(Options{Seed: seed, Now: t0})
	defer s.Close()
	tok := login(t, s, "owner-id", "owner-secret")
	a := do(t, s, tok, "GET", "/api/apps/v2", nil)
	if a.Body["meta"].(map[string]any)["total"] != float64(25) || len(a.Body["data"].([]any)) != 10 {
		t.Fatalf("default page of apps: %s", a.Raw)
	}
	first := a.Body["data"].([]any)[0].(map[string]any)
	if first["type"] != "ppms/app" || first["attributes"].(map[string]any)["name"] != "Shop" || first["attributes"].(map[string]any)["appType"] != nil {
		t.Errorf("app item: %v", first)
	}
	a = do(t, s, tok, "GET", "/api/apps/v2?offset=20&limit=10", nil)
	if len(a.Body["data"].([]any)) != 5 {
		t.Errorf("last page: %s", a.Raw)
	}
	wantErr(t, do(t, s, tok, "GET", "/api/apps/v2?limit=5000", nil), 400, "error.default", "")
	full := do(t, s, tok, "GET", "/api/apps/v2/a0000000-0000-4000-8000-000000000001", nil)
	if full.Body["data"].(map[string]any)["attributes"].(map[string]any)["appType"] != "web" {
		t.Errorf("full app: %s", full.Raw)
	}
	// A USER sees only the apps they can view: carol sees Shop.
	ctok := login(t, s, "carol-id", "carol-secret")
	a = do(t, s, ctok, "GET", "/api/apps/v2?limit=100", nil)
	if a.Body["meta"].(map[string]any)["total"] != float64(1) {
		t.Errorf("carol's apps: %s", a.Raw)
	}
	m := do(t, s, tok, "GET", "/api/meta-sites/v1", nil)
	if m.Body["meta"].(map[string]any)["total"] != float64(1) || m.Body["data"].([]any)[0].(map[string]any)["type"] != "ppms/meta-site" {
		t.Errorf("meta-sites: %s", m.Raw)
	}
}

func TestAccessControl(t *testing.T) {
	s := acme(t)
	tok := login(t, s, "owner-id", "owner-secret")
	shop := s.appID(t, "Shop")
	base := "/api/access-control/v2/app/" + shop + "/permission/"
	a := do(t, s, tok, "GET", base+"user?limit=100", nil)
	if a.Status != 200 {
		t.Fatalf("list: %d %s", a.Status, a.Raw)
	}
	got := map[string]string{}
	for _, d := range a.Body["data"].([]any) {
		item := d.(map[string]any)
		at := item["attributes"].(map[string]any)
		gp := at["group_permissions"].(map[string]any)
		if item["type"] != "app/permission/user" {
			t.Errorf("type %v", item["type"])
		}
		got[at["email"].(string)] = fmt.Sprint(at["permission"], " ", gp["permission"], " ", gp["group_names"])
	}
	want := map[string]string{"carol@x.io": "view edit [Managers]", "dave@x.io": "no-access no-access []"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("user permissions (owners left out): %v, want %v", got, want)
	}
	a = do(t, s, tok, "GET", base+"user-group", nil)
	if len(a.Body["data"].([]any)) != 1 || a.Body["data"].([]any)[0].(map[string]any)["attributes"].(map[string]any)["permission"] != "edit" {
		t.Errorf("group permissions: %s", a.Raw)
	}
	set := func(kind, id, p string) fakekit.Answer {
		return do(t, s, tok, "POST", base+kind+"/"+id, map[string]any{"data": map[string]any{"type": "app/permission/" + kind, "attributes": map[string]any{"permission": p}}})
	}
	dave := s.idOf(t, "dave@x.io")
	if a := set("user", dave, "manage"); a.Status != 204 || s.State().Apps[0].Permissions["dave@x.io"] != "manage" {
		t.Fatalf("set: %d %s", a.Status, a.Raw)
	}
	if a := set("user", dave, "no-access"); a.Status != 204 || s.State().Apps[0].Permissions["dave@x.io"] != "" {
		t.Fatalf("no-access: %d %s", a.Status, a.Raw)
	}
	a = set("user", dave, "copy")
	wantErr(t, a, 400, "error.default", `Invalid permission "copy", available are: [no-access, view, edit, edit-publish, manage]`)
	if e := a.Body["errors"].([]any)[0].(map[string]any); e["title"] != "Invalid form" || e["source"].(map[string]any)["pointer"] != "/data/attributes/permission" {
		t.Errorf("error shape: %v", e)
	}
	wantErr(t, set("user", "00000000-0000-4000-8000-000000000000", "view"), 404, "users.error.user-does-not-exist", "")
	wantErr(t, do(t, s, tok, "POST", base+"user/"+dave, map[string]any{"data": map[string]any{"type": "app/permission/user-group", "attributes": map[string]any{"permission": "view"}}}),
		400, "error.json-api-resource-type", "")
	gid := s.groupID(t, "Managers")
	if a := set("user-group", gid, "no-access"); a.Status != 204 || len(s.State().Apps[0].GroupPermissions) != 0 {
		t.Errorf("group no-access: %d %s", a.Status, a.Raw)
	}
	wantErr(t, do(t, s, tok, "GET", "/api/access-control/v2/app/00000000-0000-4000-8000-000000000000/permission/user", nil), 404, "app.error.not-exists", "")
	// carol (view on Shop) may not read Shop's permissions; manage may.
	ctok := login(t, s, "carol-id", "carol-secret")
	wantErr(t, do(t, s, ctok, "GET", base+"user", nil), 403, "error.forbidden", "")
	if err := s.SetPermission("carol@x.io", "Shop", "manage"); err != nil {
		t.Fatal(err)
	}
	if a := do(t, s, ctok, "GET", base+"user", nil); a.Status != 200 {
		t.Errorf("manager reads: %d", a.Status)
	}
	// Meta-sites take their own type and levels.
	ms := s.State().MetaSites[0].ID
	a = do(t, s, tok, "POST", "/api/access-control/v2/meta-site/"+ms+"/permission/user/"+dave,
		map[string]any{"data": map[string]any{"type": "meta-site/permission/user", "attributes": map[string]any{"permission": "edit-publish"}}})
	wantErr(t, a, 400, "error.default", `Invalid permission "edit-publish", available are: [no-access, view, edit, manage]`)
}

func TestGroups(t *testing.T) {
	s := acme(t)
	tok := login(t, s, "owner-id", "owner-secret")
	a := do(t, s, tok, "POST", "/api/user-groups/v1", map[string]any{"data": map[string]any{"type": "ppms/user-group", "attributes": map[string]any{"name": "Analysts"}}})
	if a.Status != 201 {
		t.Fatalf("create: %d %s", a.Status, a.Raw)
	}
	gid := a.Body["data"].(map[string]any)["id"].(string)
	wantErr(t, do(t, s, tok, "POST", "/api/user-groups/v1", map[string]any{"data": map[string]any{"type": "ppms/user-group", "attributes": map[string]any{"name": "Analysts"}}}),
		400, "error.default", `A user group named "Analysts" already exists.`)
	l := do(t, s, tok, "GET", "/api/user-groups/v1?limit=100", nil)
	names := []string{}
	for _, d := range l.Body["data"].([]any) {
		names = append(names, d.(map[string]any)["attributes"].(map[string]any)["name"].(string))
	}
	if !slices.Equal(names, []string{"Analysts", "Managers"}) {
		t.Errorf("groups: %v", names)
	}
	rel := "/api/user-groups/v1/" + gid + "/relationships/users"
	ids := func(emails ...string) map[string]any {
		var data []any
		for _, e := range emails {
			data = append(data, map[string]any{"type": "ppms/user", "id": s.idOf(t, e)})
		}
		return map[string]any{"data": data}
	}
	if a := do(t, s, tok, "POST", rel, ids("dave@x.io", "carol@x.io")); a.Status != 204 {
		t.Fatalf("add: %d %s", a.Status, a.Raw)
	}
	members := func() []string {
		a := do(t, s, tok, "GET", "/api/user-groups/v1/"+gid+"/users?sort=email&limit=100", nil)
		var out []string
		for _, d := range a.Body["data"].([]any) {
			out = append(out, d.(map[string]any)["attributes"].(map[string]any)["email"].(string))
		}
		return out
	}
	if got := members(); !slices.Equal(got, []string{"carol@x.io", "dave@x.io"}) {
		t.Errorf("members: %v", got)
	}
	if a := do(t, s, tok, "DELETE", rel, ids("carol@x.io")); a.Status != 204 {
		t.Fatalf("remove: %d %s", a.Status, a.Raw)
	}
	if got := members(); !slices.Equal(got, []string{"dave@x.io"}) {
		t.Errorf("members after removal: %v", got)
	}
	ex := do(t, s, tok, "GET", "/api/user-groups/v1/"+gid+"/users/excluded?limit=100", nil)
	if ex.Body["meta"].(map[string]any)["total"] != float64(3) {
		t.Errorf("excluded: %s", ex.Raw)
	}
	// More than 1000 at once is refused; an unknown user too.
	big := map[string]any{"data": slices.Repeat([]any{map[string]any{"type": "ppms/user", "id": s.idOf(t, "dave@x.io")}}, 1001)}
	wantErr(t, do(t, s, tok, "POST", rel, big), 400, "error.default", "")
	wantErr(t, do(t, s, tok, "POST", rel, map[string]any{"data": []any{map[string]any{"type": "ppms/user", "id": "00000000-0000-4000-8000-000000000000"}}}),
		400, "users.error.user-does-not-exist", "")
	// Rename, then delete: the group's permissions go with it.
	if a := do(t, s, tok, "PATCH", "/api/user-groups/v1/"+gid, map[string]any{"data": map[string]any{"type": "ppms/user-group", "id": gid, "attributes": map[string]any{"name": "Data"}}}); a.Status != 204 {
		t.Fatalf("rename: %d %s", a.Status, a.Raw)
	}
	if err := s.SetGroupPermission("Data", "Shop", "view"); err != nil {
		t.Fatal(err)
	}
	if a := do(t, s, tok, "DELETE", "/api/user-groups/v1/"+gid, nil); a.Status != 204 {
		t.Fatalf("delete: %d %s", a.Status, a.Raw)
	}
	if st := s.State(); len(st.Groups) != 1 || len(st.Apps[0].GroupPermissions) != 1 {
		t.Errorf("after delete: %+v", st)
	}
	wantErr(t, do(t, s, tok, "GET", "/api/user-groups/v1/"+gid, nil), 404, "user-groups.error.not-exists", "")
}

func TestRateLimits(t *testing.T) {
	s := acme(t)
	tok := login(t, s, "owner-id", "owner-secret") // one write
	s.Advance(15 * time.Second)
	dave := s.idOf(t, "dave@x.io")
	path := "/api/access-control/v2/app/" + s.appID(t, "Shop") + "/permission/user/" + dave
	body := map[string]any{"data": map[string]any{"type": "app/permission/user", "attributes": map[string]any{"permission": "view"}}}
	for i := 1; i < 60; i++ {
		if a := do(t, s, tok, "POST", path, body); a.Status != 204 {
			t.Fatalf("write %d: %d %s", i+1, a.Status, a.Raw)
		}
	}
	a := do(t, s, tok, "POST", path, body)
	wantErr(t, a, 429, "error.too-many-requests", "Rate limit of 60 writes per minute exceeded.")
	if a.Header.Get("Retry-After") != "45" {
		t.Errorf("Retry-After %q", a.Header.Get("Retry-After"))
	}
	// Reads have their own budget.
	if a := do(t, s, tok, "GET", "/api/users/v2", nil); a.Status != 200 {
		t.Errorf("read after writes: %d", a.Status)
	}
	s.Advance(45 * time.Second)
	if a := do(t, s, tok, "POST", path, body); a.Status != 204 {
		t.Errorf("next minute: %d %s", a.Status, a.Raw)
	}
	s.SetRateLimits(RateLimits{ReadsPerMinute: 2})
	do(t, s, tok, "GET", "/api/users/v2", nil)
	do(t, s, tok, "GET", "/api/users/v2", nil)
	wantErr(t, do(t, s, tok, "GET", "/api/users/v2", nil), 429, "error.too-many-requests", "Rate limit of 2 reads per minute exceeded.")
	s.SetRateLimits(RateLimits{ReadsPerMinute: -1, WritesPerMinute: -1})
	for i := 0; i < 70; i++ {
		if a := do(t, s, tok, "POST", path, body); a.Status != 204 {
			t.Fatalf("unlimited write %d: %d", i, a.Status)
		}
	}
}

func TestFailureInjectionAndLog(t *testing.T) {
	s := acme(t)
	tok := login(t, s, "owner-id", "owner-secret")
	s.Fail(FailRule{Method: "GET", PathPrefix: "/api/users/", Status: 429, Count: 2, RetryAfter: "3"})
	for i := 0; i < 2; i++ {
		a := do(t, s, tok, "GET", "/api/users/v2/", nil)
		wantErr(t, a, 429, "error.too-many-requests", "")
		if a.Header.Get("Retry-After") != "3" {
			t.Errorf("Retry-After: %v", a.Header)
		}
	}
	if a := do(t, s, tok, "GET", "/api/users/v2/?limit=5", nil); a.Status != 200 {
		t.Errorf("after count: %d", a.Status)
	}
	s.Fail(FailRule{Method: "POST", PathPrefix: "/auth/token", Status: 401})
	if a := send(t, s, "", "POST", "/auth/token", "application/json", `{}`); a.Status != 401 || a.Raw != `{"message":"Unauthorized"}` {
		t.Errorf("injected 401: %d %s", a.Status, a.Raw)
	}
	s.Fail(FailRule{Method: "DELETE", Status: 500, Body: `{"errors":[{"status":"500","code":"boom","title":"Boom"}]}`})
	if a := do(t, s, tok, "DELETE", "/api/users/v2/x", nil); a.Status != 500 || !strings.Contains(a.Raw, "boom") {
		t.Errorf("body: %d %s", a.Status, a.Raw)
	}
	s.ClearFailures()
	want := []string{"POST /auth/token", "GET /api/users/v2/", "GET /api/users/v2/", "GET /api/users/v2/", "POST /auth/token", "DELETE /api/users/v2/x"}
	if got := s.Requests(); !slices.Equal(got, want) {
		t.Errorf("log:\n%s", strings.Join(got, "\n"))
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
		{"POST", "/_fake/add-user", `{"email":"new@x.io","role":"owner"}`, `"id"`},
		{"POST", "/_fake/set-role", `{"email":"new@x.io","role":"USER"}`, `"ok"`},
		{"POST", "/_fake/add-app", `{"name":"Lab"}`, `"id"`},
		{"POST", "/_fake/add-meta-site", `{"name":"Rollup"}`, `"id"`},
		{"POST", "/_fake/set-permission", `{"email":"new@x.io","app":"Lab","permission":"edit-publish"}`, `"ok"`},
		{"POST", "/_fake/add-group", `{"name":"Data"}`, `"id"`},
		{"POST", "/_fake/add-to-group", `{"group":"Data","email":"new@x.io"}`, `"ok"`},
		{"POST", "/_fake/add-to-group", `{"group":"Data","email":"dave@x.io"}`, `"ok"`},
		{"POST", "/_fake/remove-from-group", `{"group":"Data","email":"dave@x.io"}`, `"ok"`},
		{"POST", "/_fake/set-group-permission", `{"group":"Data","app":"Lab","permission":"view"}`, `"ok"`},
		{"POST", "/_fake/add-client", `{"client_id":"n","client_secret":"s","email":"new@x.io"}`, `"ok"`},
		{"POST", "/_fake/remove-user", `{"email":"dave@x.io"}`, `"ok"`},
		{"POST", "/_fake/remove-group", `{"group":"Managers"}`, `"ok"`},
		{"POST", "/_fake/set-rate-limits", `{"writes_per_minute":5}`, `"ok"`},
		{"POST", "/_fake/fail", `{"method":"GET","path_prefix":"/api/apps","status":503,"count":1}`, `"ok"`},
	}
	fakekit.RunAdminSteps(t, s.URL, steps)
	for _, bad := range []struct{ path, body, want string }{
		{"/_fake/set-permission", `{"email":"new@x.io","app":"Lab","permission":"copy"}`, "not one of"},
		{"/_fake/set-role", `{"email":"new@x.io","role":"admin"}`, "not OWNER or USER"},
		{"/_fake/add-user", `{"email":"new@x.io"}`, "exists already"},
		{"/_fake/add-to-group", `{"group":"Nope","email":"new@x.io"}`, `no group`},
		{"/_fake/advance", `{"duration":"soon"}`, "duration"},
	} {
		if code, body := admin(t, s, "POST", bad.path, bad.body); code != 400 || !strings.Contains(body, bad.want) {
			t.Errorf("%s %s: %d %s", bad.path, bad.body, code, body)
		}
	}
	if code, _ := admin(t, s, "POST", "/_fake/nope", `{}`); code != 404 {
		t.Errorf("unknown admin endpoint: %d", code)
	}
	tok := login(t, s, "n", "s")
	if a := do(t, s, tok, "GET", "/api/apps/v2", nil); a.Status != 503 {
		t.Errorf("injected: %d", a.Status)
	}
	_, log := admin(t, s, "GET", "/_fake/requests", "")
	if log != "POST /auth/token\nGET /api/apps/v2\n" {
		t.Errorf("requests: %q", log)
	}
	admin(t, s, "POST", "/_fake/reset-requests", "")
	admin(t, s, "POST", "/_fake/expire-tokens", "")
	if a := do(t, s, tok, "GET", "/api/apps/v2", nil); a.Status != 401 {
		t.Errorf("after expire-tokens: %d", a.Status)
	}
	admin(t, s, "POST", "/_fake/set-now", `{"now":"2027-01-01T00:00:00Z"}`)
	admin(t, s, "POST", "/_fake/advance", `{"duration":"90s"}`)
	_, body := admin(t, s, "GET", "/_fake/state", "")
	var st State
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.Now != "2027-01-01T00:01:30+00:00" {
		t.Errorf("now: %s", st.Now)
	}
	roles := map[string]string{}
	for _, u := range st.Users {
		roles[u.Email] = u.Role
	}
	if roles["new@x.io"] != "USER" || roles["dave@x.io"] != "" || len(st.MetaSites) != 2 {
		t.Errorf("users: %v; meta-sites %v", roles, st.MetaSites)
	}
	var lab StateApp
	for _, a := range st.Apps {
		if a.Name == "Lab" {
			lab = a
		}
	}
	if lab.Permissions["new@x.io"] != "edit-publish" || lab.GroupPermissions["Data"] != "view" {
		t.Errorf("Lab: %+v", lab)
	}
	if len(st.Groups) != 1 || !slices.Equal(st.Groups[0].Members, []string{"new@x.io"}) {
		t.Errorf("groups: %+v", st.Groups)
	}
}

func TestSeedFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "seed.json")
	os.WriteFile(good, []byte(`{"organization":"acme","now":"2026-01-01T00:00:00Z",
		"clients":[{"client_id":"id","client_secret":"sec","email":"o@x.io"}],
		"users":[{"email":"o@x.io","role":"OWNER"},{"email":"g@y.io","id":"b30e0000-0000-4000-8000-0000000000aa"}],
		"apps":[{"name":"Shop","id":"a0000000-0000-4000-8000-000000000001"}],
		"groups":[{"name":"Managers","members":["g@y.io"]}],
		"permissions":[{"app":"Shop","email":"g@y.io","permission":"view"}],
		"group_permissions":[{"app":"a0000000-0000-4000-8000-000000000001","group":"Managers","permission":"manage"}],
		"rate_limits":{"writes_per_minute":-1}}`), 0o644)
	seed, err := LoadSeed(good)
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Seed: seed})
	defer s.Close()
	st := s.State()
	if st.Now != "2026-01-01T00:00:00+00:00" || len(st.Users) != 2 || st.Users[1].ID != "b30e0000-0000-4000-8000-0000000000aa" ||
		st.Apps[0].Permissions["g@y.io"] != "view" || st.Apps[0].GroupPermissions["Managers"] != "manage" {
		t.Errorf("state: %+v", st)
	}
	fakekit.CheckBadSeeds(t, LoadSeed, func(seed Seed) error { _, err := Start(Options{Seed: seed}); return err }, map[string]string{
		`{"userz":[]}`: "unknown object member name",
		`{"clients":[{"client_id":"a","client_secret":"b","email":"nobody@x.io"}]}`:                                             "no user nobody@x.io",
		`{"users":[{"email":"a@x.io","role":"admin"}]}`:                                                                         "not OWNER or USER",
		`{"users":[{"email":"a@x.io"}],"apps":[{"name":"A"}],"permissions":[{"app":"A","email":"a@x.io","permission":"copy"}]}`: "not one of",
		`{"users":[{"email":"a@x.io"}],"permissions":[{"app":"Nope","email":"a@x.io","permission":"view"}]}`:                    `no app "Nope"`,
		`{"groups":[{"name":"G"},{"name":"G"}]}`:                                                                                "exists already",
	})
}

func TestMainAndCall(t *testing.T) {
	fakekit.CheckCommands(t, fakekit.Commands{Main: Main, Call: Call,
		Seed:  `{"users":[{"email":"o@x.io","role":"OWNER"}],"clients":[{"client_id":"i","client_secret":"s","email":"o@x.io"}]}`,
		Ok:    []string{"POST", "/_fake/add-user", `{"email":"n@x.io"}`},
		Fails: []string{"POST", "/_fake/set-role", `{"email":"nobody@x.io","role":"USER"}`},
		Usage: []string{"URLFILE"},
	})
}

// FuzzSeed loads arbitrary seed JSON: an error or a server, never a panic.
func FuzzSeed(f *testing.F) {
	b, _ := json.Marshal(acmeSeed())
	f.Add(string(b))
	f.Add(`{"users":[{"email":"a@b","id":"x"},{"email":"c@d","id":"x"}]}`)
	f.Add(`{"groups":[{"name":"G","members":["nobody@x.io"]}]}`)
	f.Add(`{"now":"yesterday","rate_limits":{"reads_per_minute":-5}}`)
	f.Fuzz(func(t *testing.T, data string) {
		var seed Seed
		if json.Unmarshal([]byte(data), &seed) != nil {
			return
		}
		s := newServer()
		if err := s.load(seed); err == nil && s.org == "" {
			t.Fatal("loaded without an organization")
		}
	})
}
