package ga4

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// Begin is told the changes about to be made; in GA4 none ride together.
func (d *Driver) Begin(changes []plan.Change) {}

// Manual reports the changes GA4's API cannot make: account settings.
func (d *Driver) Manual(c *plan.Change) (bool, string) {
	if c.Addr.Kind == model.KindTeam && c.Action == plan.Update {
		return true, "the Admin API does not change account settings (display_name, require_2fa, sso): an Administrator changes them in Google Analytics under Admin > Account settings"
	}
	return false, ""
}

// writes is how many requests a change sends: one, or none when only
// what roster alone keeps, or who holds a grant, changes.
func writes(c *plan.Change) int {
	switch c.Addr.Kind {
	case model.KindMember, model.KindGrant:
	default:
		return 0
	}
	if c.Action == plan.Update && c.Before != nil && c.After != nil && c.Before.Role == c.After.Role {
		return 0
	}
	return 1
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

// wireBinding is an AccessBinding as it is sent.
type wireBinding struct {
	User  string   `json:"user"`
	Roles []string `json:"roles"`
}

// parentOf is the binding parent of a member (the account) or a grant (its
// property), and what the binding is, for messages.
func (d *Driver) parentOf(a model.Address) (parent, what string, err error) {
	switch a.Kind {
	case model.KindMember:
		return d.live.account, fmt.Sprintf("the account binding of %s", a.Email), nil
	case model.KindGrant:
		if a.Group != "" {
			return "", "", fmt.Errorf("%s: Google Analytics has no user groups that roster can manage", a)
		}
		p, ok := d.live.siteIDs[a.Site]
		if !ok {
			return "", "", fmt.Errorf("%s: site %s was not found among the account's properties when roster read them", a, a.Site)
		}
		return "properties/" + p, fmt.Sprintf("the binding of %s on property %s", a.Email, p), nil
	}
	return "", "", fmt.Errorf("%s: Google Analytics has no API for this kind of change", a)
}

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

// bindingPath is the API path of a live binding's name, checked to be
// under parent so that a name never steers a request elsewhere.
func bindingPath(parent, name string) (string, error) {
	id, ok := strings.CutPrefix(name, parent+"/accessBindings/")
	if !ok || id == "" || strings.ContainsAny(id, "/?#%") || id == "." || id == ".." {
		return "", fmt.Errorf("the binding name %q is not one of %s", name, parent)
	}
	return APIPrefix + name, nil
}

// isAdminRole: the base role admin, whatever its restrictions.
func isAdminRole(role string) bool { return role == "admin" || strings.HasPrefix(role, "admin_") }

// keepsAdmin refuses to remove or demote the account's last direct
// Administrator other than the service account (ga4.md, Last
// administrator and self): the account would be left to roster's key.
func (d *Driver) keepsAdmin(c *plan.Change) error {
	if c.Addr.Kind != model.KindMember {
		return nil
	}
	b := d.live.members[c.Addr.Email]
	if b == nil || !isAdminRole(b.role) || (c.After != nil && isAdminRole(c.After.Role)) {
		return nil
	}
	for email, o := range d.live.members {
		if email != c.Addr.Email && email != d.self() && isAdminRole(o.role) {
			return nil
		}
	}
	return fmt.Errorf("%s: roster does not remove or demote the last Administrator of Google Analytics account %s besides its own service account; declare another person with the role admin first", c.Addr, d.team.Conn.AccountID)
}

// Apply makes one change: a POST, PATCH or DELETE of one binding.
func (d *Driver) Apply(ctx context.Context, c *plan.Change) (driver.Result, error) {
	if d.keyErr != nil {
		return driver.Result{}, fmt.Errorf("%s: %w", c.Addr, d.keyErr)
	}
	if !d.refreshed {
		return driver.Result{}, fmt.Errorf("%s: internal error: apply before refresh", c.Addr)
	}
	if writes(c) == 0 {
		return driver.Result{Outcome: driver.Applied}, nil
	}
	parent, what, err := d.parentOf(c.Addr)
	if err != nil {
		return driver.Result{}, err
	}
	email := c.Addr.Email
	if email == d.self() && c.Action != plan.Create {
		return driver.Result{}, fmt.Errorf("%s: roster never changes the binding of the service account whose key it uses (%s)", c.Addr, email)
	}
	live := d.bindingsOf(c.Addr)
	if err := d.keepsAdmin(c); err != nil {
		return driver.Result{}, err
	}
	var res driver.Result
	switch c.Action {
	case plan.Create, plan.Update:
		role := c.After.Role
		body := wireBinding{User: email, Roles: apiRoles(role)}
		var out apiBinding
		var api []string
		if b := live[email]; b != nil {
			// Exists: change its roles (the whole new list; no updateMask).
			path, perr := bindingPath(parent, b.name)
			if perr != nil {
				return res, fmt.Errorf("%s: %v", c.Addr, perr)
			}
			body.User = b.user
			api, err = d.call(ctx, http.MethodPatch, path, nil, body, httpc.Shaped{Shape: bindingShape, Into: &out})
		} else {
			api, err = d.call(ctx, http.MethodPost, APIPrefix+parent+"/accessBindings", nil, body, httpc.Shaped{Shape: bindingShape, Into: &out})
		}
		res.API = api
		if err != nil {
			var re *httpc.RequestError
			if c.Action == plan.Create && errors.As(err, &re) && re.Err == nil && re.Status == http.StatusBadRequest && live[email] == nil {
				if s, ok := parseStatus(re.Body); ok && s.Error.Status == "INVALID_ARGUMENT" {
					// ga4.md: a 400 on create means this address cannot be
					// bound (no Google account, say): a manual step.
					res.Outcome = driver.Manual
					return res, nil
				}
			}
			return res, d.apiErr(err, c.Addr, false, what)
		}
		if !strings.HasPrefix(out.Name, parent+"/accessBindings/") {
			return res, fmt.Errorf("%s: %s answered with the binding %q, not one of %s; run roster plan again", c.Addr, Platform, out.Name, parent)
		}
		user := out.User
		if user == "" {
			user = email
		}
		live[email] = &binding{name: out.Name, user: user, roles: out.Roles, role: role}
		res.Outcome = driver.Applied
		return res, nil
	case plan.Delete:
		b := live[email]
		if b == nil {
			return res, fmt.Errorf("%s: %s has no binding for %s at %s any more; run roster plan again", c.Addr, Platform, email, parent)
		}
		path, perr := bindingPath(parent, b.name)
		if perr != nil {
			return res, fmt.Errorf("%s: %v", c.Addr, perr)
		}
		res.API, err = d.call(ctx, http.MethodDelete, path, nil, nil, nil)
		if err != nil {
			return res, d.apiErr(err, c.Addr, false, what)
		}
		delete(live, email)
		res.Outcome = driver.Applied
		return res, nil
	}
	return res, fmt.Errorf("%s: unknown change %q", c.Addr, c.Action)
}
