package piwikpro

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// Account roles (piwikpro.md: OWNER or USER).
const (
	RoleOwner = "OWNER"
	RoleUser  = "USER"
)

// NoAccess is the permission that removes access.
const NoAccess = "no-access"

// AppPermissions are the app permission levels, from the least to the most.
var AppPermissions = []string{NoAccess, "view", "edit", "edit-publish", "manage"}

// TokenLifetime is how long an access token lasts (expires_in 1800).
const TokenLifetime = 30 * time.Minute

// Default rate limits (piwikpro.md, rate limits: 600 reads and 60 writes a
// minute, read = GET, write = any other method).
const (
	DefaultReadsPerMinute  = 600
	DefaultWritesPerMinute = 60
)

// MaxLimit is the largest page a list serves; a larger limit is refused.
const MaxLimit = 1000

// DefaultLimit is a list's page size when no limit is given.
const DefaultLimit = 10

// Options configure a fake server.
type Options = fakekit.Options[Seed]

// Seed is the initial data of a server, as Go values or JSON (--seed).
type Seed struct {
	// Organization is the account's name (default "acme").
	Organization string `json:"organization,omitempty"`
	// Now is the clock's start, RFC 3339; empty: the wall clock.
	Now string `json:"now,omitempty"`
	// Clients are API key pairs, each acting as a user.
	Clients []SeedClient `json:"clients,omitempty"`
	// Users are the account's users, in the order they were added.
	Users []SeedUser `json:"users,omitempty"`
	// Apps are the account's sites and apps.
	Apps []SeedApp `json:"apps,omitempty"`
	// MetaSites are the account's meta-sites (listed only).
	MetaSites []SeedApp `json:"meta_sites,omitempty"`
	// Groups are user groups with their members (emails).
	Groups []SeedGroup `json:"groups,omitempty"`
	// Permissions are users' explicit app permissions.
	Permissions []SeedPermission `json:"permissions,omitempty"`
	// GroupPermissions are groups' app permissions.
	GroupPermissions []SeedGroupPermission `json:"group_permissions,omitempty"`
	// RateLimits replaces the default limits; nil keeps them.
	RateLimits *RateLimits `json:"rate_limits,omitempty"`
}

// SeedClient is an API key pair (client id and secret) of a user.
type SeedClient struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Email        string `json:"email"`
}

// SeedUser is a user; Role is OWNER or USER (any case; default USER); ID
// is a UUID (default: generated).
type SeedUser struct {
	ID    string `json:"id,omitempty"`
	Email string `json:"email"`
	Role  string `json:"role,omitempty"`
}

// SeedApp is an app or meta-site; ID defaults to a generated UUID.
type SeedApp struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

// SeedGroup is a user group and its members' emails.
type SeedGroup struct {
	ID         string   `json:"id,omitempty"`
	Name       string   `json:"name"`
	ExternalID string   `json:"external_id,omitempty"`
	Members    []string `json:"members,omitempty"`
}

// SeedPermission is a user's explicit permission on an app (name or id).
type SeedPermission struct {
	App        string `json:"app"`
	Email      string `json:"email"`
	Permission string `json:"permission"`
	// MetaSite, when set instead of App, names a meta-site (name or id):
	// the permission is on it.
	MetaSite string `json:"meta_site,omitempty"`
}

// SeedGroupPermission is a group's (name or id) permission on an app.
type SeedGroupPermission struct {
	App        string `json:"app"`
	Group      string `json:"group"`
	Permission string `json:"permission"`
}

// RateLimits are the requests allowed per clock minute of the server's
// clock, counted apart for reads (GET) and writes (other methods, the
// token request included); a negative value means no limit, 0 the
// default.
type RateLimits struct {
	ReadsPerMinute  int `json:"reads_per_minute,omitzero"`
	WritesPerMinute int `json:"writes_per_minute,omitzero"`
}

// FailRule makes matching API requests fail: Method ("" any) and
// PathPrefix ("" any) select requests; Count is how many times (0: every
// time); RetryAfter, when set, is sent as the Retry-After header; Body
// replaces the default error body for Status.
type FailRule = fakekit.FailRule

type user struct {
	id       string
	email    string
	role     string
	language string
	addedAt  time.Time
	seq      int // insertion order, the tie-break of every sort
}

type app struct {
	id        string
	name      string
	addedAt   time.Time
	updatedAt time.Time
	meta      bool
	perms     map[string]string // user id → explicit permission
	groups    map[string]string // group id → permission
}

type group struct {
	id         string
	name       string
	externalID string
	createdAt  time.Time
	updatedAt  time.Time
	members    []string // user ids, in the order added
}

type client struct {
	secret string
	userID string
}

type token struct {
	userID  string
	expires time.Time
}

// Server is a running fake Piwik PRO.
type Server struct {
	// Base is the HTTP server, the lock (Mu) over the data below, the
	// clock and the request log and failure rules.
	fakekit.Base

	org       string
	seq       int
	users     []*user
	usersByID map[string]*user
	apps      []*app // apps and meta-sites
	groups    []*group
	clients   map[string]*client
	tokens    map[string]*token

	limits RateLimits
	used   map[time.Time][2]int // minute → reads, writes
}

// New starts a server and panics if the options are invalid: for tests.
func New(opts Options) *Server { return fakekit.Must(Start(opts)) }

// Start starts a server, or says what is wrong with the options.
func Start(opts Options) (*Server, error) {
	s := newServer()
	if err := fakekit.Start(&s.Base, "fake piwikpro", opts, s, s.load); err != nil {
		return nil, err
	}
	return s, nil
}

func newServer() *Server {
	return &Server{
		usersByID: map[string]*user{},
		clients:   map[string]*client{},
		tokens:    map[string]*token{},
		used:      map[time.Time][2]int{},
		limits:    RateLimits{ReadsPerMinute: DefaultReadsPerMinute, WritesPerMinute: DefaultWritesPerMinute},
	}
}

const (
	prefixUser  = 0xb30e0000
	prefixApp   = 0xa9900000
	prefixGroup = 0x96000000
	prefixMeta  = 0x3e7a0000
)

func (s *Server) nextID(prefix uint32) string {
	s.seq++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", prefix, s.seq)
}

func (s *Server) load(seed Seed) error {
	s.org = seed.Organization
	if s.org == "" {
		s.org = "acme"
	}
	if err := s.Clock.Seed(seed.Now); err != nil {
		return err
	}
	if seed.RateLimits != nil {
		s.setLimits(*seed.RateLimits)
	}
	for _, u := range seed.Users {
		if _, err := s.addUser(u.ID, u.Email, u.Role); err != nil {
			return fmt.Errorf("seed: %v", err)
		}
	}
	for _, a := range seed.Apps {
		if _, err := s.addApp(a.ID, a.Name, false); err != nil {
			return fmt.Errorf("seed: %v", err)
		}
	}
	for _, a := range seed.MetaSites {
		if _, err := s.addApp(a.ID, a.Name, true); err != nil {
			return fmt.Errorf("seed: %v", err)
		}
	}
	for _, g := range seed.Groups {
		grp, err := s.addGroup(g.ID, g.Name)
		if err != nil {
			return fmt.Errorf("seed: %v", err)
		}
		grp.externalID = g.ExternalID
		for _, e := range g.Members {
			if err := s.addToGroup(grp.id, e); err != nil {
				return fmt.Errorf("seed: %v", err)
			}
		}
	}
	for _, p := range seed.Permissions {
		set := s.setPermission
		ref := p.App
		if p.MetaSite != "" {
			set, ref = s.setMetaPermission, p.MetaSite
		}
		if err := set(p.Email, ref, p.Permission); err != nil {
			return fmt.Errorf("seed: %v", err)
		}
	}
	for _, p := range seed.GroupPermissions {
		if err := s.setGroupPermission(p.Group, p.App, p.Permission); err != nil {
			return fmt.Errorf("seed: %v", err)
		}
	}
	for _, c := range seed.Clients {
		if err := s.addClient(c.ClientID, c.ClientSecret, c.Email); err != nil {
			return fmt.Errorf("seed: %v", err)
		}
	}
	return nil
}

func (s *Server) setLimits(l RateLimits) {
	if l.ReadsPerMinute != 0 {
		s.limits.ReadsPerMinute = l.ReadsPerMinute
	}
	if l.WritesPerMinute != 0 {
		s.limits.WritesPerMinute = l.WritesPerMinute
	}
}

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

// userRef finds a user by email or id.
func (s *Server) userRef(ref string) *user {
	if u := s.usersByID[ref]; u != nil {
		return u
	}
	return s.userByEmail(ref)
}

func (s *Server) appByID(id string, meta bool) *app {
	for _, a := range s.apps {
		if a.id == id && a.meta == meta {
			return a
		}
	}
	return nil
}

// appRef finds an app (not a meta-site) by id, else by name.
func (s *Server) appRef(ref string) *app {
	if a := s.appByID(ref, false); a != nil {
		return a
	}
	for _, a := range s.apps {
		if !a.meta && a.name == ref {
			return a
		}
	}
	return nil
}

func (s *Server) groupByID(id string) *group {
	for _, g := range s.groups {
		if g.id == id {
			return g
		}
	}
	return nil
}

// groupRef finds a group by id, else by name.
func (s *Server) groupRef(ref string) *group {
	if g := s.groupByID(ref); g != nil {
		return g
	}
	for _, g := range s.groups {
		if g.name == ref {
			return g
		}
	}
	return nil
}

func (s *Server) owners() int {
	n := 0
	for _, u := range s.users {
		if u.role == RoleOwner {
			n++
		}
	}
	return n
}

// groupsOf lists the groups a user belongs to.
func (s *Server) groupsOf(uid string) []*group {
	var out []*group
	for _, g := range s.groups {
		if slices.Contains(g.members, uid) {
			out = append(out, g)
		}
	}
	return out
}

func permRank(p string) int { return slices.Index(AppPermissions, p) }

func validPermission(p string) bool { return permRank(p) >= 0 }

// groupPermission is the highest permission a user's groups give on an
// app, with the names of the groups that give any.
func (s *Server) groupPermission(a *app, groups []*group) (string, []string) {
	best := NoAccess
	names := []string{}
	for _, g := range groups {
		p := a.groups[g.id]
		if p == "" || p == NoAccess {
			continue
		}
		names = append(names, g.name)
		if permRank(p) > permRank(best) {
			best = p
		}
	}
	sort.Strings(names)
	return best, names
}

// effective is a user's effective permission on an app: everything for
// an owner, else the higher of the explicit one and the groups'.
func (s *Server) effective(u *user, a *app) string {
	if u.role == RoleOwner {
		return "manage"
	}
	p := a.perms[u.id]
	if p == "" {
		p = NoAccess
	}
	if gp, _ := s.groupPermission(a, s.groupsOf(u.id)); permRank(gp) > permRank(p) {
		p = gp
	}
	return p
}

// --- mutations (s.Mu held) ----------------------------------------------

func normRole(r string) (string, error) {
	switch strings.ToUpper(strings.TrimSpace(r)) {
	case "", RoleUser:
		return RoleUser, nil
	case RoleOwner:
		return RoleOwner, nil
	}
	return "", fmt.Errorf("role %q is not OWNER or USER", r)
}

func validEmail(email string) bool {
	l, d, ok := strings.Cut(email, "@")
	return ok && l != "" && d != "" && !strings.Contains(d, "@") && !strings.ContainsAny(email, " \t\r\n/")
}

func (s *Server) addUser(id, email, role string) (*user, error) {
	email = strings.TrimSpace(email)
	if !validEmail(email) {
		return nil, fmt.Errorf("%q is not an email address", email)
	}
	r, err := normRole(role)
	if err != nil {
		return nil, fmt.Errorf("user %s: %v", email, err)
	}
	if s.userByEmail(email) != nil {
		return nil, fmt.Errorf("user %s exists already", email)
	}
	if id == "" {
		id = s.nextID(prefixUser)
	} else if s.usersByID[id] != nil {
		return nil, fmt.Errorf("user id %s is used twice", id)
	}
	s.seq++
	u := &user{id: id, email: email, role: r, language: "en-US", addedAt: s.Clock.Now(), seq: s.seq}
	s.users = append(s.users, u)
	s.usersByID[id] = u
	return u, nil
}

// removeUser deletes a user with their permissions, group memberships,
// API clients and tokens.
func (s *Server) removeUser(u *user) {
	s.users = slices.DeleteFunc(s.users, func(x *user) bool { return x == u })
	delete(s.usersByID, u.id)
	for _, a := range s.apps {
		delete(a.perms, u.id)
	}
	for _, g := range s.groups {
		g.members = slices.DeleteFunc(g.members, func(id string) bool { return id == u.id })
	}
	for k, c := range s.clients {
		if c.userID == u.id {
			delete(s.clients, k)
		}
	}
	for k, t := range s.tokens {
		if t.userID == u.id {
			delete(s.tokens, k)
		}
	}
}

func (s *Server) addApp(id, name string, meta bool) (*app, error) {
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("an app needs a name")
	}
	if id == "" {
		prefix := uint32(prefixApp)
		if meta {
			prefix = prefixMeta
		}
		id = s.nextID(prefix)
	}
	for _, a := range s.apps {
		if a.id == id {
			return nil, fmt.Errorf("app id %s is used twice", id)
		}
	}
	now := s.Clock.Now()
	a := &app{id: id, name: name, addedAt: now, updatedAt: now, meta: meta, perms: map[string]string{}, groups: map[string]string{}}
	s.apps = append(s.apps, a)
	return a, nil
}

func (s *Server) addGroup(id, name string) (*group, error) {
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("a group needs a name")
	}
	for _, g := range s.groups {
		if g.name == name {
			return nil, fmt.Errorf("a group named %q exists already", name)
		}
		if id != "" && g.id == id {
			return nil, fmt.Errorf("group id %s is used twice", id)
		}
	}
	if id == "" {
		id = s.nextID(prefixGroup)
	}
	now := s.Clock.Now()
	g := &group{id: id, name: name, createdAt: now, updatedAt: now, members: []string{}}
	s.groups = append(s.groups, g)
	return g, nil
}

func (s *Server) removeGroup(g *group) {
	s.groups = slices.DeleteFunc(s.groups, func(x *group) bool { return x == g })
	for _, a := range s.apps {
		delete(a.groups, g.id)
	}
}

func (s *Server) addToGroup(groupRef, email string) error {
	g := s.groupRef(groupRef)
	if g == nil {
		return fmt.Errorf("no group %q", groupRef)
	}
	u := s.userRef(email)
	if u == nil {
		return fmt.Errorf("no user %s", email)
	}
	if !slices.Contains(g.members, u.id) {
		g.members = append(g.members, u.id)
		g.updatedAt = s.Clock.Now()
	}
	return nil
}

func (s *Server) removeFromGroup(groupRef, email string) error {
	g := s.groupRef(groupRef)
	if g == nil {
		return fmt.Errorf("no group %q", groupRef)
	}
	u := s.userRef(email)
	if u == nil {
		return fmt.Errorf("no user %s", email)
	}
	g.members = slices.DeleteFunc(g.members, func(id string) bool { return id == u.id })
	g.updatedAt = s.Clock.Now()
	return nil
}

func checkPermission(p string) error {
	if !validPermission(p) {
		return fmt.Errorf("permission %q is not one of %s", p, strings.Join(AppPermissions, ", "))
	}
	return nil
}

// setPermission sets a user's explicit permission; no-access or "" removes it.
func (s *Server) setPermission(email, appRef, p string) error {
	a := s.appRef(appRef)
	if a == nil {
		return fmt.Errorf("no app %q", appRef)
	}
	return s.setPermissionOn(a, email, p)
}

// setMetaPermission sets a user's permission on a meta-site (name or id).
func (s *Server) setMetaPermission(email, ref, p string) error {
	a := s.appByID(ref, true)
	for _, m := range s.apps {
		if a == nil && m.meta && m.name == ref {
			a = m
		}
	}
	if a == nil {
		return fmt.Errorf("no meta-site %q", ref)
	}
	return s.setPermissionOn(a, email, p)
}

func (s *Server) setPermissionOn(a *app, email, p string) error {
	u := s.userRef(email)
	if u == nil {
		return fmt.Errorf("no user %s", email)
	}
	if p == "" || p == NoAccess {
		delete(a.perms, u.id)
		return nil
	}
	if err := checkPermission(p); err != nil {
		return err
	}
	a.perms[u.id] = p
	return nil
}

func (s *Server) setGroupPermission(groupRef, appRef, p string) error {
	a := s.appRef(appRef)
	if a == nil {
		return fmt.Errorf("no app %q", appRef)
	}
	g := s.groupRef(groupRef)
	if g == nil {
		return fmt.Errorf("no group %q", groupRef)
	}
	if p == "" || p == NoAccess {
		delete(a.groups, g.id)
		return nil
	}
	if err := checkPermission(p); err != nil {
		return err
	}
	a.groups[g.id] = p
	return nil
}

func (s *Server) addClient(id, secret, email string) error {
	if id == "" || secret == "" {
		return errors.New("an API client needs a client_id and a client_secret")
	}
	u := s.userRef(email)
	if u == nil {
		return fmt.Errorf("client %q: no user %s (list them in users)", id, email)
	}
	s.clients[id] = &client{secret: secret, userID: u.id}
	return nil
}

// --- admin hooks ----------------------------------------------------------

// AddUser adds a user (role OWNER or USER, "" for USER) and returns its id.
func (s *Server) AddUser(email, role string) (string, error) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	u, err := s.addUser("", email, role)
	if err != nil {
		return "", err
	}
	return u.id, nil
}

// SetRole changes a user's role, as an owner would in the UI.
func (s *Server) SetRole(email, role string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	u := s.userRef(email)
	if u == nil {
		return fmt.Errorf("no user %s", email)
	}
	r, err := normRole(role)
	if err != nil {
		return err
	}
	u.role = r
	return nil
}

// RemoveUser deletes a user and their permissions and memberships.
func (s *Server) RemoveUser(email string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	u := s.userRef(email)
	if u == nil {
		return fmt.Errorf("no user %s", email)
	}
	s.removeUser(u)
	return nil
}

// AddApp adds an app and returns its id.
func (s *Server) AddApp(name string) (string, error) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	a, err := s.addApp("", name, false)
	if err != nil {
		return "", err
	}
	return a.id, nil
}

// AddMetaSite adds a meta-site and returns its id.
func (s *Server) AddMetaSite(name string) (string, error) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	a, err := s.addApp("", name, true)
	if err != nil {
		return "", err
	}
	return a.id, nil
}

// SetPermission sets a user's explicit permission on an app (name or id);
// "no-access" or "" removes it.
func (s *Server) SetPermission(email, app, permission string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return s.setPermission(email, app, permission)
}

// AddGroup adds a user group and returns its id.
func (s *Server) AddGroup(name string) (string, error) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	g, err := s.addGroup("", name)
	if err != nil {
		return "", err
	}
	return g.id, nil
}

// RemoveGroup deletes a group (name or id) and its permissions.
func (s *Server) RemoveGroup(ref string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	g := s.groupRef(ref)
	if g == nil {
		return fmt.Errorf("no group %q", ref)
	}
	s.removeGroup(g)
	return nil
}

// AddToGroup adds a user to a group (name or id).
func (s *Server) AddToGroup(group, email string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return s.addToGroup(group, email)
}

// RemoveFromGroup removes a user from a group (name or id).
func (s *Server) RemoveFromGroup(group, email string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return s.removeFromGroup(group, email)
}

// SetGroupPermission sets a group's permission on an app; "no-access" or
// "" removes it.
func (s *Server) SetGroupPermission(group, app, permission string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return s.setGroupPermission(group, app, permission)
}

// AddClient adds an API key pair acting as the user with that email.
func (s *Server) AddClient(clientID, clientSecret, email string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return s.addClient(clientID, clientSecret, email)
}

// ExpireTokens makes every access token issued so far expired, without
// moving the clock: the next call with one gets 401.
func (s *Server) ExpireTokens() {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	for _, t := range s.tokens {
		t.expires = time.Time{}
	}
}

// Tokens is how many access tokens were issued and are still valid.
func (s *Server) Tokens() int {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	n := 0
	now := s.Clock.Now()
	for _, t := range s.tokens {
		if now.Before(t.expires) {
			n++
		}
	}
	return n
}

// SetRateLimits changes the limits (0 keeps one, negative: no limit).
func (s *Server) SetRateLimits(l RateLimits) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.setLimits(l)
}

// --- state dump -------------------------------------------------------------

// State is a JSON-friendly dump of the server's data.
type State struct {
	Organization string       `json:"organization"`
	Now          string       `json:"now"`
	Users        []StateUser  `json:"users"`
	Apps         []StateApp   `json:"apps"`
	MetaSites    []StateApp   `json:"meta_sites"`
	Groups       []StateGroup `json:"groups"`
}

// StateUser is one user in a State.
type StateUser struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// StateApp is one app in a State, with its explicit permissions by email
// and its group permissions by group name.
type StateApp struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Permissions      map[string]string `json:"permissions"`
	GroupPermissions map[string]string `json:"group_permissions"`
}

// StateGroup is one group in a State, members by email in the order added.
type StateGroup struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

// State dumps the data.
func (s *Server) State() State {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	st := State{Organization: s.org, Now: fmtTime(s.Clock.Now()), Users: []StateUser{}, Apps: []StateApp{}, MetaSites: []StateApp{}, Groups: []StateGroup{}}
	for _, u := range s.users {
		st.Users = append(st.Users, StateUser{ID: u.id, Email: u.email, Role: u.role})
	}
	for _, a := range s.apps {
		sa := StateApp{ID: a.id, Name: a.name, Permissions: map[string]string{}, GroupPermissions: map[string]string{}}
		for uid, p := range a.perms {
			if u := s.usersByID[uid]; u != nil {
				sa.Permissions[u.email] = p
			}
		}
		for gid, p := range a.groups {
			if g := s.groupByID(gid); g != nil {
				sa.GroupPermissions[g.name] = p
			}
		}
		if a.meta {
			st.MetaSites = append(st.MetaSites, sa)
		} else {
			st.Apps = append(st.Apps, sa)
		}
	}
	for _, g := range s.groups {
		sg := StateGroup{ID: g.id, Name: g.name, Members: []string{}}
		for _, id := range g.members {
			if u := s.usersByID[id]; u != nil {
				sg.Members = append(sg.Members, u.email)
			}
		}
		st.Groups = append(st.Groups, sg)
	}
	return st
}

// fmtTime is the users' addedAt format: "2021-08-02T12:16:30+00:00".
func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-07:00") }
