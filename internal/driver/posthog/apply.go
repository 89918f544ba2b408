package posthog

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// run is one apply (or its simulation, for Cost): the team's changes in
// apply order, which are done, and which were made by an earlier change's
// requests (a guest's grants riding on their invitation).
type run struct {
	st       *state
	changes  []plan.Change
	index    map[string]int
	byPerson map[string][]int
	done     []bool
	covered  map[int]driver.Result
	sim      bool
	simSeq   int
	// fakeSites numbers sites the refresh did not resolve (simulation).
	fakeSites map[string]int
}

func newRun(changes []plan.Change, st *state, sim bool) *run {
	r := &run{st: st, index: map[string]int{}, byPerson: map[string][]int{}, covered: map[int]driver.Result{}, sim: sim}
	for _, c := range changes {
		r.add(c)
	}
	return r
}

func (r *run) add(c plan.Change) int {
	i := len(r.changes)
	r.changes = append(r.changes, c)
	r.done = append(r.done, false)
	r.index[c.Addr.String()] = i
	if (c.Addr.Kind == model.KindMember || c.Addr.Kind == model.KindGrant) && c.Addr.Email != "" {
		r.byPerson[c.Addr.Email] = append(r.byPerson[c.Addr.Email], i)
	}
	return i
}

// remaining lists a person's changes not yet made, in apply order.
func (r *run) remaining(email string) []int {
	var out []int
	for _, j := range r.byPerson[email] {
		if _, cov := r.covered[j]; !r.done[j] && !cov {
			out = append(out, j)
		}
	}
	return out
}

// Begin remembers the team's changes, in apply order.
func (d *Driver) Begin(changes []plan.Change) {
	st := d.st
	if st == nil {
		st = newState()
	}
	d.run = newRun(changes, st, false)
}

// request is one API request of a change, with what it does to the live
// state once it succeeds (resp is nil in a simulation).
type request struct {
	method, path string
	body         any
	// shape, when set, is checked on the answer before effect reads it.
	shape  kit.Shape
	effect func(st *state, resp []byte)
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
		var raw json.RawMessage
		var out any = &raw
		if q.shape != nil {
			out = httpc.Shaped{Shape: q.shape, Into: &raw}
		}
		lines, err := d.hc.JSON(ctx, q.method, q.path, nil, q.body, out, "")
		api = append(api, lines...)
		if err != nil {
			return driver.Result{API: api}, apiErr(err, c.Addr, false)
		}
		if q.effect != nil {
			q.effect(r.st, raw)
		}
	}
	for j, o := range outcomes {
		if j != i {
			r.covered[j] = driver.Result{Outcome: o, API: slices.Clone(api)}
		}
	}
	r.done[i] = true
	return driver.Result{Outcome: outcomes[i], API: api}, nil
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

// project is the project id of a declared site.
func (d *Driver) project(r *run, c *plan.Change) (int, error) {
	if id, ok := d.siteIDs[c.Addr.Site]; ok {
		return id, nil
	}
	if r.sim {
		if r.fakeSites == nil {
			r.fakeSites = map[string]int{}
		}
		if id, ok := r.fakeSites[c.Addr.Site]; ok {
			return id, nil
		}
		r.fakeSites[c.Addr.Site] = -1000 - len(r.fakeSites)
		return r.fakeSites[c.Addr.Site], nil
	}
	return 0, fmt.Errorf("%s: site %q is not a declared site of team %s resolved to a PostHog project; declare it, or run roster plan again", c.Addr, c.Addr.Site, d.team.Name)
}

func orgLevel(c *plan.Change) (int, error) {
	if l, ok := orgLevels[c.After.Role]; ok {
		return l, nil
	}
	return 0, fmt.Errorf("%s: PostHog has no organization level %q; use member, admin or owner", c.Addr, c.After.Role)
}

func projectLevel(c *plan.Change) (string, error) {
	switch c.After.Role {
	case "member", "admin":
		return c.After.Role, nil
	}
	return "", fmt.Errorf("%s: PostHog has no project level %q; use member or admin", c.Addr, c.After.Role)
}

// decide is the requests change i needs now, and the outcome of each
// change they make (i, and the changes that ride with it).
func (d *Driver) decide(r *run, i int) ([]request, map[int]driver.Outcome, error) {
	c := &r.changes[i]
	one := func(o driver.Outcome) map[int]driver.Outcome { return map[int]driver.Outcome{i: o} }
	switch c.Addr.Kind {
	case model.KindTeam, model.KindSite:
		// Recorded by the engine: roster never creates or deletes teams
		// or sites through the API.
		return nil, one(driver.Applied), nil
	case model.KindGroup:
		return nil, nil, fmt.Errorf("%s: PostHog has no groups", c.Addr)
	}
	if c.Addr.Kind == model.KindGrant && c.Addr.Group != "" {
		return nil, nil, fmt.Errorf("%s: PostHog has no groups", c.Addr)
	}
	email := c.Addr.Email
	st := r.st
	m := st.members[email]
	invited := m == nil && len(st.pending(email)) > 0
	quiet := driver.Applied
	if invited {
		quiet = driver.Invited
	}
	gone := func() error {
		return fmt.Errorf("%s: %s is neither a member of the PostHog organization nor invited any more; run roster plan again", c.Addr, email)
	}

	if c.Addr.Kind == model.KindMember {
		switch c.Action {
		case plan.Create, plan.Update:
			if c.Action == plan.Update && c.Before != nil && c.Before.Role == c.After.Role {
				return nil, one(quiet), nil
			}
			lvl, err := orgLevel(c)
			if err != nil {
				return nil, nil, err
			}
			if m != nil {
				if m.level == lvl {
					return nil, one(driver.Applied), nil
				}
				return []request{d.patchLevel(m, lvl)}, one(driver.Applied), nil
			}
			if c.Action == plan.Update && !invited {
				return nil, nil, gone()
			}
			return d.invite(r, i, email)
		case plan.Delete:
			if m != nil {
				if d.keepsAsGuest(r, i, email, m) {
					if m.level == levelMember {
						return nil, one(driver.Applied), nil
					}
					return []request{d.patchLevel(m, levelMember)}, one(driver.Applied), nil
				}
				return []request{d.deleteMember(m)}, one(driver.Applied), nil
			}
			if invited {
				return d.invite(r, i, email)
			}
			return nil, one(driver.Applied), nil
		}
		return nil, nil, fmt.Errorf("%s: unknown action %q", c.Addr, c.Action)
	}

	// A person's grant.
	pid, err := d.project(r, c)
	if err != nil {
		return nil, nil, err
	}
	switch c.Action {
	case plan.Create, plan.Update:
		if c.Action == plan.Update && c.Before != nil && c.Before.Role == c.After.Role {
			// holder_kind only (a guest becoming a member, or back): the
			// implicit membership's change is the member change's.
			return nil, one(quiet), nil
		}
		lvl, err := projectLevel(c)
		if err != nil {
			return nil, nil, err
		}
		if m != nil {
			if st.rows[pid][m.id] == lvl {
				return nil, one(driver.Applied), nil
			}
			return []request{d.putRow(pid, m, lvl)}, one(driver.Applied), nil
		}
		if c.Action == plan.Update && !invited {
			return nil, nil, gone()
		}
		return d.invite(r, i, email)
	case plan.Delete:
		if m != nil {
			// The access on this project only: a guest's membership
			// goes only by a change of its own, which the plan shows
			// (schema/sync.md, Reading safely).
			return []request{d.putRow(pid, m, "")}, one(driver.Applied), nil
		}
		if invited {
			return d.invite(r, i, email)
		}
		return nil, one(driver.Applied), nil
	}
	return nil, nil, fmt.Errorf("%s: unknown action %q", c.Addr, c.Action)
}

// keepsAsGuest reports whether removing member m (change i) turns them
// into a guest: they are a guest now and keep grants after this apply, so
// their membership drops to level member instead of going.
func (d *Driver) keepsAsGuest(r *run, i int, email string, m *liveMember) bool {
	guest := d.team.Guests[email]
	for _, j := range r.byPerson[email] {
		// A grant this apply turns (or turned) into a guest's.
		if c := &r.changes[j]; c.Addr.Kind == model.KindGrant && c.After != nil && c.After.HolderKind == model.HolderGuest {
			guest = true
		}
	}
	left := r.st.grantsOf(m.id)
	for _, j := range r.remaining(email) {
		c := &r.changes[j]
		if j == i || c.Addr.Kind != model.KindGrant {
			continue
		}
		pid, err := d.project(r, c)
		if err != nil {
			continue
		}
		if c.Action == plan.Delete {
			delete(left, pid)
			continue
		}
		left[pid] = true
		if c.After.HolderKind == model.HolderGuest {
			guest = true
		}
	}
	return guest && len(left) > 0
}

// invite makes (or remakes) the invitation of someone who is not an
// organization member, with everything this apply gives them: the level
// of their member change (else their invitation's, else member: a guest)
// and every project grant, their invitation's current ones included.
// Every remaining change of the person rides on it. With nothing left to
// invite them to, their invitations are deleted.
func (d *Driver) invite(r *run, i int, email string) ([]request, map[int]driver.Outcome, error) {
	st := r.st
	rem := r.remaining(email)
	level := 0
	var ppa []projectAccess
	pend := st.pending(email)
	if len(pend) > 0 {
		level = pend[0].level
		if d.team.Guests[email] && level == levelMember {
			level = 0 // a guest's invitation: its level follows from the grants
		}
		ppa = slices.Clone(pend[0].ppa)
	}
	set := func(pid int, lvl string) {
		for k := range ppa {
			if ppa[k].project == pid {
				ppa[k].level = lvl
				return
			}
		}
		ppa = append(ppa, projectAccess{project: pid, level: lvl})
	}
	removed := false // the person's membership goes
	for _, j := range rem {
		c := &r.changes[j]
		switch c.Addr.Kind {
		case model.KindMember:
			if c.Action == plan.Delete {
				level = 0
				removed = true
				continue
			}
			l, err := orgLevel(c)
			if err != nil {
				return nil, nil, err
			}
			level = l
		case model.KindGrant:
			pid, err := d.project(r, c)
			if err != nil {
				return nil, nil, err
			}
			if c.Action == plan.Delete {
				ppa = slices.DeleteFunc(ppa, func(a projectAccess) bool { return a.project == pid })
				continue
			}
			lvl, err := projectLevel(c)
			if err != nil {
				return nil, nil, err
			}
			set(pid, lvl)
		}
	}
	ppa = slices.DeleteFunc(ppa, func(a projectAccess) bool { return a.level != "member" && a.level != "admin" })
	if removed {
		// Someone removed who is only invited: access the invitation
		// gives on projects roster does not manage does not keep it
		// (schema/sync.md: removing a person who is only invited deletes the
		// invitation).
		managed := map[int]bool{}
		for _, id := range d.siteIDs {
			managed[id] = true
		}
		ppa = slices.DeleteFunc(ppa, func(a projectAccess) bool { return !managed[a.project] })
	}
	if level == 0 && len(ppa) > 0 {
		level = levelMember // a guest
	}
	var reqs []request
	for _, inv := range pend {
		reqs = append(reqs, d.deleteInvite(inv))
	}
	if level > 0 {
		reqs = append(reqs, d.postInvite(r, email, level, ppa))
	}
	outcomes := map[int]driver.Outcome{}
	for _, j := range rem {
		o := driver.Invited
		if level == 0 || r.changes[j].Action == plan.Delete {
			o = driver.Applied
		}
		outcomes[j] = o
	}
	if _, ok := outcomes[i]; !ok {
		outcomes[i] = driver.Applied
	}
	return reqs, outcomes, nil
}

// --- requests ---------------------------------------------------------------------

func (d *Driver) memberPath(m *liveMember) string {
	return d.orgPath("members/" + url.PathEscape(m.uuid) + "/")
}

func (d *Driver) patchLevel(m *liveMember, lvl int) request {
	email := m.email
	return request{method: "PATCH", path: d.memberPath(m), body: map[string]int{"level": lvl},
		effect: func(st *state, _ []byte) {
			if m := st.members[email]; m != nil {
				m.level = lvl
			}
		}}
}

func (d *Driver) deleteMember(m *liveMember) request {
	email := m.email
	return request{method: "DELETE", path: d.memberPath(m),
		effect: func(st *state, _ []byte) {
			if m := st.members[email]; m != nil {
				st.removeMember(m)
			}
		}}
}

// putRow sets m's access row on project pid to lvl; "" deletes it.
func (d *Driver) putRow(pid int, m *liveMember, lvl string) request {
	mid := m.id
	body := map[string]any{"access_level": nil, "organization_member": mid}
	if lvl != "" {
		body["access_level"] = lvl
	}
	return request{method: "PUT", path: "/api/projects/" + strconv.Itoa(pid) + "/access_controls/", body: body,
		effect: func(st *state, _ []byte) {
			if lvl == "" {
				delete(st.rows[pid], mid)
				return
			}
			if st.rows[pid] == nil {
				st.rows[pid] = map[string]string{}
			}
			st.rows[pid][mid] = lvl
		}}
}

func (d *Driver) deleteInvite(inv *liveInvite) request {
	id, email := inv.id, inv.email
	return request{method: "DELETE", path: d.orgPath("invites/" + url.PathEscape(id) + "/"),
		effect: func(st *state, _ []byte) {
			st.invites[email] = slices.DeleteFunc(st.invites[email], func(x *liveInvite) bool { return x.id == id })
		}}
}

type ppaJSON struct {
	ID    int    `json:"id"`
	Level string `json:"level"`
}

type inviteJSON struct {
	TargetEmail          string    `json:"target_email"`
	Level                int       `json:"level"`
	PrivateProjectAccess []ppaJSON `json:"private_project_access"`
}

func (d *Driver) postInvite(r *run, email string, lvl int, ppa []projectAccess) request {
	body := inviteJSON{TargetEmail: email, Level: lvl, PrivateProjectAccess: []ppaJSON{}}
	for _, a := range ppa {
		body.PrivateProjectAccess = append(body.PrivateProjectAccess, ppaJSON{ID: a.project, Level: a.level})
	}
	ppa = slices.Clone(ppa)
	return request{method: "POST", path: d.orgPath("invites/"), body: body,
		shape: kit.Obj{"id": kit.String, "created_at": kit.String},
		effect: func(st *state, resp []byte) {
			inv := &liveInvite{email: email, level: lvl, ppa: ppa}
			var got apiInvite
			if resp != nil && json.Unmarshal(resp, &got) == nil && got.ID != "" {
				inv.id, inv.createdAt = got.ID, got.CreatedAt
			} else {
				r.simSeq++
				inv.id = fmt.Sprintf("sim-%d", r.simSeq)
			}
			// PostHog deletes every earlier invitation of the email.
			st.invites[email] = []*liveInvite{inv}
		}}
}
