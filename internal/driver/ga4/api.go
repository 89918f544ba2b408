package ga4

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
)

// This file is the typed client of the Admin API v1alpha (ga4.md,
// Endpoints and Errors): the wire shapes, paged lists, the three writes,
// and google.rpc.Status refusals as *StatusError. Every call takes its
// context first and returns the requests it made (kit.Response), as
// httpc logs them.

// client is the Admin API as one service account calls it: each call
// paced within the account's minute's quotas, with a token fetched (and
// renewed) first when needed (auth.go). It knows no plan: the driver
// turns changes into its calls (decide.go, apply.go) and its refusals
// into what roster shows (apiErr).
type client struct {
	hc     *httpc.Client // the Admin API, with the bearer token
	tc     *httpc.Client // the token endpoint
	key    *key
	keyErr error      // why the team's credential is no key: every call fails with it
	tokens kit.Tokens // the bearer token
	clock  driver.Clock

	requests, writes *kit.Pacer // the minute's quotas of the service account

	tokenAud, tokenPath string
	tokenEnv            string // the credential variable, for messages
}

// Page sizes asked for: the API's maxima (ga4.md, Endpoints).
const (
	SummaryPageSize = 200
	BindingPageSize = 500
)

// Shapes of the answers read (resources.proto through the proto3 JSON
// mapping: empty lists and strings are omitted, so every list is
// optional, but present it must be a list).
var (
	summaryShape = kit.Obj{
		"accountSummaries": kit.Opt(kit.List(kit.Obj{
			"account":     kit.String,
			"displayName": kit.Opt(kit.String),
			"propertySummaries": kit.Opt(kit.List(kit.Obj{
				"property":    kit.String,
				"displayName": kit.Opt(kit.String),
			})),
		})),
		"nextPageToken": kit.Opt(kit.String),
	}
	bindingShape     = kit.Obj{"name": kit.String, "user": kit.Opt(kit.String), "roles": kit.Opt(kit.List(kit.String))}
	bindingPageShape = kit.Obj{"accessBindings": kit.Opt(kit.List(bindingShape)), "nextPageToken": kit.Opt(kit.String)}
)

// apiBinding is an AccessBinding as read [RES].
type apiBinding struct {
	Name  string   `json:"name"`
	User  string   `json:"user"`
	Roles []string `json:"roles"`
}

// apiSummary is an AccountSummary as read [RES].
type apiSummary struct {
	Account           string `json:"account"`
	DisplayName       string `json:"displayName"`
	PropertySummaries []struct {
		Property    string `json:"property"`
		DisplayName string `json:"displayName"`
	} `json:"propertySummaries"`
}

// list reads every page of path, each answer checked against shape, its
// items under field (absent when there are none: proto3 JSON leaves an
// empty list out). Paging keeps its word: an empty page with a
// nextPageToken is an error.
func list[T any](ctx context.Context, c *client, path, field string, size int, shape kit.Shape) ([]T, kit.Response, error) {
	pg := &kit.Pager{Linked: true}
	token, next := "", ""
	return kit.ReadPages(pg, Platform, "GET "+path, func() (kit.Page[T], error) {
		if pg.Pages() > 0 { // the previous page promised the next
			if next == token {
				return kit.Page[T]{}, fmt.Errorf("%s answered GET %s with the same nextPageToken twice; nothing was planned from it, try again later", Platform, path)
			}
			token = next
		}
		q := url.Values{"pageSize": {strconv.Itoa(size)}}
		if token != "" {
			q.Set("pageToken", token)
		}
		var p struct {
			NextPageToken string                    `json:"nextPageToken"`
			Lists         map[string]jsontext.Value `json:",embed"` // field among them
		}
		api, err := c.api(ctx, http.MethodGet, path, q, nil, httpc.Shaped{Shape: shape, Into: &p})
		if err != nil {
			return kit.Page[T]{API: api}, err
		}
		var items []T
		if raw, ok := p.Lists[field]; ok {
			if err := json.Unmarshal(raw, &items); err != nil {
				return kit.Page[T]{API: api}, fmt.Errorf("%s answered GET %s with a page roster cannot read: %v", Platform, path, err)
			}
		}
		next = p.NextPageToken
		return kit.Page[T]{Items: items, More: next != "", API: api}, nil
	})
}

// Bindings reads every binding of parent (accounts/N or properties/P).
func (c *client) Bindings(ctx context.Context, parent string) ([]apiBinding, kit.Response, error) {
	return list[apiBinding](ctx, c, APIPrefix+parent+"/accessBindings", "accessBindings", BindingPageSize, bindingPageShape)
}

// Summaries pages accountSummaries: every account the caller can see,
// each with its properties [SVC].
func (c *client) Summaries(ctx context.Context) ([]apiSummary, kit.Response, error) {
	return list[apiSummary](ctx, c, APIPrefix+"accountSummaries", "accountSummaries", SummaryPageSize, summaryShape)
}

// readBindings is Bindings, a refusal as roster shows it (apiErr).
func (d *Driver) readBindings(ctx context.Context, parent string) ([]apiBinding, kit.Response, error) {
	out, res, err := d.c.Bindings(ctx, parent)
	return out, res, d.readErr(err)
}

// readSummaries is Summaries, a refusal as roster shows it (apiErr).
func (d *Driver) readSummaries(ctx context.Context) ([]apiSummary, kit.Response, error) {
	out, res, err := d.c.Summaries(ctx)
	return out, res, d.readErr(err)
}

// readErr is a failed read as roster shows it, nil for none.
func (d *Driver) readErr(err error) error {
	if err == nil {
		return nil
	}
	return d.apiErr(err, model.Address{}, true, "")
}

// wireBinding is an AccessBinding as it is sent.
type wireBinding struct {
	User  string   `json:"user"`
	Roles []string `json:"roles"`
}

// StatusError is a refusal of the Admin API: its HTTP status and the
// google.rpc.Status it carried [AIP][RPC]. The driver switches on HTTP,
// Status and Reasons, never on Message. It wraps httpc's failure.
type StatusError struct {
	HTTP    int
	Status  string   // the canonical code: INVALID_ARGUMENT, PERMISSION_DENIED, ...
	Reasons []string // ErrorInfo reasons, then legacy errors[].reason
	Message string   // Google's words, for people
	req     *httpc.RequestError
}

func (e *StatusError) Error() string { return e.req.Error() }
func (e *StatusError) Unwrap() error { return e.req }

func (e *StatusError) has(reason string) bool {
	for _, r := range e.Reasons {
		if strings.EqualFold(r, reason) {
			return true
		}
	}
	return false
}

// api makes one call (call: the token first when needed) and turns a
// refusal into *StatusError; other failures (the network, a malformed
// answer, the token) are returned as they are.
func (c *client) api(ctx context.Context, method, path string, q url.Values, in, out any) ([]string, error) {
	lines, err := c.call(ctx, method, path, q, in, out)
	var re *httpc.RequestError
	if err == nil || !errors.As(err, &re) || re.Status == 0 || re.Err != nil {
		return lines, err
	}
	se := &StatusError{HTTP: re.Status, req: re}
	if s, ok := parseStatus(re.Body); ok {
		se.Status, se.Message, se.Reasons = s.Error.Status, s.Error.Message, s.reasons()
	}
	return lines, se
}

// call makes one API call: a token first when needed, paced within the
// minute's requests (and writes, for anything but a GET), then the
// request (retried and renewed by httpc, each retry counted against the
// quotas after the fact). The token endpoint is not the Admin API and is
// not paced. Its API lines list every request made for it, token requests
// included, in order (kit.TokenCall).
func (c *client) call(ctx context.Context, method, path string, q url.Values, in, out any) ([]string, error) {
	if c.keyErr != nil {
		return nil, c.keyErr
	}
	ctx, tc := kit.WithTokenCall(ctx)
	if err := c.tokens.Ensure(ctx, tc); err != nil {
		return tc.Pre(), err
	}
	// The request quota first, then the write quota: a write is then
	// stamped in the tighter quota (180 a minute) when it goes out, not a
	// wait earlier, so GA4 never counts more writes in a minute than the
	// pacer did.
	pacers := []*kit.Pacer{c.requests}
	if method != http.MethodGet {
		pacers = append(pacers, c.writes)
	}
	var api []string
	var err error
	if perr := kit.Paced(ctx, Platform, pacers, func() []string {
		api, err = c.hc.JSON(ctx, method, path, q, in, out, "")
		return api
	}); perr != nil {
		return tc.Pre(), perr
	}
	return tc.Lines(api), err
}

// CreateBinding POSTs a binding under parent; the answer has its name
// (200, not 201 [D-AB]).
func (c *client) CreateBinding(ctx context.Context, parent string, b wireBinding) (apiBinding, kit.Response, error) {
	var out apiBinding
	lines, err := c.api(ctx, http.MethodPost, APIPrefix+parent+"/accessBindings", nil, b, httpc.Shaped{Shape: bindingShape, Into: &out})
	return out, kit.Response{API: lines}, err
}

// PatchBinding replaces the roles of the binding at path (no updateMask:
// the whole list [SVC]).
func (c *client) PatchBinding(ctx context.Context, path string, b wireBinding) (apiBinding, kit.Response, error) {
	var out apiBinding
	lines, err := c.api(ctx, http.MethodPatch, path, nil, b, httpc.Shaped{Shape: bindingShape, Into: &out})
	return out, kit.Response{API: lines}, err
}

// DeleteBinding DELETEs the binding at path.
func (c *client) DeleteBinding(ctx context.Context, path string) (kit.Response, error) {
	lines, err := c.api(ctx, http.MethodDelete, path, nil, nil, nil)
	return kit.Response{API: lines}, err
}

// --- errors ---------------------------------------------------------------

// rpcStatus is the google.rpc.Status envelope [AIP][RPC].
type rpcStatus struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Details []struct {
			Type     string            `json:"@type"`
			Reason   string            `json:"reason"`
			Metadata map[string]string `json:"metadata"`
		} `json:"details"`
		Errors []struct {
			Reason string `json:"reason"`
		} `json:"errors"`
	} `json:"error"`
}

func parseStatus(body []byte) (rpcStatus, bool) {
	var s rpcStatus
	if json.Unmarshal(body, &s) != nil || (s.Error.Status == "" && s.Error.Message == "" && s.Error.Code == 0) {
		return s, false
	}
	return s, true
}

// reasons are the ErrorInfo reasons and legacy errors[].reason values.
func (s rpcStatus) reasons() []string {
	var out []string
	for _, d := range s.Error.Details {
		if d.Reason != "" {
			out = append(out, d.Reason)
		}
	}
	for _, e := range s.Error.Errors {
		if e.Reason != "" {
			out = append(out, e.Reason)
		}
	}
	return out
}

func (s rpcStatus) has(reason string) bool {
	for _, r := range s.reasons() {
		if strings.EqualFold(r, reason) {
			return true
		}
	}
	return false
}

// rateLimited: a 403 whose reason says over quota is a 429 (ga4.md).
func rateLimited(status int, body []byte) bool {
	if status != http.StatusForbidden || !bytes.Contains(bytes.ToLower(body), []byte("ratelimitexceeded")) && !bytes.Contains(bytes.ToLower(body), []byte("rate_limit_exceeded")) {
		return false
	}
	s, ok := parseStatus(body)
	return ok && (s.has("RATE_LIMIT_EXCEEDED") || s.has("rateLimitExceeded") || s.has("userRateLimitExceeded"))
}

// message is the platform's refusal in one line, with what to do: the
// driver switches on the status and reasons, never on the message [AIP].
func (d *Driver) message(e *StatusError, what string) string {
	status, ok := e.HTTP, e.Status != "" || e.Message != ""
	msg := string(e.req.Body)
	if ok {
		msg = e.Message
		if e.Status != "" {
			msg = e.Status + ": " + msg
		}
	}
	// One line, cut at a rune's start: the message reaches evidence (a
	// note), whose JSON holds valid UTF-8 only.
	msg = kit.Words(msg)
	if msg == "" {
		msg = fmt.Sprintf("HTTP %d", status)
	}
	who := "the service account"
	if d.c.key != nil {
		who += " " + d.c.key.email
	}
	var hint string
	switch {
	case e.has("ACCESS_TOKEN_SCOPE_INSUFFICIENT"):
		hint = fmt.Sprintf("the token of %s lacks the analytics.manage.users scope; allow the scopes %s for it (in Google Workspace: Security > API controls > Domain-wide delegation, if it is restricted there)", who, strings.Join(Scopes, " and "))
	case e.has("SERVICE_DISABLED"):
		hint = "enable the Google Analytics Admin API in the service account's Google Cloud project (APIs & Services > Library), then run the command again"
	case status == http.StatusForbidden:
		hint = fmt.Sprintf("add %s to Google Analytics account %s as an Administrator (Admin > Account access management), since only Administrators manage access", who, d.team.Conn.AccountID)
	case status == http.StatusNotFound:
		hint = fmt.Sprintf("%s no longer exists; run roster plan again", what)
	case status == http.StatusConflict:
		hint = fmt.Sprintf("%s exists already (made since roster read the account); run roster plan again", what)
	case status == http.StatusBadRequest && e.Status == "FAILED_PRECONDITION":
		hint = "Google Analytics keeps the account's last Administrator and the caller's own binding; change it in the admin UI if it must change"
	case status == http.StatusBadRequest:
		hint = "check the email (it must be a Google account) and the role"
	}
	if hint != "" {
		msg += "; " + hint
	}
	return d.c.hc.Redact(msg)
}

// apiErr turns a failed call into the error roster shows: a refusal
// (*StatusError) becomes *driver.APIError with Google's message and what
// to do; a change's names the refused request in its one line.
func (d *Driver) apiErr(err error, addr model.Address, read bool, what string) error {
	var se *StatusError
	if !errors.As(err, &se) {
		if read || addr.IsZero() {
			return err
		}
		return fmt.Errorf("%s: %w", addr, err)
	}
	req := se.req.Request()
	msg := d.message(se, what)
	if !read {
		msg = req + ": " + msg
	}
	return &driver.APIError{Address: addr, Platform: Platform, Status: se.HTTP, Message: msg, Request: req, Read: read}
}
