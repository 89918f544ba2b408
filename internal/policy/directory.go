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
)

// access lists, per person, the declarations that give them access and
// have not expired at now: memberships, person grants, and groups that
// list them. Each list is in address order.
func (idx *index) access(now time.Time) map[string][]*model.Object {
	out := map[string][]*model.Object{}
	for _, m := range idx.members {
		if !expired(m, now) {
			out[m.Addr.Email] = append(out[m.Addr.Email], m)
		}
	}
	for _, g := range idx.grants {
		if g.Addr.Email != "" && !expired(g, now) {
			out[g.Addr.Email] = append(out[g.Addr.Email], g)
		}
	}
	for _, g := range idx.groups {
		if expired(g, now) {
			continue
		}
		for _, e := range g.Members {
			out[e] = append(out[e], g)
		}
	}
	for _, objs := range out {
		sort.Slice(objs, func(i, j int) bool { return objs[i].Addr.String() < objs[j].Addr.String() })
	}
	return out
}

// where lists declarations as "member/acme/x (people.hcl:3)".
func where(objs []*model.Object) string {
	parts := make([]string, 0, len(objs))
	for _, o := range objs {
		s := o.Addr.String()
		if r := subjectOf(o); r != nil {
			s += fmt.Sprintf(" (%s:%d)", r.Filename, r.Start.Line)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// standing says where email stands in the directory, for a message.
func standing(d *model.Directory, email string) string {
	p, ok := d.People[email]
	switch {
	case !ok:
		return fmt.Sprintf("is not in the directory %s", d.File)
	case p.Status == model.PersonLeft:
		return fmt.Sprintf("has left (%s, line %d)", d.File, p.Line)
	default:
		return fmt.Sprintf("is %s (%s, line %d)", p.Status, d.File, p.Line)
	}
}

// Directory: every internal person declared anywhere is an active person
// of the company directory (policy.directory); otherwise the leaver still
// has access, and the diagnostic names every declaration that gives it.
func Directory(idx *index, p *model.Policy, now time.Time) hcl.Diagnostics {
	d := idx.cfg.People
	if d == nil || len(p.InternalDomains) == 0 {
		return nil
	}
	var diags hcl.Diagnostics
	access := idx.access(now)
	for _, email := range slices.Sorted(maps.Keys(access)) {
		if IsExternal(email, p.InternalDomains) || d.Active(email) {
			continue
		}
		objs := access[email]
		diags = append(diags, violation(RuleDirectory, objs[0].Addr, "leaver still has access",
			fmt.Sprintf("%s %s, but still has access through %s. Remove them with roster offboard %s (or correct the directory if it is wrong).", email, standing(d, email), where(objs), email),
			subjectOf(objs[0])))
	}
	return diags
}

func subjectOf(o *model.Object) *hcl.Range {
	if o.Addr.Kind == model.KindGroup {
		return declRange(o)
	}
	return holderRange(o)
}

// Sponsors: with sponsor_required, every external member and guest names
// an internal sponsor, and a sponsor who is not an active person of the
// directory has left: one diagnostic per sponsor naming everyone they
// sponsor. Without sponsor_required a sponsor who left is a warning.
func Sponsors(idx *index, p *model.Policy, now time.Time) hcl.Diagnostics {
	var diags hcl.Diagnostics
	sponsored := map[string][]*model.Object{} // sponsor → the holders they sponsor
	seen := map[hcl.Range]bool{}              // one finding per member or guest block
	check := func(o *model.Object) {
		if o.Decl == nil || !IsExternal(o.Addr.Email, p.InternalDomains) || expired(o, now) {
			return
		}
		r := holderRange(o)
		if r == nil || seen[*r] {
			return
		}
		seen[*r] = true
		sp := o.Decl.Sponsor()
		switch {
		case sp == "" && p.SponsorRequired:
			diags = append(diags, violation(RuleSponsorRequired, o.Addr, "external person without sponsor",
				fmt.Sprintf("%s is external (not in internal_domains), and the policy requires every external person to name an internal sponsor: set sponsor = \"EMAIL\" on the %s.", o.Addr.Email, holderWord(o)), r))
		case sp != "" && IsExternal(sp, p.InternalDomains) && p.SponsorRequired:
			diags = append(diags, violation(RuleSponsorRequired, o.Addr, "sponsor is external",
				fmt.Sprintf("A sponsor answers for an external person's access from inside the company; %s is not in internal_domains.", sp), rangePtr(o.Decl.Holder.SponsorRange.HCL())))
		case sp != "":
			sponsored[sp] = append(sponsored[sp], o)
		}
	}
	for _, m := range idx.members {
		check(m)
	}
	for _, g := range idx.grants {
		if g.Addr.Email != "" && g.HolderKind != model.HolderMember {
			check(g)
		}
	}
	d := idx.cfg.People
	if d == nil {
		return diags
	}
	sponsors := slices.Sorted(maps.Keys(sponsored))
	for _, sp := range sponsors {
		if d.Active(sp) {
			continue
		}
		objs := sponsored[sp]
		sort.Slice(objs, func(i, j int) bool { return objs[i].Addr.String() < objs[j].Addr.String() })
		var people []string
		for _, o := range objs {
			if !slices.Contains(people, o.Addr.Email) {
				people = append(people, o.Addr.Email)
			}
		}
		detail := fmt.Sprintf("%s sponsors %s but %s: hand their sponsorship to someone active, or remove their access.", sp, strings.Join(people, ", "), standing(d, sp))
		if p.SponsorRequired {
			diags = append(diags, violation(RuleSponsorRequired, objs[0].Addr, "sponsor has left", detail, rangePtr(objs[0].Decl.Holder.SponsorRange.HCL())))
		} else {
			diags = append(diags, warning("Sponsor has left", fmt.Sprintf("%s: %s", objs[0].Addr, detail), rangePtr(objs[0].Decl.Holder.SponsorRange.HCL())))
		}
	}
	return diags
}
