package ga4

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// Begin is told the changes about to be made, in apply order. An
// Administrator's demotion or removal whose handover comes later in the
// same apply (another person made admin by an update: both are "other
// updates" in sync.md's order, sorted by address) makes that promotion
// first (handover).
func (d *Driver) Begin(changes []plan.Change) {
	d.run, d.made = changes, map[model.Address]bool{}
}

// handover is the change of this apply, not yet made, that makes another
// person an Administrator of the account and so lets c, which takes the
// last one besides the service account away, go through (CheckPlan
// passed them together); nil when c takes none away or none does.
func (d *Driver) handover(c *plan.Change) *plan.Change {
	if c.Addr.Kind != model.KindMember || !d.refreshed {
		return nil
	}
	roles, self := d.live.memberRoles(), d.self()
	if len(lastAdmin(roles, self, []plan.Change{*c})) == 0 {
		return nil
	}
	for i := range d.run {
		p := &d.run[i]
		if p.Addr == c.Addr || d.made[p.Addr] || p.Addr.Kind != model.KindMember || p.After == nil || !isAdminRole(p.After.Role) ||
			isAdminRole(roles[p.Addr.Email]) || p.Addr.Email == self {
			continue
		}
		if len(lastAdmin(roles, self, []plan.Change{*p, *c})) == 0 {
			return p
		}
	}
	return nil
}

// Manual reports the changes GA4's API cannot make: account settings;
// and a property binding that the refresh found moot (at or below the
// person's account role), which a plan made without a refresh may hold:
// it is never sent (ga4.md: do not create it).
func (d *Driver) Manual(c *plan.Change) (bool, string) {
	if c.Addr.Kind == model.KindTeam && c.Action == plan.Update {
		return true, "the Admin API does not change account settings (display_name, require_2fa, sso): an Administrator changes them in Google Analytics under Admin > Account settings"
	}
	if c.Action != plan.Delete && d.mootSkip[c.Addr] {
		return true, "this property binding adds nothing to the person's account role, which covers every property, so roster does not send it; remove the grant from the configuration"
	}
	return false, ""
}

// Cost is the refresh that apply makes (the token, the account summaries,
// the account's and each declared property's bindings, with their pages)
// and one request per change. GA4 has no hourly budget.
func (d *Driver) Cost(changes []plan.Change) (int, int) {
	n := 0
	for i := range changes {
		if m, _ := d.Manual(&changes[i]); !m {
			n += writes(&changes[i])
		}
	}
	reads := 3 + len(d.team.Sites)
	if d.refreshed {
		reads = 1 + d.live.accounts + d.live.pages
	}
	if n == 0 {
		return 0, 0
	}
	return reads + n, 0
}

// Apply makes one change: the POST, PATCH or DELETE of one binding that
// decide chose. A change made ahead as a handover's first step answers at
// once; a demotion or removal of the last Administrator besides the
// service account whose handover comes later in this apply makes that
// promotion first, so that the account never has no other Administrator.
func (d *Driver) Apply(ctx context.Context, c *plan.Change) (driver.Result, error) {
	if d.made[c.Addr] {
		delete(d.made, c.Addr)
		return driver.Result{Outcome: driver.Applied}, nil
	}
	p := d.handover(c)
	if p == nil {
		return d.apply(ctx, c)
	}
	first, err := d.apply(ctx, p)
	if err != nil {
		first.Riders = append(first.Riders, p.Addr)
		return first, err
	}
	d.made[p.Addr] = true
	res, err := d.apply(ctx, c)
	res.API = append(first.API, res.API...)
	res.Made = append(res.Made, p.Addr) // made, whatever became of c
	return res, err
}

// apply makes one change on its own.
func (d *Driver) apply(ctx context.Context, c *plan.Change) (driver.Result, error) {
	if d.c.keyErr != nil {
		return driver.Result{}, fmt.Errorf("%s: %w", c.Addr, d.c.keyErr)
	}
	if !d.refreshed {
		return driver.Result{}, fmt.Errorf("%s: internal error: apply before refresh", c.Addr)
	}
	req, send, err := decide(d.live, d.self(), d.team.Conn.AccountID, c)
	if err != nil {
		return driver.Result{}, err
	}
	if !send {
		return driver.Result{Outcome: driver.Applied}, nil
	}
	var res driver.Result
	email := c.Addr.Email
	live := d.bindingsOf(c.Addr)
	var out apiBinding
	var sent kit.Response
	// patched is the path of the binding a PATCH changed (req's, or after
	// a 409 the one found), whose name the answer must give.
	method, patched := req.Method, ""
	switch req.Method {
	case http.MethodDelete:
		sent, err = d.c.DeleteBinding(ctx, req.Path)
	case http.MethodPatch:
		patched = req.Path
		out, sent, err = d.c.PatchBinding(ctx, req.Path, *req.Body)
	default:
		out, sent, err = d.c.CreateBinding(ctx, req.Parent, *req.Body)
	}
	res.API = sent.API
	var se *StatusError
	if req.Method == http.MethodPost && errors.As(err, &se) && se.HTTP == http.StatusBadRequest {
		// ga4.md, Open questions: "Treat any 400 on create as 'cannot
		// bind this address'" (no Google account, say): a manual step,
		// which carries Google's words (redacted, as in every error).
		res.Outcome = driver.Manual
		res.Note = fmt.Sprintf("%s refused %s (%d): %s", Platform, req.Method+" "+APIPrefix+req.Parent+"/accessBindings", se.HTTP, d.message(se, req.What))
		return res, nil
	}
	if req.Method == http.MethodPost && errors.As(err, &se) && se.HTTP == http.StatusConflict {
		// ga4.md, What a reconciler must do, 4: "409 on create: list,
		// then PATCH" (a binding made since the refresh).
		out, patched, sent, err = d.patchExisting(ctx, req, email, se)
		res.API = append(res.API, sent.API...)
		if patched != "" {
			method = http.MethodPatch
		}
	}
	if err != nil {
		return res, d.apiErr(err, c.Addr, false, req.What)
	}
	if req.Method == http.MethodDelete {
		delete(live, email)
		res.Outcome = driver.Applied
		return res, nil
	}
	// ga4.md, Endpoints: a POST answers the binding made and a PATCH the
	// binding patched, each with its name, which roster keeps to PATCH or
	// DELETE it later. A name that is no binding of the parent, another
	// person's binding, or (a PATCH) not the binding patched makes
	// nothing roster can count; the name is the platform's words, quoted
	// redacted and cut.
	_, perr := bindingPath(req.Parent, out.Name)
	other := false
	for e, b := range live {
		other = other || b.name == out.Name && e != email
	}
	if perr != nil || other || patched != "" && APIPrefix+out.Name != patched {
		return res, fmt.Errorf("%s: %s answered %s with the binding \"%s\", not %s's under %s; roster does not count the change as made: run roster plan again",
			c.Addr, Platform, method, d.c.hc.Words(out.Name), email, req.Parent)
	}
	user := out.User
	if user == "" {
		user = email
	}
	live[email] = &binding{name: out.Name, user: user, roles: out.Roles, role: c.After.Role}
	res.Outcome = driver.Applied
	return res, nil
}

// bindingsOf is the live bindings at a change's parent, by email.
func (d *Driver) bindingsOf(a model.Address) map[string]*binding {
	if a.Kind == model.KindMember {
		return d.live.members
	}
	p := d.live.siteIDs[a.Site]
	if d.live.grants[p] == nil {
		d.live.grants[p] = map[string]*binding{}
	}
	return d.live.grants[p]
}

// patchExisting finds email's binding at req.Parent (a create answered
// 409) and PATCHes it to req's roles, giving the answer and the path
// patched ("" when nothing was sent); conflict stands when none is found
// or the one found holds a role roster does not know (the Marketer role).
func (d *Driver) patchExisting(ctx context.Context, req request, email string, conflict error) (apiBinding, string, kit.Response, error) {
	found, res, err := d.readBindings(ctx, req.Parent)
	if err != nil {
		return apiBinding{}, "", res, err
	}
	for _, b := range found {
		if !strings.EqualFold(strings.TrimSpace(b.User), email) {
			continue
		}
		have, known, _ := modelRole(b.Roles)
		if !known {
			return apiBinding{}, "", res, conflict // ga4.md: an unknown role's binding is left alone
		}
		if want, ok, _ := modelRole(req.Body.Roles); !ok || narrows(have, want) {
			// Made since the plan with more than it gives: a PATCH would
			// lower access the plan never showed (sync.md, Reading
			// safely: apply sends nothing the plan did not show).
			return apiBinding{}, "", res, fmt.Errorf("%s has been given %s on %s since the plan was made, more than the plan's %s; roster does not lower access the plan did not show: run roster plan again",
				email, have, req.Parent, want)
		}
		path, err := bindingPath(req.Parent, b.Name)
		if err != nil {
			return apiBinding{}, "", res, err
		}
		body := *req.Body
		body.User = b.User // the binding's own spelling: a PATCH may not change it (ga4.md)
		out, sent, err := d.c.PatchBinding(ctx, path, body)
		res.API = append(res.API, sent.API...)
		return out, path, res, err
	}
	return apiBinding{}, "", res, conflict
}
