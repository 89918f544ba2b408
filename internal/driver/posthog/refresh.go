package posthog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// Options are the driver's options: those every driver takes.
type Options = driver.Options

// Platform is the platform's name in messages.
const Platform = "PostHog"

// Organization levels (posthog.md).
const (
	levelMember = 1
	levelAdmin  = 8
	levelOwner  = 15
)

// pageSize is the limit asked for on every list.
const pageSize = 100

var orgLevels = map[string]int{"member": levelMember, "admin": levelAdmin, "owner": levelOwner}

func roleOfLevel(l int) string {
	switch {
	case l >= levelOwner:
		return "owner"
	case l >= levelAdmin:
		return "admin"
	}
	return "member"
}

// Driver is the PostHog driver of one team.
type Driver struct {
	team     *driver.Team
	hc       *httpc.Client
	parallel int

	org       string // the organization id as paths use it
	refreshed bool
	self      string
	st        *state
	pages     struct{ members, invites, projects, undeclared int }
	siteIDs   map[string]int // declared site name → project id
	run       *run
	// elsewhere maps members to the undeclared projects where they hold
	// access rows.
	elsewhere map[string][]string
}

// New makes the driver of a team. opts.Log is the debug log
// (ROSTER_LOG=debug); opts.Clock is used for every wait.
func New(team *driver.Team, opts Options) driver.Driver { return newDriver(team, opts, nil) }

func newDriver(team *driver.Team, opts Options, transport http.RoundTripper) *Driver {
	token := team.Token
	o := httpc.Options{
		BaseURL:   team.Conn.Endpoint,
		Auth:      func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) },
		UserAgent: opts.UserAgent,
		Clock:     opts.Clock,
		Log:       opts.Log,
		Notify:    kit.TeamNotify(team.Name, opts.Notify),
		MaxWait:   opts.MaxWait,
		Platform:  Platform,
		Secrets:   []string{token},
	}
	if transport != nil {
		o.Transport = transport
	}
	return &Driver{team: team, hc: httpc.New(o), parallel: kit.Limit(opts.Parallelism), org: strings.TrimSpace(team.Conn.AccountID)}
}

// --- live state -------------------------------------------------------------

type liveMember struct {
	id    string // membership id (organization_member in access rows)
	uuid  string // user uuid (members/{uuid}/)
	email string
	level int
}

type projectAccess struct {
	project int
	level   string
}

type liveInvite struct {
	id        string
	email     string
	level     int
	ppa       []projectAccess
	expired   bool
	createdAt string
}

type state struct {
	members map[string]*liveMember   // by email
	byID    map[string]*liveMember   // by membership id
	invites map[string][]*liveInvite // by email, newest first
	rows    map[int]map[string]string
}

func newState() *state {
	return &state{members: map[string]*liveMember{}, byID: map[string]*liveMember{},
		invites: map[string][]*liveInvite{}, rows: map[int]map[string]string{}}
}

func (s *state) clone() *state {
	c := newState()
	for e, m := range s.members {
		cm := *m
		c.members[e] = &cm
		c.byID[cm.id] = &cm
	}
	for e, list := range s.invites {
		for _, inv := range list {
			ci := *inv
			ci.ppa = append([]projectAccess(nil), inv.ppa...)
			c.invites[e] = append(c.invites[e], &ci)
		}
	}
	for p, rows := range s.rows {
		cr := make(map[string]string, len(rows))
		for k, v := range rows {
			cr[k] = v
		}
		c.rows[p] = cr
	}
	return c
}

// pending is the person's invitations that have not expired, newest first.
func (s *state) pending(email string) []*liveInvite {
	var out []*liveInvite
	for _, inv := range s.invites[email] {
		if !inv.expired {
			out = append(out, inv)
		}
	}
	return out
}

func (s *state) removeMember(m *liveMember) {
	delete(s.members, m.email)
	delete(s.byID, m.id)
	for _, rows := range s.rows {
		delete(rows, m.id)
	}
}

// grantsOf lists the projects where a membership has a member or admin row.
func (s *state) grantsOf(mid string) map[int]bool {
	out := map[int]bool{}
	for p, rows := range s.rows {
		if l := rows[mid]; l == "member" || l == "admin" {
			out[p] = true
		}
	}
	return out
}

// --- API shapes ----------------------------------------------------------------

type page struct {
	Count   int             `json:"count"`
	Next    *string         `json:"next"`
	Results json.RawMessage `json:"results"`
}

type apiMember struct {
	ID    string `json:"id"`
	Level int    `json:"level"`
	User  struct {
		UUID  string `json:"uuid"`
		Email string `json:"email"`
	} `json:"user"`
}

// flexInt reads an id given as a JSON number or string.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("not an id: %s", b)
		}
		n = json.Number(s)
	}
	i, err := strconv.Atoi(n.String())
	if err != nil {
		return fmt.Errorf("not an id: %s", b)
	}
	*f = flexInt(i)
	return nil
}

type apiInvite struct {
	ID          string `json:"id"`
	TargetEmail string `json:"target_email"`
	Level       int    `json:"level"`
	IsExpired   bool   `json:"is_expired"`
	CreatedAt   string `json:"created_at"`
	PPA         []struct {
		ID    flexInt `json:"id"`
		Level string  `json:"level"`
	} `json:"private_project_access"`
}

type apiProject struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type apiAccess struct {
	AccessControls []struct {
		AccessLevel        string  `json:"access_level"`
		OrganizationMember *string `json:"organization_member"`
		Role               *string `json:"role"`
	} `json:"access_controls"`
	DefaultAccessLevel string `json:"default_access_level"`
}

type apiMe struct {
	UUID          string `json:"uuid"`
	Email         string `json:"email"`
	Organizations *[]struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"organizations"`
}

// errBody is PostHog's error body.
type errBody struct {
	Type   string `json:"type"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Attr   any    `json:"attr"`
}

// missingScope matches PostHog's 403 detail for a key without a scope.
var missingScope = regexp.MustCompile(`^API key missing required scope '([a-z_]+:(?:read|write)|\*)'`)

// apiErr turns an httpc failure into the error roster shows: a refusal
// (an HTTP status) becomes *driver.APIError with PostHog's own detail.
func apiErr(err error, addr model.Address, read bool) error {
	var re *httpc.RequestError
	if !errors.As(err, &re) || re.Status == 0 || re.Err != nil {
		if read || addr.IsZero() {
			return err
		}
		return fmt.Errorf("%s: %w", addr, err)
	}
	msg := ""
	var eb errBody
	if json.Unmarshal(re.Body, &eb) == nil && eb.Detail != "" {
		msg = eb.Detail
		if s, ok := eb.Attr.(string); ok && s != "" && eb.Type == "validation_error" {
			msg += " (" + s + ")"
		}
	}
	if sc := missingScope.FindStringSubmatch(eb.Detail); re.Status == http.StatusForbidden && sc != nil {
		// posthog.md, Auth: PostHog names the scope the key lacks.
		what := "the request"
		if !read {
			what = re.Request()
		}
		msg = fmt.Sprintf("the personal API key lacks the scope %s that %s needs (PostHog: %q); add %s to the key in PostHog (Settings, Personal API keys) or use a key that has it",
			sc[1], what, eb.Detail, sc[1])
	}
	if msg == "" {
		msg = strings.Join(strings.Fields(string(re.Body)), " ")
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		if msg == "" {
			msg = fmt.Sprintf("HTTP %d", re.Status)
		}
	}
	return &driver.APIError{Address: addr, Platform: Platform, Status: re.Status, Message: msg,
		Request: re.Request(), Read: read}
}

// --- refresh ------------------------------------------------------------------

func (d *Driver) orgPath(rest string) string {
	return "/api/organizations/" + url.PathEscape(d.org) + "/" + rest
}

// reader counts the requests a refresh makes.
type reader struct {
	d  *Driver
	mu sync.Mutex
	n  int
}

func (r *reader) get(ctx context.Context, path string, q url.Values, out any) error {
	api, err := r.d.hc.JSON(ctx, "GET", path, q, nil, out, "")
	r.mu.Lock()
	r.n += len(api)
	r.mu.Unlock()
	if err != nil {
		return apiErr(err, model.Address{}, true)
	}
	return nil
}

// list reads every page of a list whose items have the shape item,
// calling each with its results; the paging must keep its word (kit.Pager).
func (r *reader) list(ctx context.Context, path string, item kit.Shape, each func(json.RawMessage) (int, error)) (pages int, err error) {
	pg := kit.Pager{Linked: true}
	shape := kit.Obj{"count": kit.Int, "next": kit.Null(kit.String), "results": kit.List(item)}
	for {
		q := url.Values{"limit": {strconv.Itoa(pageSize)}, "offset": {strconv.Itoa(pg.Read())}}
		var p page
		if err := r.get(ctx, path, q, httpc.Shaped{Shape: shape, Into: &p}); err != nil {
			return pg.Pages(), err
		}
		n, err := each(p.Results)
		if err != nil {
			return pg.Pages() + 1, fmt.Errorf("%s answered GET %s with a page roster cannot read: %v", Platform, path, err)
		}
		done, err := pg.Page(n, &p.Count, p.Next != nil)
		if err != nil {
			return pg.Pages(), fmt.Errorf("%s answered GET %s with paging that does not keep its word: %v; nothing was planned from it, try again later", Platform, path, err)
		}
		if done {
			return pg.Pages(), nil
		}
	}
}

// Shapes of the answers the driver reads (posthog.md; schema/sync.md, Reading
// safely): every field read, of its JSON type.
var (
	memberShape = kit.Obj{"id": kit.String, "level": kit.Int, "user": kit.Obj{"uuid": kit.String, "email": kit.String}}
	inviteShape = kit.Obj{"id": kit.String, "target_email": kit.String, "level": kit.Int, "is_expired": kit.Bool,
		"created_at":             kit.String,
		"private_project_access": kit.Opt(kit.Null(kit.List(kit.Obj{"id": kit.ID, "level": kit.String})))}
	projectShape = kit.Obj{"id": kit.Int, "name": kit.String}
	accessShape  = kit.Obj{
		"access_controls": kit.List(kit.Obj{"access_level": kit.String,
			"organization_member": kit.Null(kit.String), "role": kit.Null(kit.String)}),
		"default_access_level": kit.String,
	}
	meShape = kit.Obj{"uuid": kit.String, "email": kit.String,
		"organizations": kit.Opt(kit.List(kit.Obj{"id": kit.String, "name": kit.String}))}
)

// Refresh reads the organization's members, invitations, projects and the
// access rows of every declared project.
func (d *Driver) Refresh(ctx context.Context) (*driver.Snapshot, error) {
	if d.org == "" {
		return nil, fmt.Errorf("team %s: connection.account_id (the PostHog organization id) is not set; copy it from PostHog's organization settings", d.team.Name)
	}
	r := &reader{d: d}
	st := newState()

	var me apiMe
	if err := r.get(ctx, "/api/users/@me/", nil, httpc.Shaped{Shape: meShape, Into: &me}); err != nil {
		return nil, err
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

	memberPages, err := r.list(ctx, d.orgPath("members/"), memberShape, func(raw json.RawMessage) (int, error) {
		var ms []apiMember
		if err := json.Unmarshal(raw, &ms); err != nil {
			return 0, err
		}
		for _, am := range ms {
			m := &liveMember{id: am.ID, uuid: am.User.UUID, email: model.NormalizeEmail(am.User.Email), level: am.Level}
			st.members[m.email] = m
			st.byID[m.id] = m
		}
		return len(ms), nil
	})
	if err != nil {
		return nil, err
	}
	invitePages, err := r.list(ctx, d.orgPath("invites/"), inviteShape, func(raw json.RawMessage) (int, error) {
		var is []apiInvite
		if err := json.Unmarshal(raw, &is); err != nil {
			return 0, err
		}
		for _, ai := range is {
			inv := &liveInvite{id: ai.ID, email: model.NormalizeEmail(ai.TargetEmail), level: ai.Level,
				expired: ai.IsExpired, createdAt: ai.CreatedAt}
			for _, a := range ai.PPA {
				inv.ppa = append(inv.ppa, projectAccess{project: int(a.ID), level: a.Level})
			}
			st.invites[inv.email] = append(st.invites[inv.email], inv)
		}
		return len(is), nil
	})
	if err != nil {
		return nil, err
	}
	for _, list := range st.invites {
		sort.SliceStable(list, func(i, j int) bool { return list[i].createdAt > list[j].createdAt })
	}
	var projects []apiProject
	projectPages, err := r.list(ctx, d.orgPath("projects/"), projectShape, func(raw json.RawMessage) (int, error) {
		var ps []apiProject
		if err := json.Unmarshal(raw, &ps); err != nil {
			return 0, err
		}
		projects = append(projects, ps...)
		return len(ps), nil
	})
	if err != nil {
		return nil, err
	}

	siteIDs, siteOf, err := d.resolveSites(projects)
	if err != nil {
		return nil, err
	}
	var notes []string
	for _, p := range projects {
		if _, ok := siteOf[p.ID]; !ok {
			notes = append(notes, fmt.Sprintf("project %s (id %d) is not declared; roster does not manage its access", p.Name, p.ID))
		}
	}

	// Access rows of each declared project, a few at a time.
	declared := make([]int, 0, len(siteOf))
	for id := range siteOf {
		declared = append(declared, id)
	}
	sort.Ints(declared)
	// The undeclared projects' rows are read too: who holds access there
	// keeps their organization membership (schema/sync.md, Reading safely).
	read := slices.Clone(declared)
	for _, p := range projects {
		if _, ok := siteOf[p.ID]; !ok {
			read = append(read, p.ID)
		}
	}
	acc := make([]apiAccess, len(read))
	if err := kit.Each(ctx, d.parallel, len(read), func(ctx context.Context, i int) error {
		return r.get(ctx, "/api/projects/"+strconv.Itoa(read[i])+"/access_controls/", nil, httpc.Shaped{Shape: accessShape, Into: &acc[i]})
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
			notes = append(notes, fmt.Sprintf("site %s (PostHog project %d) gives every organization member %q access by default; declared grants cannot narrow it (set the project's default access to \"none\" in PostHog to make it private)",
				siteOf[id], id, def))
		}
	}

	var roleAccess []driver.RoleAccess
	if len(roleRows) > 0 {
		names, members, err := d.readRoles(ctx, r, roleRows)
		if err != nil {
			return nil, err
		}
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

	d.elsewhere = elsewhereOf(st, projects, read[len(declared):], acc[len(declared):])
	d.st, d.self, d.siteIDs, d.refreshed = st, self, siteIDs, true
	d.pages.members, d.pages.invites, d.pages.projects = memberPages, invitePages, projectPages
	d.pages.undeclared = len(read) - len(declared)
	d.run = nil

	snap := &driver.Snapshot{Team: d.team.Name, Self: self, Notes: notes, Requests: r.n, SiteIDs: map[string]string{}, Defaults: defaults,
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

// Shapes of the roles answers (schema-2024.yaml: Role, RoleMembership).
var (
	roleShape           = kit.Obj{"id": kit.String, "name": kit.String}
	roleMembershipShape = kit.Obj{"id": kit.String, "user": kit.Obj{"email": kit.String}}
)

// readRoles reads the names of the organization's roles and the members
// of each role that rows name (GET …/roles/, …/roles/{id}/role_memberships/;
// the key needs organization:read). Only organizations with RBAC have
// role rows, so others never make these requests.
func (d *Driver) readRoles(ctx context.Context, r *reader, rows []roleRow) (map[string]string, map[string][]string, error) {
	names := map[string]string{}
	if _, err := r.list(ctx, d.orgPath("roles/"), roleShape, func(raw json.RawMessage) (int, error) {
		var rs []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(raw, &rs); err != nil {
			return 0, err
		}
		for _, x := range rs {
			// Reports print role names on terminals, and the state
			// keeps none with control characters (model.RoleAccess).
			names[x.ID] = strings.Map(func(r rune) rune {
				if unicode.IsControl(r) {
					return unicode.ReplacementChar
				}
				return r
			}, x.Name)
		}
		return len(rs), nil
	}); err != nil {
		return nil, nil, err
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
		_, err := r.list(ctx, d.orgPath("roles/"+url.PathEscape(ids[i])+"/role_memberships/"), roleMembershipShape, func(raw json.RawMessage) (int, error) {
			var ms []struct {
				User struct {
					Email string `json:"email"`
				} `json:"user"`
			}
			if err := json.Unmarshal(raw, &ms); err != nil {
				return 0, err
			}
			for _, m := range ms {
				// The state keeps these emails (a site's role_access):
				// one that is not an email stops the read.
				e, err := model.ParseEmail(m.User.Email)
				if err != nil {
					return 0, fmt.Errorf("role membership: %v", err)
				}
				lists[i] = append(lists[i], e)
			}
			return len(ms), nil
		})
		return err
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

// elsewhereOf maps each member holding a member or admin row on an
// undeclared project (ids, with their access rows acc) to those projects'
// names, sorted.
func elsewhereOf(st *state, projects []apiProject, ids []int, acc []apiAccess) map[string][]string {
	names := map[int]string{}
	for _, p := range projects {
		names[p.ID] = p.Name
	}
	out := driver.Elsewhere{}
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
func (d *Driver) resolveSites(projects []apiProject) (map[string]int, map[int]string, error) {
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
		if !(d.team.Guests[email] && inv.level == levelMember) {
			objs = append(objs, &model.Object{Addr: model.MemberAddress(team, email), Role: roleOfLevel(inv.level), Status: model.StatusInvited})
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

// Manual reports the changes PostHog's API cannot make: team settings.
func (d *Driver) Manual(c *plan.Change) (bool, string) {
	if c.Addr.Kind == model.KindTeam && c.Action == plan.Update {
		return true, "PostHog has no API for team settings (display_name, require_2fa, sso): an organization owner changes them in PostHog's organization settings"
	}
	return false, ""
}
