package piwikpro

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/driver/fakeclock"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

var stubToken = "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"u1"}`)) + ".sig"

// stub answers every request without a network: a token, one app P, and
// the fuzzed body the first time any other list is read, an empty page
// after.
func stub(body string) *drivertest.Stub {
	return &drivertest.Stub{ContentType: JSONAPI, Answer: func(path string, first bool) string {
		switch {
		case path == "/auth/token":
			return `{"token_type":"Bearer","expires_in":1800,"access_token":"` + stubToken + `"}`
		case path == "/api/apps/v2":
			if first {
				return `{"meta":{"total":1},"data":[{"id":"app1","type":"ppms/app","attributes":{"name":"P"}}]}`
			}
		case first:
			return body
		}
		return `{"meta":{"total":0},"data":[]}`
	}}
}

// FuzzRefresh feeds arbitrary answers to the users, groups, group users
// and permission reads: a refresh either succeeds or fails with an
// error, never a panic.
func FuzzRefresh(f *testing.F) {
	for _, s := range []string{
		`{"meta":{"total":2},"data":[{"id":"u1","type":"ppms/user","attributes":{"email":"O@x.io","role":"OWNER"}},{"id":"u2","attributes":{"email":"b@x.io","role":"USER"}}]}`,
		`{"meta":{"total":1},"data":[{"id":"g1","type":"ppms/user-group","attributes":{"name":"Managers"}}]}`,
		`{"meta":{"total":1},"data":[{"id":"u2","type":"app/permission/user","attributes":{"email":"b@x.io","permission":"edit-publish","group_permissions":{"group_names":[],"permission":"no-access"}}}]}`,
		`{"meta":{"total":1},"data":[{"id":"g1","attributes":{"name":"Managers","permission":"copy"}}]}`,
		`{"meta":{"total":5},"data":[{}]}`,
		`{"data":null}`, `[]`, `null`, `{"meta":{"total":"x"}}`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: "https://acme.piwik.pro"}, Token: "id:secret",
			Sites: []*model.Object{{Addr: model.SiteAddress("acme", "P")}}, Guests: map[string]bool{"b@x.io": true}}
		d := newDriver(team, Options{Clock: fakeclock.New(time.Time{})}, stub(body))
		snap, err := d.Refresh(context.Background())
		if err == nil && snap.SiteIDs["P"] != "app1" {
			t.Fatalf("site ids %v", snap.SiteIDs)
		}
		if err == nil {
			for _, o := range snap.Objects {
				if o.Addr.Kind == model.KindGroup && model.CheckGroupName(o.Addr.Group) != nil {
					t.Fatalf("group label %q", o.Addr.Group)
				}
			}
		}
	})
}

// FuzzGroupLabel: every name gives a valid group label.
func FuzzGroupLabel(f *testing.F) {
	for _, s := range []string{"Managers", "Data & Analytics", "", "---", "Ünïcode", strings.Repeat("ab ", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if l := GroupLabel(name); model.CheckGroupName(l) != nil {
			t.Fatalf("GroupLabel(%q) = %q", name, l)
		}
	})
}

// FuzzSubject: any token gives a subject or "", never a panic; a token
// whose claims name a subject gives that subject.
func FuzzSubject(f *testing.F) {
	f.Add(stubToken, "u1")
	f.Add("a.b", "")
	f.Add("a.e30=.c", "x")
	f.Fuzz(func(t *testing.T, tok, sub string) {
		subject(tok)
		claims, err := json.Marshal(map[string]string{"sub": sub})
		if err != nil {
			return // not valid UTF-8: no token holds it
		}
		made := "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(claims) + ".sig"
		if got := subject(made); got != sub {
			t.Fatalf("a token for %q gives %q", sub, got)
		}
	})
}

// fuzzSecret is the client secret of the team's key in FuzzWriteAnswer;
// an answer may echo it ("$TOKEN"), and no error may show it, nor the
// bearer token (stubToken).
const fuzzSecret = "fuzz-client-secret-0123456789abcdef"

// liveStub answers the refresh of FuzzWriteAnswer: the key's owner u1
// (o@x.io, OWNER), a@x.io and c@x.io (USER), app P where a@x.io has
// view, and group ops (a@x.io) with view on P.
func liveStub() *drivertest.Stub {
	return &drivertest.Stub{ContentType: JSONAPI, Answer: func(path string, first bool) string {
		switch {
		case path == "/auth/token":
			return `{"token_type":"Bearer","expires_in":1800,"access_token":"` + stubToken + `"}`
		case !first:
		case path == "/api/users/v2":
			return `{"meta":{"total":3},"data":[{"id":"u1","type":"ppms/user","attributes":{"email":"o@x.io","role":"OWNER"}},` +
				`{"id":"u2","type":"ppms/user","attributes":{"email":"a@x.io","role":"USER"}},{"id":"u3","type":"ppms/user","attributes":{"email":"c@x.io","role":"USER"}}]}`
		case path == "/api/apps/v2":
			return `{"meta":{"total":1},"data":[{"id":"app1","type":"ppms/app","attributes":{"name":"P"}}]}`
		case path == "/api/user-groups/v1":
			return `{"meta":{"total":1},"data":[{"id":"g1","type":"ppms/user-group","attributes":{"name":"ops"}}]}`
		case path == "/api/user-groups/v1/g1/users":
			return `{"meta":{"total":1},"data":[{"id":"u2","type":"ppms/user","attributes":{"email":"a@x.io"}}]}`
		case strings.HasSuffix(path, "/permission/user"):
			return `{"meta":{"total":2},"data":[{"id":"u2","type":"app/permission/user","attributes":{"email":"a@x.io","permission":"view","group_permissions":{"group_names":["ops"],"permission":"view"}}},` +
				`{"id":"u3","type":"app/permission/user","attributes":{"email":"c@x.io","permission":"no-access","group_permissions":{"group_names":[],"permission":"no-access"}}}]}`
		case strings.HasSuffix(path, "/permission/user-group"):
			return `{"meta":{"total":1},"data":[{"id":"g1","type":"app/permission/user-group","attributes":{"name":"ops","permission":"view"}}]}`
		}
		return `{"meta":{"total":0},"data":[]}`
	}}
}

// FuzzWriteAnswer: whatever a 2xx answer to a write holds, no change is
// counted as made on an answer that lacks what roster keeps of it, and
// any error is one bounded line without the key or the bearer token.
// piwikpro.md, Endpoints: POST /api/users/v2/invite answers 201
// {data:user}, whose id roster keeps for the user's later requests (an
// answer without it, or with another email's user, makes no user), and
// POST /api/user-groups/v1 answers 201 {data:group}, whose id it keeps
// likewise (the group of the name sent); every other write answers 204
// and carries nothing roster needs, so any answer is the change made.
// Writes: an invitation (POST invite), a role change (PATCH change-role),
// a permission (POST permission/user), a group's creation and its
// members (POST user-groups, POST relationships/users), a user's removal
// and a group's (DELETE).
func FuzzWriteAnswer(f *testing.F) {
	for _, s := range []string{
		// piwikpro.md, Shapes: a user, a group.
		`{"data":{"id":"b30e0000-0000-4000-8000-000000000001","type":"ppms/user","attributes":{"email":"new@x.io","role":"USER","organization":"acme","addedAt":"2021-08-02T12:16:30+00:00","language":"en-US"}}}`,
		`{"data":{"id":"9a1c0000-0000-4000-8000-000000000002","type":"ppms/user-group","attributes":{"name":"newgrp","created_at":"2026-03-02T10:00:00+00:00","updated_at":"2026-03-02T10:00:00+00:00","external_id":null}}}`,
		`{"data":{"id":"u9","attributes":{"email":"NEW@x.io","role":"OWNER","name":"newgrp"}}}`,
		``, `{}`, `null`, `[]`, `{"data":null}`, `{"data":{}}`, `{"data":{"id":""}}`, `{"data":{"id":5}}`,
		`{"data":{"id":"u1","attributes":{"email":"o@x.io","role":"OWNER"}}}`, `{"data":{"id":"g1","attributes":{"name":"ops"}}}`,
		`{"data":{"id":"$TOKEN","attributes":{"email":"$TOKEN","role":"$TOKEN"}}}`, `{"errors":[{"detail":"` + stubToken + `\n\u001b[2J"}]}`,
		"<html>\n<body>Created</body>\n</html>",
	} {
		f.Add(200, s)
	}
	f.Add(201, `{"data":{"id":"u9","type":"ppms/user","attributes":{"email":"new@x.io","role":"USER"}}}`)
	f.Add(204, ``)
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 200 || status > 299 {
			return
		}
		team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: "https://acme.piwik.pro"}, Token: "fuzzclient-0001:" + fuzzSecret,
			Sites: []*model.Object{{Addr: model.SiteAddress("acme", "P")}}, Members: map[string]bool{"a@x.io": true, "c@x.io": true}}
		ws := &drivertest.WriteStub{Reads: liveStub(), Status: status, ContentType: JSONAPI, Body: body, Token: fuzzSecret,
			Write: func(r *http.Request) bool { return r.Method != http.MethodGet && r.URL.Path != "/auth/token" }}
		d := newDriver(team, Options{Clock: fakeclock.New(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))}, ws)
		drivertest.Refresh(t, d)
		changes := []plan.Change{
			memberChange(plan.Create, "new@x.io", "", "user"),
			groupChange(plan.Create, "newgrp", nil, []string{"c@x.io"}),
			grantChange(plan.Update, "P", "a@x.io", "view", "edit", model.HolderMember),
			memberChange(plan.Update, "a@x.io", "user", "owner"),
			memberChange(plan.Delete, "c@x.io", "user", ""),
			groupChange(plan.Delete, "ops", []string{"a@x.io"}, nil),
		}
		answer := strings.ReplaceAll(body, "$TOKEN", fuzzSecret)
		drivertest.ApplyAnswered(t, d, ws, changes, false, func(i int, c *plan.Change, res driver.Result) {
			if res.Outcome != driver.Applied {
				t.Fatalf("%s: outcome %q", c.Addr, res.Outcome)
			}
			if i > 1 {
				return
			}
			var ans struct {
				Data struct {
					ID         string `json:"id"`
					Attributes struct {
						Email string `json:"email"`
						Name  string `json:"name"`
					} `json:"attributes"`
				} `json:"data"`
			}
			err := json.Unmarshal([]byte(answer), &ans)
			if err != nil || ans.Data.ID == "" ||
				i == 0 && model.NormalizeEmail(ans.Data.Attributes.Email) != "new@x.io" || i == 1 && ans.Data.Attributes.Name != "newgrp" {
				t.Fatalf("%s: the answer %q gives the outcome %q, but it is not the new one's (%v)", c.Addr, answer, res.Outcome, err)
			}
		}, fuzzSecret, stubToken)
	})
}
