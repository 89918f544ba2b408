package model

import (
	"math/bits"
	"strings"
)

// Capability is one word of the shared vocabulary of schema/language.md: what a role
// lets a person do, named the same way on every platform so that one policy
// or query covers them all.
type Capability string

// The capability vocabulary, in the order of schema/language.md. Wildcard stands for
// every capability.
const (
	ViewReports        Capability = "view_reports"
	ViewCostData       Capability = "view_cost_data"
	ViewRevenueData    Capability = "view_revenue_data"
	ExportData         Capability = "export_data"
	CreateSharedLinks  Capability = "create_shared_links"
	EditDashboards     Capability = "edit_dashboards"
	EditSettings       Capability = "edit_settings"
	ManageGoals        Capability = "manage_goals"
	ManageIntegrations Capability = "manage_integrations"
	ManageTags         Capability = "manage_tags"
	PublishTags        Capability = "publish_tags"
	ManageMembers      Capability = "manage_members"
	ManageBilling      Capability = "manage_billing"
	APIAccess          Capability = "api_access"
	DeleteSite         Capability = "delete_site"
	TransferSite       Capability = "transfer_site"
	CreateSites        Capability = "create_sites"
	DeleteTeam         Capability = "delete_team"

	Wildcard Capability = "*"
)

// Vocabulary lists every capability except the wildcard, in spec order. The
// position of a capability here is its bit in a CapSet.
var Vocabulary = []Capability{
	ViewReports, ViewCostData, ViewRevenueData, ExportData, CreateSharedLinks, EditDashboards, EditSettings,
	ManageGoals, ManageIntegrations, ManageTags, PublishTags, ManageMembers,
	ManageBilling, APIAccess, DeleteSite, TransferSite, CreateSites, DeleteTeam,
}

var capIndex = func() map[Capability]int {
	m := make(map[Capability]int, len(Vocabulary))
	for i, c := range Vocabulary {
		m[c] = i
	}
	return m
}()

// IsCapability reports whether s is a word of the vocabulary or the wildcard.
func IsCapability(s string) bool {
	if Capability(s) == Wildcard {
		return true
	}
	_, ok := capIndex[Capability(s)]
	return ok
}

// VocabularyList is the vocabulary as one comma-separated string, for
// messages that list the valid values.
func VocabularyList() string {
	names := make([]string, 0, len(Vocabulary)+1)
	for _, c := range Vocabulary {
		names = append(names, string(c))
	}
	names = append(names, string(Wildcard))
	return strings.Join(names, ", ")
}

// CapSet is a set of capabilities, one bit per word of the vocabulary. Sets
// are values: compare them with ==, combine them with Union.
type CapSet uint32

// AllCaps holds every capability of the vocabulary: what the wildcard means.
const AllCaps CapSet = 1<<18 - 1

// CapSetOf builds a set from capability names. The wildcard adds every
// capability. Unknown names are ignored; config reports them before this.
func CapSetOf(caps ...Capability) CapSet {
	var s CapSet
	for _, c := range caps {
		if c == Wildcard {
			s |= AllCaps
			continue
		}
		if i, ok := capIndex[c]; ok {
			s |= 1 << i
		}
	}
	return s
}

// Has reports whether the set holds c (the wildcard: every capability).
func (s CapSet) Has(c Capability) bool {
	if c == Wildcard {
		return s == AllCaps
	}
	i, ok := capIndex[c]
	return ok && s&(1<<i) != 0
}

// Union is the set of capabilities in either set.
func (s CapSet) Union(o CapSet) CapSet { return s | o }

// Minus is the set of capabilities of s that o lacks.
func (s CapSet) Minus(o CapSet) CapSet { return s &^ o }

// Len is the number of capabilities in the set.
func (s CapSet) Len() int { return bits.OnesCount32(uint32(s)) }

// List returns the capabilities in vocabulary order.
func (s CapSet) List() []Capability {
	out := make([]Capability, 0, s.Len())
	for i, c := range Vocabulary {
		if s&(1<<i) != 0 {
			out = append(out, c)
		}
	}
	return out
}

// Strings returns the capability names in vocabulary order.
func (s CapSet) Strings() []string {
	out := make([]string, 0, s.Len())
	for _, c := range s.List() {
		out = append(out, string(c))
	}
	return out
}

// Adds reports whether going from old to new gains a capability: the
// definition of an escalation in schema/language.md. It is capability-based, so
// Plausible's billing → viewer is an escalation although both are "small".
func Adds(old, new CapSet) bool { return new.Minus(old) != 0 }
