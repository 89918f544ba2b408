package piwikpro

import (
	"fmt"
	"testing"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/fake/fakekit"
	fake "github.com/roster-dev/roster/internal/fake/piwikpro"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// TestContract runs the drivers' contract (drivertest) against the fake.
func TestContract(t *testing.T) {
	rule := func(path, body string) fakekit.FailRule {
		return fakekit.FailRule{Method: "GET", PathPrefix: path, Status: 200, Body: body}
	}
	const users = "/api/users/v2"
	drivertest.Run(t, drivertest.Harness{
		Start: func(t *testing.T, people, sites int) *drivertest.Env {
			seed := fake.Seed{Clients: []fake.SeedClient{{ClientID: clientID, ClientSecret: secret, Email: "owner@acme.com"}},
				Users: []fake.SeedUser{{Email: "owner@acme.com", Role: "OWNER"}}}
			for i := 1; i < people; i++ {
				seed.Users = append(seed.Users, fake.SeedUser{Email: fmt.Sprintf("p%04d@x.io", i)})
			}
			var declared []*model.Object
			for i := range max(sites, 1) {
				name := fmt.Sprintf("Site%d", i)
				seed.Apps = append(seed.Apps, fake.SeedApp{Name: name})
				declared = append(declared, site(name, ""))
			}
			srv := fake.New(fake.Options{Seed: seed, Now: t0})
			t.Cleanup(srv.Close)
			team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: srv.URL, TokenEnv: tokenEnv}, Token: token,
				Sites: declared, Guests: map[string]bool{}, Members: map[string]bool{}}
			return &drivertest.Env{Fake: srv, Team: team, New: New}
		},
		PeopleList: "GET " + users,
		PageSize:   pageSize,
		Malformed: func(env *drivertest.Env) []drivertest.Malformed {
			return []drivertest.Malformed{
				{Kind: "null list", Rule: rule(users, `{"meta":{"total":1},"data":null}`), Request: "GET " + users},
				{Kind: "object for list", Rule: rule("/api/apps/v2", `{"meta":{"total":0},"data":{}}`), Request: "GET /api/apps/v2"},
				{Kind: "wrong field type", Rule: rule(users, `{"meta":{"total":1},"data":[{"id":"u","type":"ppms/user","attributes":{"email":"a@x.io","role":7}}]}`), Request: "GET " + users},
				{Kind: "empty page, more", Rule: rule("/api/user-groups/v1", `{"meta":{"total":3},"data":[]}`), Request: "GET /api/user-groups/v1"},
				{Kind: "total disagrees", Rule: rule(users, `{"meta":{"total":0},"data":[{"id":"u","type":"ppms/user","attributes":{"email":"a@x.io","role":"OWNER"}}]}`), Request: "GET " + users},
				{Kind: "not an object", Rule: rule("/api/access-control/v2/app/", `null`), Request: "GET /api/access-control/v2/app/"},
				{Kind: "missing list field", Rule: rule(users, `{"meta":{"total":0}}`), Request: "GET " + users},
				{Kind: "repeated member", Rule: rule(users, `{"meta":{"total":1},"data":[{"id":"u","type":"ppms/user","attributes":{"email":"`+drivertest.Secret+`","email":"a@x.io","role":"OWNER"}}]}`), Request: "GET " + users},
				{Kind: "wrong field type", Rule: rule(users, `{"meta":{"total":"1"},"data":[]}`), Request: "GET " + users},
			}
		},
		Create: func(env *drivertest.Env) plan.Change {
			return memberChange(plan.Create, "new@x.io", "", "user")
		},
		WriteMethod: "POST", WritePath: users + "/invite",
		Update: func(env *drivertest.Env) plan.Change {
			return memberChange(plan.Update, "p0001@x.io", "user", "owner")
		},
		Removal: func(env *drivertest.Env) plan.Change {
			return memberChange(plan.Delete, "p0001@x.io", "user", "")
		},
		DeletePath: users + "/",
		RemoveByHand: func(t *testing.T, env *drivertest.Env) {
			if err := env.Fake.(*fake.Server).RemoveUser("p0001@x.io"); err != nil {
				t.Fatal(err)
			}
		},
	})
}
