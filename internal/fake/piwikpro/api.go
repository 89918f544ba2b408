package piwikpro

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// JSONAPI is the media type of every request body and API answer.
const JSONAPI = "application/vnd.api+json"

// errObj is one JSON:API error.
type errObj struct {
	Status string  `json:"status"`
	Code   string  `json:"code"`
	Title  string  `json:"title"`
	Detail string  `json:"detail,omitempty"`
	Source *source `json:"source,omitempty"`
}

type source struct {
	Pointer string `json:"pointer"`
}

// apiError is an answer made of JSON:API errors.
type apiError struct {
	status int
	errs   []errObj
}

func newErr(status int, code, title, detail, pointer string) *apiError {
	e := errObj{Status: strconv.Itoa(status), Code: code, Title: title, Detail: detail}
	if pointer != "" {
		e.Source = &source{Pointer: pointer}
	}
	return &apiError{status: status, errs: []errObj{e}}
}

func invalidForm(detail, pointer string) *apiError {
	return newErr(http.StatusBadRequest, "error.default", "Invalid form", detail, pointer)
}

func badRequest(code, detail string) *apiError {
	return newErr(http.StatusBadRequest, code, "Bad request", detail, "")
}

func forbidden() *apiError {
	return newErr(http.StatusForbidden, "error.forbidden", "Forbidden", "You do not have permission to perform this action.", "")
}

func notFound(code, detail string) *apiError {
	return newErr(http.StatusNotFound, code, "Not found", detail, "")
}

func noUser() *apiError {
	return notFound("users.error.user-does-not-exist", "User does not exist.")
}

// unauthorized is the body of a 401 (piwikpro.md: {"message":"Unauthorized"}).
var unauthorized = []byte(`{"message":"Unauthorized"}`)

func writeErr(w http.ResponseWriter, e *apiError) {
	fakekit.WriteJSON(w, e.status, JSONAPI, map[string]any{"errors": e.errs})
}

// defaultBody is the error body of an injected failure without one.
func defaultBody(status int) []byte {
	if status == http.StatusUnauthorized {
		return unauthorized
	}
	var e *apiError
	switch {
	case status == http.StatusTooManyRequests:
		e = newErr(status, "error.too-many-requests", "Too Many Requests", "Rate limit exceeded.", "")
	case status == http.StatusForbidden:
		e = forbidden()
	case status == http.StatusNotFound:
		e = notFound("error.not-found", "Not found.")
	case status >= 500:
		e = newErr(status, "error.internal", "Internal Server Error", "An internal error occurred.", "")
	default:
		e = newErr(status, "error.default", "Bad request", "Invalid request.", "")
	}
	return fakekit.Marshal(map[string]any{"errors": e.errs})
}

// ServeHTTP serves the API and the /_fake/ admin endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, fakekit.AdminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, 8<<20))
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.Record(fakekit.Request{Method: r.Method, Path: r.URL.Path})
	if s.Inject(w, r, JSONAPI, defaultBody) {
		return
	}
	if s.throttle(w, r) {
		return
	}
	if r.URL.Path == "/auth/token" {
		s.issueToken(w, r, body)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		writeErr(w, notFound("error.not-found", "Not found."))
		return
	}
	caller := s.authenticate(r)
	if caller == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write(unauthorized) //nolint:errcheck
		return
	}
	if len(bytes.TrimSpace(body)) > 0 || r.Method == http.MethodPost || r.Method == http.MethodPatch {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		// piwikpro.md: group creation, declared application/json by [G],
		// takes vnd.api+json too ("send vnd.api+json anyway").
		if want := requestMediaType(r.Method, r.URL.Path); mt != want && !(want == "application/json" && mt == JSONAPI) {
			writeErr(w, newErr(http.StatusBadRequest, "error.json-api-content-type", "Invalid content type",
				fmt.Sprintf("The request's Content-Type must be %q, not %q.", want, r.Header.Get("Content-Type")), ""))
			return
		}
	}
	c := &call{s: s, w: w, r: r, caller: caller, body: body}
	c.route()
}

// requestMediaType is the media type a request body must have, as the
// published documents declare it (docs/apis/openapi/piwikpro): the
// user groups API v1 creates a group from application/json
// (user_groups__public_v1.yaml, POST /api/user-groups/v1); every other
// endpoint takes JSON:API (application/vnd.api+json).
func requestMediaType(method, path string) string {
	if method == http.MethodPost && strings.TrimSuffix(path, "/") == "/api/user-groups/v1" {
		return "application/json"
	}
	return JSONAPI
}

// throttle counts the request in its clock minute and answers 429 when
// the minute's reads (GET) or writes (anything else) are used up.
func (s *Server) throttle(w http.ResponseWriter, r *http.Request) bool {
	now := s.Clock.Now()
	minute := now.Truncate(time.Minute)
	for m := range s.used {
		if m.Before(minute) {
			delete(s.used, m)
		}
	}
	kind, limit := 1, s.limits.WritesPerMinute
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		kind, limit = 0, s.limits.ReadsPerMinute
	}
	counts := s.used[minute]
	if limit > 0 && counts[kind] >= limit {
		wait := minute.Add(time.Minute).Sub(now)
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		what := "writes"
		if kind == 0 {
			what = "reads"
		}
		writeErr(w, newErr(http.StatusTooManyRequests, "error.too-many-requests", "Too Many Requests",
			fmt.Sprintf("Rate limit of %d %s per minute exceeded.", limit, what), ""))
		return true
	}
	counts[kind]++
	s.used[minute] = counts
	return false
}

// --- auth ---------------------------------------------------------------------

func b64(v any) string {
	return base64.RawURLEncoding.EncodeToString(fakekit.Marshal(v))
}

// issueToken is POST /auth/token: client credentials, as JSON or as a
// form, for a JWT-shaped bearer token lasting TokenLifetime.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		writeErr(w, newErr(http.StatusMethodNotAllowed, "error.method-not-allowed", "Method not allowed", "Use POST.", ""))
		return
	}
	var in struct {
		GrantType    string `json:"grant_type"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" {
		v, err := url.ParseQuery(string(body))
		if err != nil {
			fakekit.WriteJSON(w, http.StatusBadRequest, "application/json", map[string]string{"error": "invalid_request", "message": "The body is not a form."})
			return
		}
		in.GrantType, in.ClientID, in.ClientSecret = v.Get("grant_type"), v.Get("client_id"), v.Get("client_secret")
	} else if err := json.Unmarshal(body, &in); err != nil {
		fakekit.WriteJSON(w, http.StatusBadRequest, "application/json", map[string]string{"error": "invalid_request", "message": "The body is not JSON."})
		return
	}
	if in.GrantType != "client_credentials" {
		fakekit.WriteJSON(w, http.StatusBadRequest, "application/json", map[string]string{"error": "unsupported_grant_type", "message": "grant_type must be client_credentials."})
		return
	}
	c := s.clients[in.ClientID]
	if c == nil || c.secret != in.ClientSecret || s.usersByID[c.userID] == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write(unauthorized) //nolint:errcheck
		return
	}
	now := s.Clock.Now()
	s.seq++
	tok := b64(map[string]string{"typ": "JWT", "alg": "RS256", "kid": "fake"}) + "." +
		b64(map[string]any{"iss": "ppms", "aud": s.org, "sub": c.userID, "iat": now.Unix(),
			"exp": now.Add(TokenLifetime).Unix(), "org": s.org, "jti": strconv.Itoa(s.seq)}) + "." +
		base64.RawURLEncoding.EncodeToString([]byte("fake-signature-"+strconv.Itoa(s.seq)))
	s.tokens[tok] = &token{userID: c.userID, expires: now.Add(TokenLifetime)}
	fakekit.WriteJSON(w, http.StatusOK, "application/json", map[string]any{
		"token_type": "Bearer", "expires_in": int(TokenLifetime / time.Second), "access_token": tok})
}

func (s *Server) authenticate(r *http.Request) *user {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil
	}
	t := s.tokens[strings.TrimSpace(tok)]
	if t == nil || !s.Clock.Now().Before(t.expires) {
		return nil
	}
	return s.usersByID[t.userID]
}

// --- routing ------------------------------------------------------------------

// call is one authenticated API request, served with s.Mu held.
type call struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	caller *user
	body   []byte
}

func (c *call) fail(e *apiError) { writeErr(c.w, e) }

func (c *call) ok(status int, v any) { fakekit.WriteJSON(c.w, status, JSONAPI, v) }

func (c *call) noContent() { c.w.WriteHeader(http.StatusNoContent) }

func (c *call) methodNotAllowed() {
	c.fail(newErr(http.StatusMethodNotAllowed, "error.method-not-allowed", "Method not allowed",
		fmt.Sprintf("Method %s is not allowed here.", c.r.Method), ""))
}

func (c *call) is(methods ...string) bool {
	if slices.Contains(methods, c.r.Method) {
		return true
	}
	c.methodNotAllowed()
	return false
}

func (c *call) owner() bool {
	if c.caller.role == RoleOwner {
		return true
	}
	c.fail(forbidden())
	return false
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func (c *call) route() {
	segs := strings.Split(strings.Trim(c.r.URL.Path, "/"), "/")
	// segs[0] == "api"
	n := len(segs)
	at := func(i int) string {
		if i < n {
			return segs[i]
		}
		return ""
	}
	switch {
	case at(1) == "users" && at(2) == "v2":
		c.users(segs[3:])
	case at(1) == "user-groups" && at(2) == "v1":
		c.groups(segs[3:])
	case at(1) == "access-control" && at(2) == "v2" && (at(3) == "app" || at(3) == "meta-site") && n >= 7 && at(5) == "permission":
		c.access(at(3) == "meta-site", at(4), segs[6:])
	case at(1) == "apps" && at(2) == "v2":
		c.apps(false, segs[3:])
	case at(1) == "meta-sites" && at(2) == "v1":
		c.apps(true, segs[3:])
	default:
		c.fail(notFound("error.not-found", "Not found."))
	}
}

// --- paging -------------------------------------------------------------------

// page reads offset and limit, or writes the 400.
func (c *call) page() (offset, limit int, ok bool) {
	q := c.r.URL.Query()
	limit = DefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			c.fail(newErr(http.StatusBadRequest, "error.default", "Invalid query",
				fmt.Sprintf("limit must be a number from 1 to %d, not %q.", MaxLimit, v), ""))
			return 0, 0, false
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.fail(newErr(http.StatusBadRequest, "error.default", "Invalid query",
				fmt.Sprintf("offset must be a number of 0 or more, not %q.", v), ""))
			return 0, 0, false
		}
		offset = n
	}
	return offset, limit, true
}

// list writes {"meta":{"total":n},"data":[…]} of the items in the page.
func (c *call) list(n int, item func(i int) any) {
	offset, limit, ok := c.page()
	if !ok {
		return
	}
	data := make([]any, 0, min(limit, max(n-offset, 0)))
	for i := offset; i < n && i < offset+limit; i++ {
		data = append(data, item(i))
	}
	c.ok(http.StatusOK, map[string]any{"meta": map[string]int{"total": n}, "data": data})
}

// sortBy sorts with a `sort` parameter: a key of keys, "-" for descending;
// ties keep their order. It writes a 400 for an unknown key.
func (c *call) sortBy(def string, keys map[string]func(i, j int) int, swap func(less func(i, j int) int)) bool {
	v := c.r.URL.Query().Get("sort")
	if v == "" {
		v = def
	}
	if v == "" {
		return true
	}
	desc := strings.HasPrefix(v, "-")
	cmp, ok := keys[strings.TrimPrefix(v, "-")]
	if !ok {
		names := slices.Sorted(maps.Keys(keys))
		c.fail(newErr(http.StatusBadRequest, "error.default", "Invalid query",
			fmt.Sprintf("sort %q is not one of %s (prefix '-' for descending).", v, strings.Join(names, ", ")), ""))
		return false
	}
	if desc {
		swap(func(i, j int) int { return -cmp(i, j) })
	} else {
		swap(cmp)
	}
	return true
}

// --- JSON:API bodies ------------------------------------------------------------

type resource struct {
	Type       string         `json:"type"`
	ID         *string        `json:"id"`
	Attributes map[string]any `json:"attributes"`
}

// one reads {"data":{…}} of the wanted type; pathID, when set, is the id the
// body must carry.
func (c *call) one(typ, pathID string) (*resource, bool) {
	var doc struct {
		Data *resource `json:"data"`
	}
	if err := json.Unmarshal(c.body, &doc); err != nil || doc.Data == nil {
		c.fail(newErr(http.StatusBadRequest, "error.default", "Invalid body", "The body must be a JSON:API document with a data object.", "/data"))
		return nil, false
	}
	if doc.Data.Type != typ {
		c.fail(newErr(http.StatusBadRequest, "error.json-api-resource-type", "Invalid resource type",
			fmt.Sprintf("The resource type must be %q, not %q.", typ, doc.Data.Type), "/data/type"))
		return nil, false
	}
	if pathID != "" {
		if doc.Data.ID == nil || *doc.Data.ID == "" {
			c.fail(newErr(http.StatusBadRequest, "error.json-api-resource-id-not-provided", "Resource id not provided",
				"The resource id must be provided.", "/data/id"))
			return nil, false
		}
		if *doc.Data.ID != pathID {
			c.fail(newErr(http.StatusConflict, "error.json-api-resource-id-conflict", "Conflict",
				"The resource id in the body differs from the one in the path.", "/data/id"))
			return nil, false
		}
	}
	if doc.Data.Attributes == nil {
		doc.Data.Attributes = map[string]any{}
	}
	return doc.Data, true
}

// many reads {"data":[{"type","id"},…]}.
func (c *call) many(typ string) ([]string, bool) {
	var doc struct {
		Data []struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(c.body, &doc); err != nil || doc.Data == nil {
		c.fail(newErr(http.StatusBadRequest, "error.default", "Invalid body", "The body must be a JSON:API document with a data array.", "/data"))
		return nil, false
	}
	if len(doc.Data) > MaxLimit {
		c.fail(invalidForm(fmt.Sprintf("At most %d resources may be sent at once, not %d.", MaxLimit, len(doc.Data)), "/data"))
		return nil, false
	}
	ids := make([]string, 0, len(doc.Data))
	for i, d := range doc.Data {
		if d.Type != typ {
			c.fail(newErr(http.StatusBadRequest, "error.json-api-resource-type", "Invalid resource type",
				fmt.Sprintf("The resource type must be %q, not %q.", typ, d.Type), fmt.Sprintf("/data/%d/type", i)))
			return nil, false
		}
		if d.ID == "" {
			c.fail(newErr(http.StatusBadRequest, "error.json-api-resource-id-not-provided", "Resource id not provided",
				"The resource id must be provided.", fmt.Sprintf("/data/%d/id", i)))
			return nil, false
		}
		ids = append(ids, d.ID)
	}
	return ids, true
}

func strAttr(r *resource, name string) (string, bool) {
	v, ok := r.Attributes[name]
	if !ok || v == nil {
		return "", false
	}
	s, isStr := v.(string)
	return s, isStr
}

// --- users ----------------------------------------------------------------------

func userJSON(u *user, org string) map[string]any {
	return map[string]any{"id": u.id, "type": "ppms/user", "attributes": map[string]any{
		"email": u.email, "role": u.role, "organization": org, "addedAt": fmtTime(u.addedAt), "language": u.language}}
}

func (c *call) users(rest []string) {
	s := c.s
	switch {
	case len(rest) == 0:
		if !c.is(http.MethodGet) {
			return
		}
		list := slices.Clone(s.users)
		if q := c.r.URL.Query().Get("search"); q != "" {
			list = slices.DeleteFunc(list, func(u *user) bool {
				return u.id != q && !strings.Contains(strings.ToLower(u.email), strings.ToLower(q))
			})
		}
		bySeq := func(i, j int) int { return list[i].seq - list[j].seq }
		keys := map[string]func(i, j int) int{
			"email":   func(i, j int) int { return strings.Compare(list[i].email, list[j].email) },
			"addedAt": func(i, j int) int { return list[i].addedAt.Compare(list[j].addedAt) },
			"role":    func(i, j int) int { return strings.Compare(list[i].role, list[j].role) },
		}
		if !c.sortBy("-addedAt", keys, func(less func(i, j int) int) {
			idx := make([]int, len(list))
			for i := range idx {
				idx[i] = i
			}
			sort.SliceStable(idx, func(a, b int) bool {
				if r := less(idx[a], idx[b]); r != 0 {
					return r < 0
				}
				return bySeq(idx[a], idx[b]) < 0
			})
			sorted := make([]*user, len(list))
			for k, i := range idx {
				sorted[k] = list[i]
			}
			list = sorted
		}) {
			return
		}
		c.list(len(list), func(i int) any { return userJSON(list[i], s.org) })
	case len(rest) == 1 && rest[0] == "invite":
		if !c.is(http.MethodPost) || !c.owner() {
			return
		}
		c.invite()
	case len(rest) == 1 || (len(rest) == 2 && rest[1] == "change-role"):
		id := rest[0]
		if !uuidRE.MatchString(id) {
			c.fail(badRequest("error.default", fmt.Sprintf("%q is not a valid UUID.", id)))
			return
		}
		u := s.usersByID[id]
		if len(rest) == 2 {
			if !c.is(http.MethodPatch) {
				return
			}
		} else if !c.is(http.MethodGet, http.MethodPatch, http.MethodDelete) {
			return
		}
		if c.r.Method != http.MethodGet && !c.owner() {
			return
		}
		if u == nil {
			c.fail(noUser())
			return
		}
		switch c.r.Method {
		case http.MethodGet:
			c.ok(http.StatusOK, map[string]any{"data": userJSON(u, s.org)})
		case http.MethodPatch:
			c.patchUser(u, len(rest) == 2)
		case http.MethodDelete:
			c.deleteUser(u)
		}
	default:
		c.fail(notFound("error.not-found", "Not found."))
	}
}

func (c *call) invite() {
	s := c.s
	r, ok := c.one("ppms/user", "")
	if !ok {
		return
	}
	email, isStr := strAttr(r, "email")
	email = strings.TrimSpace(email)
	if !isStr || !validEmail(email) {
		c.fail(invalidForm("This value is not a valid email address.", "/data/attributes/email"))
		return
	}
	lang := "en-US"
	if v, ok := r.Attributes["language"]; ok && v != nil {
		l, isStr := v.(string)
		if !isStr || l == "" {
			c.fail(invalidForm("This value is not a valid language.", "/data/attributes/language"))
			return
		}
		lang = l
	}
	if s.userByEmail(email) != nil {
		c.fail(badRequest("users.error.user-already-exists", "A user with this email address already exists."))
		return
	}
	u, err := s.addUser("", email, RoleUser)
	if err != nil {
		c.fail(invalidForm(err.Error(), "/data/attributes/email"))
		return
	}
	u.language = lang
	c.ok(http.StatusCreated, map[string]any{"data": userJSON(u, s.org)})
}

func (c *call) patchUser(u *user, changeRole bool) {
	r, ok := c.one("ppms/user", u.id)
	if !ok {
		return
	}
	if v, ok := r.Attributes["role"]; ok && v != nil {
		role, isStr := v.(string)
		if !isStr || (role != RoleOwner && role != RoleUser) {
			c.fail(badRequest("users.error.invalid-role", fmt.Sprintf("Role %v is not OWNER or USER.", v)))
			return
		}
		if u == c.caller {
			c.fail(badRequest("users.error.cannot-change-own-role", "You cannot change your own role."))
			return
		}
		if u.role == RoleOwner && role == RoleUser && c.s.owners() <= 1 {
			c.fail(badRequest("users.error.cannot-change-last-owner-role", "The account's last owner cannot be demoted."))
			return
		}
		u.role = role
	} else if changeRole {
		c.fail(badRequest("users.error.invalid-role", "A role is required."))
		return
	}
	if l, ok := strAttr(r, "language"); ok && l != "" {
		u.language = l
	}
	c.noContent()
}

func (c *call) deleteUser(u *user) {
	if u.role == RoleOwner && c.s.owners() <= 1 {
		c.fail(badRequest("users.error.cannot-delete-last-owner", "The account's last owner cannot be deleted."))
		return
	}
	if u == c.caller {
		c.fail(badRequest("users.error.cannot-delete-own-account", "You cannot delete your own account."))
		return
	}
	c.s.removeUser(u)
	c.noContent()
}

// --- apps and meta-sites ----------------------------------------------------------

func (s *Server) appJSON(a *app, full bool) map[string]any {
	typ := "ppms/app"
	attrs := map[string]any{"name": a.name, "addedAt": fmtTime(a.addedAt), "updatedAt": fmtTime(a.updatedAt)}
	if a.meta {
		typ = "ppms/meta-site"
		attrs = map[string]any{"name": a.name, "created_at": fmtTime(a.addedAt), "updated_at": fmtTime(a.updatedAt)}
	}
	if full && !a.meta {
		attrs["appType"] = "web"
		attrs["organization"] = s.org
	}
	return map[string]any{"id": a.id, "type": typ, "attributes": attrs}
}

func (c *call) apps(meta bool, rest []string) {
	s := c.s
	if !c.is(http.MethodGet) {
		return
	}
	switch len(rest) {
	case 0:
		var list []*app
		search := strings.ToLower(c.r.URL.Query().Get("search"))
		for _, a := range s.apps {
			if a.meta != meta || (search != "" && !strings.Contains(strings.ToLower(a.name), search)) {
				continue
			}
			if permRank(s.effective(c.caller, a)) < permRank("view") {
				continue
			}
			list = append(list, a)
		}
		keys := map[string]func(i, j int) int{
			"name":      func(i, j int) int { return strings.Compare(list[i].name, list[j].name) },
			"addedAt":   func(i, j int) int { return list[i].addedAt.Compare(list[j].addedAt) },
			"updatedAt": func(i, j int) int { return list[i].updatedAt.Compare(list[j].updatedAt) },
		}
		if meta {
			keys["created_at"], keys["updated_at"] = keys["addedAt"], keys["updatedAt"]
			delete(keys, "addedAt")
			delete(keys, "updatedAt")
		}
		if !c.sortBy("", keys, func(less func(i, j int) int) {
			sorted := slices.Clone(list)
			idx := make([]int, len(list))
			for i := range idx {
				idx[i] = i
			}
			sort.SliceStable(idx, func(a, b int) bool { return less(idx[a], idx[b]) < 0 })
			for k, i := range idx {
				sorted[k] = list[i]
			}
			list = sorted
		}) {
			return
		}
		c.list(len(list), func(i int) any { return s.appJSON(list[i], false) })
	case 1:
		a := s.appByID(rest[0], meta)
		if a == nil || permRank(s.effective(c.caller, a)) < permRank("view") {
			if meta {
				c.fail(notFound("meta-site.error.not-exists", "Meta-site does not exist."))
			} else {
				c.fail(notFound("app.error.not-exists", "App does not exist."))
			}
			return
		}
		c.ok(http.StatusOK, map[string]any{"data": s.appJSON(a, true)})
	default:
		c.fail(notFound("error.not-found", "Not found."))
	}
}

// --- access control -------------------------------------------------------------

// access serves …/{app|meta-site}/{id}/permission/{user|user-group}[/{pid}].
func (c *call) access(meta bool, id string, rest []string) {
	s := c.s
	a := s.appByID(id, meta)
	kind := "app"
	if meta {
		kind = "meta-site"
	}
	if a == nil {
		if meta {
			c.fail(notFound("meta-site.error.not-exists", "Meta-site does not exist."))
		} else {
			c.fail(notFound("app.error.not-exists", "App does not exist."))
		}
		return
	}
	if len(rest) == 0 || len(rest) > 2 || (rest[0] != "user" && rest[0] != "user-group") {
		c.fail(notFound("error.not-found", "Not found."))
		return
	}
	// Owners and those who manage the entity may read and write its permissions.
	if s.effective(c.caller, a) != "manage" {
		c.fail(forbidden())
		return
	}
	if len(rest) == 1 {
		if !c.is(http.MethodGet) {
			return
		}
		if rest[0] == "user" {
			c.listUserPermissions(a, kind)
		} else {
			c.listGroupPermissions(a, kind)
		}
		return
	}
	if !c.is(http.MethodPost) {
		return
	}
	levels := AppPermissions
	if meta {
		levels = []string{NoAccess, "view", "edit", "manage"}
	}
	typ := kind + "/permission/" + rest[0]
	r, ok := c.one(typ, "")
	if !ok {
		return
	}
	p, _ := strAttr(r, "permission")
	if !slices.Contains(levels, p) {
		shown := p
		if v, ok := r.Attributes["permission"]; !ok || v == nil {
			shown = ""
		}
		c.fail(invalidForm(fmt.Sprintf("Invalid permission %q, available are: [%s]", shown, strings.Join(levels, ", ")), "/data/attributes/permission"))
		return
	}
	if rest[0] == "user" {
		u := s.usersByID[rest[1]]
		if u == nil {
			c.fail(noUser())
			return
		}
		if p == NoAccess {
			delete(a.perms, u.id)
		} else {
			a.perms[u.id] = p
		}
	} else {
		g := s.groupByID(rest[1])
		if g == nil {
			c.fail(notFound("user-groups.error.not-exists", "User group does not exist."))
			return
		}
		if p == NoAccess {
			delete(a.groups, g.id)
		} else {
			a.groups[g.id] = p
		}
	}
	a.updatedAt = s.Clock.Now()
	c.noContent()
}

// listUserPermissions lists every user but the owners (piwikpro.md: owners
// are left out), no-access ones included, with their explicit permission
// and the highest their groups give.
func (c *call) listUserPermissions(a *app, kind string) {
	s := c.s
	search := strings.ToLower(c.r.URL.Query().Get("search"))
	var list []*user
	for _, u := range s.users {
		if u.role == RoleOwner || (search != "" && !strings.Contains(strings.ToLower(u.email), search)) {
			continue
		}
		list = append(list, u)
	}
	c.list(len(list), func(i int) any {
		u := list[i]
		p := a.perms[u.id]
		if p == "" {
			p = NoAccess
		}
		gp, names := s.groupPermission(a, s.groupsOf(u.id))
		return map[string]any{"id": u.id, "type": kind + "/permission/user", "attributes": map[string]any{
			"email": u.email, "permission": p,
			"group_permissions": map[string]any{"group_names": names, "permission": gp}}}
	})
}

func (c *call) listGroupPermissions(a *app, kind string) {
	s := c.s
	search := strings.ToLower(c.r.URL.Query().Get("search"))
	var list []*group
	for _, g := range s.groups {
		if search != "" && !strings.Contains(strings.ToLower(g.name), search) {
			continue
		}
		list = append(list, g)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].name < list[j].name })
	c.list(len(list), func(i int) any {
		g := list[i]
		p := a.groups[g.id]
		if p == "" {
			p = NoAccess
		}
		return map[string]any{"id": g.id, "type": kind + "/permission/user-group", "attributes": map[string]any{"name": g.name, "permission": p}}
	})
}

// --- user groups -----------------------------------------------------------------

func groupJSON(g *group) map[string]any {
	var ext any
	if g.externalID != "" {
		ext = g.externalID
	}
	return map[string]any{"id": g.id, "type": "ppms/user-group", "attributes": map[string]any{
		"name": g.name, "created_at": fmtTime(g.createdAt), "updated_at": fmtTime(g.updatedAt), "external_id": ext}}
}

func (c *call) groups(rest []string) {
	s := c.s
	if len(rest) == 0 {
		switch c.r.Method {
		case http.MethodGet:
			search := strings.ToLower(c.r.URL.Query().Get("search"))
			var list []*group
			for _, g := range s.groups {
				if search != "" && !strings.Contains(strings.ToLower(g.name), search) && g.id != search &&
					!strings.EqualFold(g.externalID, search) {
					continue
				}
				list = append(list, g)
			}
			keys := map[string]func(i, j int) int{
				"name":       func(i, j int) int { return strings.Compare(list[i].name, list[j].name) },
				"created_at": func(i, j int) int { return list[i].createdAt.Compare(list[j].createdAt) },
				"updated_at": func(i, j int) int { return list[i].updatedAt.Compare(list[j].updatedAt) },
			}
			if !c.sortBy("name", keys, func(less func(i, j int) int) {
				idx := make([]int, len(list))
				for i := range idx {
					idx[i] = i
				}
				sort.SliceStable(idx, func(a, b int) bool { return less(idx[a], idx[b]) < 0 })
				sorted := make([]*group, len(list))
				for k, i := range idx {
					sorted[k] = list[i]
				}
				list = sorted
			}) {
				return
			}
			c.list(len(list), func(i int) any { return groupJSON(list[i]) })
		case http.MethodPost:
			if !c.owner() {
				return
			}
			r, ok := c.one("ppms/user-group", "")
			if !ok {
				return
			}
			name, _ := strAttr(r, "name")
			if strings.TrimSpace(name) == "" {
				c.fail(invalidForm("This value should not be blank.", "/data/attributes/name"))
				return
			}
			if s.groupRef(name) != nil && s.groupByID(name) == nil {
				c.fail(invalidForm(fmt.Sprintf("A user group named %q already exists.", name), "/data/attributes/name"))
				return
			}
			g, err := s.addGroup("", name)
			if err != nil {
				c.fail(invalidForm(err.Error(), "/data/attributes/name"))
				return
			}
			c.ok(http.StatusCreated, map[string]any{"data": groupJSON(g)})
		default:
			c.methodNotAllowed()
		}
		return
	}
	g := s.groupByID(rest[0])
	if g == nil {
		c.fail(notFound("user-groups.error.not-exists", "User group does not exist."))
		return
	}
	switch {
	case len(rest) == 1:
		switch c.r.Method {
		case http.MethodGet:
			c.ok(http.StatusOK, map[string]any{"data": groupJSON(g)})
		case http.MethodPatch:
			if !c.owner() {
				return
			}
			r, ok := c.one("ppms/user-group", g.id)
			if !ok {
				return
			}
			if name, ok := strAttr(r, "name"); ok {
				if strings.TrimSpace(name) == "" {
					c.fail(invalidForm("This value should not be blank.", "/data/attributes/name"))
					return
				}
				if o := s.groupRef(name); o != nil && o != g {
					c.fail(invalidForm(fmt.Sprintf("A user group named %q already exists.", name), "/data/attributes/name"))
					return
				}
				g.name = name
			}
			if v, ok := r.Attributes["external_id"]; ok {
				ext, _ := v.(string)
				g.externalID = ext
			}
			g.updatedAt = s.Clock.Now()
			c.noContent()
		case http.MethodDelete:
			if !c.owner() {
				return
			}
			s.removeGroup(g)
			c.noContent()
		default:
			c.methodNotAllowed()
		}
	case rest[1] == "users" && (len(rest) == 2 || (len(rest) == 3 && rest[2] == "excluded")):
		if !c.is(http.MethodGet) {
			return
		}
		excluded := len(rest) == 3
		search := strings.ToLower(c.r.URL.Query().Get("search"))
		var list []*user
		if excluded {
			for _, u := range s.users {
				if !slices.Contains(g.members, u.id) {
					list = append(list, u)
				}
			}
		} else {
			for _, id := range g.members {
				if u := s.usersByID[id]; u != nil {
					list = append(list, u)
				}
			}
		}
		if search != "" {
			list = slices.DeleteFunc(list, func(u *user) bool { return !strings.Contains(strings.ToLower(u.email), search) })
		}
		if v := c.r.URL.Query().Get("sort"); v == "email" || v == "-email" {
			sort.SliceStable(list, func(i, j int) bool { return list[i].email < list[j].email })
			if v == "-email" {
				slices.Reverse(list)
			}
		} else if v != "" {
			c.fail(newErr(http.StatusBadRequest, "error.default", "Invalid query", fmt.Sprintf("sort %q is not email.", v), ""))
			return
		}
		c.list(len(list), func(i int) any {
			return map[string]any{"type": "ppms/user", "id": list[i].id, "attributes": map[string]any{"email": list[i].email}}
		})
	case len(rest) == 3 && rest[1] == "relationships" && rest[2] == "users":
		if !c.is(http.MethodPost, http.MethodDelete) || !c.owner() {
			return
		}
		ids, ok := c.many("ppms/user")
		if !ok {
			return
		}
		for i, id := range ids {
			if s.usersByID[id] == nil {
				c.fail(newErr(http.StatusBadRequest, "users.error.user-does-not-exist", "Invalid form",
					fmt.Sprintf("User %s does not exist.", id), fmt.Sprintf("/data/%d/id", i)))
				return
			}
		}
		for _, id := range ids {
			if c.r.Method == http.MethodPost {
				if !slices.Contains(g.members, id) {
					g.members = append(g.members, id)
				}
			} else {
				g.members = slices.DeleteFunc(g.members, func(x string) bool { return x == id })
			}
		}
		g.updatedAt = s.Clock.Now()
		c.noContent()
	default:
		c.fail(notFound("error.not-found", "Not found."))
	}
}
