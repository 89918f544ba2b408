package posthog

import (
	"context"
	"fmt"
	"slices"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// Begin remembers the team's changes, in apply order.
func (d *Driver) Begin(changes []plan.Change) {
	st := d.st
	if st == nil {
		st = newState()
	}
	d.run = newRun(changes, st, false)
}

// Apply makes one change.
func (d *Driver) Apply(ctx context.Context, c *plan.Change) (driver.Result, error) {
	if !d.refreshed {
		return driver.Result{}, fmt.Errorf("%s: the PostHog driver must refresh team %s before applying changes", c.Addr, d.team.Name)
	}
	if d.run == nil {
		d.Begin(nil)
	}
	r := d.run
	i, ok := r.index[c.Addr.String()]
	if !ok || r.done[i] {
		i = r.add(*c)
	}
	if res, ok := r.covered[i]; ok {
		r.done[i] = true
		delete(r.covered, i)
		return res, nil
	}
	reqs, outcomes, err := d.decide(r, i)
	if err != nil {
		return driver.Result{}, err
	}
	var api []string
	for _, q := range reqs {
		created, res, err := d.send(ctx, q)
		api = append(api, res.API...)
		if err != nil {
			var riders []model.Address
			for j := range outcomes {
				if j != i {
					riders = append(riders, r.changes[j].Addr)
				}
			}
			return driver.Result{API: api, Riders: riders}, kit.AtChange(err, c.Addr)
		}
		if q.effect != nil {
			q.effect(r.st, created)
		}
	}
	var made []model.Address
	for j, o := range outcomes {
		if j != i {
			r.covered[j] = driver.Result{Outcome: o, API: slices.Clone(api)}
			made = append(made, r.changes[j].Addr)
		}
	}
	r.done[i] = true
	return driver.Result{Outcome: outcomes[i], API: api, Made: made}, nil
}

// Cost counts the requests an apply of changes makes: the refresh's reads
// (apply refreshes first) and the writes, simulated on a copy of the live
// state in apply order. PostHog's rate limit (480 a minute, 4,800 an hour)
// is not a budget roster paces: it retries on 429 and honours Retry-After.
// The budget is the connection's requests_per_hour when set (for the
// plan's estimate), else 0 (none).
func (d *Driver) Cost(changes []plan.Change) (requests int, budgetPerHour int) {
	reads := 1 + max(1, d.pages.members) + max(1, d.pages.invites) + max(1, d.pages.projects) + len(d.team.Sites) + d.pages.undeclared
	ordered := slices.Clone(changes)
	plan.SortChangesForApply(ordered)
	var st *state
	if d.refreshed {
		st = d.st.clone()
	} else {
		st = stateFromPlan(ordered)
	}
	r := newRun(ordered, st, true)
	writes := 0
	for i := range r.changes {
		c := &r.changes[i]
		if _, cov := r.covered[i]; cov {
			continue
		}
		if manual, _ := d.Manual(c); manual {
			continue
		}
		reqs, outcomes, err := d.decide(r, i)
		if err != nil {
			writes++
			r.done[i] = true
			continue
		}
		writes += len(reqs)
		for _, q := range reqs {
			if q.effect != nil {
				q.effect(st, nil)
			}
		}
		for j, o := range outcomes {
			if j != i {
				r.covered[j] = driver.Result{Outcome: o}
			}
		}
		r.done[i] = true
	}
	return reads + writes, d.team.Conn.RequestsPerHour
}

// send makes one request through the typed client.
func (d *Driver) send(ctx context.Context, q request) (*Created, kit.Response, error) {
	switch q.op {
	case opSetLevel:
		res, err := d.api.SetLevel(ctx, q.uuid, q.level)
		return nil, res, err
	case opRemoveMember:
		res, err := d.api.RemoveMember(ctx, q.uuid)
		return nil, res, err
	case opSetAccess:
		res, err := d.api.SetAccess(ctx, q.project, q.member, q.access)
		return nil, res, err
	case opDeleteInvite:
		res, err := d.api.DeleteInvite(ctx, q.invite)
		return nil, res, err
	case opCreateInvite:
		got, res, err := d.api.CreateInvite(ctx, q.create)
		return &got, res, err
	}
	return nil, kit.Response{}, fmt.Errorf("posthog: unknown request %d", q.op)
}

// stateFromPlan makes a stand-in live state from the changes' before
// sides, for the cost of a plan made without a refresh.
func stateFromPlan(changes []plan.Change) *state {
	st := newState()
	sites := map[string]int{}
	siteID := func(name string) int {
		if id, ok := sites[name]; ok {
			return id
		}
		sites[name] = -len(sites) - 1
		return sites[name]
	}
	member := func(email string, level int) *liveMember {
		if m := st.members[email]; m != nil {
			return m
		}
		m := &liveMember{id: "m-" + email, uuid: "u-" + email, email: email, level: level}
		st.members[email] = m
		st.byID[m.id] = m
		return m
	}
	for _, c := range changes {
		b := c.Before
		if b == nil {
			continue
		}
		switch c.Addr.Kind {
		case model.KindMember:
			if b.Status == model.StatusInvited {
				st.invites[c.Addr.Email] = append(st.invites[c.Addr.Email], &liveInvite{id: "i-" + c.Addr.Email, email: c.Addr.Email, level: orgLevels[b.Role]})
			} else {
				member(c.Addr.Email, max(1, orgLevels[b.Role])).level = max(1, orgLevels[b.Role])
			}
		case model.KindGrant:
			if c.Addr.Email == "" {
				continue
			}
			pid := siteID(c.Addr.Site)
			if b.Status == model.StatusInvited {
				list := st.invites[c.Addr.Email]
				if len(list) == 0 {
					list = []*liveInvite{{id: "i-" + c.Addr.Email, email: c.Addr.Email, level: levelMember}}
					st.invites[c.Addr.Email] = list
				}
				list[0].ppa = append(list[0].ppa, projectAccess{project: pid, level: b.Role})
				continue
			}
			m := member(c.Addr.Email, levelMember)
			if st.rows[pid] == nil {
				st.rows[pid] = map[string]string{}
			}
			st.rows[pid][m.id] = b.Role
		}
	}
	return st
}
