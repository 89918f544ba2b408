package piwikpro

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// This file decides what a change needs: the requests to send, in order,
// each updating the live state once it succeeds. It sends nothing
// itself: a sender does, the API client's in Apply, a simulation's in
// Cost and the tests (which record the requests and make up ids).

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

// kind is the API call of a request (Client's method of the same name).
type kind int

const (
	inviteUser         kind = iota + 1 // POST /api/users/v2/invite
	deleteUser                         // DELETE /api/users/v2/{id}
	changeRole                         // PATCH /api/users/v2/{id}/change-role
	setUserPermission                  // POST …/app/{app}/permission/user/{id}
	setGroupPermission                 // POST …/app/{app}/permission/user-group/{id}
	createGroup                        // POST /api/user-groups/v1
	deleteGroup                        // DELETE /api/user-groups/v1/{id}
	addGroupUsers                      // POST /api/user-groups/v1/{id}/relationships/users
	removeGroupUsers                   // DELETE /api/user-groups/v1/{id}/relationships/users
)

// request is one request of a change.
type request struct {
	kind  kind
	id    string   // the user's or the group's id
	email string   // inviteUser
	name  string   // createGroup
	app   string   // setUserPermission, setGroupPermission
	level string   // the role (changeRole) or the permission
	users []string // the users' ids (addGroupUsers, removeGroupUsers)
}

// answer is what a change reads of a request's answer: the new user's or
// group's id, the new user's role and email, and the new group's name.
type answer struct{ id, role, email, name string }

// sender sends a change's requests.
type sender interface {
	send(r request) (answer, error)
	// lookup finds a user who exists by email (made by hand since the
	// refresh), nil when none.
	lookup(email string) *liveUser
}

// simulation is the sender of Cost and the tests: it sends nothing,
// records each request and makes up the ids of what they create.
type simulation struct{ sent []request }

func (s *simulation) send(r request) (answer, error) {
	s.sent = append(s.sent, r)
	switch r.kind {
	case inviteUser:
		return answer{id: "sim-user-" + r.email, email: r.email}, nil
	case createGroup:
		return answer{id: "sim-group-" + r.name, name: r.name}, nil
	}
	return answer{}, nil
}

func (s *simulation) lookup(string) *liveUser { return nil }

// op is one change being made, or simulated for Cost (sim: a site the
// refresh did not resolve gets a made-up app id).
type op struct {
	d    *Driver
	r    *run
	st   *state
	addr model.Address
	sim  bool
	s    sender
}

func (o *op) send(r request) (answer, error) { return o.s.send(r) }

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

// Manual reports the changes Piwik PRO's API cannot make: team settings.
func (d *Driver) Manual(c *plan.Change) (bool, string) {
	if c.Addr.Kind == model.KindTeam && c.Action == plan.Update {
		return true, "Piwik PRO has no API for team settings (display_name, require_2fa, sso): an owner changes them in Piwik PRO's account settings"
	}
	return false, ""
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
		// A guest's implicit USER already exists: it is changed, never
		// invited again (schema/sync.md).
		if u, err = o.user(c, u); err != nil {
			return err
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
		// A guest's implicit USER rides before their first grant.
		if u, err = o.user(c, u); err != nil {
			return err
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

// user is the user of a creation or update: the live one u, else (a
// creation) a new one, invited; an update of a user who is gone fails.
func (o *op) user(c *plan.Change, u *liveUser) (*liveUser, error) {
	if u != nil {
		return u, nil
	}
	if c.Action == plan.Update {
		return nil, gone(c, "the user "+c.Addr.Email)
	}
	return o.invite(c.Addr.Email)
}

// keepsAsGuest reports whether removing member u (change i) turns them
// into a guest: they are a guest now and keep grants after this apply.
func (d *Driver) keepsAsGuest(o *op, i int, u *liveUser) bool {
	return kit.KeepsAsGuest(d.team.Guests[u.email], o.r.changes, o.r.byPerson[u.email], o.r.remaining(u.email), i, o.st.grantsOf(u),
		func(c *plan.Change) (string, bool) {
			app, err := d.app(o, c)
			return app, err == nil
		})
}

func (d *Driver) applyGroup(o *op, c *plan.Change) error {
	st := o.st
	label := c.Addr.Group
	g := st.groups[label]
	switch c.Action {
	case plan.Create:
		if g == nil {
			ans, err := o.send(request{kind: createGroup, name: label})
			if err != nil {
				return err
			}
			id := ans.id
			if id == "" {
				return fmt.Errorf("%s: %s answered POST /api/user-groups/v1 without the new group's id", c.Addr, Platform)
			}
			if ans.name != label {
				// piwikpro.md, Endpoints: 201 {data:group}, the group made
				// (user_groups public_v1: UserGroup's name is required);
				// another's id would be some other group's.
				return fmt.Errorf("%s: %s answered POST /api/user-groups/v1 with a group of another name; roster does not count group %s as made: run roster plan again to see what Piwik PRO holds", c.Addr, Platform, label)
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
		if _, err := o.send(request{kind: deleteGroup, id: g.id}); err != nil {
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
	if _, err := o.send(request{kind: setGroupPermission, app: app, id: g.id, level: level}); err != nil {
		return err
	}
	st.setGroupPerm(app, g.id, level)
	return nil
}

// --- requests -------------------------------------------------------------------------

// invite creates a user (role USER). One who exists already (made by hand
// since the refresh) is looked up instead (piwikpro.md).
func (o *op) invite(email string) (*liveUser, error) {
	ans, err := o.send(request{kind: inviteUser, email: email})
	var ae *driver.APIError
	if errors.As(err, &ae) && ae.Status == 400 && slices.Contains(ae.Codes, "users.error.user-already-exists") {
		if u := o.s.lookup(email); u != nil {
			if u.role == roleOwner {
				// Made an OWNER since the refresh: the plan saw no such
				// owner, and the change's requests (a change-role to
				// USER, permissions an owner does not hold) would demote
				// them or record access that is not there. sync.md: apply
				// sends nothing the plan did not show.
				return nil, fmt.Errorf("%s: %s has been added to Piwik PRO as an OWNER since the plan was made; roster does not change an owner the plan did not show: run roster plan again", o.addr, email)
			}
			o.st.addUser(u)
			return u, nil
		}
	}
	if err != nil {
		return nil, err
	}
	id, role := ans.id, strings.ToUpper(ans.role)
	if id == "" {
		return nil, fmt.Errorf("%s: %s answered POST /api/users/v2/invite without the new user's id", o.addr, Platform)
	}
	if model.NormalizeEmail(ans.email) != email {
		// piwikpro.md, Endpoints: 201 {data:user}, the user invited;
		// another email's id would be someone else's, whose access the
		// change's later requests would set.
		return nil, fmt.Errorf("%s: %s answered POST /api/users/v2/invite with another email's user; roster does not count %s as invited: run roster plan again to see what Piwik PRO holds", o.addr, Platform, email)
	}
	if role != roleOwner {
		role = roleUser
	}
	u := &liveUser{id: id, email: email, role: role}
	o.st.addUser(u)
	return u, nil
}

func (o *op) deleteUser(u *liveUser) error {
	if _, err := o.send(request{kind: deleteUser, id: u.id}); err != nil {
		return err
	}
	o.st.removeUser(u)
	return nil
}

// setPerm sets u's explicit permission on app (no-access removes it).
func (o *op) setPerm(app string, u *liveUser, level string) error {
	if _, err := o.send(request{kind: setUserPermission, app: app, id: u.id, level: level}); err != nil {
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
	if _, err := o.send(request{kind: changeRole, id: u.id, level: role}); err != nil {
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
	current := slices.Sorted(maps.Keys(g.members))
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
	for _, step := range []struct {
		kind  kind
		users []*liveUser
		in    bool
	}{{addGroupUsers, add, true}, {removeGroupUsers, remove, false}} {
		for start := 0; start < len(step.users); start += batchSize {
			batch := step.users[start:min(start+batchSize, len(step.users))]
			ids := make([]string, 0, len(batch))
			for _, u := range batch {
				ids = append(ids, u.id)
			}
			if _, err := o.send(request{kind: step.kind, id: g.id, users: ids}); err != nil {
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
