package plausible

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

const guestsPath = "/api/v1/sites/guests"

// Begin remembers who this apply makes a team member: their guest
// removals are part of the manual step that promotes them.
func (d *Driver) Begin(changes []plan.Change) { d.promoted = promotedIn(changes) }

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
// declared or stored as one, or given a team role by the changes
// (promoted).
func (d *Driver) member(email string, promoted map[string]bool) bool {
	return d.team.Members[email] || d.declaredMembers[email] || promoted[email]
}

// live is the guest row of a change's holder as the refresh (and the
// changes since) saw it, nil when none.
func (d *Driver) live(c *plan.Change) *liveGuest {
	return d.guests[d.siteIDs[c.Addr.Site]][c.Addr.Email]
}

// accepted reports whether the holder of a grant change has accepted
// their invitation: from the live row, else from the plan's before side.
func (d *Driver) accepted(c *plan.Change) bool {
	if g := d.live(c); g != nil {
		return g.status == statusAccepted
	}
	return c.Before != nil && c.Before.Status == model.StatusActive
}

// roleChange reports whether an update changes the guest's role.
func roleChange(c *plan.Change) bool {
	return c.Action == plan.Update && c.Before != nil && c.After != nil && c.Before.Role != c.After.Role
}

// Manual reports the changes Plausible's API cannot make (schema/sync.md): every
// team member change and team setting; a role change of a guest who has
// accepted (unless Options.Reinvite); a guest invitation for a team
// member's email, which Plausible refuses; and the guest removals of
// someone being made a team member, which Plausible makes itself.
func (d *Driver) Manual(c *plan.Change) (bool, string) { return d.manual(c, d.promoted) }

func (d *Driver) manual(c *plan.Change, promoted map[string]bool) (bool, string) {
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
		if d.member(email, promoted) {
			return true, fmt.Sprintf("%s is a team member of %s; Plausible refuses a guest invitation for a team member's email, so roster never sends one: remove them from the team in Plausible first (Team Settings → General), then invite them as a guest of %s (Site Settings → People → Invite guest)",
				email, d.team.Name, c.Addr.Site)
		}
	case plan.Delete:
		if d.member(email, promoted) {
			return true, fmt.Sprintf("%s is being made a team member of %s; Plausible removes their guest access to %s itself when they join the team, so this removal is part of that manual step",
				email, d.team.Name, c.Addr.Site)
		}
	case plan.Update:
		if roleChange(c) && d.accepted(c) && !d.opts.Reinvite {
			return true, fmt.Sprintf("%s has accepted the invitation to %s, and Plausible's API cannot change a guest's role: a team owner or admin changes it to %s in Plausible (Site Settings → People). Planning with --reinvite instead removes and invites them again, which cuts their access until they accept",
				email, c.Addr.Site, c.After.Role)
		}
	}
	return false, ""
}

// Apply makes one change: a guest invitation (PUT), a removal (DELETE), or
// a role change by removing and inviting again.
func (d *Driver) Apply(ctx context.Context, c *plan.Change) (driver.Result, error) {
	if !d.refreshed {
		return driver.Result{}, fmt.Errorf("%s: the Plausible driver must refresh team %s before applying changes", c.Addr, d.team.Name)
	}
	switch c.Addr.Kind {
	case model.KindTeam, model.KindSite:
		// Recorded by the engine: roster never creates or deletes teams
		// or sites through the API.
		return driver.Result{Outcome: driver.Applied}, nil
	case model.KindMember:
		return driver.Result{}, fmt.Errorf("%s: Plausible has no API for team members; this change is a manual step", c.Addr)
	case model.KindGroup:
		return driver.Result{}, fmt.Errorf("%s: Plausible has no groups", c.Addr)
	}
	if c.Addr.Group != "" || c.Addr.Email == "" {
		return driver.Result{}, fmt.Errorf("%s: Plausible has no groups", c.Addr)
	}
	domain, ok := d.siteIDs[c.Addr.Site]
	if !ok {
		return driver.Result{}, fmt.Errorf("%s: site %q is not a declared site of team %s resolved to a Plausible site; declare it, or run roster plan again", c.Addr, c.Addr.Site, d.team.Name)
	}
	email := c.Addr.Email
	switch c.Action {
	case plan.Create:
		if c.After == nil {
			return driver.Result{}, fmt.Errorf("%s: a creation without its new attributes", c.Addr)
		}
		if d.member(email, d.promoted) {
			// Manual says so first; this guards the rule itself.
			return driver.Result{}, fmt.Errorf("%s: %s is a team member of %s; roster never sends a guest invitation for a team member's email (Plausible refuses it)", c.Addr, email, d.team.Name)
		}
		role, err := guestRole(c)
		if err != nil {
			return driver.Result{}, err
		}
		return d.invite(ctx, c, domain, email, role, nil)
	case plan.Delete:
		api, err := d.remove(ctx, c, domain, email)
		return driver.Result{Outcome: driver.Applied, API: api}, err
	case plan.Update:
		if c.Before == nil || c.After == nil {
			return driver.Result{}, fmt.Errorf("%s: an update without its attributes", c.Addr)
		}
		if c.Before.Role == c.After.Role {
			// Nothing Plausible holds changes.
			if g := d.live(c); g != nil && g.status == statusInvited {
				return driver.Result{Outcome: driver.Invited}, nil
			}
			return driver.Result{Outcome: driver.Applied}, nil
		}
		role, err := guestRole(c)
		if err != nil {
			return driver.Result{}, err
		}
		if d.accepted(c) && !d.opts.Reinvite {
			return driver.Result{}, fmt.Errorf("%s: %s has accepted the invitation, and Plausible cannot change a guest's role; this change is a manual step unless planned with --reinvite", c.Addr, email)
		}
		api, err := d.remove(ctx, c, domain, email)
		if err != nil {
			return driver.Result{API: api}, err
		}
		return d.invite(ctx, c, domain, email, role, api)
	}
	return driver.Result{}, fmt.Errorf("%s: unknown action %q", c.Addr, c.Action)
}

func guestRole(c *plan.Change) (string, error) {
	switch c.After.Role {
	case "viewer", "editor":
		return c.After.Role, nil
	}
	return "", fmt.Errorf("%s: Plausible has no guest role %q; use viewer or editor", c.Addr, c.After.Role)
}

// invite sends PUT guest. Plausible finds or creates by email: an existing
// guest comes back unchanged. If it comes back with another role and is
// only invited (nobody has access yet), roster replaces the invitation,
// as it does for an invitation whose role changes; if the guest has
// accepted, the change fails with an error saying so (a new plan shows the
// role as drift, to change by hand or with --reinvite).
func (d *Driver) invite(ctx context.Context, c *plan.Change, domain, email, role string, api []string) (driver.Result, error) {
	for attempt := 0; ; attempt++ {
		var got apiGuest
		body := map[string]string{"site_id": domain, "email": email, "role": role}
		// Plausible answers 500 when the email is a team member's (or the
		// team is at its member limit): its answer, not a passing fault,
		// so the invitation is sent once (schema/sync.md).
		lines, err := d.hc.JSON(httpc.WithoutRetryOn5xx(ctx), http.MethodPut, guestsPath, nil, body, httpc.Shaped{Shape: guestShape, Into: &got}, "")
		api = append(api, lines...)
		if err != nil {
			var re *httpc.RequestError
			if errors.As(err, &re) && re.Status == http.StatusInternalServerError {
				return driver.Result{API: api}, &driver.APIError{Address: c.Addr, Platform: Platform, Status: re.Status,
					Request: "PUT " + guestsPath,
					Message: fmt.Sprintf("Plausible could not invite %s as a guest of %s; it answers so when %s is already a member of team %s (or the team has reached its member limit). If they are a team member, declare them as a member instead of a guest; otherwise check the team's member limit in Plausible",
						email, domain, email, d.team.Name)}
			}
			return driver.Result{API: api}, apiErr(err, c.Addr, false)
		}
		if got.Status != statusInvited && got.Status != statusAccepted {
			return driver.Result{API: api}, &driver.APIError{Address: c.Addr, Platform: Platform, Status: http.StatusOK,
				Request: "PUT " + guestsPath,
				Message: fmt.Sprintf("the answer has guest status %q, which roster does not know (invited or accepted); run roster plan again to see what Plausible holds", got.Status)}
		}
		d.setLive(domain, email, &liveGuest{role: got.Role, status: got.Status})
		if got.Role == role {
			if got.Status == statusAccepted {
				return driver.Result{Outcome: driver.Applied, API: api}, nil
			}
			return driver.Result{Outcome: driver.Invited, API: api}, nil
		}
		if got.Status == statusInvited && attempt == 0 {
			lines, err := d.remove(ctx, c, domain, email)
			api = append(api, lines...)
			if err != nil {
				return driver.Result{API: api}, err
			}
			continue
		}
		return driver.Result{API: api}, &driver.APIError{Address: c.Addr, Platform: Platform, Status: http.StatusOK,
			Request: "PUT " + guestsPath,
			Message: fmt.Sprintf("%s is already a guest of %s as %s (%s), and Plausible's API cannot change a guest's role; run roster plan again to see it as drift",
				email, domain, got.Role, got.Status)}
	}
}

// remove sends DELETE guest, which Plausible answers {"deleted":true}
// whether or not the email was a guest.
func (d *Driver) remove(ctx context.Context, c *plan.Change, domain, email string) ([]string, error) {
	api, err := d.hc.JSON(ctx, http.MethodDelete, guestsPath+"/"+url.PathEscape(email), url.Values{"site_id": {domain}}, nil, nil, "")
	if err != nil {
		return api, apiErr(err, c.Addr, false)
	}
	if m := d.guests[domain]; m != nil {
		delete(m, email)
	}
	return api, nil
}

func (d *Driver) setLive(domain, email string, g *liveGuest) {
	if d.guests == nil {
		d.guests = map[string]map[string]*liveGuest{}
	}
	if d.guests[domain] == nil {
		d.guests[domain] = map[string]*liveGuest{}
	}
	d.guests[domain][email] = g
}

// Cost counts the requests an apply of changes makes: the refresh's reads
// (apply refreshes first: the teams, the team's site pages, and each
// declared site's guest pages, as the last refresh counted them) and the
// writes (one per invitation or removal, two per role change made by
// removing and inviting again; none for manual steps). The budget is the
// team's requests_per_hour.
func (d *Driver) Cost(changes []plan.Change) (requests int, budgetPerHour int) {
	promoted := promotedIn(changes)
	reads := max(1, d.pages.teams) + max(1, d.pages.sites)
	for _, s := range d.team.Sites {
		reads += max(1, d.pages.guests[d.siteIDs[s.Addr.Site]])
	}
	writes := 0
	for i := range changes {
		c := &changes[i]
		if c.Addr.Kind != model.KindGrant || c.Addr.Email == "" {
			continue
		}
		if manual, _ := d.manual(c, promoted); manual {
			continue
		}
		switch c.Action {
		case plan.Create, plan.Delete:
			writes++
		case plan.Update:
			if roleChange(c) {
				writes += 2
			}
		}
	}
	return reads + writes, d.budget.PerHour()
}
