package config

import (
	"fmt"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Every attribute any block accepts has a slot; a decoder reads a body's
// attributes into an array of slots, so no map is built per block.
const (
	aTeam = iota
	aRole
	aReason
	aTicket
	aExpires
	aForEach
	aEmail
	aName
	aPlatform
	aDisplayName
	aRequire2FA
	aSSO
	aEnvironment
	aRemoteID
	aMembers
	aEndpoint
	aAccountID
	aTokenEnv
	aRequestsPerHour
	aGuests
	aGuestTeamRole
	aMemberGrants
	aGroups
	aSSOModes
	aTwoFactor
	aCapabilities
	aInternalDomains
	aMinOwners
	aExternalExpiry
	aMaxGrantDays
	aRequireTicket
	aExternalForbidden
	aMaxRemovals
	aDistinctApprover
	aSponsor
	aDirectory
	aSponsorRequired
	aIncludedIn
	aFrom
	aTo
	nSlots
)

// slots holds the expression of each attribute written in one body, nil
// where it is absent.
type slots [nSlots]hcl.Expression

type attrSpec struct {
	name     string
	slot     int
	required bool
}

// blockSchema is what one block type accepts.
type blockSchema struct {
	typ     string
	where   string // "in a team block", "at the top level of a file"
	attrs   []attrSpec
	blocks  []hcl.BlockHeaderSchema
	dynamic bool // dynamic "grant" blocks are allowed
	hcl     *hcl.BodySchema
}

func newSchema(typ string, attrs []attrSpec, blocks []hcl.BlockHeaderSchema, dynamic bool) *blockSchema {
	s := &blockSchema{typ: typ, where: "in a " + typ + " block", attrs: attrs, blocks: blocks, dynamic: dynamic}
	hs := &hcl.BodySchema{Blocks: blocks}
	for _, a := range attrs {
		hs.Attributes = append(hs.Attributes, hcl.AttributeSchema{Name: a.name, Required: a.required})
	}
	s.hcl = hs
	return s
}

func (s *blockSchema) slot(name string) int {
	for _, a := range s.attrs {
		if a.name == name {
			return a.slot
		}
	}
	return -1
}

var grantHeader = hcl.BlockHeaderSchema{Type: "grant", LabelNames: []string{"site"}}

var (
	rootSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "team", LabelNames: []string{"name"}},
		{Type: "site", LabelNames: []string{"name"}},
		{Type: "member", LabelNames: []string{"email"}},
		{Type: "guest", LabelNames: []string{"email"}},
		{Type: "group", LabelNames: []string{"name"}},
		{Type: "platform", LabelNames: []string{"name"}},
		{Type: "policy"},
		{Type: "locals"},
		{Type: "moved"},
	}}

	teamSchema = newSchema("team", []attrSpec{
		{"platform", aPlatform, true},
		{"display_name", aDisplayName, false},
		{"require_2fa", aRequire2FA, false},
		{"sso", aSSO, false},
	}, []hcl.BlockHeaderSchema{{Type: "connection"}}, false)

	connectionSchema = newSchema("connection", []attrSpec{
		{"endpoint", aEndpoint, true},
		{"account_id", aAccountID, false},
		{"token_env", aTokenEnv, false},
		{"requests_per_hour", aRequestsPerHour, false},
	}, nil, false)

	siteSchema = newSchema("site", []attrSpec{
		{"team", aTeam, true},
		{"environment", aEnvironment, false},
		{"remote_id", aRemoteID, false},
		{"for_each", aForEach, false},
		{"name", aName, false},
	}, nil, false)

	memberSchema = newSchema("member", []attrSpec{
		{"team", aTeam, true},
		{"role", aRole, true},
		{"reason", aReason, false},
		{"ticket", aTicket, false},
		{"expires", aExpires, false},
		{"for_each", aForEach, false},
		{"email", aEmail, false},
		{"sponsor", aSponsor, false},
	}, []hcl.BlockHeaderSchema{grantHeader}, true)

	guestSchema = newSchema("guest", []attrSpec{
		{"team", aTeam, true},
		{"reason", aReason, false},
		{"ticket", aTicket, false},
		{"expires", aExpires, false},
		{"for_each", aForEach, false},
		{"email", aEmail, false},
		{"sponsor", aSponsor, false},
	}, []hcl.BlockHeaderSchema{grantHeader}, true)

	groupSchema = newSchema("group", []attrSpec{
		{"team", aTeam, true},
		{"members", aMembers, false},
		{"reason", aReason, false},
		{"ticket", aTicket, false},
		{"expires", aExpires, false},
		{"remote_id", aRemoteID, false},
	}, []hcl.BlockHeaderSchema{grantHeader}, true)

	grantSchema = newSchema("grant", []attrSpec{
		{"role", aRole, true},
		{"reason", aReason, false},
		{"ticket", aTicket, false},
		{"expires", aExpires, false},
		{"capabilities", aCapabilities, false},
	}, nil, false)

	platformSchema = newSchema("platform", []attrSpec{
		{"guests", aGuests, false},
		{"guest_team_role", aGuestTeamRole, false},
		{"member_grants", aMemberGrants, false},
		{"groups", aGroups, false},
		{"sso_modes", aSSOModes, false},
		{"two_factor", aTwoFactor, false},
	}, []hcl.BlockHeaderSchema{
		{Type: "team_role", LabelNames: []string{"name"}},
		{Type: "site_role", LabelNames: []string{"name"}},
		{Type: "grant_capability", LabelNames: []string{"name"}},
	}, false)

	teamRoleSchema = newSchema("team_role", []attrSpec{
		{"capabilities", aCapabilities, true},
	}, nil, false)
	siteRoleSchema = newSchema("site_role", []attrSpec{
		{"capabilities", aCapabilities, true},
	}, nil, false)
	grantCapSchema = newSchema("grant_capability", []attrSpec{
		{"capabilities", aCapabilities, true},
		{"included_in", aIncludedIn, false},
	}, nil, false)

	policySchema = newSchema("policy", []attrSpec{
		{"internal_domains", aInternalDomains, false},
		{"min_owners", aMinOwners, false},
		{"external_expiry", aExternalExpiry, false},
		{"max_grant_days", aMaxGrantDays, false},
		{"require_ticket", aRequireTicket, false},
		{"external_forbidden", aExternalForbidden, false},
		{"max_removals", aMaxRemovals, false},
		{"directory", aDirectory, false},
		{"sponsor_required", aSponsorRequired, false},
		{"distinct_approver", aDistinctApprover, false},
	}, nil, false)

	// grantsOnly is the schema dynblock expands holders' bodies with.
	grantsOnly = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{grantHeader}}
)

// SchemaNames lists every attribute and nested block name each block type
// accepts, by block type; the key "" lists the top-level block types. The
// role blocks of a platform are listed as "team_role" and "site_role".
// "locals" accepts any attribute name and lists none.
func SchemaNames() map[string][]string {
	out := map[string][]string{}
	for _, b := range rootSchema.Blocks {
		out[""] = append(out[""], b.Type)
	}
	add := func(key string, s *blockSchema) {
		names := []string{}
		for _, a := range s.attrs {
			names = append(names, a.name)
		}
		for _, b := range s.blocks {
			names = append(names, b.Type)
		}
		if s.dynamic {
			names = append(names, "dynamic")
		}
		out[key] = names
	}
	add("team", teamSchema)
	add("connection", connectionSchema)
	add("site", siteSchema)
	add("member", memberSchema)
	add("guest", guestSchema)
	add("group", groupSchema)
	add("grant", grantSchema)
	add("platform", platformSchema)
	add("team_role", teamRoleSchema)
	add("site_role", siteRoleSchema)
	add("grant_capability", grantCapSchema)
	add("policy", policySchema)
	add("moved", movedSchema)
	out["locals"] = []string{}
	return out
}

// content reads a block body against its schema: each attribute's
// expression goes into its slot, and the nested blocks the schema allows
// (with dynamic blocks, unexpanded) are returned in order. Unknown
// attributes and blocks, wrong labels and missing required attributes are
// reported, as hcl's BodySchema would. Bodies straight from the parser are
// read directly; others (inside dynamic blocks) go through hcl's Content.
func (l *loader) content(body hcl.Body, s *blockSchema, def hcl.Range, out *slots) []*hcl.Block {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		c, diags := body.Content(s.hcl)
		l.diags = append(l.diags, diags...)
		if c == nil {
			return nil
		}
		for name, a := range c.Attributes {
			if i := s.slot(name); i >= 0 {
				out[i] = a.Expr
			}
		}
		return c.Blocks
	}
	for name, a := range sb.Attributes {
		i := s.slot(name)
		if i < 0 {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unsupported argument",
				Detail:   fmt.Sprintf("An argument named %q is not expected %s.%s", name, s.where, s.suggestAttr(name)),
				Subject:  a.NameRange.Ptr(),
			})
			continue
		}
		out[i] = a.Expr
	}
	for _, a := range s.attrs {
		if a.required && out[a.slot] == nil {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing required argument",
				Detail:   fmt.Sprintf("The argument %q is required in a %s block, but no definition was found.", a.name, s.typ),
				Subject:  def.Ptr(),
			})
		}
	}
	if len(sb.Blocks) == 0 {
		return nil
	}
	blocks := make([]*hcl.Block, 0, len(sb.Blocks))
	for _, b := range sb.Blocks {
		if b.Type == "dynamic" && s.dynamic {
			if len(b.Labels) != 1 {
				l.labelError(b, "dynamic", []string{"block type"})
				continue
			}
			if b.Labels[0] != "grant" {
				l.errorf(b.LabelRanges[0], "Unsupported block type",
					"A dynamic block in a %s block can only generate grant blocks, not %q blocks.", s.typ, b.Labels[0])
				continue
			}
			blocks = append(blocks, b.AsHCLBlock())
			continue
		}
		var hs *hcl.BlockHeaderSchema
		for i := range s.blocks {
			if s.blocks[i].Type == b.Type {
				hs = &s.blocks[i]
			}
		}
		if hs == nil {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unsupported block type",
				Detail:   fmt.Sprintf("Blocks of type %q are not expected %s.%s", b.Type, s.where, s.suggestBlock(b.Type)),
				Subject:  b.TypeRange.Ptr(),
			})
			continue
		}
		if len(b.Labels) != len(hs.LabelNames) {
			l.labelError(b, b.Type, hs.LabelNames)
			continue
		}
		blocks = append(blocks, b.AsHCLBlock())
	}
	return blocks
}

func (l *loader) labelError(b *hclsyntax.Block, typ string, names []string) {
	if len(b.Labels) > len(names) {
		what := "No labels are expected"
		if len(names) > 0 {
			what = fmt.Sprintf("Only %d label (%s) is expected", len(names), strings.Join(names, ", "))
		}
		l.errorf(b.LabelRanges[len(names)], "Extraneous label for "+typ, "%s for %s blocks.", what, typ)
		return
	}
	l.errorf(b.OpenBraceRange, fmt.Sprintf("Missing %s for %s", names[len(b.Labels)], typ),
		"A %s block needs %d label (%s).", typ, len(names), strings.Join(names, ", "))
}

func (s *blockSchema) suggestAttr(name string) string {
	var names []string
	for _, a := range s.attrs {
		names = append(names, a.name)
	}
	if sug := suggest(name, names); sug != "" {
		return fmt.Sprintf(" Did you mean %q?", sug)
	}
	for _, b := range s.blocks {
		if b.Type == name {
			return fmt.Sprintf(" Did you mean to define a block of type %q?", name)
		}
	}
	if name == "count" && s.slot("for_each") >= 0 {
		return " roster repeats a block with for_each (a set of strings or a map), not count."
	}
	return ""
}

func (s *blockSchema) suggestBlock(name string) string {
	var names []string
	for _, b := range s.blocks {
		names = append(names, b.Type)
	}
	if sug := suggest(name, names); sug != "" {
		return fmt.Sprintf(" Did you mean %q?", sug)
	}
	if s.slot(name) >= 0 {
		return fmt.Sprintf(" Did you mean the argument %q? If so, use the equals sign to assign it a value.", name)
	}
	if s == topSchema && name == "variable" {
		return " roster has no input variables; declare values in a locals block and refer to them as local.NAME."
	}
	return ""
}

// suggest returns the name of names closest to given, if it is close.
func suggest(given string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(given, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b (agext/levenshtein,
// which HCL's own suggestions use); names longer than 64 bytes are never
// close, which bounds the cost of a long typo.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	return levenshtein.Distance(a, b, nil)
}
