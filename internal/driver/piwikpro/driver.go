package piwikpro

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/driver/kit"
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
	api      *Client
	parallel int

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
type pages struct{ users, apps, metaSites, groups, groupUsers, perms int }

// New makes the driver of a team. team.Token is CLIENT_ID:CLIENT_SECRET;
// a token without ':' makes every call fail with a message saying so.
func New(team *driver.Team, opts Options) driver.Driver { return newDriver(team, opts, nil) }

func newDriver(team *driver.Team, opts Options, transport http.RoundTripper) *Driver {
	d := &Driver{team: team, clock: opts.Clock, notify: opts.Notify, parallel: kit.Limit(opts.Parallelism)}
	if d.clock == nil {
		d.clock = driver.RealClock{}
	}
	c := &Client{tokenEnv: driver.TokenVar(team.Conn.TokenEnv)}
	id, secret, ok := strings.Cut(team.Token, ":")
	id, secret = strings.TrimSpace(id), strings.TrimSpace(secret)
	if !ok || id == "" || secret == "" {
		c.credErr = fmt.Errorf("%s must hold a Piwik PRO API key as CLIENT_ID:CLIENT_SECRET (the client id, a colon, then the client secret, from Menu > Profile > API keys)", c.tokenEnv)
	}
	c.clientID, c.secret = id, secret
	secrets := []string{team.Token, id, secret}
	common := httpc.TeamOptions(team, opts, Platform, secrets...)
	common.Clock, common.Transport = d.clock, transport
	c.tokens = kit.Tokens{Fetch: c.fetchToken, Now: d.clock.Now, Margin: tokenMargin}
	api := common
	api.Auth = c.tokens.Auth
	api.Renew = c.tokens.Renew
	c.hc = httpc.New(api)
	c.tc = httpc.New(common)
	c.writes = kit.NewPacer(d.clock, WritesPerMinute, func(wait time.Duration) {
		if d.notify != nil {
			d.notify(fmt.Sprintf("%s accepts about %d changes a minute; roster paces its requests (waiting %s)", Platform, WritesPerMinute, wait.Round(time.Second)))
		}
	})
	c.reads = kit.NewPacer(d.clock, ReadsPerMinute, nil)
	d.api = c
	return d
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
