package posthog

import (
	"context"
	"fmt"
	"testing"

	"github.com/roster-dev/roster/internal/driver"
	fake "github.com/roster-dev/roster/internal/fake/posthog"
	"github.com/roster-dev/roster/internal/model"
)

// BenchmarkRefresh2000 refreshes an organization of 2,000 members (every
// one with a grant) and 50 declared projects, and reports the requests
// made: at most one per page of members, invitations and projects, plus
// one per project's access rows, plus users/@me.
func BenchmarkRefresh2000(b *testing.B) {
	const members, projects = 2000, 50
	seed := fake.Seed{Keys: map[string]string{token: "m0000@x.io"}}
	var sites []*model.Object
	for p := 1; p <= projects; p++ {
		seed.Projects = append(seed.Projects, fake.SeedProject{ID: p, Name: fmt.Sprintf("project-%02d", p), DefaultAccessLevel: "none"})
		sites = append(sites, &model.Object{Addr: model.SiteAddress("acme", fmt.Sprintf("project-%02d", p))})
	}
	for i := 0; i < members; i++ {
		email := fmt.Sprintf("m%04d@x.io", i)
		lvl := 1
		if i == 0 {
			lvl = 15
		}
		seed.Members = append(seed.Members, fake.SeedMember{Email: email, Level: lvl})
		seed.Access = append(seed.Access, fake.SeedAccess{Project: fake.ProjectRef(fmt.Sprintf("%d", i%projects+1)), Email: email, Level: "member"})
	}
	srv := fake.New(fake.Options{Seed: seed, Now: t0})
	defer srv.Close()
	team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: srv.URL, AccountID: srv.OrgID()}, Token: token,
		Sites: sites, Guests: map[string]bool{}, Members: map[string]bool{}}
	d := New(team, Options{})
	limit := 1 + (members+pageSize-1)/pageSize + 1 + 1 + projects
	b.ResetTimer()
	var requests int
	for i := 0; i < b.N; i++ {
		srv.ResetRequests()
		snap, err := d.Refresh(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if len(snap.Objects) != 2*members {
			b.Fatalf("%d objects", len(snap.Objects))
		}
		requests = len(srv.Requests())
		if requests > limit || snap.Requests != requests {
			b.Fatalf("%d requests (snapshot says %d), at most %d expected", requests, snap.Requests, limit)
		}
	}
	b.ReportMetric(float64(requests), "requests/op")
}
