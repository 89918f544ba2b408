package matomo

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// run is one apply (or its simulation, for Cost): the team's changes in
// apply order, and the people it has invited or re-invited so far.
type run struct {
	changes []plan.Change
	invited map[string]bool // emails invited or resent in this run
}

func newRun(changes []plan.Change) *run {
	return &run{changes: changes, invited: map[string]bool{}}
}

// Begin remembers the team's changes, in apply order.
func (d *Driver) Begin(changes []plan.Change) { d.run = newRun(slices.Clone(changes)) }

// op is one change being made, or simulated for Cost (no request sent,
// requests counted).
type op struct {
	d    *Driver
	ctx  context.Context
	r    *run
	st   *state
	addr model.Address
	sim  bool
	api  []string
	n    int
}

// send makes one API call of the change.
func (o *op) send(method string, params url.Values) error {
	if o.sim {
		o.n++
		return nil
	}
	api, _, err := o.d.call(o.ctx, method, params, nil, nil)
	o.api = append(o.api, api...)
	if err != nil {
		return changeErr(err, o.addr)
	}
	return nil
}

// Apply makes one change (matomo.md, What a reconciler must do, 3).
func (d *Driver) Apply(ctx context.Context, c *plan.Change) (driver.Result, error) {
	if !d.refreshed {
		return driver.Result{}, fmt.Errorf("%s: the Matomo driver must refresh team %s before applying changes", c.Addr, d.team.Name)
	}
	if d.run == nil {
		d.Begin(nil)
	}
	o := &op{d: d, ctx: ctx, r: d.run, st: d.st, addr: c.Addr}
	out, err := d.decide(o, c)
	if err != nil {
		return driver.Result{API: o.api}, err
	}
	return driver.Result{Outcome: out, API: o.api}, nil
}

// Cost counts the requests an apply of changes makes: the refresh's reads
// and the writes, simulated on a copy of the live state in plan order.
// Matomo has no hourly budget (Matomo Cloud's per-IP limits are per
// minutes); the budget is the connection's requests_per_hour when set.
func (d *Driver) Cost(changes []plan.Change) (requests int, budgetPerHour int) {
	st := newState()
	if d.refreshed {
		st = d.st.clone()
	}
	r := newRun(changes)
	writes := 0
	for i := range changes {
		c := &changes[i]
		if manual, _ := d.Manual(c); manual || c.Addr.Kind == model.KindSite || c.Addr.Kind == model.KindTeam || c.StateOnly() {
			continue
		}
		if c.Action == plan.Update && c.Before != nil && c.After != nil && !platformChange(c) {
			continue
		}
		o := &op{d: d, ctx: context.Background(), r: r, st: st, addr: c.Addr, sim: true}
		if _, err := d.decide(o, c); err != nil {
			writes++
		} else {
			writes += o.n
		}
	}
	return d.readCost() + writes, d.team.Conn.RequestsPerHour
}

// readCost is the requests a refresh makes: the version (first refresh
// only), the superusers, the superuser check, the websites, the users, and
// each declared site's pages of users.
func (d *Driver) readCost() int {
	pages := d.pages
	if !d.refreshed {
		pages = len(d.team.Sites)
	}
	return 5 + max(pages, len(d.siteIDs))
}

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

func (d *Driver) decide(o *op, c *plan.Change) (driver.Outcome, error) {
	switch c.Addr.Kind {
	case model.KindTeam, model.KindSite:
		return driver.Applied, nil // roster never creates or deletes them
	case model.KindMember:
		return d.applyMember(o, c)
	case model.KindGrant:
		if c.Addr.Group != "" {
			return "", fmt.Errorf("%s: Matomo has no groups", c.Addr)
		}
		return d.applyGrant(o, c)
	}
	return "", fmt.Errorf("%s: Matomo cannot manage a %s", c.Addr, c.Addr.Kind)
}

// site is the idsite of a change's declared site, only ever one read.
func (d *Driver) site(o *op, name string) (string, error) {
	if id, ok := d.siteIDs[name]; ok {
		return id, nil
	}
	if o.sim {
		return "sim-" + name, nil
	}
	return "", fmt.Errorf("%s: site %q is not a declared site of team %s found on Matomo; declare it, or run roster plan again", o.addr, name, d.team.Name)
}

func (d *Driver) applyMember(o *op, c *plan.Change) (driver.Outcome, error) {
	email := c.Addr.Email
	u := o.st.users[email]
	switch c.Action {
	case plan.Create, plan.Update:
		if u == nil {
			if c.Action == plan.Update {
				return "", fmt.Errorf("%s: the Matomo user %s no longer exists; run roster plan again", c.Addr, email)
			}
			// inviteUser needs a first website, where it grants view:
			// the person's first grant of this apply, else the first
			// declared site, whose view is taken back at once.
			site, keep := d.firstGrantSite(o.r, email)
			id, err := d.site(o, site)
			if err != nil {
				return "", err
			}
			if u, err = o.invite(email, id); err != nil {
				return "", err
			}
			if !keep {
				if err := o.setAccess(u, id, grant{}); err != nil {
					return "", err
				}
			}
			return driver.Invited, nil
		}
		if u.expired {
			if err := o.resend(u); err != nil {
				return "", err
			}
			return driver.Invited, nil
		}
		if u.pending {
			return driver.Invited, nil
		}
		return driver.Applied, nil
	case plan.Delete:
		if u == nil {
			return driver.Applied, nil
		}
		if d.team.Guests[email] || d.keepsGrants(o.r, email) {
			return driver.Applied, nil // becomes a guest: the account stays
		}
		if strings.EqualFold(u.login, d.team.Conn.AccountID) {
			return "", fmt.Errorf("%s: %s is the superuser whose token roster uses (account_id); roster never deletes it", c.Addr, u.login)
		}
		// schema/sync.md, Reading safely: the account goes only when it holds
		// no access on a website roster does not manage.
		if err := o.checkNoOtherAccess(u); err != nil {
			return "", err
		}
		// deleteUser also deletes the user's dashboards, reports and
		// tokens (matomo.md, Removing people): the plan names it.
		if err := o.send("UsersManager.deleteUser", url.Values{"userLogin": {u.login}}); err != nil {
			return "", err
		}
		o.st.removeUser(u)
		return driver.Applied, nil
	}
	return "", fmt.Errorf("%s: unknown action %q", c.Addr, c.Action)
}

// firstGrantSite is the site of the person's first grant created in this
// apply (keep: inviteUser's view there is part of it), else the first
// declared site (keep false).
func (d *Driver) firstGrantSite(r *run, email string) (string, bool) {
	for _, c := range r.changes {
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
func (d *Driver) keepsGrants(r *run, email string) bool {
	for _, c := range r.changes {
		if c.Addr.Kind == model.KindGrant && c.Addr.Email == email && c.After != nil && c.After.HolderKind == model.HolderGuest {
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

func (d *Driver) applyGrant(o *op, c *plan.Change) (driver.Outcome, error) {
	email := c.Addr.Email
	id, err := d.site(o, c.Addr.Site)
	if err != nil {
		return "", err
	}
	u := o.st.users[email]
	switch c.Action {
	case plan.Create, plan.Update:
		want, err := wanted(c)
		if err != nil {
			return "", err
		}
		if u == nil {
			if c.Action == plan.Update {
				return "", fmt.Errorf("%s: the Matomo user %s no longer exists; run roster plan again", c.Addr, email)
			}
			// A guest's implicit account rides on their first grant:
			// inviteUser grants view on it.
			if u, err = o.invite(email, id); err != nil {
				return "", err
			}
		} else if u.expired && !o.r.invited[email] {
			if err := o.resend(u); err != nil {
				return "", err
			}
		}
		if u.superuser {
			return driver.Applied, nil // moot: a superuser has everything
		}
		if cur, ok := o.st.access[id][u.login]; !ok || cur.role != want.role || !slices.Equal(cur.caps, want.caps) {
			// setUserAccess replaces the whole grant: the role and
			// every capability go in the same call, none is wiped.
			if err := o.setAccess(u, id, want); err != nil {
				return "", err
			}
		}
		if u.pending {
			return driver.Invited, nil
		}
		return driver.Applied, nil
	case plan.Delete:
		if u == nil || u.superuser {
			return driver.Applied, nil
		}
		if _, ok := o.st.access[id][u.login]; ok {
			// noaccess; the account stays, even after the last grant
			// (deleting it deletes the person's dashboards and reports).
			if err := o.setAccess(u, id, grant{}); err != nil {
				return "", err
			}
		}
		return driver.Applied, nil
	}
	return "", fmt.Errorf("%s: unknown action %q", c.Addr, c.Action)
}

// setAccess sets a user's whole access on one site: setUserAccess with
// access[] = the role and each explicit capability, or noaccess.
func (o *op) setAccess(u *liveUser, id string, g grant) error {
	access := []string{"noaccess"}
	if g.role != "" {
		access = append([]string{g.role}, g.caps...)
	}
	if err := o.send("UsersManager.setUserAccess", url.Values{"userLogin": {u.login}, "access[]": access, "idSites": {id}}); err != nil {
		return err
	}
	o.st.set(id, u.login, g)
	return nil
}

// invite creates the person's account with inviteUser (Matomo grants view
// on initialIdSite and mails the invitation).
func (o *op) invite(email, id string) (*liveUser, error) {
	login := o.st.newLogin(email)
	if err := o.send("UsersManager.inviteUser", url.Values{"userLogin": {login}, "email": {email}, "initialIdSite": {id},
		"expiryInDays": {strconv.Itoa(InviteExpiryDays)}}); err != nil {
		return nil, err
	}
	u := &liveUser{login: login, email: email, pending: true}
	o.st.addUser(u)
	o.st.set(id, login, grant{role: "view"})
	o.r.invited[email] = true
	return u, nil
}

// resend renews an expired invitation (resendInvite works while the user
// is pending, expired included).
func (o *op) resend(u *liveUser) error {
	if err := o.send("UsersManager.resendInvite", url.Values{"userLogin": {u.login}, "expiryInDays": {strconv.Itoa(InviteExpiryDays)}}); err != nil {
		return err
	}
	u.expired = false
	o.r.invited[u.email] = true
	return nil
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

// checkNoOtherAccess reads every website where the user has access
// (getSitesAccessFromUser) and refuses to delete a user who has access to
// one that is not declared: deleting would take access roster does not
// manage.
func (o *op) checkNoOtherAccess(u *liveUser) error {
	if o.sim {
		o.n++
		return nil
	}
	var rows []struct {
		Site   any    `json:"site"`
		Access string `json:"access"`
	}
	api, _, err := o.d.call(o.ctx, "UsersManager.getSitesAccessFromUser", url.Values{"userLogin": {u.login}}, accessShape, &rows)
	o.api = append(o.api, api...)
	if err != nil {
		return changeErr(err, o.addr)
	}
	var other []string
	for _, r := range rows {
		id := strings.Trim(fmt.Sprint(r.Site), `"`)
		if _, ok := o.d.siteOf[id]; !ok && !slices.Contains(other, id) {
			other = append(other, id)
		}
	}
	if len(other) > 0 {
		return fmt.Errorf("%s: %s also has access to Matomo websites that are not declared (idsite %s); roster does not delete a user with access it does not manage. Declare those websites, or remove that access in Matomo first",
			o.addr, u.email, strings.Join(other, ", "))
	}
	return nil
}
