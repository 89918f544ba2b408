package plausible

import (
	"fmt"
	"net/http"
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

const (
	acmeID  = "0195e1a0-aaaa-4000-8000-000000000001"
	otherID = "0195e1a0-bbbb-4000-8000-000000000002"
)

// acme is two teams: Acme (owner@acme.com, admin, editor, billing; sites
// a.com with guests and b.com) and Other (other.com, where
// guest@agency.io is a guest and owner@acme.com a viewer). Keys:
// k_owner (legacy, owner@acme.com), k_team (bound to Acme), k_other
// (bound to Other), k_read (read-only), k_editor (legacy, a team editor),
// k_billing (legacy, billing), k_guest (legacy, only a guest).
func acme(t *testing.T) *Server {
	t.Helper()
	s := New(Options{Now: t0, Seed: Seed{
		Teams: []SeedTeam{
			{ID: acmeID, Name: "Acme", APIAvailable: true,
				Members: []SeedMember{{"owner@acme.com", "owner"}, {"admin@acme.com", "admin"}, {"ed@acme.com", "editor"}, {"bill@acme.com", "billing"}},
				Sites: []SeedSite{
					{Domain: "a.com", Guests: []SeedGuest{
						{Email: "Viewer@Agency.io", Role: "viewer", InsertedAt: "2026-03-01T09:00:00Z"},
						{Email: "inv@agency.io", Role: "editor", Status: "invited", InsertedAt: "2026-03-02T09:00:00Z"},
					}},
					{Domain: "b.com", Timezone: "Europe/Berlin"},
				}},
			{ID: otherID, Name: "Other",
				Members: []SeedMember{{"boss@other.com", "owner"}, {"owner@acme.com", "viewer"}},
				Sites:   []SeedSite{{Domain: "other.com", Guests: []SeedGuest{{Email: "guest@agency.io", Role: "viewer"}}}}},
		},
		Keys: []SeedKey{
			{Key: "k_owner", Email: "owner@acme.com"},
			{Key: "k_team", Email: "owner@acme.com", Team: "Acme"},
			{Key: "k_other", Email: "boss@other.com", Team: otherID},
			{Key: "k_read", Email: "owner@acme.com", ReadOnly: true},
			{Key: "k_editor", Email: "ed@acme.com"},
			{Key: "k_billing", Email: "bill@acme.com"},
			{Key: "k_guest", Email: "guest@agency.io"},
			{Key: "k_small", Email: "owner@acme.com", HourlyLimit: 3},
		},
	}})
	t.Cleanup(s.Close)
	return s
}

// do sends a request with a JSON body (nil: none).
func do(t *testing.T, s *Server, key, method, path string, body any) fakekit.Answer {
	t.Helper()
	var b []byte
	ctype := ""
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
		ctype = "application/json"
	}
	return send(t, fakekit.NewRequest(t, method, s.URL+path, key, ctype, b))
}

func send(t *testing.T, req *http.Request) fakekit.Answer {
	t.Helper()
	return fakekit.Send(t, req)
}

// want checks an answer's status and raw body.
func want(t *testing.T, what string, a fakekit.Answer, status int, body string) {
	t.Helper()
	if a.Status != status || a.Raw != body {
		t.Errorf("%s: %d %s\nwant %d %s", what, a.Status, a.Raw, status, body)
	}
}

func errBody(msg string) string {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return string(b)
}

func TestAuth(t *testing.T) {
	s := acme(t)
	want(t, "no key", do(t, s, "", "GET", "/api/v1/sites", nil), 401, errBody(MsgMissingKey))
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/sites", nil)
	req.Header.Set("Authorization", "Token k_owner")
	want(t, "wrong scheme", send(t, req), 401, errBody(MsgMissingKey))
	req.Header.Set("Authorization", "bearer k_owner")
	want(t, "lower-case bearer", send(t, req), 401, errBody(MsgMissingKey))
	want(t, "unknown key", do(t, s, "nope", "GET", "/api/v1/sites", nil), 401, errBody(MsgInvalidKey))
	want(t, "read-only key writes", do(t, s, "k_read", "PUT", "/api/v1/sites/guests", map[string]string{"site_id": "a.com", "email": "x@y.io", "role": "viewer"}),
		401, errBody(MsgInvalidKey))
	if a := do(t, s, "k_read", "GET", "/api/v1/sites/guests?site_id=a.com", nil); a.Status != 200 {
		t.Errorf("read-only key reads: %d %s", a.Status, a.Raw)
	}
	want(t, "unknown route", do(t, s, "k_owner", "GET", "/api/v1/nope", nil), 404, errBody(MsgNotFound))
}

func TestTeams(t *testing.T) {
	s := acme(t)
	cases := []struct{ key, body string }{
		{"k_owner", `{"meta":{"after":null,"before":null,"limit":100},"teams":[{"id":"` + otherID + `","name":"Other","api_available":false},{"id":"` + acmeID + `","name":"Acme","api_available":true}]}`},
		{"k_team", `{"meta":{"after":null,"before":null,"limit":100},"teams":[{"id":"` + acmeID + `","name":"Acme","api_available":true}]}`},
		{"k_guest", `{"meta":{"after":null,"before":null,"limit":100},"teams":[]}`},
	}
	for _, c := range cases {
		want(t, c.key, do(t, s, c.key, "GET", "/api/v1/sites/teams", nil), 200, c.body)
	}
}

func domains(a fakekit.Answer) []string {
	var out []string
	list, _ := a.Body["sites"].([]any)
	for _, x := range list {
		out = append(out, x.(map[string]any)["domain"].(string))
	}
	return out
}

func TestSitesScope(t *testing.T) {
	s := acme(t)
	cases := []struct {
		key, query string
		want       []string
	}{
		{"k_owner", "team_id=" + acmeID, []string{"b.com", "a.com"}},
		{"k_owner", "team_id=" + otherID, []string{"other.com"}},
		{"k_owner", "", []string{"other.com", "b.com", "a.com"}},
		{"k_owner", "team_id=0195e1a0-ffff-4000-8000-00000000ffff", []string{"other.com", "b.com", "a.com"}}, // unknown: unfiltered
		{"k_team", "team_id=" + otherID, []string{"b.com", "a.com"}},                                         // team-scoped: team_id ignored
		{"k_guest", "", []string{"other.com"}},                                                               // a guest's sites
		{"k_guest", "team_id=" + otherID, nil},                                                               // not a full member
	}
	for _, c := range cases {
		a := do(t, s, c.key, "GET", "/api/v1/sites?"+c.query, nil)
		if a.Status != 200 || !slices.Equal(domains(a), c.want) {
			t.Errorf("%s ?%s: %d %v, want %v", c.key, c.query, a.Status, domains(a), c.want)
		}
	}
	want(t, "site", do(t, s, "k_owner", "GET", "/api/v1/sites/b.com", nil), 200, `{"custom_properties":[],"domain":"b.com","timezone":"Europe/Berlin"}`)
	want(t, "site of another team", do(t, s, "k_team", "GET", "/api/v1/sites/other.com", nil), 404, errBody(MsgSiteNotFound))
	want(t, "no site", do(t, s, "k_owner", "GET", "/api/v1/sites/nope.com", nil), 404, errBody(MsgSiteNotFound))
}

func TestSitesPaging(t *testing.T) {
	var sites []SeedSite
	for i := 1; i <= 250; i++ {
		sites = append(sites, SeedSite{Domain: fmt.Sprintf("s%03d.com", i)})
	}
	s := New(Options{Now: t0, Seed: Seed{
		Teams: []SeedTeam{{Name: "Big", Members: []SeedMember{{"o@x.io", "owner"}}, Sites: sites}},
		Keys:  []SeedKey{{Key: "k", Email: "o@x.io"}},
	}})
	defer s.Close()
	// limit 500 is silently 100: three pages, id descending.
	var all []string
	after := ""
	pages := 0
	for {
		q := url.Values{"limit": {"500"}}
		if after != "" {
			q.Set("after", after)
		}
		a := do(t, s, "k", "GET", "/api/v1/sites?"+q.Encode(), nil)
		if a.Status != 200 {
			t.Fatalf("%d %s", a.Status, a.Raw)
		}
		pages++
		m := a.Body["meta"].(map[string]any)
		if m["limit"].(float64) != 100 {
			t.Errorf("meta.limit %v", m["limit"])
		}
		if (pages == 1) != (m["before"] == nil) {
			t.Errorf("page %d: before %v", pages, m["before"])
		}
		all = append(all, domains(a)...)
		next, _ := m["after"].(string)
		if next == "" {
			break
		}
		after = next
	}
	if pages != 3 || len(all) != 250 || all[0] != "s250.com" || all[249] != "s001.com" {
		t.Errorf("%d pages, %d sites, first %s", pages, len(all), all[0])
	}
	// limit 10 is honoured; before goes back.
	a := do(t, s, "k", "GET", "/api/v1/sites?limit=10", nil)
	a2 := do(t, s, "k", "GET", "/api/v1/sites?limit=10&after="+a.Body["meta"].(map[string]any)["after"].(string), nil)
	if got := domains(a2); len(got) != 10 || got[0] != "s240.com" {
		t.Errorf("second page of 10: %v", got)
	}
	a3 := do(t, s, "k", "GET", "/api/v1/sites?limit=10&before="+a2.Body["meta"].(map[string]any)["before"].(string), nil)
	if !slices.Equal(domains(a3), domains(a)) {
		t.Errorf("before: %v, want %v", domains(a3), domains(a))
	}
	for _, l := range []string{"0", "-3", "101"} {
		if a := do(t, s, "k", "GET", "/api/v1/sites?limit="+l, nil); len(domains(a)) != 100 {
			t.Errorf("limit %s: %d sites", l, len(domains(a)))
		}
	}
	want(t, "non-integer limit", do(t, s, "k", "GET", "/api/v1/sites?limit=ten", nil), 500, errBody(MsgInternal))
	want(t, "bad cursor", do(t, s, "k", "GET", "/api/v1/sites?after=%25%25", nil), 500, errBody(MsgInternal))
}

func TestListGuests(t *testing.T) {
	s := acme(t)
	want(t, "no site_id", do(t, s, "k_owner", "GET", "/api/v1/sites/guests", nil), 400, errBody(MsgListSiteID))
	// Newest first; members never appear.
	body := `{"guests":[{"email":"inv@agency.io","role":"editor","status":"invited"},{"email":"Viewer@Agency.io","role":"viewer","status":"accepted"}],"meta":{"after":null,"before":null,"limit":100}}`
	for _, key := range []string{"k_owner", "k_team", "k_editor", "k_read"} {
		want(t, key, do(t, s, key, "GET", "/api/v1/sites/guests?site_id=a.com", nil), 200, body)
	}
	// site_id in a JSON body works too.
	want(t, "body", do(t, s, "k_owner", "GET", "/api/v1/sites/guests", map[string]string{"site_id": "a.com"}), 200, body)
	want(t, "billing", do(t, s, "k_billing", "GET", "/api/v1/sites/guests?site_id=a.com", nil), 404, errBody(MsgSiteNotFound))
	want(t, "team-scoped key, other team", do(t, s, "k_team", "GET", "/api/v1/sites/guests?site_id=other.com", nil), 401, errBody(MsgInvalidKey))
	want(t, "unknown site", do(t, s, "k_owner", "GET", "/api/v1/sites/guests?site_id=nope.com", nil), 404, errBody(MsgSiteNotFound))
	if a := do(t, s, "k_guest", "GET", "/api/v1/sites/guests?site_id=other.com", nil); a.Status != 200 {
		t.Errorf("a guest lists guests: %d %s", a.Status, a.Raw)
	}
	a := do(t, s, "k_owner", "GET", "/api/v1/sites/guests?site_id=a.com&limit=1", nil)
	after := a.Body["meta"].(map[string]any)["after"].(string)
	want(t, "page 2", do(t, s, "k_owner", "GET", "/api/v1/sites/guests?site_id=a.com&limit=1&after="+after, nil), 200,
		`{"guests":[{"email":"Viewer@Agency.io","role":"viewer","status":"accepted"}],"meta":{"after":null,"before":"`+cursorOf(t, a, s)+`","limit":1}}`)
}

// cursorOf is the before cursor the second page of a one-per-page guest
// list carries: its own first entry's.
func cursorOf(t *testing.T, _ fakekit.Answer, s *Server) string {
	t.Helper()
	s.Mu.Lock()
	defer s.Mu.Unlock()
	g := s.sites["a.com"].byEmail["viewer@agency.io"]
	return sortKey{g.insertedAt.UnixNano(), int64(g.id)}.cursor()
}

func TestPutGuest(t *testing.T) {
	s := acme(t)
	put := func(key string, p map[string]string) fakekit.Answer {
		return do(t, s, key, "PUT", "/api/v1/sites/guests", p)
	}
	want(t, "new", put("k_owner", map[string]string{"site_id": "a.com", "email": "New@X.io", "role": "editor"}), 200,
		`{"email":"New@X.io","role":"editor","status":"invited"}`)
	want(t, "again, other role", put("k_team", map[string]string{"site_id": "a.com", "email": "new@x.io", "role": "viewer"}), 200,
		`{"email":"New@X.io","role":"editor","status":"invited"}`)
	want(t, "accepted guest, other role", put("k_owner", map[string]string{"site_id": "a.com", "email": "viewer@agency.io", "role": "editor"}), 200,
		`{"email":"Viewer@Agency.io","role":"viewer","status":"accepted"}`)
	want(t, "team member", put("k_owner", map[string]string{"site_id": "a.com", "email": "ED@acme.com", "role": "viewer"}), 500, errBody(MsgInternal))
	want(t, "no site_id", put("k_owner", map[string]string{"email": "x@y.io", "role": "viewer"}), 400, errBody(MsgCreateSiteID))
	want(t, "no email", put("k_owner", map[string]string{"site_id": "a.com", "role": "viewer"}), 400, errBody(MsgCreateEmail))
	want(t, "no role", put("k_owner", map[string]string{"site_id": "a.com", "email": "x@y.io"}), 400, errBody(MsgCreateRole))
	want(t, "bad role", put("k_owner", map[string]string{"site_id": "a.com", "email": "x@y.io", "role": "admin"}), 400, errBody(MsgCreateRole))
	want(t, "editor may not", put("k_editor", map[string]string{"site_id": "a.com", "email": "x@y.io", "role": "viewer"}), 404, errBody(MsgSiteNotFound))
	want(t, "other team", put("k_team", map[string]string{"site_id": "other.com", "email": "x@y.io", "role": "viewer"}), 401, errBody(MsgInvalidKey))
	want(t, "unknown site", put("k_owner", map[string]string{"site_id": "nope.com", "email": "x@y.io", "role": "viewer"}), 404, errBody(MsgSiteNotFound))
	// Query parameters and a form body work too.
	want(t, "query", do(t, s, "k_owner", "PUT", "/api/v1/sites/guests?site_id=b.com&email=q@y.io&role=viewer", nil), 200,
		`{"email":"q@y.io","role":"viewer","status":"invited"}`)
	req, _ := http.NewRequest("PUT", s.URL+"/api/v1/sites/guests", strings.NewReader("site_id=b.com&email=f%40y.io&role=editor"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer k_owner")
	want(t, "form", send(t, req), 200, `{"email":"f@y.io","role":"editor","status":"invited"}`)
	if got := s.Guests("a.com"); !slices.Equal(got, []string{"New@X.io editor invited", "Viewer@Agency.io viewer accepted", "inv@agency.io editor invited"}) {
		t.Errorf("a.com guests: %q", got)
	}
	// No Sites API on the team; a member limit.
	s2 := New(Options{Now: t0, Seed: Seed{
		Teams: []SeedTeam{
			{Name: "Free", NoSitesAPI: true, Members: []SeedMember{{"o@x.io", "owner"}}, Sites: []SeedSite{{Domain: "free.com"}}},
			{Name: "Small", MemberLimit: 2, Members: []SeedMember{{"o@x.io", "owner"}}, Sites: []SeedSite{{Domain: "small.com"}, {Domain: "small2.com"}}},
		},
		Keys: []SeedKey{{Key: "k", Email: "o@x.io"}},
	}})
	defer s2.Close()
	want(t, "no Sites API", do(t, s2, "k", "PUT", "/api/v1/sites/guests", map[string]string{"site_id": "free.com", "email": "x@y.io", "role": "viewer"}), 402, errBody(MsgNoSitesAPI))
	want(t, "within the limit", do(t, s2, "k", "PUT", "/api/v1/sites/guests", map[string]string{"site_id": "small.com", "email": "x@y.io", "role": "viewer"}), 200, `{"email":"x@y.io","role":"viewer","status":"invited"}`)
	want(t, "same person, other site", do(t, s2, "k", "PUT", "/api/v1/sites/guests", map[string]string{"site_id": "small2.com", "email": "x@y.io", "role": "viewer"}), 200, `{"email":"x@y.io","role":"viewer","status":"invited"}`)
	want(t, "over the limit", do(t, s2, "k", "PUT", "/api/v1/sites/guests", map[string]string{"site_id": "small.com", "email": "z@y.io", "role": "viewer"}), 500, errBody(MsgInternal))
}

func TestDeleteGuest(t *testing.T) {
	s := acme(t)
	del := func(key, email, query string) fakekit.Answer {
		return do(t, s, key, "DELETE", "/api/v1/sites/guests/"+url.PathEscape(email)+query, nil)
	}
	ok := `{"deleted":true}`
	want(t, "accepted guest", del("k_owner", "viewer@agency.io", "?site_id=a.com"), 200, ok)
	want(t, "invitation", del("k_team", "INV@agency.io", "?site_id=a.com"), 200, ok)
	want(t, "unknown email", del("k_owner", "nobody@x.io", "?site_id=a.com"), 200, ok)
	want(t, "team member", del("k_owner", "ed@acme.com", "?site_id=a.com"), 200, ok)
	want(t, "no site_id", del("k_owner", "x@y.io", ""), 400, errBody(MsgDeleteSiteID))
	want(t, "editor may not", del("k_editor", "x@y.io", "?site_id=a.com"), 404, errBody(MsgSiteNotFound))
	if got := s.Guests("a.com"); len(got) != 0 {
		t.Errorf("guests left: %q", got)
	}
	if st := s.State(); len(st.Teams[0].Members) != 4 {
		t.Errorf("a team member went: %+v", st.Teams[0].Members)
	}
}

func TestRateLimit(t *testing.T) {
	s := acme(t)
	s.SetNow(time.Date(2026, 3, 2, 10, 59, 0, 0, time.UTC))
	for i := 0; i < 3; i++ {
		if a := do(t, s, "k_small", "GET", "/api/v1/sites", nil); a.Status != 200 {
			t.Fatalf("request %d: %d", i, a.Status)
		}
	}
	a := do(t, s, "k_small", "GET", "/api/v1/sites", nil)
	want(t, "over", a, 429, errBody("Too many API requests. Your API key is limited to 3 requests per hour. Please contact us to request more capacity."))
	if a.Header.Get("Retry-After") != "" {
		t.Errorf("Retry-After %q", a.Header.Get("Retry-After"))
	}
	do(t, s, "k_small", "GET", "/api/v1/sites", nil)
	if s.Used("k_small") != 5 {
		t.Errorf("rejected calls do not count: %d", s.Used("k_small"))
	}
	if a := do(t, s, "k_owner", "GET", "/api/v1/sites", nil); a.Status != 200 {
		t.Errorf("another key: %d", a.Status)
	}
	// A fixed clock hour: 11:00 starts afresh.
	s.Advance(time.Minute)
	if a := do(t, s, "k_small", "GET", "/api/v1/sites", nil); a.Status != 200 {
		t.Errorf("next hour: %d", a.Status)
	}
	if err := s.Spend("k_small", 2); err != nil {
		t.Fatal(err)
	}
	if a := do(t, s, "k_small", "GET", "/api/v1/sites", nil); a.Status != 429 {
		t.Errorf("after Spend: %d", a.Status)
	}
	if err := s.Spend("nope", 1); err == nil {
		t.Error("Spend of an unknown key")
	}
}

func TestInvitationExpiry(t *testing.T) {
	// inv@agency.io was invited 2026-03-02 09:00; the job at 03-04 01:00
	// finds it 40 h old, the one at 03-05 01:00 64 h old.
	s := acme(t)
	s.SetNow(time.Date(2026, 3, 5, 0, 59, 0, 0, time.UTC))
	if got := s.Guests("a.com"); len(got) != 2 {
		t.Fatalf("before the job: %q", got)
	}
	s.Advance(time.Minute)
	if got := s.Guests("a.com"); !slices.Equal(got, []string{"Viewer@Agency.io viewer accepted"}) {
		t.Errorf("after the job: %q", got)
	}
	// RunCleanup: 49 h old without a 01:00 in between.
	s2 := acme(t)
	s2.SetNow(time.Date(2026, 3, 4, 10, 0, 1, 0, time.UTC))
	if len(s2.Guests("a.com")) != 2 {
		t.Fatal("an invitation went before 01:00")
	}
	s2.RunCleanup()
	if got := s2.Guests("a.com"); len(got) != 1 {
		t.Errorf("after RunCleanup: %q", got)
	}
	// ExpireInvitations, with a clock the test drives.
	now := t0
	s3 := New(Options{Clock: func() time.Time { return now }, Seed: Seed{
		Teams: []SeedTeam{{Members: []SeedMember{{"o@x.io", "owner"}}, Sites: []SeedSite{{Domain: "x.com"}}}},
		Keys:  []SeedKey{{Key: "k", Email: "o@x.io"}},
	}})
	defer s3.Close()
	do(t, s3, "k", "PUT", "/api/v1/sites/guests", map[string]string{"site_id": "x.com", "email": "i@y.io", "role": "viewer"})
	now = now.Add(47 * time.Hour)
	if len(s3.Guests("x.com")) != 1 {
		t.Fatal("gone too early")
	}
	now = t0.Add(time.Hour)
	s3.ExpireInvitations()
	if got := s3.Guests("x.com"); len(got) != 0 {
		t.Errorf("after ExpireInvitations: %q", got)
	}
	if got := s3.Now(); !got.Equal(t0.Add(time.Hour + ExpireAdvance)) {
		t.Errorf("clock %v", got)
	}
	// Seeded invitations long past their cleanup are gone from the start.
	s4 := New(Options{Now: t0, Seed: Seed{Teams: []SeedTeam{{Sites: []SeedSite{{Domain: "x.com", Guests: []SeedGuest{
		{Email: "old@y.io", Role: "viewer", Status: "invited", InsertedAt: "2026-02-20T00:00:00Z"},
		{Email: "oldaccepted@y.io", Role: "viewer", InsertedAt: "2026-02-20T00:00:00Z"},
	}}}}}}})
	defer s4.Close()
	if got := s4.Guests("x.com"); !slices.Equal(got, []string{"oldaccepted@y.io viewer accepted"}) {
		t.Errorf("seeded: %q", got)
	}
}

func TestPromoteAndAccept(t *testing.T) {
	s := acme(t)
	if err := s.AddGuest("b.com", "viewer@agency.io", "editor", "invited"); err != nil {
		t.Fatal(err)
	}
	if err := s.Accept("", "viewer@agency.io"); err != nil {
		t.Fatal(err)
	}
	if got := s.Guests("b.com"); !slices.Equal(got, []string{"viewer@agency.io editor accepted"}) {
		t.Errorf("accepted: %q", got)
	}
	if err := s.Accept("a.com", "viewer@agency.io"); err == nil {
		t.Error("accepted an accepted guest")
	}
	if err := s.Promote("Acme", "nobody@x.io", "viewer"); err == nil {
		t.Error("promoted someone who is not a guest")
	}
	if err := s.Promote("Acme", "Viewer@agency.io", "admin"); err != nil {
		t.Fatal(err)
	}
	if len(s.Guests("a.com")) != 1 || len(s.Guests("b.com")) != 0 {
		t.Errorf("guest rows stayed: %q %q", s.Guests("a.com"), s.Guests("b.com"))
	}
	want(t, "PUT for the promoted", do(t, s, "k_owner", "PUT", "/api/v1/sites/guests", map[string]string{"site_id": "a.com", "email": "viewer@agency.io", "role": "viewer"}), 500, errBody(MsgInternal))
	// An invitee who became a member meanwhile keeps the team role.
	if err := s.AddMember("", "x@y.io", "viewer"); err == nil {
		t.Error("AddMember without a team among two")
	}
	if err := s.SetGuestRole("a.com", "inv@agency.io", "viewer"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddMember(acmeID, "inv@agency.io", "viewer"); err != nil {
		t.Fatal(err)
	}
	if err := s.Accept("a.com", "inv@agency.io"); err == nil {
		t.Error("accepted a deleted invitation")
	}
	for _, err := range []error{
		s.AddGuest("a.com", "ed@acme.com", "viewer", ""),
		s.AddGuest("a.com", "g@y.io", "admin", ""),
		s.AddGuest("a.com", "g@y.io", "viewer", "pending"),
		s.SetGuestRole("a.com", "nobody@y.io", "viewer"),
		s.RemoveGuest("a.com", "nobody@y.io"),
		s.AddMember("Acme", "ed@acme.com", "viewer"),
		s.AddMember("Acme", "n@y.io", "guest"),
		s.RemoveMember("Acme", "nobody@y.io"),
		s.SetMemberRole("Acme", "ed@acme.com", "boss"),
		s.AddSite("Acme", "a.com", ""),
		s.AddSite("Nope", "z.com", ""),
	} {
		if err == nil {
			t.Error("a bad admin call succeeded")
		}
	}
}

func TestFailureInjection(t *testing.T) {
	s := acme(t)
	s.Fail(FailRule{Method: "GET", PathPrefix: "/api/v1/sites/guests", Status: 503, Count: 2, RetryAfter: "4"})
	for i := 0; i < 2; i++ {
		a := do(t, s, "k_owner", "GET", "/api/v1/sites/guests?site_id=a.com", nil)
		want(t, "injected", a, 503, errBody(MsgInternal))
		if a.Header.Get("Retry-After") != "4" {
			t.Errorf("Retry-After %q", a.Header.Get("Retry-After"))
		}
	}
	if a := do(t, s, "k_owner", "GET", "/api/v1/sites/guests?site_id=a.com", nil); a.Status != 200 {
		t.Errorf("after the count: %d", a.Status)
	}
	s.Fail(FailRule{Status: 429, Body: `{"error":"slow down"}`})
	want(t, "custom body", do(t, s, "k_owner", "PUT", "/api/v1/sites/guests", nil), 429, `{"error":"slow down"}`)
	s.ClearFailures()
	log := s.RequestLog()
	if len(log) != 4 || log[0].Status != 503 || log[0].Query != "site_id=a.com" || log[2].Status != 200 || !log[3].At.Equal(t0) {
		t.Errorf("log: %+v", log)
	}
	if got := s.Requests(); !slices.Equal(got, []string{"GET /api/v1/sites/guests", "GET /api/v1/sites/guests", "GET /api/v1/sites/guests", "PUT /api/v1/sites/guests"}) {
		t.Errorf("requests: %q", got)
	}
	if s.Used("k_owner") != 1 {
		t.Errorf("injected failures counted: %d", s.Used("k_owner"))
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
		{"POST", "/_fake/add-team", `{"id":"t3","name":"Third"}`, `{"id":"t3"}`},
		{"POST", "/_fake/add-site", `{"team":"Third","domain":"third.com"}`, `"ok"`},
		{"POST", "/_fake/add-member", `{"team":"t3","email":"o3@x.io","role":"owner"}`, `"ok"`},
		{"POST", "/_fake/add-key", `{"key":"k3","email":"o3@x.io","team":"t3","hourly_limit":50}`, `"ok"`},
		{"POST", "/_fake/add-guest", `{"site":"third.com","email":"g@y.io","role":"viewer","status":"invited"}`, `"ok"`},
		{"POST", "/_fake/accept", `{"site":"third.com","email":"g@y.io"}`, `"ok"`},
		{"POST", "/_fake/set-guest-role", `{"site":"third.com","email":"g@y.io","role":"editor"}`, `"ok"`},
		{"POST", "/_fake/add-guest", `{"site":"third.com","email":"h@y.io","role":"viewer"}`, `"ok"`},
		{"POST", "/_fake/remove-guest", `{"site":"third.com","email":"h@y.io"}`, `"ok"`},
		{"POST", "/_fake/add-guest", `{"site":"third.com","email":"p@y.io","role":"viewer"}`, `"ok"`},
		{"POST", "/_fake/promote", `{"team":"Third","email":"p@y.io","role":"editor"}`, `"ok"`},
		{"POST", "/_fake/set-member-role", `{"team":"Third","email":"p@y.io","role":"admin"}`, `"ok"`},
		{"POST", "/_fake/add-member", `{"team":"Third","email":"m@y.io","role":"viewer"}`, `"ok"`},
		{"POST", "/_fake/remove-member", `{"team":"Third","email":"m@y.io"}`, `"ok"`},
		{"POST", "/_fake/add-guest", `{"site":"third.com","email":"i@y.io","role":"viewer","status":"invited"}`, `"ok"`},
		{"POST", "/_fake/fail", `{"method":"GET","path_prefix":"/api/v1/sites","status":503,"count":1}`, `"ok"`},
		{"POST", "/_fake/set-now", `{"now":"2026-03-02T12:00:00Z"}`, `"ok"`},
		{"POST", "/_fake/spend", `{"key":"k3","count":50}`, `"ok"`},
		{"POST", "/_fake/cleanup", ``, `"ok"`},
	}
	fakekit.RunAdminSteps(t, s.URL, steps)
	if a := do(t, s, "k3", "GET", "/api/v1/sites", nil); a.Status != 503 {
		t.Errorf("injected: %d", a.Status)
	}
	if a := do(t, s, "k3", "GET", "/api/v1/sites", nil); a.Status != 429 {
		t.Errorf("spent: %d", a.Status)
	}
	_, log := admin(t, s, "GET", "/_fake/requests", "")
	if log != "GET /api/v1/sites\nGET /api/v1/sites\n" {
		t.Errorf("requests: %q", log)
	}
	admin(t, s, "POST", "/_fake/reset-requests", "")
	if _, log := admin(t, s, "GET", "/_fake/requests", ""); log != "" {
		t.Errorf("after reset: %q", log)
	}
	for _, c := range []struct{ path, body string }{
		{"/_fake/accept", `{"email":"nobody@x.io"}`},
		{"/_fake/advance", `{"duration":"soon"}`},
		{"/_fake/set-clock", `{"now":"tomorrow"}`},
		{"/_fake/fail", `{"status":7}`},
		{"/_fake/add-guest", `{"site":`},
	} {
		if code, _ := admin(t, s, "POST", c.path, c.body); code != 400 {
			t.Errorf("%s %s: %d", c.path, c.body, code)
		}
	}
	if code, _ := admin(t, s, "POST", "/_fake/nope", `{}`); code != 404 {
		t.Error("unknown admin endpoint")
	}
	if code, _ := admin(t, s, "GET", "/_fake/accept", ``); code != 405 {
		t.Error("GET on a POST endpoint")
	}
	code, _ := admin(t, s, "POST", "/_fake/advance", `{"duration":"72h"}`)
	if code != 200 || !s.Now().Equal(time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("advance: %d %v", code, s.Now())
	}
	_, body := admin(t, s, "GET", "/_fake/state", "")
	var st State
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	third := st.Teams[2]
	if third.ID != "t3" || fmt.Sprint(third.Members) != "[{o3@x.io owner} {p@y.io admin}]" ||
		fmt.Sprint(third.Sites[0].Guests) != "[{g@y.io editor accepted 2026-03-02T10:00:00Z}]" {
		t.Errorf("state: %+v", third)
	}
	if code, _ := admin(t, s, "POST", "/_fake/expire-invitations", ""); code != 200 || !s.Now().Equal(time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("expire-invitations: %v", s.Now())
	}
}

func TestSeedFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "seed.json")
	os.WriteFile(good, []byte(`{"now":"2026-01-01T00:00:00Z",
		"teams":[{"id":"t1","name":"Acme","members":[{"email":"o@x.io","role":"owner"}],
		  "sites":[{"domain":"a.com","guests":[{"email":"g@y.io","role":"viewer"},{"email":"i@y.io","role":"editor","status":"invited"}]}]}],
		"keys":[{"key":"k","email":"o@x.io","team":"t1"}]}`), 0o644)
	seed, err := LoadSeed(good)
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Seed: seed})
	defer s.Close()
	st := s.State()
	if st.Now != "2026-01-01T00:00:00Z" || len(st.Teams) != 1 || len(st.Teams[0].Sites[0].Guests) != 2 {
		t.Errorf("state: %+v", st)
	}
	if a := do(t, s, "k", "GET", "/api/v1/sites/guests?site_id=a.com", nil); a.Status != 200 {
		t.Errorf("seeded key: %d", a.Status)
	}
	fakekit.CheckBadSeeds(t, LoadSeed, func(seed Seed) error { _, err := Start(Options{Seed: seed}); return err }, map[string]string{
		`{"teamz":[]}`: "unknown object member name",
		`{"keys":[{"key":"k","email":"o@x.io","team":"nope"}]}`:                                   `no team "nope"`,
		`{"teams":[{"members":[{"email":"o@x.io","role":"guest"}]}]}`:                             "not owner, admin",
		`{"teams":[{"sites":[{"domain":"a.com","guests":[{"email":"g@y.io","role":"admin"}]}]}]}`: "not viewer or editor",
		`{"teams":[{"id":"x"},{"id":"x"}]}`:                                                       "used twice",
		`{"teams":[{"sites":[{"domain":"a.com"}]},{"sites":[{"domain":"A.com"}]}]}`:               "exists already",
		`{"now":"yesterday"}`: "not an RFC 3339 time",
		`{"teams":[{"sites":[{"domain":"a.com","guests":[{"email":"g","role":"viewer"}]}]}]}`:                     "not an email address",
		`{"teams":[{"sites":[{"domain":"a.com","guests":[{"email":"g@y","role":"viewer","inserted_at":"x"}]}]}]}`: "inserted_at",
	})
}

func TestMainAndCall(t *testing.T) {
	fakekit.CheckCommands(t, fakekit.Commands{Main: Main, Call: Call,
		Seed:  `{"teams":[{"members":[{"email":"o@x.io","role":"owner"}],"sites":[{"domain":"a.com"}]}],"keys":[{"key":"k","email":"o@x.io"}]}`,
		Ok:    []string{"POST", "/_fake/add-guest", `{"site":"a.com","email":"g@y.io","role":"viewer"}`},
		Fails: []string{"POST", "/_fake/accept", `{"email":"nobody@x.io"}`},
		Usage: []string{"x"},
	})
}

// FuzzSeed loads arbitrary seed JSON: an error or a server, never a panic.
func FuzzSeed(f *testing.F) {
	f.Add(`{"teams":[{"id":"t","members":[{"email":"o@x.io","role":"owner"}],"sites":[{"domain":"a.com","guests":[{"email":"g@y.io","role":"viewer","status":"invited","inserted_at":"2026-01-01T00:00:00Z"}]}]}],"keys":[{"key":"k","email":"o@x.io","team":"t"}]}`)
	f.Add(`{"teams":[{"sites":[{"domain":""}]}]}`)
	f.Add(`{"keys":[{"key":"","email":"x"}]}`)
	f.Add(`{"now":"yesterday","teams":[{"members":[{"email":"a@b","role":"admin"},{"email":"A@b","role":"viewer"}]}]}`)
	f.Fuzz(func(t *testing.T, data string) {
		seed, err := ParseSeed([]byte(data))
		if err != nil {
			return
		}
		s := &Server{sites: map[string]*site{}, keys: map[string]*apiKey{}, usage: map[string]*usage{}}
		s.Clock.Set(t0)
		if err := s.load(seed); err == nil {
			for _, tm := range s.teams {
				if tm.id == "" || tm.name == "" {
					t.Fatal("a team without id or name")
				}
			}
		}
	})
}
