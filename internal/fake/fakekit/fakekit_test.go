package fakekit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestClock(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		name string
		run  func(c *Clock) error
		want time.Time // zero: the wall clock, checked by offset
		off  time.Duration
	}{
		{"set", func(c *Clock) error { c.Set(t0.In(paris)); return nil }, t0, 0},
		{"set then advance", func(c *Clock) error { c.Set(t0); c.Advance(time.Hour); return nil }, t0.Add(time.Hour), 0},
		{"seed", func(c *Clock) error { return c.Seed("2026-03-01T13:00:00+01:00") }, t0, 0},
		{"seed empty keeps the wall clock", func(c *Clock) error { return c.Seed("") }, time.Time{}, 0},
		{"set wins over seed", func(c *Clock) error { c.Set(t0); return c.Seed("2020-01-01T00:00:00Z") }, t0, 0},
		{"advance the wall clock", func(c *Clock) error { c.Advance(72 * time.Hour); return nil }, time.Time{}, 72 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Clock
			if err := tc.run(&c); err != nil {
				t.Fatal(err)
			}
			got := c.Now()
			if got.Location() != time.UTC {
				t.Errorf("Now %v is not in UTC", got)
			}
			if !tc.want.IsZero() {
				if !got.Equal(tc.want) {
					t.Errorf("Now %v, want %v", got, tc.want)
				}
				return
			}
			// The wall clock: between two readings taken around Now.
			before := time.Now().Add(tc.off - time.Minute)
			after := time.Now().Add(tc.off + time.Minute)
			if got.Before(before) || got.After(after) {
				t.Errorf("Now %v, want about %v", got, time.Now().Add(tc.off))
			}
		})
	}
}

func TestSeedTime(t *testing.T) {
	var c Clock
	err := c.Seed("yesterday")
	if err == nil || err.Error() != `seed: now "yesterday" is not an RFC 3339 time` {
		t.Errorf("bad seed time: %v", err)
	}
	if got, err := SeedTime("2026-03-01T12:00:00Z"); err != nil || !got.Equal(t0) {
		t.Errorf("SeedTime: %v %v", got, err)
	}
}

func defaultBody(status int) []byte { return []byte(fmt.Sprintf(`{"default":%d}`, status)) }

func TestFailures(t *testing.T) {
	type answer struct {
		status      int
		body        string
		retry, ctyp string
	}
	none := answer{}
	for _, tc := range []struct {
		name  string
		rules []FailRule
		reqs  []string // "METHOD path"
		want  []answer
	}{
		{"no rules", nil, []string{"GET /a"}, []answer{none}},
		{"every time", []FailRule{{Status: 503}},
			[]string{"GET /a", "POST /b"},
			[]answer{{503, `{"default":503}`, "", "application/x-test"}, {503, `{"default":503}`, "", "application/x-test"}}},
		{"method and path prefix", []FailRule{{Method: "post", PathPrefix: "/api/users", Status: 500}},
			[]string{"GET /api/users", "POST /api/apps", "POST /api/users/1"},
			[]answer{none, none, {500, `{"default":500}`, "", "application/x-test"}}},
		{"count runs out", []FailRule{{Status: 429, Count: 2, RetryAfter: "7", Body: `{"slow":true}`}},
			[]string{"GET /a", "GET /a", "GET /a"},
			[]answer{{429, `{"slow":true}`, "7", "application/x-test"}, {429, `{"slow":true}`, "7", "application/x-test"}, none}},
		{"first rule first", []FailRule{{Status: 502, Count: 1}, {Status: 500}},
			[]string{"GET /a", "GET /a"},
			[]answer{{502, `{"default":502}`, "", "application/x-test"}, {500, `{"default":500}`, "", "application/x-test"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Failures
			for _, r := range tc.rules {
				f.Add(r)
			}
			for i, req := range tc.reqs {
				method, path, _ := strings.Cut(req, " ")
				w := httptest.NewRecorder()
				hit := f.Inject(w, httptest.NewRequest(method, path, nil), "application/x-test", defaultBody)
				var got answer
				if hit {
					got = answer{w.Code, w.Body.String(), w.Header().Get("Retry-After"), w.Header().Get("Content-Type")}
				}
				if got != tc.want[i] {
					t.Errorf("%s: %+v, want %+v", req, got, tc.want[i])
				}
			}
		})
	}
	// Add copies the rule; Clear removes them all.
	var f Failures
	r := FailRule{Status: 500, Count: 1}
	f.Add(r)
	f.Add(r)
	if r.Count != 1 {
		t.Errorf("Add kept the caller's rule: %+v", r)
	}
	f.Clear()
	if f.Inject(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), "", defaultBody) {
		t.Error("a rule survived Clear")
	}
}

func TestLog(t *testing.T) {
	var l Log
	if got := l.All(); got != nil {
		t.Errorf("empty All: %v", got)
	}
	l.Add(Request{Method: "GET", Path: "/a", Query: "x=1", Status: 200, At: t0})
	l.Add(Request{Method: "PUT", Path: "/b"})
	if got := l.Lines(); !slices.Equal(got, []string{"GET /a", "PUT /b"}) {
		t.Errorf("Lines: %q", got)
	}
	all := l.All()
	all[0].Path = "/changed"
	if got := l.All(); len(got) != 2 || got[0] != (Request{Method: "GET", Path: "/a", Query: "x=1", Status: 200, At: t0}) {
		t.Errorf("All: %+v", got)
	}
	l.Reset()
	if len(l.Lines()) != 0 {
		t.Errorf("after Reset: %q", l.Lines())
	}
}

// hooks records what the shared admin endpoints did.
type hooks struct {
	calls []string
	rules []FailRule
	now   time.Time
	adv   time.Duration
}

func (h *hooks) Requests() []string      { return []string{"GET /api/x", "POST /api/y"} }
func (h *hooks) ResetRequests()          { h.calls = append(h.calls, "reset-requests") }
func (h *hooks) Fail(r FailRule)         { h.rules = append(h.rules, r) }
func (h *hooks) ClearFailures()          { h.calls = append(h.calls, "clear-failures") }
func (h *hooks) Advance(d time.Duration) { h.adv += d }
func (h *hooks) SetNow(t time.Time)      { h.now = t }

type testBody struct {
	Email    string `json:"email"`
	Level    int    `json:"level"`
	Duration string `json:"duration"`
	Now      string `json:"now"`
}

func TestAdmin(t *testing.T) {
	const paths = "use POST; endpoints: POST /_fake/a; GET  /_fake/state"
	for _, tc := range []struct {
		method, path, body string
		status             int
		ctype, want        string
		check              func(h *hooks) bool
	}{
		{"GET", "/_fake/requests", "", 200, "text/plain; charset=utf-8", "GET /api/x\nPOST /api/y\n", nil},
		{"POST", "/_fake/requests", "", 200, "text/plain; charset=utf-8", "GET /api/x\nPOST /api/y\n", nil},
		{"GET", "/_fake/state/", "", 200, "application/json", `{"n":1}`, nil},
		{"GET", "/_fake/add", "", 405, "application/json", `{"error":"` + paths + `"}`, nil},
		{"POST", "/_fake/add", `{"email":"a@x.io","level":8}`, 200, "application/json", `{"email":"a@x.io","level":8,"duration":"","now":""}`, nil},
		{"POST", "/_fake/add", "  ", 200, "application/json", `{"email":"","level":0,"duration":"","now":""}`, nil},
		{"POST", "/_fake/add", `{"level":"x"}`, 400, "application/json",
			`{"error":"body: json: cannot unmarshal JSON string into Go int within \"/level\""}`, nil},
		{"POST", "/_fake/add", `{`, 400, "application/json", `{"error":"body: jsontext: unexpected EOF after offset 1"}`, nil},
		{"POST", "/_fake/id", `{"email":"a@x.io"}`, 200, "application/json", `{"id":"id-a@x.io"}`, nil},
		{"POST", "/_fake/id", `{}`, 400, "application/json", `{"error":"no email"}`, nil},
		{"POST", "/_fake/done", `{}`, 400, "application/json", `{"error":"no email"}`, nil},
		{"POST", "/_fake/done", `{"email":"a@x.io"}`, 200, "application/json", `{"ok":true}`, nil},
		{"POST", "/_fake/nope", `{}`, 404, "application/json", `{"error":"unknown admin endpoint; endpoints: POST /_fake/a; GET  /_fake/state"}`, nil},
		{"POST", "/_fake/fail", `{"status":503,"count":2,"path_prefix":"/api/"}`, 200, "application/json", `{"ok":true}`,
			func(h *hooks) bool {
				return len(h.rules) == 1 && h.rules[0] == FailRule{Status: 503, Count: 2, PathPrefix: "/api/"}
			}},
		{"POST", "/_fake/fail", `{"status":42}`, 400, "application/json", `{"error":"status 42 is not an HTTP status"}`,
			func(h *hooks) bool { return len(h.rules) == 0 }},
		{"POST", "/_fake/fail", `{"email":"a@x.io","status":500}`, 200, "application/json", `{"ok":true}`, nil},
		{"POST", "/_fake/fail", `[1]`, 400, "application/json",
			`{"error":"body: json: cannot unmarshal JSON array into Go fakekit.FailRule"}`, nil},
		{"POST", "/_fake/clear-failures", "", 200, "application/json", `{"ok":true}`,
			func(h *hooks) bool { return slices.Equal(h.calls, []string{"clear-failures"}) }},
		{"POST", "/_fake/reset-requests", "", 200, "application/json", `{"ok":true}`,
			func(h *hooks) bool { return slices.Equal(h.calls, []string{"reset-requests"}) }},
		{"POST", "/_fake/advance", `{"duration":"72h"}`, 200, "application/json", `{"ok":true}`,
			func(h *hooks) bool { return h.adv == 72*time.Hour }},
		{"POST", "/_fake/advance", `{"duration":"soon"}`, 400, "application/json", `{"error":"duration \"soon\": time: invalid duration \"soon\""}`,
			func(h *hooks) bool { return h.adv == 0 }},
		{"POST", "/_fake/set-now", `{"now":"2026-03-01T13:00:00+01:00"}`, 200, "application/json", `{"ok":true}`,
			func(h *hooks) bool { return h.now.Equal(t0) }},
		{"POST", "/_fake/set-now", `{"now":"today"}`, 400, "application/json", `{"error":"now \"today\" is not an RFC 3339 time"}`,
			func(h *hooks) bool { return h.now.IsZero() }},
	} {
		t.Run(tc.method+" "+tc.path+" "+tc.body, func(t *testing.T) {
			h := &hooks{}
			a := Admin{Paths: []string{"POST /_fake/a", "GET  /_fake/state"}, Hooks: h, State: func() any { return map[string]int{"n": 1} }}
			w := httptest.NewRecorder()
			var b testBody
			a.Serve(w, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)), &b, func(c *AdminCall) bool {
				switch c.Name {
				case "add":
					c.JSON(b)
				case "id":
					c.ID("id-"+b.Email, need(b.Email))
				case "done":
					c.Done(need(b.Email))
				default:
					return false
				}
				return true
			})
			if w.Code != tc.status || w.Header().Get("Content-Type") != tc.ctype || sameVerb(w.Body.String()) != tc.want {
				t.Errorf("%d %q %s, want %d %q %s", w.Code, w.Header().Get("Content-Type"), w.Body, tc.status, tc.ctype, tc.want)
			}
			if tc.check != nil && !tc.check(h) {
				t.Errorf("hooks: %+v", h)
			}
		})
	}
}

func need(email string) error {
	if email == "" {
		return errors.New("no email")
	}
	return nil
}

type seed struct {
	Name  string   `json:"name"`
	Items []string `json:"items,omitempty"`
}

func TestLoadSeed(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, data string
		want       seed
		err        string
	}{
		{"good", `{"name":"acme","items":["a"]}`, seed{Name: "acme", Items: []string{"a"}}, ""},
		{"one value only", `{"name":"a"} {"name":"b"}`, seed{}, `seed DIR/one value only.json: jsontext: invalid character '{' after top-level value after offset 13`},
		{"repeated", `{"name":"a","name":"b"}`, seed{}, `seed DIR/repeated.json: jsontext: duplicate object member name "name"`},
		{"case", `{"Name":"a"}`, seed{}, `seed DIR/case.json: json: cannot unmarshal JSON string into Go fakekit.seed: unknown object member name "Name"`},
		{"typo", `{"nmae":"acme"}`, seed{}, `seed DIR/typo.json: json: cannot unmarshal JSON string into Go fakekit.seed: unknown object member name "nmae"`},
		{"wrong type", `{"name":5}`, seed{}, `seed DIR/wrong type.json: json: cannot unmarshal JSON number into Go string within "/name"`},
		{"missing", "", seed{}, "open DIR/missing.json: no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".json")
			if tc.name != "missing" {
				if err := os.WriteFile(path, []byte(tc.data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := LoadSeed[seed](path)
			msg := ""
			if err != nil {
				msg = sameVerb(strings.ReplaceAll(err.Error(), dir, "DIR"))
			}
			if msg != tc.err || !slices.Equal(got.Items, tc.want.Items) || got.Name != tc.want.Name {
				t.Errorf("%+v %q, want %+v %q", got, msg, tc.want, tc.err)
			}
		})
	}
}

// FuzzDecodeStrict decodes arbitrary seed JSON: an error or a value that
// encodes and decodes again to itself, never a panic.
func FuzzDecodeStrict(f *testing.F) {
	f.Add(`{"name":"acme","items":["a","b"]}`)
	f.Add(`{"name":"acme","extra":1}`)
	f.Add(`{"items":null}`)
	f.Add(`[`)
	f.Fuzz(func(t *testing.T, data string) {
		var s seed
		if DecodeStrict([]byte(data), &s) != nil {
			return
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var again seed
		if err := DecodeStrict(b, &again); err != nil || again.Name != s.Name || !slices.Equal(again.Items, s.Items) {
			t.Fatalf("%s: again %+v %v, want %+v", b, again, err, s)
		}
	})
}

func TestServe(t *testing.T) {
	hs, err := Serve("fake test", "", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusTeapot, "application/x-test", map[string]string{"path": r.URL.Path})
	}))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(hs.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(hs.URL, "http://127.0.0.1:") || resp.StatusCode != http.StatusTeapot ||
		resp.Header.Get("Content-Type") != "application/x-test" || string(body) != `{"path":"/x"}` {
		t.Errorf("%s: %d %q %s", hs.URL, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	_, err = Serve("fake test", strings.TrimPrefix(hs.URL, "http://"), http.NotFoundHandler())
	if err == nil || !strings.HasPrefix(err.Error(), "fake test: listen on 127.0.0.1:") {
		t.Errorf("listening twice: %v", err)
	}
	hs.Close()
	if _, err := http.Get(hs.URL + "/x"); err == nil {
		t.Error("served after Close")
	}
}

// TestCloseUnusedConnection: a connection that never sent a request (an
// HTTP client's spare) does not hold Close up until its 2 s fallback,
// which once made a test in three take 2 s longer.
func TestCloseUnusedConnection(t *testing.T) {
	hs, err := Serve("fake test", "", http.NotFoundHandler())
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", strings.TrimPrefix(hs.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The server has the connection once a request on another one is
	// answered: connections are accepted in order.
	resp, err := http.Get(hs.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	closed := make(chan struct{})
	go func() { hs.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(time.Second):
		t.Fatal("Close waited for a connection that never sent a request")
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("the unused connection is still open")
	}
}

func TestMust(t *testing.T) {
	if got := Must(5, nil); got != 5 {
		t.Errorf("Must: %d", got)
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("Must did not panic on an error")
		}
	}()
	Must(0, errors.New("boom"))
}

func TestMainUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"nmae":"x"}`), 0o644)
	const usage = "usage: fake-test URLFILE [--seed FILE.json] [--addr HOST:PORT]\n"
	started := 0
	start := func(s seed, addr string) (string, func(), error) {
		started++
		return "", nil, errors.New("cannot start " + s.Name + " on " + addr)
	}
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"name":"acme"}`), 0o644)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no args", nil, 2, usage},
		{"flag without value", []string{"u", "--seed"}, 2, "fake-test: --seed needs a value\n" + usage},
		{"unknown flag", []string{"u", "--port=1"}, 2, "fake-test: unknown flag --port=1\n" + usage},
		{"two files", []string{"u", "v"}, 2, "fake-test: unexpected argument \"v\"\n" + usage},
		{"missing seed", []string{"u", "-seed", filepath.Join(dir, "none.json")}, 1, "fake-test: open DIR/none.json: no such file or directory\n"},
		{"bad seed", []string{"u", "--seed=" + bad}, 1, "fake-test: seed DIR/bad.json: json: cannot unmarshal JSON string into Go fakekit.seed: unknown object member name \"nmae\"\n"},
		{"start fails", []string{"--addr", "h:1", "u", "--seed", good}, 1, "fake-test: cannot start acme on h:1\n"},
		{"start fails, addr=", []string{"--addr=h:2", "u"}, 1, "fake-test: cannot start  on h:2\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := runMain(&stderr, "fake-test", tc.args, start)
			if got := sameVerb(strings.ReplaceAll(stderr.String(), dir, "DIR")); code != tc.code || got != tc.stderr {
				t.Errorf("%d %q, want %d %q", code, got, tc.code, tc.stderr)
			}
		})
	}
	if started != 2 {
		t.Errorf("start called %d times, want 2", started)
	}
}

func TestMainAndCall(t *testing.T) {
	dir := t.TempDir()
	urlFile := filepath.Join(dir, "url")
	seedFile := filepath.Join(dir, "seed.json")
	os.WriteFile(seedFile, []byte(`{"name":"acme"}`), 0o644)
	stopped := make(chan bool, 1)
	done := make(chan int)
	go func() {
		done <- Main("fake-test", []string{urlFile, "--seed", seedFile}, func(s seed, addr string) (string, func(), error) {
			hs, err := Serve("fake test", addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/missing" {
					WriteJSON(w, http.StatusNotFound, "application/json", map[string]string{"error": "no"})
					return
				}
				body, _ := io.ReadAll(r.Body)
				WriteJSON(w, http.StatusOK, "application/json", map[string]string{
					"seed": s.Name, "method": r.Method, "type": r.Header.Get("Content-Type"), "body": string(body)})
			}))
			if err != nil {
				return "", nil, err
			}
			return hs.URL, func() { hs.Close(); stopped <- true }, nil
		})
	}()
	paths := []string{"POST /_fake/a", "GET  /_fake/b"}
	for _, tc := range []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
	}{
		{"post", []string{urlFile, "post", "/x", `{"a":1}`}, 0,
			`{"body":"{\"a\":1}","method":"POST","seed":"acme","type":"application/json"}` + "\n", ""},
		{"get", []string{urlFile, "GET", "/x"}, 0, `{"body":"","method":"GET","seed":"acme","type":""}` + "\n", ""},
		{"not 2xx", []string{urlFile, "GET", "/missing"}, 1, `{"error":"no"}` + "\n", "fake-test-call: GET /missing: 404 Not Found\n"},
		{"usage", []string{urlFile, "GET"}, 2, "",
			"usage: fake-test-call URLFILE|URL METHOD PATH [JSON-BODY]\n  POST /_fake/a\n  GET  /_fake/b\n"},
		{"bad method", []string{"http://127.0.0.1:1", "G T", "/x"}, 1, "", "fake-test-call: net/http: invalid method \"G T\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runCall(&stdout, &stderr, "fake-test-call", tc.args, paths)
			if code != tc.code || stdout.String() != tc.stdout || stderr.String() != tc.stderr {
				t.Errorf("%d %q %q, want %d %q %q", code, stdout.String(), stderr.String(), tc.code, tc.stdout, tc.stderr)
			}
		})
	}
	data, err := os.ReadFile(urlFile)
	if err != nil || !strings.HasPrefix(string(data), "http://127.0.0.1:") || strings.HasSuffix(string(data), "\n") {
		t.Fatalf("url file: %q %v", data, err)
	}
	var stdout, stderr bytes.Buffer
	if code := runCall(&stdout, &stderr, "fake-test-call", []string{string(data) + "/", "GET", "/x"}, paths); code != 0 || !strings.Contains(stdout.String(), `"seed":"acme"`) {
		t.Errorf("call with the URL itself: %d %q %q", code, stdout.String(), stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, ".url.tmp")); !os.IsNotExist(err) {
		t.Errorf("temporary URL file left behind: %v", err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// Main returns once the signal arrives, having stopped the server.
	if code := <-done; code != 0 {
		t.Errorf("Main returned %d after SIGINT", code)
	}
	select {
	case <-stopped:
	default:
		t.Error("Main did not stop the server")
	}
}

func TestClockSource(t *testing.T) {
	src := t0
	c := Clock{Source: func() time.Time { return src }}
	if err := c.Seed("2020-01-01T00:00:00Z"); err != nil || !c.Now().Equal(t0) {
		t.Fatalf("a seed moved a sourced clock: %v %v", c.Now(), err)
	}
	c.Set(t0.Add(time.Hour))
	src = src.Add(time.Minute)
	if want := t0.Add(time.Hour + time.Minute); !c.Now().Equal(want) {
		t.Errorf("after Set: %v, want %v (the source's time, shifted)", c.Now(), want)
	}
	c.Advance(time.Hour)
	if want := t0.Add(2*time.Hour + time.Minute); !c.Now().Equal(want) {
		t.Errorf("after Advance: %v, want %v", c.Now(), want)
	}
}

// baseFake is the smallest fake on Base.
type baseFake struct {
	Base
	seeded string
	moved  int
}

func (f *baseFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	f.Record(Request{Method: r.Method, Path: r.URL.Path})
	io.WriteString(w, f.seeded+" "+f.Clock.Now().Format(time.RFC3339)) //nolint:errcheck
}

func TestBase(t *testing.T) {
	f := &baseFake{}
	f.OnClock = func() { f.moved++ }
	err := Start(&f.Base, "fake test", Options[string]{Seed: "seeded", Now: t0}, f, func(s string) error {
		f.seeded = s
		return f.Clock.Seed("2020-01-01T00:00:00Z") // Now wins
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Advance(time.Hour)
	resp, err := http.Get(f.BaseURL() + "/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := "seeded 2026-03-01T13:00:00Z"; string(body) != want {
		t.Errorf("answer %q, want %q", body, want)
	}
	if f.moved != 1 || !slices.Equal(f.Requests(), []string{"GET /x"}) {
		t.Errorf("OnClock ran %d times; requests %q", f.moved, f.Requests())
	}
	f.SetNow(t0)
	if !f.Now().Equal(t0) || f.moved != 2 {
		t.Errorf("SetNow: %v, OnClock ran %d times", f.Now(), f.moved)
	}
	// A seed that does not load stops Start before it listens.
	g := &baseFake{}
	bad := errors.New("bad seed")
	if err := Start(&g.Base, "fake test", Options[string]{}, g, func(string) error { return bad }); !errors.Is(err, bad) || g.URL != "" {
		t.Errorf("bad seed: %v, URL %q", err, g.URL)
	}
}

func TestStatusWriter(t *testing.T) {
	for _, tc := range []struct {
		name  string
		serve func(w http.ResponseWriter)
		want  int
	}{
		{"a status", func(w http.ResponseWriter) { w.WriteHeader(404) }, 404},
		{"the first status counts", func(w http.ResponseWriter) { w.WriteHeader(429); w.WriteHeader(500) }, 429},
		{"a body alone is a 200", func(w http.ResponseWriter) { io.WriteString(w, "{}") }, 200},
		{"a status, then the body", func(w http.ResponseWriter) { w.WriteHeader(201); io.WriteString(w, "{}") }, 201},
		{"nothing is a 200", func(w http.ResponseWriter) {}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			sw := &StatusWriter{ResponseWriter: rec}
			tc.serve(sw)
			if got := sw.Status(); got != tc.want || rec.Code != tc.want {
				t.Errorf("Status %d, answered %d; want %d", got, rec.Code, tc.want)
			}
		})
	}
}

// sameVerb undoes json/v2's deliberate variation of its errors' verb
// ("cannot" or "unable to"), so that a test can compare a whole message.
func sameVerb(msg string) string { return strings.ReplaceAll(msg, "json: unable to ", "json: cannot ") }
