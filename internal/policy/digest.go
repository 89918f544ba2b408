package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
)

// Digest is the policy_digest every evidence record holds (cli.md
// "Evidence, version 2"): "sha256:" and the lowercase hex sha256 of the
// canonical JSON (RFC 8785) of the policy in force, every rule written
// with its value (null for a number not set), lists sorted. No policy
// block is the default policy: every rule off.
func Digest(p *model.Policy) string {
	if p == nil {
		p = &model.Policy{}
	}
	domains := make([]string, 0, len(p.InternalDomains))
	for _, d := range p.InternalDomains {
		domains = append(domains, strings.ToLower(d))
	}
	slices.Sort(domains)
	domains = slices.Compact(domains)
	forbidden := make([]string, 0, len(p.ExternalForbidden))
	for _, c := range p.ExternalForbidden {
		forbidden = append(forbidden, string(c))
	}
	slices.Sort(forbidden)
	forbidden = slices.Compact(forbidden)
	b, err := evidence.Canonical(map[string]any{
		RuleInternalDomains:   domains,
		RuleMinOwners:         p.MinOwners,
		RuleExternalExpiry:    p.ExternalExpiry,
		RuleMaxGrantDays:      p.MaxGrantDays,
		RuleRequireTicket:     p.RequireTicket,
		RuleExternalForbidden: forbidden,
		RuleMaxRemovals:       p.MaxRemovals,
		RuleDistinctApprover:  p.DistinctApprover,
	})
	if err != nil {
		panic(fmt.Sprintf("policy digest: %v", err)) // plain values always marshal
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ErrSelfApproval is DistinctApprover's refusal.
type ErrSelfApproval struct {
	Actor     string
	Approvers []string
}

func (e *ErrSelfApproval) Error() string {
	who := "no approver"
	if len(e.Approvers) > 0 {
		who = "the only approver is the actor"
	}
	return fmt.Sprintf("policy rule %s: %s (actor %s); an apply needs an approver other than its actor (--approver or $ROSTER_APPROVERS)", RuleDistinctApprover, who, e.Actor)
}

// DistinctApprover checks separation of duties before an apply: with
// distinct_approver set, at least one approver must differ from the actor
// (emails compared case-insensitively, names exactly after trimming).
func DistinctApprover(p *model.Policy, actor string, approvers []string) error {
	if p == nil || !p.DistinctApprover {
		return nil
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
