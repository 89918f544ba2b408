// Package drivertest is the contract every driver passes against its
// platform's fake, like statetest for stores (issue 18; schema/sync.md, Refresh,
// apply on connected teams and Reading safely): paging to the minimum
// number of requests, fail-closed on each malformed shape, no deletion
// nobody asked for, every request of a failed change in its Result, a
// retried DELETE's 404 as success, and reads in flight bounded by
// Options.Parallelism. A driver joins by
// calling Run from its tests with a Harness. It also holds checks the
// drivers' own tests share: Refresh (one that must succeed), WantErr (a
// table case's error), WantSites (a Refresh resolving a team's sites)
// Stub (the transport of a fuzzed Refresh) and WriteStub with
// CheckWriteErr (those of a fuzzed write answer).
package drivertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/fakeclock"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/fake/fakekit"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/termtext"
)

// Fake is what the suite needs of a platform's fake: fakekit.Recorder's
// request log and failure rules.
type Fake interface {
	Fail(rule fakekit.FailRule)
	ClearFailures()
	Requests() []string
	ResetRequests()
}

// Env is one started fake and the team a driver reads on it.
type Env struct {
	Fake Fake
	// Team is the connected team; the suite may point Team.Conn.Endpoint
	// at a proxy in front of the fake.
	Team *driver.Team
	// New makes a driver of Team with opts (the suite sets Clock).
	New func(team *driver.Team, opts driver.Options) driver.Driver
}

// Malformed is one malformed answer the fake is made to give (a
// FailRule with status 200 and Body); Refresh must fail naming Request.
type Malformed struct {
	// Kind is one of the Kinds.
	Kind string
	Rule fakekit.FailRule
	// Request is "GET path" as the error must name it.
	Request string
}

// Kinds of malformed answers every driver must refuse (schema/sync.md, Reading
// safely). A harness gives a case for each, or says in Skip why the
// platform's paging cannot show it.
var Kinds = []string{
	"null list",          // null where a list belongs
	"object for list",    // an object where a list belongs
	"wrong field type",   // a field the driver reads, of the wrong JSON type
	"empty page, more",   // an empty page while next/count/total promises more
	"total disagrees",    // a total that disagrees with the items read
	"not an object",      // a list or null where the answer's object belongs
	"missing list field", // the list's field absent
	"repeated member",    // a member given twice in one object, once with Secret
}

// Secret is the value a "repeated member" case gives one of the two
// members: the error must name the member (json/v2's "duplicate object
// member name"), never a value.
const Secret = "s3cret-never-shown"

// Harness describes one driver for the suite.
type Harness struct {
	// Start starts a fake whose team has people members (or guests) on
	// its one declared site, and sites declared sites in all.
	Start func(t *testing.T, people, sites int) *Env
	// PeopleList is the request "GET path" of the paged list that holds
	// the people, and PageSize the items per page the driver asks for.
	PeopleList string
	PageSize   int
	// Malformed gives the malformed answers for env.
	Malformed func(env *Env) []Malformed
	// Skip maps a Kind the platform cannot show to the reason.
	Skip map[string]string
	// Create is a change the driver makes with one write request, whose
	// method and path prefix are WriteMethod and WritePath.
	Create                 func(env *Env) plan.Change
	WriteMethod, WritePath string
	// Update, when set, changes the role of someone Start seeded (people
	// 3, site 1), an existing member or grant: it too must remove
	// nothing.
	Update func(env *Env) plan.Change
	// Removals are the requests ("METHOD path" prefixes of the fake's
	// request log) that remove something on the platform besides a
	// DELETE (Matomo: "POST /index.php?method=UsersManager.deleteUser").
	Removals []string
	// Removal is a removal the driver makes with one DELETE at
	// DeletePath (a prefix); RemoveByHand removes the same thing on the
	// fake, as if an earlier DELETE had gone through, so that the next
	// DELETE answers 404 (where the platform answers a DELETE of nothing
	// otherwise, it adds a FailRule saying 404 once; it runs after the
	// suite's own rule for the lost answer).
	Removal      func(env *Env) plan.Change
	DeletePath   string
	RemoveByHand func(t *testing.T, env *Env)
}

func newDriver(env *Env, opts driver.Options) driver.Driver {
	if opts.Clock == nil {
		opts.Clock = fakeclock.New(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)) // backoff costs no time
	}
	opts.UserAgent = "roster/drivertest"
	return env.New(env.Team, opts)
}

// Run runs the contract against h.
func Run(t *testing.T, h Harness) {
	t.Run("paging to the minimum", func(t *testing.T) { testPaging(t, h) })
	t.Run("malformed answers fail closed", func(t *testing.T) { testMalformed(t, h) })
	t.Run("no unrequested deletion", func(t *testing.T) { testNoUnrequestedDeletion(t, h) })
	t.Run("a failed change lists every request", func(t *testing.T) { testFailedChange(t, h) })
	t.Run("a retried DELETE's 404 is success", func(t *testing.T) { testDeleteGone(t, h) })
	t.Run("parallelism bounds reads in flight", func(t *testing.T) { testParallelism(t, h) })
}

func count(lines []string, request string) int {
	n := 0
	for _, l := range lines {
		if l == request {
			n++
		}
	}
	return n
}

func testPaging(t *testing.T, h Harness) {
	for _, people := range []int{0, 1, h.PageSize - 1, h.PageSize, h.PageSize + 1, 2*h.PageSize + 3} {
		if people < 0 {
			continue
		}
		env := h.Start(t, people, 1)
		d := newDriver(env, driver.Options{})
		env.Fake.ResetRequests()
		if _, err := d.Refresh(context.Background()); err != nil {
			t.Fatalf("%d people: refresh: %v", people, err)
		}
		want := max(1, (people+h.PageSize-1)/h.PageSize)
		if people > 0 && people%h.PageSize == 0 {
			// The total (or a last full page) must end the list; one
			// more request for an empty page is allowed only where the
			// paging cannot say so (none of ours).
			want = people / h.PageSize
		}
		if got := count(env.Fake.Requests(), h.PeopleList); got != want {
			t.Errorf("%d people, %d a page: %d requests of %s, want %d", people, h.PageSize, got, h.PeopleList, want)
		}
	}
}

func testMalformed(t *testing.T, h Harness) {
	env := h.Start(t, 3, 1)
	cases := h.Malformed(env)
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.Kind] = true
	}
	for _, k := range Kinds {
		if !seen[k] && h.Skip[k] == "" {
			t.Errorf("no malformed case of kind %q, and no reason to skip it", k)
		}
	}
	for _, c := range cases {
		t.Run(c.Kind, func(t *testing.T) {
			env.Fake.ClearFailures()
			env.Fake.Fail(c.Rule)
			defer env.Fake.ClearFailures()
			snap, err := newDriver(env, driver.Options{}).Refresh(context.Background())
			if err == nil {
				t.Fatalf("a %s was read as a snapshot of %d objects", c.Kind, len(snap.Objects))
			}
			if snap != nil {
				t.Errorf("a snapshot came with the error")
			}
			msg := err.Error()
			if !strings.Contains(msg, c.Request) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line naming %q", msg, c.Request)
			}
			if c.Kind == "repeated member" && (!strings.Contains(msg, "duplicate object member name") || strings.Contains(msg, Secret)) {
				t.Errorf("error %q: want it to name the repeated member, and not %q", msg, Secret)
			}
		})
	}
}

// testNoUnrequestedDeletion applies changes that remove nothing (Create,
// and Update where the harness has one) and then reads the platform
// again: everything that lived before still lives, untouched unless a
// change named it, and no request removed anything (schema/sync.md:
// apply sends nothing the plan did not show).
func testNoUnrequestedDeletion(t *testing.T, h Harness) {
	env := h.Start(t, 3, 1)
	ctx := context.Background()
	d := newDriver(env, driver.Options{})
	before, err := d.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Objects) == 0 {
		t.Fatal("the refresh found nothing, so nothing could be lost")
	}
	changes := []plan.Change{h.Create(env)}
	if h.Update != nil {
		changes = append(changes, h.Update(env))
	}
	d.Begin(changes)
	env.Fake.ResetRequests()
	named := map[model.Address]bool{}
	for i := range changes {
		named[changes[i].Addr] = true
		res, err := d.Apply(ctx, &changes[i])
		if err != nil {
			t.Fatalf("%s %s: %v", changes[i].Action, changes[i].Addr, err)
		}
		if res.Outcome != driver.Applied && res.Outcome != driver.Invited {
			t.Fatalf("%s %s: outcome %q, want applied or invited", changes[i].Action, changes[i].Addr, res.Outcome)
		}
	}
	removals := append([]string{"DELETE "}, h.Removals...)
	for _, l := range env.Fake.Requests() {
		for _, r := range removals {
			if strings.HasPrefix(l, r) {
				t.Errorf("a change that removes nothing sent %s", l)
			}
		}
	}
	after, err := newDriver(env, driver.Options{}).Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	live := make(map[model.Address]*model.Object, len(after.Objects))
	for _, o := range after.Objects {
		live[o.Addr] = o
	}
	for _, o := range before.Objects {
		now := live[o.Addr]
		switch {
		case now == nil:
			t.Errorf("%s (role %q) is gone from the platform", o.Addr, o.Role)
		case !named[o.Addr] && (now.Role != o.Role || now.Status != o.Status || now.HolderKind != o.HolderKind):
			t.Errorf("%s changed from role %q (%s) to %q (%s), and no change named it", o.Addr, o.Role, o.Status, now.Role, now.Status)
		}
	}
	for _, c := range changes {
		if live[c.Addr] == nil {
			t.Errorf("%s %s was applied, but the platform does not show it", c.Action, c.Addr)
		}
	}
}

func testFailedChange(t *testing.T, h Harness) {
	env := h.Start(t, 3, 1)
	d := newDriver(env, driver.Options{})
	if _, err := d.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := h.Create(env)
	d.Begin([]plan.Change{c})
	env.Fake.ResetRequests()
	// 429 is retried for every method, POST included.
	env.Fake.Fail(fakekit.FailRule{Method: h.WriteMethod, PathPrefix: h.WritePath, Status: 429})
	defer env.Fake.ClearFailures()
	res, err := d.Apply(context.Background(), &c)
	if err == nil {
		t.Fatalf("the change succeeded against a platform answering 429")
	}
	var writes []string
	for _, l := range env.Fake.Requests() {
		if strings.HasPrefix(l, h.WriteMethod+" "+h.WritePath) {
			writes = append(writes, l)
		}
	}
	// Retried at least once (up to httpc.MaxTries; Plausible's hourly
	// budget stops at --max-wait sooner).
	if len(writes) < 2 || len(writes) > httpc.MaxTries {
		t.Errorf("%d tries of %s %s, want 2 to %d", len(writes), h.WriteMethod, h.WritePath, httpc.MaxTries)
	}
	got := 0
	for _, l := range res.API {
		if strings.HasPrefix(l, h.WriteMethod+" "+h.WritePath) && strings.HasSuffix(l, " 429") {
			got++
		}
	}
	if got != len(writes) {
		t.Errorf("Result.API %q lists %d of the %d tries", res.API, got, len(writes))
	}
	if res.Outcome != "" {
		t.Errorf("a failed change has outcome %q", res.Outcome)
	}
}

func testDeleteGone(t *testing.T, h Harness) {
	if why := h.Skip["retried delete"]; why != "" {
		t.Skip(why) // a platform without DELETE (Matomo: every call is a POST)
	}
	env := h.Start(t, 3, 1)
	d := newDriver(env, driver.Options{})
	if _, err := d.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := h.Removal(env)
	d.Begin([]plan.Change{c})
	// The first DELETE went through, but its answer was lost (a 502 from
	// a proxy): the retry finds nothing and answers 404.
	env.Fake.Fail(fakekit.FailRule{Method: "DELETE", PathPrefix: h.DeletePath, Status: 502, Count: 1})
	h.RemoveByHand(t, env)
	defer env.Fake.ClearFailures()
	res, err := d.Apply(context.Background(), &c)
	if err != nil {
		t.Fatalf("a retried DELETE answering 404 failed: %v", err)
	}
	if res.Outcome != driver.Applied {
		t.Errorf("outcome %q, want applied", res.Outcome)
	}
	if n := len(res.API); n < 2 || !strings.HasSuffix(res.API[n-2], " 502") || !strings.HasSuffix(res.API[n-1], " 404") {
		t.Errorf("api %q: want the 502 and the 404", res.API)
	}
	// A first 404 is a failure: nothing says it was ever there.
	env2 := h.Start(t, 3, 1)
	d2 := newDriver(env2, driver.Options{})
	if _, err := d2.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	c2 := h.Removal(env2)
	d2.Begin([]plan.Change{c2})
	env2.Fake.Fail(fakekit.FailRule{Method: "DELETE", PathPrefix: h.DeletePath, Status: 404, Count: 1})
	if _, err := d2.Apply(context.Background(), &c2); err == nil && h.Skip["first 404"] == "" {
		t.Errorf("a DELETE whose first answer is 404 succeeded")
	}
}

// inflight is a proxy in front of a fake that counts the requests in
// flight, holding each a little so that concurrency shows.
type inflight struct {
	mu       sync.Mutex
	now, top int
}

func (f *inflight) handler(target *url.URL) http.Handler {
	rp := httputil.NewSingleHostReverseProxy(target)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.now++
		f.top = max(f.top, f.now)
		f.mu.Unlock()
		time.Sleep(15 * time.Millisecond)
		rp.ServeHTTP(w, r)
		f.mu.Lock()
		f.now--
		f.mu.Unlock()
	})
}

func testParallelism(t *testing.T, h Harness) {
	for _, p := range []int{1, 2, 3} {
		env := h.Start(t, 2, 8)
		target, err := url.Parse(env.Team.Conn.Endpoint)
		if err != nil {
			t.Fatal(err)
		}
		f := &inflight{}
		proxy := httptest.NewServer(f.handler(target))
		team := *env.Team
		team.Conn.Endpoint = proxy.URL
		env.Team = &team
		_, err = newDriver(env, driver.Options{Parallelism: p}).Refresh(context.Background())
		proxy.Close()
		if err != nil {
			t.Fatalf("parallelism %d: %v", p, err)
		}
		if f.top > p {
			t.Errorf("parallelism %d: %d reads were in flight at once", p, f.top)
		}
		if p > 1 && f.top < 2 {
			t.Errorf("parallelism %d: the reads never overlapped (at most %d in flight)", p, f.top)
		}
	}
}

// WantErr checks the error of a table case and says whether the case
// ends there: with want set, err must contain it (the case ends); with
// want empty, err must be nil (the case goes on).
func WantErr(t testing.TB, err error, want string) (done bool) {
	t.Helper()
	switch {
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Fatalf("error %v, want %q", err, want)
	case want == "" && err != nil:
		t.Fatal(err)
	}
	return want != ""
}

// WantSites checks a Refresh that resolves a team's sites (a table
// case): with errs set, its error must hold each of them; without, it
// must succeed with the snapshot's SiteIDs printing as ids (fmt.Sprint
// of the map).
func WantSites(t testing.TB, snap *driver.Snapshot, err error, ids string, errs []string) {
	t.Helper()
	if errs != nil {
		if err == nil {
			t.Fatalf("no error; site ids %v", snap.SiteIDs)
		}
		for _, w := range errs {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q lacks %q", err, w)
			}
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(snap.SiteIDs); got != ids {
		t.Errorf("site ids %s, want %s", got, ids)
	}
}

// Refresh is d's Refresh, which must succeed.
func Refresh(t testing.TB, d driver.Driver) *driver.Snapshot {
	t.Helper()
	snap, err := d.Refresh(context.Background())
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	return snap
}

// Stub is an http.RoundTripper that answers a fuzzed Refresh without a
// network: every request 200 with its ContentType and the body Answer
// gives for the request's path, first the first time that path is read.
// Answer is called under Stub's lock.
type Stub struct {
	ContentType string
	Answer      func(path string, first bool) string

	mu   sync.Mutex
	seen map[string]bool
}

// RoundTrip answers r.
func (s *Stub) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	body := s.Answer(r.URL.Path, !s.seen[r.URL.Path])
	s.seen[r.URL.Path] = true
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {s.ContentType}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// RefusalBodies are error answers to seed a driver's FuzzRefusal with:
// line breaks, terminal escapes and long words in the platform's text.
var RefusalBodies = []string{
	`{"detail":"a\nb\r\n\u001b[31mred"}`, `{"error":"x\ny"}`, `{"errors":[{"detail":"a\nb","code":"c\nd"}]}`,
	`{"message":"` + strings.Repeat("m", 400) + `"}`, `{"error":{"message":"` + strings.Repeat("é", 200) + `"}}`,
	"<html>\n<body>500</body>\n</html>", "", "null", `{"detail":null}`,
	`{"detail":"a\u009b2Jb\u2028c","message":"a\u009b2Jb\u2028c","error":"a\u009b2Jb\u2028c"}`, // C1 CSI, line separator
}

// FuzzRefusal is a driver's refusal fuzz target: seeded with
// RefusalBodies and the driver's own seeds (bodies answered with 403),
// it hands every error status and body to refusal, as the answer to a
// read and to a change, and holds what it returns to CheckRefusal.
func FuzzRefusal(f *testing.F, platform string, extra int, refusal func(err error, read bool) error, seeds ...string) {
	for _, s := range append(slices.Clone(RefusalBodies), seeds...) {
		f.Add(403, []byte(s))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 400 || status > 599 {
			return
		}
		for _, read := range []bool{true, false} {
			re := &httpc.RequestError{Platform: platform, Method: "GET", Path: "/api/x", Status: status, Body: body}
			CheckRefusal(t, refusal(re, read), body, extra)
		}
	})
}

// CheckRefusal checks the message of a refusal (an error answer's
// *driver.APIError) as roster prints it after "Error: ": one line, with no
// control character a terminal would act on, and at most 300 bytes of the
// platform's words (kit.Cut) besides roster's own of at most extra bytes.
func CheckRefusal(t *testing.T, err error, body []byte, extra int) {
	t.Helper()
	var ae *driver.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("an error answer %q gives %v, not a *driver.APIError", body, err)
	}
	for _, r := range ae.Message {
		if termtext.Acts(r) {
			t.Fatalf("an error answer %q gives the message %q, with the control character %U", body, ae.Message, r)
		}
	}
	if len(ae.Message) > 303+extra {
		t.Fatalf("an error answer %q gives a message of %d bytes: %.400q", body, len(ae.Message), ae.Message)
	}
}

// WriteStub is the transport of a driver's FuzzWriteAnswer: every write
// (a request Write picks; nil: every method but GET) is answered Status
// with Body, in which each "$TOKEN" is Token (so that the fuzzer can echo
// the credential back); every other request goes to Reads.
type WriteStub struct {
	Reads       http.RoundTripper
	Write       func(r *http.Request) bool
	Status      int
	ContentType string
	Body, Token string

	mu     sync.Mutex
	writes int
}

// RoundTrip answers r.
func (s *WriteStub) RoundTrip(r *http.Request) (*http.Response, error) {
	if s.Write != nil && !s.Write(r) || s.Write == nil && r.Method == http.MethodGet {
		return s.Reads.RoundTrip(r)
	}
	s.mu.Lock()
	s.writes++
	s.mu.Unlock()
	body := strings.ReplaceAll(s.Body, "$TOKEN", s.Token)
	return &http.Response{StatusCode: s.Status, Header: http.Header{"Content-Type": {s.ContentType}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// Writes is how many writes s answered.
func (s *WriteStub) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// ApplyAnswered applies changes one at a time, as an apply does (Begin
// first), while ws answers every write: a change that fails must have no
// outcome, and its error is checked by CheckWriteErr (at most 1024 bytes,
// 300 of them roster's, none of secrets); one that succeeds goes to ok,
// with its index. With oneWrite, every change must send exactly one write.
func ApplyAnswered(t *testing.T, d driver.Driver, ws *WriteStub, changes []plan.Change, oneWrite bool, ok func(i int, c *plan.Change, res driver.Result), secrets ...string) {
	t.Helper()
	d.Begin(changes)
	answer := strings.ReplaceAll(ws.Body, "$TOKEN", ws.Token)
	for i := range changes {
		c := &changes[i]
		before := ws.Writes()
		res, err := d.Apply(context.Background(), c)
		if oneWrite && ws.Writes() != before+1 {
			t.Fatalf("%s sent %d writes, want 1", c.Addr, ws.Writes()-before)
		}
		if err != nil {
			CheckWriteErr(t, err, answer, 1024, 300, secrets...)
			if res.Outcome != "" {
				t.Fatalf("%s failed (%v) with the outcome %q", c.Addr, err, res.Outcome)
			}
			continue
		}
		ok(i, c, res)
	}
}

// CheckWriteErr checks the error of a change whose write got a 2xx
// answer body roster could not use, as roster prints it after "Error: ":
// one line, with no control character a terminal would act on, at most
// limit bytes, and none of secrets. A *driver.APIError's Message is held
// to CheckRefusal's bound as well (300 bytes of the platform's words
// besides extra of roster's).
func CheckWriteErr(t *testing.T, err error, body string, limit, extra int, secrets ...string) {
	t.Helper()
	msg := err.Error()
	for _, r := range msg {
		if termtext.Acts(r) {
			t.Fatalf("the answer %.300q gives the error %.600q, with the control character %U", body, msg, r)
		}
	}
	if len(msg) > limit {
		t.Fatalf("the answer %.300q gives an error of %d bytes: %.600q", body, len(msg), msg)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			t.Fatalf("the answer %.300q gives the error %q, which holds the credential %q", body, msg, s)
		}
	}
	var ae *driver.APIError
	if errors.As(err, &ae) {
		CheckRefusal(t, err, []byte(body), extra)
	}
}
