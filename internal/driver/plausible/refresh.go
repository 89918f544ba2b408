package plausible

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
)

// --- refresh ----------------------------------------------------------------------

// keyRejected names the team's variable on a 401 to the first request
// (GET /api/v1/sites/teams), which any valid key may make (plausible.md,
// Auth: every key may call every GET Sites endpoint; the key type is
// chosen in the UI).
func (d *Driver) keyRejected(err error) error {
	return driver.KeyRejected(err, d.team.Conn.TokenEnv, "a Sites API key of the team (Plausible: New API Key, of type Sites API)")
}

// Refresh reads the team (account_id, or the key's only team), its sites,
// and the guests of every declared site.
func (d *Driver) Refresh(ctx context.Context) (*driver.Snapshot, error) {
	teams, teamRes, err := d.api.Teams(ctx)
	if err != nil {
		return nil, d.keyRejected(err)
	}
	teamID, err := d.pickTeam(teams)
	if err != nil {
		return nil, err
	}
	sites, siteRes, err := d.api.Sites(ctx, teamID)
	if err != nil {
		return nil, err
	}
	siteIDs, siteOf, err := d.resolveSites(teamID, sites)
	if err != nil {
		return nil, err
	}
	var notes []string
	for _, s := range sites {
		if _, ok := siteOf[strings.ToLower(s.Domain)]; !ok {
			notes = append(notes, fmt.Sprintf("site %s is not declared; roster does not manage its guests", s.Domain))
		}
	}

	// The guests of each declared site, a few sites at a time.
	domains := make([]string, 0, len(siteOf))
	for _, dom := range siteIDs {
		domains = append(domains, dom)
	}
	sort.Strings(domains)
	lists := make([][]Guest, len(domains))
	guestRes := make([]kit.Response, len(domains))
	if err := kit.Each(ctx, d.parallel, len(domains), func(ctx context.Context, i int) error {
		var err error
		lists[i], guestRes[i], err = d.api.Guests(ctx, domains[i])
		return err
	}); err != nil {
		return nil, err
	}
	requests := len(teamRes.API) + len(siteRes.API)
	guests := map[string]map[string]*liveGuest{}
	guestPages := map[string]int{}
	for i, dom := range domains {
		guestPages[dom] = guestRes[i].Pages
		requests += len(guestRes[i].API)
		byEmail := map[string]*liveGuest{}
		for _, g := range lists[i] {
			email := model.NormalizeEmail(g.Email)
			if email == "" {
				return nil, fmt.Errorf("%s listed a guest of %s without an email; roster stopped reading", Platform, dom)
			}
			if g.Status != statusInvited && g.Status != statusAccepted {
				return nil, fmt.Errorf("%s listed guest %s of %s with status %q, which roster does not know (invited or accepted)", Platform, email, dom, g.Status)
			}
			if byEmail[email] == nil {
				byEmail[email] = &liveGuest{role: g.Role, status: g.Status}
			}
		}
		guests[dom] = byEmail
	}

	d.refreshed, d.teamID, d.siteIDs, d.guests = true, teamID, siteIDs, guests
	d.pages.teams, d.pages.sites, d.pages.guests = teamRes.Pages, siteRes.Pages, guestPages

	snap := &driver.Snapshot{
		Team:      d.team.Name,
		Invisible: []model.Kind{model.KindMember},
		SiteIDs:   map[string]string{},
		Notes:     notes,
		Requests:  requests,
	}
	for name, dom := range siteIDs {
		snap.SiteIDs[name] = dom
		for email, g := range guests[dom] {
			st := model.StatusActive
			if g.status == statusInvited {
				st = model.StatusInvited
			}
			snap.Objects = append(snap.Objects, &model.Object{Addr: model.PersonGrantAddress(d.team.Name, name, email),
				Role: g.role, HolderKind: model.HolderGuest, Status: st})
		}
	}
	model.SortObjects(snap.Objects)
	return snap, nil
}

// pickTeam is connection.account_id when the key sees that team, else the
// key's only team. An unknown team_id would list every site the key
// reaches without an error, so the id is always checked.
func (d *Driver) pickTeam(teams []Team) (string, error) {
	list := func() string {
		var c []string
		for _, t := range teams {
			c = append(c, fmt.Sprintf("%q (%s)", t.Name, t.ID))
		}
		return strings.Join(c, ", ")
	}
	if want := strings.TrimSpace(d.team.Conn.AccountID); want != "" {
		for _, t := range teams {
			if t.ID == want {
				return want, nil
			}
		}
		if len(teams) == 0 {
			return "", fmt.Errorf("team %s: connection.account_id %q is not a Plausible team the API key can see: the key sees no team. Use a Sites API key of an owner or admin of that team", d.team.Name, want)
		}
		return "", fmt.Errorf("team %s: connection.account_id %q is not a Plausible team the API key can see; it sees %s. Set account_id to one of these ids, or use a key of that team", d.team.Name, want, list())
	}
	switch len(teams) {
	case 0:
		return "", fmt.Errorf("team %s: the Plausible API key sees no team; use a Sites API key of a team owner or admin", d.team.Name)
	case 1:
		return teams[0].ID, nil
	}
	return "", fmt.Errorf("team %s: the Plausible API key sees %d teams: %s; set connection.account_id to the id of the one roster manages", d.team.Name, len(teams), list())
}

// resolveSites finds each declared site's domain: its remote_id, else its
// name, among the team's sites (case-insensitively). Every site that
// cannot be resolved is reported at once. siteOf maps lower-cased domains
// to declared names.
func (d *Driver) resolveSites(teamID string, sites []Site) (map[string]string, map[string]string, error) {
	byDomain := map[string]string{}
	for _, s := range sites {
		byDomain[strings.ToLower(s.Domain)] = s.Domain
	}
	candidates := func() string {
		if len(sites) == 0 {
			return "the team has no site the key can see"
		}
		var c []string
		for i, s := range sites {
			if i == maxCandidates {
				c = append(c, fmt.Sprintf("and %d more", len(sites)-maxCandidates))
				break
			}
			c = append(c, s.Domain)
		}
		return "its sites are " + strings.Join(c, ", ")
	}
	siteIDs := map[string]string{}
	siteOf := map[string]string{}
	var problems []string
	for _, s := range d.team.Sites {
		name := s.Addr.Site
		want := strings.TrimSpace(s.RemoteID)
		dom, ok := byDomain[strings.ToLower(want)]
		switch {
		case want != "" && !ok:
			problems = append(problems, fmt.Sprintf("site %q: remote_id %q is not a site of Plausible team %s; %s", name, want, teamID, candidates()))
			continue
		case want == "":
			if dom, ok = byDomain[strings.ToLower(name)]; !ok {
				problems = append(problems, fmt.Sprintf("site %q: Plausible team %s has no site with domain %q; %s. Set remote_id on the site to its domain", name, teamID, name, candidates()))
				continue
			}
		}
		if other, dup := siteOf[strings.ToLower(dom)]; dup {
			problems = append(problems, fmt.Sprintf("sites %q and %q both name Plausible site %s; give each site its own domain", other, name, dom))
			continue
		}
		siteIDs[name] = dom
		siteOf[strings.ToLower(dom)] = name
	}
	if len(problems) > 0 {
		return nil, nil, fmt.Errorf("team %s: %s", d.team.Name, strings.Join(problems, "; "))
	}
	return siteIDs, siteOf, nil
}
