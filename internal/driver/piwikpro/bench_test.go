package piwikpro

import (
	"context"
	"fmt"
	"testing"

	"github.com/roster-dev/roster/internal/driver"
	fake "github.com/roster-dev/roster/internal/fake/piwikpro"
	"github.com/roster-dev/roster/internal/model"
)

// BenchmarkRefresh refreshes an account of 1,000 users (every one with a
// permission on one of 30 declared apps, a tenth of them in one of 5
// groups) and reports the requests made: a token, one page of users, apps
// and groups, one page of each group's users, and two lists per app.
func BenchmarkRefresh(b *testing.B) {
	const users, apps, groups = 1000, 30, 5
	seed := fake.Seed{
		Clients:    []fake.SeedClient{{ClientID: clientID, ClientSecret: secret, Email: "u0000@x.io"}},
		RateLimits: &fake.RateLimits{ReadsPerMinute: -1, WritesPerMinute: -1},
	}
	var sites []*model.Object
	for a := 0; a < apps; a++ {
		name := fmt.Sprintf("app-%02d", a)
		seed.Apps = append(seed.Apps, fake.SeedApp{Name: name})
		sites = append(sites, &model.Object{Addr: model.SiteAddress("acme", name)})
	}
	for g := 0; g < groups; g++ {
		seed.Groups = append(seed.Groups, fake.SeedGroup{Name: fmt.Sprintf("Group %d", g)})
		seed.GroupPermissions = append(seed.GroupPermissions, fake.SeedGroupPermission{App: fmt.Sprintf("app-%02d", g), Group: fmt.Sprintf("Group %d", g), Permission: "view"})
	}
	for i := 0; i < users; i++ {
		email := fmt.Sprintf("u%04d@x.io", i)
		role := "USER"
		if i == 0 {
			role = "OWNER"
		}
		seed.Users = append(seed.Users, fake.SeedUser{Email: email, Role: role})
		seed.Permissions = append(seed.Permissions, fake.SeedPermission{App: fmt.Sprintf("app-%02d", i%apps), Email: email, Permission: "edit"})
		if i%10 == 0 {
			seed.Groups[i/10%groups].Members = append(seed.Groups[i/10%groups].Members, email)
		}
	}
	srv := fake.New(fake.Options{Seed: seed})
	defer srv.Close()
	team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: srv.URL}, Token: token,
		Sites: sites, Guests: map[string]bool{}, Members: map[string]bool{}}
	d := New(team, Options{})
	want := users + (users - 1) + groups + groups // members, grants (not the owner's), groups, group grants
	limit := 1 + 4 + groups + 2*apps              // token; users, apps, meta-sites, groups; each group's users; two permission lists per app
	b.ResetTimer()
	var requests int
	for i := 0; i < b.N; i++ {
		srv.ResetRequests()
		snap, err := d.Refresh(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if len(snap.Objects) != want {
			b.Fatalf("%d objects, want %d", len(snap.Objects), want)
		}
		requests = len(srv.Requests())
		if requests > limit || snap.Requests != requests {
			b.Fatalf("%d requests (snapshot says %d), at most %d expected", requests, snap.Requests, limit)
		}
	}
	b.ReportMetric(float64(requests), "requests/op")
}
