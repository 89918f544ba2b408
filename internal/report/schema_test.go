package report

import (
	"io"
	"strings"
	"testing"

	json "github.com/go-json-experiment/json"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/roster-dev/roster/internal/live"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/schematest"
)

// schemaCase is a JSON output and the schema it must satisfy.
type schemaCase struct {
	name, schema string
	write        func(io.Writer) error
}

func schemaCases() []schemaCase {
	in := testInput()
	empty := Input{Now: testNow}
	var cases []schemaCase
	add := func(name, schema string, write func(io.Writer) error) {
		cases = append(cases, schemaCase{name, schema, write})
	}
	for name, doc := range map[string]*ReviewDoc{
		"review":       testReview(),
		"review empty": Review(empty, ReviewOptions{GeneratedAt: testNow}),
		"review no domains": Review(Input{Objects: in.Objects, Platforms: in.Platforms, Now: testNow},
			ReviewOptions{ExpiringWithinDays: 365}),
	} {
		add(name, "review.schema.json", func(w io.Writer) error { return WriteReviewJSON(w, doc) })
	}
	def := defaultInput()
	add("review via default", "review.schema.json", func(w io.Writer) error {
		return WriteReviewJSON(w, Review(def, ReviewOptions{GeneratedAt: testNow}))
	})
	roles := roleInput()
	add("review via role", "review.schema.json", func(w io.Writer) error {
		return WriteReviewJSON(w, Review(roles, ReviewOptions{GeneratedAt: testNow}))
	})
	for _, email := range []string{"mia@acme.com", "zed@acme.com", "gail@agency.io"} {
		doc := Access(roles, email)
		add("access via role "+email, "access.schema.json", func(w io.Writer) error { return WriteAccessJSON(w, doc) })
	}
	add("who-can via role", "who-can.schema.json", func(w io.Writer) error {
		return WriteWhoCanJSON(w, WhoCan(roles, model.ViewReports, WhoCanFilter{}))
	})
	for _, email := range []string{"erin@acme.com", "jane@agency.com", "lee@consult.example", "old@agency.com", "alice@acme.com", "nobody@acme.com"} {
		doc := Access(in, email)
		add("access "+email, "access.schema.json", func(w io.Writer) error { return WriteAccessJSON(w, doc) })
	}
	for _, email := range []string{"mia@acme.com", "gail@agency.io", "adam@acme.com"} {
		doc := Access(def, email)
		add("access via default "+email, "access.schema.json", func(w io.Writer) error { return WriteAccessJSON(w, doc) })
	}
	holdings := []live.Holding{
		{Team: "acme", Addr: model.MemberAddress("acme", "lena@agency.com"), Kind: model.KindMember, Role: "member", Status: model.StatusActive},
		{Team: "acme", Addr: model.PersonGrantAddress("acme", "Production", "lena@agency.com"), Kind: model.KindGrant, Role: "admin", Status: model.StatusInvited},
		{Team: "piwik", Addr: model.GroupAddress("piwik", "analysts"), Kind: model.KindGroup, Status: model.StatusActive},
		{Team: "plaus", Addr: model.MemberAddress("plaus", "lena@agency.com"), Kind: model.KindMember, Role: "viewer", Status: model.StatusActive, Unread: true},
	}
	add("access live", "access-live.schema.json", func(w io.Writer) error {
		return WriteLiveAccessJSON(w, LiveAccess("lena@agency.com", testNow, []string{"acme", "piwik", "plaus"}, []string{"offline"}, holdings))
	})
	add("access live nowhere", "access-live.schema.json", func(w io.Writer) error {
		return WriteLiveAccessJSON(w, LiveAccess("lena@agency.com", testNow, nil, nil, nil))
	})
	for name, doc := range map[string]*WhoCanDoc{
		"who-can manage_members":   WhoCan(in, model.ManageMembers, WhoCanFilter{}),
		"who-can site filter":      WhoCan(in, model.ViewReports, WhoCanFilter{Site: "Production"}),
		"who-can team/site filter": WhoCan(in, model.EditDashboards, WhoCanFilter{Team: "piwik-acme", Site: "piwik-acme/shop-app"}),
		"who-can wildcard":         WhoCan(in, model.Wildcard, WhoCanFilter{}),
		"who-can nobody":           WhoCan(empty, model.DeleteTeam, WhoCanFilter{}),
		"who-can via default":      WhoCan(def, model.ViewReports, WhoCanFilter{}),
	} {
		add(name, "who-can.schema.json", func(w io.Writer) error { return WriteWhoCanJSON(w, doc) })
	}
	return cases
}

func TestSchemas(t *testing.T) {
	schemas := map[string]*jsonschema.Schema{}
	for _, c := range schemaCases() {
		t.Run(c.name, func(t *testing.T) {
			sch := schemas[c.schema]
			if sch == nil {
				sch = schematest.Compile(t, c.schema)
				schemas[c.schema] = sch
			}
			out := render(t, c.write)
			if err := sch.Validate(schematest.Instance(t, out)); err != nil {
				t.Fatalf("output does not match schema/%s:\n%v\n%s", c.schema, err, out)
			}
		})
	}
}

// The schemas must refuse documents that break the contract, or the test
// above proves nothing.
func TestSchemasRefuse(t *testing.T) {
	in := testInput()
	type mutation struct {
		name   string
		mutate func(d map[string]any)
	}
	row := func(d map[string]any, team, i int) map[string]any {
		return d["teams"].([]any)[team].(map[string]any)["rows"].([]any)[i].(map[string]any)
	}
	tests := []struct {
		schema    string
		write     func(io.Writer) error
		mutations []mutation
	}{
		{"review.schema.json", func(w io.Writer) error { return WriteReviewJSON(w, testReview()) }, []mutation{
			{"missing key", func(d map[string]any) { delete(d, "summary") }},
			{"extra key", func(d map[string]any) { d["extra"] = true }},
			{"format version", func(d map[string]any) { d["format_version"] = "2" }},
			{"time with offset", func(d map[string]any) { d["now"] = "2026-11-24T11:00:00+01:00" }},
			{"null teams", func(d map[string]any) { d["teams"] = nil }},
			{"null flags", func(d map[string]any) { row(d, 0, 0)["flags"] = nil }},
			{"unknown flag", func(d map[string]any) { row(d, 0, 0)["flags"] = []any{"scary"} }},
			{"repeated flag", func(d map[string]any) { row(d, 0, 0)["flags"] = []any{"external", "external"} }},
			{"expiring and expired", func(d map[string]any) { row(d, 0, 2)["flags"] = []any{"expiring", "expired"} }},
			{"invited without the flag", func(d map[string]any) { row(d, 2, 1)["flags"] = []any{"admin_or_owner"} }},
			{"invitation age of active access", func(d map[string]any) { row(d, 0, 0)["invitation_age_days"] = 3 }},
			{"negative age", func(d map[string]any) { row(d, 2, 1)["invitation_age_days"] = -1 }},
			{"bad status", func(d map[string]any) { row(d, 0, 0)["status"] = "pending" }},
			{"bad kind", func(d map[string]any) { row(d, 0, 0)["kind"] = "friend" }},
			{"member on a site", func(d map[string]any) { row(d, 0, 0)["site"] = "mysite.com" }},
			{"guest via member", func(d map[string]any) { row(d, 0, 2)["via"] = "member" }},
			{"bad address", func(d map[string]any) { row(d, 0, 0)["address"] = "team/acme" }},
			{"since as a date", func(d map[string]any) { row(d, 0, 0)["since"] = "2025-01-15" }},
			{"missing reason", func(d map[string]any) { delete(row(d, 0, 0), "reason") }},
			{"unknown finding", func(d map[string]any) {
				d["teams"].([]any)[0].(map[string]any)["findings"] = []any{map[string]any{"code": "oops", "text": "x"}}
			}},
			{"negative count", func(d map[string]any) { d["summary"].(map[string]any)["rows"] = -1 }},
		}},
		{"access.schema.json", func(w io.Writer) error { return WriteAccessJSON(w, Access(in, "erin@acme.com")) }, []mutation{
			{"missing key", func(d map[string]any) { delete(d, "external") }},
			{"null teams", func(d map[string]any) { d["teams"] = nil }},
			{"unknown capability", func(d map[string]any) {
				d["teams"].([]any)[0].(map[string]any)["sites"].([]any)[0].(map[string]any)["capabilities"] = []any{"fly"}
			}},
			{"wildcard as a capability", func(d map[string]any) {
				d["teams"].([]any)[0].(map[string]any)["sites"].([]any)[0].(map[string]any)["capabilities"] = []any{"*"}
			}},
			{"site without sources", func(d map[string]any) {
				d["teams"].([]any)[0].(map[string]any)["sites"].([]any)[0].(map[string]any)["sources"] = []any{}
			}},
			{"team role of a grant", func(d map[string]any) {
				d["teams"].([]any)[0].(map[string]any)["team_role"].(map[string]any)["kind"] = "site"
			}},
			{"source extra key", func(d map[string]any) {
				d["teams"].([]any)[0].(map[string]any)["team_role"].(map[string]any)["extra"] = 1
			}},
			{"bad how", func(d map[string]any) {
				d["teams"].([]any)[0].(map[string]any)["sites"].([]any)[0].(map[string]any)["sources"].([]any)[0].(map[string]any)["how"] = "friend"
			}},
		}},
		{"who-can.schema.json", func(w io.Writer) error { return WriteWhoCanJSON(w, WhoCan(in, model.ManageMembers, WhoCanFilter{})) }, []mutation{
			{"unknown capability", func(d map[string]any) { d["capability"] = "fly" }},
			{"null rows", func(d map[string]any) { d["rows"] = nil }},
			{"missing filter", func(d map[string]any) { delete(d, "team") }},
			{"empty filter", func(d map[string]any) { d["site"] = "" }},
			{"bad kind", func(d map[string]any) { d["rows"].([]any)[0].(map[string]any)["kind"] = "org" }},
			{"team role via guest", func(d map[string]any) { d["rows"].([]any)[0].(map[string]any)["via"] = "guest" }},
			{"team role from a grant", func(d map[string]any) {
				d["rows"].([]any)[0].(map[string]any)["address"] = "grant/acme/mysite.com/alice@acme.com"
			}},
			{"bad status", func(d map[string]any) { d["rows"].([]any)[0].(map[string]any)["status"] = "gone" }},
			{"extra key", func(d map[string]any) { d["rows"].([]any)[0].(map[string]any)["capabilities"] = []any{} }},
		}},
	}
	def := defaultInput()
	// rowVia finds the first review row or who-can row held via via.
	rowVia := func(rows []any, via string) map[string]any {
		for _, r := range rows {
			if r := r.(map[string]any); r["via"] == via {
				return r
			}
		}
		panic("no row via " + via)
	}
	reviewRows := func(d map[string]any) []any { return d["teams"].([]any)[0].(map[string]any)["rows"].([]any) }
	tests = append(tests, []struct {
		schema    string
		write     func(io.Writer) error
		mutations []mutation
	}{
		{"review.schema.json", func(w io.Writer) error {
			return WriteReviewJSON(w, Review(def, ReviewOptions{GeneratedAt: testNow}))
		}, []mutation{
			{"default from a grant", func(d map[string]any) { rowVia(reviewRows(d), "default")["address"] = "grant/ph/app/mia@acme.com" }},
			{"default with a ticket", func(d map[string]any) { rowVia(reviewRows(d), "default")["ticket"] = "IAM-1" }},
			{"default team-wide", func(d map[string]any) { rowVia(reviewRows(d), "default")["site"] = "*" }},
			{"grant via default", func(d map[string]any) { rowVia(reviewRows(d), "guest")["via"] = "default" }},
		}},
		{"who-can.schema.json", func(w io.Writer) error {
			return WriteWhoCanJSON(w, WhoCan(def, model.ManageMembers, WhoCanFilter{Site: "app"}))
		}, []mutation{
			{"team role via default", func(d map[string]any) { d["rows"].([]any)[0].(map[string]any)["via"] = "default" }},
			{"default as a team role", func(d map[string]any) { rowVia(d["rows"].([]any), "default")["kind"] = "team" }},
			{"default from a grant", func(d map[string]any) { rowVia(d["rows"].([]any), "default")["address"] = "grant/ph/app/mia@acme.com" }},
		}},
		{"access.schema.json", func(w io.Writer) error { return WriteAccessJSON(w, Access(def, "mia@acme.com")) }, []mutation{
			{"default from a member", func(d map[string]any) {
				d["teams"].([]any)[0].(map[string]any)["sites"].([]any)[0].(map[string]any)["sources"].([]any)[0].(map[string]any)["address"] = "member/ph/mia@acme.com"
			}},
			{"default from a grant", func(d map[string]any) {
				d["teams"].([]any)[0].(map[string]any)["sites"].([]any)[0].(map[string]any)["sources"].([]any)[0].(map[string]any)["address"] = "grant/ph/app/mia@acme.com"
			}},
			{"a grant at a site address", func(d map[string]any) {
				d["teams"].([]any)[0].(map[string]any)["sites"].([]any)[0].(map[string]any)["sources"].([]any)[0].(map[string]any)["how"] = "guest"
			}},
		}},
	}...)
	roles := roleInput()
	// rowViaRole finds the first review row or who-can row held via a role.
	rowViaRole := func(rows []any) map[string]any {
		for _, r := range rows {
			if r := r.(map[string]any); strings.HasPrefix(r["via"].(string), ViaRolePrefix) {
				return r
			}
		}
		panic("no row via a role")
	}
	firstSource := func(d map[string]any) map[string]any {
		return d["teams"].([]any)[0].(map[string]any)["sites"].([]any)[0].(map[string]any)["sources"].([]any)[0].(map[string]any)
	}
	tests = append(tests, []struct {
		schema    string
		write     func(io.Writer) error
		mutations []mutation
	}{
		{"review.schema.json", func(w io.Writer) error {
			return WriteReviewJSON(w, Review(roles, ReviewOptions{GeneratedAt: testNow}))
		}, []mutation{
			{"role from a grant", func(d map[string]any) { rowViaRole(reviewRows(d))["address"] = "grant/ph/app/mia@acme.com" }},
			{"role from a member", func(d map[string]any) { rowViaRole(reviewRows(d))["address"] = "member/ph/mia@acme.com" }},
			{"role with a ticket", func(d map[string]any) { rowViaRole(reviewRows(d))["ticket"] = "IAM-1" }},
			{"role with a start", func(d map[string]any) { rowViaRole(reviewRows(d))["since"] = "2026-01-01T00:00:00Z" }},
			{"role team-wide", func(d map[string]any) { rowViaRole(reviewRows(d))["site"] = "*" }},
			{"role without a name", func(d map[string]any) { rowViaRole(reviewRows(d))["via"] = "role:" }},
			{"role of a group", func(d map[string]any) { rowViaRole(reviewRows(d))["kind"] = "group" }},
			{"grant via a role", func(d map[string]any) { rowVia(reviewRows(d), "guest")["via"] = "role:Analysts" }},
		}},
		{"who-can.schema.json", func(w io.Writer) error {
			return WriteWhoCanJSON(w, WhoCan(roles, model.ManageMembers, WhoCanFilter{Site: "app"}))
		}, []mutation{
			{"role as a team role", func(d map[string]any) { rowViaRole(d["rows"].([]any))["kind"] = "team" }},
			{"role from a grant", func(d map[string]any) { rowViaRole(d["rows"].([]any))["address"] = "grant/ph/app/mia@acme.com" }},
			{"role without a name", func(d map[string]any) { rowViaRole(d["rows"].([]any))["via"] = "role:" }},
			{"team role via a role", func(d map[string]any) { rowVia(d["rows"].([]any), "member")["via"] = "role:Analysts" }},
		}},
		{"access.schema.json", func(w io.Writer) error { return WriteAccessJSON(w, Access(roles, "zed@acme.com")) }, []mutation{
			{"role from a member", func(d map[string]any) { firstSource(d)["address"] = "member/ph/zed@acme.com" }},
			{"role from a grant", func(d map[string]any) { firstSource(d)["address"] = "grant/ph/app/zed@acme.com" }},
			{"role without a name", func(d map[string]any) { firstSource(d)["how"] = "role:" }},
			{"role as a team role", func(d map[string]any) { firstSource(d)["kind"] = "team" }},
		}},
	}...)
	for _, tt := range tests {
		sch := schematest.Compile(t, tt.schema)
		good := render(t, tt.write)
		for _, m := range tt.mutations {
			t.Run(tt.schema+"/"+m.name, func(t *testing.T) {
				var doc map[string]any
				if err := json.Unmarshal(good, &doc); err != nil {
					t.Fatal(err)
				}
				m.mutate(doc)
				b, err := json.Marshal(doc)
				if err != nil {
					t.Fatal(err)
				}
				if err := sch.Validate(schematest.Instance(t, b)); err == nil {
					t.Fatalf("the schema accepts a document with a %s", m.name)
				}
			})
		}
	}
}
