package importer

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/roster-dev/roster/internal/model"
)

// Site is a site block to write: a live site, app or project that the
// configuration does not declare yet.
type Site struct {
	// Label is the block's label: the platform's name where it is a valid
	// site name, else that name with the characters a site name cannot
	// hold turned into '-' (and "-2", "-3", ... on a collision).
	Label string
	// Name is the platform's own name of the site.
	Name string
	// RemoteID is the platform's id of the site.
	RemoteID string
}

// Grant is a grant block nested in a person or group block. Expires,
// Reason and Ticket are written only where they differ from the holder's
// (a grant inherits its holder's).
type Grant struct {
	Site string // the site's label
	Role string
	// Capabilities are the grant's explicit platform capabilities
	// (Matomo's tagmanager_write), sorted; nil for none.
	Capabilities []string
	Expires      string // as written: YYYY-MM-DD or RFC 3339 in UTC; "" for none
	Reason       string
	Ticket       string
}

// Person is one member or guest block.
type Person struct {
	Email string
	// Kind is model.HolderMember or model.HolderGuest.
	Kind model.HolderKind
	// Role is a member's team role ("" for a guest).
	Role    string
	Expires string
	Reason  string
	Ticket  string
	Grants  []Grant
}

// Group is one group block.
type Group struct {
	// Label is the block's label: the platform's name lower-cased and
	// fitted to the group name pattern.
	Label    string
	Name     string // the platform's own name
	RemoteID string
	Members  []string
	Grants   []Grant
}

// Drift is live access (or a sheet's row) of a person or group that the
// configuration already declares, and declares differently: import does
// not rewrite declarations, it lists these for the user to decide.
type Drift struct {
	Addr model.Address
	// Declared is the configuration's object at Addr, nil when it declares
	// none there; Found is what the platform or the sheet holds, nil when
	// it holds none.
	Declared, Found *model.Object
}

// String describes the difference in one line: what is declared and what
// was found, naming only the attributes that differ.
func (d Drift) String() string {
	switch {
	case d.Declared == nil:
		return fmt.Sprintf("%s: %s, not declared", d.Addr, strings.Join(facts(d.Found, nil), ", "))
	case d.Found == nil:
		return fmt.Sprintf("%s: declared %s, not found", d.Addr, strings.Join(facts(d.Declared, nil), ", "))
	}
	return fmt.Sprintf("%s: declared %s, found %s", d.Addr, strings.Join(facts(d.Declared, d.Found), ", "), strings.Join(facts(d.Found, d.Declared), ", "))
}

// facts lists what matters of an access object — role, holder kind,
// members, expiry, ticket, reason — leaving out what other (when given)
// has the same. An unset attribute that other sets is "no expiry", ...
func facts(o, other *model.Object) []string {
	var parts []string
	add := func(v, ov, text, none string) {
		if other != nil && v == ov {
			return
		}
		switch {
		case v != "":
			parts = append(parts, text)
		case other != nil:
			parts = append(parts, none)
		}
	}
	add(o.Role, roleOf(other), fmt.Sprintf("role %q", o.Role), "no role")
	if o.Addr.Kind == model.KindGrant && o.HolderKind != model.HolderGroup {
		add(string(o.HolderKind), holderOf(other), "as "+string(o.HolderKind), "")
	}
	if o.Addr.Kind == model.KindGroup {
		m, om := strings.Join(o.Members, ", "), ""
		if other != nil {
			om = strings.Join(other.Members, ", ")
		}
		if other == nil || m != om {
			parts = append(parts, "members ["+m+"]")
		}
	}
	var oe, ot, or string
	if other != nil {
		oe, ot, or = other.Expires, other.Ticket, other.Reason
	}
	add(o.Expires, oe, "expires "+o.Expires, "no expiry")
	add(o.Ticket, ot, fmt.Sprintf("ticket %q", o.Ticket), "no ticket")
	add(o.Reason, or, fmt.Sprintf("reason %q", o.Reason), "no reason")
	if len(parts) == 0 {
		parts = append(parts, "access")
	}
	return parts
}

func roleOf(o *model.Object) string {
	if o == nil {
		return ""
	}
	return o.Role
}

func holderOf(o *model.Object) string {
	if o == nil {
		return ""
	}
	return string(o.HolderKind)
}

// Result is what import declares for one team.
type Result struct {
	Team   string
	Sites  []Site
	Groups []Group
	People []Person
	// Drift lists what differs from existing declarations, by address.
	Drift []Drift
	// Skipped lists live access that cannot be declared as it is, each
	// with the reason, for the user to handle by hand.
	Skipped []string
	// Moved is a person's access found under the from of a moved block
	// (moves.go), as found, at its old address: declared already under
	// the to, so written nowhere, it is recorded where it is (unless the
	// state holds it, or holds the to), and the next plan moves it.
	Moved []Found
}

// Found is an object found at its old address, and where a moved block
// takes it.
type Found struct {
	Object *model.Object
	To     model.Address
}

// Empty reports whether there is nothing to declare.
func (r *Result) Empty() bool {
	return len(r.Sites) == 0 && len(r.Groups) == 0 && len(r.People) == 0
}

// Addresses lists the address of every object the declarations make —
// sites, groups, memberships, grants — sorted.
func (r *Result) Addresses() []model.Address {
	var out []model.Address
	for _, s := range r.Sites {
		out = append(out, model.SiteAddress(r.Team, s.Label))
	}
	for _, g := range r.Groups {
		out = append(out, model.GroupAddress(r.Team, g.Label))
		for _, gr := range g.Grants {
			out = append(out, model.GroupGrantAddress(r.Team, gr.Site, g.Label))
		}
	}
	for _, p := range r.People {
		if p.Kind == model.HolderMember {
			out = append(out, model.MemberAddress(r.Team, p.Email))
		}
		for _, gr := range p.Grants {
			out = append(out, model.PersonGrantAddress(r.Team, gr.Site, p.Email))
		}
	}
	keys := make([]string, len(out))
	for i, a := range out {
		keys[i] = a.String()
	}
	sort.Sort(addrSort{out, keys})
	return out
}

type addrSort struct {
	a []model.Address
	k []string
}

func (s addrSort) Len() int           { return len(s.a) }
func (s addrSort) Less(i, j int) bool { return s.k[i] < s.k[j] }
func (s addrSort) Swap(i, j int) {
	s.a[i], s.a[j] = s.a[j], s.a[i]
	s.k[i], s.k[j] = s.k[j], s.k[i]
}

// Summary counts the blocks: "2 sites, 1 group, 3 members, 1 guest, 5
// grants" (kinds with none left out).
func (r *Result) Summary() string {
	members, guests, grants := 0, 0, 0
	for _, p := range r.People {
		if p.Kind == model.HolderMember {
			members++
		} else {
			guests++
		}
		grants += len(p.Grants)
	}
	for _, g := range r.Groups {
		grants += len(g.Grants)
	}
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(len(r.Sites), "site", "sites")
	add(len(r.Groups), "group", "groups")
	add(members, "member", "members")
	add(guests, "guest", "guests")
	add(grants, "grant", "grants")
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// Recorded says what an import that declares nothing recorded in the
// state, by what the objects are: "the team with its connection, the ids and
// defaults of 2 sites and the access of 1 person found under an old email,
// which the next plan moves". found is true when the platform was read
// (a connected team's refresh), false for a spreadsheet: then a site is
// recorded as declared, with nothing found of it.
func Recorded(objs []*model.Object, found bool) string {
	var parts []string
	sites := 0
	var people []string
	for _, o := range objs {
		switch {
		case o.Addr.Kind == model.KindTeam && o.Connected:
			parts = append(parts, "the team with its connection")
		case o.Addr.Kind == model.KindTeam:
			parts = append(parts, "the team")
		case o.Addr.Kind == model.KindSite:
			sites++
		case o.Addr.Email != "" && !slices.Contains(people, o.Addr.Email):
			people = append(people, o.Addr.Email)
		}
	}
	count := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	switch {
	case sites > 0 && found:
		parts = append(parts, "the ids and defaults of "+count(sites, "site", "sites"))
	case sites > 0:
		parts = append(parts, count(sites, "declared site", "declared sites"))
	}
	switch len(people) {
	case 0:
	case 1:
		parts = append(parts, "the access of 1 person found under an old email, which the next plan moves")
	default:
		parts = append(parts, fmt.Sprintf("the access of %d people found under old emails, which the next plan moves", len(people)))
	}
	switch len(parts) {
	case 0:
		return "nothing"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// sortResult puts every list in the order the file is written: sites by
// label, groups by label, people by email, grants by site.
func (r *Result) sort() {
	sort.Slice(r.Sites, func(i, j int) bool { return r.Sites[i].Label < r.Sites[j].Label })
	sort.Slice(r.Groups, func(i, j int) bool { return r.Groups[i].Label < r.Groups[j].Label })
	sort.Slice(r.People, func(i, j int) bool { return r.People[i].Email < r.People[j].Email })
	for i := range r.Groups {
		sortGrants(r.Groups[i].Grants)
		sort.Strings(r.Groups[i].Members)
	}
	for i := range r.People {
		sortGrants(r.People[i].Grants)
	}
	sort.Slice(r.Drift, func(i, j int) bool { return r.Drift[i].Addr.String() < r.Drift[j].Addr.String() })
	sort.Strings(r.Skipped)
}

func sortGrants(gs []Grant) {
	sort.Slice(gs, func(i, j int) bool { return gs[i].Site < gs[j].Site })
}
