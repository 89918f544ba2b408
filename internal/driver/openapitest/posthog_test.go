package openapitest

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/posthog"
	fakeposthog "github.com/roster-dev/roster/internal/fake/posthog"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// posthogUndocumented are the requests schema-2024.yaml leaves out on
// purpose (openapi/README.md); the fake's facts tests encode posthog.md
// for them instead.
var posthogUndocumented = regexp.MustCompile(`^(GET /api/users/@me/|GET /api/organizations/[^/]+/projects/|(GET|PUT) /api/projects/[0-9]+/access_controls/)$`)

func member(email, role string, action plan.Action, before string) plan.Change {
	addr := model.MemberAddress("acme", email)
	c := plan.Change{Addr: addr, Action: action}
	if before != "" {
		c.Before = &model.Object{Addr: addr, Role: before, Status: model.StatusActive}
	}
	if role != "" {
		c.After = &model.Object{Addr: addr, Role: role}
	}
	return c
}

func grant(site, email, role string, action plan.Action, before string) plan.Change {
	addr := model.PersonGrantAddress("acme", site, email)
	c := plan.Change{Addr: addr, Action: action}
	if before != "" {
		c.Before = &model.Object{Addr: addr, Role: before, HolderKind: model.HolderMember, Status: model.StatusActive}
	}
	if role != "" {
		c.After = &model.Object{Addr: addr, Role: role, HolderKind: model.HolderMember}
	}
	return c
}

// posthogExchanges runs a refresh and one change of each kind through the
// PostHog driver against the fake, and returns what went over the wire.
func posthogExchanges(t *testing.T) []*exchange {
	t.Helper()
	const key = "phx_contract"
	srv := fakeposthog.New(fakeposthog.Options{Now: t0, Seed: fakeposthog.Seed{
		Keys: map[string]string{key: "owner@acme.com"},
		Members: []fakeposthog.SeedMember{
			{Email: "owner@acme.com", Level: 15}, {Email: "bob@x.io", Level: 1}, {Email: "carol@x.io", Level: 8}, {Email: "dan@x.io", Level: 1},
		},
		Projects:   []fakeposthog.SeedProject{{ID: 101, Name: "Production", DefaultAccessLevel: "none"}, {ID: 102, Name: "Staging"}},
		Access:     []fakeposthog.SeedAccess{{Project: "Production", Email: "dan@x.io", Level: "member"}},
		Invites:    []fakeposthog.SeedInvite{{Email: "old@x.io", Level: 1}},
		Roles:      []fakeposthog.SeedRole{{Name: "Analysts", Members: []string{"dan@x.io"}}},
		RoleAccess: []fakeposthog.SeedRoleAccess{{Project: "Staging", Role: "Analysts", Level: "member"}},
	}})
	t.Cleanup(srv.Close)
	rec := record(t, srv.URL)
	team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: rec.srv.URL, AccountID: srv.OrgID()}, Token: key,
		Sites:  []*model.Object{{Addr: model.SiteAddress("acme", "Production")}, {Addr: model.SiteAddress("acme", "Staging")}},
		Guests: map[string]bool{}, Members: map[string]bool{}}
	d := posthog.New(team, driver.Options{UserAgent: "roster/contract"})
	ctx := context.Background()
	if _, err := d.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	changes := []plan.Change{
		member("new@x.io", "admin", plan.Create, ""),
		member("bob@x.io", "admin", plan.Update, "member"),
		grant("Production", "dan@x.io", "admin", plan.Update, "member"),
		member("carol@x.io", "", plan.Delete, "admin"),
		member("old@x.io", "", plan.Delete, "member"),
	}
	d.Begin(changes)
	for i := range changes {
		if _, err := d.Apply(ctx, &changes[i]); err != nil {
			t.Fatalf("%s: %v", changes[i].Addr, err)
		}
	}
	return rec.exchanges()
}

func TestPostHogContract(t *testing.T) {
	docs := []*document{posthogDoc(t)}
	seen := map[string]bool{}
	for _, x := range posthogExchanges(t) {
		seen[x.method] = true
		err := validate(docs, x, false)
		if errors.Is(err, errNoRoute) {
			if !posthogUndocumented.MatchString(x.String()) {
				t.Errorf("%s is in no document and not among the requests posthog.md describes", x)
			}
			continue
		}
		if err != nil {
			t.Error(err)
			continue
		}
		t.Logf("valid: %s %d", x, x.status)
	}
	for _, m := range []string{"GET", "POST", "PATCH", "PUT", "DELETE"} {
		if !seen[m] {
			t.Errorf("no %s was checked", m)
		}
	}
}
