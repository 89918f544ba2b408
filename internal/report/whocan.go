package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/roster-dev/roster/internal/model"
)

// WhoCanFilter narrows who-can to a team, a site or both.
type WhoCanFilter struct {
	// Team keeps one team; "" keeps every team.
	Team string
	// Site is "TEAM/SITE", or a bare site name matching that site in every
	// team; "" keeps every site.
	Site string
}

// WhoCanDoc lists everyone holding a capability and through which role.
// Its JSON form is schema/who-can.schema.json.
type WhoCanDoc struct {
	FormatVersion string `json:"format_version"`
	Capability    string `json:"capability"`
	// Team and Site are the filter as given, nil when not given.
	Team *string     `json:"team"`
	Site *string     `json:"site"`
	Rows []WhoCanRow `json:"rows"`
}

// WhoCanRow is one person holding the capability through one role.
type WhoCanRow struct {
	Person string `json:"person"`
	Team   string `json:"team"`
	// Site is the site's name; "*" for a team role (it covers every site)
	// when no site was asked for; with a site filter, team roles show that
	// site.
	Site string `json:"site"`
	Role string `json:"role"`
	// Kind is "team" (a team role) or "site" (a grant).
	Kind string `json:"kind"`
	// Via is "member" (a team role or a member's grant), "guest",
	// "group:NAME", "default" (the site's default access) or "role:NAME"
	// (access a platform role gives, ViaRolePrefix); for the last two
	// Address is the site's.
	Via string `json:"via"`
	// Status is active, invited or manual: invited access counts.
	Status string `json:"status"`
	// Pending is, for status manual, the change waiting (ReviewRow.Pending).
	Pending string  `json:"pending,omitempty"`
	Expires *string `json:"expires"`
	Address string  `json:"address"`
}

// WhoCan lists everyone holding capability (a word of the vocabulary, or
// "*" for every capability at once) in the teams and sites the filter
// keeps. Access of every status is listed, invited access marked by its
// status. Rows are sorted by team, site ("*" first), person, kind and via.
func WhoCan(in Input, capability model.Capability, filter WhoCanFilter) *WhoCanDoc {
	doc := &WhoCanDoc{FormatVersion: FormatVersion, Capability: string(capability), Team: optString(filter.Team), Site: optString(filter.Site), Rows: []WhoCanRow{}}
	siteTeam, siteName := "", filter.Site
	if t, s, ok := strings.Cut(filter.Site, "/"); ok {
		siteTeam, siteName = t, s
	}
	idx := newIndex(in)
	for _, t := range idx.teams {
		if (filter.Team != "" && t.name != filter.Team) || (siteTeam != "" && t.name != siteTeam) {
			continue
		}
		teamSite := TeamWide
		if siteName != "" {
			if t.siteBy[siteName] == nil {
				continue
			}
			teamSite = siteName
		}
		for _, m := range t.members {
			if t.caps(model.TeamRole, m.Role).Has(capability) {
				doc.Rows = append(doc.Rows, whoRow(m, m.Addr.Email, teamSite, RoleKindTeam, t.teamVia()))
			}
		}
		for _, g := range t.grants {
			if siteName != "" && g.Addr.Site != siteName {
				continue
			}
			if !t.grantCaps(g).Has(capability) {
				continue
			}
			switch grp := t.groups[g.Addr.Group]; {
			case g.Addr.Group == "":
				via := KindMember
				if g.HolderKind == model.HolderGuest {
					via = KindGuest
				}
				doc.Rows = append(doc.Rows, whoRow(g, g.Addr.Email, g.Addr.Site, RoleKindSite, via))
			case grp == nil:
				// A grant of a group the state lacks: name the group.
				doc.Rows = append(doc.Rows, whoRow(g, g.Addr.Holder(), g.Addr.Site, RoleKindSite, g.Addr.Holder()))
			default:
				for _, p := range grp.Members {
					doc.Rows = append(doc.Rows, whoRow(g, model.NormalizeEmail(p), g.Addr.Site, RoleKindSite, g.Addr.Holder()))
				}
			}
		}
		for _, s := range t.sites {
			if siteName != "" && s.Addr.Site != siteName {
				continue
			}
			for _, h := range t.roleHolders(s) {
				if h.caps.Has(capability) {
					doc.Rows = append(doc.Rows, WhoCanRow{Person: h.person.email, Team: t.name, Site: s.Addr.Site, Role: h.level, Kind: RoleKindSite,
						Via: h.via, Status: string(h.person.status), Pending: h.person.pending, Expires: optString(h.person.expires), Address: s.Addr.String()})
				}
			}
			role, caps, ok := t.siteDefault(s)
			if !ok || !caps.Has(capability) {
				continue
			}
			people := t.defaultPeople()
			for i := range people {
				p := &people[i]
				if p.defaultReaches(caps) {
					doc.Rows = append(doc.Rows, WhoCanRow{Person: p.email, Team: t.name, Site: s.Addr.Site, Role: role, Kind: RoleKindSite,
						Via: ViaDefault, Status: string(p.status), Pending: p.pending, Expires: optString(p.expires), Address: s.Addr.String()})
				}
			}
		}
	}
	slices.SortFunc(doc.Rows, func(a, b WhoCanRow) int {
		if c := strings.Compare(a.Team, b.Team); c != 0 {
			return c
		}
		if ta, tb := a.Kind == RoleKindTeam && a.Site == TeamWide, b.Kind == RoleKindTeam && b.Site == TeamWide; ta != tb {
			if ta {
				return -1
			}
			return 1
		}
		if c := strings.Compare(a.Site, b.Site); c != 0 {
			return c
		}
		if c := strings.Compare(a.Person, b.Person); c != 0 {
			return c
		}
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.Via, b.Via)
	})
	return doc
}

func whoRow(o *model.Object, person, site, kind, via string) WhoCanRow {
	return WhoCanRow{
		Person:  person,
		Team:    o.Addr.Team,
		Site:    site,
		Role:    o.Role,
		Kind:    kind,
		Via:     via,
		Status:  string(statusOf(o)),
		Pending: pendingOf(o),
		Expires: optString(o.Expires),
		Address: o.Addr.String(),
	}
}

// WriteWhoCanJSON writes the document as schema/who-can.schema.json
// describes it.
func WriteWhoCanJSON(w io.Writer, doc *WhoCanDoc) error { return writeJSON(w, doc) }

// WriteWhoCanText writes a table, one line per row, or "Nobody holds CAP."
// when nobody does.
func WriteWhoCanText(w io.Writer, doc *WhoCanDoc) error {
	bw := bufio.NewWriter(w)
	if len(doc.Rows) == 0 {
		fmt.Fprintf(bw, "Nobody holds %s.\n", doc.Capability)
		return bw.Flush()
	}
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PERSON\tTEAM\tSITE\tROLE\tKIND\tVIA\tSTATUS\tEXPIRES")
	for i := range doc.Rows {
		r := &doc.Rows[i]
		exp := "-"
		if r.Expires != nil {
			exp = *r.Expires
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Person, r.Team, r.Site, r.Role, r.Kind, r.Via, statusWords(r.Status, r.Pending), exp)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}
