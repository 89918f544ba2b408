package piwikpro

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// batchSize is the most users one group relationship request carries.
const batchSize = 1000

// run is one apply (or its simulation, for Cost): the team's changes in
// apply order and which are done.
type run struct {
	changes  []plan.Change
	index    map[string][]int // address → changes, in order
	byPerson map[string][]int
	done     []bool
}

func newRun(changes []plan.Change) *run {
	r := &run{index: map[string][]int{}, byPerson: map[string][]int{}}
	for _, c := range changes {
		r.add(c)
	}
	return r
}

func (r *run) add(c plan.Change) int {
	i := len(r.changes)
	r.changes = append(r.changes, c)
	r.done = append(r.done, false)
	r.index[c.Addr.String()] = append(r.index[c.Addr.String()], i)
	if c.Addr.Email != "" {
		r.byPerson[c.Addr.Email] = append(r.byPerson[c.Addr.Email], i)
	}
	return i
}

// find is the first change not yet done that is c, or -1.
func (r *run) find(c *plan.Change) int {
	for _, i := range r.index[c.Addr.String()] {
		if !r.done[i] && r.changes[i].Action == c.Action {
			return i
		}
	}
	return -1
}

// remaining lists a person's changes not yet made, in apply order.
func (r *run) remaining(email string) []int {
	var out []int
	for _, j := range r.byPerson[email] {
		if !r.done[j] {
			out = append(out, j)
		}
	}
	return out
}

// Begin remembers the team's changes, in apply order.
func (d *Driver) Begin(changes []plan.Change) { d.run = newRun(changes) }

// op is one change being made, or simulated for Cost (no request sent,
// ids made up, requests counted).
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

// send makes one request of the change.
func (o *op) send(method, path string, in, out any) error {
	if o.sim {
		o.n++
		return nil
	}
	lines, err := o.d.call(o.ctx, method, path, nil, in, out)
	o.api = append(o.api, lines...)
	if err != nil {
		return apiErr(err, o.addr, false)
	}
	return nil
}

// Apply makes one change. Every outcome is applied: Piwik PRO has no
// pending invitations (an invited user exists at once).
func (d *Driver) Apply(ctx context.Context, c *plan.Change) (driver.Result, error) {
	if d.credErr != nil {
		return driver.Result{}, fmt.Errorf("%s: %w", c.Addr, d.credErr)
	}
	if !d.refreshed {
		return driver.Result{}, fmt.Errorf("%s: the Piwik PRO driver must refresh team %s before applying changes", c.Addr, d.team.Name)
	}
	if d.run == nil {
		d.Begin(nil)
	}
	r := d.run
	i := r.find(c)
	if i < 0 {
		i = r.add(*c)
	}
	o := &op{d: d, ctx: ctx, r: r, st: d.st, addr: c.Addr}
	if err := d.decide(o, i); err != nil {
		return driver.Result{API: o.api}, err
	}
	r.done[i] = true
	return driver.Result{Outcome: driver.Applied, API: o.api}, nil
}

// Cost counts the requests an apply of changes makes: the refresh's reads
// (apply refreshes first; a token request included) and the writes,
// simulated on a copy of the live state in apply order. Piwik PRO has no
// hourly budget: the budget is the connection's requests_per_hour when set
// (for the plan's estimate), else 0 (none); its limit of 60 writes a
// minute is kept by pacing, so a long apply takes about one minute per 60
// writes.
func (d *Driver) Cost(changes []plan.Change) (requests int, budgetPerHour int) {
	ordered := slices.Clone(changes)
	plan.SortChangesForApply(ordered)
	var st *state
	if d.refreshed {
		st = d.st.clone()
	} else {
		st = stateFromPlan(ordered)
	}
	r := newRun(ordered)
	writes := 0
	for i := range r.changes {
		c := &r.changes[i]
		manual, _ := d.Manual(c)
		skip := manual || c.Addr.Kind == model.KindSite || c.Addr.Kind == model.KindTeam ||
			(c.Action == plan.Update && !platformChange(c))
		if !skip {
			o := &op{d: d, ctx: context.Background(), r: r, st: st, addr: c.Addr, sim: true}
			if err := d.decide(o, i); err != nil {
				writes++ // the request that would fail
			} else {
				writes += o.n
			}
		}
		r.done[i] = true
	}
	return d.readCost() + writes, d.team.Conn.RequestsPerHour
}

// readCost is the requests a refresh makes: a token, the pages of users,
// apps, groups and each group's users, and each declared app's two
// permission lists.
func (d *Driver) readCost() int {
	if d.refreshed {
		p := d.pages
		return 1 + max(1, p.users) + max(1, p.apps) + max(1, p.groups) + p.groupUsers + max(2*len(d.siteIDs), p.perms)
	}
	groups := 0
	for _, o := range d.team.Stored {
		if o.Addr.Kind == model.KindGroup {
			groups++
		}
	}
	return 1 + 3 + groups + 2*len(d.team.Sites)
}

// platformChange reports whether an update changes something Piwik PRO
// holds (reason, ticket and expiry live in roster only).
func platformChange(c *plan.Change) bool {
	b, a := c.Before, c.After
	if b == nil || a == nil {
		return true
	}
	switch c.Addr.Kind {
	case model.KindMember:
		return b.Role != a.Role
	case model.KindGrant:
		return b.Role != a.Role || b.HolderKind != a.HolderKind
	case model.KindGroup:
		return !slices.Equal(b.Members, a.Members) || b.RemoteID != a.RemoteID
	}
	return true
}

// simApp is the made-up app id of a site in a simulation without a refresh.
func simApp(site string) string { return "sim-app-" + site }

// stateFromPlan makes a stand-in live state from the changes' before
// sides, for the cost of a plan made without a refresh.
func stateFromPlan(changes []plan.Change) *state {
	st := newState()
	user := func(email string) *liveUser {
		if u := st.users[email]; u != nil {
			return u
		}
		u := &liveUser{id: "sim-user-" + email, email: email, role: roleUser}
		st.addUser(u)
		return u
	}
	for _, c := range changes {
		b := c.Before
		if b == nil {
			continue
		}
		switch {
		case c.Addr.Kind == model.KindMember:
			if b.Role == "owner" {
				user(c.Addr.Email).role = roleOwner
				if st.ownerGrants[c.Addr.Email] == nil {
					st.ownerGrants[c.Addr.Email] = map[string]string{}
				}
			} else {
				user(c.Addr.Email)
			}
		case c.Addr.Kind == model.KindGroup:
			g := &liveGroup{id: "sim-group-" + c.Addr.Group, name: c.Addr.Group, label: c.Addr.Group, members: map[string]bool{}}
			for _, e := range b.Members {
				g.members[e] = true
			}
			st.groups[g.label] = g
		case c.Addr.Kind == model.KindGrant && c.Addr.Group != "":
			st.setGroupPerm(simApp(c.Addr.Site), "sim-group-"+c.Addr.Group, apiLevel(b.Role))
		case c.Addr.Kind == model.KindGrant:
			u := user(c.Addr.Email)
			st.setPerm(simApp(c.Addr.Site), u.id, apiLevel(b.Role))
		}
	}
	// Owners' grants are recorded, not listed.
	for email, u := range st.users {
		if u.role != roleOwner {
			continue
		}
		for app, m := range st.perms {
			if l := m[u.id]; l != "" {
				st.ownerGrants[email][app] = l
				delete(m, u.id)
			}
		}
	}
	return st
}

// --- deciding -----------------------------------------------------------------------

// decide makes change i: its requests, each updating the state once it
// succeeds.
func (d *Driver) decide(o *op, i int) error {
	c := &o.r.changes[i]
	if c.Action != plan.Delete && c.After == nil {
		return fmt.Errorf("%s: the change has no after side", c.Addr)
	}
	switch c.Addr.Kind {
	case model.KindTeam, model.KindSite:
		// Recorded by the engine: roster never creates or deletes teams
		// or sites through the API.
		return nil
	case model.KindGroup:
		return d.applyGroup(o, c)
	case model.KindMember:
		return d.applyMember(o, i, c)
	case model.KindGrant:
		if c.Addr.Group != "" {
			return d.applyGroupGrant(o, c)
		}
		return d.applyGrant(o, i, c)
	}
	return fmt.Errorf("%s: roster cannot change a %s through Piwik PRO's API", c.Addr, c.Addr.Kind)
}

func accountRole(c *plan.Change) (string, error) {
	switch c.After.Role {
	case "owner":
		return roleOwner, nil
	case "user":
		return roleUser, nil
	}
	return "", fmt.Errorf("%s: Piwik PRO has no account role %q; use user or owner", c.Addr, c.After.Role)
}

func grantLevel(c *plan.Change) (string, error) {
	l := apiLevel(c.After.Role)
	if !levels[l] {
		return "", fmt.Errorf("%s: Piwik PRO has no app permission %q to grant; use view, edit, edit_publish or manage", c.Addr, c.After.Role)
	}
	return l, nil
}

func gone(c *plan.Change, what string) error {
	return fmt.Errorf("%s: %s no longer exists in Piwik PRO; run roster plan again", c.Addr, what)
}

// app is the app id of a change's declared site.
func (d *Driver) app(o *op, c *plan.Change) (string, error) {
	if id, ok := d.siteIDs[c.Addr.Site]; ok {
		return id, nil
	}
	if o.sim {
		return simApp(c.Addr.Site), nil
	}
	return "", fmt.Errorf("%s: site %q is not a declared site of team %s resolved to a Piwik PRO app; declare it, or run roster plan again", c.Addr, c.Addr.Site, d.team.Name)
}

func (d *Driver) applyMember(o *op, i int, c *plan.Change) error {
	email := c.Addr.Email
	u := o.st.users[email]
	switch c.Action {
	case plan.Create, plan.Update:
		want, err := accountRole(c)
		if err != nil {
			return err
		}
		if u == nil {
			if c.Action == plan.Update {
				return gone(c, "the user "+email)
			}
			// A guest's implicit USER already exists: it is changed,
			// never invited again (schema/sync.md).
			if u, err = o.invite(email); err != nil {
				return err
			}
		}
		if u.role != want {
			return o.changeRole(u, want)
		}
		return nil
	case plan.Delete:
		if u == nil {
			return nil
		}
		if d.keepsAsGuest(o, i, u) {
			// A member becoming a guest keeps their USER.
			if u.role != roleUser {
				return o.changeRole(u, roleUser)
			}
			return nil
		}
		return o.deleteUser(u)
	}
	return fmt.Errorf("%s: unknown action %q", c.Addr, c.Action)
}

func (d *Driver) applyGrant(o *op, i int, c *plan.Change) error {
	email := c.Addr.Email
	app, err := d.app(o, c)
	if err != nil {
		return err
	}
	st := o.st
	u := st.users[email]
	switch c.Action {
	case plan.Create, plan.Update:
		if c.Action == plan.Update && c.Before != nil && c.Before.Role == c.After.Role {
			// holder_kind only: the implicit USER's change is the
			// member change's.
			return nil
		}
		level, err := grantLevel(c)
		if err != nil {
			return err
		}
		if u == nil {
			if c.Action == plan.Update {
				return gone(c, "the user "+email)
			}
			// A guest's implicit USER rides before their first grant.
			if u, err = o.invite(email); err != nil {
				return err
			}
		}
		if u.role == roleOwner {
			o.ownerGrant(u, app, level)
			return nil
		}
		if st.perms[app][u.id] == level {
			return nil
		}
		return o.setPerm(app, u, level)
	case plan.Delete:
		if u == nil {
			return nil
		}
		if u.role == roleOwner {
			o.ownerGrant(u, app, "")
			return nil
		}
		if st.perms[app][u.id] != "" {
			if err := o.setPerm(app, u, noAccess); err != nil {
				return err
			}
		}
		// The access on this app only: a guest's USER goes only by a
		// change of its own, which the plan shows (schema/sync.md, Reading
		// safely).
		return nil
	}
	return fmt.Errorf("%s: unknown action %q", c.Addr, c.Action)
}

// keepsAsGuest reports whether removing member u (change i) turns them
// into a guest: they are a guest now and keep grants after this apply.
func (d *Driver) keepsAsGuest(o *op, i int, u *liveUser) bool {
	guest := d.team.Guests[u.email]
	for _, j := range o.r.byPerson[u.email] {
		// A grant this apply turns (or turned) into a guest's.
		if c := &o.r.changes[j]; c.Addr.Kind == model.KindGrant && c.After != nil && c.After.HolderKind == model.HolderGuest {
			guest = true
		}
	}
	left := o.st.grantsOf(u)
	for _, j := range o.r.remaining(u.email) {
		c := &o.r.changes[j]
		if j == i || c.Addr.Kind != model.KindGrant {
			continue
		}
		app, err := d.app(o, c)
		if err != nil {
			continue
		}
		if c.Action == plan.Delete {
			delete(left, app)
			continue
		}
		left[app] = true
		if c.After != nil && c.After.HolderKind == model.HolderGuest {
			guest = true
		}
	}
	return guest && len(left) > 0
}

func (d *Driver) applyGroup(o *op, c *plan.Change) error {
	st := o.st
	label := c.Addr.Group
	g := st.groups[label]
	switch c.Action {
	case plan.Create:
		if g == nil {
			body := map[string]any{"data": map[string]any{"type": "ppms/user-group", "attributes": map[string]any{"name": label}}}
			var out struct {
				Data apiNamed `json:"data"`
			}
			if err := o.send("POST", "/api/user-groups/v1", body, &out); err != nil {
				return err
			}
			id := out.Data.ID
			if o.sim {
				id = "sim-group-" + label
			}
			if id == "" {
				return fmt.Errorf("%s: %s answered POST /api/user-groups/v1 without the new group's id", c.Addr, Platform)
			}
			g = &liveGroup{id: id, name: label, label: label, members: map[string]bool{}}
			st.groups[label] = g
		}
		return o.syncMembers(g, c.After.Members)
	case plan.Update:
		if g == nil {
			return gone(c, "the group")
		}
		return o.syncMembers(g, c.After.Members)
	case plan.Delete:
		if g == nil {
			return nil
		}
		if err := o.send("DELETE", groupPath(g.id, ""), nil, nil); err != nil {
			return err
		}
		delete(st.groups, label)
		for _, m := range st.gperms {
			delete(m, g.id)
		}
		return nil
	}
	return fmt.Errorf("%s: unknown action %q", c.Addr, c.Action)
}

func (d *Driver) applyGroupGrant(o *op, c *plan.Change) error {
	app, err := d.app(o, c)
	if err != nil {
		return err
	}
	st := o.st
	g := st.groups[c.Addr.Group]
	level := noAccess
	switch c.Action {
	case plan.Create, plan.Update:
		if c.Action == plan.Update && c.Before != nil && c.Before.Role == c.After.Role {
			return nil
		}
		if level, err = grantLevel(c); err != nil {
			return err
		}
		if g == nil {
			return fmt.Errorf("%s: group %s does not exist in Piwik PRO; run roster plan again", c.Addr, c.Addr.Group)
		}
		if st.gperms[app][g.id] == level {
			return nil
		}
	case plan.Delete:
		if g == nil || st.gperms[app][g.id] == "" {
			return nil
		}
	default:
		return fmt.Errorf("%s: unknown action %q", c.Addr, c.Action)
	}
	body := map[string]any{"data": map[string]any{"type": "app/permission/user-group", "attributes": map[string]any{"permission": level}}}
	if err := o.send("POST", appPath(app, "user-group/"+url.PathEscape(g.id)), body, nil); err != nil {
		return err
	}
	st.setGroupPerm(app, g.id, level)
	return nil
}

// --- requests -------------------------------------------------------------------------

func userPath(u *liveUser) string { return "/api/users/v2/" + url.PathEscape(u.id) }

// invite creates a user (role USER). One who exists already (made by hand
// since the refresh) is looked up instead (piwikpro.md).
func (o *op) invite(email string) (*liveUser, error) {
	body := map[string]any{"data": map[string]any{"type": "ppms/user", "attributes": map[string]any{"email": email}}}
	var out struct {
		Data apiUser `json:"data"`
	}
	err := o.send("POST", "/api/users/v2/invite", body, httpc.Shaped{Shape: kit.Obj{"data": userShape}, Into: &out})
	var ae *driver.APIError
	if errors.As(err, &ae) && ae.Status == 400 && strings.Contains(ae.Message, "users.error.user-already-exists") {
		if u, lerr := o.lookup(email); lerr == nil && u != nil {
			return u, nil
		}
	}
	if err != nil {
		return nil, err
	}
	id, role := out.Data.ID, strings.ToUpper(out.Data.Attributes.Role)
	if o.sim {
		id = "sim-user-" + email
	}
	if id == "" {
		return nil, fmt.Errorf("%s: %s answered POST /api/users/v2/invite without the new user's id", o.addr, Platform)
	}
	if role != roleOwner {
		role = roleUser
	}
	u := &liveUser{id: id, email: email, role: role}
	o.st.addUser(u)
	return u, nil
}

// lookup finds a user by email (GET /api/users/v2?search=EMAIL).
func (o *op) lookup(email string) (*liveUser, error) {
	var page listPage
	lines, err := o.d.call(o.ctx, "GET", "/api/users/v2", url.Values{"search": {email}, "limit": {"1000"}}, nil,
		httpc.Shaped{Shape: kit.Obj{"meta": kit.Obj{"total": kit.Int}, "data": kit.List(userShape)}, Into: &page})
	o.api = append(o.api, lines...)
	if err != nil {
		return nil, err
	}
	var users []apiUser
	if _, err := decodeList(page.Data, &users); err != nil {
		return nil, err
	}
	for _, au := range users {
		if model.NormalizeEmail(au.Attributes.Email) == email && au.ID != "" {
			u := &liveUser{id: au.ID, email: email, role: strings.ToUpper(au.Attributes.Role)}
			o.st.addUser(u)
			return u, nil
		}
	}
	return nil, nil
}

func (o *op) deleteUser(u *liveUser) error {
	if err := o.send("DELETE", userPath(u), nil, nil); err != nil {
		return err
	}
	o.st.removeUser(u)
	return nil
}

// setPerm sets u's explicit permission on app (no-access removes it).
func (o *op) setPerm(app string, u *liveUser, level string) error {
	body := map[string]any{"data": map[string]any{"type": "app/permission/user", "attributes": map[string]any{"permission": level}}}
	if err := o.send("POST", appPath(app, "user/"+url.PathEscape(u.id)), body, nil); err != nil {
		return err
	}
	o.st.setPerm(app, u.id, level)
	return nil
}

// ownerGrant records an owner's grant ("" removes it) without a request:
// owners can access everything, and their permissions are set when they
// are demoted.
func (o *op) ownerGrant(u *liveUser, app, level string) {
	st := o.st
	if st.ownerGrants[u.email] == nil {
		st.ownerGrants[u.email] = map[string]string{}
	}
	if st.cleared[u.email] == nil {
		st.cleared[u.email] = map[string]bool{}
	}
	if level == "" {
		delete(st.ownerGrants[u.email], app)
		st.cleared[u.email][app] = true
		return
	}
	st.ownerGrants[u.email][app] = level
	delete(st.cleared[u.email], app)
}

// changeRole makes u OWNER or USER. A promoted user's permissions become
// recorded owner grants (Piwik PRO stops listing them); a demoted owner's
// recorded grants are set as permissions right after the demotion, and
// those removed while they were an owner set to no-access.
func (o *op) changeRole(u *liveUser, role string) error {
	body := map[string]any{"data": map[string]any{"type": "ppms/user", "id": u.id, "attributes": map[string]any{"role": role}}}
	if err := o.send("PATCH", userPath(u)+"/change-role", body, nil); err != nil {
		return err
	}
	st := o.st
	was := u.role
	u.role = role
	switch {
	case role == roleOwner && was != roleOwner:
		grants := map[string]string{}
		for app, m := range st.perms {
			if l := m[u.id]; l != "" {
				grants[app] = l
				delete(m, u.id)
			}
		}
		st.ownerGrants[u.email] = grants
		delete(st.cleared, u.email)
	case role == roleUser && was == roleOwner:
		grants, cleared := st.ownerGrants[u.email], st.cleared[u.email]
		delete(st.ownerGrants, u.email)
		delete(st.cleared, u.email)
		apps := make([]string, 0, len(grants)+len(cleared))
		for app := range grants {
			apps = append(apps, app)
		}
		for app := range cleared {
			if _, ok := grants[app]; !ok {
				apps = append(apps, app)
			}
		}
		sort.Slice(apps, func(i, j int) bool {
			si, sj := o.d.siteOf[apps[i]], o.d.siteOf[apps[j]]
			if si != sj {
				return si < sj
			}
			return apps[i] < apps[j]
		})
		for _, app := range apps {
			level := grants[app]
			if level == "" {
				level = noAccess
			}
			if err := o.setPerm(app, u, level); err != nil {
				return err
			}
		}
	}
	return nil
}

// syncMembers makes a group's members the wanted ones, adding and then
// removing users in batches; someone not yet a user is invited first.
func (o *op) syncMembers(g *liveGroup, want []string) error {
	st := o.st
	wanted := map[string]bool{}
	var add, remove []*liveUser
	for _, e := range want {
		wanted[e] = true
		if g.members[e] {
			continue
		}
		u := st.users[e]
		if u == nil {
			var err error
			if u, err = o.invite(e); err != nil {
				return err
			}
		}
		add = append(add, u)
	}
	current := make([]string, 0, len(g.members))
	for e := range g.members {
		current = append(current, e)
	}
	sort.Strings(current)
	for _, e := range current {
		if wanted[e] {
			continue
		}
		if u := st.users[e]; u != nil {
			remove = append(remove, u)
		} else {
			delete(g.members, e)
		}
	}
	path := groupPath(g.id, "relationships/users")
	for _, step := range []struct {
		method string
		users  []*liveUser
		in     bool
	}{{"POST", add, true}, {"DELETE", remove, false}} {
		for start := 0; start < len(step.users); start += batchSize {
			batch := step.users[start:min(start+batchSize, len(step.users))]
			data := make([]map[string]string, 0, len(batch))
			for _, u := range batch {
				data = append(data, map[string]string{"type": "ppms/user", "id": u.id})
			}
			if err := o.send(step.method, path, map[string]any{"data": data}, nil); err != nil {
				return err
			}
			for _, u := range batch {
				if step.in {
					g.members[u.email] = true
				} else {
					delete(g.members, u.email)
				}
			}
		}
	}
	return nil
}
