package openapitest

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/piwikpro"
	fakepiwik "github.com/roster-dev/roster/internal/fake/piwikpro"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// piwikUndocumented: the token request is in none of the documents
// (openapi/README.md; piwikpro.md describes it).
var piwikUndocumented = regexp.MustCompile(`^POST /auth/token$`)

func group(name string, action plan.Action, before, after []string) plan.Change {
	addr := model.GroupAddress("acme", name)
	c := plan.Change{Addr: addr, Action: action}
	if before != nil {
		c.Before = &model.Object{Addr: addr, Members: before, Status: model.StatusActive}
	}
	if after != nil {
		c.After = &model.Object{Addr: addr, Members: after}
	}
	return c
}

func groupGrant(site, name, role string, action plan.Action, before string) plan.Change {
	addr := model.GroupGrantAddress("acme", site, name)
	c := plan.Change{Addr: addr, Action: action}
	if before != "" {
		c.Before = &model.Object{Addr: addr, Role: before, HolderKind: model.HolderGroup, Status: model.StatusActive}
	}
	if role != "" {
		c.After = &model.Object{Addr: addr, Role: role, HolderKind: model.HolderGroup}
	}
	return c
}

// piwikExchanges runs a refresh and one change of each kind through the
// Piwik PRO driver against the fake.
func piwikExchanges(t *testing.T) []*exchange {
	t.Helper()
	const id, secret = "contract-client", "contract-secret"
	srv := fakepiwik.New(fakepiwik.Options{Now: t0, Seed: fakepiwik.Seed{
		Clients: []fakepiwik.SeedClient{{ClientID: id, ClientSecret: secret, Email: "owner@acme.com"}},
		Users: []fakepiwik.SeedUser{{Email: "owner@acme.com", Role: "OWNER"}, {Email: "boss@acme.com", Role: "OWNER"},
			{Email: "carol@x.io"}, {Email: "dave@x.io"}, {Email: "erin@x.io"}},
		Apps:   []fakepiwik.SeedApp{{Name: "Shop"}, {Name: "Blog"}},
		Groups: []fakepiwik.SeedGroup{{Name: "Managers", Members: []string{"carol@x.io"}}, {Name: "Old"}},
		// A meta-site with a user's permission: the refresh reads who holds
		// access there (sync.md, Reading safely), and those reads are
		// checked against meta_sites__public_v1 and access_control too.
		MetaSites:        []fakepiwik.SeedApp{{Name: "All shops"}},
		Permissions:      []fakepiwik.SeedPermission{{App: "Shop", Email: "carol@x.io", Permission: "view"}, {MetaSite: "All shops", Email: "erin@x.io", Permission: "view"}},
		GroupPermissions: []fakepiwik.SeedGroupPermission{{App: "Shop", Group: "Managers", Permission: "edit"}},
	}})
	t.Cleanup(srv.Close)
	rec := record(t, srv.URL)
	team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: rec.srv.URL, TokenEnv: "ROSTER_TOKEN_ACME"}, Token: id + ":" + secret,
		Sites:  []*model.Object{{Addr: model.SiteAddress("acme", "Shop")}, {Addr: model.SiteAddress("acme", "Blog")}},
		Guests: map[string]bool{}, Members: map[string]bool{}}
	d := piwikpro.New(team, driver.Options{UserAgent: "roster/contract"})
	ctx := context.Background()
	if _, err := d.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	changes := []plan.Change{
		member("new@x.io", "user", plan.Create, ""),
		group("editors", plan.Create, nil, []string{"dave@x.io"}),
		group("managers", plan.Update, []string{"carol@x.io"}, []string{"erin@x.io"}),
		grant("Blog", "dave@x.io", "edit", plan.Create, ""),
		grant("Shop", "carol@x.io", "manage", plan.Update, "view"),
		groupGrant("Blog", "editors", "view", plan.Create, ""),
		groupGrant("Shop", "managers", "", plan.Delete, "edit"),
		member("erin@x.io", "owner", plan.Update, "user"),
		member("boss@acme.com", "", plan.Delete, "owner"),
		group("old", plan.Delete, []string{}, nil),
		grant("Blog", "dave@x.io", "", plan.Delete, "edit"),
	}
	d.Begin(changes)
	for i := range changes {
		if _, err := d.Apply(ctx, &changes[i]); err != nil {
			t.Fatalf("%s: %v", changes[i].Addr, err)
		}
	}
	return rec.exchanges()
}

func TestPiwikPROContract(t *testing.T) {
	docs := piwikDocs(t)
	seen := map[string]bool{}
	for _, x := range piwikExchanges(t) {
		seen[x.method] = true
		seen["meta"] = seen["meta"] || strings.Contains(x.path, "/meta-site/")
		err := validate(docs, x, false)
		if errors.Is(err, errNoRoute) {
			if !piwikUndocumented.MatchString(x.String()) {
				t.Errorf("%s is in no document", x)
			}
			continue
		}
		if err != nil {
			t.Error(err)
			continue
		}
		t.Logf("valid: %s %d", x, x.status)
	}
	for _, m := range []string{"GET", "POST", "PATCH", "DELETE", "meta"} {
		if !seen[m] {
			t.Errorf("no %s was checked", m)
		}
	}
}
