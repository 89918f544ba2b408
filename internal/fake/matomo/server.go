package matomo

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// The facts this fake follows are those of docs/apis/matomo.md; each
// rule below names its section ("Auth", "Response format", "Endpoints",
// "Errors of the write methods", "Semantics and edge cases").

// DefaultVersion is the version the fake reports when the seed names none
// (the note's source is 5.2.0-b5).
const DefaultVersion = "5.2.0"

// Roles are Matomo's site roles (Semantics: view < write < admin).
var Roles = []string{"view", "write", "admin"}

// DefaultCapabilities are Tag Manager's, with the roles that include them
// (Semantics: tagmanager_write in write and admin; the other two in admin).
var DefaultCapabilities = map[string][]string{
	"tagmanager_write":                  {"write", "admin"},
	"tagmanager_publish_live_container": {"admin"},
	"tagmanager_use_custom_templates":   {"admin"},
}

// capOrder is the registration order of the default capabilities.
var capOrder = []string{"tagmanager_write", "tagmanager_publish_live_container", "tagmanager_use_custom_templates"}

// Seed is the initial data of a server, as Go values or JSON (--seed).
type Seed struct {
	// Version is API.getMatomoVersion's answer; default DefaultVersion.
	Version string `json:"version,omitempty"`
	// Now is the clock's start, RFC 3339; empty: the wall clock.
	Now string `json:"now,omitempty"`
	// Tokens maps a token_auth to its user's login.
	Tokens map[string]string `json:"tokens,omitempty"`
	Users  []SeedUser        `json:"users,omitempty"`
	Sites  []SeedSite        `json:"sites,omitempty"`
	Access []SeedAccess      `json:"access,omitempty"`
}

// SeedUser is a user. InviteExpires (RFC 3339) makes it a pending
// invitation, expired when in the past; InvitedBy is the inviter's login.
type SeedUser struct {
	Login         string `json:"login"`
	Email         string `json:"email"`
	Superuser     bool   `json:"superuser,omitzero"`
	InviteExpires string `json:"invite_expires,omitempty"`
	InvitedBy     string `json:"invited_by,omitempty"`
}

// SeedSite is a website.
type SeedSite struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// SeedAccess is one user's access on a site: a role and capabilities, as
// setUserAccess's access[] takes them.
type SeedAccess struct {
	Login  string   `json:"login"`
	Site   int      `json:"site"`
	Access []string `json:"access"`
}

// Options configure a server.
type Options = fakekit.Options[Seed]

type user struct {
	login, email  string
	superuser     bool
	inviteToken   bool // pending (Semantics, Invitations)
	inviteExpires time.Time
	invitedBy     string
	invites       int // invitations and resends mailed
}

type grant struct {
	role string
	caps map[string]bool
}

// Server is a fake Matomo instance.
type Server struct {
	fakekit.Base

	version string
	tokens  map[string]string
	users   map[string]*user // by login
	sites   map[int]string   // idsite → name
	access  map[int]map[string]*grant
}

// New starts a server, or panics (tests).
func New(o Options) *Server { return fakekit.Must(Start(o)) }

// Start starts a server on o.Addr (default 127.0.0.1:0).
func Start(o Options) (*Server, error) {
	s := &Server{tokens: map[string]string{}, users: map[string]*user{}, sites: map[int]string{}, access: map[int]map[string]*grant{}}
	return s, fakekit.Start(&s.Base, "fake-matomo", o, s, s.load)
}

func (s *Server) load(seed Seed) error {
	s.version = cmp.Or(seed.Version, DefaultVersion)
	if err := s.Clock.Seed(seed.Now); err != nil {
		return err
	}
	// Response format, Semantics (anonymous): the anonymous row exists.
	s.users["anonymous"] = &user{login: "anonymous", email: "anonymous@example.org"}
	for _, u := range seed.Users {
		nu := &user{login: u.Login, email: u.Email, superuser: u.Superuser, invitedBy: u.InvitedBy}
		if u.InviteExpires != "" {
			t, err := fakekit.SeedTime(u.InviteExpires)
			if err != nil {
				return fmt.Errorf("user %s: %v", u.Login, err)
			}
			nu.inviteToken, nu.inviteExpires = true, t
		}
		s.users[u.Login] = nu
	}
	for tok, login := range seed.Tokens {
		if s.users[login] == nil {
			return fmt.Errorf("token of %q: no such user", login)
		}
		s.tokens[tok] = login
	}
	for _, st := range seed.Sites {
		s.sites[st.ID] = st.Name
	}
	for _, a := range seed.Access {
		if err := s.SetAccess(a.Login, a.Site, a.Access); err != nil {
			return err
		}
	}
	return nil
}

// SetAccess sets a user's access on a site by hand (a change in the UI):
// access as setUserAccess takes it; empty removes it.
func (s *Server) SetAccess(login string, site int, access []string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if s.users[login] == nil {
		return fmt.Errorf("no user %q", login)
	}
	if _, ok := s.sites[site]; !ok {
		return fmt.Errorf("no site %d", site)
	}
	if len(access) == 0 {
		delete(s.access[site], login)
		return nil
	}
	g := &grant{role: access[0], caps: map[string]bool{}}
	for _, c := range access[1:] {
		if !slices.Contains(DefaultCapabilities[c], g.role) {
			g.caps[c] = true
		}
	}
	s.grantOn(site)[login] = g
	return nil
}

// Accept accepts a user's invitation (Semantics, Invitations: the token
// and expiry are cleared).
func (s *Server) Accept(login string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	u := s.users[login]
	if u == nil || !u.inviteToken {
		return fmt.Errorf("no pending invitation for %q", login)
	}
	u.inviteToken, u.inviteExpires = false, time.Time{}
	return nil
}

// SetEmail changes a user's email by hand, as its owner does in the UI
// (Manual steps: updateUser of an email needs the password of whoever
// makes it, so only a person can). The login stays; the email is unique
// (Identity: a unique index).
func (s *Server) SetEmail(login, email string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	u := s.users[login]
	if u == nil {
		return fmt.Errorf("no user %q", login)
	}
	for _, o := range s.users {
		if o != u && strings.EqualFold(o.email, email) {
			return fmt.Errorf("email %q is another user's", email)
		}
	}
	u.email = email
	return nil
}

// DeleteUser deletes a user by hand.
func (s *Server) DeleteUser(login string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if s.users[login] == nil {
		return fmt.Errorf("no user %q", login)
	}
	s.deleteUser(login)
	return nil
}

func (s *Server) deleteUser(login string) {
	delete(s.users, login)
	for _, m := range s.access {
		delete(m, login)
	}
	for t, l := range s.tokens {
		if l == login {
			delete(s.tokens, t)
		}
	}
}

func (s *Server) grantOn(site int) map[string]*grant {
	if s.access[site] == nil {
		s.access[site] = map[string]*grant{}
	}
	return s.access[site]
}

// --- HTTP ---------------------------------------------------------------------

// ServeHTTP answers the API at /index.php and the admin endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, fakekit.AdminPrefix) {
		s.admin(w, r)
		return
	}
	_ = r.ParseForm()
	method := r.Form.Get("method")
	path := "/index.php?method=" + method
	sw := &fakekit.StatusWriter{ResponseWriter: w}
	defer func() {
		s.Record(fakekit.Request{Method: r.Method, Path: path, Status: sw.Status(), At: s.Now()})
	}()
	// Failure rules match "/index.php?method=MODULE.METHOD&" as the path:
	// a path_prefix ending in "&" names one method exactly.
	m := r.Clone(r.Context())
	m.URL.Path = path + "&"
	if s.Inject(sw, m, "application/json", func(status int) []byte {
		return []byte(`{"result":"error","message":"injected failure"}`)
	}) {
		return
	}
	if r.URL.Path != "/index.php" && r.URL.Path != "/" {
		http.NotFound(sw, r)
		return
	}
	status, body := s.api(r, method)
	if r.Form.Get("format") != "JSON" {
		// Auth: "The default format is XML: always send format=JSON".
		sw.Header().Set("Content-Type", "text/xml; charset=utf-8")
		sw.WriteHeader(status)
		fmt.Fprintf(sw, "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<result>%s</result>\n", "xml")
		return
	}
	if h, ok := body.(headered); ok {
		for k, v := range h.header {
			sw.Header().Set(k, v)
		}
		body = h.body
	}
	body = genericFilters(r.Form, body)
	if raw, ok := body.(rawBody); ok {
		sw.Header().Set("Content-Type", "text/html; charset=utf-8")
		sw.WriteHeader(status)
		sw.Write([]byte(raw)) //nolint:errcheck
		return
	}
	sw.Header().Set("Content-Type", "application/json; charset=utf-8")
	sw.WriteHeader(status)
	// PHP's json_encode leaves '&', '<' and '>' as they are.
	sw.Write(fakekit.Marshal(body, jsontext.EscapeForHTML(false))) //nolint:errcheck
}

// genericFilters applies filter_offset, then filter_limit (default -1:
// all), to a list answer (Response format, 70: generic filters apply to
// list responses too). getUsersPlusRole's X-Matomo-Total-Results counts
// before them. filter_column/filter_pattern and hideColumns/showColumns
// are not implemented: roster sends none of them.
func genericFilters(f map[string][]string, body any) any {
	get := func(k string) int {
		if v := f[k]; len(v) > 0 {
			if n, err := strconv.Atoi(v[0]); err == nil {
				return n
			}
		}
		return -1
	}
	off, lim := max(0, get("filter_offset")), get("filter_limit")
	switch l := body.(type) {
	case []map[string]any:
		return window(l, off, lim)
	case []map[string]string:
		return window(l, off, lim)
	}
	return body
}

func window[T any](l []T, off, lim int) []T {
	l = l[min(off, len(l)):]
	if lim >= 0 && lim < len(l) {
		l = l[:lim]
	}
	return l
}

type headered struct {
	header map[string]string
	body   any
}

// rawBody is an answer that is not JSON (a PHP fatal error).
type rawBody string

func errBody(msg string) map[string]string {
	return map[string]string{"result": "error", "message": msg}
}

var ok = map[string]string{"result": "success", "message": "ok"}

func (s *Server) atLeast(major, minor int) bool {
	parts := strings.SplitN(s.version, ".", 3)
	if len(parts) < 2 {
		return false
	}
	a, _ := strconv.Atoi(parts[0])
	b, _ := strconv.Atoi(parts[1])
	return a > major || (a == major && b >= minor)
}

// api answers one API call under the lock.
func (s *Server) api(r *http.Request, method string) (int, any) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.cleanUpExpiredInvites()
	// Auth, "How to send it": a token in the query string is refused
	// since 5.0 (secure-only tokens), with the GET wording.
	if r.URL.Query().Get("token_auth") != "" && s.atLeast(5, 0) {
		return 401, errBody("Unable to authenticate with the provided token. It is either invalid, expired or is required to be sent as a POST parameter.")
	}
	tok := r.PostForm.Get("token_auth")
	if tok == "" && !s.atLeast(5, 0) {
		// Auth (33): secure-only tokens came with 5.0; before, a token in
		// the query string is read too. (From 5.0 the fake treats every
		// token as secure-only, which the note allows per token or by
		// config: only_allow_secure_auth_tokens.)
		tok = r.URL.Query().Get("token_auth")
	}
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") && s.atLeast(5, 4) {
		// Auth, "Newer servers": the header is read; a different token in
		// POST is a 400.
		bt := strings.TrimPrefix(h, "Bearer ")
		if tok != "" && tok != bt {
			return 400, errBody("The token_auth sent in the Authorization header and in the request differ.")
		}
		tok = bt
	}
	login, known := s.tokens[tok]
	if !known {
		// Auth, "Bad or expired token".
		return 401, errBody("Unable to authenticate with the provided token. It is either invalid or expired.")
	}
	caller := s.users[login]
	if r.Form.Get("module") != "API" {
		return 400, errBody("The module is not specified; use module=API.")
	}
	session := r.Form.Get("force_api_session") == "1"
	c := &call{s: s, f: r.Form, caller: caller, session: session}
	if since, ok := methodSince[method]; ok && !s.atLeast(since[0], since[1]) {
		return unknownMethod(method)
	}
	if needsLogin[method] && c.get("userLogin") == "" {
		// Auth (58): Proxy refuses a missing required parameter before
		// the method runs. (An empty value counts as missing, as
		// Common::getRequestVar has it; the note names only userLogin's
		// case. Whether an absent idSites or access gets this message
		// or the method's own, "Specify at least one website ID" and
		// "No role is set", the note leaves open: the fake gives the
		// method's.)
		return 200, errBody("Please specify a value for 'userLogin'.")
	}
	switch method {
	case "API.getMatomoVersion":
		// Endpoints (76): needs some view access; a NoAccessException is a
		// 401 (Response format, 66). The wording follows getUsers' (79)
		// with "view" for "admin" [inf].
		if !c.someAccess() {
			return 401, errBody("You can't access this resource as it requires view access for at least one website.")
		}
		return 200, map[string]string{"value": s.version}
	case "UsersManager.getUsersHavingSuperUserAccess":
		return c.superusers()
	case "UsersManager.getSitesAccessFromUser":
		return c.sitesAccessFromUser()
	case "SitesManager.getSitesWithAdminAccess":
		return c.sitesWithAdminAccess()
	case "UsersManager.getUsers":
		return c.getUsers()
	case "UsersManager.getUsersPlusRole":
		return c.usersPlusRole()
	case "UsersManager.getAvailableCapabilities":
		return c.capabilities()
	case "UsersManager.inviteUser", "UsersManager.resendInvite", "UsersManager.deleteUser":
		if session && r.Form.Get("passwordConfirmation") == "" {
			// Auth: under session auth these need the password.
			return 200, errBody("Please enter your password to confirm this change.")
		}
		switch method {
		case "UsersManager.inviteUser":
			return c.invite()
		case "UsersManager.resendInvite":
			return c.resend()
		}
		return c.deleteUser()
	case "UsersManager.setUserAccess":
		return c.setUserAccess()
	case "UsersManager.addCapabilities", "UsersManager.removeCapabilities":
		return c.changeCapabilities(method == "UsersManager.addCapabilities")
	case "UsersManager.setSuperUserAccess":
		// Semantics, Superusers: always needs passwordConfirmation.
		if r.Form.Get("passwordConfirmation") == "" {
			return 200, errBody("Please enter your password to confirm this change.")
		}
		return 200, errBody("The current password you entered is not correct.")
	case "UsersManager.updateUser":
		if r.Form.Get("email") != "" || r.Form.Get("password") != "" {
			return 200, errBody("Please enter your password to confirm this change.")
		}
		return 200, ok
	}
	return unknownMethod(method)
}

// unknownMethod is a BadRequestException (Response format, 67).
func unknownMethod(method string) (int, any) {
	mod, _, _ := strings.Cut(method, ".")
	return 400, errBody(fmt.Sprintf("The method '%s' does not exist or is not available in the module '%s'.", strings.TrimPrefix(method, mod+"."), mod))
}

// methodSince is the first version with a method (Version differences,
// 191-192: no inviteUser up to 4.10; inviteUser and resendInvite in 4.11).
var methodSince = map[string][2]int{
	"UsersManager.inviteUser":   {4, 11},
	"UsersManager.resendInvite": {4, 11},
}

// needsLogin lists the methods whose userLogin parameter has no default
// (Endpoints, 81-90).
var needsLogin = map[string]bool{
	"UsersManager.getSitesAccessFromUser": true, "UsersManager.inviteUser": true, "UsersManager.resendInvite": true,
	"UsersManager.setUserAccess": true, "UsersManager.addCapabilities": true, "UsersManager.removeCapabilities": true,
	"UsersManager.deleteUser": true, "UsersManager.setSuperUserAccess": true, "UsersManager.updateUser": true,
}

// cleanUpExpiredInvites is the daily task (Semantics, Invitations): users
// whose invitation expired more than 3 days ago are deleted.
func (s *Server) cleanUpExpiredInvites() {
	now := s.Clock.Now()
	for login, u := range s.users {
		if u.inviteToken && !u.inviteExpires.IsZero() && now.Sub(u.inviteExpires) > 3*24*time.Hour {
			s.deleteUser(login)
		}
	}
}

type call struct {
	s       *Server
	f       map[string][]string
	caller  *user
	session bool // force_api_session=1 (Auth, 37)
}

func (c *call) get(k string) string {
	if v := c.f[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// list reads a PHP form array (k[]=a&k[]=b) or a comma list (k=a,b).
func (c *call) list(k string) []string {
	if v := c.f[k+"[]"]; len(v) > 0 {
		return v
	}
	if v := c.get(k); v != "" {
		return strings.Split(v, ",")
	}
	return nil
}

func noSuper() (int, any) {
	return 401, errBody("You can't access this resource as it requires a 'superuser' access.")
}

func noUser(login string) (int, any) {
	return 200, errBody(fmt.Sprintf("User '%s' doesn't exist.", login))
}

// roleOf is the caller's role on a site ("" none).
func (c *call) roleOf(u *user, site int) string {
	if u.superuser {
		return "superuser"
	}
	if g := c.s.access[site][u.login]; g != nil {
		return g.role
	}
	return ""
}

func (c *call) isAdmin(site int) bool {
	r := c.roleOf(c.caller, site)
	return r == "superuser" || r == "admin"
}

// someAccess reports whether the caller has some view access: a
// superuser, or a role on some site.
func (c *call) someAccess() bool {
	if c.caller.superuser {
		return true
	}
	for _, m := range c.s.access {
		if m[c.caller.login] != nil {
			return true
		}
	}
	return false
}

func (c *call) adminSomewhere() bool {
	if c.caller.superuser {
		return true
	}
	for site := range c.s.sites {
		if c.isAdmin(site) {
			return true
		}
	}
	return false
}

// superusers answers UsersManager.getUsersHavingSuperUserAccess (Endpoints:
// every superuser, login ascending, for any caller but anonymous, whom
// authentication has already refused above). It is how a driver checks
// connection.account_id: no method returns the caller's own login (Auth,
// "Who the credential is"), so the answer does not depend on the caller.
func (c *call) superusers() (int, any) {
	var out []map[string]any
	for _, login := range c.s.logins() {
		if u := c.s.users[login]; u.superuser {
			out = append(out, map[string]any{"login": u.login, "email": u.email, "superuser_access": true})
		}
	}
	if out == nil {
		out = []map[string]any{}
	}
	return 200, out
}

func (s *Server) logins() []string { return slices.Sorted(maps.Keys(s.users)) }

func (s *Server) siteIDs() []int { return slices.Sorted(maps.Keys(s.sites)) }

func (c *call) sitesAccessFromUser() (int, any) {
	if !c.caller.superuser {
		return noSuper() // Endpoints: superuser only
	}
	login := c.get("userLogin")
	u := c.s.users[login]
	if u == nil {
		return noUser(login)
	}
	out := []map[string]string{}
	for _, id := range c.s.siteIDs() {
		if u.superuser {
			out = append(out, map[string]string{"site": strconv.Itoa(id), "access": "admin"})
			continue
		}
		if g := c.s.access[id][login]; g != nil {
			out = append(out, map[string]string{"site": strconv.Itoa(id), "access": g.role})
			for _, cp := range sortedCaps(g.caps) {
				out = append(out, map[string]string{"site": strconv.Itoa(id), "access": cp})
			}
		}
	}
	return 200, out
}

// sortedCaps are the capabilities of m, sorted; never nil, since they
// are a JSON list ([] when none).
func sortedCaps(m map[string]bool) []string {
	out := slices.AppendSeq(make([]string, 0, len(m)), maps.Keys(m))
	slices.Sort(out)
	return out
}

func (c *call) sitesWithAdminAccess() (int, any) {
	out := []map[string]string{}
	for _, id := range c.s.siteIDs() {
		if c.isAdmin(id) {
			// Numbers read from MySQL come back as strings.
			out = append(out, map[string]string{"idsite": strconv.Itoa(id), "name": c.s.sites[id], "main_url": "https://site" + strconv.Itoa(id) + ".example", "timezone": "UTC", "currency": "EUR", "type": "website"})
		}
	}
	if n, err := strconv.Atoi(c.get("limit")); err == nil && n > 0 && n < len(out) {
		out = out[:n] // Endpoints (78), Semantics (181): limit, no offset
	}
	return 200, out
}

// inviteStatus is REPO enrichUser's: "active", "expired", or whole days
// left rounded down.
func (s *Server) inviteStatus(u *user) any {
	if !u.inviteToken || u.inviteExpires.IsZero() {
		return "active"
	}
	left := u.inviteExpires.Sub(s.Clock.Now())
	if left < 0 {
		return "expired"
	}
	return math.Floor(left.Hours() / 24)
}

// visible reports whether a non-superuser caller sees a user (Auth: an
// admin sees users with access to sites it manages; pending users only
// when it invited them).
func (c *call) visible(u *user) bool {
	if c.caller.superuser || u == c.caller {
		return true
	}
	if u.inviteToken && u.invitedBy != c.caller.login {
		return false
	}
	for site, m := range c.s.access {
		if m[u.login] != nil && c.isAdmin(site) {
			return true
		}
	}
	return false
}

func (c *call) enrich(u *user) map[string]any {
	row := map[string]any{"login": u.login, "superuser_access": b01(u.superuser), "invite_status": c.s.inviteStatus(u)}
	if c.caller.superuser {
		// Semantics (184), Auth (44): uses_2fa only for a superuser
		// caller.
		row["uses_2fa"] = false
	}
	if u.invitedBy != "" {
		row["invited_by"] = u.invitedBy
	}
	// Auth: emails only for oneself and superusers, unless the caller is
	// a superuser.
	if c.caller.superuser || u == c.caller || u.superuser {
		row["email"] = u.email
	}
	return row
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func (c *call) getUsers() (int, any) {
	if !c.adminSomewhere() {
		return 401, errBody("You can't access this resource as it requires admin access for at least one website.")
	}
	out := []map[string]any{}
	var only []string // Endpoints (79): userLogins, a comma list
	if v := c.get("userLogins"); v != "" {
		only = strings.Split(v, ",")
	}
	for _, login := range c.s.logins() {
		if only != nil && !slices.ContainsFunc(only, func(l string) bool { return strings.EqualFold(strings.TrimSpace(l), login) }) {
			continue
		}
		if u := c.s.users[login]; c.visible(u) {
			out = append(out, c.enrich(u))
		}
	}
	return 200, out
}

func (c *call) usersPlusRole() (int, any) {
	site, err := strconv.Atoi(c.get("idSite"))
	if err != nil {
		return 200, errBody("Please specify a value for 'idSite'.")
	}
	var rows []map[string]any
	for _, login := range c.s.logins() {
		u := c.s.users[login]
		if !c.isAdmin(site) && u != c.caller {
			continue // Endpoints: a non-admin gets only their own user
		}
		if !c.visible(u) {
			// Auth (45-46): an admin's lists hold only users with access
			// to sites it manages, and only the pending users it invited.
			// (Whether superusers, who have no access rows, count as
			// having access, the note does not say; the fake leaves them
			// out, as in getUsers.)
			continue
		}
		if q := strings.ToLower(c.get("filter_search")); q != "" &&
			!strings.Contains(strings.ToLower(u.login), q) && !strings.Contains(strings.ToLower(u.email), q) {
			continue // Endpoints (80): filter_search, the login or the email (LIKE)
		}
		if !c.s.statusIs(u, c.get("filter_status")) {
			continue
		}
		role, caps := "noaccess", []string{}
		if u.superuser {
			role = "superuser"
		} else if g := c.s.access[site][login]; g != nil {
			role, caps = g.role, sortedCaps(g.caps)
		}
		switch fa := c.get("filter_access"); {
		case fa == "":
		case fa == "some" && role == "noaccess":
			continue
		case DefaultCapabilities[fa] != nil:
			// Endpoints (80): a capability id. The fake matches explicit
			// capability rows; whether a role that implies the
			// capability matches too, the note does not say.
			if !slices.Contains(caps, fa) {
				continue
			}
		case fa != "some" && fa != role:
			continue
		}
		row := c.enrich(u)
		row["superuser_access"] = u.superuser // a boolean here (Endpoints)
		row["role"], row["capabilities"] = role, caps
		rows = append(rows, row)
	}
	total := len(rows)
	// Paging: LIMIT/OFFSET; offset is ignored unless limit is set.
	if lim, err := strconv.Atoi(c.get("limit")); err == nil && lim > 0 {
		off, _ := strconv.Atoi(c.get("offset"))
		off = max(0, min(off, len(rows)))
		rows = rows[off:min(len(rows), off+lim)]
	}
	if rows == nil {
		rows = []map[string]any{}
	}
	return 200, headered{header: map[string]string{"X-Matomo-Total-Results": strconv.Itoa(total)}, body: rows}
}

// statusIs applies getUsersPlusRole's filter_status (Endpoints, 80;
// Semantics, 170): "pending" is an invitation expiring after today,
// "expired" one that expired before today, so one expiring today is in
// neither; "active" is a user with no invitation; "" is everyone.
func (s *Server) statusIs(u *user, status string) bool {
	day := func(t time.Time) time.Time {
		y, m, d := t.UTC().Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	today := day(s.Clock.Now())
	switch status {
	case "active":
		return !u.inviteToken
	case "pending":
		return u.inviteToken && day(u.inviteExpires).After(today)
	case "expired":
		return u.inviteToken && day(u.inviteExpires).Before(today)
	}
	return true
}

func (c *call) capabilities() (int, any) {
	if !c.adminSomewhere() {
		return 401, errBody("You can't access this resource as it requires admin access for at least one website.")
	}
	out := []map[string]any{}
	for _, id := range capOrder {
		out = append(out, map[string]any{"id": id, "name": id, "description": "", "helpUrl": "", "includedInRoles": DefaultCapabilities[id], "category": "Tag Manager"})
	}
	return 200, out
}

var (
	loginPattern = regexp.MustCompile(`^[A-Za-zÄäÖöÜüß0-9_.@+-]*$`)
	emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

func (c *call) siteArg(k string) (int, bool) {
	id, err := strconv.Atoi(c.get(k))
	return id, err == nil
}

func (c *call) invite() (int, any) {
	login, email := c.get("userLogin"), c.get("email")
	if c.get("initialIdSite") == "" {
		return 200, errBody("New users must be given access to a website, please set the 'initialIdSite' parameter.")
	}
	site, okID := c.siteArg("initialIdSite")
	if !okID {
		return 200, errBody(fmt.Sprintf("An unexpected website was found in the request: website id was set to '%s' .", c.get("initialIdSite")))
	}
	// Errors of the write methods: admin check, login, then email.
	if !c.isAdmin(site) && !c.caller.superuser {
		return 401, errBody(fmt.Sprintf("You can't access this resource as it requires 'admin' access for the website id = %d.", site))
	}
	if _, known := c.s.sites[site]; !known {
		return 200, errBody(fmt.Sprintf("An unexpected website was found in the request: website id was set to '%d' .", site))
	}
	if n := len([]rune(login)); n < 2 || n > 100 || !loginPattern.MatchString(login) {
		return 200, errBody("Username: The username must be between 2 and 100 characters long and contain only letters, numbers, or the characters '_' or '-' or '.' or '@' or '+'")
	}
	for _, u := range c.s.users {
		if strings.EqualFold(u.login, login) {
			return 200, errBody(fmt.Sprintf("Username: Username '%s' already exists.", login))
		}
		if strings.EqualFold(u.email, login) {
			return 200, errBody(fmt.Sprintf("Username: Username '%s' already used as an email.", login))
		}
	}
	if !emailPattern.MatchString(email) {
		return 200, errBody(fmt.Sprintf("Email: The value \"%s\" does not look like a valid email.", email))
	}
	for _, u := range c.s.users {
		if strings.EqualFold(u.email, email) {
			return 200, errBody(fmt.Sprintf("Email: User with email '%s' already exists.", email))
		}
		if strings.EqualFold(u.login, email) && !strings.EqualFold(login, email) {
			return 200, errBody(fmt.Sprintf("Email: Email '%s' already used as a username.", email))
		}
	}
	days := 7 // config default_invite_user_token_expiry_days
	if v := c.get("expiryInDays"); v != "" {
		days, _ = strconv.Atoi(v)
	}
	// Semantics, Invitations: the user exists at once, pending, with view
	// on initialIdSite.
	u := &user{login: login, email: email, inviteToken: true, inviteExpires: c.s.Clock.Now().Add(time.Duration(days) * 24 * time.Hour), invitedBy: c.caller.login, invites: 1}
	c.s.users[login] = u
	c.s.grantOn(site)[login] = &grant{role: "view", caps: map[string]bool{}}
	return 200, ok
}

func (c *call) resend() (int, any) {
	login := c.get("userLogin")
	u := c.s.users[login]
	if u == nil || !u.inviteToken {
		return noUser(login)
	}
	if !c.caller.superuser && u.invitedBy != c.caller.login {
		return 401, errBody(fmt.Sprintf("Resending an invite is only allowed to the user who invited %s or any super user.", login))
	}
	days := 7 // resendInvite's own default, not the config
	if v := c.get("expiryInDays"); v != "" {
		days, _ = strconv.Atoi(v)
	}
	u.inviteExpires = c.s.Clock.Now().Add(time.Duration(days) * 24 * time.Hour)
	u.invites++
	return 200, ok
}

func (c *call) deleteUser() (int, any) {
	login := c.get("userLogin")
	if login == "anonymous" {
		return 200, errBody("The anonymous user cannot be edited or deleted. It is used by Matomo to define a user that has not logged in yet.")
	}
	u := c.s.users[login]
	if !c.caller.superuser {
		if u == nil || !u.inviteToken || u.invitedBy != c.caller.login {
			return 401, errBody(fmt.Sprintf("User '%s' doesn't exist.", login))
		}
	}
	if u == nil {
		return noUser(login)
	}
	if u.superuser {
		n := 0
		for _, x := range c.s.users {
			if x.superuser {
				n++
			}
		}
		if n == 1 {
			return 200, errBody(fmt.Sprintf("Deleting user '%s' is not possible. There has to be at least one user with Super User access. Please grant Super User access to another user first.", login))
		}
	}
	c.s.deleteUser(login)
	return 200, ok
}

// validAccess lists the values access[] may hold: the roles, then each
// capability in registration order.
func validAccess() []string { return append(append([]string{}, Roles...), capOrder...) }

func (c *call) sites() ([]int, string) {
	raw := c.list("idSites")
	if len(raw) == 0 {
		return nil, "Specify at least one website ID in &idSites="
	}
	var out []int
	for _, v := range raw {
		if v == "all" {
			for _, id := range c.s.siteIDs() {
				if c.isAdmin(id) {
					out = append(out, id)
				}
			}
			continue
		}
		id, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Sprintf("An unexpected website was found in the request: website id was set to '%s' .", v)
		}
		out = append(out, id)
	}
	return out, ""
}

func (c *call) setUserAccess() (int, any) {
	login := c.get("userLogin")
	access := c.list("access")
	var role string
	var caps []string
	// Endpoints (86): noaccess is a value of the scalar access only;
	// access[] is one role plus capabilities, and noaccess is neither
	// (Semantics, 157), so in access[] it is a bad value (Errors, 126).
	noaccess := len(c.f["access[]"]) == 0 && c.get("access") == "noaccess"
	if !noaccess {
		for _, a := range access {
			switch {
			case slices.Contains(Roles, a):
				if role != "" {
					return 200, errBody("Only one role can be set but multiple have been set. Use only one of: view, write, admin")
				}
				role = a
			case DefaultCapabilities[a] != nil:
				caps = append(caps, a)
			default:
				return 200, errBody(fmt.Sprintf("The parameter access must have one of the following values: [ %s ], '%s' given.", strings.Join(validAccess(), ", "), a))
			}
		}
		if role == "" {
			return 200, errBody("No role is set but one of these needs to be set: view, write, admin")
		}
	}
	sites, msg := c.sites()
	if msg != "" {
		return 200, errBody(msg)
	}
	for _, id := range sites {
		if !c.isAdmin(id) && !c.caller.superuser {
			return 401, errBody(fmt.Sprintf("You can't access this resource as it requires 'admin' access for the website id = %d.", id))
		}
	}
	u := c.s.users[login]
	if u == nil {
		return noUser(login)
	}
	if u.superuser {
		return 200, errBody(fmt.Sprintf("The user '%s' has Super User access and has already permission to access and modify all websites in Matomo. You may remove the Super User access from this user and try again.", login))
	}
	if login == "anonymous" && !noaccess && (role != "view" || len(caps) > 0) {
		return 200, errBody("You can only set access noaccess or view access to the 'anonymous' user.")
	}
	if login == "anonymous" && role == "view" && c.session && c.get("passwordConfirmation") == "" {
		// Auth (55), Version differences (195): making a site public
		// under session auth asks for the password.
		return 200, errBody("Please enter your password to confirm this change.")
	}
	// Semantics: setUserAccess replaces the whole grant; an unknown but
	// numeric idsite is written anyway for a superuser (a dangling row).
	for _, id := range sites {
		if noaccess {
			delete(c.s.access[id], login)
			continue
		}
		g := &grant{role: role, caps: map[string]bool{}}
		for _, cp := range caps {
			if !slices.Contains(DefaultCapabilities[cp], role) {
				g.caps[cp] = true // implied capabilities are not stored
			}
		}
		c.s.grantOn(id)[login] = g
	}
	return 200, ok
}

func (c *call) changeCapabilities(add bool) (int, any) {
	login := c.get("userLogin")
	caps := c.list("capabilities")
	for _, cp := range caps {
		if DefaultCapabilities[cp] == nil {
			// Semantics: vsprintf's ValueError under PHP 8 escapes the
			// API's catch: an HTTP 500 that is not JSON.
			return 500, rawBody("<br />\n<b>Fatal error</b>:  Uncaught ValueError: The arguments array must contain 2 items, 1 given in /var/www/html/core/Access/CapabilitiesProvider.php:77\n")
		}
	}
	sites, msg := c.sites()
	if msg != "" {
		return 200, errBody(msg)
	}
	if add && login == "anonymous" {
		// Errors of the write methods (136).
		return 200, errBody("You cannot grant any capability to the 'anonymous' user.")
	}
	u := c.s.users[login]
	if u == nil {
		return noUser(login)
	}
	if u.superuser {
		return 200, errBody(fmt.Sprintf("The user '%s' has Super User access and has already permission to access and modify all websites in Matomo. You may remove the Super User access from this user and try again.", login))
	}
	for _, id := range sites {
		if !c.isAdmin(id) {
			return 401, errBody(fmt.Sprintf("You can't access this resource as it requires 'admin' access for the website id = %d.", id))
		}
		g := c.s.access[id][login]
		if add && g == nil {
			return 200, errBody(fmt.Sprintf("Unable to grant any capabilities to user %s for idSite %d. The user needs at least view access.", login, id))
		}
		if g == nil {
			continue
		}
		for _, cp := range caps {
			if add && !slices.Contains(DefaultCapabilities[cp], g.role) {
				g.caps[cp] = true
			}
			if !add {
				delete(g.caps, cp) // only explicit rows
			}
		}
	}
	return 200, ok
}

// --- dump ---------------------------------------------------------------------

// State is the fake's data as /_fake/state shows it.
type State struct {
	Version string            `json:"version"`
	Users   []StateUser       `json:"users"`
	Sites   map[string]string `json:"sites"`
	Access  []SeedAccess      `json:"access"`
}

// StateUser is one user in the dump.
type StateUser struct {
	Login        string `json:"login"`
	Email        string `json:"email"`
	Superuser    bool   `json:"superuser,omitzero"`
	InviteStatus any    `json:"invite_status"`
	Invites      int    `json:"invites,omitzero"`
}

// Dump returns the data.
func (s *Server) Dump() State {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	st := State{Version: s.version, Sites: map[string]string{}, Users: []StateUser{}, Access: []SeedAccess{}}
	for _, l := range s.logins() {
		u := s.users[l]
		st.Users = append(st.Users, StateUser{Login: u.login, Email: u.email, Superuser: u.superuser, InviteStatus: s.inviteStatus(u), Invites: u.invites})
	}
	for _, id := range s.siteIDs() {
		st.Sites[strconv.Itoa(id)] = s.sites[id]
		for _, l := range slices.Sorted(maps.Keys(s.access[id])) {
			g := s.access[id][l]
			st.Access = append(st.Access, SeedAccess{Login: l, Site: id, Access: append([]string{g.role}, sortedCaps(g.caps)...)})
		}
	}
	return st
}
