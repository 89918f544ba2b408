package model

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// Config is a loaded configuration: the platforms it may use, the objects it
// declares (the desired state), and its policy.
type Config struct {
	// Platforms holds the built-in profiles and the declared ones, by name.
	Platforms map[string]*Platform
	// Objects are the declared objects, sorted by address. Expired ones are
	// included: dropping them is the planner's job, as of --now.
	Objects []*Object
	// Policy is the policy block, nil when there is none.
	Policy *Policy
	// Digest is "sha256:…" over the configuration files, in file order.
	Digest string
	// People is the company directory the policy names, nil without one.
	People *Directory
	// Moves are the moved blocks, chains resolved (language.md, version 2).
	Moves []Move
}

// PersonStatus is where a person stands in the company directory.
type PersonStatus string

// The statuses of schema/language.md's directory file.
const (
	PersonActive    PersonStatus = "active"
	PersonSuspended PersonStatus = "suspended"
	PersonLeft      PersonStatus = "left"
)

// Directory is the company's people, as the identity provider exported
// them (policy.directory).
type Directory struct {
	// File is the file as the policy names it.
	File   string
	People map[string]DirectoryPerson // by normalised email
}

// DirectoryPerson is one row of the directory.
type DirectoryPerson struct {
	Email   string
	Status  PersonStatus
	Name    string
	Manager string
	Line    int
}

// Active reports whether email is an active person of the directory.
func (d *Directory) Active(email string) bool {
	p, ok := d.People[email]
	return ok && p.Status == PersonActive
}

// SortObjects sorts objects by address, the order of every output.
func SortObjects(objs []*Object) {
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.Addr.String()
	}
	sort.Sort(byKey{objs, keys})
}

type byKey struct {
	objs []*Object
	keys []string
}

func (b byKey) Len() int           { return len(b.objs) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.objs[i], b.objs[j] = b.objs[j], b.objs[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}

// Policy is the policy block of schema/language.md. A nil pointer or an empty list
// means the rule is not checked.
type Policy struct {
	InternalDomains   []string
	MinOwners         *int
	ExternalExpiry    bool
	MaxGrantDays      *int
	RequireTicket     bool
	ExternalForbidden []Capability
	MaxRemovals       *int
	// DistinctApprover makes apply refuse unless an approver differs from
	// the actor (schema/cli.md "Evidence, version 2": separation of duties).
	DistinctApprover bool
	// Directory is the directory file as written (relative to the
	// configuration directory); SponsorRequired makes every external
	// person name an internal sponsor (schema/language.md, policy additions).
	Directory       string
	SponsorRequired bool

	// Range is the block's header; AttrRanges maps each written attribute
	// to its range, so a violation can point at the rule.
	Range      hcl.Range
	AttrRanges map[string]hcl.Range
}

// ConnectedTeams names the teams declared with a connection block.
func (c *Config) ConnectedTeams() map[string]bool {
	out := map[string]bool{}
	for _, o := range c.Objects {
		if o.Addr.Kind == KindTeam && o.Connected {
			out[o.Addr.Team] = true
		}
	}
	return out
}
