package plausible

import (
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// TestFacts encodes docs/apis/plausible.md, which stands in for the
// OpenAPI document Plausible does not publish for its Sites API: one row
// per fact, against the fake (issue 18, contract tests).
func TestFacts(t *testing.T) {
	const meta = `"meta":{"after":null,"before":null,"limit":100}`
	type row struct {
		fact         string // plausible.md, as written there
		key          string
		method, path string
		body         any
		status       int
		has          []string // substrings of the raw answer
	}
	rows := []row{
		{"Endpoints: GET /api/v1/sites/teams answers {teams:[{id,name,api_available}],meta:M}", "k_team", "GET", "/api/v1/sites/teams", nil, 200,
			[]string{`"teams":[{`, `"id":"` + acmeID + `"`, `"api_available":`, meta}},
		{"Endpoints: GET /api/v1/sites answers {sites:[{domain,timezone}],meta:M}", "k_team", "GET", "/api/v1/sites?team_id=" + acmeID, nil, 200,
			[]string{`"sites":[`, `"domain":"a.com"`, `"timezone":"Etc/UTC"`, meta}},
		{"Endpoints: GET guests answers {guests:[{email,role,status}],meta:M}; accepted and invited mixed", "k_team", "GET", "/api/v1/sites/guests?site_id=a.com", nil, 200,
			[]string{`"status":"accepted"`, `"status":"invited"`, `"role":"viewer"`, meta}},
		{"Endpoints: listing guests without site_id is 400 `Parameter site_id is required to list goals` (sic)", "k_team", "GET", "/api/v1/sites/guests", nil, 400,
			[]string{"Parameter `site_id` is required to list goals"}},
		{"The guest list contains only guests; team members never appear", "k_team", "GET", "/api/v1/sites/guests?site_id=a.com", nil, 200,
			nil},
		{"Auth: a read-only key on a write route gets 401 Invalid API key", "k_read", "PUT", "/api/v1/sites/guests",
			map[string]any{"site_id": "a.com", "email": "n@x.io", "role": "viewer"}, 401, []string{"Invalid API key."}},
		{"Auth: a missing key is 401 Missing API key", "", "GET", "/api/v1/sites", nil, 401, []string{"Missing API key."}},
		{"PUT guest needs role: 400 `Parameter role is required to create guest. Possible values: viewer or editor`", "k_team", "PUT", "/api/v1/sites/guests",
			map[string]any{"site_id": "a.com", "email": "n@x.io"}, 400, []string{"Parameter `role` is required to create guest. Possible values: `viewer` or `editor`"}},
		{"PUT guest invites a new email: 200 {email,role,status:invited}", "k_team", "PUT", "/api/v1/sites/guests",
			map[string]any{"site_id": "a.com", "email": "new@x.io", "role": "editor"}, 200, []string{`"email":"new@x.io"`, `"role":"editor"`, `"status":"invited"`}},
		{"PUT guest is find-or-create: an existing guest comes back unchanged even when the role differs", "k_team", "PUT", "/api/v1/sites/guests",
			map[string]any{"site_id": "a.com", "email": "viewer@agency.io", "role": "editor"}, 200, []string{`"role":"viewer"`, `"status":"accepted"`}},
		{"DELETE guest always answers 200 {deleted:true}, unknown emails included", "k_team", "DELETE", "/api/v1/sites/guests/nobody@x.io?site_id=a.com", nil, 200,
			[]string{`{"deleted":true}`}},
		{"DELETE guest requires site_id: 400 `Parameter site_id is required to delete a guest`", "k_team", "DELETE", "/api/v1/sites/guests/nobody@x.io", nil, 400,
			[]string{"Parameter `site_id` is required to delete a guest"}},
		{"Team-scoped keys: another team's site gives 401 Invalid API key on guests", "k_team", "GET", "/api/v1/sites/guests?site_id=other.com", nil, 401,
			[]string{"Invalid API key."}},
		{"Errors are {\"error\":\"msg\"}", "k_team", "GET", "/api/v1/sites/guests", nil, 400, []string{`{"error":"`}},
		// The facts the driver's reads and writes rest on.
		{"Auth: every key has sites:read:*, so a plain Stats API key can call every GET Sites endpoint", "k_read", "GET", "/api/v1/sites/guests?site_id=a.com", nil, 200,
			[]string{`"guests":[`}},
		{"Auth: guest writes need team owner or admin; a team editor gets 404", "k_editor", "PUT", "/api/v1/sites/guests",
			map[string]any{"site_id": "a.com", "email": "n@x.io", "role": "viewer"}, 404, []string{"Site could not be found"}},
		{"PUT for a team member's email ends as 500 [inferred]", "k_team", "PUT", "/api/v1/sites/guests",
			map[string]any{"site_id": "a.com", "email": "ed@acme.com", "role": "viewer"}, 500, []string{`{"error":"internal server error"}`}},
		{"Pagination: a limit above 100 is ignored and the default of 100 applies", "k_team", "GET", "/api/v1/sites/guests?site_id=a.com&limit=500", nil, 200,
			[]string{meta}},
		{"Endpoints: GET /api/v1/sites?team_id=T lists that team's sites", "k_owner", "GET", "/api/v1/sites?team_id=" + otherID, nil, 200,
			[]string{`"domain":"other.com"`}},
	}
	fakekit.RunFacts(t, rows, func(r row) fakekit.Fact {
		f := fakekit.Fact{Cite: r.fact, Method: r.method, Path: r.path, Status: r.status, Has: r.has}
		if strings.HasPrefix(r.fact, "The guest list contains only guests") {
			f.Lacks = []string{"owner@acme.com", "admin@acme.com", "ed@acme.com"} // the team's members
		}
		return f
	}, func(t *testing.T, r row) (int, string) {
		a := do(t, acme(t), r.key, r.method, r.path, r.body)
		return a.Status, a.Raw
	})
}
