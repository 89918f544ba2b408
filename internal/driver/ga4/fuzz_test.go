package ga4

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/driver/fakeclock"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// FuzzParseKey: any credential variable is either a key or one error that
// quotes none of it.
func FuzzParseKey(f *testing.F) {
	key, _ := testKey(f)
	f.Add(key)
	f.Add(`{"type":"service_account","client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}`)
	f.Add(`{"type":"authorized_user"}`)
	f.Add("ya29.secret-token")
	f.Fuzz(func(t *testing.T, raw string) {
		k, err := parseKey(raw)
		if err == nil {
			if k.priv == nil || k.email == "" {
				t.Fatalf("a key without its parts: %+v", k)
			}
			return
		}
		if len(raw) > 12 && strings.Contains(err.Error(), raw) {
			t.Fatalf("the error %q quotes the credential", err)
		}
	})
}

// stub answers every request without a network: a token, the account with
// one property P, and the fuzzed body for the first read of any binding
// list, an empty page after.
func stub(body string) *drivertest.Stub {
	return &drivertest.Stub{ContentType: "application/json", Answer: func(path string, first bool) string {
		switch {
		case path == "/token":
			return `{"access_token":"ya29.x","expires_in":3599,"token_type":"Bearer"}`
		case path == "/v1alpha/accountSummaries":
			return `{"accountSummaries":[{"account":"accounts/100","propertySummaries":[{"property":"properties/1","displayName":"P"}]}]}`
		case first:
			return body
		}
		return `{}`
	}}
}

// FuzzRefresh: whatever a binding list answers, refresh returns a snapshot
// or an error, never panics, and never a snapshot with an unknown role.
func FuzzRefresh(f *testing.F) {
	key, _ := testKey(f)
	f.Add(`{"accessBindings":[{"name":"accounts/100/accessBindings/1","user":"a@x.io","roles":["predefinedRoles/viewer"]}]}`)
	f.Add(`{"accessBindings":null}`)
	f.Add(`{"nextPageToken":"x"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: "http://127.0.0.1:1", AccountID: "100"}, Token: key,
			Sites: []*model.Object{site("P", "")}, Guests: map[string]bool{}, Members: map[string]bool{}}
		d := newDriver(team, driver.Options{Clock: fakeclock.New(t0)}, stub(body))
		snap, err := d.Refresh(context.Background())
		if err != nil {
			return
		}
		for _, o := range snap.Objects {
			if _, ok, _ := modelRole(apiRoles(o.Role)); !ok {
				t.Fatalf("object %s with role %q", o.Addr, o.Role)
			}
		}
	})
}

// FuzzTokenError: whatever the token endpoint answers a refused token
// request with, the words roster quotes from it are one line without a
// control character, at most 300 bytes (and "...").
func FuzzTokenError(f *testing.F) {
	f.Add([]byte(`{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`))
	f.Add([]byte(`{"error":"a\u001b[2J\nb","error_description":"` + strings.Repeat("é", 300) + `"}`))
	f.Add([]byte("<html>\r\n\x1b]0;x\x07" + strings.Repeat("x", 400)))
	f.Fuzz(func(t *testing.T, body []byte) {
		msg := tokenError(body)
		if strings.IndexFunc(msg, func(r rune) bool { return r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 }) >= 0 || len(msg) > 303 {
			t.Fatalf("%q gives %q", body, msg)
		}
	})
}

// fuzzAccess is the access token in FuzzWriteAnswer; an answer may echo
// it ("$TOKEN"), and no error may show it.
const fuzzAccess = "ya29.fuzz-access-token-0123456789abcdef"

// liveStub answers the refresh of FuzzWriteAnswer: account 100 with
// property P (1); on the account, the service account (admin) and a@x.io
// (viewer); on P, c@x.io (analyst).
func liveStub() *drivertest.Stub {
	return &drivertest.Stub{ContentType: "application/json", Answer: func(path string, first bool) string {
		switch {
		case path == "/token":
			return `{"access_token":"` + fuzzAccess + `","expires_in":3599,"token_type":"Bearer"}`
		case path == "/v1alpha/accountSummaries":
			return `{"accountSummaries":[{"account":"accounts/100","propertySummaries":[{"property":"properties/1","displayName":"P"}]}]}`
		case !first:
		case path == "/v1alpha/accounts/100/accessBindings":
			return `{"accessBindings":[{"name":"accounts/100/accessBindings/sa","user":"` + saEmail + `","roles":["predefinedRoles/admin"]},` +
				`{"name":"accounts/100/accessBindings/a1","user":"a@x.io","roles":["predefinedRoles/viewer"]}]}`
		case path == "/v1alpha/properties/1/accessBindings":
			return `{"accessBindings":[{"name":"properties/1/accessBindings/c1","user":"c@x.io","roles":["predefinedRoles/analyst"]}]}`
		}
		return `{}`
	}}
}

// FuzzWriteAnswer: whatever a 2xx answer to a write holds, no change is
// counted as made on an answer that lacks what roster keeps of it, and
// any error is one bounded line without the access token. ga4.md,
// Endpoints: POST {parent}/accessBindings answers the created
// AccessBinding "with name", which roster keeps to PATCH or DELETE it
// later, so an answer without a binding name of that parent makes no
// binding; PATCH {name} answers the updated AccessBinding, the one
// patched (its name kept likewise); DELETE answers {} (Empty), nothing
// roster needs. The answer's user may differ from the email sent (ga4.md,
// Email identity: the primary address), so it is not held to it. Writes:
// an account binding's creation (POST) and role change (PATCH), a
// property binding's creation (POST) and removal (DELETE).
func FuzzWriteAnswer(f *testing.F) {
	key, _ := testKey(f)
	for _, s := range []string{
		// ga4.md, Endpoints: AccessBinding.
		`{"name":"accounts/100/accessBindings/200","user":"new@x.io","roles":["predefinedRoles/viewer"]}`,
		`{"name":"accounts/100/accessBindings/a1","user":"a@x.io","roles":["predefinedRoles/editor"]}`,
		`{"name":"properties/1/accessBindings/300","user":"d@x.io","roles":["predefinedRoles/viewer"]}`,
		`{}`, ``, `null`, `[]`, `{"name":""}`, `{"name":null}`, `{"name":5}`, `{"name":"accounts/100/accessBindings/"}`,
		`{"name":"accounts/100/accessBindings/.."}`, `{"name":"accounts/100/accessBindings/a/b"}`, `{"name":"accounts/100/accessBindings/sa"}`,
		`{"name":"accounts/100/accessBindings/$TOKEN"}`, `{"name":"accounts/999/accessBindings/1"}`,
		`{"name":"x` + strings.Repeat("\u00e9", 600) + `\u001b[2J"}`, `{"error":{"code":200,"message":"$TOKEN\nok"}}`,
		"<html>\n<body>OK</body>\n</html>",
	} {
		f.Add(200, s)
	}
	f.Add(204, ``)
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 200 || status > 299 {
			return
		}
		team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: "http://127.0.0.1:1", AccountID: acct}, Token: key,
			Sites: []*model.Object{site("P", "")}, Guests: map[string]bool{"c@x.io": true, "d@x.io": true}, Members: map[string]bool{"a@x.io": true}}
		ws := &drivertest.WriteStub{Reads: liveStub(), Status: status, ContentType: "application/json", Body: body, Token: fuzzAccess,
			Write: func(r *http.Request) bool { return r.Method != http.MethodGet && r.URL.Path != "/token" }}
		d := newDriver(team, driver.Options{Clock: fakeclock.New(t0)}, ws)
		drivertest.Refresh(t, d)
		changes := []plan.Change{
			memberChange(plan.Create, "new@x.io", "", "viewer"),
			memberChange(plan.Update, "a@x.io", "viewer", "editor"),
			grantChange(plan.Create, "P", "d@x.io", "", "viewer"),
			grantChange(plan.Delete, "P", "c@x.io", "analyst", ""),
		}
		// What each write must answer: the parent of the binding made,
		// or the binding patched ("" for the DELETE).
		parents := []string{"accounts/100", "accounts/100/accessBindings/a1", "properties/1", ""}
		others := []string{"accounts/100/accessBindings/sa", "accounts/100/accessBindings/a1", "properties/1/accessBindings/c1"}
		answer := strings.ReplaceAll(body, "$TOKEN", fuzzAccess)
		drivertest.ApplyAnswered(t, d, ws, changes, false, func(i int, c *plan.Change, res driver.Result) {
			if res.Outcome != driver.Applied {
				t.Fatalf("%s: outcome %q", c.Addr, res.Outcome)
			}
			want := parents[i]
			if want == "" {
				return
			}
			var b struct {
				Name string `json:"name"`
			}
			err := json.Unmarshal([]byte(answer), &b)
			switch {
			case err != nil:
				t.Fatalf("%s: the answer %q, which is not a binding (%v), gives the outcome %q", c.Addr, answer, err, res.Outcome)
			case strings.Contains(want, "/accessBindings/") && b.Name != want:
				t.Fatalf("%s: the answer %q to the PATCH of %s gives the outcome %q", c.Addr, answer, want, res.Outcome)
			case !strings.Contains(want, "/accessBindings/"):
				if _, err := bindingPath(want, b.Name); err != nil {
					t.Fatalf("%s: the answer %q gives the outcome %q, but %v", c.Addr, answer, res.Outcome, err)
				}
				if slices.Contains(others, b.Name) {
					t.Fatalf("%s: the answer %q, another's binding, gives the outcome %q", c.Addr, answer, res.Outcome)
				}
			}
		}, fuzzAccess)
	})
}
