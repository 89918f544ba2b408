package posthog

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// Organization levels (posthog.md: member=1, admin=8, owner=15).
const (
	LevelMember = 1
	LevelAdmin  = 8
	LevelOwner  = 15
)

// InviteValidity is how long an invitation stays valid (INVITE_DAYS_VALIDITY).
const InviteValidity = 3 * 24 * time.Hour

// DefaultOrgID is the organization's id when the seed names none.
const DefaultOrgID = "0190a1b2-0000-4000-8000-000000000001"

// Options configure a fake server.
type Options = fakekit.Options[Seed]

// Seed is the initial data of a server, as Go values or JSON (--seed).
type Seed struct {
	OrgID   string `json:"org_id,omitempty"`
	OrgName string `json:"org_name,omitempty"`
	// Now is the clock's start, RFC 3339; empty: the wall clock.
	Now string `json:"now,omitempty"`
	// Keys maps a personal API key to the email of its owner, a user who
	// must be listed in Members or Users.
	Keys map[string]string `json:"keys,omitempty"`
	// Scopes maps a key to its scopes ("user:read", "project:read",
	// "organization_member:write", "*", ...). A key not listed here is a
	// legacy key with no scopes, which may do anything (posthog.md, Auth).
	Scopes map[string][]string `json:"scopes,omitempty"`
	// Members are organization members, in joining order.
	Members []SeedMember `json:"members,omitempty"`
	// Users are users outside the organization (a key's owner who left).
	Users []SeedUser `json:"users,omitempty"`
	// Projects are the organization's projects.
	Projects []SeedProject `json:"projects,omitempty"`
	// Access are per-member project access rows.
	Access []SeedAccess `json:"access,omitempty"`
	// Invites are pending (or, with an old created_at, expired) invitations.
	Invites []SeedInvite `json:"invites,omitempty"`
	// Roles are RBAC roles (Enterprise) and their members' emails.
	Roles []SeedRole `json:"roles,omitempty"`
	// RoleAccess are project access rows of roles (organization_member
	// null, role the role's id; posthog.md, Project access).
	RoleAccess []SeedRoleAccess `json:"role_access,omitempty"`
}

// SeedRole is an RBAC role: its name and members (emails of members).
type SeedRole struct {
	Name    string   `json:"name"`
	Members []string `json:"members,omitempty"`
}

// SeedRoleAccess is one role's access row on a project.
type SeedRoleAccess struct {
	Project ProjectRef `json:"project"`
	Role    string     `json:"role"` // the role's name
	Level   string     `json:"level"`
}

// SeedUser is a user.
type SeedUser struct {
	Email     string `json:"email"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

// SeedMember is a member: a user and their organization level (default 1).
type SeedMember struct {
	Email     string `json:"email"`
	Level     int    `json:"level,omitzero"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

// SeedProject is a project. DefaultAccessLevel is the project's default
// row: "none", "member" or "admin"; empty means no default row, which
// PostHog reports as default_access_level "admin".
type SeedProject struct {
	ID                 int    `json:"id,omitzero"`
	Name               string `json:"name"`
	DefaultAccessLevel string `json:"default_access_level,omitempty"`
}

// SeedAccess is one member's access row on a project. Project is the
// project's name or its id (a JSON number or string).
type SeedAccess struct {
	Project ProjectRef `json:"project"`
	Email   string     `json:"email"`
	Level   string     `json:"level"`
}

// SeedInvite is an invitation. CreatedAt is RFC 3339 (default: now);
// CreatedBy is the inviter's email (default: the first owner).
type SeedInvite struct {
	Email                string          `json:"email"`
	Level                int             `json:"level,omitzero"`
	PrivateProjectAccess []ProjectAccess `json:"private_project_access,omitempty"`
	CreatedAt            string          `json:"created_at,omitempty"`
	CreatedBy            string          `json:"created_by,omitempty"`
}

// ProjectAccess is one private_project_access entry of an invitation.
type ProjectAccess struct {
	ID    int    `json:"id"`
	Level string `json:"level"`
}

// ProjectRef names a project by name or id; JSON accepts a string or a number.
type ProjectRef string

// UnmarshalJSON accepts "name", "12" or 12.
func (p *ProjectRef) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*p = ProjectRef(s)
		return nil
	}
	if jsontext.Value(b).Kind() != '0' {
		return fmt.Errorf("project must be a name or an id, not %s", b)
	}
	*p = ProjectRef(b)
	return nil
}

// FailRule makes matching API requests fail: Method ("" any) and
// PathPrefix ("" any) select requests; Count is how many times (0: every
// time); RetryAfter, when set, is sent as the Retry-After header; Body
// replaces the default error body for Status.
type FailRule = fakekit.FailRule

type user struct {
	id                       int
	uuid, email, first, last string
	distinctID               string
	createdAt                time.Time
}

type member struct {
	id        string
	user      *user
	level     int
	joinedAt  time.Time
	updatedAt time.Time
}

type invite struct {
	id        string
	email     string
	level     int
	ppa       []ProjectAccess
	createdAt time.Time
	createdBy *user
	firstName string
	message   *string
}

type row struct {
	member    string // membership id; "" for the project default
	level     string
	createdBy int
	createdAt time.Time
	updatedAt time.Time
}

type project struct {
	id       int
	uuid     string
	name     string
	apiToken string
	rows     []*row
	roleRows []*roleRow
}

// role is an RBAC role (posthog.md: role rows need ROLE_BASED_ACCESS,
// Enterprise).
type role struct {
	id        string
	name      string
	createdAt time.Time
	members   []*roleMembership
}

type roleMembership struct {
	id       string
	user     *user
	joinedAt time.Time
}

// roleRow is a project access row of a role: organization_member null.
type roleRow struct {
	role      *role
	level     string
	createdAt time.Time
}

// Server is a running fake PostHog.
type Server struct {
	// Base is the HTTP server, the lock (Mu) over the data below, the
	// clock and the request log and failure rules.
	fakekit.Base

	orgID    string
	orgName  string
	orgAt    time.Time
	seq      int
	users    []*user
	members  []*member // joining order
	invites  []*invite // creation order
	projects []*project
	roles    []*role
	keys     map[string]*user
	scopes   map[string][]string // by key; absent: a legacy key
}

// New starts a server and panics if the options are invalid: for tests.
func New(opts Options) *Server { return fakekit.Must(Start(opts)) }

// Start starts a server, or says what is wrong with the options.
func Start(opts Options) (*Server, error) {
	s := &Server{keys: map[string]*user{}, scopes: map[string][]string{}}
	if err := fakekit.Start(&s.Base, "fake posthog", opts, s, s.load); err != nil {
		return nil, err
	}
	return s, nil
}

// OrgID is the organization's id.
func (s *Server) OrgID() string { return s.orgID }

func (s *Server) nextID(prefix uint32) string {
	s.seq++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", prefix, s.seq)
}

const (
	prefixUser    = 0x0190aaaa
	prefixMember  = 0x0190bbbb
	prefixInvite  = 0x0190cccc
	prefixProject = 0x0190dddd
	prefixRole    = 0x0190eeee
)

func (s *Server) load(seed Seed) error {
	s.orgID = seed.OrgID
	if s.orgID == "" {
		s.orgID = DefaultOrgID
	}
	s.orgName = seed.OrgName
	if s.orgName == "" {
		s.orgName = "Acme"
	}
	if err := s.Clock.Seed(seed.Now); err != nil {
		return err
	}
	now := s.Clock.Now()
	s.orgAt = now
	for _, u := range seed.Users {
		if _, err := s.addUser(u.Email, u.FirstName, u.LastName); err != nil {
			return fmt.Errorf("seed: %v", err)
		}
	}
	for _, m := range seed.Members {
		lvl := m.Level
		if lvl == 0 {
			lvl = LevelMember
		}
		u, err := s.addUser(m.Email, m.FirstName, m.LastName)
		if err != nil {
			return fmt.Errorf("seed: %v", err)
		}
		if _, err := s.addMembership(u, lvl); err != nil {
			return fmt.Errorf("seed: %v", err)
		}
	}
	for _, p := range seed.Projects {
		if _, err := s.addProject(p.ID, p.Name, p.DefaultAccessLevel); err != nil {
			return fmt.Errorf("seed: %v", err)
		}
	}
	for _, a := range seed.Access {
		if err := s.grant(a.Email, string(a.Project), a.Level); err != nil {
			return fmt.Errorf("seed: %v", err)
		}
	}
	for _, inv := range seed.Invites {
		if err := s.addInvite(inv); err != nil {
			return fmt.Errorf("seed: %v", err)
		}
	}
	for _, sr := range seed.Roles {
		if sr.Name == "" {
			return errors.New("seed: a role needs a name")
		}
		r := &role{id: s.nextID(prefixRole), name: sr.Name, createdAt: now}
		for _, e := range sr.Members {
			u := s.userByEmail(e)
			if u == nil || s.memberOf(u) == nil {
				return fmt.Errorf("seed: role %s: %s is not a member", sr.Name, e)
			}
			r.members = append(r.members, &roleMembership{id: s.nextID(prefixRole), user: u, joinedAt: now})
		}
		s.roles = append(s.roles, r)
	}
	for _, ra := range seed.RoleAccess {
		p := s.projectByRef(string(ra.Project))
		if p == nil {
			return fmt.Errorf("seed: role access: no project %q", ra.Project)
		}
		r := s.roleByName(ra.Role)
		if r == nil {
			return fmt.Errorf("seed: role access: no role %q", ra.Role)
		}
		if _, ok := levelRank[ra.Level]; !ok {
			return fmt.Errorf("seed: role access: level %q is not none, member or admin", ra.Level)
		}
		p.roleRows = append(p.roleRows, &roleRow{role: r, level: ra.Level, createdAt: now})
	}
	keys := slices.Sorted(maps.Keys(seed.Keys))
	for _, k := range keys {
		if err := s.addKey(k, seed.Keys[k]); err != nil {
			return fmt.Errorf("seed: %v", err)
		}
	}
	for k, sc := range seed.Scopes {
		if _, ok := s.keys[k]; !ok {
			return fmt.Errorf("seed: scopes for key %q, which is not in keys", k)
		}
		s.scopes[k] = append([]string{}, sc...)
	}
	return nil
}

// ExpireInvites advances the clock by 4 days, past every invitation's
// validity.
func (s *Server) ExpireInvites() { s.Advance(4 * 24 * time.Hour) }

// --- lookups (s.Mu held) -------------------------------------------------

func sameEmail(a, b string) bool { return strings.EqualFold(a, b) }

func (s *Server) userByEmail(email string) *user {
	for _, u := range s.users {
		if sameEmail(u.email, email) {
			return u
		}
	}
	return nil
}

func (s *Server) memberByEmail(email string) *member {
	for _, m := range s.members {
		if sameEmail(m.user.email, email) {
			return m
		}
	}
	return nil
}

func (s *Server) memberOf(u *user) *member {
	if u == nil {
		return nil
	}
	for _, m := range s.members {
		if m.user == u {
			return m
		}
	}
	return nil
}

func (s *Server) memberByID(id string) *member {
	for _, m := range s.members {
		if m.id == id {
			return m
		}
	}
	return nil
}

func (s *Server) memberByUserUUID(uuid string) *member {
	for _, m := range s.members {
		if m.user.uuid == uuid {
			return m
		}
	}
	return nil
}

func (s *Server) projectByID(id int) *project {
	for _, p := range s.projects {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (s *Server) projectByRef(ref string) *project {
	for _, p := range s.projects {
		if p.name == ref {
			return p
		}
	}
	if n, err := strconv.Atoi(ref); err == nil {
		return s.projectByID(n)
	}
	return nil
}

func (s *Server) roleByName(name string) *role {
	for _, r := range s.roles {
		if r.name == name {
			return r
		}
	}
	return nil
}

func (s *Server) roleByID(id string) *role {
	for _, r := range s.roles {
		if r.id == id {
			return r
		}
	}
	return nil
}

func (r *role) has(m *member) bool {
	for _, rm := range r.members {
		if rm.user == m.user {
			return true
		}
	}
	return false
}

func (p *project) row(memberID string) *row {
	for _, r := range p.rows {
		if r.member == memberID {
			return r
		}
	}
	return nil
}

func (p *project) defaultLevel() string {
	if r := p.row(""); r != nil {
		return r.level
	}
	return "admin"
}

func (p *project) setRow(memberID, level string, by int, now time.Time) *row {
	if r := p.row(memberID); r != nil {
		r.level = level
		r.updatedAt = now
		return r
	}
	r := &row{member: memberID, level: level, createdBy: by, createdAt: now, updatedAt: now}
	p.rows = append(p.rows, r)
	return r
}

func (p *project) deleteRow(memberID string) {
	for i, r := range p.rows {
		if r.member == memberID {
			p.rows = append(p.rows[:i], p.rows[i+1:]...)
			return
		}
	}
}

var levelRank = map[string]int{"none": 0, "member": 1, "admin": 2}

// effective is a member's effective level on a project: org admins and
// owners are always project admins; others get the highest of the default
// and their own row.
func (p *project) effective(m *member) string {
	if m == nil {
		return "none"
	}
	if m.level >= LevelAdmin {
		return "admin"
	}
	lvl := p.defaultLevel()
	if r := p.row(m.id); r != nil && levelRank[r.level] > levelRank[lvl] {
		lvl = r.level
	}
	// posthog.md: the effective level is the highest of every row that
	// applies, role rows included.
	for _, rr := range p.roleRows {
		if rr.role.has(m) && levelRank[rr.level] > levelRank[lvl] {
			lvl = rr.level
		}
	}
	return lvl
}

func (s *Server) expired(inv *invite) bool {
	return inv.createdAt.Add(InviteValidity).Before(s.Clock.Now())
}

// --- mutations (s.Mu held) ----------------------------------------------

func (s *Server) addUser(email, first, last string) (*user, error) {
	if !strings.Contains(email, "@") {
		return nil, fmt.Errorf("%q is not an email address", email)
	}
	if u := s.userByEmail(email); u != nil {
		return u, nil
	}
	u := &user{id: len(s.users) + 1, uuid: s.nextID(prefixUser), email: email, first: first, last: last, createdAt: s.Clock.Now()}
	u.distinctID = "distinct-" + u.uuid
	s.users = append(s.users, u)
	return u, nil
}

func (s *Server) addMembership(u *user, level int) (*member, error) {
	if !validLevel(level) {
		return nil, fmt.Errorf("level %d is not 1, 8 or 15", level)
	}
	if m := s.memberOf(u); m != nil {
		return nil, fmt.Errorf("%s is already a member", u.email)
	}
	now := s.Clock.Now()
	m := &member{id: s.nextID(prefixMember), user: u, level: level, joinedAt: now, updatedAt: now}
	s.members = append(s.members, m)
	return m, nil
}

func (s *Server) removeMembership(m *member) {
	for i, x := range s.members {
		if x == m {
			s.members = append(s.members[:i], s.members[i+1:]...)
			break
		}
	}
	// AccessControl rows reference the membership and go with it, and
	// so do role memberships.
	for _, p := range s.projects {
		p.deleteRow(m.id)
	}
	for _, r := range s.roles {
		for i, rm := range r.members {
			if rm.user == m.user {
				r.members = append(r.members[:i], r.members[i+1:]...)
				break
			}
		}
	}
}

func validLevel(l int) bool { return l == LevelMember || l == LevelAdmin || l == LevelOwner }

func (s *Server) addProject(id int, name, def string) (*project, error) {
	if name == "" {
		return nil, errors.New("a project needs a name")
	}
	if id == 0 {
		id = 1
		for _, p := range s.projects {
			if p.id >= id {
				id = p.id + 1
			}
		}
	}
	if s.projectByID(id) != nil {
		return nil, fmt.Errorf("project id %d is used twice", id)
	}
	p := &project{id: id, uuid: s.nextID(prefixProject), name: name, apiToken: fmt.Sprintf("phc_project%d", id)}
	if def != "" {
		if _, ok := levelRank[def]; !ok {
			return nil, fmt.Errorf("project %q: default access level %q is not none, member or admin", name, def)
		}
		p.setRow("", def, 0, s.Clock.Now())
	}
	s.projects = append(s.projects, p)
	return p, nil
}

func (s *Server) grant(email, projectRef, level string) error {
	p := s.projectByRef(projectRef)
	if p == nil {
		return fmt.Errorf("no project %q", projectRef)
	}
	m := s.memberByEmail(email)
	if m == nil {
		return fmt.Errorf("%s is not a member of the organization", email)
	}
	if level == "" {
		p.deleteRow(m.id)
		return nil
	}
	if _, ok := levelRank[level]; !ok {
		return fmt.Errorf("access level %q is not none, member or admin", level)
	}
	p.setRow(m.id, level, 0, s.Clock.Now())
	return nil
}

func (s *Server) addInvite(in SeedInvite) error {
	lvl := in.Level
	if lvl == 0 {
		lvl = LevelMember
	}
	if !validLevel(lvl) {
		return fmt.Errorf("invite of %s: level %d is not 1, 8 or 15", in.Email, lvl)
	}
	created := s.Clock.Now()
	if in.CreatedAt != "" {
		t, err := time.Parse(time.RFC3339, in.CreatedAt)
		if err != nil {
			return fmt.Errorf("invite of %s: created_at %q is not an RFC 3339 time", in.Email, in.CreatedAt)
		}
		created = t.UTC()
	}
	var by *user
	if in.CreatedBy != "" {
		by = s.userByEmail(in.CreatedBy)
		if by == nil {
			return fmt.Errorf("invite of %s: no user %s", in.Email, in.CreatedBy)
		}
	} else {
		for _, m := range s.members {
			if m.level == LevelOwner {
				by = m.user
				break
			}
		}
	}
	for _, a := range in.PrivateProjectAccess {
		if s.projectByID(a.ID) == nil {
			return fmt.Errorf("invite of %s: no project %d", in.Email, a.ID)
		}
	}
	s.invites = append(s.invites, &invite{
		id: s.nextID(prefixInvite), email: lowerDomain(in.Email), level: lvl,
		ppa: append([]ProjectAccess(nil), in.PrivateProjectAccess...), createdAt: created, createdBy: by,
	})
	return nil
}

func (s *Server) deleteInvitesOf(email string) {
	kept := s.invites[:0]
	for _, inv := range s.invites {
		if !sameEmail(inv.email, email) {
			kept = append(kept, inv)
		}
	}
	for i := len(kept); i < len(s.invites); i++ {
		s.invites[i] = nil
	}
	s.invites = kept
}

func (s *Server) addKey(key, email string) error {
	u := s.userByEmail(email)
	if u == nil {
		return fmt.Errorf("key %q: no user %s (list them in members or users)", key, email)
	}
	s.keys[key] = u
	return nil
}

func lowerDomain(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok {
		return email
	}
	return local + "@" + strings.ToLower(domain)
}

// --- admin hooks ----------------------------------------------------------

// Accept accepts the pending invitation of email, as the invitee would:
// the user (created if new) joins at the invitation's level, with one
// access row per private_project_access entry, and their invitations go.
func (s *Server) Accept(email string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	var inv *invite
	for _, x := range s.invites {
		if sameEmail(x.email, email) && (inv == nil || !x.createdAt.Before(inv.createdAt)) {
			inv = x
		}
	}
	if inv == nil {
		return fmt.Errorf("no invitation for %s", email)
	}
	if s.expired(inv) {
		return fmt.Errorf("the invitation of %s has expired", email)
	}
	u, err := s.addUser(inv.email, inv.firstName, "")
	if err != nil {
		return err
	}
	m, err := s.addMembership(u, inv.level)
	if err != nil {
		return err
	}
	for _, a := range inv.ppa {
		if p := s.projectByID(a.ID); p != nil {
			p.setRow(m.id, a.Level, 0, s.Clock.Now())
		}
	}
	s.deleteInvitesOf(email)
	return nil
}

// AddMember adds a member at level, creating the user if needed, and
// returns the membership id and the user's uuid.
func (s *Server) AddMember(email string, level int) (membershipID, userUUID string, err error) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	u, err := s.addUser(email, "", "")
	if err != nil {
		return "", "", err
	}
	m, err := s.addMembership(u, level)
	if err != nil {
		return "", "", err
	}
	return m.id, u.uuid, nil
}

// AddUser adds a user outside the organization.
func (s *Server) AddUser(email string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	_, err := s.addUser(email, "", "")
	return err
}

// AddKey makes key a personal API key of the user with that email.
func (s *Server) AddKey(key, email string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return s.addKey(key, email)
}

// AddScopedKey makes key a personal API key of the user with that email,
// with those scopes; nil scopes make a legacy key that may do anything.
func (s *Server) AddScopedKey(key, email string, scopes []string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if err := s.addKey(key, email); err != nil {
		return err
	}
	if scopes == nil {
		delete(s.scopes, key)
	} else {
		s.scopes[key] = append([]string{}, scopes...)
	}
	return nil
}

// SetLevel changes a member's level, as an owner would in the UI.
func (s *Server) SetLevel(email string, level int) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	m := s.memberByEmail(email)
	if m == nil {
		return fmt.Errorf("%s is not a member", email)
	}
	if !validLevel(level) {
		return fmt.Errorf("level %d is not 1, 8 or 15", level)
	}
	m.level = level
	m.updatedAt = s.Clock.Now()
	return nil
}

// RemoveMember removes a member and their access rows.
func (s *Server) RemoveMember(email string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	m := s.memberByEmail(email)
	if m == nil {
		return fmt.Errorf("%s is not a member", email)
	}
	s.removeMembership(m)
	return nil
}

// Grant sets a member's access row on a project (by name or id) to level
// ("none", "member" or "admin"); an empty level deletes the row.
func (s *Server) Grant(email, project, level string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return s.grant(email, project, level)
}

// AddProject adds a project and returns its id; def is its default access
// level, "" for no default row.
func (s *Server) AddProject(name, def string) (int, error) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	p, err := s.addProject(0, name, def)
	if err != nil {
		return 0, err
	}
	return p.id, nil
}

// SetDefault sets a project's default access level; "" deletes the row.
func (s *Server) SetDefault(project, level string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	p := s.projectByRef(project)
	if p == nil {
		return fmt.Errorf("no project %q", project)
	}
	if level == "" {
		p.deleteRow("")
		return nil
	}
	if _, ok := levelRank[level]; !ok {
		return fmt.Errorf("access level %q is not none, member or admin", level)
	}
	p.setRow("", level, 0, s.Clock.Now())
	return nil
}

// SetRoleMember adds the member email to the RBAC role named role (in
// true), as someone in PostHog's UI would, or takes them out of it.
func (s *Server) SetRoleMember(role, email string, in bool) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	r := s.roleByName(role)
	if r == nil {
		return fmt.Errorf("no role %q", role)
	}
	m := s.memberByEmail(email)
	if m == nil {
		return fmt.Errorf("%s is not a member", email)
	}
	for i, rm := range r.members {
		if rm.user == m.user {
			if !in {
				r.members = append(r.members[:i], r.members[i+1:]...)
			}
			return nil
		}
	}
	if in {
		r.members = append(r.members, &roleMembership{id: s.nextID(prefixRole), user: m.user, joinedAt: s.Clock.Now()})
	}
	return nil
}

// Invite creates an invitation directly, as someone in the UI would,
// without the API's checks (it still replaces earlier ones of the email).
func (s *Server) Invite(in SeedInvite) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.deleteInvitesOf(in.Email)
	return s.addInvite(in)
}

// --- state dump -------------------------------------------------------------

// State is a JSON-friendly dump of the server's data.
type State struct {
	OrgID    string         `json:"org_id"`
	OrgName  string         `json:"org_name"`
	Now      string         `json:"now"`
	Members  []StateMember  `json:"members"`
	Invites  []StateInvite  `json:"invites"`
	Projects []StateProject `json:"projects"`
}

// StateMember is one member in a State.
type StateMember struct {
	ID       string `json:"id"`
	UserUUID string `json:"user_uuid"`
	Email    string `json:"email"`
	Level    int    `json:"level"`
}

// StateInvite is one invitation in a State.
type StateInvite struct {
	ID                   string          `json:"id"`
	Email                string          `json:"email"`
	Level                int             `json:"level"`
	CreatedAt            string          `json:"created_at"`
	Expired              bool            `json:"is_expired"`
	PrivateProjectAccess []ProjectAccess `json:"private_project_access"`
}

// StateProject is one project in a State.
type StateProject struct {
	ID                 int          `json:"id"`
	Name               string       `json:"name"`
	DefaultAccessLevel string       `json:"default_access_level"`
	Access             []StateGrant `json:"access"`
}

// StateGrant is one member's access row in a State.
type StateGrant struct {
	Email  string `json:"email"`
	Member string `json:"organization_member"`
	Level  string `json:"level"`
}

// State dumps the data.
func (s *Server) State() State {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	st := State{OrgID: s.orgID, OrgName: s.orgName, Now: fmtTime(s.Clock.Now()),
		Members: []StateMember{}, Invites: []StateInvite{}, Projects: []StateProject{}}
	for _, m := range s.members {
		st.Members = append(st.Members, StateMember{ID: m.id, UserUUID: m.user.uuid, Email: m.user.email, Level: m.level})
	}
	for _, inv := range s.invites {
		ppa := append([]ProjectAccess{}, inv.ppa...)
		st.Invites = append(st.Invites, StateInvite{ID: inv.id, Email: inv.email, Level: inv.level,
			CreatedAt: fmtTime(inv.createdAt), Expired: s.expired(inv), PrivateProjectAccess: ppa})
	}
	for _, p := range s.projects {
		sp := StateProject{ID: p.id, Name: p.name, DefaultAccessLevel: p.defaultLevel(), Access: []StateGrant{}}
		for _, r := range p.rows {
			if r.member == "" {
				continue
			}
			g := StateGrant{Member: r.member, Level: r.level}
			if m := s.memberByID(r.member); m != nil {
				g.Email = m.user.email
			}
			sp.Access = append(sp.Access, g)
		}
		st.Projects = append(st.Projects, sp)
	}
	return st
}

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }
