package plausible

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// Error messages of plausible.md, verbatim ("(sic)" included).
const (
	MsgMissingKey     = "Missing API key. Please use a valid Plausible API key as a Bearer Token."
	MsgInvalidKey     = "Invalid API key. Please make sure you're using a valid API key with access to the resource you've requested."
	MsgSiteNotFound   = "Site could not be found"
	MsgListSiteID     = "Parameter `site_id` is required to list goals"
	MsgCreateSiteID   = "Parameter `site_id` is required to create guest"
	MsgCreateEmail    = "Parameter `email` is required to create guest"
	MsgCreateRole     = "Parameter `role` is required to create guest. Possible values: `viewer` or `editor`"
	MsgDeleteSiteID   = "Parameter `site_id` is required to delete a guest"
	MsgNoSitesAPI     = "API key does not have access to Sites API"
	MsgInternal       = "internal server error"
	MsgNotFound       = "Not found"
	defaultPageLimit  = 100
	maxPageLimit      = 100
	maxBodyBytes      = 1 << 20
	rateLimitTemplate = "Too many API requests. Your API key is limited to %d requests per hour. Please contact us to request more capacity."
)

// RateLimitMessage is the 429 message for a key's hourly limit.
func RateLimitMessage(limit int) string { return fmt.Sprintf(rateLimitTemplate, limit) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	fakekit.WriteJSON(w, status, "application/json", v)
}

func writeErr(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// defaultBody is the error body of an injected failure without one.
func defaultBody(status int) []byte {
	msg := "Bad request"
	switch {
	case status == http.StatusUnauthorized:
		msg = MsgInvalidKey
	case status == http.StatusPaymentRequired:
		msg = MsgNoSitesAPI
	case status == http.StatusNotFound:
		msg = MsgSiteNotFound
	case status == http.StatusTooManyRequests:
		msg = RateLimitMessage(DefaultHourlyLimit)
	case status >= 500:
		msg = MsgInternal
	}
	return fakekit.Marshal(map[string]string{"error": msg})
}

// ServeHTTP serves the API and the /_fake/ admin endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, fakekit.AdminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.tick()
	sw := &fakekit.StatusWriter{ResponseWriter: w}
	defer func() {
		s.Record(Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: sw.Status(), At: s.Clock.Now()})
	}()
	if s.Inject(sw, r, "application/json", defaultBody) {
		return
	}
	c := &call{s: s, w: sw, r: r, body: body}
	c.serve()
}

// call is one API request being served (s.Mu held).
type call struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	body []byte
	key  *apiKey
	p    map[string]string
}

func (c *call) serve() {
	s := c.s
	auth := c.r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "Bearer ") || strings.TrimSpace(strings.TrimPrefix(auth, "Bearer ")) == "" {
		writeErr(c.w, http.StatusUnauthorized, MsgMissingKey)
		return
	}
	k := s.keys[strings.TrimSpace(strings.TrimPrefix(auth, "Bearer "))]
	if k == nil {
		writeErr(c.w, http.StatusUnauthorized, MsgInvalidKey)
		return
	}
	c.key = k
	// Fixed clock-hour buckets; rejected calls count too.
	u := s.usageOf(k.key)
	u.n++
	if u.n > k.limit {
		writeErr(c.w, http.StatusTooManyRequests, RateLimitMessage(k.limit))
		return
	}
	c.p = c.params()
	path := c.r.URL.Path
	m := c.r.Method
	write := m == http.MethodPut || m == http.MethodDelete || m == http.MethodPost || m == http.MethodPatch
	route := func() func() {
		switch {
		case path == "/api/v1/sites/teams" && m == http.MethodGet:
			return c.listTeams
		case path == "/api/v1/sites" && m == http.MethodGet:
			return c.listSites
		case path == "/api/v1/sites/guests" && m == http.MethodGet:
			return c.listGuests
		case path == "/api/v1/sites/guests" && m == http.MethodPut:
			return c.putGuest
		case strings.HasPrefix(path, "/api/v1/sites/guests/") && m == http.MethodDelete:
			return c.deleteGuest
		case strings.HasPrefix(path, "/api/v1/sites/") && m == http.MethodGet && !strings.Contains(strings.TrimPrefix(path, "/api/v1/sites/"), "/"):
			return c.getSite
		}
		return nil
	}()
	if route == nil {
		writeErr(c.w, http.StatusNotFound, MsgNotFound)
		return
	}
	if write && k.readOnly {
		writeErr(c.w, http.StatusUnauthorized, MsgInvalidKey)
		return
	}
	route()
}

// params merges the query and a JSON or form body (the body wins), as
// Phoenix does.
func (c *call) params() map[string]string {
	p := map[string]string{}
	for k, vs := range c.r.URL.Query() {
		if len(vs) > 0 {
			p[k] = vs[0]
		}
	}
	if len(bytes.TrimSpace(c.body)) == 0 {
		return p
	}
	ct, _, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]jsontext.Value
		if json.Unmarshal(c.body, &m) == nil {
			for k, v := range m {
				switch v.Kind() {
				case 'n':
				case '"':
					var s string
					json.Unmarshal(v, &s) //nolint:errcheck // a valid string
					p[k] = s
				default: // a number or boolean as written; a list or object as JSON
					p[k] = string(v)
				}
			}
		}
	case "application/x-www-form-urlencoded":
		if q, err := url.ParseQuery(string(c.body)); err == nil {
			for k, vs := range q {
				if len(vs) > 0 {
					p[k] = vs[0]
				}
			}
		}
	}
	return p
}

// --- paging -------------------------------------------------------------------------

// sortKey orders a list descending: by a, then by b.
type sortKey struct{ a, b int64 }

func (k sortKey) less(o sortKey) bool { return k.a < o.a || (k.a == o.a && k.b < o.b) }

func (k sortKey) cursor() string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d:%d", k.a, k.b)))
}

func parseCursor(s string) (sortKey, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return sortKey{}, false
	}
	a, b, ok := strings.Cut(string(raw), ":")
	if !ok {
		return sortKey{}, false
	}
	x, err1 := strconv.ParseInt(a, 10, 64)
	y, err2 := strconv.ParseInt(b, 10, 64)
	return sortKey{x, y}, err1 == nil && err2 == nil
}

// meta is the paging metadata.
type meta struct {
	After  *string `json:"after"`
	Before *string `json:"before"`
	Limit  int     `json:"limit"`
}

// page cuts one page out of keys (sorted descending) as after, before and
// limit ask: limit is honoured only for 1..100, else 100; a limit that is
// not an integer, or a cursor that cannot be read, crashes (ok false: the
// caller answers 500).
func (c *call) page(keys []sortKey) (from, to int, m meta, ok bool) {
	limit := defaultPageLimit
	if v, has := c.p["limit"]; has {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return 0, 0, meta{}, false
		}
		if n >= 1 && n <= maxPageLimit {
			limit = n
		}
	}
	m.Limit = limit
	if a := c.p["after"]; a != "" {
		k, good := parseCursor(a)
		if !good {
			return 0, 0, meta{}, false
		}
		// After k: the entries that sort below it.
		from = sort.Search(len(keys), func(i int) bool { return keys[i].less(k) })
		to = min(len(keys), from+limit)
	} else if b := c.p["before"]; b != "" {
		k, good := parseCursor(b)
		if !good {
			return 0, 0, meta{}, false
		}
		to = sort.Search(len(keys), func(i int) bool { return !k.less(keys[i]) })
		from = max(0, to-limit)
	} else {
		to = min(len(keys), limit)
	}
	if to > from {
		if to < len(keys) {
			s := keys[to-1].cursor()
			m.After = &s
		}
		if from > 0 {
			s := keys[from].cursor()
			m.Before = &s
		}
	}
	return from, to, m, true
}

// --- endpoints ----------------------------------------------------------------------

// teamsOf lists the teams the key's user is a full member of (the key's
// own team only, for a team-scoped key), by id descending.
func (c *call) teamsOf() []*team {
	k := c.key
	var out []*team
	if k.team != nil {
		if k.team.roleOf(k.email) != "" {
			out = append(out, k.team)
		}
		return out
	}
	for _, t := range c.s.teams {
		if t.roleOf(k.email) != "" {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq > out[j].seq })
	return out
}

func (c *call) listTeams() {
	ts := c.teamsOf()
	keys := make([]sortKey, len(ts))
	for i, t := range ts {
		keys[i] = sortKey{int64(t.seq), 0}
	}
	from, to, m, ok := c.page(keys)
	if !ok {
		writeErr(c.w, http.StatusInternalServerError, MsgInternal)
		return
	}
	type teamJSON struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		APIAvailable bool   `json:"api_available"`
	}
	out := []teamJSON{}
	for _, t := range ts[from:to] {
		out = append(out, teamJSON{ID: t.id, Name: t.name, APIAvailable: t.apiAvailable})
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"teams": out, "meta": m})
}

// listSites lists the sites the key reaches. A team-scoped key sees its
// team's sites and ignores team_id; a legacy key with a known team_id sees
// that team's sites where its user is a full member; with no team_id, or
// an unknown one (no error: Teams.get returns nil), every site its user
// reaches, sites where they are a guest included.
func (c *call) listSites() {
	k := c.key
	var sites []*site
	switch {
	case k.team != nil:
		if k.team.roleOf(k.email) != "" {
			sites = append(sites, k.team.sites...)
		}
	default:
		var named *team
		if tid := c.p["team_id"]; tid != "" {
			for _, t := range c.s.teams {
				if t.id == tid {
					named = t
				}
			}
		}
		if named != nil {
			if named.roleOf(k.email) != "" {
				sites = append(sites, named.sites...)
			}
			break
		}
		for _, t := range c.s.teams {
			member := t.roleOf(k.email) != ""
			for _, st := range t.sites {
				if g := st.byEmail[lower(k.email)]; member || (g != nil && g.status == StatusAccepted) {
					sites = append(sites, st)
				}
			}
		}
	}
	sort.Slice(sites, func(i, j int) bool { return sites[i].id > sites[j].id })
	keys := make([]sortKey, len(sites))
	for i, st := range sites {
		keys[i] = sortKey{int64(st.id), 0}
	}
	from, to, m, ok := c.page(keys)
	if !ok {
		writeErr(c.w, http.StatusInternalServerError, MsgInternal)
		return
	}
	type siteJSON struct {
		Domain   string `json:"domain"`
		Timezone string `json:"timezone"`
	}
	out := []siteJSON{}
	for _, st := range sites[from:to] {
		out = append(out, siteJSON{Domain: st.domain, Timezone: st.timezone})
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"sites": out, "meta": m})
}

// site finds the site named by site_id and checks the key may use it:
// another team's site with a team-scoped key is a 401; reading needs any
// team role but billing, or a guest membership; writing needs owner or
// admin (else 404), and the Sites API on the site's team (else 402).
func (c *call) site(domain string, write bool) *site {
	st := c.s.sites[lower(domain)]
	if st == nil {
		writeErr(c.w, http.StatusNotFound, MsgSiteNotFound)
		return nil
	}
	k := c.key
	if k.team != nil && st.team != k.team {
		writeErr(c.w, http.StatusUnauthorized, MsgInvalidKey)
		return nil
	}
	role := st.team.roleOf(k.email)
	if write {
		if role != "owner" && role != "admin" {
			writeErr(c.w, http.StatusNotFound, MsgSiteNotFound)
			return nil
		}
		if st.team.noSitesAPI {
			writeErr(c.w, http.StatusPaymentRequired, MsgNoSitesAPI)
			return nil
		}
		return st
	}
	g := st.byEmail[lower(k.email)]
	if (role == "" || role == "billing") && (g == nil || g.status != StatusAccepted) {
		writeErr(c.w, http.StatusNotFound, MsgSiteNotFound)
		return nil
	}
	return st
}

func (c *call) getSite() {
	domain, _ := url.PathUnescape(strings.TrimPrefix(c.r.URL.EscapedPath(), "/api/v1/sites/"))
	st := c.s.sites[lower(domain)]
	if st == nil || (c.key.team != nil && st.team != c.key.team) {
		writeErr(c.w, http.StatusNotFound, MsgSiteNotFound)
		return
	}
	if st = c.site(domain, false); st == nil {
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"domain": st.domain, "timezone": st.timezone, "custom_properties": []string{}})
}

type guestJSON struct {
	Email  string `json:"email"`
	Role   string `json:"role"`
	Status string `json:"status"`
}

func (c *call) listGuests() {
	domain := c.p["site_id"]
	if domain == "" {
		writeErr(c.w, http.StatusBadRequest, MsgListSiteID)
		return
	}
	st := c.site(domain, false)
	if st == nil {
		return
	}
	// inserted_at, id descending; invited and accepted mixed.
	gs := append([]*guest(nil), st.guests...)
	sort.Slice(gs, func(i, j int) bool {
		return sortKey{gs[j].insertedAt.UnixNano(), int64(gs[j].id)}.less(sortKey{gs[i].insertedAt.UnixNano(), int64(gs[i].id)})
	})
	keys := make([]sortKey, len(gs))
	for i, g := range gs {
		keys[i] = sortKey{g.insertedAt.UnixNano(), int64(g.id)}
	}
	from, to, m, ok := c.page(keys)
	if !ok {
		writeErr(c.w, http.StatusInternalServerError, MsgInternal)
		return
	}
	out := []guestJSON{}
	for _, g := range gs[from:to] {
		out = append(out, guestJSON{Email: g.email, Role: g.role, Status: g.status})
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"guests": out, "meta": m})
}

// putGuest is find-or-create by email: an existing guest or invitation
// comes back unchanged, whatever the role asked for; a team member's email
// (or a team over its member limit) crashes with a 500.
func (c *call) putGuest() {
	domain := c.p["site_id"]
	if domain == "" {
		writeErr(c.w, http.StatusBadRequest, MsgCreateSiteID)
		return
	}
	st := c.site(domain, true)
	if st == nil {
		return
	}
	email := strings.TrimSpace(c.p["email"])
	if email == "" {
		writeErr(c.w, http.StatusBadRequest, MsgCreateEmail)
		return
	}
	role := c.p["role"]
	if !guestRoles[role] {
		writeErr(c.w, http.StatusBadRequest, MsgCreateRole)
		return
	}
	if g := st.byEmail[lower(email)]; g != nil {
		writeJSON(c.w, http.StatusOK, guestJSON{Email: g.email, Role: g.role, Status: g.status})
		return
	}
	t := st.team
	if t.byEmail[lower(email)] != nil || (t.memberLimit > 0 && t.people() >= t.memberLimit && !t.holds(email)) {
		writeErr(c.w, http.StatusInternalServerError, MsgInternal)
		return
	}
	g := &guest{id: c.s.nextSeq(), email: email, role: role, status: StatusInvited, insertedAt: c.s.Clock.Now()}
	st.add(g)
	writeJSON(c.w, http.StatusOK, guestJSON{Email: g.email, Role: g.role, Status: g.status})
}

// holds reports whether email is already counted among a team's people.
func (t *team) holds(email string) bool {
	if t.byEmail[lower(email)] != nil {
		return true
	}
	for _, st := range t.sites {
		if st.byEmail[lower(email)] != nil {
			return true
		}
	}
	return false
}

// deleteGuest removes a guest membership or invitation; it always answers
// {"deleted":true}, for unknown emails and team members too.
func (c *call) deleteGuest() {
	email, err := url.PathUnescape(strings.TrimPrefix(c.r.URL.EscapedPath(), "/api/v1/sites/guests/"))
	if err != nil {
		writeErr(c.w, http.StatusInternalServerError, MsgInternal)
		return
	}
	domain := c.p["site_id"]
	if domain == "" {
		writeErr(c.w, http.StatusBadRequest, MsgDeleteSiteID)
		return
	}
	st := c.site(domain, true)
	if st == nil {
		return
	}
	if g := st.byEmail[lower(email)]; g != nil {
		st.remove(g)
	}
	writeJSON(c.w, http.StatusOK, map[string]bool{"deleted": true})
}
