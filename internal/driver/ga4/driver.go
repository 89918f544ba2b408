package ga4

import (
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
	"github.com/roster-dev/roster/internal/plan"
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

// The per-user quotas of the Admin API (ga4.md, Rate limits: the user is
// the service account): every request counts against RequestsPerMinute,
// a create, patch or delete against WritesPerMinute as well. The driver
// paces its requests to keep both, by its clock.
const (
	RequestsPerMinute = 600
	WritesPerMinute   = 180
)

// Driver is the GA4 driver of one team.
type Driver struct {
	team     *driver.Team
	clock    driver.Clock
	parallel int
	notify   func(string)
	c        *client // the Admin API

	refreshed bool
	live      *liveState
	mootSkip  map[model.Address]bool // declared grants the refresh found moot, with no live binding
	run       []plan.Change          // the changes Begin announced, in apply order
	made      map[model.Address]bool // changes of run made ahead, as a handover's first step
}

// quotas pace the requests and the writes of one service account.
type quotas struct{ requests, writes *kit.Pacer }

// New makes the driver of a team. team.Token is the whole JSON key file
// of a Google Cloud service account; a token that is not one makes every
// call fail with a message saying so.
func New(team *driver.Team, opts Options) driver.Driver { return newDriver(team, opts, nil) }

func newDriver(team *driver.Team, opts Options, transport http.RoundTripper) *Driver {
	d := &Driver{team: team, clock: opts.Clock, notify: opts.Notify, parallel: kit.Limit(opts.Parallelism)}
	if d.clock == nil {
		d.clock = driver.RealClock{}
	}
	c := &client{clock: d.clock, tokenEnv: d.tokenEnv()}
	d.c = c
	c.tokens = kit.Tokens{Fetch: c.fetchToken, Now: d.clock.Now}
	// The redactor hides any 8 characters of a secret, so it gets the
	// key file's secret parts only (the private key and its id): the
	// whole file would hide its public parts too (the service account's
	// email, Google's URLs), which the error messages must name. A file
	// that does not parse stays secret whole.
	var secrets []string
	k, err := parseKey(team.Token)
	if err != nil {
		secrets = append(secrets, team.Token)
		c.keyErr = fmt.Errorf("%s %s; put the whole JSON key file of a service account in it (Google Cloud console > IAM > Service accounts > Keys > Add key > JSON), and add the service account's email to the Google Analytics account as an Administrator", d.tokenEnv(), err)
	} else {
		c.key = k
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
	// ga4.md, Rate limits: the minute's quotas are the service
	// account's, so the teams of a run that use one key share them.
	shared, email := opts.Shared, ""
	if c.key == nil {
		shared = nil // no service account: nothing to share (every call fails)
	} else {
		email = c.key.email
	}
	q := shared.Get(Platform+" quotas of "+email, func() any {
		return &quotas{
			requests: kit.NewPacer(d.clock, RequestsPerMinute, d.announce(RequestsPerMinute, "requests")),
			writes:   kit.NewPacer(d.clock, WritesPerMinute, d.announce(WritesPerMinute, "changes")),
		}
	}).(*quotas)
	c.requests, c.writes = q.requests, q.writes
	common := httpc.TeamOptions(team, opts, Platform, secrets...)
	common.Clock, common.Transport = d.clock, transport
	// ga4.md, Rate limits: over quota is 429 RESOURCE_EXHAUSTED, or a 403
	// whose reason is rateLimitExceeded; both wait a minute.
	common.RateLimited, common.RateLimitWait = rateLimited, RateLimitWait
	api := common
	api.Auth = c.tokens.Auth
	api.Renew = c.tokens.Renew
	c.hc = httpc.New(api)
	tokOpts := common
	tokOpts.BaseURL, c.tokenPath, c.tokenAud = tokenEndpoint(team.Conn.Endpoint, c.key)
	c.tc = httpc.New(tokOpts)
	return d
}

// tokenEndpoint is where the token is asked for: the key's token_uri, or,
// when the team's endpoint is a loopback address (a test server standing
// in for Google, $ROSTER_ENDPOINT_<TEAM>), that server's /token.
func tokenEndpoint(endpoint string, k *key) (base, path, aud string) {
	if u, err := url.Parse(strings.TrimSpace(endpoint)); err == nil && isLoopback(u.Hostname()) {
		base = strings.TrimRight(u.String(), "/")
		return base, "/token", base + "/token"
	}
	uri := DefaultTokenURI
	if k != nil {
		uri = k.tokenURI
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
	if d.c.key == nil {
		return ""
	}
	return d.c.key.email
}

// announce tells the user, once a pacer first waits, why roster waits.
func (d *Driver) announce(perMinute int, what string) func(time.Duration) {
	return func(wait time.Duration) {
		if d.notify != nil {
			d.notify(fmt.Sprintf("%s accepts about %d %s a minute; roster paces its requests (waiting %s)", Platform, perMinute, what, wait.Round(time.Second)))
		}
	}
}
