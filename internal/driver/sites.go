package driver

import (
	"fmt"
	"slices"
	"strings"

	"github.com/roster-dev/roster/internal/model"
)

// Listed is one site as a platform lists it: its id and its name.
type Listed struct {
	ID, Name string
}

// SiteKind words one platform's sites for ResolveSites' messages.
type SiteKind struct {
	Platform string // "PostHog"
	Noun     string // "project": one of the platform's sites
	Nouns    string // the plural when it is not Noun+"s" ("properties")
	Owner    string // what holds them: "organization 0190…", "the account"
	// CheckID says what is wrong with a remote_id ("is not a PostHog
	// project id (a number)"), "" when it is well formed; nil: any is.
	CheckID func(id string) string
}

func (k SiteKind) plural() string {
	if k.Nouns != "" {
		return k.Nouns
	}
	return k.Noun + "s"
}

// ResolveSites finds the platform id of each declared site: its remote_id
// when set, else the one listed site with exactly its name. Every site
// that cannot be resolved is reported at once in one error that names the
// team and lists the candidates, as is a listed site that two declared
// sites name. It returns the ids by site name.
func ResolveSites(team string, sites []*model.Object, listed []Listed, k SiteKind) (map[string]string, error) {
	byID := make(map[string]bool, len(listed))
	byName := map[string][]string{}
	for _, l := range listed {
		byID[l.ID] = true
		byName[l.Name] = append(byName[l.Name], l.ID)
	}
	candidates := func() string {
		if len(listed) == 0 {
			return fmt.Sprintf("the credential sees no %s in %s", k.Noun, k.Owner)
		}
		c := make([]string, len(listed))
		for i, l := range listed {
			c[i] = fmt.Sprintf("%q (id %s)", l.Name, l.ID)
		}
		return "the " + k.plural() + " are " + strings.Join(c, ", ")
	}
	ids := map[string]string{}
	siteOf := map[string]string{}
	var problems []string
	for _, s := range sites {
		name := s.Addr.Site
		id := strings.TrimSpace(s.RemoteID)
		switch ms := byName[name]; {
		case id != "" && k.CheckID != nil && k.CheckID(id) != "":
			problems = append(problems, fmt.Sprintf("site %q: remote_id %q %s", name, s.RemoteID, k.CheckID(id)))
			continue
		case id != "" && !byID[id]:
			problems = append(problems, fmt.Sprintf("site %q: %s has no %s with id %s (remote_id) that the credential can see; %s", name, k.Owner, k.Noun, id, candidates()))
			continue
		case id != "":
		case len(ms) == 1:
			id = ms[0]
		case len(ms) == 0:
			problems = append(problems, fmt.Sprintf("site %q: no %s %s is named %q; %s. Set remote_id on the site to the %s's id", name, k.Platform, k.Noun, name, candidates(), k.Noun))
			continue
		default:
			problems = append(problems, fmt.Sprintf("site %q: %d %s %s are named %q (ids %s); set remote_id on the site to the id of the one roster manages", name, len(ms), k.Platform, k.plural(), name, strings.Join(ms, ", ")))
			continue
		}
		if other, dup := siteOf[id]; dup {
			problems = append(problems, fmt.Sprintf("sites %q and %q both name %s %s %s; give each site its own %s", other, name, k.Platform, k.Noun, id, k.Noun))
			continue
		}
		ids[name] = id
		siteOf[id] = name
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("team %s: %s", team, strings.Join(problems, "; "))
	}
	return ids, nil
}

// Elsewhere collects, for Snapshot.Elsewhere, who holds access on which
// undeclared sites of the platform account.
type Elsewhere map[string][]string

// Add records that email holds access on the undeclared site name.
func (e Elsewhere) Add(email, name string) { e[email] = append(e[email], name) }

// Sorted returns the map with each person's sites sorted, once each.
func (e Elsewhere) Sorted() map[string][]string {
	for k := range e {
		slices.Sort(e[k])
		e[k] = slices.Compact(e[k])
	}
	return e
}

// Implicit reports whether a membership at the platform's lowest level
// (lowest: PostHog level member, Piwik PRO USER) is no access of its own
// (Snapshot.Implicit): a guest's, or that of someone the team neither
// declares nor stores as a member whose only access is on undeclared
// sites.
func (t *Team) Implicit(email string, lowest bool, elsewhere map[string][]string) bool {
	return lowest && (t.Guests[email] || (!t.Members[email] && len(elsewhere[email]) > 0))
}
