package config

import (
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"
	"github.com/roster-dev/roster/internal/model"
)

// decodePolicies decodes the policy block; a second one is an error.
func (l *loader) decodePolicies(blocks []*hcl.Block) {
	for i, b := range blocks {
		if i > 0 {
			l.errorf(b.DefRange, "Duplicate policy block",
				"A policy block is already declared at %s; a configuration has at most one.", at(blocks[0].DefRange))
			l.decodePolicy(b) // for its own diagnostics
			continue
		}
		l.policy = l.decodePolicy(b)
	}
}

func (l *loader) decodePolicy(b *hcl.Block) *model.Policy {
	var s slots
	l.content(b.Body, policySchema, b.DefRange, &s)
	p := &model.Policy{Range: b.DefRange, AttrRanges: map[string]hcl.Range{}}
	for _, a := range policySchema.attrs {
		if s[a.slot] != nil {
			p.AttrRanges[a.name] = s[a.slot].Range()
		}
	}
	ctx := l.ctx
	if doms, rngs, ok := l.strList(s[aInternalDomains], ctx, "internal_domains"); ok || len(doms) > 0 {
		p.InternalDomains = []string{}
		for i, d := range doms {
			d = strings.ToLower(strings.TrimSpace(d))
			if d == "" || strings.ContainsAny(d, "@/") || strings.IndexFunc(d, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
				l.errorf(rngs[i], "Invalid internal_domains",
					"%q is not a domain; internal_domains lists domains such as \"acme.com\", without '@'.", doms[i])
				continue
			}
			p.InternalDomains = append(p.InternalDomains, d)
		}
	}
	if n, ok := l.whole(s[aMinOwners], ctx, "min_owners", 0); ok {
		p.MinOwners = &n
	}
	if n, ok := l.whole(s[aMaxGrantDays], ctx, "max_grant_days", 0); ok {
		p.MaxGrantDays = &n
	}
	if n, ok := l.whole(s[aMaxRemovals], ctx, "max_removals", 0); ok {
		p.MaxRemovals = &n
	}
	p.ExternalExpiry, _ = l.boolean(s[aExternalExpiry], ctx, "external_expiry")
	p.SponsorRequired, _ = l.boolean(s[aSponsorRequired], ctx, "sponsor_required")
	if file, ok := l.str(s[aDirectory], ctx, "directory", false); ok {
		if file == "" {
			l.errorf(s[aDirectory].Range(), "Invalid directory", "directory names the company directory file (a CSV or JSON Lines export of the identity provider), relative to the configuration directory; it cannot be empty.")
		} else {
			p.Directory = file
			l.people = l.readDirectory(file, s[aDirectory].Range())
		}
	}
	p.RequireTicket, _ = l.boolean(s[aRequireTicket], ctx, "require_ticket")
	p.DistinctApprover, _ = l.boolean(s[aDistinctApprover], ctx, "distinct_approver")
	caps, rngs, _ := l.strList(s[aExternalForbidden], ctx, "external_forbidden")
	for i, c := range caps {
		if !model.IsCapability(c) {
			l.errorf(rngs[i], "Unknown capability",
				"%q in external_forbidden is not a capability. The vocabulary is: %s.", c, model.VocabularyList())
			continue
		}
		p.ExternalForbidden = append(p.ExternalForbidden, model.Capability(c))
	}
	return p
}
