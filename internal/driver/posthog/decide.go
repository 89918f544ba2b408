package posthog

import (
	"fmt"
	"slices"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// This file decides, without any request, what a change needs: the
// requests to send now, with what each does to the live state, and the
// outcome of every change they make. Apply sends what decide says and
// Cost simulates it; the tests check decide on its own.

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

// Manual reports the changes PostHog's API cannot make: team settings.
func (d *Driver) Manual(c *plan.Change) (bool, string) {
	if c.Addr.Kind == model.KindTeam && c.Action == plan.Update {
		return true, "PostHog has no API for team settings (display_name, require_2fa, sso): an organization owner changes them in PostHog's organization settings"
	}
	return false, ""
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
				return []request{patchLevel(m, lvl)}, one(driver.Applied), nil
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
					return []request{patchLevel(m, levelMember)}, one(driver.Applied), nil
				}
				return []request{deleteMember(m)}, one(driver.Applied), nil
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
			return []request{putRow(pid, m, lvl)}, one(driver.Applied), nil
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
			return []request{putRow(pid, m, "")}, one(driver.Applied), nil
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
	return kit.KeepsAsGuest(d.team.Guests[email], r.changes, r.byPerson[email], r.remaining(email), i, r.st.grantsOf(m.id),
		func(c *plan.Change) (int, bool) {
			pid, err := d.project(r, c)
			return pid, err == nil
		})
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
		// Someone's invitation, as a membership, removed: the plan
		// removes it only when it is access of its own (a level above
		// member, or someone the team declares or stores as a member,
		// like an active membership), or when it gives no access on
		// projects roster does not manage (refresh: such an invitation is
		// Implicit, and its removal is then the declared grants' only,
		// which re-invites with the rest). Removing a person who is only
		// invited deletes the invitation (schema/sync.md, Invitations).
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
		reqs = append(reqs, deleteInvite(inv))
	}
	if level > 0 {
		reqs = append(reqs, postInvite(r, email, level, ppa))
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

// op is the API call of a request (Client's method of the same name).
type op int

const (
	opSetLevel     op = iota + 1 // PATCH …/members/{uuid}/ {"level"}
	opRemoveMember               // DELETE …/members/{uuid}/
	opSetAccess                  // PUT /api/projects/{id}/access_controls/
	opDeleteInvite               // DELETE …/invites/{id}/
	opCreateInvite               // POST …/invites/
)

// request is one API request of a change, with what it does to the live
// state once it succeeds (created is nil in a simulation).
type request struct {
	op      op
	uuid    string // the member's user uuid (opSetLevel, opRemoveMember)
	level   int    // opSetLevel
	project int    // opSetAccess
	member  string // the membership id (opSetAccess)
	access  string // opSetAccess: "" deletes the row
	invite  string // opDeleteInvite
	create  InviteRequest
	effect  func(st *state, created *Created)
}

func patchLevel(m *liveMember, lvl int) request {
	email := m.email
	return request{op: opSetLevel, uuid: m.uuid, level: lvl,
		effect: func(st *state, _ *Created) {
			if m := st.members[email]; m != nil {
				m.level = lvl
			}
		}}
}

func deleteMember(m *liveMember) request {
	email := m.email
	return request{op: opRemoveMember, uuid: m.uuid,
		effect: func(st *state, _ *Created) {
			if m := st.members[email]; m != nil {
				st.removeMember(m)
			}
		}}
}

// putRow sets m's access row on project pid to lvl; "" deletes it.
func putRow(pid int, m *liveMember, lvl string) request {
	mid := m.id
	return request{op: opSetAccess, project: pid, member: mid, access: lvl,
		effect: func(st *state, _ *Created) {
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

func deleteInvite(inv *liveInvite) request {
	id, email := inv.id, inv.email
	return request{op: opDeleteInvite, invite: id,
		effect: func(st *state, _ *Created) {
			st.invites[email] = slices.DeleteFunc(st.invites[email], func(x *liveInvite) bool { return x.id == id })
		}}
}

func postInvite(r *run, email string, lvl int, ppa []projectAccess) request {
	body := InviteRequest{TargetEmail: email, Level: lvl, PrivateProjectAccess: []InviteProjectAcc{}}
	for _, a := range ppa {
		body.PrivateProjectAccess = append(body.PrivateProjectAccess, InviteProjectAcc{ID: a.project, Level: a.level})
	}
	ppa = slices.Clone(ppa)
	return request{op: opCreateInvite, create: body,
		effect: func(st *state, got *Created) {
			inv := &liveInvite{email: email, level: lvl, ppa: ppa}
			if got != nil && got.ID != "" {
				inv.id, inv.createdAt = got.ID, got.CreatedAt
			} else {
				r.simSeq++
				inv.id = fmt.Sprintf("sim-%d", r.simSeq)
			}
			// PostHog deletes every earlier invitation of the email.
			st.invites[email] = []*liveInvite{inv}
		}}
}
