package plan

import (
	"fmt"
	"testing"

	"github.com/roster-dev/roster/internal/model"
)

// benchWorld is the schema/performance.md workload: 10,000 guests of 10 grants
// each, across four Plausible teams of 10 sites, as the configuration
// loader hands it over (sorted, Decl set, a quarter with an expiry).
func benchWorld(guests, sitesPerGuest, teams int) []*model.Object {
	var objs []*model.Object
	for t := range teams {
		tn := fmt.Sprintf("team%d", t)
		objs = append(objs, team(tn, "plausible"))
		for s := range sitesPerGuest {
			objs = append(objs, site(tn, fmt.Sprintf("site%d.example.com", s), []string{"production", "staging"}[s%2]))
		}
	}
	for g := range guests {
		tn := fmt.Sprintf("team%d", g%teams)
		email := fmt.Sprintf("guest%05d@agency%d.com", g, g%7)
		for s := range sitesPerGuest {
			o := guest(tn, fmt.Sprintf("site%d.example.com", s), email, []string{"viewer", "editor"}[(g+s)%2])
			o.Reason = "Post-implementation support"
			o.Ticket = fmt.Sprintf("IAM-%d", g)
			o.Decl = &model.Decl{}
			if g%4 == 0 {
				o.Expires = "2027-06-01T23:59:59Z"
				o.Decl.ExpiresText = "2027-06-01"
			}
			objs = append(objs, o)
		}
	}
	model.SortObjects(objs)
	return objs
}

func benchInput(desired, prior []*model.Object) Input {
	return Input{
		Desired:   desired,
		Prior:     prior,
		Platforms: platforms(),
		Policy:    &model.Policy{InternalDomains: []string{"acme.com"}},
		Now:       testNow,
		CreatedAt: testNow,
	}
}

func BenchmarkMake(b *testing.B) {
	desired := benchWorld(10_000, 10, 4)
	prior := clones(desired)
	for _, o := range prior {
		o.Decl = nil
		if hasStatus(o.Addr.Kind) {
			o.Status = model.StatusActive
		}
	}
	for _, bc := range []struct {
		name  string
		prior []*model.Object
		want  int
	}{
		{"100k/empty-prior", nil, len(desired)},
		{"100k/no-changes", prior, 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			in := benchInput(desired, bc.prior)
			b.ReportAllocs()
			for b.Loop() {
				if p := Make(in); len(p.Changes) != bc.want {
					b.Fatalf("%d changes, want %d", len(p.Changes), bc.want)
				}
			}
		})
	}
}

// BenchmarkFollowUps removes one admin, then every guest, from a team of
// 1,000 sites and 10,000 guests: the work follows the people who lose
// something, not sites × people.
func BenchmarkFollowUps(b *testing.B) {
	var objs []*model.Object
	objs = append(objs, team("big", "plausible"))
	for s := range 1000 {
		objs = append(objs, site("big", fmt.Sprintf("s%04d.com", s), ""))
	}
	for m := range 20 {
		objs = append(objs, member("big", fmt.Sprintf("admin%02d@acme.com", m), "admin"))
	}
	var guests []*model.Object
	for g := range 10_000 {
		guests = append(guests, guest("big", fmt.Sprintf("s%04d.com", g%1000), fmt.Sprintf("g%05d@agency.com", g), "viewer"))
	}
	prior := append(clones(objs), guests...)
	model.SortObjects(prior)
	oneAdmin := replace(prior, nil, "member/big/admin00@acme.com")
	noGuests := clones(objs)
	model.SortObjects(oneAdmin)
	model.SortObjects(noGuests)
	for _, bc := range []struct {
		name    string
		desired []*model.Object
		want    int
	}{
		{"remove-one-admin", oneAdmin, 2000},
		{"remove-10k-guests", noGuests, 1000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			in := benchInput(bc.desired, prior)
			b.ReportAllocs()
			for b.Loop() {
				if p := Make(in); len(p.FollowUps) != bc.want {
					b.Fatalf("%d follow-ups, want %d", len(p.FollowUps), bc.want)
				}
			}
		})
	}
}

func BenchmarkEncodeDecode(b *testing.B) {
	p := Make(benchInput(benchWorld(10_000, 10, 4), nil))
	data, err := Encode(p)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode-100k", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Encode(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode-100k", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
