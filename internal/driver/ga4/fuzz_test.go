package ga4

import (
	"context"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/driver/fakeclock"
	"github.com/roster-dev/roster/internal/model"
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
