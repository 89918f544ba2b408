package config

import (
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/roster-dev/roster/internal/model"
)

// holder is a member, guest or group as its grants see it: whose grants
// they are and what they inherit.
type holder struct {
	team   *teamDecl
	kind   model.HolderKind
	email  string // member, guest
	group  string // group
	rng    hcl.Range
	reason string
	ticket string
	exp    expiry
	// sponsor and sponsorRng: a member's or guest's sponsor, which their
	// grants carry too.
	sponsor    string
	sponsorRng hcl.Range
	// decl is what every object of the holder shares (model.Decl.Holder),
	// made once by declOf.
	decl *model.HolderDecl
}

// declOf is what every object h declares shares, made on first use.
func (l *loader) declOf(h *holder) *model.HolderDecl {
	if h.decl == nil {
		h.decl = &model.HolderDecl{Range: l.spans.Span(h.rng), Sponsor: h.sponsor, SponsorRange: l.spans.Span(h.sponsorRng)}
	}
	return h.decl
}

func (h *holder) describe() string {
	if h.kind == model.HolderGroup {
		return "group " + quote(h.group)
	}
	return string(h.kind) + " " + h.email
}

// decodePerson decodes a member or guest block, once per repetition when
// it has for_each.
func (l *loader) decodePerson(b *hcl.Block, kind model.HolderKind) {
	sch := memberSchema
	if kind == model.HolderGuest {
		sch = guestSchema
	}
	var s slots
	static := l.content(b.Body, sch, b.DefRange, &s)
	if s[aForEach] == nil {
		if s[aEmail] != nil {
			l.errorf(s[aEmail].Range(), "Email not allowed without for_each",
				"email is only allowed with for_each; without for_each the label %q is the person's email.", b.Labels[0])
		}
		l.person(b, kind, &s, static, l.ctx, false)
		return
	}
	if s[aEmail] == nil {
		l.errorf(b.DefRange, "Missing email",
			"A %s with for_each takes the person from email (for example email = each.key); the label %q only names the repetition.", kind, b.Labels[0])
		return
	}
	reps, ok := l.forEach(s[aForEach])
	if !ok {
		return
	}
	for _, r := range reps {
		l.person(b, kind, &s, static, r.ctx, true)
	}
}

func (l *loader) person(b *hcl.Block, kind model.HolderKind, s *slots, static []*hcl.Block, ctx *hcl.EvalContext, repeated bool) {
	raw, emailRng, dupRng := b.Labels[0], b.LabelRanges[0], b.LabelRanges[0]
	if repeated {
		var ok bool
		if raw, ok = l.str(s[aEmail], ctx, "email", true); !ok {
			return
		}
		emailRng, dupRng = s[aEmail].Range(), b.DefRange
	}
	email, err := model.ParseEmail(raw)
	if err != nil {
		l.errorf(emailRng, "Invalid email", "%s.", sentence(err))
	}
	t := l.lookupTeam(s[aTeam], ctx)
	h := &holder{team: t, kind: kind, email: email, rng: b.DefRange}
	h.reason, _ = l.text(s[aReason], ctx, "reason")
	h.ticket, _ = l.text(s[aTicket], ctx, "ticket")
	h.exp = l.expiry(s[aExpires], ctx, b.DefRange)
	if raw, ok := l.str(s[aSponsor], ctx, "sponsor", false); ok && raw != "" {
		sp, err := model.ParseEmail(raw)
		if err != nil {
			l.errorf(s[aSponsor].Range(), "Invalid sponsor", "sponsor must be the email of the internal person responsible for this access: %s.", sentence(err))
		} else {
			h.sponsor, h.sponsorRng = sp, s[aSponsor].Range()
		}
	}

	var p *model.Platform
	if t != nil {
		p = t.platform
	}
	var role string
	roleOK := false
	if kind == model.HolderMember {
		role, roleOK = l.str(s[aRole], ctx, "role", true)
		if roleOK && p != nil {
			if _, ok := p.TeamRole(role); !ok {
				l.errorf(s[aRole].Range(), "Invalid role",
					"role = %q is not a team role of platform %q; its team roles are %s.", role, p.Name, model.QuoteList(p.RoleNames(model.TeamRole, false)))
				roleOK = false
			}
		}
	}
	if kind == model.HolderGuest && p != nil && !p.Guests {
		l.errorf(b.DefRange, "Guests not supported",
			"Platform %q has no guests (guests = false in its profile); declare the person as a member of team %q instead.", p.Name, t.name)
		return
	}
	if t == nil || err != nil {
		return
	}
	if prev, dup := t.people[email]; dup {
		switch {
		case prev.kind != kind:
			l.errorf(dupRng, "Member and guest",
				"%s is already a %s of team %q (declared at %s); a person is either a member or a guest of a team, not both.", email, prev.kind, t.name, at(prev.rng))
		default:
			l.errorf(dupRng, "Duplicate "+string(kind),
				"%s is already a %s of team %q (declared at %s); emails are compared without regard to case, and a person is declared once per team.", email, kind, t.name, at(prev.rng))
		}
		return
	}
	t.people[email] = &personDecl{kind: kind, rng: b.DefRange}

	if kind == model.HolderMember && roleOK {
		d := &model.Decl{
			Range:        l.spans.Span(b.DefRange),
			RoleRange:    l.spans.Span(s[aRole].Range()),
			ExpiresRange: l.spans.Span(h.exp.rng),
			ExpiresText:  h.exp.text,
			Holder:       l.declOf(h),
		}
		l.objects = append(l.objects, &model.Object{
			Addr:    model.MemberAddress(t.name, email),
			Role:    role,
			Expires: h.exp.norm,
			Reason:  h.reason,
			Ticket:  h.ticket,
			Status:  model.StatusActive,
			Decl:    d,
		})
	}

	grants, expanded := l.expandGrants(b.Body, static, ctx)
	if kind == model.HolderMember && p != nil && !p.MemberGrants {
		for _, g := range grants {
			l.errorf(g.DefRange, "Grant on a member not allowed",
				"Members of a %q team hold no grants: the team role covers every site. Remove the grant block, or declare %s as a guest to give access to named sites only.", p.Name, email)
		}
		return
	}
	// A dynamic block that failed is reported already, and its grants
	// may be there once it is fixed: no "without grants" beside it.
	if kind == model.HolderGuest && len(grants) == 0 && expanded {
		l.errorf(b.DefRange, "Guest without grants",
			"Guest %s has no grant block; a guest holds access to named sites only, so it needs at least one grant (or declare the person as a member).", email)
		return
	}
	l.grants(h, grants, ctx)
}

// groupRecord keeps a group's members for the check against the team's
// members, made once every member block is decoded.
type groupRecord struct {
	team    *teamDecl
	members []string
	ranges  []hcl.Range
}

func (l *loader) decodeGroup(b *hcl.Block) {
	var s slots
	static := l.content(b.Body, groupSchema, b.DefRange, &s)
	name := b.Labels[0]
	nameOK := true
	if err := model.CheckGroupName(name); err != nil {
		l.errorf(b.LabelRanges[0], "Invalid group name", "%s.", sentence(err))
		nameOK = false
	}
	ctx := l.ctx
	t := l.lookupTeam(s[aTeam], ctx)
	if t != nil && t.platform != nil && !t.platform.Groups {
		l.errorf(b.DefRange, "Groups not supported",
			"Platform %q has no groups (groups = false in its profile); give each person their own grants instead.", t.platform.Name)
		return
	}
	h := &holder{team: t, kind: model.HolderGroup, group: name, rng: b.DefRange}
	h.reason, _ = l.text(s[aReason], ctx, "reason")
	h.ticket, _ = l.text(s[aTicket], ctx, "ticket")
	h.exp = l.expiry(s[aExpires], ctx, b.DefRange)
	remoteID, _ := l.str(s[aRemoteID], ctx, "remote_id", false)

	rec := groupRecord{team: t}
	members := []string{}
	raw, rngs, _ := l.strList(s[aMembers], ctx, "members")
	for i, m := range raw {
		e, err := model.ParseEmail(m)
		if err != nil {
			l.errorf(rngs[i], "Invalid email in members", "%s.", sentence(err))
			continue
		}
		if slices.Contains(rec.members, e) {
			continue
		}
		rec.members = append(rec.members, e)
		rec.ranges = append(rec.ranges, rngs[i])
		members = append(members, e)
	}
	slices.Sort(members)
	if t == nil || !nameOK {
		return
	}
	if prev, dup := t.groups[name]; dup {
		l.errorf(b.LabelRanges[0], "Duplicate group",
			"Team %q already has a group %q, declared at %s; group names are unique within a team.", t.name, name, at(prev))
		return
	}
	t.groups[name] = b.DefRange
	l.groupRecords = append(l.groupRecords, rec)
	l.objects = append(l.objects, &model.Object{
		Addr:     model.GroupAddress(t.name, name),
		Members:  members,
		Expires:  h.exp.norm,
		Reason:   h.reason,
		Ticket:   h.ticket,
		RemoteID: remoteID,
		Decl: &model.Decl{
			Range:        l.spans.Span(b.DefRange),
			RoleRange:    l.spans.Span(b.DefRange),
			ExpiresRange: l.spans.Span(h.exp.rng),
			ExpiresText:  h.exp.text,
			Holder:       l.declOf(h),
		},
	})
	grants, _ := l.expandGrants(b.Body, static, ctx)
	l.grants(h, grants, ctx)
}

// grants decodes the grant blocks of one holder.
func (l *loader) grants(h *holder, blocks []*hcl.Block, ctx *hcl.EvalContext) {
	if h.team == nil {
		return
	}
	clear(l.grantSeen)
	for _, g := range blocks {
		l.decodeGrant(h, g, ctx)
	}
}

func (l *loader) decodeGrant(h *holder, b *hcl.Block, ctx *hcl.EvalContext) {
	var s slots
	l.content(b.Body, grantSchema, b.DefRange, &s)
	if len(b.Labels) != 1 || len(b.LabelRanges) != 1 {
		return
	}
	site, siteRng := b.Labels[0], b.LabelRanges[0]
	t, p := h.team, h.team.platform
	role, roleOK := l.str(s[aRole], ctx, "role", true)
	reason, ok := l.text(s[aReason], ctx, "reason")
	if !ok {
		reason = h.reason
	}
	ticket, ok := l.text(s[aTicket], ctx, "ticket")
	if !ok {
		ticket = h.ticket
	}
	exp := h.exp
	if s[aExpires] != nil {
		if e := l.expiry(s[aExpires], ctx, b.DefRange); e.set {
			if h.exp.set && e.at.After(h.exp.at) {
				l.errorf(e.rng, "Grant expires after its holder",
					"This grant's expires = %q is later than its %s's expires = %q; a grant cannot outlive the member, guest or group that holds it.", e.text, h.kind, h.exp.text)
			}
			exp = e
		}
	}
	if !exp.set {
		// No expiry: diagnostics about it point at the grant. An
		// inherited one keeps pointing at the holder's expires, where
		// it was set.
		exp.rng = b.DefRange
	}
	siteOK := true
	if _, ok := t.sites[site]; !ok {
		l.errorf(siteRng, "Unknown site in grant",
			"Team %q has no site %q; declare it with a site block, or grant one of the team's sites: %s.", t.name, site, listNames(slices.Sorted(maps.Keys(t.sites))))
		siteOK = false
	}
	if roleOK && p != nil {
		r, found := p.SiteRole(role)
		switch {
		case !found:
			l.errorf(s[aRole].Range(), "Invalid role in grant",
				"role = %q is not a site role of platform %q that can be granted; the grantable site roles are %s.", role, p.Name, model.QuoteList(p.RoleNames(model.SiteRole, true)))
			roleOK = false
		case !r.Grantable():
			l.errorf(s[aRole].Range(), "Role without capabilities",
				"role = %q of platform %q has no capabilities on a site, so it cannot be granted; remove the grant instead.", role, p.Name)
			roleOK = false
		case t.connected && p.Builtin && p.Name == "posthog" && role == "viewer":
			var allowed []string
			for _, n := range p.RoleNames(model.SiteRole, true) {
				if n != "viewer" {
					allowed = append(allowed, n)
				}
			}
			l.errorf(s[aRole].Range(), "Role not available on a connected team",
				"PostHog's API has no project-level \"viewer\" role, so a connected posthog team cannot grant it; use %s, or remove the team's connection block to manage it offline.", quoteOr(allowed))
			roleOK = false
		}
	}
	caps, capsOK := l.grantCaps(s[aCapabilities], ctx, p, role, roleOK)
	if prev, dup := l.grantSeen[site]; dup {
		l.errorf(siteRng, "Duplicate grant",
			"The %s already has a grant on site %q (at %s); one grant per site per holder.", h.describe(), site, at(prev))
		return
	}
	l.grantSeen[site] = b.DefRange
	if !siteOK || !roleOK || !capsOK || (h.kind != model.HolderGroup && h.email == "") {
		return
	}
	def := l.spans.Span(b.DefRange)
	expSpan := def
	if exp.rng != b.DefRange {
		expSpan = l.spans.Span(exp.rng)
	}
	addr := model.PersonGrantAddress(t.name, site, h.email)
	if h.kind == model.HolderGroup {
		addr = model.GroupGrantAddress(t.name, site, h.group)
	}
	l.objects = append(l.objects, &model.Object{
		Addr:         addr,
		Role:         role,
		Capabilities: caps,
		HolderKind:   h.kind,
		Expires:      exp.norm,
		Reason:       reason,
		Ticket:       ticket,
		Status:       model.StatusActive,
		Decl: &model.Decl{
			Range:        def,
			ExpiresText:  exp.text,
			ExpiresRange: expSpan,
			RoleRange:    l.spans.Span(s[aRole].Range()),
			Holder:       l.declOf(h),
		},
	})
}

// grantCaps decodes a grant's `capabilities`: names of the platform's
// grant capabilities, none already included in the grant's role. It
// returns them sorted without duplicates, nil when none are written.
func (l *loader) grantCaps(expr hcl.Expression, ctx *hcl.EvalContext, p *model.Platform, role string, roleOK bool) ([]string, bool) {
	if expr == nil {
		return nil, true
	}
	names, rngs, ok := l.strList(expr, ctx, "capabilities")
	if !ok {
		return nil, false
	}
	if p == nil {
		return nil, true
	}
	if len(p.GrantCaps) == 0 && len(names) > 0 {
		l.errorf(expr.Range(), "Platform without grant capabilities",
			"Platform %q has no capabilities a grant can add to its role; remove capabilities, or choose a role that gives what is needed.", p.Name)
		return nil, false
	}
	var out []string
	good := true
	for i, n := range names {
		c, found := p.GrantCap(n)
		switch {
		case !found:
			l.errorf(rngs[i], "Unknown grant capability",
				"%q is not a capability a grant of platform %q can add; they are %s.", n, p.Name, model.QuoteList(p.GrantCapNames()))
			good = false
		case roleOK && slices.Contains(c.IncludedIn, role):
			l.errorf(rngs[i], "Capability included in the role",
				"Role %q of platform %q already includes %q, and the platform stores no separate right for it; remove it from capabilities.", role, p.Name, n)
			good = false
		case slices.Contains(out, n):
		default:
			out = append(out, n)
		}
	}
	if !good {
		return nil, false
	}
	slices.Sort(out)
	if len(out) == 0 {
		out = nil
	}
	return out, true
}

// checkGroupMembers: every member of a group is a member of its team.
func (l *loader) checkGroupMembers() {
	for _, g := range l.groupRecords {
		for i, e := range g.members {
			p := g.team.people[e]
			switch {
			case p == nil:
				l.errorf(g.ranges[i], "Group member not in team",
					"%s is not a member of team %q; group members must be declared as members of the team with a member block.", e, g.team.name)
			case p.kind != model.HolderMember:
				l.errorf(g.ranges[i], "Group member not in team",
					"%s is a %s of team %q, not a member; group members must be declared as members of the team with a member block.", e, p.kind, g.team.name)
			}
		}
	}
}
