package policy

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// Rule names, as the policy block spells them.
const (
	RuleInternalDomains   = "internal_domains"
	RuleMinOwners         = "min_owners"
	RuleExternalExpiry    = "external_expiry"
	RuleMaxGrantDays      = "max_grant_days"
	RuleRequireTicket     = "require_ticket"
	RuleExternalForbidden = "external_forbidden"
	RuleMaxRemovals       = "max_removals"
	RuleDistinctApprover  = "distinct_approver"
	RuleDirectory         = "directory"
	RuleSponsorRequired   = "sponsor_required"
)

// IsExternal reports whether email is outside the internal domains: its
// domain is neither one of them nor a subdomain of one (case-insensitive).
// With no internal domains nobody is external.
func IsExternal(email string, internal []string) bool {
	if len(internal) == 0 {
		return false
	}
	d := strings.ToLower(model.EmailDomain(email))
	for _, in := range internal {
		in = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(in), "@"))
		if d == in || strings.HasSuffix(d, "."+in) {
			return false
		}
	}
	return true
}

// Check runs every rule that needs only the configuration, as of now, and
// returns the violations as errors and the advice as warnings, sorted by
// place.
func Check(cfg *model.Config, now time.Time) hcl.Diagnostics {
	idx := newIndex(cfg)
	var diags hcl.Diagnostics
	p := cfg.Policy
	if p == nil {
		p = &model.Policy{}
	} else if len(p.InternalDomains) == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Policy internal_domains is not set",
			Detail:   "Without internal_domains nobody counts as external, so external_expiry and external_forbidden check nothing and plans tag no change as external. Set internal_domains to your own email domains.",
			Subject:  rangePtr(p.Range),
		})
	}
	diags = append(diags, MinOwners(idx, p, now)...)
	diags = append(diags, objectRules(idx, p, now)...)
	sortDiags(diags)
	return diags
}

// CheckObjects runs the rules that judge each declaration on its own
// (external_expiry, max_grant_days, require_ticket, external_forbidden),
// for a configuration with other errors: their diagnostics are reported
// with those (schema/language.md: all diagnostics of a run together), while
// min_owners, which counts a team's owners, waits until every
// declaration loads, lest it count without the ones that failed.
func CheckObjects(cfg *model.Config, now time.Time) hcl.Diagnostics {
	if cfg == nil || cfg.Policy == nil {
		return nil
	}
	diags := objectRules(newIndex(cfg), cfg.Policy, now)
	sortDiags(diags)
	return diags
}

func objectRules(idx *index, p *model.Policy, now time.Time) hcl.Diagnostics {
	var diags hcl.Diagnostics
	diags = append(diags, ExternalExpiry(idx, p)...)
	diags = append(diags, MaxGrantDays(idx, p, now)...)
	diags = append(diags, RequireTicket(idx, p)...)
	diags = append(diags, ExternalForbidden(idx, p)...)
	diags = append(diags, Directory(idx, p, now)...)
	diags = append(diags, Sponsors(idx, p, now)...)
	return diags
}

// CheckPlan runs the rules that need the plan: max_removals, and without
// it the default mass-removal rail (schema/language.md, policy additions).
func CheckPlan(cfg *model.Config, pl *plan.Plan) hcl.Diagnostics {
	p := cfg.Policy
	if p == nil {
		p = &model.Policy{}
	}
	if p.MaxRemovals == nil {
		return MassRemoval(cfg, pl)
	}
	return MaxRemovals(p, pl)
}

// index is the configuration arranged for the rules.
type index struct {
	cfg       *model.Config
	teams     []*model.Object
	members   []*model.Object
	grants    []*model.Object
	platforms map[string]*model.Platform // by team name
	groups    map[string]*model.Object   // by group address
}

func newIndex(cfg *model.Config) *index {
	idx := &index{cfg: cfg, platforms: map[string]*model.Platform{}, groups: map[string]*model.Object{}}
	for _, o := range cfg.Objects {
		switch o.Addr.Kind {
		case model.KindTeam:
			idx.teams = append(idx.teams, o)
			idx.platforms[o.Addr.Team] = cfg.Platforms[o.Platform]
		case model.KindMember:
			idx.members = append(idx.members, o)
		case model.KindGrant:
			idx.grants = append(idx.grants, o)
		case model.KindGroup:
			idx.groups[o.Addr.String()] = o
		}
	}
	return idx
}

func (idx *index) caps(team string, kind model.RoleKind, role string) (model.CapSet, bool) {
	p := idx.platforms[team]
	if p == nil {
		return 0, false
	}
	r, ok := p.Role(kind, role)
	if !ok {
		return 0, false
	}
	return r.Caps, true
}

func rangePtr(r hcl.Range) *hcl.Range {
	if r.Filename == "" {
		return nil
	}
	return &r
}

func declRange(o *model.Object) *hcl.Range {
	if o.Decl == nil {
		return nil
	}
	return rangePtr(o.Decl.Range.HCL())
}

// holderRange is where a person's declaration starts: the member or guest
// block (for a grant, its holder).
func holderRange(o *model.Object) *hcl.Range {
	if o.Decl == nil {
		return nil
	}
	if o.Addr.Kind == model.KindGrant && o.Decl.HolderRange().HasFile() {
		return rangePtr(o.Decl.HolderRange().HCL())
	}
	return rangePtr(o.Decl.Range.HCL())
}

func violation(rule string, addr model.Address, summary, detail string, subject *hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Policy %s: %s", rule, summary),
		Detail:   fmt.Sprintf("%s: %s", addr, detail),
		Subject:  subject,
		Extra:    Violation{Rule: rule},
	}
}

// Violation is the Extra of every diagnostic that reports a broken policy
// rule: which rule, for callers that act on it (the summary only says it).
type Violation struct {
	Rule string
}

// RuleOf is the rule d reports broken, false when d is no violation.
func RuleOf(d *hcl.Diagnostic) (string, bool) {
	v, ok := d.Extra.(Violation)
	return v.Rule, ok
}

func warning(summary, detail string, subject *hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: detail, Subject: subject}
}

func expired(o *model.Object, now time.Time) bool {
	t, ok := o.ExpiresAt()
	return ok && now.After(t)
}

// MinOwners: every team has at least min_owners members whose team role is
// named "owner" and who have not expired at now. A platform without an
// owner role is skipped. With min_owners unset, a team with exactly one
// owner gets a warning: the platforms' documentation advises two.
func MinOwners(idx *index, p *model.Policy, now time.Time) hcl.Diagnostics {
	owners := map[string][]string{}
	for _, m := range idx.members {
		if m.Role == model.RoleOwner && !expired(m, now) {
			owners[m.Addr.Team] = append(owners[m.Addr.Team], m.Addr.Email)
		}
	}
	var diags hcl.Diagnostics
	for _, t := range idx.teams {
		pl := idx.platforms[t.Addr.Team]
		if pl == nil {
			continue
		}
		if _, ok := pl.TeamRole(model.RoleOwner); !ok {
			continue
		}
		got := owners[t.Addr.Team]
		who := "none"
		if len(got) > 0 {
			who = strings.Join(got, ", ")
		}
		switch {
		case p.MinOwners != nil && len(got) < *p.MinOwners:
			diags = append(diags, violation(RuleMinOwners, t.Addr,
				fmt.Sprintf("team %s has %s", t.Addr.Team, countOwners(len(got))),
				fmt.Sprintf("the policy asks for at least %d owners (min_owners = %d) and the team has %d not expired at now (%s). Declare another member with role = \"owner\" so the team cannot be locked out when an owner leaves.", *p.MinOwners, *p.MinOwners, len(got), who),
				declRange(t)))
		case p.MinOwners == nil && len(got) == 1:
			diags = append(diags, warning(
				fmt.Sprintf("Team %s has a single owner", t.Addr.Team),
				fmt.Sprintf("%s: %s is the only owner. The platforms' own advice is to keep at least two owners, so that nobody is locked out when one leaves; set min_owners in the policy to enforce it.", t.Addr, got[0]),
				declRange(t)))
		}
	}
	return diags
}

func countOwners(n int) string {
	if n == 1 {
		return "1 owner"
	}
	return fmt.Sprintf("%d owners", n)
}

// ExternalExpiry: every external person's access has an expiry — their
// membership, or each of their grants. With external_expiry unset, a guest
// grant without expiry gets a warning.
func ExternalExpiry(idx *index, p *model.Policy) hcl.Diagnostics {
	var diags hcl.Diagnostics
	warned := map[string]bool{}
	check := func(o *model.Object, what string) {
		if o.Expires != "" {
			return
		}
		if p.ExternalExpiry {
			if IsExternal(o.Addr.Email, p.InternalDomains) {
				diags = append(diags, violation(RuleExternalExpiry, o.Addr,
					"external person without expiry",
					fmt.Sprintf("%s is external (not in internal_domains) and their %s has no expires. Set expires on the %s (or on this grant) so the access ends by itself.", o.Addr.Email, what, holderWord(o)),
					holderRange(o)))
			}
			return
		}
		if o.Addr.Kind == model.KindGrant && o.HolderKind == model.HolderGuest && !warned[o.Addr.Team+"/"+o.Addr.Email] {
			warned[o.Addr.Team+"/"+o.Addr.Email] = true
			diags = append(diags, warning(
				"Guest without expiry",
				fmt.Sprintf("%s: guests are usually external collaborators, whose access should end by itself on a date. Set expires on the guest, or external_expiry = true in the policy to require it.", o.Addr),
				holderRange(o)))
		}
	}
	for _, m := range idx.members {
		check(m, "team membership")
	}
	for _, g := range idx.grants {
		if g.Addr.Email != "" {
			check(g, "grant on "+g.Addr.Site)
		}
	}
	return diags
}

func holderWord(o *model.Object) string {
	if o.Addr.Kind == model.KindMember || o.HolderKind == model.HolderMember {
		return "member"
	}
	return "guest"
}

// MaxGrantDays: no expiry that is set lies more than max_grant_days after
// now. An expiry exactly at the limit is allowed.
func MaxGrantDays(idx *index, p *model.Policy, now time.Time) hcl.Diagnostics {
	if p.MaxGrantDays == nil {
		return nil
	}
	limit := now.Add(time.Duration(*p.MaxGrantDays) * 24 * time.Hour)
	// An expiry written as a date lasts to the end of that day: the
	// date N days from now is within the limit (schema/language.md).
	y, m, d := limit.UTC().Date()
	dateLimit := time.Date(y, m, d, 23, 59, 59, 0, time.UTC)
	var diags hcl.Diagnostics
	reported := map[hcl.Range]bool{}
	check := func(o *model.Object) {
		t, ok := o.ExpiresAt()
		lim := limit
		if o.Decl != nil && isDate(o.Decl.ExpiresText) {
			lim = dateLimit
		}
		if !ok || !t.After(lim) {
			return
		}
		r := declRange(o)
		if o.Decl != nil && o.Decl.ExpiresRange.HasFile() {
			r = rangePtr(o.Decl.ExpiresRange.HCL())
			if reported[*r] {
				return // grants inheriting one expires: said once, there
			}
			reported[*r] = true
		}
		text := o.Expires
		if o.Decl != nil && o.Decl.ExpiresText != "" {
			text = o.Decl.ExpiresText
		}
		diags = append(diags, violation(RuleMaxGrantDays, o.Addr,
			"expiry too far away",
			fmt.Sprintf("it expires %s, more than %d days after now (%s); the latest allowed is %s. Shorten expires and renew the access when it is still needed.", text, *p.MaxGrantDays, now.UTC().Format(time.RFC3339), latest(lim, o)),
			r))
	}
	for _, m := range idx.members {
		check(m)
	}
	for _, g := range idx.grants {
		check(g)
	}
	return diags
}

// isDate reports whether an expiry was written as a date (YYYY-MM-DD).
func isDate(text string) bool {
	_, err := time.Parse(time.DateOnly, text)
	return err == nil
}

// latest words the latest expiry allowed, as the expiry was written: a
// date, or a time in UTC.
func latest(lim time.Time, o *model.Object) string {
	if o.Decl != nil && isDate(o.Decl.ExpiresText) {
		return lim.UTC().Format(time.DateOnly)
	}
	return lim.UTC().Format(time.RFC3339)
}

// RequireTicket: every member, guest and grant carries a ticket (a grant
// inherits its holder's).
func RequireTicket(idx *index, p *model.Policy) hcl.Diagnostics {
	if !p.RequireTicket {
		return nil
	}
	var diags hcl.Diagnostics
	for _, m := range idx.members {
		if m.Ticket == "" {
			diags = append(diags, violation(RuleRequireTicket, m.Addr, "member without ticket",
				"every member, guest and grant must carry a ticket (require_ticket = true). Add ticket = \"…\" naming the access request.", declRange(m)))
		}
	}
	for _, g := range idx.grants {
		if g.Ticket == "" {
			diags = append(diags, violation(RuleRequireTicket, g.Addr, "grant without ticket",
				"every member, guest and grant must carry a ticket (require_ticket = true). Add ticket = \"…\" to the grant or to its holder.", declRange(g)))
		}
	}
	return diags
}

// ExternalForbidden: no external person holds a forbidden capability,
// through their team role, their own grants or their groups' grants.
func ExternalForbidden(idx *index, p *model.Policy) hcl.Diagnostics {
	if len(p.ExternalForbidden) == 0 || len(p.InternalDomains) == 0 {
		return nil
	}
	forbidden := model.CapSetOf(p.ExternalForbidden...)
	var diags hcl.Diagnostics
	report := func(o *model.Object, person, how string, caps model.CapSet) {
		bad := caps & forbidden
		if bad == 0 {
			return
		}
		r := declRange(o)
		if o.Decl != nil && o.Decl.RoleRange.HasFile() {
			r = rangePtr(o.Decl.RoleRange.HCL())
		}
		diags = append(diags, violation(RuleExternalForbidden, o.Addr,
			"forbidden to external people",
			fmt.Sprintf("%s is external and %s gives %s, which external_forbidden keeps from external people. Choose a role without it.", person, how, strings.Join(bad.Strings(), ", ")),
			r))
	}
	for _, m := range idx.members {
		if !IsExternal(m.Addr.Email, p.InternalDomains) {
			continue
		}
		if caps, ok := idx.caps(m.Addr.Team, model.TeamRole, m.Role); ok {
			report(m, m.Addr.Email, fmt.Sprintf("the team role %q", m.Role), caps)
		}
	}
	for _, g := range idx.grants {
		caps, ok := idx.caps(g.Addr.Team, model.SiteRole, g.Role)
		if !ok {
			continue
		}
		what := fmt.Sprintf("the site role %q", g.Role)
		if len(g.Capabilities) > 0 {
			// A grant's explicit platform capabilities count too.
			caps |= idx.platforms[g.Addr.Team].GrantCapSet(g.Capabilities)
			what = fmt.Sprintf("the site role %q with %s", g.Role, strings.Join(g.Capabilities, ", "))
		}
		if g.Addr.Email != "" {
			if IsExternal(g.Addr.Email, p.InternalDomains) {
				report(g, g.Addr.Email, fmt.Sprintf("%s on %s", what, g.Addr.Site), caps)
			}
			continue
		}
		grp := idx.groups[model.GroupAddress(g.Addr.Team, g.Addr.Group).String()]
		if grp == nil {
			continue
		}
		for _, person := range grp.Members {
			if IsExternal(person, p.InternalDomains) {
				report(g, person, fmt.Sprintf("the group %s's site role %q on %s", g.Addr.Group, g.Role, g.Addr.Site), caps)
			}
		}
	}
	return diags
}

// MaxRemovals: a plan removing more accesses (deletions tagged removal:
// expired, drift and declared removals alike) than max_removals is refused
// unless the rail was lifted for this run. max_removals = 0 turns the rail
// off (schema/language.md, policy additions).
func MaxRemovals(p *model.Policy, pl *plan.Plan) hcl.Diagnostics {
	if p.MaxRemovals == nil || *p.MaxRemovals == 0 || pl.AllowMassRemoval {
		return nil
	}
	n := 0
	for i := range pl.Changes {
		if isRemoval(&pl.Changes[i]) {
			n++
		}
	}
	if n <= *p.MaxRemovals {
		return nil
	}
	r := rangePtr(p.Range)
	if ar, ok := p.AttrRanges[RuleMaxRemovals]; ok {
		r = rangePtr(ar)
	}
	return hcl.Diagnostics{&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Policy %s: the plan removes %d accesses", RuleMaxRemovals, n),
		Detail:   fmt.Sprintf("The plan removes %d memberships and grants, more than max_removals = %d allows in one run. Check that this is intended (a deleted file or a wrong --now can remove everyone), then run again with --allow-mass-removal to lift the limit for this run only.", n, *p.MaxRemovals),
		Subject:  r,
		Extra:    Violation{Rule: RuleMaxRemovals},
	}}
}

// Thresholds of the default mass-removal rail: a team loses more than
// massRemovalMin accesses and more than a quarter of its accesses.
const massRemovalMin = 10

func isRemoval(c *plan.Change) bool {
	return c.Action == plan.Delete && c.HasRisk(plan.RiskRemoval)
}

// MassRemoval is the rail without max_removals: a plan that removes more
// than 10 of a team's accesses (memberships and grants) and more than a
// quarter of those the team has before the plan is refused, with the
// max_removals diagnostic, unless the rail was lifted for this run. A
// team's accesses before the plan are those the plan keeps unchanged,
// updates or removes.
func MassRemoval(cfg *model.Config, pl *plan.Plan) hcl.Diagnostics {
	if pl.AllowMassRemoval {
		return nil
	}
	removed := map[string]int{}
	before := map[string]int{}
	changed := map[string]bool{}
	for i := range pl.Changes {
		c := &pl.Changes[i]
		changed[c.Addr.String()] = true
		if c.Addr.Kind != model.KindMember && c.Addr.Kind != model.KindGrant {
			continue
		}
		switch {
		case isRemoval(c):
			removed[c.Addr.Team]++
			before[c.Addr.Team]++
		case c.Action != plan.Create && c.Before != nil:
			before[c.Addr.Team]++
		}
	}
	if len(removed) == 0 {
		return nil
	}
	teamRange := map[string]*hcl.Range{}
	for _, o := range cfg.Objects {
		switch o.Addr.Kind {
		case model.KindMember, model.KindGrant:
			if !changed[o.Addr.String()] {
				before[o.Addr.Team]++
			}
		case model.KindTeam:
			teamRange[o.Addr.Team] = declRange(o)
		}
	}
	teams := slices.Sorted(maps.Keys(removed))
	var diags hcl.Diagnostics
	for _, t := range teams {
		n, of := removed[t], before[t]
		if n <= massRemovalMin || 4*n <= of {
			continue
		}
		r := teamRange[t]
		if cfg.Policy != nil && rangePtr(cfg.Policy.Range) != nil && r == nil {
			r = rangePtr(cfg.Policy.Range)
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Policy %s: the plan removes %d accesses", RuleMaxRemovals, n),
			Detail:   fmt.Sprintf("The plan removes %d of team %s's %d memberships and grants: more than %d, and more than a quarter of the team's, which roster refuses by default when the policy sets no max_removals. Check that this is intended (a deleted file or a wrong account can empty a team), then run again with --allow-mass-removal to lift the limit for this run only, or set max_removals in the policy (0 turns this rail off).", n, t, of, massRemovalMin),
			Subject:  r,
			Extra:    Violation{Rule: RuleMaxRemovals},
		})
	}
	return diags
}

func sortDiags(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		if a == nil || b == nil {
			return a == nil && b != nil
		}
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
}
