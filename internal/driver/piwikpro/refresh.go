package piwikpro

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
)

// Account roles and the no-access permission (piwikpro.md).
const (
	roleOwner = "OWNER"
	roleUser  = "USER"
	noAccess  = "no-access"
)

// levels are the app permissions a grant can hold, in the API's words.
var levels = map[string]bool{"view": true, "edit": true, "edit-publish": true, "manage": true}

// apiLevel maps a profile role (edit_publish) to the API's (edit-publish).
func apiLevel(role string) string { return strings.ReplaceAll(role, "_", "-") }

// modelRole maps an API permission (edit-publish) to the profile's role.
func modelRole(level string) string { return strings.ReplaceAll(level, "-", "_") }

// --- live state -------------------------------------------------------------

type liveUser struct {
	id, email, role string
}

type liveGroup struct {
	id, name, label string
	members         map[string]bool // emails
}

// state is what the driver knows of the account, kept up to date as each
// request succeeds. Levels are the API's (edit-publish).
type state struct {
	users  map[string]*liveUser // by email
	byID   map[string]*liveUser
	perms  map[string]map[string]string // app id → user id → explicit level
	groups map[string]*liveGroup        // by label
	gperms map[string]map[string]string // app id → group id → level
	// owners' grants as roster records them (Piwik PRO lists none): email
	// → app id → level; cleared are the apps whose grant this apply
	// removed while the person was an owner.
	ownerGrants map[string]map[string]string
	cleared     map[string]map[string]bool
}

func newState() *state {
	return &state{users: map[string]*liveUser{}, byID: map[string]*liveUser{}, perms: map[string]map[string]string{},
		groups: map[string]*liveGroup{}, gperms: map[string]map[string]string{},
		ownerGrants: map[string]map[string]string{}, cleared: map[string]map[string]bool{}}
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	c := make(map[K]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (s *state) clone() *state {
	c := newState()
	for e, u := range s.users {
		cu := *u
		c.users[e] = &cu
		c.byID[cu.id] = &cu
	}
	for a, m := range s.perms {
		c.perms[a] = cloneMap(m)
	}
	for l, g := range s.groups {
		cg := *g
		cg.members = cloneMap(g.members)
		c.groups[l] = &cg
	}
	for a, m := range s.gperms {
		c.gperms[a] = cloneMap(m)
	}
	for e, m := range s.ownerGrants {
		c.ownerGrants[e] = cloneMap(m)
	}
	for e, m := range s.cleared {
		c.cleared[e] = cloneMap(m)
	}
	return c
}

func (s *state) addUser(u *liveUser) {
	s.users[u.email] = u
	s.byID[u.id] = u
}

func (s *state) removeUser(u *liveUser) {
	delete(s.users, u.email)
	delete(s.byID, u.id)
	for _, m := range s.perms {
		delete(m, u.id)
	}
	for _, g := range s.groups {
		delete(g.members, u.email)
	}
	delete(s.ownerGrants, u.email)
	delete(s.cleared, u.email)
}

func (s *state) setPerm(app, uid, level string) {
	if level == "" || level == noAccess {
		delete(s.perms[app], uid)
		return
	}
	if s.perms[app] == nil {
		s.perms[app] = map[string]string{}
	}
	s.perms[app][uid] = level
}

func (s *state) setGroupPerm(app, gid, level string) {
	if level == "" || level == noAccess {
		delete(s.gperms[app], gid)
		return
	}
	if s.gperms[app] == nil {
		s.gperms[app] = map[string]string{}
	}
	s.gperms[app][gid] = level
}

// grantsOf lists the apps where a person holds a grant: explicit
// permissions for a USER, the recorded grants for an OWNER.
func (s *state) grantsOf(u *liveUser) map[string]bool {
	out := map[string]bool{}
	if u.role == roleOwner {
		for app := range s.ownerGrants[u.email] {
			out[app] = true
		}
		return out
	}
	for app, m := range s.perms {
		if m[u.id] != "" {
			out[app] = true
		}
	}
	return out
}

// Refresh reads the account's users, apps, groups and their members, and
// the user and group permissions of every declared app.
func (d *Driver) Refresh(ctx context.Context) (*driver.Snapshot, error) {
	if d.api.credErr != nil {
		return nil, d.api.credErr
	}
	var requests atomic.Int64
	count := func(res kit.Response) int {
		requests.Add(int64(len(res.API)))
		return res.Pages
	}
	st := newState()
	var pg pages

	users, res, err := d.api.Users(ctx)
	pg.users = count(res)
	if err != nil {
		return nil, err
	}
	for _, au := range users {
		u := &liveUser{id: au.ID, email: model.NormalizeEmail(au.Attributes.Email), role: strings.ToUpper(au.Attributes.Role)}
		if u.email == "" || u.id == "" {
			continue
		}
		st.addUser(u)
	}
	apps, res, err := d.api.Apps(ctx)
	pg.apps = count(res)
	if err != nil {
		return nil, err
	}
	metas, res, err := d.api.MetaSites(ctx)
	pg.metaSites = count(res)
	if err != nil {
		return nil, err
	}
	groups, res, err := d.api.Groups(ctx)
	pg.groups = count(res)
	if err != nil {
		return nil, err
	}
	siteIDs, siteOf, err := d.resolveSites(apps)
	if err != nil {
		return nil, err
	}
	labels, err := d.groupLabels(groups)
	if err != nil {
		return nil, err
	}
	var notes, undeclared []string
	for _, a := range apps {
		if _, ok := siteOf[a.ID]; !ok {
			notes = append(notes, fmt.Sprintf("app %s (id %s) is not declared; roster does not manage its access", a.Attributes.Name, a.ID))
			undeclared = append(undeclared, a.ID)
		}
	}

	// Each group's users, and each declared app's user and group
	// permissions, a few at a time. The undeclared apps' permissions are
	// read too: who holds access there keeps their USER (schema/sync.md,
	// Reading safely).
	declared := slices.Sorted(maps.Keys(siteOf))
	read := append(slices.Clone(declared), undeclared...)
	// The meta-sites last: never managed, read for who holds access there.
	apps = slices.Clone(apps)
	meta := map[string]bool{}
	for _, m := range metas {
		read = append(read, m.ID)
		meta[m.ID] = true
		m.Attributes.Name += " (meta-site)"
		apps = append(apps, m)
	}
	members := make([][]GroupUser, len(groups))
	memberPages := make([]int, len(groups))
	permPages := make([]int, 2*len(read))
	uperms := make([][]UserPermission, len(read))
	gperms := make([][]GroupPermission, len(read))
	jobs := make([]func() error, 0, len(groups)+2*len(read))
	for i, g := range groups {
		jobs = append(jobs, func() error {
			var res kit.Response
			var err error
			members[i], res, err = d.api.GroupUsers(ctx, g.ID)
			memberPages[i] = count(res)
			return err
		})
	}
	for i, app := range read {
		users, groups := d.api.UserPermissions, d.api.GroupPermissions
		if meta[app] {
			users, groups = d.api.MetaUserPermissions, d.api.MetaGroupPermissions
		}
		jobs = append(jobs, func() error {
			var res kit.Response
			var err error
			uperms[i], res, err = users(ctx, app)
			permPages[2*i] = count(res)
			return err
		}, func() error {
			var res kit.Response
			var err error
			gperms[i], res, err = groups(ctx, app)
			permPages[2*i+1] = count(res)
			return err
		})
	}
	if err := d.runJobs(ctx, jobs); err != nil {
		return nil, err
	}
	for _, n := range memberPages {
		pg.groupUsers += n
	}
	for _, n := range permPages {
		pg.perms += n
	}

	byGroupID := map[string]*liveGroup{}
	for i, g := range groups {
		lg := &liveGroup{id: g.ID, name: g.Attributes.Name, label: labels[g.ID], members: map[string]bool{}}
		for _, m := range members[i] {
			if e := model.NormalizeEmail(m.Attributes.Email); e != "" {
				lg.members[e] = true
			}
		}
		st.groups[lg.label] = lg
		byGroupID[g.ID] = lg
	}
	unknown := map[string]bool{}
	for i, app := range declared {
		for _, p := range uperms[i] {
			level := p.Attributes.Permission
			if level == "" {
				level = p.Attributes.Permissions
			}
			u := st.byID[p.ID]
			if u == nil || u.role == roleOwner || level == "" || level == noAccess {
				continue // unknown since the users were read, an owner, or no grant
			}
			if !levels[level] {
				unknown[fmt.Sprintf("%s has permission %q on site %s, which roster does not know; it is left alone", u.email, level, siteOf[app])] = true
				continue
			}
			st.setPerm(app, u.id, level)
		}
		for _, p := range gperms[i] {
			g := byGroupID[p.ID]
			level := p.Attributes.Permission
			if g == nil || level == "" || level == noAccess {
				continue
			}
			if !levels[level] {
				unknown[fmt.Sprintf("group %s has permission %q on site %s, which roster does not know; it is left alone", g.name, level, siteOf[app])] = true
				continue
			}
			st.setGroupPerm(app, g.id, level)
		}
	}
	odd := slices.Sorted(maps.Keys(unknown))
	notes = append(notes, odd...)

	sub := d.api.Subject()
	self := ""
	if u := st.byID[sub]; u != nil {
		self = u.email
		if u.role != roleOwner {
			notes = append(notes, fmt.Sprintf("the API key belongs to %s, a USER: Piwik PRO lets only owners manage users and groups, so changes will be refused; use an owner's API key", self))
		}
	}

	d.elsewhere = elsewhereOf(st, apps, read[len(declared):], uperms[len(declared):], gperms[len(declared):], byGroupID)
	d.ownerGrantsFrom(st, siteIDs)
	d.st, d.siteIDs, d.siteOf, d.pages, d.refreshed, d.run = st, siteIDs, siteOf, pg, true, nil
	snap := &driver.Snapshot{Team: d.team.Name, Self: self, Notes: notes, Requests: int(requests.Load()), SiteIDs: maps.Clone(siteIDs), Elsewhere: d.elsewhere}
	snap.Objects, snap.Implicit = d.objects(st)
	return snap, nil
}

// elsewhereOf maps each user holding a permission on an undeclared app
// (ids, with their user and group permissions), themselves or through a
// group, to those apps' names, sorted.
func elsewhereOf(st *state, apps []Named, ids []string, uperms [][]UserPermission, gperms [][]GroupPermission, groups map[string]*liveGroup) map[string][]string {
	names := map[string]string{}
	for _, a := range apps {
		names[a.ID] = a.Attributes.Name
	}
	out := driver.Elsewhere{}
	for i, app := range ids {
		for _, p := range uperms[i] {
			level := p.Attributes.Permission
			if level == "" {
				level = p.Attributes.Permissions
			}
			if u := st.byID[p.ID]; u != nil && level != "" && level != noAccess {
				out.Add(u.email, names[app])
			}
		}
		for _, p := range gperms[i] {
			if g := groups[p.ID]; g != nil && p.Attributes.Permission != "" && p.Attributes.Permission != noAccess {
				for e := range g.members {
					out.Add(e, names[app])
				}
			}
		}
	}
	return out.Sorted()
}

// runJobs runs reads at most d.parallel at a time (--parallelism); the
// first error wins.
func (d *Driver) runJobs(ctx context.Context, jobs []func() error) error {
	return kit.Each(ctx, d.parallel, len(jobs), func(ctx context.Context, i int) error { return jobs[i]() })
}

// resolveSites finds each declared site's app: by remote_id, else by exact
// name (driver.ResolveSites).
func (d *Driver) resolveSites(apps []Named) (map[string]string, map[string]string, error) {
	listed := make([]driver.Listed, len(apps))
	for i, a := range apps {
		listed[i] = driver.Listed{ID: a.ID, Name: a.Attributes.Name}
	}
	siteIDs, err := driver.ResolveSites(d.team.Name, d.team.Sites, listed, driver.SiteKind{Platform: "Piwik PRO", Noun: "app", Owner: "the account"})
	if err != nil {
		return nil, nil, err
	}
	siteOf := make(map[string]string, len(siteIDs))
	for name, id := range siteIDs {
		siteOf[id] = name
	}
	return siteIDs, siteOf, nil
}

// GroupLabel turns a Piwik PRO group's name into a group label that fits
// model.NamePattern: lower-cased, each run of other characters turned into
// one '-', leading '-' and '_' dropped, at most 63 characters; "group"
// when nothing is left (schema/sync.md, import).
func GroupLabel(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' || r == '-' {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimLeft(b.String(), "-_")
	if len(s) > 63 {
		s = s[:63]
	}
	if s == "" {
		s = "group"
	}
	return s
}

// groupLabels addresses every live group: by the declared (else stored)
// group whose remote_id is its id, else by its name where it fits the
// group pattern, else by GroupLabel of its name, "-2", "-3" on collision. A declared remote_id that names no group is an error.
func (d *Driver) groupLabels(groups []Named) (map[string]string, error) {
	live := map[string]bool{}
	for _, g := range groups {
		live[g.ID] = true
	}
	labels := map[string]string{} // group id → label
	taken := map[string]bool{}
	declaredRemote := map[string]string{} // label → declared remote_id
	var problems []string
	for _, o := range d.team.Declared {
		if o.Addr.Kind != model.KindGroup || o.RemoteID == "" {
			continue
		}
		declaredRemote[o.Addr.Group] = o.RemoteID
		if !live[o.RemoteID] {
			var names []string
			for _, g := range groups {
				names = append(names, fmt.Sprintf("%q (id %s)", g.Attributes.Name, g.ID))
			}
			list := "the account has no groups"
			if len(names) > 0 {
				list = "the groups are " + strings.Join(names, ", ")
			}
			problems = append(problems, fmt.Sprintf("group %q: the account has no user group with id %s (remote_id); %s. Fix remote_id, or remove it to match the group by its label", o.Addr.Group, o.RemoteID, list))
			continue
		}
		if _, dup := labels[o.RemoteID]; !dup {
			labels[o.RemoteID] = o.Addr.Group
			taken[o.Addr.Group] = true
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	for _, o := range d.team.Stored {
		if o.Addr.Kind != model.KindGroup || o.RemoteID == "" || !live[o.RemoteID] || taken[o.Addr.Group] {
			continue
		}
		if rid, ok := declaredRemote[o.Addr.Group]; ok && rid != o.RemoteID {
			continue
		}
		if _, dup := labels[o.RemoteID]; !dup {
			labels[o.RemoteID] = o.Addr.Group
			taken[o.Addr.Group] = true
		}
	}
	rest := make([]Named, 0, len(groups))
	for _, g := range groups {
		if _, ok := labels[g.ID]; !ok {
			rest = append(rest, g)
		}
	}
	sort.SliceStable(rest, func(i, j int) bool {
		if rest[i].Attributes.Name != rest[j].Attributes.Name {
			return rest[i].Attributes.Name < rest[j].Attributes.Name
		}
		return rest[i].ID < rest[j].ID
	})
	// A name that fits the group pattern is its own label: labels made
	// from other names, and their "-2", "-3", come second and never take it.
	later := rest[:0:0]
	for _, g := range rest {
		if name := g.Attributes.Name; model.CheckGroupName(name) == nil && !taken[name] {
			labels[g.ID] = name
			taken[name] = true
			continue
		}
		later = append(later, g)
	}
	for _, g := range later {
		base := GroupLabel(g.Attributes.Name)
		label := base
		for n := 2; taken[label]; n++ {
			suffix := "-" + strconv.Itoa(n)
			label = base[:min(len(base), 63-len(suffix))] + suffix
		}
		labels[g.ID] = label
		taken[label] = true
	}
	return labels, nil
}

// ownerGrantsFrom records each live owner's grants on the declared sites
// (Piwik PRO lists none): from the state when it knows the person, else
// from the configuration.
func (d *Driver) ownerGrantsFrom(st *state, siteIDs map[string]string) {
	known := map[string]bool{}
	stored := map[string][]*model.Object{}
	for _, o := range d.team.Stored {
		switch {
		case o.Addr.Kind == model.KindMember:
			known[o.Addr.Email] = true
		case o.Addr.Kind == model.KindGrant && o.Addr.Email != "":
			known[o.Addr.Email] = true
			stored[o.Addr.Email] = append(stored[o.Addr.Email], o)
		}
	}
	declared := map[string][]*model.Object{}
	for _, o := range d.team.Declared {
		if o.Addr.Kind == model.KindGrant && o.Addr.Email != "" {
			declared[o.Addr.Email] = append(declared[o.Addr.Email], o)
		}
	}
	for email, u := range st.users {
		if u.role != roleOwner {
			continue
		}
		src := declared[email]
		if known[email] {
			src = stored[email]
		}
		grants := map[string]string{}
		for _, o := range src {
			if app, ok := siteIDs[o.Addr.Site]; ok && o.Role != "" {
				grants[app] = apiLevel(o.Role)
			}
		}
		st.ownerGrants[email] = grants
	}
}

// objects turns the live state into the model's objects, and the
// implicit memberships left out of them.
func (d *Driver) objects(st *state) (objs, implicit []*model.Object) {
	team := d.team.Name
	holder := func(email string) model.HolderKind {
		if d.team.Guests[email] {
			return model.HolderGuest
		}
		return model.HolderMember
	}
	for email, u := range st.users {
		role := "user"
		if u.role == roleOwner {
			role = "owner"
		}
		o := &model.Object{Addr: model.MemberAddress(team, email), Role: role, Status: model.StatusActive}
		if d.team.Implicit(email, u.role == roleUser, d.elsewhere) {
			implicit = append(implicit, o)
			continue
		}
		objs = append(objs, o)
	}
	for app, m := range st.perms {
		site := d.siteOf[app]
		for uid, level := range m {
			u := st.byID[uid]
			if u == nil {
				continue
			}
			objs = append(objs, &model.Object{Addr: model.PersonGrantAddress(team, site, u.email), Role: modelRole(level),
				HolderKind: holder(u.email), Status: model.StatusActive})
		}
	}
	// Owners' grants, copied unchanged: owners are not drift.
	copied := map[string]*model.Object{}
	for _, list := range [][]*model.Object{d.team.Declared, d.team.Stored} { // stored last: it wins
		for _, o := range list {
			if o.Addr.Kind == model.KindGrant && o.Addr.Email != "" {
				copied[o.Addr.String()] = o
			}
		}
	}
	for email, grants := range st.ownerGrants {
		for app, level := range grants {
			addr := model.PersonGrantAddress(team, d.siteOf[app], email)
			o := &model.Object{Addr: addr, Role: modelRole(level), HolderKind: holder(email), Status: model.StatusActive}
			if src := copied[addr.String()]; src != nil && apiLevel(src.Role) == level {
				o = src.Clone()
				o.Decl = nil
				if o.Status == "" {
					o.Status = model.StatusActive
				}
			}
			objs = append(objs, o)
		}
	}
	for _, g := range st.groups {
		m := make([]string, 0, len(g.members))
		for e := range g.members {
			m = append(m, e)
		}
		sort.Strings(m)
		objs = append(objs, &model.Object{Addr: model.GroupAddress(team, g.label), Members: m, RemoteID: g.id})
		for app, perms := range st.gperms {
			if level := perms[g.id]; level != "" {
				objs = append(objs, &model.Object{Addr: model.GroupGrantAddress(team, d.siteOf[app], g.label), Role: modelRole(level),
					HolderKind: model.HolderGroup, Status: model.StatusActive})
			}
		}
	}
	model.SortObjects(objs)
	model.SortObjects(implicit)
	return objs, implicit
}
