package piwikpro

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/driver/kit"
)

// Client is a typed client of the part of Piwik PRO's API roster uses
// (piwikpro.md and the OpenAPI documents in docs/apis/openapi/piwikpro):
// users, apps, user groups and app permissions. Context first, typed
// answers, and a refusal as a *driver.APIError with Piwik PRO's own
// message. Every call gets a bearer token first when needed (kit.Tokens,
// from the client credentials), is paced within the minute's reads or
// writes, and goes through httpc, which retries, renews the token after a
// 401 and checks each answer's shape.
type Client struct {
	hc *httpc.Client // the API, with the bearer token
	tc *httpc.Client // POST /auth/token, without it

	clientID, secret string
	tokenEnv         string // where the key comes from, for messages
	credErr          error  // the key is not CLIENT_ID:CLIENT_SECRET
	tokens           kit.Tokens

	writes, reads *kit.Pacer
}

// pageSize is the limit asked for on every list (the API's maximum; its
// default is 10).
const pageSize = 1000

type listPage[T any] struct {
	Meta struct {
		Total int `json:"total"`
	} `json:"meta"`
	Data []T `json:"data"`
}

// User is a user of the account.
type User struct {
	ID         string `json:"id"`
	Attributes struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	} `json:"attributes"`
}

// Named is an app or a user group.
type Named struct {
	ID         string `json:"id"`
	Attributes struct {
		Name string `json:"name"`
	} `json:"attributes"`
}

// UserPermission is a user's permission on an app.
type UserPermission struct {
	ID         string `json:"id"`
	Attributes struct {
		Email       string `json:"email"`
		Permission  string `json:"permission"`
		Permissions string `json:"permissions"` // the spec's required list names this
	} `json:"attributes"`
}

// GroupPermission is a group's permission on an app.
type GroupPermission struct {
	ID         string `json:"id"`
	Attributes struct {
		Name       string `json:"name"`
		Permission string `json:"permission"`
	} `json:"attributes"`
}

// GroupUser is a member of a user group.
type GroupUser struct {
	ID         string `json:"id"`
	Attributes struct {
		Email string `json:"email"`
	} `json:"attributes"`
}

// Shapes of the list items the driver reads (the OpenAPI documents in
// docs/apis/openapi/piwikpro; schema/sync.md, Reading safely).
var (
	userShape      = kit.Obj{"id": kit.String, "attributes": kit.Obj{"email": kit.String, "role": kit.String}}
	namedShape     = kit.Obj{"id": kit.String, "attributes": kit.Obj{"name": kit.String}}
	userPermShape  = kit.Obj{"id": kit.String, "attributes": kit.Obj{"permission": kit.String}}
	groupPermShape = kit.Obj{"id": kit.String, "attributes": kit.Obj{"permission": kit.String}}
	groupUserShape = kit.Obj{"id": kit.String, "attributes": kit.Obj{"email": kit.String}}
)

func appPath(app, rest string) string {
	return "/api/access-control/v2/app/" + url.PathEscape(app) + "/permission/" + rest
}

// metaPath is appPath's meta-site twin (piwikpro.md: the same four under
// /api/access-control/v2/meta-site/{ms}/permission/…).
func metaPath(ms, rest string) string {
	return "/api/access-control/v2/meta-site/" + url.PathEscape(ms) + "/permission/" + rest
}

func groupPath(gid, rest string) string {
	p := "/api/user-groups/v1/" + url.PathEscape(gid)
	if rest != "" {
		p += "/" + rest
	}
	return p
}

func userPath(id string) string { return "/api/users/v2/" + url.PathEscape(id) }

// --- reads -------------------------------------------------------------------

// Users lists the account's users.
func (c *Client) Users(ctx context.Context) ([]User, kit.Response, error) {
	return list[User](ctx, c, "/api/users/v2", userShape)
}

// Apps lists the account's apps (meta-sites are not managed: schema/sync.md).
func (c *Client) Apps(ctx context.Context) ([]Named, kit.Response, error) {
	return list[Named](ctx, c, "/api/apps/v2", namedShape)
}

// MetaSites lists the account's meta-sites. roster does not manage them
// (sync.md), but who holds access on one keeps their USER (sync.md,
// Reading safely), so their permissions are read.
func (c *Client) MetaSites(ctx context.Context) ([]Named, kit.Response, error) {
	return list[Named](ctx, c, "/api/meta-sites/v1", namedShape)
}

// MetaUserPermissions lists the users' explicit permissions on a meta-site.
func (c *Client) MetaUserPermissions(ctx context.Context, ms string) ([]UserPermission, kit.Response, error) {
	return list[UserPermission](ctx, c, metaPath(ms, "user"), userPermShape)
}

// MetaGroupPermissions lists the groups' permissions on a meta-site.
func (c *Client) MetaGroupPermissions(ctx context.Context, ms string) ([]GroupPermission, kit.Response, error) {
	return list[GroupPermission](ctx, c, metaPath(ms, "user-group"), groupPermShape)
}

// Groups lists the account's user groups.
func (c *Client) Groups(ctx context.Context) ([]Named, kit.Response, error) {
	return list[Named](ctx, c, "/api/user-groups/v1", namedShape)
}

// GroupUsers lists a user group's members.
func (c *Client) GroupUsers(ctx context.Context, group string) ([]GroupUser, kit.Response, error) {
	return list[GroupUser](ctx, c, groupPath(group, "users"), groupUserShape)
}

// UserPermissions lists the users' explicit permissions on an app.
func (c *Client) UserPermissions(ctx context.Context, app string) ([]UserPermission, kit.Response, error) {
	return list[UserPermission](ctx, c, appPath(app, "user"), userPermShape)
}

// GroupPermissions lists the groups' permissions on an app.
func (c *Client) GroupPermissions(ctx context.Context, app string) ([]GroupPermission, kit.Response, error) {
	return list[GroupPermission](ctx, c, appPath(app, "user-group"), groupPermShape)
}

// SearchUsers lists the users whose email contains search (one page).
func (c *Client) SearchUsers(ctx context.Context, search string) ([]User, kit.Response, error) {
	var page listPage[User]
	api, err := c.call(ctx, http.MethodGet, "/api/users/v2", url.Values{"search": {search}, "limit": {strconv.Itoa(pageSize)}}, nil,
		httpc.Shaped{Shape: kit.Obj{"meta": kit.Obj{"total": kit.Int}, "data": kit.List(userShape)}, Into: &page})
	res := kit.Response{API: api, Pages: 1}
	if err != nil {
		return nil, res, err
	}
	return page.Data, res, nil
}

// --- writes ------------------------------------------------------------------

// jsonAPI is a JSON:API request body: {"data": data}.
func jsonAPI(data any) map[string]any { return map[string]any{"data": data} }

// InviteUser creates a user (role USER) and sends them an invitation.
func (c *Client) InviteUser(ctx context.Context, email string) (User, kit.Response, error) {
	var out struct {
		Data User `json:"data"`
	}
	body := jsonAPI(map[string]any{"type": "ppms/user", "attributes": map[string]any{"email": email}})
	api, err := c.call(ctx, http.MethodPost, "/api/users/v2/invite", nil, body, httpc.Shaped{Shape: kit.Obj{"data": userShape}, Into: &out})
	return out.Data, kit.Response{API: api}, refusal(err, false)
}

// DeleteUser deletes a user from the account.
func (c *Client) DeleteUser(ctx context.Context, id string) (kit.Response, error) {
	return c.write(ctx, http.MethodDelete, userPath(id), nil)
}

// ChangeRole makes a user OWNER or USER.
func (c *Client) ChangeRole(ctx context.Context, id, role string) (kit.Response, error) {
	return c.write(ctx, http.MethodPatch, userPath(id)+"/change-role",
		jsonAPI(map[string]any{"type": "ppms/user", "id": id, "attributes": map[string]any{"role": role}}))
}

// SetUserPermission sets a user's permission on an app (no-access
// removes it).
func (c *Client) SetUserPermission(ctx context.Context, app, user, level string) (kit.Response, error) {
	return c.write(ctx, http.MethodPost, appPath(app, "user/"+url.PathEscape(user)),
		jsonAPI(map[string]any{"type": "app/permission/user", "attributes": map[string]any{"permission": level}}))
}

// SetGroupPermission sets a group's permission on an app (no-access
// removes it).
func (c *Client) SetGroupPermission(ctx context.Context, app, group, level string) (kit.Response, error) {
	return c.write(ctx, http.MethodPost, appPath(app, "user-group/"+url.PathEscape(group)),
		jsonAPI(map[string]any{"type": "app/permission/user-group", "attributes": map[string]any{"permission": level}}))
}

// CreateGroup creates a user group.
func (c *Client) CreateGroup(ctx context.Context, name string) (Named, kit.Response, error) {
	var out struct {
		Data Named `json:"data"`
	}
	body := jsonAPI(map[string]any{"type": "ppms/user-group", "attributes": map[string]any{"name": name}})
	api, err := c.call(ctx, http.MethodPost, "/api/user-groups/v1", nil, body, httpc.Shaped{Shape: kit.Obj{"data": namedShape}, Into: &out})
	return out.Data, kit.Response{API: api}, refusal(err, false)
}

// DeleteGroup deletes a user group.
func (c *Client) DeleteGroup(ctx context.Context, id string) (kit.Response, error) {
	return c.write(ctx, http.MethodDelete, groupPath(id, ""), nil)
}

// AddGroupUsers adds users to a group (at most batchSize a call).
func (c *Client) AddGroupUsers(ctx context.Context, group string, users []string) (kit.Response, error) {
	return c.write(ctx, http.MethodPost, groupPath(group, "relationships/users"), userRefs(users))
}

// RemoveGroupUsers removes users from a group (at most batchSize a call).
func (c *Client) RemoveGroupUsers(ctx context.Context, group string, users []string) (kit.Response, error) {
	return c.write(ctx, http.MethodDelete, groupPath(group, "relationships/users"), userRefs(users))
}

func userRefs(ids []string) map[string]any {
	data := make([]map[string]string, 0, len(ids))
	for _, id := range ids {
		data = append(data, map[string]string{"type": "ppms/user", "id": id})
	}
	return jsonAPI(data)
}

func (c *Client) write(ctx context.Context, method, path string, body any) (kit.Response, error) {
	api, err := c.call(ctx, method, path, nil, body, nil)
	return kit.Response{API: api}, refusal(err, false)
}

// list reads every page of a list whose items have the shape item; the
// stated total must agree with the items read (kit.Pager).
func list[T any](ctx context.Context, c *Client, path string, item kit.Shape) ([]T, kit.Response, error) {
	pg := &kit.Pager{}
	shape := kit.Obj{"meta": kit.Obj{"total": kit.Int}, "data": kit.List(item)}
	return kit.ReadPages(pg, Platform, "GET "+path, func() (kit.Page[T], error) {
		q := url.Values{"limit": {strconv.Itoa(pageSize)}, "offset": {strconv.Itoa(pg.Read())}}
		var p listPage[T]
		api, err := c.call(ctx, http.MethodGet, path, q, nil, httpc.Shaped{Shape: shape, Into: &p})
		if err != nil {
			return kit.Page[T]{API: api}, refusal(err, true)
		}
		return kit.Page[T]{Items: p.Data, Total: &p.Meta.Total, API: api}, nil
	})
}

// --- calls --------------------------------------------------------------------

// call makes one API call: a token first when needed, paced, then the
// request (retried and renewed by httpc). Its API lines list every
// request made for it, token requests included, in order.
func (c *Client) call(ctx context.Context, method, path string, q url.Values, in, out any) ([]string, error) {
	if c.credErr != nil {
		return nil, c.credErr
	}
	ctx, tc := kit.WithTokenCall(ctx)
	if err := c.tokens.Ensure(ctx, tc); err != nil {
		return tc.Pre(), err
	}
	p := c.writes
	if method == http.MethodGet {
		p = c.reads
	}
	// Every request body but the token's is JSON:API, piwikpro.md, Auth
	// (line 14): "Request bodies need `Content-Type:
	// application/vnd.api+json`; sending application/json gives 400 with
	// code error.json-api-content-type [U][GS]. [G] declares
	// application/json for creating a group; send vnd.api+json anyway".
	// The user groups document declares application/json for POST
	// /api/user-groups/v1 alone, against every other body of the same
	// document; the contract test (openapitest, groupsFix) patches that.
	ctype := ""
	if in != nil {
		ctype = JSONAPI
	}
	var api []string
	var err error
	if perr := kit.Paced(ctx, Platform, []*kit.Pacer{p}, func() []string {
		api, err = c.hc.JSON(ctx, method, path, q, in, out, ctype)
		return api
	}); perr != nil {
		return tc.Pre(), perr
	}
	return tc.Lines(api), err
}

// --- the bearer token -------------------------------------------------------

// tokenShape is the token answer's shape (piwikpro.md, /auth/token).
var tokenShape = kit.Obj{"token_type": kit.String, "expires_in": kit.Int, "access_token": kit.String}

type tokenAnswer struct {
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	AccessToken string `json:"access_token"`
}

// fetchToken exchanges the client credentials for a token: kit.Tokens'
// Fetch.
func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, []string, error) {
	body := map[string]string{"grant_type": "client_credentials", "client_id": c.clientID, "client_secret": c.secret}
	var out tokenAnswer
	var lines []string
	var err error
	if perr := kit.Paced(ctx, Platform, []*kit.Pacer{c.writes}, func() []string {
		lines, err = c.tc.JSON(ctx, "POST", "/auth/token", nil, body, httpc.Shaped{Shape: tokenShape, Into: &out}, "application/json")
		return lines
	}); perr != nil {
		return "", 0, nil, perr
	}
	if err != nil {
		if re, ok := httpc.Refusal(err); ok {
			return "", 0, lines, &driver.APIError{Platform: Platform, Status: re.Status, Request: re.Request(), Read: true,
				Message: fmt.Sprintf("%s; check that %s holds the CLIENT_ID:CLIENT_SECRET of a valid Piwik PRO API key",
					c.hc.Redact(errorMessage(re.Body, re.Status)), c.tokenEnv)}
		}
		return "", 0, lines, err
	}
	if out.AccessToken == "" {
		return "", 0, lines, fmt.Errorf("%s answered POST /auth/token without an access_token", Platform)
	}
	life := time.Duration(out.ExpiresIn) * time.Second
	if life <= 0 {
		life = defaultTokenLife
	}
	return out.AccessToken, life, lines, nil
}

// Subject is the key owner's user id: the `sub` claim of the current
// token ("" before the first).
func (c *Client) Subject() string { return subject(c.tokens.Token()) }

// --- errors -----------------------------------------------------------------------

// errBody is a JSON:API error answer, or the 401's {"message"}.
type errBody struct {
	Errors []struct {
		Status string `json:"status"`
		Code   string `json:"code"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	} `json:"errors"`
	Message string `json:"message"`
	Error   string `json:"error"`
}

// knownCodes explain Piwik PRO's error codes when the answer gives no detail.
var knownCodes = map[string]string{
	"users.error.cannot-delete-last-owner":  "Piwik PRO cannot delete the account's last owner",
	"users.error.cannot-delete-own-account": "the API key's owner cannot delete their own account",
	"users.error.cannot-change-own-role":    "the API key's owner cannot change their own role",
	"users.error.user-already-exists":       "a user with this email exists already (an email belongs to one Piwik PRO account only)",
	"users.error.user-does-not-exist":       "the user does not exist",
	"users.error.invalid-role":              "the role is not OWNER or USER",
	"error.json-api-content-type":           "the request's Content-Type is not application/vnd.api+json",
	"error.forbidden":                       "the API key's owner may not do this (managing users and groups needs an owner)",
}

// errorMessage is the platform's own words: each error's detail, else its
// title, with its code when that says more; else the body itself.
func errorMessage(body []byte, status int) string {
	var eb errBody
	if json.Unmarshal(body, &eb) == nil {
		var parts []string
		for _, e := range eb.Errors {
			msg := e.Detail
			if msg == "" {
				msg = knownCodes[e.Code]
			}
			if msg == "" {
				msg = e.Title
			}
			if e.Code != "" && e.Code != "error.default" && !strings.Contains(msg, e.Code) {
				if msg == "" {
					msg = e.Code
				} else {
					msg += " (" + e.Code + ")"
				}
			}
			if msg != "" {
				parts = append(parts, msg)
			}
		}
		if len(parts) > 0 {
			return kit.Words(strings.Join(parts, "; "))
		}
		if eb.Message != "" {
			return kit.Words(eb.Message)
		}
		if eb.Error != "" {
			return kit.Words(eb.Error)
		}
	}
	return kit.BodyText(body, status)
}

// errorCodes is the codes of a JSON:API error answer, in order.
func errorCodes(body []byte) []string {
	var eb errBody
	if json.Unmarshal(body, &eb) != nil {
		return nil
	}
	var codes []string
	for _, e := range eb.Errors {
		if e.Code != "" {
			codes = append(codes, e.Code)
		}
	}
	return codes
}

// refusal turns an httpc failure into the error roster shows: a refusal
// (an HTTP status) becomes *driver.APIError with Piwik PRO's own message
// (Read for a read); any other failure, and an APIError already made (a
// refused token request), comes back as it is.
func refusal(err error, read bool) error {
	re, ok := httpc.Refusal(err)
	if !ok {
		return err
	}
	return &driver.APIError{Platform: Platform, Status: re.Status, Message: errorMessage(re.Body, re.Status),
		Request: re.Request(), Read: read, Codes: errorCodes(re.Body)}
}
