package policy

import (
	"slices"
	"testing"

	"github.com/roster-dev/roster/internal/model"
)

func TestWeakened(t *testing.T) {
	base := model.Policy{InternalDomains: []string{"acme.com"}, MinOwners: intp(2), ExternalExpiry: true, MaxGrantDays: intp(90),
		RequireTicket: true, ExternalForbidden: []model.Capability{"api_access", "manage_members"}, MaxRemovals: intp(20), DistinctApprover: true}
	cases := []struct {
		name string
		edit func(p *model.Policy)
		want []string
	}{
		{"same", func(p *model.Policy) {}, nil},
		{"stricter everywhere", func(p *model.Policy) {
			p.MinOwners, p.MaxGrantDays, p.MaxRemovals = intp(3), intp(30), intp(5)
			p.ExternalForbidden = append(p.ExternalForbidden, "billing")
			p.InternalDomains = nil
			p.InternalDomains = []string{"acme.com"}
		}, nil},
		{"internal domain added", func(p *model.Policy) { p.InternalDomains = append(p.InternalDomains, "agency.com") }, []string{RuleInternalDomains}},
		{"internal domains removed", func(p *model.Policy) { p.InternalDomains = nil }, []string{RuleInternalDomains}},
		{"min_owners lowered", func(p *model.Policy) { p.MinOwners = intp(1) }, []string{RuleMinOwners}},
		{"min_owners removed", func(p *model.Policy) { p.MinOwners = nil }, []string{RuleMinOwners}},
		{"external_expiry off", func(p *model.Policy) { p.ExternalExpiry = false }, []string{RuleExternalExpiry}},
		{"max_grant_days raised", func(p *model.Policy) { p.MaxGrantDays = intp(365) }, []string{RuleMaxGrantDays}},
		{"require_ticket off", func(p *model.Policy) { p.RequireTicket = false }, []string{RuleRequireTicket}},
		{"a capability allowed", func(p *model.Policy) { p.ExternalForbidden = p.ExternalForbidden[:1] }, []string{RuleExternalForbidden}},
		{"max_removals lifted", func(p *model.Policy) { p.MaxRemovals = nil }, []string{RuleMaxRemovals}},
		{"distinct_approver off", func(p *model.Policy) { p.DistinctApprover = false }, []string{RuleDistinctApprover}},
	}
	for _, c := range cases {
		cur := base
		cur.InternalDomains = slices.Clone(base.InternalDomains)
		cur.ExternalForbidden = slices.Clone(base.ExternalForbidden)
		c.edit(&cur)
		if got := Weakened(&base, &cur); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if got := Weakened(&base, nil); len(got) != 8 {
		t.Errorf("the policy block removed: %v, want every rule", got)
	}
	if got := Weakened(nil, &base); got != nil {
		t.Errorf("no prior policy: %v", got)
	}
	// JSON round-trips, and the digest follows what is in force, not how it is written.
	back, err := FromJSON(JSON(&base))
	if err != nil || Weakened(&base, back) != nil || Weakened(back, &base) != nil || Digest(back) != Digest(&base) {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	// A policy in the state that says a rule twice (tampered) is refused.
	if p, err := FromJSON([]byte(`{"min_owners":1,"min_owners":null}`)); err == nil {
		t.Errorf("a rule given twice was read as %+v", p)
	}
	reordered := base
	reordered.InternalDomains = []string{"ACME.com", "acme.com"}
	if Digest(&reordered) != Digest(&base) || Digest(nil) != Digest(&model.Policy{}) || Digest(nil) == Digest(&base) {
		t.Error("the digest depends on how the policy is written, or not on what it says")
	}
}

func TestDistinctApprover(t *testing.T) {
	on := &model.Policy{DistinctApprover: true}
	for _, c := range []struct {
		p         *model.Policy
		actor     string
		approvers []string
		ok        bool
	}{
		{nil, "a", nil, true},
		{&model.Policy{}, "a", nil, true},
		{on, "ci", nil, false},
		{on, "ci", []string{"ci"}, false},
		{on, "Rita@Acme.com", []string{"rita@acme.com"}, false},
		{on, "ci", []string{" "}, false},
		{on, "ci", []string{"ci", "rita@acme.com"}, true},
		{on, "ci", []string{"CI"}, true}, // names compare exactly; only emails fold case
	} {
		err := DistinctApprover(c.p, c.actor, c.approvers)
		if (err == nil) != c.ok {
			t.Errorf("%v %q %q: %v", c.p, c.actor, c.approvers, err)
		}
	}
}
