package matomo

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/driver/fakeclock"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// FuzzAnswers feeds Matomo answers the driver reads to its parsers: no
// input may panic, and an answer that passes the users' shape decodes.
func FuzzAnswers(f *testing.F) {
	for _, s := range []string{
		`{"result":"error","message":"x"}`, `{"value":"5.2.0"}`, `[{"idsite":"1","name":"Shop"}]`,
		`{"1":{"idsite":1,"name":"Shop"}}`, `[{"login":"a","email":"a@x.io","superuser_access":"0","invite_status":6.0}]`,
		`[{"login":"a","role":"view","capabilities":["tagmanager_write"]}]`, `null`, `[]`, `{}`, `<xml/>`,
		`{"result":"error","message":"a\n\u001b[2J` + strings.Repeat("é", 200) + `"}`, "[1,\n\u0007" + strings.Repeat("é", 200) + "]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// Matomo's words reach an error message: one line, nothing a
		// terminal acts on, at most 300 bytes of them.
		for _, msg := range []string{first(errorResult(body)), first(errorBody(body))} {
			if strings.IndexFunc(msg, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' }) >= 0 ||
				len(msg) > 303+len("an error answer without Matomo's message: ") || !utf8.ValidString(msg) && utf8.ValidString(string(body)) {
				t.Fatalf("%q gives the message %q", body, msg)
			}
		}
		decodeSites(body) //nolint:errcheck
		parseVersion(string(body))
		if kit.Check(body, usersShape) == nil {
			var users []apiUser
			if err := json.Unmarshal(body, &users); err != nil {
				t.Fatalf("a shaped answer did not decode: %v", err)
			}
			for _, u := range users {
				flag(u.Superuser)            //nolint:errcheck
				inviteStatus(u.InviteStatus) //nolint:errcheck
			}
		}
		if kit.Check(body, roleRowsShape) == nil {
			var rows []apiRoleRow
			if err := json.Unmarshal(body, &rows); err != nil {
				t.Fatalf("a shaped answer did not decode: %v", err)
			}
		}
	})
}

func first(s string, _ bool) string { return s }

// fuzzToken is the team's token_auth in FuzzWriteAnswer; an answer may
// echo it ("$TOKEN"), and no error may show it.
const fuzzToken = "fuzz0matomo0token0123456789abcdef"

// roundTrip is an http.RoundTripper of a function.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// apiMethod is the Matomo API method of a request (its form body's
// method), the body put back for the request's next reader.
func apiMethod(r *http.Request) string {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	q, _ := url.ParseQuery(string(b))
	return q.Get("method")
}

// reads answers the refresh of FuzzWriteAnswer (and the deletion's
// guard): the superuser root (account_id), website Shop (1), bob@x.io
// with view and carl@x.io with write on it.
var reads = map[string]string{
	"UsersManager.getUsersHavingSuperUserAccess": `[{"login":"root","email":"root@x.io"}]`,
	"API.getMatomoVersion":                       `{"value":"5.2.0"}`,
	"SitesManager.getSitesWithAdminAccess":       `[{"idsite":"1","name":"Shop"}]`,
	"UsersManager.getUsers": `[{"login":"root","email":"root@x.io","superuser_access":"1","invite_status":"active"},` +
		`{"login":"bob","email":"bob@x.io","superuser_access":"0","invite_status":"active"},{"login":"carl","email":"carl@x.io","superuser_access":"0","invite_status":"active"}]`,
	"UsersManager.getUsersPlusRole":       `[{"login":"bob","role":"view","capabilities":[]},{"login":"carl","role":"write","capabilities":[]}]`,
	"UsersManager.getSitesAccessFromUser": `[{"site":"1","access":"write"}]`,
}

// FuzzWriteAnswer: whatever a 2xx answer to a write holds, no change is
// counted as made unless Matomo confirmed it, and any error is one
// bounded line without the token. matomo.md, Response format: every
// write roster sends is a void method, answered 200
// {"result":"success","message":"ok"}, and a failure is most often an
// HTTP 200 {"result":"error"}: only result "success" confirms the change
// (api.go, Send), and it is all roster needs (inviteUser's login is
// roster's own). Writes: an invitation (inviteUser), a role change
// (setUserAccess) and a removal (deleteUser, after its guard's read).
func FuzzWriteAnswer(f *testing.F) {
	for _, s := range []string{
		`{"result":"success","message":"ok"}`, // matomo.md, Response format
		`{"result":"error","message":"The user has already been invited"}`,
		`{"result":"success"}`, `{"result":"Success"}`, `{"result":"success","result":"error"}`, `{"result":true}`,
		`{"result":"error","message":"$TOKEN\n\u001b[2J` + strings.Repeat("é", 300) + `"}`, `{"result":"$TOKEN"}`, `{"$TOKEN":1,"$TOKEN":2}`,
		`{"result":"ok` + strings.Repeat("\u0007", 400) + `"}`, `{"` + strings.Repeat("k", 2000) + `":1,"` + strings.Repeat("k", 2000) + `":2}`,
		``, `{}`, `null`, `[]`, `true`, `"success"`, "<html>\n<body>token_auth=$TOKEN</body>\n</html>",
	} {
		f.Add(200, s)
	}
	f.Add(204, ``)
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 200 || status > 299 {
			return
		}
		team := &driver.Team{Name: "m", Conn: model.Connection{Endpoint: "https://matomo.example", AccountID: "root"}, Token: fuzzToken,
			Sites: []*model.Object{{Addr: model.SiteAddress("m", "Shop")}}, Members: map[string]bool{"carl@x.io": true}, Guests: map[string]bool{"bob@x.io": true}}
		ws := &drivertest.WriteStub{Status: status, ContentType: "application/json", Body: body, Token: fuzzToken,
			Write: func(r *http.Request) bool { return reads[apiMethod(r)] == "" },
			Reads: roundTrip(func(r *http.Request) (*http.Response, error) {
				m := apiMethod(r)
				h := http.Header{"Content-Type": {"application/json"}}
				if m == methodUsersPlusRole {
					h.Set("X-Matomo-Total-Results", "2")
				}
				return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(reads[m])), Request: r}, nil
			})}
		d := newDriver(team, Options{Clock: fakeclock.New(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))}, ws)
		drivertest.Refresh(t, d)
		changes := []plan.Change{
			change(plan.Create, model.PersonGrantAddress("m", "Shop", "new@x.io"), nil, grantObj("Shop", "new@x.io", "view")),
			change(plan.Update, model.PersonGrantAddress("m", "Shop", "bob@x.io"), grantObj("Shop", "bob@x.io", "view"), grantObj("Shop", "bob@x.io", "write")),
			change(plan.Delete, model.MemberAddress("m", "carl@x.io"), &model.Object{Addr: model.MemberAddress("m", "carl@x.io"), Role: "write"}, nil),
		}
		answer := strings.ReplaceAll(body, "$TOKEN", fuzzToken)
		drivertest.ApplyAnswered(t, d, ws, changes, true, func(i int, c *plan.Change, res driver.Result) {
			var ans struct {
				Result string `json:"result"`
			}
			if err := json.Unmarshal([]byte(answer), &ans); err != nil || ans.Result != "success" {
				t.Fatalf("%s: the answer %q gives the outcome %q", c.Addr, answer, res.Outcome)
			}
			if want := []driver.Outcome{driver.Invited, driver.Applied, driver.Applied}[i]; res.Outcome != want {
				t.Fatalf("%s: outcome %q, want %q", c.Addr, res.Outcome, want)
			}
		}, fuzzToken)
	})
}
