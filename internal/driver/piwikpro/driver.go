package piwikpro

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
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
const Platform = "Piwik PRO"

// JSONAPI is the media type of every request body (piwikpro.md: any
// other gives 400 error.json-api-content-type).
const JSONAPI = "application/vnd.api+json"

// Limits the driver keeps to (piwikpro.md, rate limits: 60 writes and 600
// reads a minute; the scope is unknown, so they are kept per driver).
const (
	WritesPerMinute = 60
	ReadsPerMinute  = 600
)

// tokenMargin is how long before its expiry a token is replaced.
const tokenMargin = 60 * time.Second

// defaultTokenLife is the token's life when the answer does not say.
const defaultTokenLife = 30 * time.Minute

// Driver is the Piwik PRO driver of one team.
type Driver struct {
	team     *driver.Team
	clock    driver.Clock
	notify   func(string)
	hc       *httpc.Client // the API, with the bearer token
	tc       *httpc.Client // POST /auth/token, without it
	parallel int

	clientID, secret string
	credErr          error
	tokens           kit.Tokens

	writes, reads *pacer

	refreshed bool
	st        *state
	siteIDs   map[string]string // declared site name → app id
	siteOf    map[string]string // app id → declared site name
	pages     pages
	run       *run
	// elsewhere maps users to the undeclared apps where they hold
	// access.
	elsewhere map[string][]string
}

// pages counts the list pages the last refresh read, for Cost.
type pages struct{ users, apps, groups, groupUsers, perms int }

// New makes the driver of a team. team.Token is CLIENT_ID:CLIENT_SECRET;
// a token without ':' makes every call fail with a message saying so.
func New(team *driver.Team, opts Options) driver.Driver { return newDriver(team, opts, nil) }

func newDriver(team *driver.Team, opts Options, transport http.RoundTripper) *Driver {
	d := &Driver{team: team, clock: opts.Clock, notify: opts.Notify, parallel: kit.Limit(opts.Parallelism)}
	if d.clock == nil {
		d.clock = driver.RealClock{}
	}
	id, secret, ok := strings.Cut(team.Token, ":")
	id, secret = strings.TrimSpace(id), strings.TrimSpace(secret)
	if !ok || id == "" || secret == "" {
		env := team.Conn.TokenEnv
		if env == "" {
			env = "the team's token variable"
		} else {
			env = "$" + env
		}
		d.credErr = fmt.Errorf("team %s: %s must hold a Piwik PRO API key as CLIENT_ID:CLIENT_SECRET (the client id, a colon, then the client secret, from Menu > Profile > API keys)", team.Name, env)
	}
	d.clientID, d.secret = id, secret
	secrets := []string{team.Token, id, secret}
	common := httpc.Options{
		BaseURL:   team.Conn.Endpoint,
		UserAgent: opts.UserAgent,
		Clock:     d.clock,
		Log:       opts.Log,
		Notify:    kit.TeamNotify(team.Name, opts.Notify),
		MaxWait:   opts.MaxWait,
		Platform:  Platform,
		Secrets:   secrets,
		Transport: transport,
	}
	d.tokens = kit.Tokens{Fetch: d.fetchToken, Now: d.clock.Now, Margin: tokenMargin}
	api := common
	api.Auth = d.tokens.Auth
	api.Renew = d.tokens.Renew
	d.hc = httpc.New(api)
	d.tc = httpc.New(common)
	d.writes = newPacer(d.clock, WritesPerMinute, func(wait time.Duration) {
		if d.notify != nil {
			d.notify(fmt.Sprintf("%s accepts about %d changes a minute; roster paces its requests (waiting %s)", Platform, WritesPerMinute, wait.Round(time.Second)))
		}
	})
	d.reads = newPacer(d.clock, ReadsPerMinute, nil)
	return d
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
func (d *Driver) fetchToken(ctx context.Context) (string, time.Duration, []string, error) {
	if err := d.pace(ctx, d.writes); err != nil {
		return "", 0, nil, err
	}
	body := map[string]string{"grant_type": "client_credentials", "client_id": d.clientID, "client_secret": d.secret}
	var out tokenAnswer
	lines, err := d.tc.JSON(ctx, "POST", "/auth/token", nil, body, httpc.Shaped{Shape: tokenShape, Into: &out}, "application/json")
	d.writes.note(len(lines) - 1)
	if err != nil {
		if re, ok := httpc.Refusal(err); ok {
			return "", 0, lines, &driver.APIError{Platform: Platform, Status: re.Status, Request: re.Request(), Read: true,
				Message: fmt.Sprintf("%s; check that %s holds the CLIENT_ID:CLIENT_SECRET of a valid Piwik PRO API key",
					d.hc.Redact(errorMessage(re.Body, re.Status)), d.tokenEnv())}
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

func (d *Driver) tokenEnv() string {
	if d.team.Conn.TokenEnv != "" {
		return "$" + d.team.Conn.TokenEnv
	}
	return "the team's token variable"
}

// subject reads the `sub` claim of a JWT without checking its signature
// (roster only learns whose key it holds; the API checks the token).
func subject(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return ""
	}
	return claims.Sub
}

// --- calls --------------------------------------------------------------------

// call makes one API call: a token first when needed, paced, then the
// request (retried and renewed by httpc). Its API lines list every
// request made for it, token requests included, in order.
func (d *Driver) call(ctx context.Context, method, path string, q url.Values, in, out any) ([]string, error) {
	if d.credErr != nil {
		return nil, d.credErr
	}
	ctx, tc := kit.WithTokenCall(ctx)
	if err := d.tokens.Ensure(ctx, tc); err != nil {
		return tc.Pre(), err
	}
	p := d.writes
	if method == http.MethodGet {
		p = d.reads
	}
	if err := d.pace(ctx, p); err != nil {
		return tc.Pre(), err
	}
	ctype := ""
	if in != nil {
		ctype = mediaType(method, path)
	}
	api, err := d.hc.JSON(ctx, method, path, q, in, out, ctype)
	p.note(len(api) - 1)
	return tc.Lines(api), err
}

// mediaType is the Content-Type of a request body, as the published
// documents declare it (../shared/apis/openapi/piwikpro): the user groups
// API v1 creates a group from application/json
// (user_groups__public_v1.yaml, POST /api/user-groups/v1); every other
// endpoint roster writes to takes JSON:API. The contract test
// (internal/driver/openapitest) checks each request against them.
func mediaType(method, path string) string {
	if method == http.MethodPost && strings.TrimSuffix(path, "/") == "/api/user-groups/v1" {
		return "application/json"
	}
	return JSONAPI
}

// pace waits for room in p.
func (d *Driver) pace(ctx context.Context, p *pacer) error {
	if err := p.wait(ctx); err != nil {
		return fmt.Errorf("%s: interrupted while pacing the requests: %w", Platform, err)
	}
	return nil
}

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
			return strings.Join(parts, "; ")
		}
		if eb.Message != "" {
			return eb.Message
		}
		if eb.Error != "" {
			return eb.Error
		}
	}
	msg := strings.Join(strings.Fields(string(body)), " ")
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	if msg == "" {
		msg = fmt.Sprintf("HTTP %d", status)
	}
	return msg
}

// apiErr turns an httpc failure into the error roster shows: a refusal
// (an HTTP status) becomes *driver.APIError with Piwik PRO's own message.
func apiErr(err error, addr model.Address, read bool) error {
	var ae *driver.APIError
	if errors.As(err, &ae) {
		if !read {
			c := *ae
			c.Address, c.Read = addr, false
			return &c
		}
		return err
	}
	var re *httpc.RequestError
	if !errors.As(err, &re) || re.Status == 0 || re.Err != nil {
		if read || addr.IsZero() {
			return err
		}
		return fmt.Errorf("%s: %w", addr, err)
	}
	return &driver.APIError{Address: addr, Platform: Platform, Status: re.Status, Message: errorMessage(re.Body, re.Status),
		Request: re.Request(), Read: read}
}
