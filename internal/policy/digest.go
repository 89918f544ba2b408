package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
)

// Digest is the policy_digest every evidence record holds (schema/cli.md
// "Evidence, version 2"): "sha256:" and the lowercase hex sha256 of JSON(p).
func Digest(p *model.Policy) string {
	sum := sha256.Sum256(JSON(p))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// policyJSON is the policy in force as JSON: every rule with its value
// (null for a number not set), lists sorted. The rules of language.md's
// "policy additions" that came after distinct_approver (directory,
// sponsor_required) are written only when set, so a policy that does not
// use them keeps the digest it had before they were part of it, and the
// evidence and history written then still read the same.
type policyJSON struct {
	InternalDomains   []string `json:"internal_domains"`
	MinOwners         *int     `json:"min_owners"`
	ExternalExpiry    bool     `json:"external_expiry"`
	MaxGrantDays      *int     `json:"max_grant_days"`
	RequireTicket     bool     `json:"require_ticket"`
	ExternalForbidden []string `json:"external_forbidden"`
	MaxRemovals       *int     `json:"max_removals"`
	DistinctApprover  bool     `json:"distinct_approver"`
	Directory         string   `json:"directory,omitzero"`
	SponsorRequired   bool     `json:"sponsor_required,omitzero"`
}

// JSON is the canonical JSON (RFC 8785) of the policy in force: every
// rule written with its value (null for a number not set; directory and
// sponsor_required left out when not set), lists sorted.
// No policy block is the default policy: every rule off.
func JSON(p *model.Policy) []byte {
	if p == nil {
		p = &model.Policy{}
	}
	j := policyJSON{MinOwners: p.MinOwners, ExternalExpiry: p.ExternalExpiry, MaxGrantDays: p.MaxGrantDays,
		RequireTicket: p.RequireTicket, MaxRemovals: p.MaxRemovals, DistinctApprover: p.DistinctApprover,
		Directory: p.Directory, SponsorRequired: p.SponsorRequired,
		InternalDomains: []string{}, ExternalForbidden: []string{}}
	for _, d := range p.InternalDomains {
		j.InternalDomains = append(j.InternalDomains, strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@")))
	}
	slices.Sort(j.InternalDomains)
	j.InternalDomains = slices.Compact(j.InternalDomains)
	for _, c := range p.ExternalForbidden {
		j.ExternalForbidden = append(j.ExternalForbidden, string(c))
	}
	slices.Sort(j.ExternalForbidden)
	j.ExternalForbidden = slices.Compact(j.ExternalForbidden)
	b, err := evidence.Canonical(j)
	if err != nil {
		panic(fmt.Sprintf("policy JSON: %v", err)) // plain values always marshal
	}
	return b
}

// FromJSON reads what JSON wrote.
func FromJSON(data []byte) (*model.Policy, error) {
	var j policyJSON
	if err := jsonv2.Unmarshal(data, &j); err != nil { // a member named twice is refused
		return nil, err
	}
	p := &model.Policy{InternalDomains: j.InternalDomains, MinOwners: j.MinOwners, ExternalExpiry: j.ExternalExpiry,
		MaxGrantDays: j.MaxGrantDays, RequireTicket: j.RequireTicket, MaxRemovals: j.MaxRemovals, DistinctApprover: j.DistinctApprover,
		Directory: j.Directory, SponsorRequired: j.SponsorRequired}
	for _, c := range j.ExternalForbidden {
		p.ExternalForbidden = append(p.ExternalForbidden, model.Capability(c))
	}
	return p, nil
}

// Weakened lists the rules of cur that remove or relax a rule of prior
// (nil policies are the default, every rule off): a rule turned off or
// removed, a limit raised or lifted, an internal domain added (fewer
// people count as external), a forbidden capability allowed, the
// directory dropped. max_removals counts as language.md says it works:
// unset is the default mass-removal rail (more than 10 of a team's
// accesses and more than a quarter), 0 turns every rail off, N is a limit
// of N; so 0 after anything else, a limit raised, a limit unset, and an
// unset limit replaced by one above 10 all relax it. A directory renamed
// is not a weakening: only its contents say who is active.
func Weakened(prior, cur *model.Policy) []string {
	if prior == nil {
		return nil
	}
	if cur == nil {
		cur = &model.Policy{}
	}
	var out []string
	pj, cj := decodeJSON(JSON(prior)), decodeJSON(JSON(cur))
	if len(pj.InternalDomains) > 0 && (len(cj.InternalDomains) == 0 || !subset(cj.InternalDomains, pj.InternalDomains)) {
		out = append(out, RuleInternalDomains)
	}
	lowered := func(p, c *int) bool { return p != nil && (c == nil || *c < *p) }
	raised := func(p, c *int) bool { return p != nil && (c == nil || *c > *p) }
	if lowered(prior.MinOwners, cur.MinOwners) {
		out = append(out, RuleMinOwners)
	}
	if prior.ExternalExpiry && !cur.ExternalExpiry {
		out = append(out, RuleExternalExpiry)
	}
	if raised(prior.MaxGrantDays, cur.MaxGrantDays) {
		out = append(out, RuleMaxGrantDays)
	}
	if prior.RequireTicket && !cur.RequireTicket {
		out = append(out, RuleRequireTicket)
	}
	if !subset(pj.ExternalForbidden, cj.ExternalForbidden) {
		out = append(out, RuleExternalForbidden)
	}
	if removalsRelaxed(prior.MaxRemovals, cur.MaxRemovals) {
		out = append(out, RuleMaxRemovals)
	}
	if prior.DistinctApprover && !cur.DistinctApprover {
		out = append(out, RuleDistinctApprover)
	}
	if prior.Directory != "" && cur.Directory == "" {
		out = append(out, RuleDirectory)
	}
	if prior.SponsorRequired && !cur.SponsorRequired {
		out = append(out, RuleSponsorRequired)
	}
	return out
}

// removalsRelaxed reports whether max_removals c relaxes p (nil: the
// default rail; 0: no rail; N: at most N removals per plan).
func removalsRelaxed(p, c *int) bool {
	off := func(n *int) bool { return n != nil && *n == 0 }
	switch {
	case off(p):
		return false // nothing is weaker than no rail
	case off(c):
		return true
	case p == nil:
		// A limit of N refuses every plan the default rail refuses
		// (more than 10 of one team's) exactly when N <= 10.
		return c != nil && *c > massRemovalMin
	default:
		return c == nil || *c > *p
	}
}

func decodeJSON(b []byte) policyJSON {
	var j policyJSON
	jsonv2.Unmarshal(b, &j) //nolint:errcheck // b is JSON(p)
	return j
}

// subset reports whether every element of a is in b.
func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// ErrSelfApproval is DistinctApprover's refusal.
type ErrSelfApproval struct {
	Actor     string
	Approvers []string
}

func (e *ErrSelfApproval) Error() string {
	if strings.TrimSpace(e.Actor) == "" {
		return fmt.Sprintf("policy rule %s: the actor is unknown, so no approver can be shown to be someone else; name who applies with --actor or $ROSTER_ACTOR (CI sets $GITHUB_ACTOR)", RuleDistinctApprover)
	}
	who := "no approver"
	if len(e.Approvers) > 0 {
		who = "the only approver is the actor"
	}
	return fmt.Sprintf("policy rule %s: %s (actor %s); an apply needs an approver other than its actor (--approver or $ROSTER_APPROVERS)", RuleDistinctApprover, who, e.Actor)
}

// DistinctApprover checks separation of duties before an apply: with
// distinct_approver set, at least one approver must differ from the actor
// (emails compared case-insensitively, names exactly after trimming). An
// empty actor is one nobody named: it differs from no approver provably,
// so it is refused.
func DistinctApprover(p *model.Policy, actor string, approvers []string) error {
	if p == nil || !p.DistinctApprover {
		return nil
	}
	if strings.TrimSpace(actor) == "" {
		return &ErrSelfApproval{Actor: actor, Approvers: approvers}
	}
	same := func(a, b string) bool {
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		if strings.Contains(a, "@") || strings.Contains(b, "@") {
			return strings.EqualFold(a, b)
		}
		return a == b
	}
	for _, ap := range approvers {
		if strings.TrimSpace(ap) != "" && !same(ap, actor) {
			return nil
		}
	}
	return &ErrSelfApproval{Actor: actor, Approvers: approvers}
}

// WeakenedWarning is the warning of a plan made under a policy that
// removes or relaxes rules (weakened, as Weakened lists them) of the one
// in force at the last apply. It points at the first rule's attribute
// when it is still written, else at the policy block; with the policy
// block gone there is nothing to point at.
func WeakenedWarning(cur *model.Policy, weakened []string) *hcl.Diagnostic {
	var subject *hcl.Range
	if cur != nil {
		subject = rangePtr(cur.Range)
		if r, ok := cur.AttrRanges[weakened[0]]; ok {
			subject = rangePtr(r)
		}
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Policy weakened since the last apply",
		Detail:   fmt.Sprintf("The policy removes or relaxes %s, in force at the last apply; every change of this plan is tagged policy_weakened.", strings.Join(weakened, ", ")),
		Subject:  subject,
	}
}
