package posthog

import (
	"context"
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

// stub answers every request without a network: the fuzzed body the first
// time a list or access path is read, an empty page after.
func stub(body string) *drivertest.Stub {
	return &drivertest.Stub{ContentType: "application/json", Answer: func(path string, first bool) string {
		switch {
		case strings.HasSuffix(path, "/users/@me/"):
			return `{"uuid":"u","email":"O@x.io","organizations":[{"id":"org","name":"Org"}]}`
		case strings.HasSuffix(path, "/projects/") && strings.Contains(path, "/organizations/"):
			if first {
				return `{"count":1,"next":null,"results":[{"id":1,"name":"P"}]}`
			}
		case first:
			return body
		}
		return `{"count":0,"next":null,"results":[]}`
	}}
}

// FuzzRefresh feeds arbitrary answers to the members, invitations and
// access reads: a refresh either succeeds or fails with an error, never
// a panic.
func FuzzRefresh(f *testing.F) {
	for _, s := range []string{
		`{"count":1,"next":null,"results":[{"id":"m1","level":8,"user":{"uuid":"u1","email":"A@x.io"}}]}`,
		`{"count":1,"next":null,"results":[{"id":"i1","target_email":"b@x.io","level":1,"is_expired":false,"private_project_access":[{"id":"1","level":"admin"}]}]}`,
		`{"access_controls":[{"access_level":"member","organization_member":"m1"},{"access_level":"none","organization_member":null}],"default_access_level":"member"}`,
		`{"count":5,"next":"x","results":[{}]}`,
		`{"results":null}`, `[]`, `null`, `{"count":"x"}`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: "https://eu.posthog.com", AccountID: "org"}, Token: "k",
			Sites: []*model.Object{{Addr: model.SiteAddress("acme", "P")}}, Guests: map[string]bool{"b@x.io": true}}
		d := newDriver(team, Options{Clock: fakeclock.New(time.Time{})}, stub(body))
		snap, err := d.Refresh(context.Background())
		if err == nil && snap.SiteIDs["P"] != "1" {
			t.Fatalf("site ids %v", snap.SiteIDs)
		}
	})
}

// fuzzKey is the team's key in FuzzWriteAnswer; an answer may echo it
// ("$TOKEN"), and no error may show it.
const fuzzKey = "phx_fuzzkey0123456789abcdefghijklmnopqrstuv"

// liveStub answers the refresh of FuzzWriteAnswer: the key's owner
// o@x.io (owner), a@x.io (member, access row member on P), b@x.io
// (admin), c@x.io (member), and inv@x.io invited as a member.
func liveStub() *drivertest.Stub {
	return &drivertest.Stub{ContentType: "application/json", Answer: func(path string, first bool) string {
		switch {
		case !first:
		case strings.HasSuffix(path, "/users/@me/"):
			return `{"uuid":"uo","email":"o@x.io","organizations":[{"id":"org","name":"Org"}]}`
		case strings.HasSuffix(path, "/members/"):
			return `{"count":4,"next":null,"results":[` +
				`{"id":"mo","level":15,"user":{"uuid":"uo","email":"o@x.io"}},{"id":"ma","level":1,"user":{"uuid":"ua","email":"a@x.io"}},` +
				`{"id":"mb","level":8,"user":{"uuid":"ub","email":"b@x.io"}},{"id":"mc","level":1,"user":{"uuid":"uc","email":"c@x.io"}}]}`
		case strings.HasSuffix(path, "/invites/"):
			return `{"count":1,"next":null,"results":[{"id":"i1","target_email":"inv@x.io","level":1,"is_expired":false,"created_at":"2026-03-01T00:00:00Z","private_project_access":[]}]}`
		case strings.HasSuffix(path, "/projects/"):
			return `{"count":1,"next":null,"results":[{"id":1,"name":"P"}]}`
		case strings.HasSuffix(path, "/access_controls/"):
			return `{"access_controls":[{"access_level":"member","organization_member":"ma","role":null},{"access_level":"none","organization_member":null,"role":null}],"default_access_level":"admin"}`
		}
		return `{"count":0,"next":null,"results":[]}`
	}}
}

// FuzzWriteAnswer: whatever a 2xx answer to a write holds, no change is
// counted as made on an answer that lacks what roster keeps of it, and
// any error is one bounded line without the key. posthog.md, Endpoints:
// POST invites/ answers the invite, whose id roster keeps to delete it
// later (apply.go, send; decide.go, postInvite): an answer without one is
// no invitation. PATCH members/{uuid}/ (200 member), DELETE members/
// {uuid}/ and invites/{id}/ (204) and PUT access_controls/ (200 row, 204
// when deleted) carry nothing roster needs: any JSON answer, or none, is
// the change made. Writes: an invitation (POST), a level change (PATCH),
// a project access change (PUT), a member's removal and an invitation's
// (DELETE).
func FuzzWriteAnswer(f *testing.F) {
	for _, s := range []string{
		// posthog.md, Endpoints: the invite POST's answer [OIt].
		`{"id":"7f1e8b2a-0000-4000-8000-000000000001","target_email":"new@x.io","first_name":"","emailing_attempt_made":true,"level":1,"is_expired":false,"created_by":{"uuid":"uo"},"created_at":"2026-03-02T10:00:00Z","updated_at":"2026-03-02T10:00:00Z","message":null,"private_project_access":[]}`,
		`{"id":"mb","level":1,"user":{"uuid":"ub","email":"b@x.io"}}`, // PATCH's member
		`{"access_level":"admin","resource":"project","resource_id":"1","organization_member":"ma","role":null}`,
		``, `{}`, `null`, `[]`, `"ok"`, "<html>\n<body>OK</body>\n</html>",
		`{"id":"","created_at":""}`, `{"id":null,"created_at":"x"}`, `{"id":5,"created_at":"x"}`, `{"id":"i2"}`,
		`{"id":"i2","id":"i3","created_at":"x"}`, `{"id":"$TOKEN","created_at":"$TOKEN"}`, `{"detail":"$TOKEN\n\u001b[2J"}`,
		`{"id":"` + strings.Repeat("\u00e9", 400) + `","created_at":1}`, `{"` + strings.Repeat("k", 2000) + `":1,"` + strings.Repeat("k", 2000) + `":2}`,
	} {
		f.Add(200, s)
	}
	f.Add(201, `{"id":"i2","created_at":"2026-03-02T10:00:00Z","target_email":"New@X.io"}`)
	f.Add(201, `{"id":"i2","created_at":"2026-03-02T10:00:00Z","target_email":"owner@x.io"}`) // another's invitation
	f.Add(204, ``)
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 200 || status > 299 {
			return
		}
		team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: "https://eu.posthog.com", AccountID: "org"}, Token: fuzzKey,
			Sites: []*model.Object{{Addr: model.SiteAddress("acme", "P")}}, Members: map[string]bool{"a@x.io": true, "b@x.io": true, "c@x.io": true}}
		ws := &drivertest.WriteStub{Reads: liveStub(), Status: status, ContentType: "application/json", Body: body, Token: fuzzKey}
		d := newDriver(team, Options{Clock: fakeclock.New(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))}, ws)
		drivertest.Refresh(t, d)
		changes := []plan.Change{
			memberChange(plan.Create, "new@x.io", "", "member", ""),
			memberChange(plan.Update, "b@x.io", "admin", "member", model.StatusActive),
			grantChange(plan.Update, "P", "a@x.io", "member", "admin", model.HolderMember, model.StatusActive),
			memberChange(plan.Delete, "c@x.io", "member", "", model.StatusActive),
			memberChange(plan.Delete, "inv@x.io", "member", "", model.StatusInvited),
		}
		answer := strings.ReplaceAll(body, "$TOKEN", fuzzKey)
		drivertest.ApplyAnswered(t, d, ws, changes, true, func(i int, c *plan.Change, res driver.Result) {
			if i > 0 {
				if res.Outcome != driver.Applied {
					t.Fatalf("%s: outcome %q", c.Addr, res.Outcome)
				}
				return
			}
			var inv struct {
				ID          string `json:"id"`
				CreatedAt   string `json:"created_at"`
				TargetEmail string `json:"target_email"`
			}
			if res.Outcome != driver.Invited || json.Unmarshal([]byte(answer), &inv) != nil || inv.ID == "" || !strings.EqualFold(inv.TargetEmail, "new@x.io") {
				t.Fatalf("%s: the answer %q gives the outcome %q, but it is not new@x.io's invitation", c.Addr, answer, res.Outcome)
			}
		}, fuzzKey)
	})
}
