package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/policy"
)

// Role kinds of an access source and a who-can row.
const (
	RoleKindTeam = "team"
	RoleKindSite = "site"
)

// AccessDoc is one person's access across every team and site, with
// capabilities. Its JSON form is schema/access.schema.json. A person
// without access has no teams.
type AccessDoc struct {
	FormatVersion string `json:"format_version"`
	// Email is the person, normalised.
	Email    string       `json:"email"`
	External bool         `json:"external"`
	Now      string       `json:"now"`
	Teams    []AccessTeam `json:"teams"`
}

// AccessTeam is the person's access in one team.
type AccessTeam struct {
	Team     string `json:"team"`
	Platform string `json:"platform"`
	// TeamRole is the person's membership, nil when they are not a member.
	TeamRole *AccessSource `json:"team_role"`
	// Groups are the team's groups the person belongs to.
	Groups []string `json:"groups"`
	// Sites are the sites where the person holds something: a grant of
	// their own or of a group, or a team role with capabilities (which
	// covers every site of the team). Sorted by name.
	Sites []AccessSite `json:"sites"`
}

// AccessSite is what the person may do on one site: the union of the
// capabilities of every source.
type AccessSite struct {
	Site         string         `json:"site"`
	Environment  *string        `json:"environment"`
	Capabilities []string       `json:"capabilities"`
	Sources      []AccessSource `json:"sources"`
}

// AccessSource is one way the person holds access: their team role (Kind
// "team", How "member"), their own grant (Kind "site", How "member" or
// "guest"), a group's grant (Kind "site", How "group:NAME"), the site's
// default access (Kind "site", How "default", Address the site's), which
// reaches every member and guest whose team role does not already give it,
// or a platform role's access recorded on the site (Kind "site", How
// "role:NAME", Address the site's), where it gives more than the team role.
type AccessSource struct {
	How          string   `json:"how"`
	Kind         string   `json:"kind"`
	Role         string   `json:"role"`
	Capabilities []string `json:"capabilities"`
	Status       string   `json:"status"`
	// Pending is, for status manual, the change waiting (ReviewRow.Pending).
	Pending string  `json:"pending,omitempty"`
	Expires *string `json:"expires"`
	// Expired is true when the access expired before now and is still in
	// the state (the next apply removes it).
	Expired bool   `json:"expired"`
	Address string `json:"address"`
}

// Access gathers one person's access. The email is normalised with
// model.NormalizeEmail. Access of every status counts: invited and manual
// sources are listed with their status, and their capabilities join the
// site's union.
func Access(in Input, email string) *AccessDoc {
	email = model.NormalizeEmail(email)
	doc := &AccessDoc{
		FormatVersion: FormatVersion,
		Email:         email,
		External:      policy.IsExternal(email, in.InternalDomains),
		Now:           formatTime(in.Now),
		Teams:         []AccessTeam{},
	}
	idx := newIndex(in)
	for _, t := range idx.teams {
		if at, ok := accessInTeam(in, t, email); ok {
			doc.Teams = append(doc.Teams, at)
		}
	}
	return doc
}

func accessInTeam(in Input, t *teamIdx, email string) (AccessTeam, bool) {
	at := AccessTeam{Team: t.name, Platform: t.platformName(), Groups: []string{}, Sites: []AccessSite{}}
	var member *model.Object
	for _, m := range t.members {
		if m.Addr.Email == email {
			member = m
			break
		}
	}
	var teamCaps model.CapSet
	if member != nil {
		teamCaps = t.caps(model.TeamRole, member.Role)
		src := source(in, member, t.teamVia(), RoleKindTeam, teamCaps)
		at.TeamRole = &src
	}
	inGroup := map[string]bool{}
	for name, g := range t.groups {
		for _, p := range g.Members {
			if model.NormalizeEmail(p) == email {
				inGroup[name] = true
				at.Groups = append(at.Groups, name)
				break
			}
		}
	}
	slices.Sort(at.Groups)

	// The person's grants, by site.
	grants := map[string][]*model.Object{}
	for _, g := range t.grants {
		if g.Addr.Email == email || (g.Addr.Group != "" && inGroup[g.Addr.Group]) {
			grants[g.Addr.Site] = append(grants[g.Addr.Site], g)
		}
	}
	// The roles recorded on the team's sites that give the person access.
	roles := map[string][]roleHolder{}
	for _, s := range t.sites {
		for _, h := range t.roleHolders(s) {
			if h.person.email == email {
				roles[s.Addr.Site] = append(roles[s.Addr.Site], h)
			}
		}
	}
	if member == nil && len(grants) == 0 && len(at.Groups) == 0 && len(roles) == 0 {
		return at, false
	}
	// The team's sites' default access reaches members and guests.
	var person *teamPerson
	if member != nil || len(grants) > 0 {
		people := t.defaultPeople()
		for i := range people {
			if people[i].email == email {
				person = &people[i]
				break
			}
		}
	}
	for _, s := range t.sites {
		gs := grants[s.Addr.Site]
		defRole, defCaps, hasDef := t.siteDefault(s)
		hasDef = hasDef && person != nil && person.defaultReaches(defCaps)
		rs := roles[s.Addr.Site]
		if len(gs) == 0 && teamCaps == 0 && !hasDef && len(rs) == 0 {
			continue
		}
		as := AccessSite{Site: s.Addr.Site, Environment: optString(s.Environment), Sources: []AccessSource{}}
		var union model.CapSet
		if member != nil && teamCaps != 0 {
			as.Sources = append(as.Sources, *at.TeamRole)
			union |= teamCaps
		}
		if hasDef {
			as.Sources = append(as.Sources, AccessSource{
				How: ViaDefault, Kind: RoleKindSite, Role: defRole, Capabilities: defCaps.Strings(),
				Status: string(person.status), Pending: person.pending, Expires: optString(person.expires),
				Expired: expiredAt(&model.Object{Expires: person.expires}, in.Now),
				Address: s.Addr.String(),
			})
			union |= defCaps
		}
		for _, h := range rs {
			as.Sources = append(as.Sources, AccessSource{
				How: h.via, Kind: RoleKindSite, Role: h.level, Capabilities: h.caps.Strings(),
				Status: string(h.person.status), Pending: h.person.pending, Expires: optString(h.person.expires),
				Expired: expiredAt(&model.Object{Expires: h.person.expires}, in.Now),
				Address: s.Addr.String(),
			})
			union |= h.caps
		}
		// Own grant first, then groups by name (address order).
		slices.SortFunc(gs, func(a, b *model.Object) int {
			if (a.Addr.Group == "") != (b.Addr.Group == "") {
				if a.Addr.Group == "" {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Addr.Group, b.Addr.Group)
		})
		for _, g := range gs {
			caps := t.grantCaps(g)
			how := KindMember
			switch {
			case g.Addr.Group != "":
				how = g.Addr.Holder()
			case g.HolderKind == model.HolderGuest:
				how = KindGuest
			}
			as.Sources = append(as.Sources, source(in, g, how, RoleKindSite, caps))
			union |= caps
		}
		as.Capabilities = union.Strings()
		at.Sites = append(at.Sites, as)
	}
	return at, true
}

func source(in Input, o *model.Object, how, kind string, caps model.CapSet) AccessSource {
	return AccessSource{
		How:          how,
		Kind:         kind,
		Role:         o.Role,
		Capabilities: caps.Strings(),
		Status:       string(statusOf(o)),
		Pending:      pendingOf(o),
		Expires:      optString(o.Expires),
		Expired:      expiredAt(o, in.Now),
		Address:      o.Addr.String(),
	}
}

// WriteAccessJSON writes the document as schema/access.schema.json
// describes it.
func WriteAccessJSON(w io.Writer, doc *AccessDoc) error { return writeJSON(w, doc) }

// WriteAccessText writes the person's access for a terminal: per team, the
// team role and groups, then per site the capabilities (comma-listed) and
// where each comes from. A person without access gets one line:
// "EMAIL has no access in the state."
func WriteAccessText(w io.Writer, doc *AccessDoc) error {
	bw := bufio.NewWriter(w)
	if len(doc.Teams) == 0 {
		fmt.Fprintf(bw, "%s has no access in the state.\n", doc.Email)
		return bw.Flush()
	}
	who := doc.Email
	if doc.External {
		who += " (external)"
	}
	n := len(doc.Teams)
	teams := "1 team"
	if n != 1 {
		teams = fmt.Sprintf("%d teams", n)
	}
	fmt.Fprintf(bw, "%s has access in %s, as of %s.\n", who, teams, doc.Now)
	for _, t := range doc.Teams {
		platform := t.Platform
		if platform == "" {
			platform = "unknown platform"
		}
		fmt.Fprintf(bw, "\nTeam %s (%s)\n", t.Team, platform)
		if t.TeamRole != nil {
			fmt.Fprintf(bw, "  team role %s: %s%s\n", t.TeamRole.Role, capsText(t.TeamRole.Capabilities), annotations(t.TeamRole))
		} else {
			bw.WriteString("  no team role\n")
		}
		if len(t.Groups) > 0 {
			fmt.Fprintf(bw, "  groups: %s\n", strings.Join(t.Groups, ", "))
		}
		if len(t.Sites) == 0 {
			bw.WriteString("  no access to any site\n")
		}
		for _, s := range t.Sites {
			env := ""
			if s.Environment != nil {
				env = " (" + *s.Environment + ")"
			}
			fmt.Fprintf(bw, "  site %s%s: %s\n", s.Site, env, capsText(s.Capabilities))
			for i := range s.Sources {
				src := &s.Sources[i]
				var what string
				switch {
				case src.Kind == RoleKindTeam && src.How == ViaAccount:
					what = "team role " + src.Role + " via account (the account binding covers every property)"
				case src.Kind == RoleKindTeam:
					what = "team role " + src.Role
				case strings.HasPrefix(src.How, model.GroupHolderPrefix):
					what = "grant " + src.Role + " via group " + strings.TrimPrefix(src.How, model.GroupHolderPrefix)
				case src.How == ViaDefault:
					what = src.Role + " via default (the site's default access)"
				case strings.HasPrefix(src.How, ViaRolePrefix):
					what = src.Role + " via role " + strings.TrimPrefix(src.How, ViaRolePrefix) + " (a platform role; roster reads roles but does not manage them)"
				default:
					what = "grant " + src.Role + " (" + src.How + ")"
				}
				fmt.Fprintf(bw, "    - %s: %s%s\n", what, capsText(src.Capabilities), annotations(src))
			}
		}
	}
	return bw.Flush()
}

func capsText(caps []string) string {
	if len(caps) == 0 {
		return "no capabilities"
	}
	return strings.Join(caps, ", ")
}

// annotations are the status and expiry of a source, for text output.
func annotations(s *AccessSource) string {
	var parts []string
	if s.Status != string(model.StatusActive) {
		parts = append(parts, statusWords(s.Status, s.Pending))
	}
	if s.Expires != nil {
		if s.Expired {
			parts = append(parts, "expired "+*s.Expires)
		} else {
			parts = append(parts, "expires "+*s.Expires)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " [" + strings.Join(parts, ", ") + "]"
}
