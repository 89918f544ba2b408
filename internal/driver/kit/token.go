package kit

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Tokens caches the bearer token of an OAuth-style platform (Piwik PRO's
// client credentials, a Google service account's signed assertion): it
// fetches one before the first call, again when the cached one is about
// to expire, and again after a 401 unless another call renewed it in the
// meantime. Safe for concurrent use; Fetch runs with the cache locked, so
// one token request is in flight at a time.
//
// A call's token requests are kept in its TokenCall, so that the call's
// API lines can list them where they happened (TokenCall.Lines). Auth and
// Renew fit httpc.Options.Auth and Renew.
type Tokens struct {
	// Fetch gets a new token and says how long it may be used, with the
	// API lines of the requests it made (also when it fails).
	Fetch func(ctx context.Context) (token string, life time.Duration, api []string, err error)
	// Now is the clock the token's life is counted on.
	Now func() time.Time
	// Margin: a token is replaced this long before it expires.
	Margin time.Duration

	mu      sync.Mutex
	token   string
	gen     int // counts the tokens fetched
	expires time.Time
}

// TokenCall follows one API call: the token generation its last request
// carried and the token requests made for it.
type TokenCall struct {
	mu      sync.Mutex
	gen     int
	pre     []string // a token fetched before the call
	renewed []string // a token fetched after a 401
}

type tokenCallKey struct{}

// WithTokenCall starts the record of one call, found again by Auth and
// Renew through the context.
func WithTokenCall(ctx context.Context) (context.Context, *TokenCall) {
	c := &TokenCall{}
	return context.WithValue(ctx, tokenCallKey{}, c), c
}

func tokenCallOf(ctx context.Context) *TokenCall {
	c, _ := ctx.Value(tokenCallKey{}).(*TokenCall)
	return c
}

// Ensure fetches a token when there is none or the cached one expires
// within Margin; the requests made are the call's first lines.
func (t *Tokens) Ensure(ctx context.Context, c *TokenCall) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token != "" && t.Now().Before(t.expires.Add(-t.Margin)) {
		return nil
	}
	lines, err := t.fetch(ctx)
	c.mu.Lock()
	c.pre = append(c.pre, lines...)
	c.mu.Unlock()
	return err
}

// Auth sets the Authorization header of r to the cached token and notes
// the token's generation in the call of r's context (WithTokenCall).
func (t *Tokens) Auth(r *http.Request) { t.AuthCall(r, tokenCallOf(r.Context())) }

// Renew fetches a new token after a 401, unless another call renewed it
// since the request of ctx's call (WithTokenCall) was sent.
func (t *Tokens) Renew(ctx context.Context) error { return t.RenewCall(ctx, tokenCallOf(ctx)) }

// AuthCall is Auth with the call c (nil: none) given.
func (t *Tokens) AuthCall(r *http.Request, c *TokenCall) {
	t.mu.Lock()
	tok, gen := t.token, t.gen
	t.mu.Unlock()
	if c != nil {
		c.mu.Lock()
		c.gen = gen
		c.mu.Unlock()
	}
	r.Header.Set("Authorization", "Bearer "+tok)
}

// RenewCall is Renew with the call c (nil: none) given.
func (t *Tokens) RenewCall(ctx context.Context, c *TokenCall) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c != nil {
		c.mu.Lock()
		stale := c.gen != t.gen
		c.mu.Unlock()
		if stale {
			return nil
		}
	}
	lines, err := t.fetch(ctx)
	if c != nil {
		c.mu.Lock()
		c.renewed = append(c.renewed, lines...)
		c.mu.Unlock()
	}
	return err
}

// fetch replaces the token (t.mu held).
func (t *Tokens) fetch(ctx context.Context) ([]string, error) {
	tok, life, lines, err := t.Fetch(ctx)
	if err != nil {
		return lines, err
	}
	t.token, t.expires = tok, t.Now().Add(life)
	t.gen++
	return lines, nil
}

// Token is the cached token ("" before the first).
func (t *Tokens) Token() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.token
}

// Pre is the token requests made before the call.
func (c *TokenCall) Pre() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.pre...)
}

// Renewed is the token requests made after a 401.
func (c *TokenCall) Renewed() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.renewed...)
}

// Lines are the call's API lines with its token requests where they
// happened: those before the call first, those after a 401 right after
// it.
func (c *TokenCall) Lines(api []string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.pre)+len(api)+len(c.renewed))
	out = append(out, c.pre...)
	placed := len(c.renewed) == 0
	for _, l := range api {
		out = append(out, l)
		if !placed && strings.HasSuffix(l, " 401") {
			out = append(out, c.renewed...)
			placed = true
		}
	}
	if !placed {
		out = append(out, c.renewed...)
	}
	return out
}
