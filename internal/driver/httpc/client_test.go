package httpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/fakeclock"
	"github.com/roster-dev/roster/internal/model"
)

const ms = time.Millisecond

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		steps     []step
		wantAPI   []string
		wantErr   string // substring; "" for success
		wantSleep []time.Duration
	}{
		{"GET 500 then 200", "GET", []step{{status: 500}, {status: 200}},
			[]string{"GET /x 500", "GET /x 200"}, "", []time.Duration{200 * ms}},
		{"PUT 503 502 then 200", "PUT", []step{{status: 503}, {status: 502}, {status: 200}},
			[]string{"PUT /x 503", "PUT /x 502", "PUT /x 200"}, "", []time.Duration{200 * ms, 400 * ms}},
		{"PATCH 429 then 200", "PATCH", []step{{status: 429}, {status: 200}},
			[]string{"PATCH /x 429", "PATCH /x 200"}, "", []time.Duration{200 * ms}},
		{"POST 500 not retried", "POST", []step{{status: 500, body: `{"error":"internal server error"}`}},
			[]string{"POST /x 500"}, `Testing answered POST /x with 500 Internal Server Error: {"error":"internal server error"}`, nil},
		{"POST 429 retried", "POST", []step{{status: 429}, {status: 201}},
			[]string{"POST /x 429", "POST /x 201"}, "", []time.Duration{200 * ms}},
		{"DELETE 500 five times", "DELETE", []step{{status: 500, body: "boom"}},
			[]string{"DELETE /x 500", "DELETE /x 500", "DELETE /x 500", "DELETE /x 500", "DELETE /x 500"},
			"Testing answered DELETE /x with 500 Internal Server Error (5 tries): boom",
			[]time.Duration{200 * ms, 400 * ms, 800 * ms, 1600 * ms}},
		{"GET 429 five times", "GET", []step{{status: 429}},
			[]string{"GET /x 429", "GET /x 429", "GET /x 429", "GET /x 429", "GET /x 429"},
			"with 429 Too Many Requests (5 tries)", []time.Duration{200 * ms, 400 * ms, 800 * ms, 1600 * ms}},
		{"GET 404 not retried", "GET", []step{{status: 404, body: "Site could not be found"}},
			[]string{"GET /x 404"}, "Testing answered GET /x with 404 Not Found: Site could not be found", nil},
		{"POST 400 not retried", "POST", []step{{status: 400}},
			[]string{"POST /x 400"}, "with 400 Bad Request", nil},
		{"redirect not followed", "GET", []step{{status: 302, header: map[string]string{"Location": "https://elsewhere.example/"}}},
			[]string{"GET /x 302"}, `a redirect to "https://elsewhere.example/"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := script(t, tt.steps...)
			fc := fakeclock.New(t0)
			c := newTest(srv.URL, fc, Options{})
			res, err := c.Do(context.Background(), tt.method, "/x", nil, nil, "")
			var api []string
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				api = res.API
			} else {
				var re *RequestError
				if !errors.As(err, &re) {
					t.Fatalf("Do: err = %v, want a *RequestError", err)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not contain %q", err, tt.wantErr)
				}
				if re.Method != tt.method || re.Path != "/x" || re.Request() != tt.method+" /x" {
					t.Errorf("error names %s, want %s /x", re.Request(), tt.method)
				}
				api = re.API
			}
			if diff := cmp.Diff(tt.wantAPI, api); diff != "" {
				t.Errorf("API log (-want +got):\n%s", diff)
			}
			if got := len(srv.Hits()); got != len(tt.wantAPI) {
				t.Errorf("server saw %d requests, want %d", got, len(tt.wantAPI))
			}
			if diff := cmp.Diff(tt.wantSleep, fc.Slept()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   time.Duration
	}{
		{"seconds", "3", 3 * time.Second},
		{"zero", "0", 0},
		{"date", t0.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second},
		{"past date", t0.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"long seconds, not capped", "120", 120 * time.Second},
		{"an hour's date, within the default --max-wait", t0.Add(time.Hour).Format(http.TimeFormat), time.Hour},
		{"unreadable falls back to backoff", "soon", FirstBackoff},
		{"negative falls back to backoff", "-5", FirstBackoff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, status := range []int{429, 503} {
				srv := script(t, step{status: status, header: map[string]string{"Retry-After": tt.header}}, step{status: 200})
				fc := fakeclock.New(t0)
				c := newTest(srv.URL, fc, Options{})
				if _, err := c.Do(context.Background(), "GET", "/x", nil, nil, ""); err != nil {
					t.Fatalf("Do: %v", err)
				}
				if diff := cmp.Diff([]time.Duration{tt.want}, fc.Slept()); diff != "" {
					t.Errorf("%d: sleeps (-want +got):\n%s", status, diff)
				}
			}
		})
	}
}

func TestBackoffCeiling(t *testing.T) {
	want := []time.Duration{200 * ms, 400 * ms, 800 * ms, 1600 * ms, 2000 * ms, 2000 * ms, 2000 * ms}
	for i, w := range want {
		if got := backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	for n := 1; n < 40; n++ {
		for range 50 {
			if d := fullJitter(backoff(n)); d < 0 || d > backoff(n) || d > MaxBackoff {
				t.Fatalf("fullJitter(backoff(%d)) = %v, outside [0, %v]", n, d, backoff(n))
			}
		}
	}
	if d := fullJitter(0); d != 0 {
		t.Errorf("fullJitter(0) = %v", d)
	}
}

func TestBackoffWithJitter(t *testing.T) {
	// The real jitter: every wait lies in [0, ceiling] and the ceiling
	// grows, capped.
	srv := script(t, step{status: 500})
	fc := fakeclock.New(t0)
	c := New(Options{BaseURL: srv.URL, Clock: fc})
	_, err := c.Do(context.Background(), "GET", "/x", nil, nil, "")
	if err == nil {
		t.Fatal("Do succeeded against a server that always fails")
	}
	sleeps := fc.Slept()
	if len(sleeps) != MaxTries-1 {
		t.Fatalf("%d sleeps, want %d", len(sleeps), MaxTries-1)
	}
	for i, d := range sleeps {
		if d < 0 || d > backoff(i+1) || d > MaxBackoff {
			t.Errorf("sleep %d = %v, outside [0, %v]", i+1, d, backoff(i+1))
		}
	}
	// Without jitter the waits double strictly.
	fc2 := fakeclock.New(t0)
	c2 := newTest(srv.URL, fc2, Options{})
	_, _ = c2.Do(context.Background(), "GET", "/x", nil, nil, "")
	s := fc2.Slept()
	for i := 1; i < len(s); i++ {
		if s[i] != 2*s[i-1] || s[i] > MaxBackoff {
			t.Errorf("waits %v do not double under the cap", s)
		}
	}
}

func TestRenew(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		renew     bool
		renewErr  error
		steps     []step
		wantAPI   []string
		wantErr   string
		wantRenew int
	}{
		{"401 renew then 200", "GET", true, nil, []step{{status: 401}, {status: 200}},
			[]string{"GET /x 401", "GET /x 200"}, "", 1},
		{"POST is repeated too", "POST", true, nil, []step{{status: 401}, {status: 201}},
			[]string{"POST /x 401", "POST /x 201"}, "", 1},
		{"second 401 fails", "GET", true, nil, []step{{status: 401, body: `{"message":"Unauthorized"}`}},
			[]string{"GET /x 401", "GET /x 401"}, `Testing refused the credential for GET /x (401 Unauthorized) even after renewing it: {"message":"Unauthorized"}. Check the team's token.`, 1},
		{"no Renew", "GET", false, nil, []step{{status: 401}},
			[]string{"GET /x 401"}, "refused the credential for GET /x (401 Unauthorized). Check", 0},
		{"Renew fails", "GET", true, errors.New("the token endpoint said no"), []step{{status: 401}},
			[]string{"GET /x 401"}, "renewing it failed: the token endpoint said no", 1},
		{"renewed repeat then retries", "GET", true, nil, []step{{status: 401}, {status: 500}, {status: 200}},
			[]string{"GET /x 401", "GET /x 500", "GET /x 200"}, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := script(t, tt.steps...)
			token := "old-token-1"
			renews := 0
			o := Options{Auth: func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }}
			if tt.renew {
				o.Renew = func(ctx context.Context) error {
					renews++
					if tt.renewErr != nil {
						return tt.renewErr
					}
					token = "new-token-2"
					return nil
				}
			}
			c := newTest(srv.URL, fakeclock.New(t0), o)
			res, err := c.Do(context.Background(), tt.method, "/x", nil, nil, "")
			var api []string
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				api = res.API
			} else {
				var re *RequestError
				if !errors.As(err, &re) {
					t.Fatalf("err = %v, want *RequestError", err)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not contain %q", err, tt.wantErr)
				}
				if re.Status != 401 {
					t.Errorf("Status = %d, want 401", re.Status)
				}
				api = re.API
			}
			if diff := cmp.Diff(tt.wantAPI, api); diff != "" {
				t.Errorf("API log (-want +got):\n%s", diff)
			}
			if renews != tt.wantRenew {
				t.Errorf("Renew called %d times, want %d", renews, tt.wantRenew)
			}
			hits := srv.Hits()
			if tt.renew && tt.renewErr == nil && len(hits) > 1 && hits[1].Auth != "Bearer new-token-2" {
				t.Errorf("repeat sent %q, want the renewed token", hits[1].Auth)
			}
			if strings.Contains(fmt.Sprint(err), "token-") {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

func TestRenewUsingSameClientDoesNotLoop(t *testing.T) {
	srv := script(t, step{status: 401})
	var c *Client
	renews := 0
	c = newTest(srv.URL, fakeclock.New(t0), Options{Renew: func(ctx context.Context) error {
		renews++
		_, err := c.Do(ctx, "POST", "/auth/token", nil, []byte(`{}`), "application/json")
		return err
	}})
	_, err := c.Do(context.Background(), "GET", "/x", nil, nil, "")
	if err == nil || renews != 1 {
		t.Fatalf("err = %v, renews = %d; want an error and one renewal", err, renews)
	}
	if n := len(srv.Hits()); n != 2 {
		t.Errorf("server saw %d requests, want 2 (GET, then the token POST)", n)
	}
}

// closedPort is a loopback address nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestNetworkErrors(t *testing.T) {
	base := closedPort(t)
	t.Run("GET retried", func(t *testing.T) {
		fc := fakeclock.New(t0)
		c := newTest(base, fc, Options{})
		_, err := c.Do(context.Background(), "GET", "/x", url.Values{"token": {"qsecret-99"}}, nil, "")
		var re *RequestError
		if !errors.As(err, &re) {
			t.Fatalf("err = %v", err)
		}
		want := []string{"GET /x error", "GET /x error", "GET /x error", "GET /x error", "GET /x error"}
		if diff := cmp.Diff(want, re.API); diff != "" {
			t.Errorf("API log (-want +got):\n%s", diff)
		}
		if !strings.Contains(err.Error(), "Testing could not be reached for GET /x (5 tries)") {
			t.Errorf("error = %q", err)
		}
		if strings.Contains(err.Error(), "qsecret") {
			t.Errorf("error shows the query's token: %q", err)
		}
		if len(fc.Slept()) != 4 {
			t.Errorf("sleeps = %v, want 4", fc.Slept())
		}
	})
	t.Run("POST not retried", func(t *testing.T) {
		c := newTest(base, fakeclock.New(t0), Options{})
		_, err := c.Do(context.Background(), "POST", "/x", nil, []byte("{}"), "application/json")
		var re *RequestError
		if !errors.As(err, &re) || len(re.API) != 1 {
			t.Fatalf("err = %v, want one try", err)
		}
	})
	t.Run("closed connections", func(t *testing.T) {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) <= 2 {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			}
			io.WriteString(w, "ok")
		}))
		defer srv.Close()
		c := newTest(srv.URL, fakeclock.New(t0), Options{})
		res, err := c.Do(context.Background(), "DELETE", "/x", nil, nil, "")
		if err != nil {
			t.Fatalf("Do: %v", err)
		}
		if diff := cmp.Diff([]string{"DELETE /x error", "DELETE /x error", "DELETE /x 200"}, res.API); diff != "" {
			t.Errorf("API log (-want +got):\n%s", diff)
		}
		if string(res.Body) != "ok" {
			t.Errorf("body %q", res.Body)
		}
	})
}

func TestTimeoutRetried(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
			return
		}
		io.WriteString(w, "late but fine")
	}))
	defer srv.Close()
	c := newTest(srv.URL, fakeclock.New(t0), Options{Timeout: 50 * ms})
	res, err := c.Do(context.Background(), "GET", "/x", nil, nil, "")
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if diff := cmp.Diff([]string{"GET /x error", "GET /x 200"}, res.API); diff != "" {
		t.Errorf("API log (-want +got):\n%s", diff)
	}
}

func TestContextCancel(t *testing.T) {
	t.Run("mid-backoff", func(t *testing.T) {
		srv := script(t, step{status: 500})
		fc := fakeclock.New(t0)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		fc.OnSleep = func(time.Duration) { cancel() }
		c := newTest(srv.URL, fc, Options{})
		_, err := c.Do(ctx, "GET", "/x", nil, nil, "")
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if !strings.Contains(err.Error(), "GET /x was interrupted waiting to try again: roster was stopped") || strings.Contains(err.Error(), "context canceled") {
			t.Errorf("error = %q, want it to say why in words, not Go's %q", err, context.Canceled)
		}
		var re *RequestError
		if !errors.As(err, &re) || !cmp.Equal(re.API, []string{"GET /x 500"}) {
			t.Errorf("API = %v", re.API)
		}
		if n := len(srv.Hits()); n != 1 {
			t.Errorf("server saw %d requests after the cancel, want 1", n)
		}
	})
	t.Run("before the call", func(t *testing.T) {
		srv := script(t, step{status: 200})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		c := newTest(srv.URL, fakeclock.New(t0), Options{})
		_, err := c.Do(ctx, "GET", "/x", nil, nil, "")
		if !errors.Is(err, context.Canceled) || len(srv.Hits()) != 0 {
			t.Fatalf("err = %v, hits = %d", err, len(srv.Hits()))
		}
	})
	t.Run("mid-request", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			cancel()
			<-r.Context().Done()
		}))
		defer srv.Close()
		c := newTest(srv.URL, fakeclock.New(t0), Options{})
		_, err := c.Do(ctx, "GET", "/x", nil, nil, "")
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if n.Load() != 1 {
			t.Errorf("%d requests, want 1", n.Load())
		}
	})
}

func TestUserAgentAndBody(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"version", Options{Version: "1.2.3"}, "roster/1.2.3"},
		{"no version", Options{}, "roster/dev"},
		{"custom", Options{UserAgent: "roster-test/9"}, "roster-test/9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := script(t, step{status: 500}, step{status: 200})
			c := newTest(srv.URL, fakeclock.New(t0), tt.o)
			if _, err := c.Do(context.Background(), "PUT", "/api/v1/sites/guests?site_id=a.com", url.Values{"email": {"b@x.io"}}, []byte(`{"a":1}`), "application/json"); err != nil {
				t.Fatal(err)
			}
			hits := srv.Hits()
			if len(hits) != 2 {
				t.Fatalf("%d hits", len(hits))
			}
			for _, h := range hits {
				if h.UA != tt.want {
					t.Errorf("User-Agent = %q, want %q", h.UA, tt.want)
				}
				if h.Body != `{"a":1}` || h.ContentType != "application/json" {
					t.Errorf("body %q (%s), want the same body on every try", h.Body, h.ContentType)
				}
				if h.Path != "/api/v1/sites/guests" || h.Query != "email=b%40x.io&site_id=a.com" {
					t.Errorf("sent %s?%s", h.Path, h.Query)
				}
			}
		})
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		base    string
		wantErr string
	}{
		{"http://example.com", "must use https://"},
		{"", "endpoint is empty"},
		{"eu.posthog.com", "is not a URL"},
		{"ftp://x.example", "is not a URL"},
		{"https://x.example/?a=1", "must not have a query"},
		{"http://localhost:1", ""},
		{"http://[::1]:1", ""},
		{"https://eu.posthog.com/", ""},
	}
	for _, tt := range tests {
		_, err := checkBase(tt.base)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("checkBase(%q) = %v, want %q", tt.base, err, tt.wantErr)
		}
	}
	// An endpoint may carry a proxy's user and password (it comes from
	// $ROSTER_ENDPOINT_<TEAM> too): a refused one is quoted without it.
	for _, base := range []string{
		"http://proxy:Pr0xyPassw0rd@example.com",
		"https://proxy:Pr0xyPassw0rd@x.example/?a=1",
		"ftp://proxy:Pr0xyPassw0rd@x.example",
		"https://proxy:Pr0xy/Passw0rd@x.example",
	} {
		_, err := checkBase(base)
		if err == nil || strings.Contains(err.Error(), "Passw0rd") || !strings.Contains(err.Error(), "x") {
			t.Errorf("checkBase(%q) = %v, want an error without the password", base, err)
		}
	}
	// A bad endpoint fails the call before any request.
	c := newTest("http://example.com", fakeclock.New(t0), Options{})
	_, err := c.Do(context.Background(), "GET", "/x", nil, nil, "")
	var re *RequestError
	if !errors.As(err, &re) || len(re.API) != 0 || !strings.Contains(err.Error(), "must use https://") {
		t.Errorf("err = %v", err)
	}
	// The path is joined to the endpoint's own path.
	srv := script(t, step{status: 200})
	c = newTest(srv.URL+"/proxy/", fakeclock.New(t0), Options{})
	res, err := c.Do(context.Background(), "GET", "api/x", nil, nil, "")
	if err != nil || srv.Hits()[0].Path != "/proxy/api/x" || res.API[0] != "GET /api/x 200" {
		t.Errorf("err = %v, hits = %v, api = %v", err, srv.Hits(), res)
	}
}

func TestDebugLogAndRedaction(t *testing.T) {
	const (
		bearer = "phx_sekrit-token-123"
		qtok   = "qsecret-456"
		extra  = "client-secret-789"
	)
	echo := fmt.Sprintf("bad token %s, %s and %s", bearer, qtok, extra)
	srv := script(t, step{status: 500, body: echo}, step{status: 200, body: "{}"}, step{status: 400, body: echo})
	var log bytes.Buffer
	var notes []string
	c := newTest(srv.URL, fakeclock.New(t0), Options{
		Platform: "PostHog",
		Auth:     func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+bearer) },
		Log:      &log,
		Secrets:  []string{extra, qtok},
		Notify:   func(m string) { notes = append(notes, m) },
	})
	q := url.Values{"token": {qtok}, "limit": {"5"}, "personal_api_key": {"k"}}
	if _, err := c.Do(context.Background(), "GET", "/api/x", q, nil, ""); err != nil {
		t.Fatal(err)
	}
	_, err := c.Do(context.Background(), "POST", "/api/y", q, []byte("{}"), "application/json")
	var re *RequestError
	if !errors.As(err, &re) || re.Status != 400 {
		t.Fatalf("err = %v", err)
	}
	if srv.Hits()[0].Auth != "Bearer "+bearer {
		t.Fatalf("the credential was not sent")
	}
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	reqLine := regexp.MustCompile(`^debug: PostHog: (GET|POST) /api/[xy]\?limit=5&personal_api_key=\[redacted\]&token=\[redacted\] (200|400|500) \d+\.\dms$`)
	requests := 0
	for _, l := range lines {
		if reqLine.MatchString(l) {
			requests++
		}
	}
	if requests != 3 {
		t.Errorf("%d request lines, want 3:\n%s", requests, log.String())
	}
	for name, text := range map[string]string{"log": log.String(), "error": err.Error(), "body": string(re.Body), "notes": strings.Join(notes, "\n")} {
		for _, s := range []string{bearer, qtok, extra} {
			if strings.Contains(text, s) {
				t.Errorf("the %s shows the secret %q:\n%s", name, s, text)
			}
		}
	}
	if !strings.Contains(err.Error(), "bad token [redacted], [redacted] and [redacted]") {
		t.Errorf("error = %q", err)
	}
	// A secret in a path is redacted from the API log, the debug log
	// and the error too.
	_, err = c.Do(context.Background(), "DELETE", "/api/keys/"+extra, nil, nil, "")
	if !errors.As(err, &re) || !cmp.Equal(re.API, []string{"DELETE /api/keys/[redacted] 400"}) || re.Path != "/api/keys/[redacted]" {
		t.Errorf("API = %v, err = %v", re.API, err)
	}
	for _, s := range []string{log.String(), err.Error()} {
		if strings.Contains(s, extra) {
			t.Errorf("the secret path shows in:\n%s", s)
		}
	}
	if got := c.Redact("x " + bearer + " y"); got != "x [redacted] y" {
		t.Errorf("Redact = %q", got)
	}
}

func TestDebugLogEnv(t *testing.T) {
	for _, tt := range []struct {
		val  string
		want io.Writer
	}{{"debug", os.Stderr}, {" DEBUG ", os.Stderr}, {"", nil}, {"info", nil}} {
		t.Setenv("ROSTER_LOG", tt.val)
		if got := DebugLog(); got != tt.want {
			t.Errorf("ROSTER_LOG=%q: DebugLog() = %v, want %v", tt.val, got, tt.want)
		}
	}
}

func TestJSON(t *testing.T) {
	srv := script(t,
		step{status: 200, body: `{"results":[{"id":1}]}`},
		step{status: 204},
		step{status: 403, body: `{"type":"authentication_error","detail":"You can't change your own access level."}`},
		step{status: 200, body: `not json`},
		step{status: 200, body: `{"results":[{"id":1,"id":2}]}`},
		step{status: 200, body: `{"Results":[{"ID":1}]}`},
	)
	c := newTest(srv.URL, fakeclock.New(t0), Options{})
	ctx := context.Background()

	var out struct {
		Results []struct {
			ID int `json:"id"`
		} `json:"results"`
	}
	api, err := c.JSON(ctx, "PATCH", "/api/m/u1/", nil, map[string]int{"level": 8}, &out, "")
	if err != nil || len(out.Results) != 1 || out.Results[0].ID != 1 {
		t.Fatalf("JSON: %v, %+v", err, out)
	}
	if !cmp.Equal(api, []string{"PATCH /api/m/u1/ 200"}) {
		t.Errorf("api = %v", api)
	}
	h := srv.Hits()[0]
	if h.Body != `{"level":8}` || h.ContentType != "application/json" {
		t.Errorf("sent %q as %q", h.Body, h.ContentType)
	}

	if api, err = c.JSON(ctx, "DELETE", "/api/m/u1/", nil, nil, &out, ""); err != nil || !cmp.Equal(api, []string{"DELETE /api/m/u1/ 204"}) {
		t.Errorf("204: %v %v", api, err)
	}
	if h := srv.Hits()[1]; h.ContentType != "" || h.Body != "" {
		t.Errorf("no-body request sent %q as %q", h.Body, h.ContentType)
	}

	api, err = c.JSON(ctx, "POST", "/api/users/v2/invite", nil, map[string]string{"a": "b"}, nil, "application/vnd.api+json")
	var re *RequestError
	if !errors.As(err, &re) || re.Status != 403 || !strings.Contains(string(re.Body), "You can't change your own access level.") {
		t.Fatalf("403: %v", err)
	}
	if !cmp.Equal(api, []string{"POST /api/users/v2/invite 403"}) || srv.Hits()[2].ContentType != "application/vnd.api+json" {
		t.Errorf("api = %v, content type %q", api, srv.Hits()[2].ContentType)
	}

	api, err = c.JSON(ctx, "GET", "/api/x", nil, nil, &out, "")
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "not with the JSON roster expects") || len(api) != 1 || string(re.Body) != "not json" {
		t.Errorf("bad JSON: %v, api %v", err, api)
	}

	// json/v2: a repeated member is refused, not read as the last one.
	_, err = c.JSON(ctx, "GET", "/api/x", nil, nil, &out, "")
	if !errors.As(err, &re) || !strings.Contains(err.Error(), `duplicate object member name "id" within "/results/0"`) {
		t.Errorf("repeated member: %v", err)
	}
	// json/v2: names match exactly; a platform's names are its own.
	out.Results = nil
	if _, err = c.JSON(ctx, "GET", "/api/x", nil, nil, &out, ""); err != nil || out.Results != nil {
		t.Errorf("names of another case: %v, %+v", err, out)
	}

	if _, err := c.JSON(ctx, "POST", "/api/x", nil, func() {}, nil, ""); err == nil || !strings.Contains(err.Error(), "cannot encode") {
		t.Errorf("unencodable body: %v", err)
	}
}

func TestBodyTooLarge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for range MaxBody>>20 + 1 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := newTest(srv.URL, fakeclock.New(t0), Options{})
	_, err := c.Do(context.Background(), "GET", "/big", nil, nil, "")
	var re *RequestError
	if !errors.As(err, &re) || !errors.Is(err, errTooLarge) || len(re.API) != 1 {
		t.Fatalf("err = %v", err)
	}
}

func BenchmarkDo(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"results":[]}`)
	}))
	defer srv.Close()
	c := New(Options{BaseURL: srv.URL, Auth: func(r *http.Request) { r.Header.Set("Authorization", "Bearer x-token-abcdef") }, Secrets: []string{"s1", "s2"}})
	q := url.Values{"limit": {"100"}, "offset": {"0"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Do(context.Background(), "GET", "/api/organizations/o/members/", q, nil, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRetryAfterMaxWait: Retry-After is honoured up to MaxWait, with a
// Notify line saying how long and why; past MaxWait the call fails
// naming the request (issue 18 defect 7; schema/sync.md, Reading safely).
func TestRetryAfterMaxWait(t *testing.T) {
	srv := script(t, step{status: 429, header: map[string]string{"Retry-After": "300"}}, step{status: 200})
	fc := fakeclock.New(t0)
	var said []string
	c := newTest(srv.URL, fc, Options{MaxWait: 10 * time.Minute, Notify: func(m string) { said = append(said, m) }})
	if _, err := c.Do(context.Background(), "GET", "/x", nil, nil, ""); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if slept(fc) != 5*time.Minute {
		t.Errorf("waited %s, want 5m", slept(fc))
	}
	if len(said) != 1 || !strings.Contains(said[0], "Testing answered GET /x with 429 and asked roster to wait 5m0s (Retry-After); waiting until 14:04:00 UTC") {
		t.Errorf("notify: %q", said)
	}

	srv = script(t, step{status: 429, header: map[string]string{"Retry-After": "3600"}}, step{status: 200})
	fc = fakeclock.New(t0)
	c = newTest(srv.URL, fc, Options{MaxWait: 10 * time.Minute})
	_, err := c.Do(context.Background(), "DELETE", "/y", nil, nil, "")
	var re *RequestError
	if !errors.As(err, &re) || !errors.Is(err, ErrWaitTooLong) || re.Status != 429 || len(re.API) != 1 {
		t.Fatalf("err %v", err)
	}
	if want := "Testing answered DELETE /y with 429 and asked roster to wait 1h0m0s before trying again (Retry-After), more than the 10m0s left of --max-wait"; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q, want %q", err, want)
	}
	if slept(fc) != 0 || len(srv.Hits()) != 1 {
		t.Errorf("waited %s, %d requests", slept(fc), len(srv.Hits()))
	}
}

// TestDeleteGoneOnRetry: a DELETE whose retry answers 404 succeeded (the
// first answer was lost); a first 404 is a failure (schema/sync.md, apply 5).
func TestDeleteGoneOnRetry(t *testing.T) {
	srv := script(t, step{status: 503}, step{status: 404, body: `{"detail":"Not found."}`})
	c := newTest(srv.URL, fakeclock.New(t0), Options{})
	res, err := c.Do(context.Background(), "DELETE", "/members/1/", nil, nil, "")
	if err != nil || !res.Gone || res.Status != 404 {
		t.Fatalf("res %+v, err %v", res, err)
	}
	if diff := cmp.Diff([]string{"DELETE /members/1/ 503", "DELETE /members/1/ 404"}, res.API); diff != "" {
		t.Errorf("api (-want +got):\n%s", diff)
	}
	api, err := c.JSON(context.Background(), "DELETE", "/members/1/", nil, nil, new(map[string]any), "")
	if err == nil || len(api) != 1 {
		t.Errorf("a first 404 must fail: %v %q", err, api)
	}
	srv = script(t, step{status: 503}, step{status: 404})
	c = newTest(srv.URL, fakeclock.New(t0), Options{})
	if _, err := c.Do(context.Background(), "GET", "/members/1/", nil, nil, ""); err == nil {
		t.Error("a GET's 404 on a retry must fail")
	}
}

// TestFailureKeepsEveryRequest: a call that fails after retries lists
// every request made, retries included (issue 18 defect 6).
func TestFailureKeepsEveryRequest(t *testing.T) {
	srv := script(t, step{status: 502})
	c := newTest(srv.URL, fakeclock.New(t0), Options{})
	api, err := c.JSON(context.Background(), "PATCH", "/m/1/", nil, map[string]int{"level": 8}, nil, "")
	if err == nil || len(api) != MaxTries {
		t.Fatalf("%v %q", err, api)
	}
	for _, l := range api {
		if l != "PATCH /m/1/ 502" {
			t.Errorf("line %q", l)
		}
	}
}

func TestRefusal(t *testing.T) {
	refused := &RequestError{Method: "GET", Path: "/a", Status: 403, Body: []byte(`{"detail":"no"}`)}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"a status", refused, true},
		{"a wrapped status", fmt.Errorf("x: %w", refused), true},
		{"no answer", &RequestError{Method: "GET", Path: "/a", Err: errors.New("connection refused")}, false},
		{"a status with a cause", &RequestError{Method: "GET", Path: "/a", Status: 200, Err: errors.New("not JSON")}, false},
		{"another error", errors.New("x"), false},
	} {
		re, ok := Refusal(tc.err)
		if ok != tc.want || (ok && re != refused) {
			t.Errorf("%s: %v %v", tc.name, re, ok)
		}
	}
}

// TestTeamOptions: a driver's options start from the team and the run.
func TestTeamOptions(t *testing.T) {
	var heard []string
	team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: "https://api.example.com"}}
	clock := &driver.RealClock{}
	o := TeamOptions(team, driver.Options{UserAgent: "roster/test", Clock: clock, MaxWait: time.Minute, Notify: func(s string) { heard = append(heard, s) }}, "Example", "s3cret", "k3y")
	if o.BaseURL != team.Conn.Endpoint || o.UserAgent != "roster/test" || o.Clock != clock || o.MaxWait != time.Minute || o.Platform != "Example" {
		t.Errorf("%+v", o)
	}
	if diff := cmp.Diff([]string{"s3cret", "k3y"}, o.Secrets); diff != "" {
		t.Errorf("secrets (-want +got):\n%s", diff)
	}
	o.Notify("waiting")
	if diff := cmp.Diff([]string{"team acme: waiting"}, heard); diff != "" {
		t.Errorf("notices (-want +got):\n%s", diff)
	}
}
