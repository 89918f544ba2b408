package report

import (
	"fmt"
	"io"
	"testing"

	"github.com/roster-dev/roster/internal/model"
)

// bigInput is a state of teams × guests × sitesPerGuest person grants,
// like schema/performance.md's workload (10,000 guests of 10 grants for 100,000),
// spread over PostHog and Piwik PRO teams of 20 sites, each with 5 members
// and a group of 10 people granted on 2 sites.
func bigInput(teams, guestsPerTeam, sitesPerGuest int) Input {
	const sites = 20
	var objs []*model.Object
	for t := range teams {
		name := fmt.Sprintf("team-%04d", t)
		platform := "posthog"
		siteRole, groups := "viewer", false
		if t%2 == 1 {
			platform, siteRole, groups = "piwikpro", "view", true
		}
		objs = append(objs, team(name, platform))
		for s := range sites {
			env := ""
			if s == 0 {
				env = "production"
			}
			objs = append(objs, site(name, fmt.Sprintf("site-%02d.example", s), env))
		}
		roles := []string{"owner", "owner", "member", "member", "member"}
		if groups {
			roles = []string{"owner", "owner", "user", "user", "user"}
		}
		var people []string
		for m, r := range roles {
			email := fmt.Sprintf("m%d@acme.com", m)
			people = append(people, email)
			objs = append(objs, member(name, email, r, "IAM-1", model.StatusActive))
		}
		if groups {
			objs = append(objs, &model.Object{Addr: model.GroupAddress(name, "analysts"), Members: people, Ticket: "IAM-2"})
			objs = append(objs, groupGrant(name, "site-00.example", "analysts", "view", "IAM-2"), groupGrant(name, "site-01.example", "analysts", "edit", "IAM-2"))
		}
		for g := range guestsPerTeam {
			email := fmt.Sprintf("guest%05d@agency%d.example", g, g%7)
			for s := range sitesPerGuest {
				o := grant(name, fmt.Sprintf("site-%02d.example", (g+s)%sites), email, siteRole, model.HolderGuest, "")
				if g%3 == 0 {
					o.Ticket = "IAM-3"
					o.Expires = "2026-12-01T23:59:59Z"
				}
				objs = append(objs, o)
			}
		}
	}
	model.SortObjects(objs)
	return Input{Objects: objs, Platforms: testPlatforms(), InternalDomains: []string{"acme.com"}, Now: testNow}
}

// The large state's review has one row per grant and per member, plus the
// group rows, and the external guests are all counted.
func TestReviewLarge(t *testing.T) {
	in := bigInput(10, 100, 10) // 10,000 person grants
	doc := Review(in, ReviewOptions{GeneratedAt: testNow})
	// per team: 5 members + 1,000 grants; odd teams: 2 group grants × (1 + 5 members).
	want := 10*(5+1000) + 5*2*6
	if doc.Summary.Rows != want {
		t.Errorf("rows %d, want %d", doc.Summary.Rows, want)
	}
	if doc.Summary.ExternalPeople != 100 {
		t.Errorf("external people %d, want 100", doc.Summary.ExternalPeople)
	}
	w := WhoCan(in, model.ViewReports, WhoCanFilter{Site: "site-00.example"})
	if len(w.Rows) == 0 {
		t.Error("who-can found nobody")
	}
}

func BenchmarkReview100k(b *testing.B) {
	in := bigInput(100, 100, 10) // 100,000 person grants
	b.ResetTimer()
	for b.Loop() {
		Review(in, ReviewOptions{GeneratedAt: testNow})
	}
}

func BenchmarkReviewRender100k(b *testing.B) {
	doc := Review(bigInput(100, 100, 10), ReviewOptions{GeneratedAt: testNow})
	for _, r := range []struct {
		name  string
		write func(io.Writer, *ReviewDoc) error
	}{
		{"json", WriteReviewJSON},
		{"csv", WriteReviewCSV},
		{"markdown", WriteReviewMarkdown},
	} {
		b.Run(r.name, func(b *testing.B) {
			for b.Loop() {
				if err := r.write(io.Discard, doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAccess100k(b *testing.B) {
	in := bigInput(100, 100, 10)
	b.ResetTimer()
	for b.Loop() {
		Access(in, "guest00042@agency0.example")
	}
}

func BenchmarkWhoCan100k(b *testing.B) {
	in := bigInput(100, 100, 10)
	b.ResetTimer()
	for b.Loop() {
		WhoCan(in, model.ViewReports, WhoCanFilter{})
	}
}
