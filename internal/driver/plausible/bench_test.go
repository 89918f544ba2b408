package plausible

import (
	"context"
	"fmt"
	"testing"

	"github.com/roster-dev/roster/internal/driver"
	fake "github.com/roster-dev/roster/internal/fake/plausible"
	"github.com/roster-dev/roster/internal/model"
)

// BenchmarkRefresh200x20 refreshes a team of 200 declared sites with 20
// guests each and reports the requests made: the teams, two pages of
// sites, and one page of guests per site (203, a third of an hour's
// budget).
func BenchmarkRefresh200x20(b *testing.B) {
	const sites, guests = 200, 20
	seed := fake.Seed{
		Teams: []fake.SeedTeam{{ID: acmeID, Name: "Acme", Members: []fake.SeedMember{{Email: "owner@acme.com", Role: "owner"}}}},
		// The fake counts requests per clock hour: give the key room for
		// every iteration.
		Keys: []fake.SeedKey{{Key: token, Email: "owner@acme.com", HourlyLimit: 1 << 30}},
	}
	var declared []*model.Object
	for s := 0; s < sites; s++ {
		dom := fmt.Sprintf("site%03d.com", s)
		ss := fake.SeedSite{Domain: dom}
		for g := 0; g < guests; g++ {
			ss.Guests = append(ss.Guests, fake.SeedGuest{Email: fmt.Sprintf("g%02d-%03d@agency.io", g, s), Role: "viewer", Status: []string{"accepted", "invited"}[g%2]})
		}
		seed.Teams[0].Sites = append(seed.Teams[0].Sites, ss)
		declared = append(declared, &model.Object{Addr: model.SiteAddress("acme", dom)})
	}
	srv := fake.New(fake.Options{Seed: seed, Now: t0})
	defer srv.Close()
	team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: srv.URL, AccountID: acmeID, RequestsPerHour: 1 << 30}, Token: token,
		Sites: declared, Guests: map[string]bool{}, Members: map[string]bool{}}
	d := New(team, Options{})
	const want = 1 + 2 + sites
	b.ResetTimer()
	var requests int
	for i := 0; i < b.N; i++ {
		srv.ResetRequests()
		snap, err := d.Refresh(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if len(snap.Objects) != sites*guests {
			b.Fatalf("%d objects", len(snap.Objects))
		}
		requests = len(srv.Requests())
		if requests != want || snap.Requests != requests {
			b.Fatalf("%d requests (snapshot says %d), want %d", requests, snap.Requests, want)
		}
	}
	b.ReportMetric(float64(requests), "requests/op")
}
