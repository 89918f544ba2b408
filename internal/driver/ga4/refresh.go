package ga4

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
)

// binding is one live access binding.
type binding struct {
	name  string // accounts/1/accessBindings/2
	user  string // as GA4 returns it
	roles []string
	role  string // the profile role, "" when unknown
}

// liveState is what the driver knows of the account, kept up to date as
// each change succeeds.
type liveState struct {
	account  string                         // accounts/N
	members  map[string]*binding            // email → account binding
	grants   map[string]map[string]*binding // property id → email → binding
	siteIDs  map[string]string              // declared site → property id
	siteOf   map[string]string              // property id → declared site
	pages    int                            // list pages read, for Cost
	accounts int                            // accountSummaries pages
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// readAccount pages accountSummaries and returns the team's account, its
// properties included (one request for the account and its properties).
func (d *Driver) readAccount(ctx context.Context) (*apiSummary, kit.Response, error) {
	acct := strings.TrimSpace(d.team.Conn.AccountID)
	if !isNumber(acct) {
		return nil, kit.Response{}, fmt.Errorf("connection.account_id %q is not a Google Analytics account id (a number)", d.team.Conn.AccountID)
	}
	account := "accounts/" + acct
	summaries, res, err := d.readSummaries(ctx)
	if err != nil {
		return nil, res, err
	}
	var found *apiSummary
	var seen []string
	for i := range summaries {
		if summaries[i].Account == account {
			found = &summaries[i]
		}
		seen = append(seen, fmt.Sprintf("%s (%s)", strings.TrimPrefix(summaries[i].Account, "accounts/"), summaries[i].DisplayName))
	}
	if found == nil {
		list := "it sees no account"
		if len(seen) > 0 {
			list = "it sees " + strings.Join(seen, ", ")
		}
		return nil, res, fmt.Errorf("GET %saccountSummaries: the service account %s cannot see Google Analytics account %s (%s); add it to that account as an Administrator (Admin > Account access management), or fix connection.account_id",
			APIPrefix, d.self(), acct, list)
	}
	return found, res, nil
}

// LiveSites lists every property of the account the credential can see,
// by id (importer.SiteLister).
func (d *Driver) LiveSites(ctx context.Context) (map[string]string, error) {
	if d.c.keyErr != nil {
		return nil, d.c.keyErr
	}
	found, _, err := d.readAccount(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, p := range found.PropertySummaries {
		out[strings.TrimPrefix(p.Property, "properties/")] = p.DisplayName
	}
	return out, nil
}

// Refresh reads the account (accountSummaries: the account and its
// properties), its access bindings, and each declared property's: 2 +
// declared properties requests, plus paging and the token.
func (d *Driver) Refresh(ctx context.Context) (*driver.Snapshot, error) {
	if d.c.keyErr != nil {
		return nil, d.c.keyErr
	}
	acct := strings.TrimSpace(d.team.Conn.AccountID)
	account := "accounts/" + acct
	found, sres, err := d.readAccount(ctx)
	if err != nil {
		return nil, err
	}
	var listed []driver.Listed
	for _, p := range found.PropertySummaries {
		listed = append(listed, driver.Listed{ID: strings.TrimPrefix(p.Property, "properties/"), Name: p.DisplayName})
	}
	siteIDs, err := driver.ResolveSites(d.team.Name, d.team.Sites, listed, driver.SiteKind{
		Platform: Platform, Noun: "property", Nouns: "properties", Owner: "account " + acct,
		CheckID: func(id string) string {
			if !isNumber(id) {
				return "is not a Google Analytics property id (a number, without \"properties/\")"
			}
			return ""
		},
	})
	if err != nil {
		return nil, fmt.Errorf("%w (GET %saccountSummaries); fix the site's remote_id or name, or move the property into the account", err, APIPrefix)
	}
	siteOf := make(map[string]string, len(siteIDs))
	for name, id := range siteIDs {
		siteOf[id] = name
	}
	props := slices.Sorted(maps.Keys(siteOf))

	// The account's bindings and each declared property's, a few at a
	// time (--parallelism).
	parents := append([]string{account}, make([]string, len(props))...)
	for i, p := range props {
		parents[i+1] = "properties/" + p
	}
	lists := make([][]apiBinding, len(parents))
	reads := make([]kit.Response, len(parents))
	if err := kit.Each(ctx, d.parallel, len(parents), func(ctx context.Context, i int) error {
		var err error
		lists[i], reads[i], err = d.readBindings(ctx, parents[i])
		return err
	}); err != nil {
		return nil, err
	}

	st := &liveState{account: account, members: map[string]*binding{}, grants: map[string]map[string]*binding{},
		siteIDs: siteIDs, siteOf: siteOf, accounts: sres.Pages}
	requests := len(sres.API)
	for _, res := range reads {
		st.pages += res.Pages
		requests += len(res.API)
	}
	var notes []string
	odd := map[string]bool{}
	read := func(parent string, b apiBinding, where string) *binding {
		email := model.NormalizeEmail(b.User)
		if email == "" {
			odd[fmt.Sprintf("binding %s on %s has no user; roster leaves it alone", b.Name, where)] = true
			return nil
		}
		if !strings.HasPrefix(b.Name, parent+"/accessBindings/") {
			return nil // ga4.md: if an inherited binding ever appears, ignore it
		}
		role, ok, several := modelRole(b.Roles)
		if !ok {
			odd[fmt.Sprintf("%s holds %s on %s, which roster does not know (the Marketer role, say); roster leaves that binding alone", email, strings.Join(b.Roles, " + "), where)] = true
			return nil
		}
		if several {
			odd[fmt.Sprintf("%s holds several base roles (%s) on %s; roster reads the highest, %s", email, strings.Join(b.Roles, " + "), where, role)] = true
		}
		return &binding{name: b.Name, user: b.User, roles: b.Roles, role: role}
	}
	for _, b := range lists[0] {
		if lb := read(account, b, "the account"); lb != nil {
			st.members[model.NormalizeEmail(b.User)] = lb
		}
	}
	for i, p := range props {
		m := map[string]*binding{}
		for _, b := range lists[i+1] {
			if lb := read("properties/"+p, b, "property "+p+" (site "+siteOf[p]+")"); lb != nil {
				m[model.NormalizeEmail(b.User)] = lb
			}
		}
		st.grants[p] = m
	}
	notes = append(notes, fmt.Sprintf("%s shows no access that comes through user groups or Google Marketing Platform organization roles to its API; roster can neither see nor change it (review it in Admin > Account access management and in the organization's settings)", Platform))
	for _, p := range found.PropertySummaries {
		id := strings.TrimPrefix(p.Property, "properties/")
		if _, ok := siteOf[id]; !ok {
			notes = append(notes, fmt.Sprintf("property %s (id %s) is not declared; roster does not manage its property-level access", p.DisplayName, id))
		}
	}
	mootNotes, moot := d.moot(st)
	notes = append(notes, mootNotes...)
	extra := slices.Sorted(maps.Keys(odd))
	notes = append(notes, extra...)

	d.live, d.refreshed = st, true
	d.mootSkip = map[model.Address]bool{}
	for _, a := range moot {
		d.mootSkip[a] = true
	}
	snap := &driver.Snapshot{Team: d.team.Name, Self: d.self(), Notes: notes, Requests: requests, SiteIDs: map[string]string{}, Moot: moot}
	for k, v := range siteIDs {
		snap.SiteIDs[k] = v
	}
	snap.Objects = d.objects(st)
	return snap, nil
}

// moot says of each declared grant that adds nothing to the person's
// declared account role (mootGrants) that it is moot, and returns those
// that have no live binding: the plan leaves them out, so roster never
// sends a binding that GA4 would make no use of (ga4.md, open questions:
// "Is a property binding below the account role accepted, rejected or
// ignored? Do not create it; warn that it is moot"). A live binding for
// it stays managed as declared.
func (d *Driver) moot(st *liveState) (notes []string, skip []model.Address) {
	for _, m := range mootGrants(d.team.Platform, d.team.Declared) {
		a := m.grant.Addr
		line := fmt.Sprintf("%s (%s) adds nothing to %s's account role %s, which covers every property; a property binding cannot narrow it", a, m.grant.Role, a.Email, m.teamRole)
		if id, ok := st.siteIDs[a.Site]; ok && st.grants[id][a.Email] == nil {
			line += ", so roster does not create it; remove the grant from the configuration"
			skip = append(skip, a)
		}
		notes = append(notes, line)
	}
	return notes, skip
}

// objects turns the live state into the model's objects: an account
// binding is a member; a property binding a grant, held as a member's
// when the person has an account binding, else as a guest's.
func (d *Driver) objects(st *liveState) []*model.Object {
	team := d.team.Name
	var objs []*model.Object
	for email, b := range st.members {
		objs = append(objs, &model.Object{Addr: model.MemberAddress(team, email), Role: b.role, Status: model.StatusActive})
	}
	for p, m := range st.grants {
		for email, b := range m {
			hk := model.HolderGuest
			if st.members[email] != nil {
				hk = model.HolderMember
			}
			objs = append(objs, &model.Object{Addr: model.PersonGrantAddress(team, st.siteOf[p], email), Role: b.role,
				HolderKind: hk, Status: model.StatusActive})
		}
	}
	model.SortObjects(objs)
	return objs
}
