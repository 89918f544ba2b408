package plausible

import (
	"fmt"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// This file decides, without any request, what a change needs: whether it
// is a manual step, which requests it sends, and what they cost. Apply
// sends what decide says; the tests check decide on its own.

// view is what decide knows of the team: the declared sites' domains,
// who is (or is being made) a team member, the live guests and the
// options.
type view struct {
	team     string
	siteIDs  map[string]string                // declared site name → domain
	members  []map[string]bool                // emails that are, or are being made, team members
	guests   map[string]map[string]*liveGuest // domain → email → guest
	reinvite bool
}

// Ops of the requests a change sends.
type op int

const (
	putGuest    op = iota + 1 // PUT /api/v1/sites/guests
	deleteGuest               // DELETE /api/v1/sites/guests/EMAIL?site_id=DOMAIN
)

// request is one request a change sends.
type request struct {
	op     op
	domain string
	email  string
	role   string // PUT only
}

// decision is what a change needs: its requests, in order, and the
// outcome when they all succeed and the last is a removal (or there is
// none); an invitation's outcome is in its answer.
type decision struct {
	requests []request
	outcome  driver.Outcome
}

// view is the driver's view for decide, with promoted as the emails
// this apply makes team members.
func (d *Driver) view(promoted map[string]bool) view {
	return view{team: d.team.Name, siteIDs: d.siteIDs, members: []map[string]bool{d.team.Members, d.declaredMembers, promoted},
		guests: d.guests, reinvite: d.opts.Reinvite}
}

// promotedIn is the emails that changes give a team role.
func promotedIn(changes []plan.Change) map[string]bool {
	out := map[string]bool{}
	for i := range changes {
		c := &changes[i]
		if c.Addr.Kind == model.KindMember && c.After != nil {
			out[c.Addr.Email] = true
		}
	}
	return out
}

// member reports whether email is, or is being made, a team member:
// declared or stored as one, or given a team role by the changes.
func (v view) member(email string) bool {
	for _, m := range v.members {
		if m[email] {
			return true
		}
	}
	return false
}

// live is the guest row of a change's holder as the refresh (and the
// changes since) saw it, nil when none.
func (v view) live(c *plan.Change) *liveGuest {
	return v.guests[v.siteIDs[c.Addr.Site]][c.Addr.Email]
}

// accepted reports whether the holder of a grant change has accepted
// their invitation: from the live row, else from the plan's before side.
func (v view) accepted(c *plan.Change) bool {
	if g := v.live(c); g != nil {
		return g.status == statusAccepted
	}
	return c.Before != nil && c.Before.Status == model.StatusActive
}

// roleChange reports whether an update changes the guest's role.
func roleChange(c *plan.Change) bool {
	return c.Action == plan.Update && c.Before != nil && c.After != nil && c.Before.Role != c.After.Role
}

// manual reports the changes Plausible's API cannot make (schema/sync.md):
// every team member change and team setting; a role change of a guest
// who has accepted (unless reinvite); a guest invitation for a team
// member's email, which Plausible refuses; and the guest removals of
// someone being made a team member, which Plausible makes itself.
func (v view) manual(c *plan.Change) (bool, string) {
	switch c.Addr.Kind {
	case model.KindMember:
		return true, "Plausible has no API for team members: a team owner or admin makes this change in Plausible (Team Settings → General)"
	case model.KindTeam:
		if c.Action == plan.Update {
			return true, "Plausible has no API for team settings (display_name, require_2fa, sso): a team owner changes them in Plausible's Team Settings"
		}
		return false, ""
	}
	email := c.Addr.Email
	if c.Addr.Kind != model.KindGrant || email == "" {
		return false, ""
	}
	switch c.Action {
	case plan.Create:
		if v.member(email) {
			return true, fmt.Sprintf("%s is a team member of %s; Plausible refuses a guest invitation for a team member's email, so roster never sends one: remove them from the team in Plausible first (Team Settings → General), then invite them as a guest of %s (Site Settings → People → Invite guest)",
				email, v.team, c.Addr.Site)
		}
	case plan.Delete:
		if v.member(email) {
			return true, fmt.Sprintf("%s is being made a team member of %s; Plausible removes their guest access to %s itself when they join the team, so this removal is part of that manual step",
				email, v.team, c.Addr.Site)
		}
	case plan.Update:
		if roleChange(c) && v.accepted(c) && !v.reinvite {
			return true, fmt.Sprintf("%s has accepted the invitation to %s, and Plausible's API cannot change a guest's role: a team owner or admin changes it to %s in Plausible (Site Settings → People). Planning with --reinvite instead removes and invites them again, which cuts their access until they accept",
				email, c.Addr.Site, c.After.Role)
		}
	}
	return false, ""
}

// decide turns a change into the requests to send: a guest invitation
// (PUT), a removal (DELETE), or a role change by removing and inviting
// again. It sends nothing and changes nothing.
func (v view) decide(c *plan.Change) (decision, error) {
	switch c.Addr.Kind {
	case model.KindTeam, model.KindSite:
		// Recorded by the engine: roster never creates or deletes teams
		// or sites through the API.
		return decision{outcome: driver.Applied}, nil
	case model.KindMember:
		return decision{}, fmt.Errorf("%s: Plausible has no API for team members; this change is a manual step", c.Addr)
	case model.KindGroup:
		return decision{}, fmt.Errorf("%s: Plausible has no groups", c.Addr)
	}
	if c.Addr.Group != "" || c.Addr.Email == "" {
		return decision{}, fmt.Errorf("%s: Plausible has no groups", c.Addr)
	}
	domain, ok := v.siteIDs[c.Addr.Site]
	if !ok {
		return decision{}, fmt.Errorf("%s: site %q is not a declared site of team %s resolved to a Plausible site; declare it, or run roster plan again", c.Addr, c.Addr.Site, v.team)
	}
	email := c.Addr.Email
	remove := request{op: deleteGuest, domain: domain, email: email}
	switch c.Action {
	case plan.Create:
		if c.After == nil {
			return decision{}, fmt.Errorf("%s: a creation without its new attributes", c.Addr)
		}
		if v.member(email) {
			// Manual says so first; this guards the rule itself.
			return decision{}, fmt.Errorf("%s: %s is a team member of %s; roster never sends a guest invitation for a team member's email (Plausible refuses it)", c.Addr, email, v.team)
		}
		role, err := guestRole(c)
		if err != nil {
			return decision{}, err
		}
		return decision{requests: []request{{op: putGuest, domain: domain, email: email, role: role}}}, nil
	case plan.Delete:
		return decision{requests: []request{remove}, outcome: driver.Applied}, nil
	case plan.Update:
		if c.Before == nil || c.After == nil {
			return decision{}, fmt.Errorf("%s: an update without its attributes", c.Addr)
		}
		if c.Before.Role == c.After.Role {
			// Nothing Plausible holds changes.
			if g := v.live(c); g != nil && g.status == statusInvited {
				return decision{outcome: driver.Invited}, nil
			}
			return decision{outcome: driver.Applied}, nil
		}
		role, err := guestRole(c)
		if err != nil {
			return decision{}, err
		}
		if v.accepted(c) && !v.reinvite {
			return decision{}, fmt.Errorf("%s: %s has accepted the invitation, and Plausible cannot change a guest's role; this change is a manual step unless planned with --reinvite", c.Addr, email)
		}
		return decision{requests: []request{remove, {op: putGuest, domain: domain, email: email, role: role}}}, nil
	}
	return decision{}, fmt.Errorf("%s: unknown action %q", c.Addr, c.Action)
}

func guestRole(c *plan.Change) (string, error) {
	switch c.After.Role {
	case "viewer", "editor":
		return c.After.Role, nil
	}
	return "", fmt.Errorf("%s: Plausible has no guest role %q; use viewer or editor", c.Addr, c.After.Role)
}

// writes counts the requests changes send: one per invitation or
// removal, two per role change made by removing and inviting again; none
// for manual steps.
func (v view) writes(changes []plan.Change) int {
	n := 0
	for i := range changes {
		c := &changes[i]
		if c.Addr.Kind != model.KindGrant || c.Addr.Email == "" {
			continue
		}
		if manual, _ := v.manual(c); manual {
			continue
		}
		switch c.Action {
		case plan.Create, plan.Delete:
			n++
		case plan.Update:
			if roleChange(c) {
				n += 2
			}
		}
	}
	return n
}
