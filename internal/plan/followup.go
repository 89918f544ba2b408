package plan

import (
	"fmt"
	"sort"

	"github.com/roster-dev/roster/internal/model"
)

// Follow-up tasks (schema/platforms.md) are raised when a person loses a
// capability on a site: api_access asks to rotate the site's API key,
// create_shared_links to review its shared links.
//
// A person's capabilities on a site are the union of their team role's (a
// team role covers every site of the team), their own grant's there, and the
// grants there of every group that lists them. "Before" is taken over the
// current objects (prior, or live for connected teams), "after" over the
// desired objects that have not expired. A team role is taken to cover a
// site on both sides even when the site itself is no longer declared:
// forgetting a site (state only, schema/sync.md) takes nobody's team-wide access
// away, while the people whose grants on it go do lose it, and the task
// still names the site, since they could read its key.
//
// Only people touched by a change can lose anything, so the planner starts
// from the changes: a membership whose role loses a tracked capability
// makes candidates of every site of the team, a grant of its site (for a
// group grant, once per group member), a group that drops people of the
// group's granted sites for each person dropped. Each candidate is then
// checked with both sides' full capabilities, indexed for the candidate
// people only. The cost is one scan of the teams concerned plus the
// candidates.

var trackedCaps = model.CapSetOf(model.APIAccess, model.CreateSharedLinks)

// structure is the before side's shape, for the teams with candidates:
// what a change to a membership, grant or group can reach.
type structure struct {
	members    map[model.Address][]string // group address → its members
	groupSites map[model.Address][]string // group address → sites it has a grant on
	teamSites  map[string][]string        // team → its site names
}

func buildStructure(list []entry, teams map[string]bool) *structure {
	x := &structure{
		members:    map[model.Address][]string{},
		groupSites: map[model.Address][]string{},
		teamSites:  map[string][]string{},
	}
	for _, e := range list {
		a := e.o.Addr
		if !teams[a.Team] {
			continue
		}
		switch a.Kind {
		case model.KindSite:
			x.teamSites[a.Team] = append(x.teamSites[a.Team], a.Site)
		case model.KindGrant:
			if a.Group != "" {
				g := model.GroupAddress(a.Team, a.Group)
				x.groupSites[g] = append(x.groupSites[g], a.Site)
			}
		case model.KindGroup:
			x.members[a] = e.o.Members
		}
	}
	return x
}

// capIndex holds one side's access of the candidate people: their team
// roles, their grants, their groups, and every group grant of the teams
// concerned.
type capIndex struct {
	team   map[model.Address]model.CapSet // member address → team role caps
	grant  map[model.Address]model.CapSet // grant address (person or group) → site role caps
	groups map[model.Address][]string     // member address (team, email) → group names
}

// buildCapIndex indexes one side; people is keyed by member address.
func (pl *planner) buildCapIndex(list []entry, teams map[string]bool, people map[model.Address]bool, skipExpired bool) *capIndex {
	x := &capIndex{
		team:   map[model.Address]model.CapSet{},
		grant:  map[model.Address]model.CapSet{},
		groups: map[model.Address][]string{},
	}
	for _, e := range list {
		o := e.o
		a := o.Addr
		if !teams[a.Team] {
			continue
		}
		switch a.Kind {
		case model.KindMember:
			if people[a] && !(skipExpired && pl.isExpired(o)) {
				x.team[a] = pl.objectCaps(o)
			}
		case model.KindGrant:
			if (a.Group != "" || people[model.MemberAddress(a.Team, a.Email)]) && !(skipExpired && pl.isExpired(o)) {
				x.grant[a] = pl.objectCaps(o)
			}
		case model.KindGroup:
			for _, m := range o.Members {
				k := model.MemberAddress(a.Team, model.NormalizeEmail(m))
				if people[k] {
					x.groups[k] = append(x.groups[k], a.Group)
				}
			}
		}
	}
	return x
}

// caps is what person p may do on site s of team t.
func (x *capIndex) caps(t, s, p string) model.CapSet {
	m := model.MemberAddress(t, p)
	c := x.team[m] | x.grant[model.PersonGrantAddress(t, s, p)]
	for _, g := range x.groups[m] {
		c |= x.grant[model.GroupGrantAddress(t, s, g)]
	}
	return c
}

type candidate struct{ team, site, person string }

func (pl *planner) followUps(changes []Change, desired, current []entry) []FollowUp {
	// Changes that may take a tracked capability from someone.
	var sources []*Change
	teams := map[string]bool{}
	for i := range changes {
		ch := &changes[i]
		b, a := ch.Before, ch.After
		if b == nil || ch.Because() == ReasonForgotten {
			continue
		}
		switch ch.Addr.Kind {
		case model.KindMember, model.KindGrant:
			if pl.objectCaps(b)&^pl.objectCaps(a)&trackedCaps == 0 {
				continue
			}
		case model.KindGroup:
			if a != nil && !dropsMembers(b.Members, a.Members) {
				continue
			}
		default:
			continue
		}
		sources = append(sources, ch)
		teams[ch.Addr.Team] = true
	}
	if len(sources) == 0 {
		return nil
	}

	shape := buildStructure(current, teams)

	seen := map[candidate]bool{}
	var cands []candidate
	add := func(t, s, p string) {
		c := candidate{t, s, p}
		if !seen[c] {
			seen[c] = true
			cands = append(cands, c)
		}
	}
	for _, ch := range sources {
		a := ch.Addr
		switch a.Kind {
		case model.KindMember:
			for _, s := range shape.teamSites[a.Team] {
				add(a.Team, s, a.Email)
			}
		case model.KindGrant:
			if a.Email != "" {
				add(a.Team, a.Site, a.Email)
				break
			}
			for _, m := range shape.members[model.GroupAddress(a.Team, a.Group)] {
				add(a.Team, a.Site, model.NormalizeEmail(m))
			}
		case model.KindGroup:
			var kept map[string]bool
			if ch.After != nil {
				kept = make(map[string]bool, len(ch.After.Members))
				for _, m := range ch.After.Members {
					kept[model.NormalizeEmail(m)] = true
				}
			}
			for _, m := range ch.Before.Members {
				m = model.NormalizeEmail(m)
				if kept[m] {
					continue
				}
				for _, s := range shape.groupSites[a] {
					add(a.Team, s, m)
				}
			}
		}
	}

	people := map[model.Address]bool{}
	for _, c := range cands {
		people[model.MemberAddress(c.team, c.person)] = true
	}
	before := pl.buildCapIndex(current, teams, people, false)
	after := pl.buildCapIndex(desired, teams, people, true)

	type siteTask struct {
		site model.Address
		task string
	}
	lost := map[siteTask][]string{}
	for _, c := range cands {
		gone := before.caps(c.team, c.site, c.person) &^ after.caps(c.team, c.site, c.person)
		site := model.SiteAddress(c.team, c.site)
		if gone.Has(model.APIAccess) {
			k := siteTask{site, TaskRotateAPIKey}
			lost[k] = append(lost[k], c.person)
		}
		if gone.Has(model.CreateSharedLinks) {
			k := siteTask{site, TaskReviewSharedLinks}
			lost[k] = append(lost[k], c.person)
		}
	}
	if len(lost) == 0 {
		return nil
	}
	type sortKey struct {
		siteTask
		str string
	}
	keys := make([]sortKey, 0, len(lost))
	for k := range lost {
		keys = append(keys, sortKey{k, k.site.String()})
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].str != keys[j].str {
			return keys[i].str < keys[j].str
		}
		return keys[i].task < keys[j].task
	})
	out := make([]FollowUp, 0, len(keys))
	for _, k := range keys {
		out = append(out, FollowUp{Site: k.site, Task: k.task, Text: followUpText(k.task, k.site.Site, lost[k.siteTask])})
	}
	return out
}

// dropsMembers reports whether some member of before is not in after.
func dropsMembers(before, after []string) bool {
	if len(before) == 0 {
		return false
	}
	kept := make(map[string]bool, len(after))
	for _, m := range after {
		kept[model.NormalizeEmail(m)] = true
	}
	for _, m := range before {
		if !kept[model.NormalizeEmail(m)] {
			return true
		}
	}
	return false
}

// followUpText is the task's text of schema/platforms.md. The person named is the
// first affected email in sort order; with several people it reads
// "PERSON and N others", as schema/platforms.md writes it whatever N, so that
// scripts match one pattern (like "N manual steps await").
func followUpText(task, site string, people []string) string {
	sort.Strings(people)
	who := people[0]
	if n := len(people) - 1; n > 0 {
		who += fmt.Sprintf(" and %d others", n)
	}
	switch task {
	case TaskRotateAPIKey:
		return "Rotate the Stats API key of " + site + ": " + who + " could read it."
	case TaskReviewSharedLinks:
		return "Review the shared links of " + site + ": " + who + " could create them."
	}
	return ""
}
