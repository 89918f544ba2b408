package httpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
)

// Defaults and limits.
const (
	// DefaultTimeout bounds one request, reading its answer included.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxWait is the longest a call waits for the next clock hour
	// on an hourly budget, in total (--max-wait).
	DefaultMaxWait = 65 * time.Minute
	// MaxBody is the largest answer read; a larger one is an error.
	MaxBody = 32 << 20
)

// ErrBudgetUsedUp is wrapped by the error of a call that stopped because
// the hourly budget was used up and the next hour was past MaxWait.
var ErrBudgetUsedUp = errors.New("the hourly API budget is used up")

// TeamOptions are the Options every driver starts from for team: its
// endpoint, and the run's user agent, clock, debug log, notices (named
// with the team) and --max-wait from opts; platform names it in messages,
// and secrets are hidden in every error and log line. A driver adds its
// Auth and whatever its platform needs.
func TeamOptions(team *driver.Team, opts driver.Options, platform string, secrets ...string) Options {
	return Options{
		BaseURL:   team.Conn.Endpoint,
		UserAgent: opts.UserAgent,
		Clock:     opts.Clock,
		Log:       opts.Log,
		Notify:    kit.TeamNotify(team.Name, opts.Notify),
		MaxWait:   opts.MaxWait,
		Platform:  platform,
		Secrets:   secrets,
		Slots:     opts.Slots,
	}
}

// Options configure a Client. Only BaseURL is required.
type Options struct {
	// BaseURL is the team's endpoint, e.g. "https://eu.posthog.com". It
	// must be https://, except for loopback hosts (127.0.0.1, [::1],
	// localhost), which may use http:// (schema/sync.md).
	BaseURL string
	// Auth sets the credential on each request (a header, usually
	// Authorization). Every header value and query value it sets is
	// learnt as a secret and redacted from logs and errors; headers are
	// never logged anyway.
	Auth func(*http.Request)
	// Renew, when set, is called once when a request gets 401; the
	// request is then repeated once, whatever its method, with Auth
	// called again. Both requests are in the API log. Renew's context
	// disables renewal, so Renew may use this client without looping.
	Renew func(ctx context.Context) error
	// Version is roster's version, for the User-Agent (default "dev").
	Version string
	// UserAgent replaces the default "roster/" + Version.
	UserAgent string
	// Timeout bounds each request (default DefaultTimeout).
	Timeout time.Duration
	// Clock is used for every wait (default driver.RealClock{}).
	Clock driver.Clock
	// Log receives the debug log, one line per request (nil: off). Use
	// DebugLog() for $ROSTER_LOG=debug.
	Log io.Writer
	// Budget paces requests within an hourly allowance (nil: none).
	Budget *Budget
	// MaxWait is the longest one call waits, in total, for the next clock
	// hour on its Budget and for a platform's Retry-After (default
	// DefaultMaxWait). A negative value
	// means never wait: the call stops as soon as the hour is used up.
	// Note that 0 means the default, so map `--max-wait 0` to -1.
	MaxWait time.Duration
	// Notify is told, once per clock hour, that a call waits for the
	// next hour (e.g. printed on stderr). nil: silent.
	Notify func(msg string)
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
	// Slots, when set, bound the requests on the wire across every
	// client that shares them: a request holds one from being sent until
	// its answer is read. Its timeout starts once it has one.
	Slots driver.Slots
	// Platform names the platform in messages ("PostHog", "Piwik PRO",
	// "Plausible"); default: the endpoint's host.
	Platform string
	// Secrets are further strings to redact wherever they might appear
	// (a token, a client secret, a client id:secret pair).
	Secrets []string
	// RateLimited, when set, says which other answers mean "too many
	// requests" and are retried like a 429 (GA4: a 403 whose reason is
	// rateLimitExceeded); RateLimitWait, when positive, is the wait
	// after such an answer or a 429 that has no Retry-After, honoured
	// like one (GA4's quotas refill each minute), instead of the backoff.
	RateLimited   func(status int, body []byte) bool
	RateLimitWait time.Duration
}

// Client calls one platform's API. Safe for concurrent use.
type Client struct {
	base     string
	baseErr  error
	auth     func(*http.Request)
	renew    func(context.Context) error
	ua       string
	timeout  time.Duration
	clock    driver.Clock
	log      io.Writer
	logMu    sync.Mutex
	budget   *Budget
	maxWait  time.Duration
	notify   func(string)
	hc       *http.Client
	platform string
	red      *redactor
	jitter   func(time.Duration) time.Duration
	limited  func(int, []byte) bool
	rateWait time.Duration
	slots    driver.Slots // shared across clients: see Options.Slots
}

// Response is a successful (2xx) answer.
type Response struct {
	Status int
	Header http.Header
	// Body is the whole answer (at most MaxBody bytes).
	Body []byte
	// Gone is true for a DELETE whose retry answered 404: an earlier
	// try deleted it and its answer was lost. Status is then 404 and
	// Body empty.
	Gone bool
	// API lists every request made for the call, retries included:
	// `METHOD path status`, the path without its query string. A request
	// that got no answer has "error" for status. Known secrets are
	// redacted here too, should one ever be part of a path.
	API []string
}

// RequestError is a call that failed: the platform's answer was not 2xx
// after retries, or no answer came, or the call was interrupted or ran
// out of hourly budget. Its message names the request and never holds a
// secret.
type RequestError struct {
	Platform string
	Method   string
	Path     string // without the query string
	// Status is the last HTTP status received, 0 when none.
	Status int
	Header http.Header
	// Body is the last answer's body, secrets redacted, so a driver can
	// extract the platform's own message.
	Body []byte
	// API lists every request made for the call (see Response.API).
	API []string
	// Err is the cause when it is not just a status (network error,
	// context cancellation, ErrBudgetUsedUp, a JSON decoding error).
	Err error
	msg string
}

func (e *RequestError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	s := fmt.Sprintf("%s %s", e.Method, e.Path)
	if e.Platform != "" {
		s = e.Platform + ": " + s
	}
	if e.Status != 0 {
		s += fmt.Sprintf(" answered %d", e.Status)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap is the cause (nil for a plain status).
func (e *RequestError) Unwrap() error { return e.Err }

// Refusal is the RequestError of err when the platform refused the call:
// it answered with a status that is not 2xx, and nothing else went
// wrong. Its body holds the platform's own words.
func Refusal(err error) (*RequestError, bool) {
	var re *RequestError
	if err == nil || !errors.As(err, &re) || re.Status == 0 || re.Err != nil {
		return nil, false
	}
	return re, true
}

// Request is "METHOD path".
func (e *RequestError) Request() string { return e.Method + " " + e.Path }

// redactedError keeps an error's chain (errors.Is) with a redacted text.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

type renewingKey struct{}

type no500RetryKey struct{}

// WithoutRetryOn500 marks the requests made with the returned context as
// not to be repeated on a 500 answer: one whose 500 is the platform's
// answer, not a passing fault (Plausible's guest invitation for a team
// member's email). 429s and the other 5xx (a gateway's 502, 503, 504) are
// still retried, as schema/sync.md says for every method but POST.
func WithoutRetryOn500(ctx context.Context) context.Context {
	return context.WithValue(ctx, no500RetryKey{}, true)
}

var (
	errTooLarge = fmt.Errorf("the answer is larger than %d MiB", MaxBody>>20)
	errRequest  = errors.New("cannot make the request")
)

// New makes a client. A bad BaseURL is reported by every call.
func New(o Options) *Client {
	c := &Client{
		auth:     o.Auth,
		renew:    o.Renew,
		ua:       o.UserAgent,
		timeout:  o.Timeout,
		clock:    o.Clock,
		log:      o.Log,
		budget:   o.Budget,
		maxWait:  o.MaxWait,
		notify:   o.Notify,
		platform: o.Platform,
		red:      newRedactor(o.Secrets, o.Platform),
		jitter:   fullJitter,
		limited:  o.RateLimited,
		rateWait: o.RateLimitWait,
		slots:    o.Slots,
	}
	if c.ua == "" {
		v := o.Version
		if v == "" {
			v = "dev"
		}
		c.ua = "roster/" + v
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.clock == nil {
		c.clock = driver.RealClock{}
	}
	if c.maxWait == 0 {
		c.maxWait = DefaultMaxWait
	}
	c.base, c.baseErr = checkBase(o.BaseURL)
	if c.platform == "" {
		if u, err := url.Parse(o.BaseURL); err == nil && u.Host != "" {
			c.platform = u.Host
		} else {
			c.platform = "The API"
		}
	}
	rt := o.Transport
	if rt == nil {
		rt = http.DefaultTransport.(*http.Transport).Clone()
	}
	c.hc = &http.Client{
		Transport: rt,
		// Never follow redirects: a POST would turn into a GET, and a
		// redirect means the endpoint is wrong.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// checkBase validates the endpoint and returns it without a trailing "/".
func checkBase(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("the team's endpoint is empty; set connection.endpoint")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("the endpoint %q is not a URL such as https://eu.posthog.com", driver.EndpointText(raw))
	}
	if u.Scheme == "http" && !model.LoopbackHost(u.Hostname()) {
		return "", fmt.Errorf("the endpoint %q must use https:// (http:// is allowed only for 127.0.0.1, [::1] and localhost)", driver.EndpointText(raw))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("the endpoint %q must not have a query or fragment", driver.EndpointText(raw))
	}
	return strings.TrimRight(raw, "/"), nil
}

// Redact replaces every known secret in s (Options.Secrets and the
// credential Auth sets) with "[redacted]", for drivers' own messages.
func (c *Client) Redact(s string) string { return c.red.redact(s) }

// Words is the platform's words s as a message quotes them: its secrets
// redacted first, then on one line, escaped and cut (kit.Words), so that
// no cut leaves part of a secret unrecognised.
func (c *Client) Words(s string) string { return kit.Words(c.Redact(s)) }

// AddSecret redacts s too from now on, wherever Redact does: a credential
// a driver makes itself and sends where Auth does not set it (a signed
// assertion in a form body).
func (c *Client) AddSecret(s string) { c.red.add(s) }

// Platform is the platform's name as messages use it.
func (c *Client) Platform() string { return c.platform }

// call is the state of one Do.
type call struct {
	c       *Client
	method  string
	path    string // no query: for the API log and messages
	target  string // path and redacted query: for the debug log
	api     []string
	tries   int
	waited  time.Duration // on the budget
	renewed bool
}

// Do sends method path?query with body (nil: none) and contentType (""
// for none), retrying as the package says, and returns the 2xx answer.
// path is relative to the endpoint, already escaped, and may carry its own
// query, to which query is added. Any other outcome is a *RequestError,
// whose API field, like Response.API, lists every request made.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body []byte, contentType string) (*Response, error) {
	cl := &call{c: c, method: strings.ToUpper(strings.TrimSpace(method))}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	cl.path, _, _ = strings.Cut(path, "?")
	u, err := c.url(path, query)
	if err != nil {
		cl.target = cl.path
		return nil, cl.fail(0, nil, nil, err, fmt.Sprintf("%s: cannot call %s %s: %v", c.platform, cl.method, cl.path, err))
	}
	cl.target = cl.path
	if q := logQuery(u.Query()); q != "" {
		cl.target += "?" + q
	}
	noRenew := ctx.Value(renewingKey{}) != nil
	after429 := false
	for {
		if err := ctx.Err(); err != nil {
			return nil, cl.interrupted(err, "before sending it")
		}
		if err := cl.pace(ctx, after429); err != nil {
			return nil, err
		}
		after429 = false
		cl.tries++
		release, err := cl.slot(ctx)
		if err != nil {
			return nil, err
		}
		res, err := cl.send(ctx, u, body, contentType)
		release()
		if err != nil {
			if ctx.Err() != nil {
				return nil, cl.interrupted(ctx.Err(), "waiting for the answer")
			}
			if errors.Is(err, errTooLarge) || errors.Is(err, errRequest) || !idempotent(cl.method) || cl.tries >= MaxTries {
				return nil, cl.unreachable(err)
			}
			if err := cl.sleep(ctx, c.jitter(backoff(cl.tries)), "no answer"); err != nil {
				return nil, err
			}
			continue
		}
		s := res.Status
		switch {
		case s >= 200 && s < 300:
			res.API = cl.api
			return res, nil
		case s == http.StatusUnauthorized && c.renew != nil && !cl.renewed && !noRenew:
			cl.renewed = true
			cl.tries-- // the repeat after renewal is not a retry
			c.debugf("%s: %s %s got 401; renewing the credential and trying once more", c.platform, cl.method, cl.path)
			if err := c.renew(context.WithValue(ctx, renewingKey{}, true)); err != nil {
				if ctx.Err() != nil {
					return nil, cl.interrupted(ctx.Err(), "renewing the credential")
				}
				return nil, cl.fail(s, res.Header, res.Body, err, fmt.Sprintf(
					"%s refused the credential for %s %s (401) and renewing it failed: %v. Check the team's token.",
					c.platform, cl.method, cl.path, err))
			}
		case s == http.StatusNotFound && cl.method == http.MethodDelete && cl.tries > 1:
			// schema/sync.md, apply point 5: a retried DELETE whose retry
			// answers 404 succeeded; the first answer was lost.
			c.debugf("%s: %s %s answered 404 on a retry: the earlier try deleted it", c.platform, cl.method, cl.path)
			res.API = cl.api
			res.Gone = true
			res.Body = nil
			return res, nil
		case s == http.StatusTooManyRequests || (s >= 500 && idempotent(cl.method) && (s != http.StatusInternalServerError || ctx.Value(no500RetryKey{}) == nil)) || (c.limited != nil && c.limited(s, res.Body)):
			if cl.tries >= MaxTries {
				return nil, cl.statusErr(res)
			}
			limited := s == http.StatusTooManyRequests || (c.limited != nil && c.limited(s, res.Body))
			if d, ok := retryAfter(res.Header, c.clock.Now()); ok {
				if err := cl.retryAfter(ctx, d, res, false); err != nil {
					return nil, err
				}
			} else if limited && c.rateWait > 0 {
				if err := cl.retryAfter(ctx, c.rateWait, res, true); err != nil {
					return nil, err
				}
			} else if s == http.StatusTooManyRequests && c.budget != nil {
				c.budget.exhaust(c.clock.Now())
				after429 = true
			} else if err := cl.sleep(ctx, c.jitter(backoff(cl.tries)), strconv.Itoa(s)); err != nil {
				return nil, err
			}
		default:
			return nil, cl.statusErr(res)
		}
	}
}

// Lines is the request lines of a Do: its answer's API, or its
// *RequestError's (nil for any other error).
func Lines(res *Response, err error) []string {
	var re *RequestError
	switch {
	case res != nil:
		return res.API
	case errors.As(err, &re):
		return re.API
	}
	return nil
}

// Shaped, passed to JSON as out, has the answer checked against Shape
// (kit.Check) before it is decoded into Into: a malformed answer is a
// *RequestError wrapping ErrMalformed, naming the request and what was
// wrong, like a failed call.
type Shaped struct {
	Shape kit.Shape
	Into  any
}

// ErrMalformed is wrapped by the error of a call whose answer does not
// have the shape its caller expects.
var ErrMalformed = errors.New("malformed answer")

// JSON marshals in (nil: no body; contentType defaults to
// application/json), calls Do, and on 2xx unmarshals the answer into out
// (when out is non-nil and the answer non-empty). Both ways are json/v2
// with its defaults (and map keys sorted): a nil list is sent as [],
// never null; an answer's member names match exactly, a repeated one is
// refused and unknown ones are ignored (platforms add fields). It returns
// the call's API log, also on failure; a failure is a *RequestError,
// whose Body keeps the platform's answer.
func (c *Client) JSON(ctx context.Context, method, path string, query url.Values, in, out any, contentType string) ([]string, error) {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in, json.Deterministic(true)) // a map's keys sorted, as encoding/json did
		if err != nil {
			p, _, _ := strings.Cut(path, "?")
			return nil, &RequestError{Platform: c.platform, Method: method, Path: p, Err: err,
				msg: c.red.redact(fmt.Sprintf("%s: cannot encode the body of %s %s: %v", c.platform, method, p, err))}
		}
		body = b
		if contentType == "" {
			contentType = "application/json"
		}
	}
	res, err := c.Do(ctx, method, path, query, body, contentType)
	if err != nil {
		return Lines(nil, err), err
	}
	if sh, ok := out.(Shaped); ok {
		// schema/sync.md, Reading safely: the shape is checked before use.
		if err := kit.Check(res.Body, sh.Shape); err != nil {
			p, _, _ := strings.Cut(path, "?")
			cl := &call{c: c, method: strings.ToUpper(method), path: p, api: res.API}
			return res.API, cl.fail(res.Status, res.Header, res.Body, fmt.Errorf("%w: %v", ErrMalformed, err), fmt.Sprintf(
				"%s answered %s %s with %d, but not in the shape roster expects: %v. Nothing was read from it; try again later, and report it if it persists",
				c.platform, cl.method, p, res.Status, err))
		}
		out = sh.Into
	}
	if out != nil && len(bytes.TrimSpace(res.Body)) > 0 {
		if err := json.Unmarshal(res.Body, out); err != nil {
			p, _, _ := strings.Cut(path, "?")
			cl := &call{c: c, method: strings.ToUpper(method), path: p, api: res.API}
			// json/v2's text quotes the answer's keys, of any length: cut
			// as a platform's words are (kit.Words).
			return res.API, cl.fail(res.Status, res.Header, res.Body, err, fmt.Sprintf(
				"%s answered %s %s with %d, but not with the JSON roster expects: %s", c.platform, cl.method, p, res.Status, c.Words(err.Error())))
		}
	}
	return res.API, nil
}

// url joins the endpoint, path and query.
func (c *Client) url(path string, query url.Values) (*url.URL, error) {
	if c.baseErr != nil {
		return nil, c.baseErr
	}
	u, err := url.Parse(c.base + path)
	if err != nil {
		return nil, fmt.Errorf("the path %q is not valid: %w", path, err)
	}
	if len(query) > 0 {
		q := u.Query()
		for k, vs := range query {
			q[k] = append(q[k], vs...)
		}
		u.RawQuery = q.Encode()
	}
	return u, nil
}

// slot waits for one of the client's Slots (none: at once) and returns
// what gives it back.
func (cl *call) slot(ctx context.Context) (release func(), err error) {
	slots := cl.c.slots
	if slots == nil {
		return func() {}, nil
	}
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-ctx.Done():
		return nil, cl.interrupted(ctx.Err(), "before sending it")
	}
}

// send makes one request and reads its answer whatever its status.
func (cl *call) send(ctx context.Context, u *url.URL, body []byte, contentType string) (*Response, error) {
	c := cl.c
	tctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(tctx, cl.method, u.String(), rd)
	if err != nil {
		cl.api = append(cl.api, c.red.redact(cl.method+" "+cl.path+" error"))
		return nil, fmt.Errorf("%w: %v", errRequest, err)
	}
	req.Header.Set("User-Agent", c.ua)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.auth != nil {
		before, q := req.Header.Clone(), req.URL.RawQuery
		c.auth(req)
		c.red.learn(before, q, req)
	}
	start := time.Now()
	status := "error"
	var res *Response
	resp, err := c.hc.Do(req)
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
		b, rerr := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
		resp.Body.Close()
		switch {
		case rerr != nil:
			err = fmt.Errorf("reading the answer: %w", rerr)
		case len(b) > MaxBody:
			err = errTooLarge
		default:
			res = &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
		}
	}
	if err != nil {
		// A *url.Error repeats the URL, query and all: keep its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctx.Err() == nil && errors.Is(tctx.Err(), context.DeadlineExceeded) {
			err = &redactedError{msg: fmt.Sprintf("no answer within %s", c.timeout), err: err}
		}
	}
	cl.api = append(cl.api, c.red.redact(cl.method+" "+cl.path+" "+status))
	ms := float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		c.debugf("%s: %s %s %s %.1fms: %v", c.platform, cl.method, cl.target, status, ms, err)
	} else {
		c.debugf("%s: %s %s %s %.1fms", c.platform, cl.method, cl.target, status, ms)
	}
	return res, err
}

// pace takes one request from the budget, waiting for the next clock hour
// while the current one is used up, at most MaxWait in total.
func (cl *call) pace(ctx context.Context, after429 bool) error {
	c := cl.c
	if c.budget == nil {
		return nil
	}
	for {
		now := c.clock.Now()
		wait, next, announce := c.budget.take(now)
		if wait <= 0 {
			return nil
		}
		if c.maxWait < 0 || cl.waited+wait > c.maxWait {
			return cl.budgetErr(wait, next, after429)
		}
		var msg string
		if after429 {
			msg = fmt.Sprintf("%s refused a request because the hourly API budget is used up (%d requests an hour); waiting %s for the next hour (%s UTC)",
				c.platform, c.budget.perHour, wait.Round(time.Second), next.Format("15:04"))
		} else {
			msg = fmt.Sprintf("%s allows %d requests an hour; waiting %s for the next hour (%s UTC)",
				c.platform, c.budget.perHour, wait.Round(time.Second), next.Format("15:04"))
		}
		msg = c.red.redact(msg)
		if announce && c.notify != nil {
			c.notify(msg)
		}
		c.debugf("%s (%s %s)", msg, cl.method, cl.path)
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return cl.interrupted(err, "waiting for the next hour")
		}
		cl.waited += wait
		after429 = false
	}
}

// retryAfter honours a Retry-After of d: it waits, saying so through
// Notify, when the call's waits stay within MaxWait in total, and fails
// otherwise (schema/sync.md, Reading safely: honoured up to --max-wait).
// quota is true for Options.RateLimitWait's wait after a quota answer.
func (cl *call) retryAfter(ctx context.Context, d time.Duration, res *Response, quota bool) error {
	c := cl.c
	wait, told := fmt.Sprintf("asked roster to wait %s before trying again (Retry-After)", d.Round(time.Second)), fmt.Sprintf("asked roster to wait %s (Retry-After)", d.Round(time.Second))
	if quota {
		wait = fmt.Sprintf("is over its quota, which refills within %s", d.Round(time.Second))
		told = wait
	}
	if d > 0 && (c.maxWait < 0 || cl.waited+d > c.maxWait) {
		left := max(c.maxWait-cl.waited, 0)
		return cl.fail(res.Status, res.Header, res.Body, ErrWaitTooLong, fmt.Sprintf(
			"%s answered %s %s with %d and %s, more than the %s left of --max-wait; nothing more was sent for it. Run the command again after %s UTC, or raise --max-wait.",
			c.platform, cl.method, cl.path, res.Status, wait, left.Round(time.Second), c.clock.Now().Add(d).UTC().Format("15:04:05")))
	}
	if d > 0 && c.notify != nil {
		c.notify(c.red.redact(fmt.Sprintf("%s answered %s %s with %d and %s; waiting until %s UTC, then trying again",
			c.platform, cl.method, cl.path, res.Status, told, c.clock.Now().Add(d).UTC().Format("15:04:05"))))
	}
	cl.waited += d
	return cl.sleep(ctx, d, fmt.Sprintf("%d with Retry-After", res.Status))
}

// ErrWaitTooLong is wrapped by the error of a call that stopped because
// the platform asked for a wait (Retry-After) longer than MaxWait allows.
var ErrWaitTooLong = errors.New("the platform asked for a longer wait than --max-wait allows")

// sleep waits d before the next try.
func (cl *call) sleep(ctx context.Context, d time.Duration, why string) error {
	c := cl.c
	c.debugf("%s: %s %s: %s; trying again in %s (try %d of %d)", c.platform, cl.method, cl.path, why, d, cl.tries+1, MaxTries)
	if err := c.clock.Sleep(ctx, d); err != nil {
		return cl.interrupted(err, "waiting to try again")
	}
	return nil
}

// fail builds the call's error, redacted.
func (cl *call) fail(status int, h http.Header, body []byte, err error, msg string) *RequestError {
	red := cl.c.red
	if err != nil {
		err = &redactedError{msg: red.redact(err.Error()), err: err}
	}
	var rb []byte
	if body != nil {
		rb = []byte(red.redact(string(body)))
	}
	return &RequestError{
		Platform: cl.c.platform, Method: cl.method, Path: red.redact(cl.path), Status: status, Header: h,
		Body: rb, API: slices.Clone(cl.api), Err: err, msg: red.redact(msg),
	}
}

func (cl *call) interrupted(err error, doing string) *RequestError {
	return cl.fail(0, nil, nil, err, fmt.Sprintf("%s: %s %s was interrupted %s: %s",
		cl.c.platform, cl.method, cl.path, doing, kit.Why(err)))
}

func (cl *call) unreachable(err error) *RequestError {
	return cl.fail(0, nil, nil, err, fmt.Sprintf("%s could not be reached for %s %s%s: %v. Check the team's endpoint and the network.",
		cl.c.platform, cl.method, cl.path, cl.afterTries(), err))
}

func (cl *call) afterTries() string {
	if n := len(cl.api); n > 1 {
		return fmt.Sprintf(" (%d tries)", n)
	}
	return ""
}

func (cl *call) statusErr(res *Response) *RequestError {
	c, s := cl.c, res.Status
	text := strings.TrimSpace(fmt.Sprintf("%d %s", s, http.StatusText(s)))
	var msg string
	switch {
	case s == http.StatusUnauthorized:
		msg = fmt.Sprintf("%s refused the credential for %s %s (%s)", c.platform, cl.method, cl.path, text)
		if cl.renewed {
			msg += " even after renewing it"
		}
		msg += snippet(res.Body) + ". Check the team's token."
	case s >= 300 && s < 400:
		msg = fmt.Sprintf("%s answered %s %s with %s, a redirect to %q that roster does not follow; check the team's endpoint",
			c.platform, cl.method, cl.path, text, res.Header.Get("Location"))
	default:
		msg = fmt.Sprintf("%s answered %s %s with %s%s%s", c.platform, cl.method, cl.path, text, cl.afterTries(), snippet(res.Body))
	}
	return cl.fail(s, res.Header, res.Body, nil, msg)
}

func (cl *call) budgetErr(wait time.Duration, next time.Time, after429 bool) *RequestError {
	c := cl.c
	mw := max(c.maxWait, 0)
	msg := fmt.Sprintf("%s: %s %s stopped: %s (%d requests an hour); waited %s of the %s allowed (--max-wait), and waiting for the next hour (%s UTC) would take %s more. Run the command again after %s UTC, or raise --max-wait.",
		c.platform, cl.method, cl.path, ErrBudgetUsedUp, c.budget.perHour, cl.waited.Round(time.Second), mw,
		next.Format("15:04"), wait.Round(time.Second), next.Format("15:04"))
	status := 0
	if after429 {
		status = http.StatusTooManyRequests
	}
	return cl.fail(status, nil, nil, ErrBudgetUsedUp, msg)
}

// snippet is ": " and the start of an answer's body on one line, or "".
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if s == "" {
		return ""
	}
	const limit = 300
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return ": " + s
}

// debugf writes one redacted line to the debug log.
func (c *Client) debugf(format string, args ...any) {
	if c.log == nil {
		return
	}
	line := "debug: " + c.red.redact(fmt.Sprintf(format, args...)) + "\n"
	c.logMu.Lock()
	defer c.logMu.Unlock()
	io.WriteString(c.log, line)
}
