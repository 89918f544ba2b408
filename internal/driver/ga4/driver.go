package ga4

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
)

// Options are the driver's options: those every driver takes.
type Options = driver.Options

// Platform is the platform's name in messages.
const Platform = "Google Analytics"

// APIPrefix is the one place the API version is pinned (ga4.md: access
// bindings exist in v1alpha only, and may change again).
const APIPrefix = "/v1alpha/"

// RateLimitWait is the wait after a quota answer without Retry-After:
// GA4's quotas refill every minute (ga4.md, Rate limits).
const RateLimitWait = time.Minute

// Driver is the GA4 driver of one team.
type Driver struct {
	team     *driver.Team
	clock    driver.Clock
	parallel int
	hc       *httpc.Client // the Admin API, with the bearer token
	tc       *httpc.Client // the token endpoint
	key      *key
	keyErr   error
	tok      *tokens

	tokenAud, tokenPath string

	refreshed bool
	live      *liveState
	run       []string // addresses of the changes Begin announced
}

// New makes the driver of a team. team.Token is the whole JSON key file
// of a Google Cloud service account; a token that is not one makes every
// call fail with a message saying so.
func New(team *driver.Team, opts Options) driver.Driver { return newDriver(team, opts, nil) }

func newDriver(team *driver.Team, opts Options, transport http.RoundTripper) *Driver {
	d := &Driver{team: team, clock: opts.Clock, parallel: kit.Limit(opts.Parallelism)}
	if d.clock == nil {
		d.clock = driver.RealClock{}
	}
	d.tok = &tokens{d: d}
	// The redactor hides any 8 characters of a secret, so it gets the
	// key file's secret parts only (the private key and its id): the
	// whole file would hide its public parts too (the service account's
	// email, Google's URLs), which the error messages must name. A file
	// that does not parse stays secret whole.
	var secrets []string
	k, err := parseKey(team.Token)
	if err != nil {
		secrets = append(secrets, team.Token)
		d.keyErr = fmt.Errorf("%s %s; put the whole JSON key file of a service account in it (Google Cloud console > IAM > Service accounts > Keys > Add key > JSON), and add the service account's email to the Google Analytics account as an Administrator", d.tokenEnv(), err)
	} else {
		d.key = k
		secrets = append(secrets, k.pemText)
		if len(k.keyID) >= 8 { // a real key id is 40 hex digits
			secrets = append(secrets, k.keyID)
		}
		for _, l := range strings.Split(k.pemText, "\n") {
			if l = strings.TrimSpace(l); len(l) >= 16 && !strings.HasPrefix(l, "-----") {
				secrets = append(secrets, l)
			}
		}
	}
	common := httpc.Options{
		UserAgent: opts.UserAgent,
		Clock:     d.clock,
		Log:       opts.Log,
		Notify:    kit.TeamNotify(team.Name, opts.Notify),
		MaxWait:   opts.MaxWait,
		Platform:  Platform,
		Secrets:   secrets,
		Transport: transport,
		// ga4.md, Rate limits: over quota is 429 RESOURCE_EXHAUSTED, or a
		// 403 whose reason is rateLimitExceeded; both wait a minute.
		RateLimited:   rateLimited,
		RateLimitWait: RateLimitWait,
	}
	api := common
	api.BaseURL = team.Conn.Endpoint
	api.Auth = d.tok.auth
	api.Renew = d.tok.renew
	d.hc = httpc.New(api)
	tokOpts := common
	tokOpts.BaseURL, d.tokenPath, d.tokenAud = d.tokenEndpoint()
	d.tc = httpc.New(tokOpts)
	return d
}

// tokenEndpoint is where the token is asked for: the key's token_uri, or,
// when the team's endpoint is a loopback address (a test server standing
// in for Google, $ROSTER_ENDPOINT_<TEAM>), that server's /token.
func (d *Driver) tokenEndpoint() (base, path, aud string) {
	if u, err := url.Parse(strings.TrimSpace(d.team.Conn.Endpoint)); err == nil && isLoopback(u.Hostname()) {
		base = strings.TrimRight(u.String(), "/")
		return base, "/token", base + "/token"
	}
	uri := DefaultTokenURI
	if d.key != nil {
		uri = d.key.tokenURI
	}
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		return uri, "/", uri // httpc reports the bad URL on the call
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	return u.Scheme + "://" + u.Host, p, uri
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (d *Driver) tokenEnv() string {
	if d.team.Conn.TokenEnv != "" {
		return "$" + d.team.Conn.TokenEnv
	}
	return "the team's credential variable"
}

// self is the service account's email: whose credential roster uses.
func (d *Driver) self() string {
	if d.key == nil {
		return ""
	}
	return d.key.email
}

// call makes one API call: a token first when needed, then the request
// (retried and renewed by httpc). Its API lines list every request made
// for it, token requests included, in order.
func (d *Driver) call(ctx context.Context, method, path string, q url.Values, in, out any) ([]string, error) {
	if d.keyErr != nil {
		return nil, d.keyErr
	}
	ci := &callInfo{}
	ctx = context.WithValue(ctx, callKey{}, ci)
	if err := d.tok.ensure(ctx, ci); err != nil {
		return ci.pre, err
	}
	api, err := d.hc.JSON(ctx, method, path, q, in, out, "")
	ci.mu.Lock()
	defer ci.mu.Unlock()
	return merge(ci.pre, api, ci.renew), err
}

// merge puts the token requests where they happened.
func merge(pre, api, renew []string) []string {
	out := make([]string, 0, len(pre)+len(api)+len(renew))
	out = append(out, pre...)
	placed := len(renew) == 0
	for _, l := range api {
		out = append(out, l)
		if !placed && strings.HasSuffix(l, " 401") {
			out = append(out, renew...)
			placed = true
		}
	}
	if !placed {
		out = append(out, renew...)
	}
	return out
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
func (d *Driver) message(status int, body []byte, what string) string {
	s, ok := parseStatus(body)
	msg := strings.Join(strings.Fields(string(body)), " ")
	if ok {
		msg = strings.Join(strings.Fields(s.Error.Message), " ")
		if s.Error.Status != "" {
			msg = s.Error.Status + ": " + msg
		}
	}
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	if msg == "" {
		msg = fmt.Sprintf("HTTP %d", status)
	}
	who := "the service account"
	if d.key != nil {
		who += " " + d.key.email
	}
	var hint string
	switch {
	case ok && s.has("ACCESS_TOKEN_SCOPE_INSUFFICIENT"):
		hint = fmt.Sprintf("the token of %s lacks the analytics.manage.users scope; allow the scopes %s for it (in Google Workspace: Security > API controls > Domain-wide delegation, if it is restricted there)", who, strings.Join(Scopes, " and "))
	case ok && s.has("SERVICE_DISABLED"):
		hint = "enable the Google Analytics Admin API in the service account's Google Cloud project (APIs & Services > Library), then run the command again"
	case status == http.StatusForbidden:
		hint = fmt.Sprintf("add %s to Google Analytics account %s as an Administrator (Admin > Account access management), since only Administrators manage access", who, d.team.Conn.AccountID)
	case status == http.StatusNotFound:
		hint = fmt.Sprintf("%s no longer exists; run roster plan again", what)
	case status == http.StatusConflict:
		hint = fmt.Sprintf("%s exists already (made since roster read the account); run roster plan again", what)
	case status == http.StatusBadRequest && ok && s.Error.Status == "FAILED_PRECONDITION":
		hint = "Google Analytics keeps the account's last Administrator and the caller's own binding; change it in the admin UI if it must change"
	case status == http.StatusBadRequest:
		hint = "check the email (it must be a Google account) and the role"
	}
	if hint != "" {
		msg += "; " + hint
	}
	return d.hc.Redact(msg)
}

// apiErr turns an httpc failure into the error roster shows: a refusal
// becomes *driver.APIError with Google's message and what to do.
func (d *Driver) apiErr(err error, addr model.Address, read bool, what string) error {
	var re *httpc.RequestError
	if !errors.As(err, &re) || re.Status == 0 || re.Err != nil {
		if read || addr.IsZero() {
			return err
		}
		return fmt.Errorf("%s: %w", addr, err)
	}
	if !read {
		// The refused request, named in the one line (the brief: team,
		// request and what to do).
		return &driver.APIError{Address: addr, Platform: Platform, Status: re.Status,
			Message: re.Request() + ": " + d.message(re.Status, re.Body, what), Request: re.Request()}
	}
	return &driver.APIError{Address: addr, Platform: Platform, Status: re.Status, Message: d.message(re.Status, re.Body, what),
		Request: re.Request(), Read: read}
}
