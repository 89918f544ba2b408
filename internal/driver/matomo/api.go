package matomo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/driver/kit"
)

// This file is the typed client of Matomo's HTTP Reporting API
// (matomo.md, Auth and Response format): one method per API method the
// driver uses, context first, answers decoded into wire types after their
// shape is checked, and two error types: *driver.APIError when Matomo
// refused (its error body, on any status), *callError when no usable
// answer came (no answer, not JSON, the wrong shape).

// APIPath is the one endpoint of Matomo's HTTP API. Every request is
// `POST /index.php` with the API method in the form body, so the request
// lines of the plan and the evidence read `POST /index.php STATUS`
// (schema/sync.md, apply 4: "METHOD path status", the path without the
// query string, no bodies); errors name the API method.
const APIPath = "/index.php"

// client calls one Matomo instance with one token.
type client struct {
	hc     *httpc.Client
	token  string
	bearer bool // send the Authorization header too (BearerSince)
	// tokenVar names where the token came from, for a refused one
	// (driver.TokenVar).
	tokenVar string

	clock driver.Clock
	pacer *kit.Pacer // RequestsPerSecond, shared by the teams of one instance
}

func newClient(team *driver.Team, opts driver.Options, transport http.RoundTripper) *client {
	c := &client{token: strings.TrimSpace(team.Token), clock: opts.Clock, tokenVar: driver.TokenVar(team.Conn.TokenEnv)}
	if c.clock == nil {
		c.clock = driver.RealClock{}
	}
	o := httpc.TeamOptions(team, opts, Platform, team.Token, c.token)
	o.Clock, o.Transport, o.Auth = c.clock, transport, c.auth
	c.hc = httpc.New(o)
	// matomo.md, Rate limits: the safe rate is per instance, so the teams
	// of a run that name one host share it.
	c.pacer = opts.Shared.Get(Platform+" requests to "+instance(team.Conn.Endpoint), func() any {
		return kit.NewPacerWindow(c.clock, RequestsPerSecond, time.Second, nil)
	}).(*kit.Pacer)
	return c
}

// instance is the host an endpoint names (lower case), the key of the
// pacing shared by the teams of one instance; an endpoint that does not
// parse is its own key (every call then fails on it).
func instance(endpoint string) string {
	endpoint = strings.TrimSpace(endpoint)
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		return strings.ToLower(u.Host)
	}
	return endpoint
}

// auth adds the Bearer header on servers that read it; the token always
// travels in the POST body as well (matomo.md: safe on 4.x and every 5.x).
func (c *client) auth(r *http.Request) {
	if c.bearer {
		r.Header.Set("Authorization", "Bearer "+c.token)
	}
}

// call makes one API call: POST index.php with every parameter, the token
// included, in the form body, and format=JSON. An answer is used only
// once it is JSON, is not Matomo's error body (which comes with HTTP 200
// for most failures: matomo.md, Response format) and has shape; it is then
// decoded into out. It returns the request lines made (`POST /index.php
// STATUS`, retries included) and the answer's headers.
func (c *client) call(ctx context.Context, method string, params url.Values, shape kit.Shape, out any) ([]string, http.Header, error) {
	form := url.Values{}
	for k, vs := range params {
		form[k] = append([]string(nil), vs...)
	}
	form.Set("module", "API")
	form.Set("method", method)
	form.Set("format", "JSON")
	form.Set("token_auth", c.token)
	var res *httpc.Response
	var err error
	if perr := kit.Paced(ctx, Platform, []*kit.Pacer{c.pacer}, func() []string {
		res, err = c.hc.Do(ctx, http.MethodPost, APIPath, nil, []byte(form.Encode()), "application/x-www-form-urlencoded")
		return httpc.Lines(res, err)
	}); perr != nil {
		return nil, nil, perr
	}
	if err != nil {
		var re *httpc.RequestError
		if !errors.As(err, &re) {
			return nil, nil, fmt.Errorf("%s %s: %w", Platform, method, err)
		}
		if re.Status == 0 || re.Err != nil {
			return re.API, nil, &callError{method: method, err: err, msg: strings.Replace(re.Error(), "POST "+APIPath, method, 1)}
		}
		msg, isJSON := errorBody(re.Body)
		if !isJSON {
			msg = fmt.Sprintf("an HTTP %d answer that is not JSON (a server error in Matomo; an unknown capability gives one under PHP 8)%s", re.Status, snippet(re.Body))
		} else if re.Status == http.StatusUnauthorized {
			msg += " Check " + c.tokenVar + ": roster needs the token_auth of a superuser (Administration → Personal → Security)."
		}
		return re.API, re.Header, &driver.APIError{Platform: Platform, Status: re.Status, Message: msg, Request: method, Read: true}
	}
	// httpc redacts the answers it fails; these are 2xx answers, which
	// may echo the request, token_auth and all: redact what is quoted.
	if !isJSON(res.Body) {
		return res.API, res.Header, &callError{method: method, msg: fmt.Sprintf("%s answered %s with HTTP %d, but not with JSON%s; nothing was read from it", Platform, method, res.Status, snippet([]byte(c.hc.Redact(string(res.Body)))))}
	}
	if msg, isErr := errorResult(res.Body); isErr {
		return res.API, res.Header, &driver.APIError{Platform: Platform, Status: res.Status, Message: c.hc.Redact(msg), Request: method, Read: true}
	}
	if shape != nil {
		if err := kit.Check(res.Body, shape); err != nil {
			// err may quote the answer's keys (a repeated one): redacted.
			return res.API, res.Header, &callError{method: method, err: httpc.ErrMalformed, msg: c.hc.Redact(fmt.Sprintf(
				"%s answered %s with HTTP %d, but not in the shape roster expects: %v. Nothing was read from it; try again later, and report it if it persists",
				Platform, method, res.Status, err))}
		}
	}
	if out != nil {
		if err := json.Unmarshal(res.Body, out); err != nil {
			return res.API, res.Header, &callError{method: method, err: err, msg: fmt.Sprintf("%s answered %s with JSON roster cannot read: %s", Platform, method, c.hc.Words(err.Error()))}
		}
	}
	return res.API, res.Header, nil
}

// --- the API methods --------------------------------------------------------

// Version is API.getMatomoVersion.
func (c *client) Version(ctx context.Context) (string, []string, error) {
	var v struct {
		Value string `json:"value"`
	}
	api, _, err := c.call(ctx, "API.getMatomoVersion", nil, versionShape, &v)
	return v.Value, api, err
}

// Superusers is UsersManager.getUsersHavingSuperUserAccess: every user
// with superuser access, by login (matomo.md, Endpoints).
func (c *client) Superusers(ctx context.Context) ([]apiUser, []string, error) {
	var out []apiUser
	api, _, err := c.call(ctx, "UsersManager.getUsersHavingSuperUserAccess", nil, superusersShape, &out)
	return out, api, err
}

// SitesAccess is UsersManager.getSitesAccessFromUser: one row per access
// row of the user (superusers only; matomo.md, Endpoints).
func (c *client) SitesAccess(ctx context.Context, login string) ([]apiAccessRow, []string, error) {
	var out []apiAccessRow
	api, _, err := c.call(ctx, methodSitesAccess, url.Values{"userLogin": {login}}, accessShape, &out)
	return out, api, err
}

// Sites is SitesManager.getSitesWithAdminAccess: every website the
// caller administers (a superuser: all), as a list or keyed by idsite.
func (c *client) Sites(ctx context.Context) ([]apiSite, []string, error) {
	var raw jsontext.Value
	api, _, err := c.call(ctx, "SitesManager.getSitesWithAdminAccess", url.Values{"fetchAliasUrls": {"0"}}, kit.Anything, &raw) // decodeSites checks each site
	if err != nil {
		return nil, api, err
	}
	sites, err := decodeSites(raw)
	if err != nil {
		return nil, api, &callError{method: "SitesManager.getSitesWithAdminAccess", err: httpc.ErrMalformed, msg: fmt.Sprintf(
			"%s answered SitesManager.getSitesWithAdminAccess, but not in the shape roster expects: %v. Nothing was read from it", Platform, err)}
	}
	return sites, api, nil
}

// Users is UsersManager.getUsers: every user, enriched.
func (c *client) Users(ctx context.Context) ([]apiUser, []string, error) {
	var out []apiUser
	api, _, err := c.call(ctx, "UsersManager.getUsers", nil, usersShape, &out)
	return out, api, err
}

// methodUsersPlusRole is the paged read of a site's users.
const methodUsersPlusRole = "UsersManager.getUsersPlusRole"

// methodSitesAccess is the read of one user's access everywhere.
const methodSitesAccess = "UsersManager.getSitesAccessFromUser"

// UsersPlusRole is one page of UsersManager.getUsersPlusRole for a site:
// the users with some access there (filter_access=some) from offset, and
// the X-Matomo-Total-Results header (nil when absent).
func (c *client) UsersPlusRole(ctx context.Context, site string, offset int) ([]apiRoleRow, *int, []string, error) {
	q := url.Values{"idSite": {site}, "limit": {strconv.Itoa(pageSize)}, "offset": {strconv.Itoa(offset)}, "filter_access": {"some"}}
	var page []apiRoleRow
	api, h, err := c.call(ctx, methodUsersPlusRole, q, roleRowsShape, &page)
	if err != nil {
		return nil, nil, api, err
	}
	v := strings.TrimSpace(h.Get("X-Matomo-Total-Results"))
	if v == "" {
		return page, nil, api, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, nil, api, &callError{method: methodUsersPlusRole, err: httpc.ErrMalformed, msg: fmt.Sprintf(
			"%s answered %s (idSite %s) with X-Matomo-Total-Results %q, which is not a number; nothing was planned from it", Platform, methodUsersPlusRole, site, v)}
	}
	return page, &n, api, nil
}

// Send makes one write (decide.go's request). Every write roster sends is
// a void method, which Matomo answers {"result":"success","message":"ok"}
// (matomo.md, Response format); its error body is a refusal, and any
// other answer is no confirmation: the change is not counted as made.
func (c *client) Send(ctx context.Context, r request) ([]string, error) {
	var ans struct {
		Result string `json:"result"`
	}
	api, _, err := c.call(ctx, r.Method, r.Params, successShape, &ans)
	if err == nil && ans.Result != "success" {
		err = &callError{method: r.Method, err: httpc.ErrMalformed, msg: fmt.Sprintf(
			"%s answered %s with result %q, not \"success\"; roster does not count the change as made: run roster plan again to see what Matomo holds",
			Platform, r.Method, c.hc.Words(ans.Result))}
	}
	return api, err
}

// --- errors -----------------------------------------------------------------

// callError is a call that failed without a refusal by Matomo: no answer,
// an answer that is not JSON, or one of the wrong shape.
type callError struct {
	method string
	msg    string
	err    error
}

func (e *callError) Error() string { return e.msg }
func (e *callError) Unwrap() error { return e.err }

// errorResult reports whether a 200 answer is Matomo's error body,
// {"result":"error","message":"…"}, and its message.
func errorResult(body []byte) (string, bool) {
	var e struct {
		Result  *string `json:"result"`
		Message *string `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil || e.Result == nil || *e.Result != "error" {
		return "", false
	}
	if e.Message == nil || strings.TrimSpace(*e.Message) == "" {
		return "an error without a message", true
	}
	return oneLine(*e.Message), true
}

// errorBody is the message of a non-2xx answer, and whether it was JSON.
func errorBody(body []byte) (string, bool) {
	if msg, ok := errorResult(body); ok {
		return msg, true
	}
	if isJSON(body) {
		return "an error answer without Matomo's message" + snippet(body), true
	}
	return "", false
}

// isJSON reports whether body is one JSON value. A repeated member is
// let through here, for kit.Check (or the decoding) to refuse by name.
func isJSON(body []byte) bool {
	return jsontext.Value(body).IsValid(jsontext.AllowDuplicateNames(true))
}

// oneLine is Matomo's text as a message quotes it (kit.Words): one line,
// control characters escaped, at most 300 bytes.
func oneLine(s string) string { return kit.Words(s) }

// snippet is ": " and the start of a body on one line, or "".
func snippet(body []byte) string {
	s := oneLine(string(body))
	if s == "" {
		return ""
	}
	if len(s) > 200 {
		n := 200
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "..."
	}
	return ": " + s
}

// --- answers ----------------------------------------------------------------

// Shapes of the answers the driver reads (matomo.md, Endpoints; schema/sync.md,
// Reading safely). Numbers read from MySQL may come as strings, so ids and
// flags accept either.
var (
	versionShape    = kit.Obj{"value": kit.String}
	successShape    = kit.Obj{"result": kit.String}
	superusersShape = kit.List(kit.Obj{"login": kit.String})
	accessShape     = kit.List(kit.Obj{"site": kit.ID, "access": kit.String})
	siteShape       = kit.Obj{"idsite": kit.ID, "name": kit.String}
	usersShape      = kit.List(kit.Obj{"login": kit.String, "email": kit.String, "superuser_access": kit.Anything, "invite_status": kit.Opt(kit.Anything)})
	roleRowsShape   = kit.List(kit.Obj{"login": kit.String, "role": kit.String, "capabilities": kit.List(kit.String)})
)

type apiSite struct {
	ID   jsontext.Value `json:"idsite"` // a number, or a string of one
	Name string         `json:"name"`
}

// id is a site id as text whatever its JSON type.
func (s apiSite) id() string { return idText(s.ID) }

type apiUser struct {
	Login        string         `json:"login"`
	Email        string         `json:"email"`
	Superuser    jsontext.Value `json:"superuser_access"`
	InviteStatus jsontext.Value `json:"invite_status"`
}

type apiRoleRow struct {
	Login        string   `json:"login"`
	Role         string   `json:"role"`
	Capabilities []string `json:"capabilities"`
}

type apiAccessRow struct {
	Site   jsontext.Value `json:"site"` // a number, or a string of one
	Access string         `json:"access"`
}

// site is the row's idsite as text, whatever its JSON type.
func (r apiAccessRow) site() string { return idText(r.Site) }

// idText is an id given as a JSON number or string as text: a string is
// decoded (escapes and all), a number is its digits.
func idText(v jsontext.Value) string {
	if v.Kind() == '"' {
		return text(v)
	}
	return string(v)
}

// text is a JSON string's text ("" for another value).
func text(v jsontext.Value) string {
	var s string
	json.Unmarshal(v, &s) //nolint:errcheck // not a string: ""
	return s
}

// flag reads superuser_access: true/false, 1/0 or "1"/"0" (matomo.md: the
// raw column in getUsers, a boolean in getUsersPlusRole).
func flag(v jsontext.Value) (bool, error) {
	switch v.Kind() {
	case 't', 'f':
		return v.Kind() == 't', nil
	case '0':
		return string(v) != "0", nil
	case '"':
		switch text(v) {
		case "1", "true":
			return true, nil
		case "0", "false", "":
			return false, nil
		}
	}
	return false, fmt.Errorf("superuser_access %s is neither a boolean nor 0 or 1", v)
}

// inviteStatus reads invite_status: "active", "expired", or the whole days
// left as a number (6 or 6.0) or numeric string (matomo.md, REPO enrichUser).
func inviteStatus(v jsontext.Value) (pending, expired bool, err error) {
	switch v.Kind() {
	case 'n', 0: // null or absent
		return false, false, nil
	case '"':
		switch x := text(v); x {
		case "active", "":
			return false, false, nil
		case "expired":
			return true, true, nil
		default:
			if _, err := strconv.ParseFloat(x, 64); err == nil {
				return true, false, nil
			}
		}
	case '0':
		return true, false, nil
	}
	return false, false, fmt.Errorf("invite_status %s is not \"active\", \"expired\" or a number of days", v)
}

// decodeSites reads getSitesWithAdminAccess: a list, or an object keyed by
// idsite (matomo.md: accept both shapes).
func decodeSites(raw jsontext.Value) ([]apiSite, error) {
	var list []jsontext.Value
	var byID map[string]jsontext.Value
	switch {
	case raw.Kind() == '[' && json.Unmarshal(raw, &list) == nil:
	case raw.Kind() == '{' && json.Unmarshal(raw, &byID) == nil:
		for _, k := range slices.Sorted(maps.Keys(byID)) {
			list = append(list, byID[k])
		}
	default:
		return nil, errors.New("not a list of websites, nor an object of them keyed by idsite")
	}
	out := make([]apiSite, len(list))
	for i, item := range list {
		if err := kit.Check(item, siteShape); err != nil {
			return nil, fmt.Errorf("website %d: %v", i, err)
		}
		if err := json.Unmarshal(item, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
