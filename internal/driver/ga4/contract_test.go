package ga4

import (
	"fmt"
	"testing"

	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/fake/fakekit"
	fake "github.com/roster-dev/roster/internal/fake/ga4"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// TestContract runs the drivers' contract (drivertest) against the fake.
func TestContract(t *testing.T) {
	rule := func(path, body string) fakekit.FailRule {
		return fakekit.FailRule{Method: "GET", PathPrefix: path, Status: 200, Body: body}
	}
	const members = "/v1alpha/accounts/" + acct + "/accessBindings"
	const summaries = "/v1alpha/accountSummaries"
	drivertest.Run(t, drivertest.Harness{
		Start: func(t *testing.T, n, sites int) *drivertest.Env {
			var props []fake.SeedProperty
			var declared []*model.Object
			for i := range max(sites, 1) {
				props = append(props, fake.SeedProperty{ID: fmt.Sprint(1000 + i), Name: fmt.Sprintf("Site%d", i)})
				declared = append(declared, site(fmt.Sprintf("Site%d", i), ""))
			}
			srv, team := start(t, fake.Seed{Accounts: []fake.SeedAccount{{ID: acct, Name: "Acme", Properties: props}}, Bindings: people(n)})
			team.Sites = declared
			return &drivertest.Env{Fake: srv, Team: team, New: New}
		},
		PeopleList: "GET " + members,
		PageSize:   BindingPageSize,
		Malformed: func(env *drivertest.Env) []drivertest.Malformed {
			return []drivertest.Malformed{
				{Kind: "null list", Rule: rule(members, `{"accessBindings":null}`), Request: "GET " + members},
				{Kind: "object for list", Rule: rule(summaries, `{"accountSummaries":{}}`), Request: "GET " + summaries},
				{Kind: "wrong field type", Rule: rule(members, `{"accessBindings":[{"name":"accounts/100/accessBindings/9","user":"a@x.io","roles":"predefinedRoles/viewer"}]}`), Request: "GET " + members},
				{Kind: "wrong field type", Rule: rule(members, `{"accessBindings":[{"name":9,"user":"a@x.io"}]}`), Request: "GET " + members},
				{Kind: "empty page, more", Rule: rule("/v1alpha/properties/", `{"nextPageToken":"abc"}`), Request: "GET /v1alpha/properties/"},
				{Kind: "not an object", Rule: rule(members, `[]`), Request: "GET " + members},
				{Kind: "not an object", Rule: rule(summaries, `null`), Request: "GET " + summaries},
				{Kind: "repeated member", Rule: rule(members, `{"accessBindings":[{"name":"accounts/100/accessBindings/9","user":"`+drivertest.Secret+`","user":"a@x.io","roles":["predefinedRoles/viewer"]}]}`), Request: "GET " + members},
			}
		},
		Skip: map[string]string{
			"total disagrees":    "GA4 lists state no total: a page token is the only promise (ga4.md, Endpoints)",
			"missing list field": "proto3 JSON omits an empty list, so an absent accessBindings is an empty page, not a malformed one (ga4.md, Endpoints)",
		},
		Create: func(env *drivertest.Env) plan.Change {
			return memberChange(plan.Create, "new@x.io", "", "viewer")
		},
		WriteMethod: "POST", WritePath: members,
		Update: func(env *drivertest.Env) plan.Change {
			return memberChange(plan.Update, "p0001@x.io", "viewer", "analyst")
		},
		Removal: func(env *drivertest.Env) plan.Change {
			return memberChange(plan.Delete, "p0001@x.io", "viewer", "")
		},
		DeletePath: members + "/",
		RemoveByHand: func(t *testing.T, env *drivertest.Env) {
			if err := env.Fake.(*fake.Server).RemoveBinding("accounts/"+acct, "p0001@x.io"); err != nil {
				t.Fatal(err)
			}
		},
	})
}
