package piwikpro

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// Begin remembers the team's changes, in apply order.
func (d *Driver) Begin(changes []plan.Change) { d.run = newRun(changes) }

// Apply makes one change. Every outcome is applied: Piwik PRO has no
// pending invitations (an invited user exists at once).
func (d *Driver) Apply(ctx context.Context, c *plan.Change) (driver.Result, error) {
	if d.api.credErr != nil {
		return driver.Result{}, fmt.Errorf("%s: %w", c.Addr, d.api.credErr)
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
	s := &apiSender{ctx: ctx, c: d.api, addr: c.Addr}
	if err := d.decide(&op{d: d, r: r, st: d.st, addr: c.Addr, s: s}, i); err != nil {
		return driver.Result{API: s.api}, err
	}
	r.done[i] = true
	return driver.Result{Outcome: driver.Applied, API: s.api}, nil
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
			sim := &simulation{}
			if err := d.decide(&op{d: d, r: r, st: st, addr: c.Addr, sim: true, s: sim}, i); err != nil {
				writes++ // the request that would fail
			} else {
				writes += len(sim.sent)
			}
		}
		r.done[i] = true
	}
	return d.readCost() + writes, d.team.Conn.RequestsPerHour
}

// readCost is the requests a refresh makes: a token, the pages of users,
// apps, meta-sites, groups and each group's users, and each declared
// app's two permission lists (and those of the undeclared apps and
// meta-sites, as the last refresh counted them).
func (d *Driver) readCost() int {
	if d.refreshed {
		p := d.pages
		return 1 + max(1, p.users) + max(1, p.apps) + max(1, p.metaSites) + max(1, p.groups) + p.groupUsers + max(2*len(d.siteIDs), p.perms)
	}
	groups := 0
	for _, o := range d.team.Stored {
		if o.Addr.Kind == model.KindGroup {
			groups++
		}
	}
	return 1 + 4 + groups + 2*len(d.team.Sites)
}

// apiSender sends a change's requests through the client, keeping their
// API lines; a failure is put at the change's address.
type apiSender struct {
	ctx  context.Context
	c    *Client
	addr model.Address
	api  []string
}

func (s *apiSender) send(r request) (answer, error) {
	var ans answer
	var res kit.Response
	var err error
	switch r.kind {
	case inviteUser:
		var u User
		u, res, err = s.c.InviteUser(s.ctx, r.email)
		ans = answer{id: u.ID, role: u.Attributes.Role, email: u.Attributes.Email}
	case deleteUser:
		res, err = s.c.DeleteUser(s.ctx, r.id)
	case changeRole:
		res, err = s.c.ChangeRole(s.ctx, r.id, r.level)
	case setUserPermission:
		res, err = s.c.SetUserPermission(s.ctx, r.app, r.id, r.level)
	case setGroupPermission:
		res, err = s.c.SetGroupPermission(s.ctx, r.app, r.id, r.level)
	case createGroup:
		var g Named
		g, res, err = s.c.CreateGroup(s.ctx, r.name)
		ans = answer{id: g.ID, name: g.Attributes.Name}
	case deleteGroup:
		res, err = s.c.DeleteGroup(s.ctx, r.id)
	case addGroupUsers:
		res, err = s.c.AddGroupUsers(s.ctx, r.id, r.users)
	case removeGroupUsers:
		res, err = s.c.RemoveGroupUsers(s.ctx, r.id, r.users)
	default:
		err = fmt.Errorf("unknown request %d", r.kind)
	}
	s.api = append(s.api, res.API...)
	if err != nil {
		return ans, kit.AtChange(err, s.addr)
	}
	return ans, nil
}

// lookup finds a user by email (GET /api/users/v2?search=EMAIL).
func (s *apiSender) lookup(email string) *liveUser {
	users, res, err := s.c.SearchUsers(s.ctx, email)
	s.api = append(s.api, res.API...)
	if err != nil {
		return nil
	}
	for _, au := range users {
		if model.NormalizeEmail(au.Attributes.Email) == email && au.ID != "" {
			return &liveUser{id: au.ID, email: email, role: strings.ToUpper(au.Attributes.Role)}
		}
	}
	return nil
}
