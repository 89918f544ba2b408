package policy

import (
	"slices"
	"testing"

	"github.com/roster-dev/roster/internal/model"
)

func TestWeakened(t *testing.T) {
	base := model.Policy{InternalDomains: []string{"acme.com"}, MinOwners: intp(2), ExternalExpiry: true, MaxGrantDays: intp(90),
		RequireTicket: true, ExternalForbidden: []model.Capability{"api_access", "manage_members"}, MaxRemovals: intp(20), DistinctApprover: true,
		Directory: "people.csv", SponsorRequired: true}
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
		{"max_removals 0 turns the rail off", func(p *model.Policy) { p.MaxRemovals = intp(0) }, []string{RuleMaxRemovals}},
		{"directory removed", func(p *model.Policy) { p.Directory = "" }, []string{RuleDirectory}},
		{"directory renamed", func(p *model.Policy) { p.Directory = "hr/people.jsonl" }, nil},
		{"sponsor_required off", func(p *model.Policy) { p.SponsorRequired = false }, []string{RuleSponsorRequired}},
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
	if got := Weakened(&base, nil); len(got) != 10 {
		t.Errorf("the policy block removed: %v, want every rule", got)
	}
	if got := Weakened(nil, &base); got != nil {
		t.Errorf("no prior policy: %v", got)
	}
	// Each rule, from unset to set, is never a weakening.
	for _, p := range []model.Policy{{Directory: "people.csv"}, {SponsorRequired: true}, {DistinctApprover: true}, {MaxRemovals: intp(10)}} {
		if got := Weakened(&model.Policy{}, &p); got != nil {
			t.Errorf("%+v added: %v", p, got)
		}
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

// TestMaxRemovalsWeakened follows language.md: unset is the default rail
// (more than 10 of a team's accesses and more than a quarter), 0 no rail.
func TestMaxRemovalsWeakened(t *testing.T) {
	for _, c := range []struct {
		prior, cur *int
		want       bool
	}{
		{nil, nil, false},
		{nil, intp(10), false},
		{nil, intp(11), true},
		{nil, intp(0), true},
		{intp(20), intp(0), true},
		{intp(20), intp(21), true},
		{intp(20), nil, true},
		{intp(20), intp(20), false},
		{intp(20), intp(5), false},
		{intp(0), nil, false},
		{intp(0), intp(50), false},
		{intp(0), intp(0), false},
	} {
		got := slices.Contains(Weakened(&model.Policy{MaxRemovals: c.prior}, &model.Policy{MaxRemovals: c.cur}), RuleMaxRemovals)
		if got != c.want {
			t.Errorf("max_removals %v -> %v: weakened %v, want %v", show(c.prior), show(c.cur), got, c.want)
		}
	}
}

func show(n *int) any {
	if n == nil {
		return "unset"
	}
	return *n
}

// TestDigestKept pins the policy JSON of policies that use none of the
// rules added after distinct_approver: their digest is the one earlier
// evidence records hold. The added rules are written when set.
func TestDigestKept(t *testing.T) {
	v1 := model.Policy{InternalDomains: []string{"acme.com"}, MinOwners: intp(2), ExternalExpiry: true, MaxGrantDays: intp(90),
		RequireTicket: true, ExternalForbidden: []model.Capability{"api_access", "manage_members"}, MaxRemovals: intp(20), DistinctApprover: true}
	for _, c := range []struct {
		p          *model.Policy
		json, hash string
	}{
		{nil, `{"distinct_approver":false,"external_expiry":false,"external_forbidden":[],"internal_domains":[],"max_grant_days":null,"max_removals":null,"min_owners":null,"require_ticket":false}`,
			"sha256:a8b2807221677b5fae1b9a69e82c750af25a77d38d170a8ea649a1963a79212e"},
		{&v1, `{"distinct_approver":true,"external_expiry":true,"external_forbidden":["api_access","manage_members"],"internal_domains":["acme.com"],"max_grant_days":90,"max_removals":20,"min_owners":2,"require_ticket":true}`,
			"sha256:bf6f4b1d7ea3a36b4740de380b5c1ffd67ddc6bd57b91815d615aae0261ef590"},
		{&model.Policy{Directory: "people.csv", SponsorRequired: true}, `{"directory":"people.csv","distinct_approver":false,"external_expiry":false,"external_forbidden":[],"internal_domains":[],"max_grant_days":null,"max_removals":null,"min_owners":null,"require_ticket":false,"sponsor_required":true}`, ""},
	} {
		if got := string(JSON(c.p)); got != c.json {
			t.Errorf("JSON(%+v) = %s, want %s", c.p, got, c.json)
		}
		if c.hash != "" && Digest(c.p) != c.hash {
			t.Errorf("Digest(%+v) = %s, want %s", c.p, Digest(c.p), c.hash)
		}
	}
	withDir := v1
	withDir.Directory = "people.csv"
	withSponsor := v1
	withSponsor.SponsorRequired = true
	if Digest(&withDir) == Digest(&v1) || Digest(&withSponsor) == Digest(&v1) || Digest(&withDir) == Digest(&withSponsor) {
		t.Error("directory or sponsor_required does not change the digest")
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
		{on, "ci", []string{"CI"}, true},           // names compare exactly; only emails fold case
		{on, "", []string{"rita@acme.com"}, false}, // an actor nobody named differs from no one provably
		{on, " ", []string{"rita@acme.com"}, false},
		{&model.Policy{}, "", nil, true},
	} {
		err := DistinctApprover(c.p, c.actor, c.approvers)
		if (err == nil) != c.ok {
			t.Errorf("%v %q %q: %v", c.p, c.actor, c.approvers, err)
		}
	}
}
