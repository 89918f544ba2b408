package posthog

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// apiError is PostHog's error body: {"type","code","detail","attr"}.
type apiError struct {
	status int
	Type   string  `json:"type"`
	Code   string  `json:"code"`
	Detail string  `json:"detail"`
	Attr   *string `json:"attr"`
}

func attr(s string) *string { return &s }

func denied(detail string) *apiError {
	return &apiError{status: http.StatusForbidden, Type: "authentication_error", Code: "permission_denied", Detail: detail}
}

func invalid(detail string, field *string) *apiError {
	return &apiError{status: http.StatusBadRequest, Type: "validation_error", Code: "invalid_input", Detail: detail, Attr: field}
}

func notFound() *apiError {
	return &apiError{status: http.StatusNotFound, Type: "invalid_request", Code: "not_found", Detail: "Not found."}
}

const defaultDenied = "You do not have permission to perform this action."

func writeJSON(w http.ResponseWriter, status int, v any) {
	fakekit.WriteJSON(w, status, "application/json", v)
}

func writeErr(w http.ResponseWriter, e *apiError) { writeJSON(w, e.status, e) }

// defaultBody is the error body of an injected failure without one.
func defaultBody(status int) []byte {
	var e apiError
	switch {
	case status == http.StatusTooManyRequests:
		e = apiError{Type: "throttled_error", Code: "throttled", Detail: "Request was throttled. Expected available in 1 second."}
	case status == http.StatusUnauthorized:
		e = apiError{Type: "authentication_error", Code: "authentication_failed", Detail: "Incorrect authentication credentials."}
	case status == http.StatusForbidden:
		e = apiError{Type: "authentication_error", Code: "permission_denied", Detail: defaultDenied}
	case status == http.StatusNotFound:
		e = apiError{Type: "invalid_request", Code: "not_found", Detail: "Not found."}
	case status >= 500:
		e = apiError{Type: "server_error", Code: "error", Detail: "A server error occurred."}
	default:
		e = apiError{Type: "validation_error", Code: "invalid_input", Detail: "Invalid input."}
	}
	return fakekit.Marshal(e)
}

// ServeHTTP serves the API and the /_fake/ admin endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, fakekit.AdminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.Record(fakekit.Request{Method: r.Method, Path: r.URL.Path})
	if s.Inject(w, r, "application/json", defaultBody) {
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		writeErr(w, notFound())
		return
	}
	caller, key, e := s.authenticate(r)
	if e != nil {
		writeErr(w, e)
		return
	}
	if e := s.checkScope(key, r); e != nil {
		writeErr(w, e)
		return
	}
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, 1<<20))
	}
	c := &call{s: s, w: w, r: r, caller: caller, body: body}
	c.route()
}

func (s *Server) authenticate(r *http.Request) (*user, string, *apiError) {
	key := ""
	if h := r.Header.Get("Authorization"); h != "" {
		if k, ok := strings.CutPrefix(h, "Bearer "); ok {
			key = strings.TrimSpace(k)
		}
	} else if k := r.URL.Query().Get("personal_api_key"); k != "" {
		key = k
	}
	if key == "" {
		return nil, "", &apiError{status: http.StatusUnauthorized, Type: "authentication_error", Code: "not_authenticated",
			Detail: "Authentication credentials were not provided."}
	}
	u, ok := s.keys[key]
	if !ok {
		return nil, "", &apiError{status: http.StatusUnauthorized, Type: "authentication_error", Code: "not_authenticated",
			Detail: "Personal API key found in request Authorization header is invalid."}
	}
	return u, key, nil
}

// requiredScope is the scope an API request needs (posthog.md, Auth:
// members and invites organization_member:read/write; project list
// project:read; project access access_control:read/write; GET
// /api/users/@me/ user:read; roles organization:read [inf]). Reads need
// ":read", every other method ":write". "" for paths the fake does not
// serve (they answer 404).
func requiredScope(method, path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	object := ""
	switch {
	case len(segs) == 3 && segs[1] == "users":
		object = "user"
	case len(segs) >= 4 && segs[1] == "organizations":
		switch segs[3] {
		case "members", "invites":
			object = "organization_member"
		case "projects":
			object = "project"
		case "roles":
			object = "organization"
		}
	case len(segs) == 2 && segs[1] == "projects":
		object = "project"
	case len(segs) == 4 && segs[1] == "projects" && segs[3] == "access_controls":
		object = "access_control"
	}
	if object == "" {
		return ""
	}
	if method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions {
		return object + ":read"
	}
	return object + ":write"
}

// checkScope refuses a request its key's scopes do not allow, with
// PostHog's own 403 (posthog.md, Auth): "write" satisfies "read", "*"
// allows everything, and a legacy key without scopes may do anything.
func (s *Server) checkScope(key string, r *http.Request) *apiError {
	scopes, scoped := s.scopes[key]
	need := requiredScope(r.Method, r.URL.Path)
	if !scoped || need == "" {
		return nil
	}
	object, _, _ := strings.Cut(need, ":")
	for _, sc := range scopes {
		if sc == "*" || sc == need || sc == object+":write" {
			return nil
		}
	}
	return denied(fmt.Sprintf("API key missing required scope '%s'", need))
}

// call is one authenticated API request, served with s.Mu held.
type call struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	caller *user
	body   []byte
}

func (c *call) fail(e *apiError) { writeErr(c.w, e) }

func (c *call) methodNotAllowed() {
	c.fail(&apiError{status: http.StatusMethodNotAllowed, Type: "invalid_request", Code: "method_not_allowed",
		Detail: fmt.Sprintf("Method \"%s\" not allowed.", c.r.Method)})
}

func (c *call) route() {
	segs := strings.Split(strings.Trim(c.r.URL.Path, "/"), "/")
	// segs[0] == "api"
	switch {
	case len(segs) == 3 && segs[1] == "users" && segs[2] == "@me":
		if c.r.Method != http.MethodGet {
			c.methodNotAllowed()
			return
		}
		c.me()
	case len(segs) >= 4 && segs[1] == "organizations":
		c.org(segs[2], segs[3:])
	case len(segs) == 2 && segs[1] == "projects":
		if c.r.Method != http.MethodGet {
			c.methodNotAllowed()
			return
		}
		c.listProjects()
	case len(segs) == 4 && segs[1] == "projects" && segs[3] == "access_controls":
		c.accessControls(segs[2])
	default:
		c.fail(notFound())
	}
}

func (c *call) me() {
	s := c.s
	u := c.caller
	m := s.memberOf(u)
	out := map[string]any{
		"id": u.id, "uuid": u.uuid, "distinct_id": u.distinctID, "first_name": u.first, "last_name": u.last,
		"email": u.email, "is_email_verified": true, "organization": nil, "organizations": []any{},
	}
	if m != nil {
		out["organization"] = map[string]any{"id": s.orgID, "name": s.orgName, "membership_level": m.level,
			"created_at": fmtTime(s.orgAt)}
		out["organizations"] = []any{map[string]any{"id": s.orgID, "name": s.orgName, "membership_level": m.level}}
	}
	writeJSON(c.w, http.StatusOK, out)
}

func (c *call) org(orgRef string, rest []string) {
	s := c.s
	self := s.memberOf(c.caller)
	if (orgRef != s.orgID && orgRef != "@current") || self == nil {
		c.fail(denied(defaultDenied))
		return
	}
	switch {
	case rest[0] == "members" && len(rest) == 1:
		if c.r.Method != http.MethodGet {
			c.methodNotAllowed()
			return
		}
		c.listMembers()
	case rest[0] == "members" && len(rest) == 2:
		switch c.r.Method {
		case http.MethodPatch, http.MethodPut:
			c.updateMember(self, rest[1])
		case http.MethodDelete:
			c.deleteMember(self, rest[1])
		default:
			c.methodNotAllowed()
		}
	case rest[0] == "invites" && len(rest) == 1:
		switch c.r.Method {
		case http.MethodGet:
			c.listInvites()
		case http.MethodPost:
			c.createInvite(self)
		default:
			c.methodNotAllowed()
		}
	case rest[0] == "invites" && len(rest) == 2:
		if c.r.Method != http.MethodDelete {
			c.methodNotAllowed()
			return
		}
		c.deleteInvite(self, rest[1])
	case rest[0] == "roles" && len(rest) == 1:
		if c.r.Method != http.MethodGet {
			c.methodNotAllowed()
			return
		}
		c.listRoles()
	case rest[0] == "roles" && len(rest) == 3 && rest[2] == "role_memberships":
		if c.r.Method != http.MethodGet {
			c.methodNotAllowed()
			return
		}
		c.listRoleMemberships(rest[1])
	case rest[0] == "projects" && len(rest) == 1:
		if c.r.Method != http.MethodGet {
			c.methodNotAllowed()
			return
		}
		c.listProjects()
	default:
		c.fail(notFound())
	}
}

// page writes a DRF LimitOffset page of n items, rendering those in range.
func (c *call) page(n int, item func(i int) any) {
	q := c.r.URL.Query()
	limit := 100
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 {
		limit = v
	}
	offset := 0
	if v, err := strconv.Atoi(q.Get("offset")); err == nil && v > 0 {
		offset = v
	}
	results := []any{}
	for i := offset; i < n && i < offset+limit; i++ {
		results = append(results, item(i))
	}
	base := url.URL{Scheme: "http", Host: c.r.Host, Path: c.r.URL.Path}
	link := func(off int, withOffset bool) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("limit", strconv.Itoa(limit))
		if withOffset {
			v.Set("offset", strconv.Itoa(off))
		} else {
			v.Del("offset")
		}
		u := base
		u.RawQuery = v.Encode()
		return u.String()
	}
	var next, prev any
	if offset+limit < n {
		next = link(offset+limit, true)
	}
	if offset > 0 {
		if offset-limit <= 0 {
			prev = link(0, false)
		} else {
			prev = link(offset-limit, true)
		}
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"count": n, "next": next, "previous": prev, "results": results})
}

func userJSON(u *user) map[string]any {
	if u == nil {
		return nil
	}
	return map[string]any{"id": u.id, "uuid": u.uuid, "distinct_id": u.distinctID, "first_name": u.first,
		"last_name": u.last, "email": u.email, "is_email_verified": true}
}

func memberJSON(m *member) map[string]any {
	return map[string]any{"id": m.id, "user": userJSON(m.user), "level": m.level,
		"joined_at": fmtTime(m.joinedAt), "updated_at": fmtTime(m.updatedAt),
		"is_2fa_enabled": false, "has_social_auth": false, "last_login": nil}
}

func (c *call) listMembers() {
	q := c.r.URL.Query()
	search := q.Get("search")
	if len(search) > 200 {
		c.fail(invalid("Search query must be 200 characters or fewer.", attr("search")))
		return
	}
	list := c.s.members
	if email := q.Get("email"); email != "" || search != "" {
		list = nil
		for _, m := range c.s.members {
			if email != "" && !sameEmail(m.user.email, email) {
				continue
			}
			if search != "" && !strings.Contains(strings.ToLower(m.user.email+" "+m.user.first+" "+m.user.last), strings.ToLower(search)) {
				continue
			}
			list = append(list, m)
		}
	}
	c.page(len(list), func(i int) any { return memberJSON(list[i]) })
}

// decode reads the JSON body into v, or writes a parse error.
func (c *call) decode(v any) bool {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return true
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		c.fail(&apiError{status: http.StatusBadRequest, Type: "validation_error", Code: "parse_error",
			Detail: "JSON parse error - " + err.Error()})
		return false
	}
	return true
}

// intField reads an integer given as a JSON number or a string of digits.
func intField(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), x == float64(int(x))
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}

// validateUpdate is OrganizationMembership.validate_update: self changes
// target, possibly to newLevel (0: none given).
func validateUpdate(self, target *member, newLevel int) *apiError {
	if newLevel != 0 {
		if target == self {
			return denied("You can't change your own access level.")
		}
		if newLevel == LevelOwner {
			if self.level != LevelOwner {
				return denied("You can only make another member owner if you're this organization's owner.")
			}
		} else if newLevel > self.level {
			return denied("You can only change access level of others to lower or equal to your current one.")
		}
	}
	if target != self {
		if self.level < LevelAdmin {
			return denied("You can only edit others if you are an admin.")
		}
		if target.level > self.level {
			return denied("You can only edit others with level lower or equal to you.")
		}
	}
	return nil
}

func (c *call) target(self *member, ref string) *member {
	if ref == "@me" {
		return self
	}
	return c.s.memberByUserUUID(ref)
}

func (c *call) updateMember(self *member, ref string) {
	target := c.target(self, ref)
	if target == nil {
		c.fail(notFound())
		return
	}
	var body map[string]any
	if !c.decode(&body) {
		return
	}
	newLevel := 0
	if v, ok := body["level"]; ok && v != nil {
		n, ok := intField(v)
		if !ok || !validLevel(n) {
			c.fail(&apiError{status: http.StatusBadRequest, Type: "validation_error", Code: "invalid_choice",
				Detail: fmt.Sprintf("\"%v\" is not a valid choice.", v), Attr: attr("level")})
			return
		}
		newLevel = n
	}
	if e := validateUpdate(self, target, newLevel); e != nil {
		c.fail(e)
		return
	}
	if newLevel != 0 {
		target.level = newLevel
		target.updatedAt = c.s.Clock.Now()
	}
	writeJSON(c.w, http.StatusOK, memberJSON(target))
}

func (c *call) deleteMember(self *member, ref string) {
	target := c.target(self, ref)
	if target == nil {
		c.fail(notFound())
		return
	}
	if e := validateUpdate(self, target, 0); e != nil {
		c.fail(e)
		return
	}
	if target.level == LevelOwner && target == self {
		c.fail(invalid("Cannot leave the organization as its owner!", nil))
		return
	}
	c.s.removeMembership(target)
	c.w.WriteHeader(http.StatusNoContent)
}

func (c *call) inviteJSON(inv *invite) map[string]any {
	ppa := make([]any, 0, len(inv.ppa))
	for _, a := range inv.ppa {
		ppa = append(ppa, map[string]any{"id": a.ID, "level": a.Level})
	}
	return map[string]any{"id": inv.id, "target_email": inv.email, "first_name": inv.firstName,
		"emailing_attempt_made": true, "level": inv.level, "is_expired": c.s.expired(inv),
		"created_by": userJSON(inv.createdBy), "created_at": fmtTime(inv.createdAt),
		"updated_at": fmtTime(inv.createdAt), "message": inv.message, "private_project_access": ppa}
}

func (c *call) listInvites() {
	// ordering = "-created_at"
	list := make([]*invite, len(c.s.invites))
	for i, inv := range c.s.invites {
		list[len(list)-1-i] = inv
	}
	c.page(len(list), func(i int) any { return c.inviteJSON(list[i]) })
}

type inviteBody struct {
	TargetEmail          *string `json:"target_email"`
	Level                any     `json:"level"`
	FirstName            string  `json:"first_name"`
	Message              *string `json:"message"`
	PrivateProjectAccess []struct {
		ID    any `json:"id"`
		Level any `json:"level"`
	} `json:"private_project_access"`
	SendEmail             *bool `json:"send_email"`
	CombinePendingInvites bool  `json:"combine_pending_invites"`
}

func (c *call) createInvite(self *member) {
	s := c.s
	var b inviteBody
	if !c.decode(&b) {
		return
	}
	if b.TargetEmail == nil || *b.TargetEmail == "" {
		c.fail(&apiError{status: http.StatusBadRequest, Type: "validation_error", Code: "required",
			Detail: "This field is required.", Attr: attr("target_email")})
		return
	}
	email := strings.TrimSpace(*b.TargetEmail)
	if l, d, ok := strings.Cut(email, "@"); !ok || l == "" || d == "" || strings.ContainsAny(email, " \t\r\n") {
		c.fail(&apiError{status: http.StatusBadRequest, Type: "validation_error", Code: "invalid",
			Detail: "Enter a valid email address.", Attr: attr("target_email")})
		return
	}
	email = lowerDomain(email)
	level := LevelMember
	if b.Level != nil {
		n, ok := intField(b.Level)
		if !ok || !validLevel(n) {
			c.fail(&apiError{status: http.StatusBadRequest, Type: "validation_error", Code: "invalid_choice",
				Detail: fmt.Sprintf("\"%v\" is not a valid choice.", b.Level), Attr: attr("level")})
			return
		}
		level = n
		if level > self.level {
			c.fail(denied("You cannot invite a user with a higher permission level than your own."))
			return
		}
	}
	const teamError = "Project does not exist on this organization, or it is private and you do not have access to it."
	var ppa []ProjectAccess
	for _, item := range b.PrivateProjectAccess {
		id, ok := intField(item.ID)
		p := s.projectByID(id)
		if !ok || p == nil {
			c.fail(invalid(teamError, attr("private_project_access")))
			return
		}
		lvl, _ := item.Level.(string)
		if _, ok := levelRank[lvl]; !ok {
			c.fail(invalid(fmt.Sprintf("\"%v\" is not a valid choice.", item.Level), attr("private_project_access")))
			return
		}
		if self.level < LevelAdmin {
			if r := p.row(""); r != nil && r.level == "none" {
				if own := p.row(self.id); own == nil || own.level != "admin" {
					c.fail(invalid(teamError, attr("private_project_access")))
					return
				}
			}
		}
		ppa = append(ppa, ProjectAccess{ID: id, Level: lvl})
	}
	if s.memberByEmail(email) != nil {
		c.fail(invalid("A user with this email address already belongs to the organization.", nil))
		return
	}
	if b.CombinePendingInvites {
		best := map[int]string{}
		var order []int
		for _, inv := range s.invites {
			if !sameEmail(inv.email, email) || s.expired(inv) {
				continue
			}
			if inv.level > level {
				level = inv.level
			}
			for _, a := range inv.ppa {
				if _, seen := best[a.ID]; !seen {
					order = append(order, a.ID)
				}
				if levelRank[a.Level] >= levelRank[best[a.ID]] {
					best[a.ID] = a.Level
				}
			}
		}
		for _, a := range ppa {
			if _, seen := best[a.ID]; !seen {
				order = append(order, a.ID)
			}
			if levelRank[a.Level] >= levelRank[best[a.ID]] {
				best[a.ID] = a.Level
			}
		}
		ppa = ppa[:0]
		for _, id := range order {
			ppa = append(ppa, ProjectAccess{ID: id, Level: best[id]})
		}
	}
	s.deleteInvitesOf(email)
	inv := &invite{id: s.nextID(prefixInvite), email: email, level: level, ppa: ppa, createdAt: s.Clock.Now(),
		createdBy: c.caller, firstName: b.FirstName, message: b.Message}
	s.invites = append(s.invites, inv)
	writeJSON(c.w, http.StatusCreated, c.inviteJSON(inv))
}

func (c *call) deleteInvite(self *member, id string) {
	if self.level < LevelAdmin {
		c.fail(denied("Your organization access level is insufficient."))
		return
	}
	for i, inv := range c.s.invites {
		if inv.id == id {
			c.s.invites = append(c.s.invites[:i], c.s.invites[i+1:]...)
			c.w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	c.fail(notFound())
}

func (c *call) projectJSON(p *project) map[string]any {
	return map[string]any{"id": p.id, "uuid": p.uuid, "organization": c.s.orgID, "name": p.name,
		"api_token": p.apiToken, "timezone": "UTC", "is_demo": false, "access_control": false}
}

func (c *call) listProjects() {
	s := c.s
	self := s.memberOf(c.caller)
	if self == nil {
		c.fail(denied(defaultDenied))
		return
	}
	var list []*project
	for _, p := range s.projects {
		if p.effective(self) != "none" {
			list = append(list, p)
		}
	}
	c.page(len(list), func(i int) any { return c.projectJSON(list[i]) })
}

func (c *call) rowJSON(p *project, r *row) map[string]any {
	var om any
	if r.member != "" {
		om = r.member
	}
	return map[string]any{"access_level": r.level, "resource": "project", "resource_id": strconv.Itoa(p.id),
		"organization_member": om, "role": nil, "created_by": r.createdBy,
		"created_at": fmtTime(r.createdAt), "updated_at": fmtTime(r.updatedAt)}
}

func (c *call) accessControls(ref string) {
	s := c.s
	self := s.memberOf(c.caller)
	id, err := strconv.Atoi(ref)
	p := s.projectByID(id)
	if err != nil || p == nil || self == nil {
		c.fail(notFound())
		return
	}
	switch c.r.Method {
	case http.MethodGet:
		if p.effective(self) == "none" {
			c.fail(denied(defaultDenied))
			return
		}
		rows := make([]any, 0, len(p.rows)+len(p.roleRows))
		for _, r := range p.rows {
			rows = append(rows, c.rowJSON(p, r))
		}
		for _, r := range p.roleRows {
			rows = append(rows, map[string]any{"access_level": r.level, "resource": "project", "resource_id": strconv.Itoa(p.id),
				"organization_member": nil, "role": r.role.id, "created_by": nil,
				"created_at": fmtTime(r.createdAt), "updated_at": fmtTime(r.createdAt)})
		}
		own := p.row(self.id)
		canEdit := self.level >= LevelAdmin || (own != nil && own.level == "admin")
		writeJSON(c.w, http.StatusOK, map[string]any{
			"access_controls":         rows,
			"available_access_levels": []string{"none", "member", "admin"},
			// posthog.md, Project access: the top-level field is computed
			// from the resource type alone (a constant, "admin" for
			// projects), NOT the project's default; the default is the row
			// whose organization_member and role are both null [AC][UAC].
			"default_access_level":        resourceDefaultLevel,
			"user_access_level":           p.effective(self),
			"user_can_edit_access_levels": canEdit,
		})
	case http.MethodPut:
		c.putAccess(self, p)
	default:
		c.methodNotAllowed()
	}
}

// listRoles is GET /api/organizations/{org}/roles/: a page of roles
// (schema-2024.yaml, Role: id, name, feature_flags_access_level,
// created_at, created_by, members, associated_flags).
func (c *call) listRoles() {
	roles := c.s.roles
	c.page(len(roles), func(i int) any {
		r := roles[i]
		members := make([]any, 0, len(r.members))
		for _, rm := range r.members {
			members = append(members, c.roleMembershipJSON(r, rm))
		}
		return map[string]any{"id": r.id, "name": r.name, "feature_flags_access_level": 37,
			"created_at": fmtTime(r.createdAt), "created_by": userJSON(c.s.firstOwner()), "members": members, "associated_flags": []any{}}
	})
}

func (s *Server) firstOwner() *user {
	for _, m := range s.members {
		if m.level == LevelOwner {
			return m.user
		}
	}
	if len(s.users) > 0 {
		return s.users[0]
	}
	return &user{}
}

func (c *call) roleMembershipJSON(r *role, rm *roleMembership) map[string]any {
	return map[string]any{"id": rm.id, "role_id": r.id, "user": userJSON(rm.user),
		"joined_at": fmtTime(rm.joinedAt), "updated_at": fmtTime(rm.joinedAt)}
}

// listRoleMemberships is GET …/roles/{id}/role_memberships/ (schema-2024.yaml,
// RoleMembership: id, role_id, user, joined_at, updated_at).
func (c *call) listRoleMemberships(id string) {
	r := c.s.roleByID(id)
	if r == nil {
		c.fail(notFound())
		return
	}
	c.page(len(r.members), func(i int) any { return c.roleMembershipJSON(r, r.members[i]) })
}

// resourceDefaultLevel is what PostHog's default_access_level(resource)
// answers for projects (posthog.md: "a constant: "admin" for projects
// today").
const resourceDefaultLevel = "admin"

func (c *call) putAccess(self *member, p *project) {
	s := c.s
	var b map[string]any
	if !c.decode(&b) {
		return
	}
	if role, ok := b["role"]; ok && role != nil {
		c.fail(denied("Role-based access controls require the Role-based access feature."))
		return
	}
	level := ""
	if v, ok := b["access_level"]; ok && v != nil {
		l, isStr := v.(string)
		if _, known := levelRank[l]; !isStr || !known {
			c.fail(invalid("Invalid access level. Must be one of: none, member, admin", attr("access_level")))
			return
		}
		level = l
	}
	memberID := ""
	if v, ok := b["organization_member"]; ok && v != nil {
		id, isStr := v.(string)
		if !isStr || s.memberByID(id) == nil {
			c.fail(invalid("Invalid organization member id. Use the 'id' field from the /api/organizations/<organization_id>/members/ endpoint.",
				attr("organization_member")))
			return
		}
		memberID = id
	}
	if self.level < LevelAdmin {
		if own := p.row(self.id); own == nil || own.level != "admin" {
			c.fail(denied("Must be admin to modify project permissions."))
			return
		}
	}
	if level == "" {
		p.deleteRow(memberID)
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	r := p.setRow(memberID, level, c.caller.id, s.Clock.Now())
	writeJSON(c.w, http.StatusOK, c.rowJSON(p, r))
}
