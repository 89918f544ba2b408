package matomo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
)

// reader counts the requests a refresh makes.
type reader struct {
	mu sync.Mutex
	n  int
}

func (r *reader) count(api []string) {
	r.mu.Lock()
	r.n += len(api)
	r.mu.Unlock()
}

// Refresh reads the instance: first who the token is (the superusers,
// among whom connection.account_id must be, and a read only a superuser
// may make), then its version (once), the websites, every user, and each
// declared site's users with their role and capabilities, a page of 100
// at a time.
func (d *Driver) Refresh(ctx context.Context) (*driver.Snapshot, error) {
	if d.api.token == "" {
		return nil, fmt.Errorf("team %s: the token variable $%s is empty; set it to a Matomo superuser's token_auth", d.team.Name, d.team.Conn.TokenEnv)
	}
	self := strings.TrimSpace(d.team.Conn.AccountID)
	if self == "" {
		return nil, fmt.Errorf("team %s: connection.account_id must name the login of the superuser whose token_auth roster uses", d.team.Name)
	}
	r := &reader{}
	if err := d.checkCredential(ctx, r, self); err != nil {
		return nil, err
	}
	if d.version == (version{}) {
		v, api, err := d.api.Version(ctx)
		r.count(api)
		if err != nil {
			return nil, err
		}
		ver, ok := parseVersion(v)
		if !ok {
			return nil, fmt.Errorf("%s answered API.getMatomoVersion with %q, which is not a version number", Platform, v)
		}
		if ver.less(MinVersion) {
			return nil, fmt.Errorf("the instance runs Matomo %s (API.getMatomoVersion); roster needs Matomo %s or later (inviteUser and the access rules it relies on). Upgrade Matomo, or remove the connection block to manage the team offline",
				v, MinVersion.short())
		}
		d.version, d.api.bearer = ver, !ver.less(BearerSince)
	}

	sites, api, err := d.api.Sites(ctx)
	r.count(api)
	if err != nil {
		return nil, err
	}
	siteIDs, err := d.resolveSites(sites)
	if err != nil {
		return nil, err
	}
	siteOf := make(map[string]string, len(siteIDs))
	for name, id := range siteIDs {
		siteOf[id] = name
	}
	var notes []string
	for _, s := range sites {
		if _, ok := siteOf[s.id()]; !ok {
			notes = append(notes, fmt.Sprintf("website %s (idsite %s) is not declared; roster does not manage its access", s.Name, s.id()))
		}
	}

	users, api, err := d.api.Users(ctx)
	r.count(api)
	if err != nil {
		return nil, err
	}
	st := newState()
	for _, au := range users {
		if strings.EqualFold(au.Login, anonymous) {
			continue
		}
		su, err := flag(au.Superuser)
		if err == nil {
			var pending, expired bool
			if pending, expired, err = inviteStatus(au.InviteStatus); err == nil {
				st.addUser(&liveUser{login: au.Login, email: model.NormalizeEmail(au.Email), superuser: su, pending: pending, expired: expired})
				continue
			}
		}
		return nil, fmt.Errorf("%s answered UsersManager.getUsers, but not in the shape roster expects: user %q: %v. Nothing was read from it", Platform, au.Login, err)
	}

	declared := slices.Sorted(maps.Keys(siteOf))
	rows := make([][]apiRoleRow, len(declared))
	pages := make([]int, len(declared))
	err = kit.Each(ctx, d.parallel, len(declared), func(ctx context.Context, i int) error {
		var err error
		rows[i], pages[i], err = d.roleRows(ctx, r, declared[i])
		return err
	})
	if err != nil {
		return nil, err
	}
	public := map[string]bool{}
	unknown := map[string]bool{}
	d.pages = 0
	for i, site := range declared {
		d.pages += pages[i]
		for _, row := range rows[i] {
			if strings.EqualFold(row.Login, anonymous) {
				if row.Role != "noaccess" {
					public[siteOf[site]] = true
				}
				continue
			}
			u := st.byLogin[strings.ToLower(row.Login)]
			if u == nil || u.superuser || row.Role == "noaccess" || row.Role == "superuser" {
				continue
			}
			if !roles[row.Role] {
				unknown[fmt.Sprintf("%s has the role %q on site %s, which roster does not know; it is left alone", u.email, row.Role, siteOf[site])] = true
				continue
			}
			caps := slices.Clone(row.Capabilities)
			slices.Sort(caps)
			st.set(site, u.login, grant{role: row.Role, caps: slices.Compact(caps)})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(public)) {
		notes = append(notes, fmt.Sprintf("site %s is public: Matomo's anonymous user may view its reports", name))
	}
	notes = append(notes, slices.Sorted(maps.Keys(unknown))...)

	selfEmail := ""
	if u := st.byLogin[strings.ToLower(self)]; u != nil {
		selfEmail = u.email
	}
	d.st, d.siteIDs, d.siteOf, d.refreshed, d.run = st, siteIDs, siteOf, true, nil
	snap := &driver.Snapshot{Team: d.team.Name, Self: selfEmail, Notes: notes, Requests: r.n, SiteIDs: maps.Clone(siteIDs)}
	snap.Objects, snap.Implicit = d.objects(st)
	return snap, nil
}

// checkCredential makes sure, before anything else is read, that the
// token is the one connection.account_id names, as far as Matomo lets
// anyone tell (matomo.md, Auth, "Who the credential is": no method
// returns the token's own login). account_id must be among the
// superusers (UsersManager.getUsersHavingSuperUserAccess), and the token
// must make a read only a superuser may make
// (UsersManager.getSitesAccessFromUser of account_id): an admin's token
// hides emails and pending invitations.
func (d *Driver) checkCredential(ctx context.Context, r *reader, self string) error {
	supers, api, err := d.api.Superusers(ctx)
	r.count(api)
	if err != nil {
		return err
	}
	var logins []string
	found := false
	for _, s := range supers {
		logins = append(logins, s.Login)
		found = found || strings.EqualFold(s.Login, self)
	}
	if !found {
		return fmt.Errorf("connection.account_id %q is not a superuser of this Matomo (UsersManager.getUsersHavingSuperUserAccess lists %s); set account_id to the login of the superuser whose token_auth roster uses",
			self, strings.Join(logins, ", "))
	}
	_, api, err = d.api.SitesAccess(ctx, self)
	r.count(api)
	if err != nil {
		var ae *driver.APIError
		if errors.As(err, &ae) {
			return fmt.Errorf("the token is not a superuser's: %s refused %s (%d): %s", Platform, methodSitesAccess, ae.Status, strings.TrimSuffix(ae.Message, "."))
		}
		return err
	}
	return nil
}

// roleRows reads one site's users with some access, every page
// (getUsersPlusRole, limit 100, filter_access=some); the total is the
// X-Matomo-Total-Results header, and the pages must keep to it.
func (d *Driver) roleRows(ctx context.Context, r *reader, site string) ([]apiRoleRow, int, error) {
	pg := &kit.Pager{}
	all, res, err := kit.ReadPages(pg, Platform, methodUsersPlusRole+" (idSite "+site+")", func() (kit.Page[apiRoleRow], error) {
		page, total, api, err := d.api.UsersPlusRole(ctx, site, pg.Read())
		r.count(api)
		return kit.Page[apiRoleRow]{Items: page, Total: total}, err
	})
	if err != nil {
		return nil, res.Pages, err
	}
	return all, res.Pages, nil
}

// LiveSites lists every website the token's superuser sees, idsite →
// name, for import (SitesManager.getSitesWithAdminAccess).
func (d *Driver) LiveSites(ctx context.Context) (map[string]string, error) {
	sites, _, err := d.api.Sites(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(sites))
	for _, s := range sites {
		out[s.id()] = s.Name
	}
	return out, nil
}

// resolveSites finds each declared site's idsite: its remote_id, else the
// one website with exactly its name (driver.ResolveSites). Only ids read
// here are ever sent: Matomo writes access rows for unknown ids.
func (d *Driver) resolveSites(sites []apiSite) (map[string]string, error) {
	listed := make([]driver.Listed, len(sites))
	for i, s := range sites {
		listed[i] = driver.Listed{ID: s.id(), Name: s.Name}
	}
	return driver.ResolveSites(d.team.Name, d.team.Sites, listed, driver.SiteKind{
		Platform: Platform, Noun: "website", Owner: "the Matomo instance (SitesManager.getSitesWithAdminAccess)",
		CheckID: func(id string) string {
			if n, err := strconv.Atoi(id); err != nil || n < 1 {
				return "is not a Matomo idsite (a whole number)"
			}
			return ""
		},
	})
}

// objects turns the live state into the model's objects, and the
// implicit memberships left out of them: a guest's account, which
// belongs to their grants (schema/sync.md: created with the first,
// removed with the last, never member drift). An expired invitation is
// left out, so the plan invites again ("invitation expired"); a
// superuser's grants are moot (Matomo stores none), so the stored ones,
// else the declared ones, stand for live.
func (d *Driver) objects(st *state) (objs, implicit []*model.Object) {
	team := d.team.Name
	holder := func(email string) model.HolderKind {
		if d.team.Guests[email] {
			return model.HolderGuest
		}
		return model.HolderMember
	}
	status := func(u *liveUser) model.Status {
		if u.pending {
			return model.StatusInvited
		}
		return model.StatusActive
	}
	for email, u := range st.users {
		if u.expired {
			continue
		}
		switch {
		case u.superuser:
			objs = append(objs, &model.Object{Addr: model.MemberAddress(team, email), Role: "superuser", Status: model.StatusActive})
		case d.team.Implicit(email, true, nil):
			// a guest's implicit account (Matomo reads no access on
			// undeclared websites; deleting it is guarded at apply)
			implicit = append(implicit, &model.Object{Addr: model.MemberAddress(team, email), Role: "user", Status: status(u)})
		default:
			objs = append(objs, &model.Object{Addr: model.MemberAddress(team, email), Role: "user", Status: status(u)})
		}
	}
	for site, m := range st.access {
		for login, g := range m {
			u := st.byLogin[strings.ToLower(login)]
			if u == nil || u.expired || u.superuser {
				continue
			}
			objs = append(objs, &model.Object{Addr: model.PersonGrantAddress(team, d.siteOf[site], u.email), Role: g.role,
				Capabilities: slices.Clone(g.caps), HolderKind: holder(u.email), Status: status(u)})
		}
	}
	// Superusers' grants, copied unchanged: not drift.
	copied := map[string]*model.Object{}
	for _, list := range [][]*model.Object{d.team.Declared, d.team.Stored} { // stored last: it wins
		for _, o := range list {
			if o.Addr.Kind == model.KindGrant && o.Addr.Email != "" {
				if u := st.users[o.Addr.Email]; u != nil && u.superuser {
					if _, ok := d.siteIDs[o.Addr.Site]; ok {
						copied[o.Addr.String()] = o
					}
				}
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(copied)) {
		o := copied[k].Clone()
		o.Decl = nil
		if o.Status == "" || o.Status == model.StatusManual {
			o.Status = model.StatusActive
		}
		o.Pending, o.PendingAction = nil, ""
		objs = append(objs, o)
	}
	model.SortObjects(objs)
	model.SortObjects(implicit)
	return objs, implicit
}
