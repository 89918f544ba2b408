package importer

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/roster-dev/roster/internal/model"
)

// SiteLister is what a driver offers import beyond driver.Driver: every
// site, app or project of its team that the credential can see, as the
// platform's id → the platform's name, whether the configuration declares
// it or not. It may be called before Refresh. Drivers implement it without
// importing this package (the method set is all that counts).
type SiteLister interface {
	LiveSites(ctx context.Context) (map[string]string, error)
}

// SiteLabel is the label of a site block for a platform's site name: the
// name itself where it is a valid site name, else the name with every
// character a site name cannot hold (whitespace, '/', control characters)
// turned into '-'. An empty name gives "site".
func SiteLabel(name string) string {
	if model.CheckSiteName(name) == nil {
		return name
	}
	var b strings.Builder
	for _, r := range name {
		if r == '/' || unicode.IsSpace(r) || unicode.IsControl(r) {
			b.WriteByte('-')
			continue
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "site"
	}
	return b.String()
}

// unique returns base, or base-2, base-3, ... the first not taken, and
// takes it.
func unique(base string, taken map[string]bool) string {
	for l, n := base, 2; ; n++ {
		if !taken[l] {
			taken[l] = true
			return l
		}
		l = base + "-" + strconv.Itoa(n)
	}
}

// declaredSites lists the team's declared sites: the remote ids they
// name (lower-cased), the labels of those without one, and every label.
func declaredSites(team string, declared []*model.Object) (byID, byName, labels map[string]bool) {
	byID, byName, labels = map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, o := range declared {
		if o.Addr.Team != team || o.Addr.Kind != model.KindSite {
			continue
		}
		labels[o.Addr.Site] = true
		if id := strings.TrimSpace(o.RemoteID); id != "" {
			byID[strings.ToLower(id)] = true
		} else {
			byName[o.Addr.Site] = true
		}
	}
	return byID, byName, labels
}

// sortedIDs lists the ids of live (id → name) by name, then id, so that
// labels and their suffixes come out the same on every run.
func sortedIDs(live map[string]string) []string {
	ids := make([]string, 0, len(live))
	for id := range live {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := live[ids[i]], live[ids[j]]
		if a != b {
			return a < b
		}
		return ids[i] < ids[j]
	})
	return ids
}

// UndeclaredSites returns the live sites (the platform's id → name) that
// no declared site of the team names (declared: with the remote ids the
// state keeps for them), labelled for their site blocks, by
// label. A declared site names a live one as the drivers match them: by
// remote_id (compared without regard to case: Plausible's ids are
// domains), else by exact name — or, where the platform's id is the name
// (Plausible), by that id without regard to case. A site a moved block
// relabels (moves) is declared under its new label: a live site still
// named by its old one is that site, never a new block (a configuration
// may not declare a moved block's from).
func UndeclaredSites(team string, declared []*model.Object, moves []model.Move, live map[string]string) []Site {
	byID, byName, taken := declaredSites(team, declared)
	for _, mv := range moves {
		if mv.From.Kind == model.KindSite && mv.From.Team == team {
			byName[mv.From.Site], taken[mv.From.Site] = true, true
		}
	}
	folded := map[string]bool{}
	for l := range byName {
		folded[strings.ToLower(l)] = true
	}
	var out []Site
	var rest []string
	// A valid name is its own label: labels made from other names, and
	// their "-2", "-3", come second and never take it.
	for _, id := range sortedIDs(live) {
		name := live[id]
		lid := strings.ToLower(strings.TrimSpace(id))
		if byID[lid] || byName[name] || (strings.EqualFold(id, name) && folded[lid]) {
			continue
		}
		if model.CheckSiteName(name) != nil || taken[name] {
			rest = append(rest, id)
			continue
		}
		taken[name] = true
		out = append(out, Site{Label: name, Name: name, RemoteID: id})
	}
	for _, id := range rest {
		out = append(out, Site{Label: unique(SiteLabel(live[id]), taken), Name: live[id], RemoteID: id})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}
