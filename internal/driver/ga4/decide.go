package ga4

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// This file decides, without a network, what a change becomes: the one
// request that makes it (or none), and which changes the driver refuses
// or leaves out. Apply and Refresh carry the decisions out.

// request is the one request a change becomes.
type request struct {
	Method string
	Path   string       // APIPrefix + the parent's or the binding's name
	Body   *wireBinding // nil for a DELETE
	Parent string       // accounts/N or properties/P
	What   string       // the binding, for messages
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

// parentOf is the binding parent of a member (the account) or a grant (its
// property), and what the binding is, for messages.
func (st *liveState) parentOf(a model.Address) (parent, what string, err error) {
	switch a.Kind {
	case model.KindMember:
		return st.account, fmt.Sprintf("the account binding of %s", a.Email), nil
	case model.KindGrant:
		if a.Group != "" {
			return "", "", fmt.Errorf("%s: Google Analytics has no user groups that roster can manage", a)
		}
		p, ok := st.siteIDs[a.Site]
		if !ok {
			return "", "", fmt.Errorf("%s: site %s was not found among the account's properties when roster read them", a, a.Site)
		}
		return "properties/" + p, fmt.Sprintf("the binding of %s on property %s", a.Email, p), nil
	}
	return "", "", fmt.Errorf("%s: Google Analytics has no API for this kind of change", a)
}

// bindingOf is the live binding a change's address names, nil when none.
func (st *liveState) bindingOf(a model.Address) *binding {
	if a.Kind == model.KindMember {
		return st.members[a.Email]
	}
	return st.grants[st.siteIDs[a.Site]][a.Email]
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

// decide turns a change into the request that makes it, from the live
// state the refresh read (and earlier changes updated): a POST when the
// person has no binding at the parent, a PATCH of the whole roles list
// (no updateMask) when they have one, a DELETE for a removal (never a
// PATCH with no roles). send is false when the change sends nothing.
// It refuses a change of the service account's own binding and one that
// leaves the account with no other Administrator.
func decide(st *liveState, self, accountID string, c *plan.Change) (req request, send bool, err error) {
	if writes(c) == 0 {
		return request{}, false, nil
	}
	parent, what, err := st.parentOf(c.Addr)
	if err != nil {
		return request{}, false, err
	}
	email := c.Addr.Email
	if email == self && c.Action != plan.Create {
		return request{}, false, fmt.Errorf("%s: roster never changes the binding of the service account whose key it uses (%s)", c.Addr, email)
	}
	if bad := lastAdmin(st.memberRoles(), self, []plan.Change{*c}); len(bad) > 0 {
		return request{}, false, fmt.Errorf("%s: %s", c.Addr, lastAdminText(accountID, self))
	}
	req = request{Parent: parent, What: what}
	b := st.bindingOf(c.Addr)
	switch c.Action {
	case plan.Create, plan.Update:
		req.Body = &wireBinding{User: email, Roles: apiRoles(c.After.Role)}
		if b == nil {
			req.Method, req.Path = http.MethodPost, APIPrefix+parent+"/accessBindings"
			return req, true, nil
		}
		// Exists (an earlier run, or made by hand): change its roles,
		// under the address GA4 returned.
		req.Body.User = b.user
		req.Method = http.MethodPatch
	case plan.Delete:
		if b == nil {
			return request{}, false, fmt.Errorf("%s: %s has no binding for %s at %s any more; run roster plan again", c.Addr, Platform, email, parent)
		}
		req.Method = http.MethodDelete
	default:
		return request{}, false, fmt.Errorf("%s: unknown change %q", c.Addr, c.Action)
	}
	if req.Path, err = bindingPath(parent, b.name); err != nil {
		return request{}, false, fmt.Errorf("%s: %v", c.Addr, err)
	}
	return req, true, nil
}

// memberRoles is each live account binding's profile role, by email.
func (st *liveState) memberRoles() map[string]string {
	out := make(map[string]string, len(st.members))
	for e, b := range st.members {
		out[e] = b.role
	}
	return out
}

// isAdminRole: the base role admin, whatever its restrictions.
func isAdminRole(role string) bool { return role == "admin" || strings.HasPrefix(role, "admin_") }

// lastAdmin returns the changes, in order, that take an Administrator
// away (a removal, or a role without admin) when, once every change is
// made on the account's live roles (email → role), no direct
// Administrator other than self is left. GA4 keeps no Administrator
// besides roster's key then (ga4.md, Last administrator and self).
// An account that has none besides self already is refused nothing that
// takes no Administrator away.
func lastAdmin(roles map[string]string, self string, changes []plan.Change) []*plan.Change {
	after := make(map[string]string, len(roles))
	for e, r := range roles {
		after[e] = r
	}
	var took []*plan.Change
	for i := range changes {
		c := &changes[i]
		if c.Addr.Kind != model.KindMember || writes(c) == 0 {
			continue
		}
		was := isAdminRole(after[c.Addr.Email])
		switch c.Action {
		case plan.Delete:
			delete(after, c.Addr.Email)
		case plan.Create, plan.Update:
			after[c.Addr.Email] = c.After.Role
		}
		if was && !isAdminRole(after[c.Addr.Email]) {
			took = append(took, c)
		}
	}
	if len(took) == 0 {
		return nil
	}
	for e, r := range after {
		if e != self && isAdminRole(r) {
			return nil
		}
	}
	return took
}

func lastAdminText(accountID, self string) string {
	return fmt.Sprintf("that is the last Administrator of Google Analytics account %s besides roster's own service account %s, and roster never leaves the account to its key alone; declare another person with the role admin first", accountID, self)
}

// CheckPlan refuses, before anything is sent, a team's changes that
// together leave the account with no Administrator besides the service
// account (driver.PlanChecker), naming each change that takes one away.
func (d *Driver) CheckPlan(changes []plan.Change) error {
	if !d.refreshed {
		return nil
	}
	took := lastAdmin(d.live.memberRoles(), d.self(), changes)
	if len(took) == 0 {
		return nil
	}
	what := make([]string, len(took))
	for i, c := range took {
		was := "admin"
		if b := d.live.members[c.Addr.Email]; b != nil {
			was = b.role
		}
		if c.Action == plan.Delete {
			what[i] = fmt.Sprintf("%s would be removed (role %s)", c.Addr, was)
		} else {
			what[i] = fmt.Sprintf("%s would change from %s to %s", c.Addr, was, c.After.Role)
		}
	}
	return fmt.Errorf("%s, but %s", strings.Join(what, "; "), lastAdminText(d.team.Conn.AccountID, d.self()))
}

// mootGrant is a declared grant that adds nothing to the same person's
// declared account role.
type mootGrant struct {
	grant    *model.Object
	teamRole string
}

// mootGrants are the declared grants that add nothing to the same
// person's declared team role: an account binding covers every property
// and a property binding can only raise it (ga4.md, Direct vs effective
// access), so such a grant neither narrows nor widens their access.
// Sorted by address.
func mootGrants(p *model.Platform, declared []*model.Object) []mootGrant {
	if p == nil {
		return nil
	}
	teamRole := map[string]string{}
	for _, o := range declared {
		if o.Addr.Kind == model.KindMember {
			teamRole[o.Addr.Email] = o.Role
		}
	}
	var out []mootGrant
	for _, o := range declared {
		if o.Addr.Kind != model.KindGrant || o.Addr.Group != "" || o.Addr.Email == "" || teamRole[o.Addr.Email] == "" {
			continue
		}
		tr, ok1 := p.TeamRole(teamRole[o.Addr.Email])
		sr, ok2 := p.SiteRole(o.Role)
		if ok1 && ok2 && sr.Caps.Minus(tr.Caps) == 0 && len(o.Capabilities) == 0 {
			out = append(out, mootGrant{grant: o, teamRole: tr.Name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].grant.Addr.String() < out[j].grant.Addr.String() })
	return out
}
