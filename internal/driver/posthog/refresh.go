package posthog

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
)

// Refresh reads the organization's members, invitations, projects and the
// access rows of every declared project.
func (d *Driver) Refresh(ctx context.Context) (*driver.Snapshot, error) {
	if d.org == "" {
		return nil, fmt.Errorf("team %s: connection.account_id (the PostHog organization id) is not set; copy it from PostHog's organization settings", d.team.Name)
	}
	var requests atomic.Int64
	count := func(res kit.Response) { requests.Add(int64(len(res.API))) }
	st := newState()

	me, res, err := d.api.Me(ctx)
	count(res)
	if err != nil {
		// posthog.md, Auth: a personal API key, sent as a bearer token.
		return nil, driver.KeyRejected(err, d.team.Conn.TokenEnv, "a personal API key of an owner of the organization (PostHog: Settings, Personal API keys)")
	}
	self := model.NormalizeEmail(me.Email)
	if me.Organizations != nil && d.org != "@current" {
		found := false
		var names []string
		for _, o := range *me.Organizations {
			found = found || o.ID == d.org
			names = append(names, fmt.Sprintf("%q (%s)", o.Name, o.ID))
		}
		if !found {
			orgs := "none"
			if len(names) > 0 {
				orgs = strings.Join(names, ", ")
			}
			return nil, fmt.Errorf("the PostHog key of team %s belongs to %s, who is not a member of organization %s (connection.account_id); their organizations: %s",
				d.team.Name, self, d.org, orgs)
		}
	}

	members, memberRes, err := d.api.Members(ctx)
	count(memberRes)
	if err != nil {
		return nil, err
	}
	for _, am := range members {
		m := &liveMember{id: am.ID, uuid: am.User.UUID, email: model.NormalizeEmail(am.User.Email), level: am.Level}
		if m.email == "" {
			// No one roster can name, whose removal it would plan
			// (sync.md, Reading safely): the read fails closed.
			return nil, fmt.Errorf("%s answered GET %s with a member without an email (membership %s); nothing was planned from it",
				Platform, d.api.orgPath("members/"), d.api.hc.Words(am.ID))
		}
		st.members[m.email] = m
		st.byID[m.id] = m
	}
	invites, inviteRes, err := d.api.Invites(ctx)
	count(inviteRes)
	if err != nil {
		return nil, err
	}
	for _, ai := range invites {
		inv := &liveInvite{id: ai.ID, email: model.NormalizeEmail(ai.TargetEmail), level: ai.Level,
			expired: ai.IsExpired, createdAt: ai.CreatedAt}
		if inv.email == "" {
			return nil, fmt.Errorf("%s answered GET %s with an invitation without an email (invitation %s); nothing was planned from it",
				Platform, d.api.orgPath("invites/"), d.api.hc.Words(ai.ID))
		}
		for _, a := range ai.PrivateProjectAccess {
			inv.ppa = append(inv.ppa, projectAccess{project: int(a.ID), level: a.Level})
		}
		st.invites[inv.email] = append(st.invites[inv.email], inv)
	}
	for _, list := range st.invites {
		sort.SliceStable(list, func(i, j int) bool { return list[i].createdAt > list[j].createdAt })
	}
	projects, projectRes, err := d.api.Projects(ctx)
	count(projectRes)
	if err != nil {
		return nil, err
	}

	siteIDs, siteOf, err := d.resolveSites(projects)
	if err != nil {
		return nil, err
	}
	var notes, warnings []string
	var undeclared []int
	for _, p := range projects {
		if _, ok := siteOf[p.ID]; !ok {
			notes = append(notes, fmt.Sprintf("project %s (id %d) is not declared; roster does not manage its access", p.Name, p.ID))
			undeclared = append(undeclared, p.ID)
		}
	}

	// Access rows of each declared project, a few at a time. The
	// undeclared projects' rows are read too: who holds access there keeps
	// their organization membership (schema/sync.md, Reading safely).
	declared := slices.Sorted(maps.Keys(siteOf))
	read := append(slices.Clone(declared), undeclared...)
	acc := make([]Access, len(read))
	if err := kit.Each(ctx, d.parallel, len(read), func(ctx context.Context, i int) error {
		var res kit.Response
		var err error
		acc[i], res, err = d.api.Access(ctx, read[i])
		count(res)
		return err
	}); err != nil {
		return nil, err
	}
	defaults := map[string]string{}
	var roleRows []roleRow
	for i, id := range declared {
		rows := map[string]string{}
		// posthog.md, Project access: the project's default is the row
		// whose organization_member and role are both null; the
		// response's default_access_level is a per-resource-type
		// constant that applies only when no such row exists.
		def, hasDefaultRow := "", false
		for _, row := range acc[i].AccessControls {
			member := row.OrganizationMember != nil && *row.OrganizationMember != ""
			role := row.Role != nil && *row.Role != ""
			switch {
			case !member && !role:
				def, hasDefaultRow = row.AccessLevel, true
			case member && !role:
				rows[*row.OrganizationMember] = row.AccessLevel
			case role && !member:
				// posthog.md: rows per role (RBAC, Enterprise).
				roleRows = append(roleRows, roleRow{site: siteOf[id], role: *row.Role, level: row.AccessLevel})
			}
		}
		if !hasDefaultRow {
			def = acc[i].DefaultAccessLevel
		}
		st.rows[id] = rows
		if def != "" {
			defaults[siteOf[id]] = def
		}
		if def != "" && def != "none" {
			warnings = append(warnings, fmt.Sprintf("site %s (PostHog project %d) gives every organization member %q access by default; declared grants cannot narrow it (set the project's default access to \"none\" in PostHog to make it private)",
				siteOf[id], id, def))
		}
	}

	// Role rows of the undeclared projects: their roles' members hold
	// access there, which keeps their membership (schema/sync.md, Reading
	// safely).
	var elseRoleRows []roleRow
	for i, id := range read[len(declared):] {
		for _, row := range acc[len(declared)+i].AccessControls {
			member := row.OrganizationMember != nil && *row.OrganizationMember != ""
			if row.Role != nil && *row.Role != "" && !member && (row.AccessLevel == "member" || row.AccessLevel == "admin") {
				elseRoleRows = append(elseRoleRows, roleRow{site: projectName(projects, id), role: *row.Role, level: row.AccessLevel})
			}
		}
	}
	var roleAccess []driver.RoleAccess
	var roleMembers map[string][]string
	if len(roleRows)+len(elseRoleRows) > 0 {
		names, members, err := d.readRoles(ctx, count, append(slices.Clone(roleRows), elseRoleRows...))
		if err != nil {
			return nil, err
		}
		roleMembers = members
		for _, rr := range roleRows {
			if rr.level != "member" && rr.level != "admin" {
				continue
			}
			name := names[rr.role]
			if name == "" {
				name = rr.role
			}
			roleAccess = append(roleAccess, driver.RoleAccess{Site: rr.site, Role: name, RoleID: rr.role, Level: rr.level,
				Members: members[rr.role]})
		}
		sort.Slice(roleAccess, func(i, j int) bool {
			if roleAccess[i].Site != roleAccess[j].Site {
				return roleAccess[i].Site < roleAccess[j].Site
			}
			return roleAccess[i].Role < roleAccess[j].Role
		})
		for _, ra := range roleAccess {
			who, verb := "nobody", "holds"
			if len(ra.Members) > 0 {
				who = strings.Join(ra.Members, ", ")
			}
			if len(ra.Members) > 1 {
				verb = "hold"
			}
			notes = append(notes, fmt.Sprintf("site %s: %s %s %q access via role %s (PostHog role-based access); roster reads roles but does not manage them",
				ra.Site, who, verb, ra.Level, ra.Role))
		}
	}

	d.elsewhere = elsewhereOf(st, projects, read[len(declared):], acc[len(declared):], elseRoleRows, roleMembers)
	d.st, d.self, d.siteIDs, d.refreshed = st, self, siteIDs, true
	d.pages.members, d.pages.invites, d.pages.projects = memberRes.Pages, inviteRes.Pages, projectRes.Pages
	d.pages.undeclared = len(read) - len(declared)
	d.run = nil

	snap := &driver.Snapshot{Team: d.team.Name, Self: self, Notes: notes, Warnings: warnings, Requests: int(requests.Load()), SiteIDs: map[string]string{}, Defaults: defaults,
		RoleAccess: roleAccess, Elsewhere: d.elsewhere}
	for name, id := range siteIDs {
		snap.SiteIDs[name] = strconv.Itoa(id)
	}
	snap.Objects, snap.Implicit = d.objects(st, siteOf)
	return snap, nil
}

// roleRow is a project access row of a role.
type roleRow struct {
	site, role, level string
}

// readRoles reads the names of the organization's roles and the members
// of each role that rows name (GET …/roles/, …/roles/{id}/role_memberships/;
// the key needs organization:read). Only organizations with RBAC have
// role rows, so others never make these requests.
func (d *Driver) readRoles(ctx context.Context, count func(kit.Response), rows []roleRow) (map[string]string, map[string][]string, error) {
	roles, res, err := d.api.Roles(ctx)
	count(res)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, x := range roles {
		// Reports print role names on terminals, and the state keeps
		// none with control characters (model.RoleAccess).
		names[x.ID] = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return unicode.ReplacementChar
			}
			return r
		}, x.Name)
	}
	var ids []string
	seen := map[string]bool{}
	for _, x := range rows {
		if !seen[x.role] {
			seen[x.role] = true
			ids = append(ids, x.role)
		}
	}
	sort.Strings(ids)
	lists := make([][]string, len(ids))
	if err := kit.Each(ctx, d.parallel, len(ids), func(ctx context.Context, i int) error {
		ms, res, err := d.api.RoleMemberships(ctx, ids[i])
		count(res)
		if err != nil {
			return err
		}
		for _, m := range ms {
			// The state keeps these emails (a site's role_access): one
			// that is not an email stops the read.
			e, err := model.ParseEmail(m.User.Email)
			if err != nil {
				return fmt.Errorf("%s answered GET %s with a page roster cannot read: role membership: %v", Platform, d.api.orgPath("roles/"+url.PathEscape(ids[i])+"/role_memberships/"), err)
			}
			lists[i] = append(lists[i], e)
		}
		return nil
	}); err != nil {
		return nil, nil, err
	}
	members := map[string][]string{}
	for i, id := range ids {
		sort.Strings(lists[i])
		members[id] = lists[i]
	}
	return names, members, nil
}

// elsewhereOf maps each person holding member or admin access on an
// undeclared project to those projects' names, sorted: a member by their
// row there (ids, with their access rows acc), and someone only invited
// by their pending invitation's private_project_access, which becomes such
// a row when they accept (posthog.md, Invites: "On accept, one
// AccessControl row is created per project"), and the members of a role
// with a row there (roleRows, with roleMembers by role id). Deleting that
// membership or invitation would take that access too (schema/sync.md,
// Reading safely).
func elsewhereOf(st *state, projects []Project, ids []int, acc []Access, roleRows []roleRow, roleMembers map[string][]string) map[string][]string {
	names := map[int]string{}
	for _, p := range projects {
		names[p.ID] = p.Name
	}
	out := driver.Elsewhere{}
	for _, rr := range roleRows {
		for _, email := range roleMembers[rr.role] {
			out.Add(email, rr.site)
		}
	}
	undeclared := map[int]bool{}
	for _, id := range ids {
		undeclared[id] = true
	}
	for email := range st.invites {
		pend := st.pending(email)
		if st.members[email] != nil || len(pend) == 0 {
			continue
		}
		for _, a := range pend[0].ppa {
			if undeclared[a.project] && (a.level == "member" || a.level == "admin") {
				out.Add(email, names[a.project])
			}
		}
	}
	for i, id := range ids {
		for _, row := range acc[i].AccessControls {
			if row.OrganizationMember == nil || (row.Role != nil && *row.Role != "") || (row.AccessLevel != "member" && row.AccessLevel != "admin") {
				continue
			}
			if m := st.byID[*row.OrganizationMember]; m != nil {
				out.Add(m.email, names[id])
			}
		}
	}
	return out.Sorted()
}

// resolveSites finds each declared site's project: by remote_id, else by
// exact name (driver.ResolveSites). A remote_id is compared as a number.
func (d *Driver) resolveSites(projects []Project) (map[string]int, map[int]string, error) {
	listed := make([]driver.Listed, len(projects))
	for i, p := range projects {
		listed[i] = driver.Listed{ID: strconv.Itoa(p.ID), Name: p.Name}
	}
	sites := make([]*model.Object, len(d.team.Sites))
	for i, s := range d.team.Sites {
		sites[i] = s
		if n, err := strconv.Atoi(strings.TrimSpace(s.RemoteID)); err == nil && strconv.Itoa(n) != s.RemoteID {
			c := s.Clone()
			c.RemoteID = strconv.Itoa(n)
			sites[i] = c
		}
	}
	ids, err := driver.ResolveSites(d.team.Name, sites, listed, driver.SiteKind{
		Platform: "PostHog", Noun: "project", Owner: "organization " + d.org,
		CheckID: func(id string) string {
			if _, err := strconv.Atoi(id); err != nil {
				return "is not a PostHog project id (a number)"
			}
			return ""
		},
	})
	if err != nil {
		return nil, nil, err
	}
	siteIDs := make(map[string]int, len(ids))
	siteOf := make(map[int]string, len(ids))
	for name, id := range ids {
		n, _ := strconv.Atoi(id)
		siteIDs[name], siteOf[n] = n, name
	}
	return siteIDs, siteOf, nil
}

// objects turns the live state into the model's objects, and the
// implicit memberships left out of them.
func (d *Driver) objects(st *state, siteOf map[int]string) (objs, implicit []*model.Object) {
	team := d.team.Name
	holder := func(email string) model.HolderKind {
		if d.team.Guests[email] {
			return model.HolderGuest
		}
		return model.HolderMember
	}
	for _, m := range st.members {
		if d.team.Implicit(m.email, m.level == levelMember, d.elsewhere) {
			implicit = append(implicit, &model.Object{Addr: model.MemberAddress(team, m.email), Role: roleOfLevel(m.level), Status: model.StatusActive})
			continue
		}
		objs = append(objs, &model.Object{Addr: model.MemberAddress(team, m.email), Role: roleOfLevel(m.level), Status: model.StatusActive})
	}
	for email := range st.invites {
		if st.members[email] != nil {
			continue
		}
		pend := st.pending(email)
		if len(pend) == 0 {
			continue // expired: planned again as "invitation expired"
		}
		inv := pend[0]
		// An invitation at level member is no access of its own for a
		// guest, or for someone the team does not declare as a member
		// whose invitation gives access on undeclared projects: the
		// planner keeps it or removes it as schema/sync.md says
		// (Reading safely), like an active member's.
		member := &model.Object{Addr: model.MemberAddress(team, email), Role: roleOfLevel(inv.level), Status: model.StatusInvited}
		if d.team.Implicit(email, inv.level == levelMember, d.elsewhere) {
			implicit = append(implicit, member)
		} else {
			objs = append(objs, member)
		}
		for _, a := range inv.ppa {
			site, ok := siteOf[a.project]
			if !ok || (a.level != "member" && a.level != "admin") {
				continue
			}
			objs = append(objs, &model.Object{Addr: model.PersonGrantAddress(team, site, email), Role: a.level,
				HolderKind: holder(email), Status: model.StatusInvited})
		}
	}
	for pid, rows := range st.rows {
		site := siteOf[pid]
		for mid, level := range rows {
			m := st.byID[mid]
			if m == nil || (level != "member" && level != "admin") {
				continue
			}
			objs = append(objs, &model.Object{Addr: model.PersonGrantAddress(team, site, m.email), Role: level,
				HolderKind: holder(m.email), Status: model.StatusActive})
		}
	}
	model.SortObjects(objs)
	model.SortObjects(implicit)
	return objs, implicit
}

// projectName is the name of the project with id among projects.
func projectName(projects []Project, id int) string {
	for _, p := range projects {
		if p.ID == id {
			return p.Name
		}
	}
	return strconv.Itoa(id)
}
