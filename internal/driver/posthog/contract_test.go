package posthog

import (
	"fmt"
	"testing"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/fake/fakekit"
	fake "github.com/roster-dev/roster/internal/fake/posthog"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// TestContract runs the drivers' contract (drivertest) against the fake.
func TestContract(t *testing.T) {
	const org = fake.DefaultOrgID
	orgPath := "/api/organizations/" + org + "/"
	rule := func(path, body string) fakekit.FailRule {
		return fakekit.FailRule{Method: "GET", PathPrefix: path, Status: 200, Body: body}
	}
	drivertest.Run(t, drivertest.Harness{
		Start: func(t *testing.T, people, sites int) *drivertest.Env {
			seed := fake.Seed{Keys: map[string]string{token: "owner@acme.com"},
				Members: []fake.SeedMember{{Email: "owner@acme.com", Level: 15}}}
			for i := 1; i < people; i++ {
				seed.Members = append(seed.Members, fake.SeedMember{Email: fmt.Sprintf("p%03d@x.io", i), Level: 1})
			}
			var declared []*model.Object
			for i := range max(sites, 1) {
				name := fmt.Sprintf("Site%d", i)
				seed.Projects = append(seed.Projects, fake.SeedProject{ID: 100 + i, Name: name, DefaultAccessLevel: "none"})
				declared = append(declared, site(name, ""))
			}
			srv := fake.New(fake.Options{Seed: seed, Now: t0})
			t.Cleanup(srv.Close)
			team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: srv.URL, AccountID: org}, Token: token,
				Sites: declared, Guests: map[string]bool{}, Members: map[string]bool{}}
			return &drivertest.Env{Fake: srv, Team: team, New: New}
		},
		PeopleList: "GET " + orgPath + "members/",
		PageSize:   pageSize,
		Malformed: func(env *drivertest.Env) []drivertest.Malformed {
			members, invites, projects := orgPath+"members/", orgPath+"invites/", orgPath+"projects/"
			access := "/api/projects/100/access_controls/"
			return []drivertest.Malformed{
				{Kind: "null list", Rule: rule(members, `{"count":1,"next":null,"previous":null,"results":null}`), Request: "GET " + members},
				{Kind: "object for list", Rule: rule(invites, `{"count":0,"next":null,"previous":null,"results":{}}`), Request: "GET " + invites},
				{Kind: "wrong field type", Rule: rule(members, `{"count":1,"next":null,"previous":null,"results":[{"id":"m","level":"8","user":{"uuid":"u","email":"a@x.io"}}]}`), Request: "GET " + members},
				{Kind: "empty page, more", Rule: rule(projects, `{"count":5,"next":"http://x/?offset=100","previous":null,"results":[]}`), Request: "GET " + projects},
				{Kind: "total disagrees", Rule: rule(members, `{"count":2,"next":null,"previous":null,"results":[{"id":"m","level":8,"user":{"uuid":"u","email":"a@x.io"}}]}`), Request: "GET " + members},
				{Kind: "not an object", Rule: rule(access, `[]`), Request: "GET " + access},
				{Kind: "missing list field", Rule: rule(members, `{"count":0,"next":null,"previous":null}`), Request: "GET " + members},
				{Kind: "not an object", Rule: rule("/api/users/@me/", `null`), Request: "GET /api/users/@me/"},
				{Kind: "repeated member", Rule: rule(members, `{"count":1,"next":null,"previous":null,"results":[{"id":"m","level":8,"user":{"uuid":"u","email":"`+drivertest.Secret+`","email":"a@x.io"}}]}`), Request: "GET " + members},
			}
		},
		Create: func(env *drivertest.Env) plan.Change {
			addr := model.MemberAddress("acme", "new@x.io")
			return plan.Change{Addr: addr, Action: plan.Create, After: &model.Object{Addr: addr, Role: "member"}}
		},
		WriteMethod: "POST", WritePath: orgPath + "invites/",
		Update: func(env *drivertest.Env) plan.Change {
			return memberChange(plan.Update, "p001@x.io", "member", "admin", model.StatusActive)
		},
		Removal: func(env *drivertest.Env) plan.Change {
			addr := model.MemberAddress("acme", "p001@x.io")
			return plan.Change{Addr: addr, Action: plan.Delete, Before: &model.Object{Addr: addr, Role: "member", Status: model.StatusActive}}
		},
		DeletePath: orgPath + "members/",
		RemoveByHand: func(t *testing.T, env *drivertest.Env) {
			if err := env.Fake.(*fake.Server).RemoveMember("p001@x.io"); err != nil {
				t.Fatal(err)
			}
		},
	})
}
