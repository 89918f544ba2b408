package matomo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
)

// Options are the driver's options: those every driver takes.
type Options = driver.Options

// Platform is the platform's name in messages.
const Platform = "Matomo"

// MinVersion is the oldest Matomo a connected team may run (matomo.md,
// Version differences: inviteUser since 4.11, generateInviteLink and the
// deleteUser rules the driver relies on since 4.12).
var MinVersion = version{4, 12, 0}

// BearerSince is the first version whose core reads the token from an
// `Authorization: Bearer` header (matomo.md, Auth: [AUTHTOK]; a third party
// says 5.4). From it on the driver sends the header too, with the same
// token as the POST body (a different one is a 400).
var BearerSince = version{5, 4, 0}

// InviteExpiryDays is the expiryInDays of every invitation and resend
// (matomo.md: inviteUser defaults to the config's 7, resendInvite to 7).
const InviteExpiryDays = 7

// pageSize is the limit of each getUsersPlusRole page (matomo.md, What a
// reconciler must do).
const pageSize = 100

// Pacing (matomo.md, Rate limits: Matomo Cloud allows 350 requests a
// minute per IP; safe reading is at most 5 a second per team): requests
// start at most RequestsPerSecond a second, after a burst of Burst.
const (
	RequestsPerSecond = 5
	Burst             = 10
)

// APIPath is the one endpoint of Matomo's HTTP API.
const APIPath = "/index.php"

// Driver is the Matomo driver of one team: one instance.
type Driver struct {
	team     *driver.Team
	hc       *httpc.Client
	parallel int
	token    string

	version version // read once by the first refresh
	bearer  bool

	clock  driver.Clock
	paceMu sync.Mutex
	tat    time.Time // when the next request is due, were there no burst

	refreshed bool
	st        *state
	siteIDs   map[string]string // declared site name → idsite
	siteOf    map[string]string // idsite → declared site name
	pages     int               // getUsersPlusRole pages the refresh read
	run       *run
}

// New makes the driver of a team. team.Token is a superuser's token_auth;
// team.Conn.AccountID is that superuser's login.
func New(team *driver.Team, opts Options) driver.Driver { return newDriver(team, opts, nil) }

func newDriver(team *driver.Team, opts Options, transport http.RoundTripper) *Driver {
	d := &Driver{team: team, parallel: kit.Limit(opts.Parallelism), token: strings.TrimSpace(team.Token)}
	clock := opts.Clock
	if clock == nil {
		clock = driver.RealClock{}
	}
	d.clock = clock
	d.hc = httpc.New(httpc.Options{
		BaseURL:   team.Conn.Endpoint,
		UserAgent: opts.UserAgent,
		Clock:     clock,
		Log:       opts.Log,
		Notify:    kit.TeamNotify(team.Name, opts.Notify),
		MaxWait:   opts.MaxWait,
		Platform:  Platform,
		Secrets:   []string{team.Token, d.token},
		Transport: transport,
		Auth:      d.auth,
	})
	return d
}

// auth adds the Bearer header on servers that read it; the token always
// travels in the POST body as well (matomo.md: safe on 4.x and every 5.x).
func (d *Driver) auth(r *http.Request) {
	if d.bearer {
		r.Header.Set("Authorization", "Bearer "+d.token)
	}
}

// --- versions ---------------------------------------------------------------

type version [3]int

func parseVersion(s string) (version, bool) {
	var v version
	core, _, _ := strings.Cut(strings.TrimSpace(s), "-")
	parts := strings.Split(core, ".")
	if len(parts) < 2 {
		return v, false
	}
	for i := 0; i < len(parts) && i < 3; i++ {
		n, err := strconv.Atoi(parts[i])
		if err != nil || n < 0 {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

func (v version) less(w version) bool {
	for i := range v {
		if v[i] != w[i] {
			return v[i] < w[i]
		}
	}
	return false
}

func (v version) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

func (v version) short() string {
	if v[2] == 0 {
		return fmt.Sprintf("%d.%d", v[0], v[1])
	}
	return v.String()
}

// --- calls ------------------------------------------------------------------

// apiLine is how a request appears in the plan's cost, evidence and errors:
// Matomo has one path, so the API method follows it.
func apiLine(method string) string { return "POST " + APIPath + "?method=" + method }

// call makes one API call: POST index.php with every parameter, the token
// included, in the form body, and format=JSON. An answer is used only
// once it is JSON, is not Matomo's error body (which comes with HTTP 200
// for most failures: matomo.md, Response format) and has shape; it is then
// decoded into out. It returns the requests made (apiLine, status) and the
// answer's headers.
func (d *Driver) call(ctx context.Context, method string, params url.Values, shape kit.Shape, out any) ([]string, http.Header, error) {
	form := url.Values{}
	for k, vs := range params {
		form[k] = append([]string(nil), vs...)
	}
	form.Set("module", "API")
	form.Set("method", method)
	form.Set("format", "JSON")
	form.Set("token_auth", d.token)
	if err := d.pace(ctx); err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", Platform, method, err)
	}
	res, err := d.hc.Do(ctx, http.MethodPost, APIPath, nil, []byte(form.Encode()), "application/x-www-form-urlencoded")
	var api []string
	fix := func(lines []string) []string {
		out := make([]string, len(lines))
		for i, l := range lines {
			out[i] = strings.Replace(l, "POST "+APIPath+" ", apiLine(method)+" ", 1)
		}
		return out
	}
	if err != nil {
		var re *httpc.RequestError
		if !errors.As(err, &re) {
			return nil, nil, fmt.Errorf("%s %s: %w", Platform, method, err)
		}
		api = fix(re.API)
		if re.Status == 0 || re.Err != nil {
			return api, nil, &callError{method: method, err: err, msg: strings.Replace(re.Error(), "POST "+APIPath, method, 1)}
		}
		msg, isJSON := errorBody(re.Body)
		if !isJSON {
			msg = fmt.Sprintf("an HTTP %d answer that is not JSON (a server error in Matomo; an unknown capability gives one under PHP 8)%s", re.Status, snippet(re.Body))
		} else if re.Status == http.StatusUnauthorized {
			msg += " Check the team's token: roster needs the token_auth of a superuser (Administration → Personal → Security)."
		}
		return api, re.Header, &driver.APIError{Platform: Platform, Status: re.Status, Message: msg, Request: method, Read: true}
	}
	api = fix(res.API)
	if !json.Valid(res.Body) {
		return api, res.Header, &callError{method: method, msg: fmt.Sprintf("%s answered %s with HTTP %d, but not with JSON%s; nothing was read from it", Platform, method, res.Status, snippet(res.Body))}
	}
	if msg, isErr := errorResult(res.Body); isErr {
		return api, res.Header, &driver.APIError{Platform: Platform, Status: res.Status, Message: msg, Request: method, Read: true}
	}
	if shape != nil {
		if err := kit.Check(res.Body, shape); err != nil {
			return api, res.Header, &callError{method: method, err: httpc.ErrMalformed, msg: fmt.Sprintf(
				"%s answered %s with HTTP %d, but not in the shape roster expects: %v. Nothing was read from it; try again later, and report it if it persists",
				Platform, method, res.Status, err)}
		}
	}
	if out != nil {
		dec := json.NewDecoder(bytes.NewReader(res.Body))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			return api, res.Header, &callError{method: method, err: err, msg: fmt.Sprintf("%s answered %s with JSON roster cannot read: %v", Platform, method, err)}
		}
	}
	return api, res.Header, nil
}

// pace holds a request until it fits RequestsPerSecond after a Burst
// (a virtual-scheduling rate limit: it never loops on the clock).
func (d *Driver) pace(ctx context.Context) error {
	const interval = time.Second / RequestsPerSecond
	d.paceMu.Lock()
	now := d.clock.Now()
	if d.tat.Before(now) {
		d.tat = now
	}
	wait := d.tat.Sub(now) - (Burst-1)*interval
	d.tat = d.tat.Add(interval)
	d.paceMu.Unlock()
	if wait <= 0 {
		return nil
	}
	return d.clock.Sleep(ctx, wait)
}

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
	if json.Valid(body) && len(bytes.TrimSpace(body)) > 0 {
		return "an error answer without Matomo's message" + snippet(body), true
	}
	return "", false
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// snippet is ": " and the start of a body on one line, or "".
func snippet(body []byte) string {
	s := oneLine(string(body))
	if s == "" {
		return ""
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return ": " + s
}

// changeErr turns a call's error into the error of the change at addr.
func changeErr(err error, addr model.Address) error {
	var ae *driver.APIError
	if errors.As(err, &ae) {
		c := *ae
		c.Address, c.Read = addr, false
		c.Message = ae.Request + ": " + ae.Message
		return &c
	}
	return fmt.Errorf("%s: %w", addr, err)
}
