package matomo

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// This file is the decision layer: it turns one plan change, the live
// state and the apply's other changes into the requests that make it
// (matomo.md, What a reconciler must do, 3), without HTTP. Apply sends
// them; Cost counts them; decide_test.go tables them.

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
	for _, u := range s.users {
		cu := *u
		c.addUser(&cu)
	}
	for site, m := range s.access {
		c.access[site] = make(map[string]grant, len(m))
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

func (s *state) removeUser(login string) {
	u := s.byLogin[strings.ToLower(login)]
	if u == nil {
		return
	}
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

// newLogin is the login roster gives a person it invites: the lower-cased
// email where Matomo's pattern allows it (2 to 100 of A-Z a-z 0-9 _ . @ +
// -, and ÄäÖöÜüß), else with each other character turned into '_'; "-2",
// "-3" on collision with a login or email (matomo.md, Login for invitees).
func (s *state) newLogin(email string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(email) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', strings.ContainsRune("_.@+-äöüß", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	base := b.String()
	for len(base) < 2 {
		base += "_"
	}
	if len(base) > 95 {
		base = base[:95]
	}
	taken := func(l string) bool {
		if s.byLogin[strings.ToLower(l)] != nil {
			return true
		}
		u := s.users[strings.ToLower(l)]
		return u != nil && u.email != email
	}
	login := base
	for n := 2; taken(login); n++ {
		login = base + "-" + strconv.Itoa(n)
	}
	return login
}

// run is one apply (or its simulation, for Cost): the team's changes in
// apply order, and the people it has invited or re-invited so far.
type run struct {
	changes []plan.Change
	invited map[string]bool // emails invited or resent in this run
}

func newRun(changes []plan.Change) *run {
	return &run{changes: changes, invited: map[string]bool{}}
}

// --- requests ---------------------------------------------------------------

// request is one API call of a change: a Matomo API method and its
// parameters (the client adds module, format and the token).
type request struct {
	Method string
	Params url.Values
	// guard: the call is getSitesAccessFromUser, and the change stops
	// before its next request unless every website it lists is declared.
	guard bool
}

// String is the request as the tables of decide_test.go write it:
// "Method k=v&k=v" (form-encoded, keys sorted).
func (r request) String() string {
	if len(r.Params) == 0 {
		return r.Method
	}
	return r.Method + " " + r.Params.Encode()
}

// step is a request and what it does to the live state once Matomo
// confirms it.
type step struct {
	req    request
	effect func(st *state, r *run)
}

// decision is how a change is made: its steps in order, and the outcome
// once they all succeed.
type decision struct {
	steps   []step
	outcome driver.Outcome
}

func (dc *decision) add(req request, effect func(st *state, r *run)) {
	dc.steps = append(dc.steps, step{req: req, effect: effect})
}

// decider decides a team's changes from what the refresh read.
type decider struct {
	team    *driver.Team
	siteIDs map[string]string // declared site name → idsite
	st      *state
	run     *run
	sim     bool // Cost: a site not found yet stands in by its name
}

// decide is the decision for one change.
func (d decider) decide(c *plan.Change) (decision, error) {
	switch c.Addr.Kind {
	case model.KindTeam, model.KindSite:
		return decision{outcome: driver.Applied}, nil // roster never creates or deletes them
	case model.KindMember:
		return d.member(c)
	case model.KindGrant:
		if c.Addr.Group != "" {
			return decision{}, fmt.Errorf("%s: Matomo has no groups", c.Addr)
		}
		return d.grant(c)
	}
	return decision{}, fmt.Errorf("%s: Matomo cannot manage a %s", c.Addr, c.Addr.Kind)
}

// site is the idsite of a change's declared site, only ever one read.
func (d decider) site(addr model.Address, name string) (string, error) {
	if id, ok := d.siteIDs[name]; ok {
		return id, nil
	}
	if d.sim {
		return "sim-" + name, nil
	}
	return "", fmt.Errorf("%s: site %q is not a declared site of team %s found on Matomo; declare it, or run roster plan again", addr, name, d.team.Name)
}

func (d decider) member(c *plan.Change) (decision, error) {
	email := c.Addr.Email
	u := d.st.users[email]
	var dc decision
	switch c.Action {
	case plan.Create, plan.Update:
		if u == nil {
			if c.Action == plan.Update {
				return dc, fmt.Errorf("%s: the Matomo user %s no longer exists; run roster plan again", c.Addr, email)
			}
			// inviteUser needs a first website, where it grants view:
			// the person's first grant of this apply, else the first
			// declared site, whose view is taken back at once.
			name, keep := d.firstGrantSite(email)
			id, err := d.site(c.Addr, name)
			if err != nil {
				return dc, err
			}
			login := d.invite(&dc, email, id)
			if !keep {
				setAccess(&dc, login, id, grant{})
			}
			dc.outcome = driver.Invited
			return dc, nil
		}
		switch {
		case u.expired:
			resend(&dc, u)
			dc.outcome = driver.Invited
		case u.pending:
			dc.outcome = driver.Invited
		default:
			dc.outcome = driver.Applied
		}
		return dc, nil
	case plan.Delete:
		dc.outcome = driver.Applied
		if u == nil || d.keepsGrants(email) || (d.team.Guests[email] && d.keepsAccess(email, u)) {
			// Gone already, or a guest after this apply: the account
			// stays. A guest's account goes with their last grant
			// (schema/sync.md, matomo.md: Removing people).
			return dc, nil
		}
		if strings.EqualFold(u.login, d.team.Conn.AccountID) {
			return dc, fmt.Errorf("%s: %s is the superuser whose token roster uses (account_id); roster never deletes it", c.Addr, u.login)
		}
		// schema/sync.md, Reading safely: the account goes only when it
		// holds no access on a website roster does not manage.
		dc.add(request{Method: methodSitesAccess, Params: url.Values{"userLogin": {u.login}}, guard: true}, nil)
		// deleteUser also deletes the user's dashboards, reports and
		// tokens (matomo.md, Removing people): the plan names it.
		login := u.login
		dc.add(request{Method: "UsersManager.deleteUser", Params: url.Values{"userLogin": {login}}},
			func(st *state, _ *run) { st.removeUser(login) })
		return dc, nil
	}
	return dc, fmt.Errorf("%s: unknown action %q", c.Addr, c.Action)
}

// firstGrantSite is the site of the person's first grant created in this
// apply (keep: inviteUser's view there is part of it), else the first
// declared site (keep false).
func (d decider) firstGrantSite(email string) (string, bool) {
	for _, c := range d.run.changes {
		if c.Addr.Kind == model.KindGrant && c.Addr.Email == email && c.Action == plan.Create {
			return c.Addr.Site, true
		}
	}
	names := make([]string, 0, len(d.team.Sites))
	for _, s := range d.team.Sites {
		names = append(names, s.Addr.Site)
	}
	slices.Sort(names)
	if len(names) == 0 {
		return "", false
	}
	return names[0], false
}

// keepsGrants reports whether the person gets or keeps a grant in this
// apply (a member becoming a guest).
func (d decider) keepsGrants(email string) bool {
	for _, c := range d.run.changes {
		if c.Addr.Kind == model.KindGrant && c.Addr.Email == email && c.After != nil && c.After.HolderKind == model.HolderGuest {
			return true
		}
	}
	return false
}

// keepsAccess reports whether a guest keeps access on a declared site
// after this apply: a live access row there that no change of the run
// removes.
func (d decider) keepsAccess(email string, u *liveUser) bool {
	for site, m := range d.st.access {
		if _, ok := m[u.login]; !ok {
			continue
		}
		removed := false
		for _, c := range d.run.changes {
			if c.Addr.Kind == model.KindGrant && c.Addr.Email == email && c.Action == plan.Delete {
				if id, err := d.site(c.Addr, c.Addr.Site); err == nil && id == site {
					removed = true
					break
				}
			}
		}
		if !removed {
			return true
		}
	}
	return false
}

func wanted(c *plan.Change) (grant, error) {
	role := c.After.Role
	if !roles[role] {
		return grant{}, fmt.Errorf("%s: %q is not a Matomo site role (view, write or admin)", c.Addr, role)
	}
	caps := slices.Clone(c.After.Capabilities)
	slices.Sort(caps)
	return grant{role: role, caps: slices.Compact(caps)}, nil
}

func (d decider) grant(c *plan.Change) (decision, error) {
	var dc decision
	email := c.Addr.Email
	id, err := d.site(c.Addr, c.Addr.Site)
	if err != nil {
		return dc, err
	}
	u := d.st.users[email]
	switch c.Action {
	case plan.Create, plan.Update:
		want, err := wanted(c)
		if err != nil {
			return dc, err
		}
		var login string
		var cur grant
		var has, pending bool
		switch {
		case u == nil && c.Action == plan.Update:
			return dc, fmt.Errorf("%s: the Matomo user %s no longer exists; run roster plan again", c.Addr, email)
		case u == nil:
			// A guest's implicit account rides on their first grant:
			// inviteUser grants view on it.
			login = d.invite(&dc, email, id)
			cur, has, pending = grant{role: "view"}, true, true
		case u.superuser:
			return decision{outcome: driver.Applied}, nil // moot: a superuser has everything
		default:
			if u.expired && !d.run.invited[email] {
				resend(&dc, u)
			}
			login, pending = u.login, u.pending
			cur, has = d.st.access[id][u.login]
		}
		if !has || cur.role != want.role || !slices.Equal(cur.caps, want.caps) {
			// setUserAccess replaces the whole grant: the role and
			// every capability go in the same call, none is wiped.
			setAccess(&dc, login, id, want)
		}
		dc.outcome = driver.Applied
		if pending {
			dc.outcome = driver.Invited
		}
		return dc, nil
	case plan.Delete:
		dc.outcome = driver.Applied
		if u == nil || u.superuser {
			return dc, nil
		}
		if _, ok := d.st.access[id][u.login]; ok {
			// noaccess on this website only: a guest's account goes by
			// a change of its own (their implicit membership's, which
			// the plan shows), never as a side effect of a grant.
			setAccess(&dc, u.login, id, grant{})
		}
		return dc, nil
	}
	return dc, fmt.Errorf("%s: unknown action %q", c.Addr, c.Action)
}

// setAccess sets a user's whole access on one site: setUserAccess with
// access[] = the role and each explicit capability, or access=noaccess.
// noaccess is a value of the scalar access only: access[] is one role
// plus capabilities, and noaccess is neither, so access[]=noaccess is
// refused as a bad value (matomo.md, Endpoints: setUserAccess;
// Semantics: "superuser and noaccess are neither"; What a reconciler must
// do: grant removal is setUserAccess(login, noaccess, N)).
func setAccess(dc *decision, login, id string, g grant) {
	params := url.Values{"userLogin": {login}, "access": {"noaccess"}, "idSites": {id}}
	if g.role != "" {
		params = url.Values{"userLogin": {login}, "access[]": append([]string{g.role}, g.caps...), "idSites": {id}}
	}
	dc.add(request{Method: "UsersManager.setUserAccess", Params: params},
		func(st *state, _ *run) { st.set(id, login, g) })
}

// invite creates the person's account with inviteUser (Matomo grants view
// on initialIdSite and mails the invitation), and returns its login.
func (d decider) invite(dc *decision, email, id string) string {
	login := d.st.newLogin(email)
	dc.add(request{Method: "UsersManager.inviteUser", Params: url.Values{"userLogin": {login}, "email": {email}, "initialIdSite": {id},
		"expiryInDays": {strconv.Itoa(InviteExpiryDays)}}},
		func(st *state, r *run) {
			st.addUser(&liveUser{login: login, email: email, pending: true})
			st.set(id, login, grant{role: "view"})
			r.invited[email] = true
		})
	return login
}

// resend renews an expired invitation (resendInvite works while the user
// is pending, expired included).
func resend(dc *decision, u *liveUser) {
	login, email := u.login, u.email
	dc.add(request{Method: "UsersManager.resendInvite", Params: url.Values{"userLogin": {login}, "expiryInDays": {strconv.Itoa(InviteExpiryDays)}}},
		func(st *state, r *run) {
			if u := st.byLogin[strings.ToLower(login)]; u != nil {
				u.expired = false
			}
			r.invited[email] = true
		})
}

// platformChange reports whether an update changes what Matomo stores
// (a reason, ticket or expiry is roster's alone).
func platformChange(c *plan.Change) bool {
	b, a := c.Before, c.After
	switch c.Addr.Kind {
	case model.KindMember:
		return b.Role != a.Role
	case model.KindGrant:
		return b.Role != a.Role || !slices.Equal(b.Capabilities, a.Capabilities)
	}
	return true
}
