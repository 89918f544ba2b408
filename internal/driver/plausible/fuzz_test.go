package plausible

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

// stub answers every request without a network: one team, one site, and
// the fuzzed body for the guests the first time, an empty page after.
func stub(body string) *drivertest.Stub {
	seen := false
	return &drivertest.Stub{ContentType: "application/json", Answer: func(path string, _ bool) string {
		switch {
		case strings.HasSuffix(path, "/sites/teams"):
			return `{"teams":[{"id":"t","name":"T"}],"meta":{"after":null}}`
		case strings.HasSuffix(path, "/sites"):
			return `{"sites":[{"domain":"P.com"}],"meta":{"after":null,"before":null,"limit":100}}`
		case !seen:
			seen = true
			return body
		}
		return `{"guests":[],"meta":{"after":null}}`
	}}
}

// FuzzRefresh feeds arbitrary answers to the guest read: a refresh either
// succeeds, with only guest grants of the declared site, or fails with an
// error, never a panic.
func FuzzRefresh(f *testing.F) {
	for _, s := range []string{
		`{"guests":[{"email":"A@x.io","role":"viewer","status":"accepted"},{"email":"b@x.io","role":"editor","status":"invited"}],"meta":{"after":null}}`,
		`{"guests":[{"email":"a@x.io","role":"viewer","status":"accepted"}],"meta":{"after":"c1"}}`,
		`{"guests":[{"email":"","status":"accepted"}]}`,
		`{"guests":null,"meta":null}`, `{"guests":{}}`, `[]`, `null`, `{"meta":{"after":5}}`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: "https://plausible.io"}, Token: "k",
			Sites: []*model.Object{{Addr: model.SiteAddress("acme", "p.com")}}}
		d := newDriver(team, Options{Clock: fakeclock.New(time.Time{})}, stub(body))
		snap, err := d.Refresh(context.Background())
		if err != nil {
			return
		}
		if snap.SiteIDs["p.com"] != "P.com" {
			t.Fatalf("site ids %v", snap.SiteIDs)
		}
		for _, o := range snap.Objects {
			if o.Addr.Kind != model.KindGrant || o.HolderKind != model.HolderGuest || o.Addr.Site != "p.com" || o.Addr.Email == "" {
				t.Fatalf("object %s %s", o.Addr, o.HolderKind)
			}
		}
	})
}

// fuzzKey is the team's key in FuzzWriteAnswer; an answer may echo it
// ("$TOKEN"), and no error may show it.
const fuzzKey = "plausible-fuzz-key-7f3a9c1e5b2d4086"

// FuzzWriteAnswer: whatever a 2xx answer to a write holds, the change is
// applied or invited only when the answer says so, and any error is one
// bounded line without the key. plausible.md, Endpoints: PUT guest
// answers the guest row, {"email","role","status"}, whose role and
// status roster needs (find-or-create: the row may be an existing one
// with another role) and whose email must be the one invited (citext:
// any case); DELETE guest answers {"deleted":true}, the only
// confirmation there is (apply.go, remove). Writes: a guest invitation
// (PUT), a removal (DELETE) and an invited guest's role change (DELETE,
// then PUT).
func FuzzWriteAnswer(f *testing.F) {
	for _, s := range []string{
		`{"email":"new@x.io","role":"viewer","status":"invited"}`, // plausible.md, PUT /api/v1/sites/guests
		`{"email":"NEW@x.io","role":"viewer","status":"accepted"}`,
		`{"email":"new@x.io","role":"editor","status":"accepted"}`,
		`{"deleted":true}`, // plausible.md, DELETE /api/v1/sites/guests/:email
		`{"deleted":true,"email":"inv@x.io","role":"editor","status":"invited"}`,
		`{"deleted":false}`, `{"deleted":"true"}`, `{"deleted":true,"deleted":true}`,
		`{"email":"other@x.io","role":"viewer","status":"invited"}`,
		`{"email":"new@x.io","role":"viewer","status":"pending\u001b[2J` + strings.Repeat("s", 600) + `"}`,
		`{"email":"new@x.io","role":"$TOKEN","status":"accepted"}`, `{"error":"$TOKEN"}`,
		`{"email":"new@x.io","role":"viewer"}`, `{"email":"new@x.io","role":"viewer","status":null}`,
		``, `null`, `[]`, `{}`, `"ok"`, "<html>\n<body>OK</body>\n</html>", `{"deleted":true}` + strings.Repeat(" ", 10) + `x`,
	} {
		f.Add(200, s)
	}
	f.Add(201, `{"email":"new@x.io","role":"viewer","status":"invited"}`)
	f.Add(204, ``)
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 200 || status > 299 {
			return
		}
		team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: "https://plausible.io"}, Token: fuzzKey,
			Sites: []*model.Object{{Addr: model.SiteAddress("acme", "p.com")}}}
		reads := stub(`{"guests":[{"email":"inv@x.io","role":"viewer","status":"invited"},{"email":"old@x.io","role":"viewer","status":"accepted"}],"meta":{"after":null}}`)
		ws := &drivertest.WriteStub{Reads: reads, Status: status, ContentType: "application/json", Body: body, Token: fuzzKey}
		d := newDriver(team, Options{Clock: fakeclock.New(time.Time{})}, ws)
		drivertest.Refresh(t, d)
		changes := []plan.Change{
			grantChange(plan.Create, "p.com", "new@x.io", "", "viewer", ""),
			grantChange(plan.Delete, "p.com", "old@x.io", "viewer", "", model.StatusActive),
			grantChange(plan.Update, "p.com", "inv@x.io", "viewer", "editor", model.StatusInvited),
		}
		answer := strings.ReplaceAll(body, "$TOKEN", fuzzKey)
		drivertest.ApplyAnswered(t, d, ws, changes, false, func(i int, c *plan.Change, res driver.Result) {
			if why := confirms(c, answer, res.Outcome); why != "" {
				t.Fatalf("%s: the answer %q gives the outcome %q, but %s", c.Addr, answer, res.Outcome, why)
			}
		}, fuzzKey)
	})
}

// confirms is "" when answer confirms the change c with outcome, else
// what is wrong: a removal needs {"deleted":true}, an invitation the
// guest row of its email with the wanted role, invited or accepted.
func confirms(c *plan.Change, answer string, outcome driver.Outcome) string {
	var ans struct {
		Deleted *bool   `json:"deleted"`
		Email   *string `json:"email"`
		Role    *string `json:"role"`
		Status  *string `json:"status"`
	}
	if err := json.Unmarshal([]byte(answer), &ans); err != nil {
		return "it is not a JSON object: " + err.Error()
	}
	if c.Before != nil && (ans.Deleted == nil || !*ans.Deleted) {
		return "it does not say deleted"
	}
	if c.After == nil {
		if outcome != driver.Applied {
			return "a removal is applied"
		}
		return ""
	}
	switch {
	case ans.Email == nil || !strings.EqualFold(*ans.Email, c.Addr.Email):
		return "it is not the guest row of " + c.Addr.Email
	case ans.Role == nil || *ans.Role != c.After.Role:
		return "its role is not " + c.After.Role
	case ans.Status == nil || *ans.Status == statusInvited && outcome != driver.Invited || *ans.Status == statusAccepted && outcome != driver.Applied:
		return "its status does not say so"
	case *ans.Status != statusInvited && *ans.Status != statusAccepted:
		return "its status is neither invited nor accepted"
	}
	return ""
}
