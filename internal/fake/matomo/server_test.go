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
