package plausible

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/plan"
)

// Begin remembers who this apply makes a team member: their guest
// removals are part of the manual step that promotes them.
func (d *Driver) Begin(changes []plan.Change) { d.promoted = promotedIn(changes) }

// Manual reports the changes Plausible's API cannot make (view.manual).
func (d *Driver) Manual(c *plan.Change) (bool, string) { return d.view(d.promoted).manual(c) }

// Apply makes one change: it sends the requests decide says, in order.
func (d *Driver) Apply(ctx context.Context, c *plan.Change) (driver.Result, error) {
	if !d.refreshed {
		return driver.Result{}, fmt.Errorf("%s: the Plausible driver must refresh team %s before applying changes", c.Addr, d.team.Name)
	}
	dec, err := d.view(d.promoted).decide(c)
	if err != nil {
		return driver.Result{}, err
	}
	var api []string
	for _, r := range dec.requests {
		switch r.op {
		case deleteGuest:
			lines, err := d.remove(ctx, c, r.domain, r.email)
			api = append(api, lines...)
			if err != nil {
				return driver.Result{API: api}, err // a failed change has no outcome
			}
		case putGuest:
			return d.invite(ctx, c, r, api)
		}
	}
	return driver.Result{Outcome: dec.outcome, API: api}, nil
}

// invite sends PUT guest. Plausible finds or creates by email: an existing
// guest comes back unchanged. If it comes back with another role (the
// guest was added since the refresh), the change fails with an error
// saying so: replacing an invitation, or a guest's access, would take a
// DELETE that the plan did not show (sync.md, Reading safely). A new plan
// shows it: an invitation to update, or a role to change by hand or with
// --reinvite.
func (d *Driver) invite(ctx context.Context, c *plan.Change, r request, api []string) (driver.Result, error) {
	domain, email, role := r.domain, r.email, r.role
	got, res, err := d.api.PutGuest(ctx, GuestRequest{SiteID: domain, Email: email, Role: role})
	api = append(api, res.API...)
	if err != nil {
		if status(err) == http.StatusInternalServerError {
			return driver.Result{API: api}, &driver.APIError{Address: c.Addr, Platform: Platform, Status: http.StatusInternalServerError,
				Request: "PUT " + guestsPath,
				Message: fmt.Sprintf("Plausible could not invite %s as a guest of %s; it answers so when %s is already a member of team %s (or the team has reached its member limit). If they are a team member, declare them as a member instead of a guest; otherwise check the team's member limit in Plausible",
					email, domain, email, d.team.Name)}
		}
		return driver.Result{API: api}, kit.AtChange(err, c.Addr)
	}
	// The answer's words are Plausible's: quoted as every refusal's
	// are (httpc.Client.Words).
	words := d.api.hc.Words
	if !strings.EqualFold(got.Email, email) {
		// plausible.md, Endpoints: PUT answers the guest row of the
		// email sent (citext: any case); another's confirms nothing.
		return driver.Result{API: api}, &driver.APIError{Address: c.Addr, Platform: Platform, Status: http.StatusOK,
			Request: "PUT " + guestsPath,
			Message: fmt.Sprintf("the answer is the guest row of \"%s\", not of %s, so roster does not count the invitation as made; run roster plan again to see what Plausible holds", words(got.Email), email)}
	}
	if got.Status != statusInvited && got.Status != statusAccepted {
		return driver.Result{API: api}, &driver.APIError{Address: c.Addr, Platform: Platform, Status: http.StatusOK,
			Request: "PUT " + guestsPath,
			Message: fmt.Sprintf("the answer has guest status \"%s\", which roster does not know (invited or accepted); run roster plan again to see what Plausible holds", words(got.Status))}
	}
	d.setLive(domain, email, &liveGuest{role: got.Role, status: got.Status})
	if got.Role == role {
		if got.Status == statusAccepted {
			return driver.Result{Outcome: driver.Applied, API: api}, nil
		}
		return driver.Result{Outcome: driver.Invited, API: api}, nil
	}
	if got.Status == statusInvited {
		return driver.Result{API: api}, &driver.APIError{Address: c.Addr, Platform: Platform, Status: http.StatusOK,
			Request: "PUT " + guestsPath,
			Message: fmt.Sprintf("%s has been invited to %s as %s since the plan was made, and roster does not replace an invitation the plan did not show; run roster plan again",
				email, domain, words(got.Role))}
	}
	return driver.Result{API: api}, &driver.APIError{Address: c.Addr, Platform: Platform, Status: http.StatusOK,
		Request: "PUT " + guestsPath,
		Message: fmt.Sprintf("%s is already a guest of %s as %s (%s), and Plausible's API cannot change a guest's role; run roster plan again to see it as drift",
			email, domain, words(got.Role), got.Status)}
}

// status is the HTTP status a failed call got (0: none).
func status(err error) int {
	var ae *driver.APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	var re *httpc.RequestError
	if errors.As(err, &re) {
		return re.Status
	}
	return 0
}

// remove sends DELETE guest and forgets the guest.
func (d *Driver) remove(ctx context.Context, c *plan.Change, domain, email string) ([]string, error) {
	res, err := d.api.DeleteGuest(ctx, domain, email)
	if err != nil {
		return res.API, kit.AtChange(err, c.Addr)
	}
	if m := d.guests[domain]; m != nil {
		delete(m, email)
	}
	return res.API, nil
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
// writes (view.writes). The budget is the team's requests_per_hour.
func (d *Driver) Cost(changes []plan.Change) (requests int, budgetPerHour int) {
	reads := max(1, d.pages.teams) + max(1, d.pages.sites)
	for _, s := range d.team.Sites {
		reads += max(1, d.pages.guests[d.siteIDs[s.Addr.Site]])
	}
	return reads + d.view(promotedIn(changes)).writes(changes), d.budget.PerHour()
}
