package piwikpro

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/driver/fakeclock"
	"github.com/roster-dev/roster/internal/model"
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
