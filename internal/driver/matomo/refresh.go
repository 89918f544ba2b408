package matomo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// Site roles in Matomo's words (matomo.md: RolesProvider), which are the
// profile's.
var roles = map[string]bool{"view": true, "write": true, "admin": true}

// anonymous is Matomo's anonymous user, never a person (matomo.md).
const anonymous = "anonymous"

// --- live state -------------------------------------------------------------

type liveUser struct {
	login, email string
	superuser    bool
	pending      bool // an invitation not accepted (invite_status not "active")
	expired      bool // and its time is up
}

// grant is one (login, idsite) access: a role and explicit capabilities.
type grant struct {
	role string
	caps []string // sorted
}

// state is what the driver knows of the instance, kept up to date as each
// request succeeds.
type state struct {
	users   map[string]*liveUser        // by email
	byLogin map[string]*liveUser        // by login, lower-cased
	access  map[string]map[string]grant // idsite → login → grant
}

func newState() *state {
	return &state{users: map[string]*liveUser{}, byLogin: map[string]*liveUser{}, access: map[string]map[string]grant{}}
}

func (s *state) clone() *state {
	c := newState()
	for e, u := range s.users {
		cu := *u
		c.users[e] = &cu
		c.byLogin[strings.ToLower(cu.login)] = &cu
	}
	for site, m := range s.access {
		c.access[site] = map[string]grant{}
		for l, g := range m {
			c.access[site][l] = g
		}
	}
	return c
}

func (s *state) addUser(u *liveUser) {
	s.users[u.email] = u
	s.byLogin[strings.ToLower(u.login)] = u
}

func (s *state) removeUser(u *liveUser) {
	delete(s.users, u.email)
	delete(s.byLogin, strings.ToLower(u.login))
	for _, m := range s.access {
		delete(m, u.login)
	}
}

func (s *state) set(site, login string, g grant) {
	if g.role == "" {
		delete(s.access[site], login)
		return
	}
	if s.access[site] == nil {
		s.access[site] = map[string]grant{}
	}
	s.access[site][login] = g
}

// --- answers ----------------------------------------------------------------

// Shapes of the answers the driver reads (matomo.md, Endpoints; schema/sync.md,
// Reading safely). Numbers read from MySQL may come as strings, so ids and
// flags accept either.
var (
	versionShape    = kit.Obj{"value": kit.String}
	superusersShape = kit.List(kit.Obj{"login": kit.String})
	accessShape     = kit.List(kit.Obj{"site": kit.ID, "access": kit.String})
	siteShape       = kit.Obj{"idsite": kit.ID, "name": kit.String}
	usersShape      = kit.List(kit.Obj{"login": kit.String, "email": kit.String, "superuser_access": kit.Anything, "invite_status": kit.Opt(kit.Anything)})
	roleRowsShape   = kit.List(kit.Obj{"login": kit.String, "role": kit.String, "capabilities": kit.List(kit.String)})
)

type apiSite struct {
	ID   json.Number `json:"idsite"`
	Name string      `json:"name"`
}

// idsite is a site id as text whatever its JSON type.
func (s apiSite) id() string { return strings.Trim(s.ID.String(), `"`) }

type apiUser struct {
	Login        string `json:"login"`
	Email        string `json:"email"`
	Superuser    any    `json:"superuser_access"`
	InviteStatus any    `json:"invite_status"`
}

type apiRoleRow struct {
	Login        string   `json:"login"`
	Role         string   `json:"role"`
	Capabilities []string `json:"capabilities"`
}

// flag reads superuser_access: true/false, 1/0 or "1"/"0" (matomo.md: the
// raw column in getUsers, a boolean in getUsersPlusRole).
func flag(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case json.Number:
		return x.String() != "0", nil
	case string:
		switch x {
		case "1", "true":
			return true, nil
		case "0", "false", "":
			return false, nil
		}
	}
	return false, fmt.Errorf("superuser_access %v is neither a boolean nor 0 or 1", v)
}

// inviteStatus reads invite_status: "active", "expired", or the whole days
// left as a number (6 or 6.0) or numeric string (matomo.md, REPO enrichUser).
func inviteStatus(v any) (pending, expired bool, err error) {
	switch x := v.(type) {
	case nil:
		return false, false, nil
	case string:
		switch x {
		case "active", "":
			return false, false, nil
		case "expired":
			return true, true, nil
		}
		if _, err := strconv.ParseFloat(x, 64); err == nil {
			return true, false, nil
		}
	case json.Number:
		return true, false, nil
	}
	return false, false, fmt.Errorf("invite_status %v is not \"active\", \"expired\" or a number of days", v)
}

// decodeSites reads getSitesWithAdminAccess: a list, or an object keyed by
// idsite (matomo.md: accept both shapes).
func decodeSites(raw json.RawMessage) ([]apiSite, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		var byID map[string]json.RawMessage
		if err := json.Unmarshal(raw, &byID); err != nil || byID == nil {
			return nil, errors.New("not a list of websites, nor an object of them keyed by idsite")
		}
		keys := make([]string, 0, len(byID))
		for k := range byID {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			list = append(list, byID[k])
		}
	}
	out := make([]apiSite, 0, len(list))
	for i, item := range list {
		if err := kit.Check(item, siteShape); err != nil {
			return nil, fmt.Errorf("website %d: %v", i, err)
		}
		var s struct {
			ID   any    `json:"idsite"`
			Name string `json:"name"`
		}
		dec := json.NewDecoder(strings.NewReader(string(item)))
		dec.UseNumber()
		if err := dec.Decode(&s); err != nil {
			return nil, err
		}
		id := fmt.Sprint(s.ID)
		out = append(out, apiSite{ID: json.Number(id), Name: s.Name})
	}
	return out, nil
}

// --- reading ----------------------------------------------------------------

// reader counts the requests a refresh makes.
type reader struct {
	d  *Driver
	mu sync.Mutex
	n  int
}

func (r *reader) call(ctx context.Context, method string, params url.Values, shape kit.Shape, out any) (map[string][]string, error) {
	api, h, err := r.d.call(ctx, method, params, shape, out)
	r.mu.Lock()
	r.n += len(api)
	r.mu.Unlock()
	return h, err
}

// Refresh reads the instance: its version (once), its superusers (the
// token's owner must be one), the websites, every user, and each declared
// site's users with their role and capabilities, a page of 100 at a time.
func (d *Driver) Refresh(ctx context.Context) (*driver.Snapshot, error) {
	if d.token == "" {
		return nil, fmt.Errorf("team %s: the token variable $%s is empty; set it to a Matomo superuser's token_auth", d.team.Name, d.team.Conn.TokenEnv)
	}
	self := strings.TrimSpace(d.team.Conn.AccountID)
	if self == "" {
		return nil, fmt.Errorf("team %s: connection.account_id must name the login of the superuser whose token_auth roster uses", d.team.Name)
	}
	r := &reader{d: d}
	if d.version == (version{}) {
		var v struct {
			Value string `json:"value"`
		}
		if _, err := r.call(ctx, "API.getMatomoVersion", nil, versionShape, &v); err != nil {
			return nil, err
		}
		ver, ok := parseVersion(v.Value)
		if !ok {
			return nil, fmt.Errorf("%s answered API.getMatomoVersion with %q, which is not a version number", Platform, v.Value)
		}
		if ver.less(MinVersion) {
			return nil, fmt.Errorf("the instance runs Matomo %s (API.getMatomoVersion); roster needs Matomo %s or later (inviteUser and the access rules it relies on). Upgrade Matomo, or remove the connection block to manage the team offline",
				v.Value, MinVersion.short())
		}
		d.version, d.bearer = ver, !ver.less(BearerSince)
	}

	var supers []apiUser
	if _, err := r.call(ctx, "UsersManager.getUsersHavingSuperUserAccess", nil, superusersShape, &supers); err != nil {
		return nil, err
	}
	found := false
	var logins []string
	for _, s := range supers {
		logins = append(logins, s.Login)
		if strings.EqualFold(s.Login, self) {
			found = true
		}
	}
	if !found {
		return nil, fmt.Errorf("connection.account_id %q is not a superuser of this Matomo (UsersManager.getUsersHavingSuperUserAccess lists %s); the token must belong to a superuser: set account_id to its owner's login",
			self, strings.Join(logins, ", "))
	}
	// Only a superuser may call getSitesAccessFromUser: a refusal proves
	// the token is not one (an admin's token hides emails and pending
	// invitations, matomo.md, Auth).
	if _, err := r.call(ctx, "UsersManager.getSitesAccessFromUser", url.Values{"userLogin": {self}}, accessShape, nil); err != nil {
		var ae *driver.APIError
		if errors.As(err, &ae) {
			return nil, fmt.Errorf("the token is not a superuser's: %s refused UsersManager.getSitesAccessFromUser (%d): %s", Platform, ae.Status, strings.TrimSuffix(ae.Message, "."))
		}
		return nil, err
	}

	var rawSites json.RawMessage
	if _, err := r.call(ctx, "SitesManager.getSitesWithAdminAccess", url.Values{"fetchAliasUrls": {"0"}}, nil, &rawSites); err != nil {
		return nil, err
	}
	sites, err := decodeSites(rawSites)
	if err != nil {
		return nil, fmt.Errorf("%s answered SitesManager.getSitesWithAdminAccess, but not in the shape roster expects: %v. Nothing was read from it", Platform, err)
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

	var users []apiUser
	if _, err := r.call(ctx, "UsersManager.getUsers", nil, usersShape, &users); err != nil {
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

	declared := make([]string, 0, len(siteOf))
	for id := range siteOf {
		declared = append(declared, id)
	}
	sort.Strings(declared)
	rows := make([][]apiRoleRow, len(declared))
	pages := make([]int, len(declared))
	err = kit.Each(ctx, d.parallel, len(declared), func(ctx context.Context, i int) error {
		var err error
		rows[i], pages[i], err = r.roleRows(ctx, declared[i])
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
	for _, name := range sortedKeys(public) {
		notes = append(notes, fmt.Sprintf("site %s is public: Matomo's anonymous user may view its reports", name))
	}
	notes = append(notes, sortedKeys(unknown)...)

	selfEmail := ""
	if u := st.byLogin[strings.ToLower(self)]; u != nil {
		selfEmail = u.email
	}
	d.st, d.siteIDs, d.siteOf, d.refreshed, d.run = st, siteIDs, siteOf, true, nil
	snap := &driver.Snapshot{Team: d.team.Name, Self: selfEmail, Notes: notes, Requests: r.n, SiteIDs: cloneMap(siteIDs)}
	snap.Objects = d.objects(st)
	return snap, nil
}

// roleRows reads one site's users with some access, every page
// (getUsersPlusRole, limit 100, filter_access=some); the total is the
// X-Matomo-Total-Results header, and the pages must keep to it.
func (r *reader) roleRows(ctx context.Context, site string) ([]apiRoleRow, int, error) {
	const method = "UsersManager.getUsersPlusRole"
	var all []apiRoleRow
	pg := kit.Pager{}
	for {
		q := url.Values{"idSite": {site}, "limit": {strconv.Itoa(pageSize)}, "offset": {strconv.Itoa(pg.Read())}, "filter_access": {"some"}}
		var page []apiRoleRow
		h, err := r.call(ctx, method, q, roleRowsShape, &page)
		if err != nil {
			return nil, pg.Pages(), err
		}
		var total *int
		if v := strings.TrimSpace(first(h["X-Matomo-Total-Results"])); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, pg.Pages(), fmt.Errorf("%s answered %s (idSite %s) with X-Matomo-Total-Results %q, which is not a number; nothing was planned from it", Platform, method, site, v)
			}
			total = &n
		}
		all = append(all, page...)
		done, err := pg.Page(len(page), total, false)
		if err != nil {
			return nil, pg.Pages(), fmt.Errorf("%s answered %s (idSite %s) with paging that does not keep its word: %v; nothing was planned from it, try again later", Platform, method, site, err)
		}
		if done {
			return all, pg.Pages(), nil
		}
	}
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func cloneMap(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
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

// objects turns the live state into the model's objects. An expired
// invitation is left out, so the plan invites again ("invitation
// expired"); a superuser's grants are moot (Matomo stores none), so the
// stored ones, else the declared ones, stand for live.
func (d *Driver) objects(st *state) []*model.Object {
	team := d.team.Name
	var objs []*model.Object
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
		case d.team.Guests[email]:
			// a guest's implicit account
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
	for _, k := range sortedKeys(copied) {
		o := copied[k].Clone()
		o.Decl = nil
		if o.Status == "" || o.Status == model.StatusManual {
			o.Status = model.StatusActive
		}
		o.Pending, o.PendingAction = nil, ""
		objs = append(objs, o)
	}
	model.SortObjects(objs)
	return objs
}

// Manual reports the changes Matomo's API cannot make with a token alone:
// those that need the token owner's password (matomo.md, Auth:
// setSuperUserAccess, updateUser of an email, the 2FA system setting), and
// team settings.
func (d *Driver) Manual(c *plan.Change) (bool, string) {
	switch {
	case c.Addr.Kind == model.KindTeam && c.Action == plan.Update:
		return true, "Matomo changes team settings only with the superuser's password (CorePluginsAdmin.setSystemSettings): Administration → System → General settings → TwoFactorAuth"
	case c.Addr.Kind == model.KindMember && superuserChange(c):
		return true, "granting or revoking superuser access needs the password of the superuser making the change (UsersManager.setSuperUserAccess): Administration → System → Users → edit the user → Superuser access"
	}
	return false, ""
}

// superuserChange reports a member change that makes, touches or removes a
// superuser.
func superuserChange(c *plan.Change) bool {
	b, a := c.Before, c.After
	if b != nil && a != nil && b.Role == a.Role {
		return false // reason, ticket or expiry: roster's alone
	}
	return (b != nil && b.Role == "superuser") || (a != nil && a.Role == "superuser")
}
