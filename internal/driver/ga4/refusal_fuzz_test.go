package ga4

import (
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/model"
)

// FuzzRefusal: whatever an error answer's body holds, the refusal roster
// shows (Google's status and words, then what to do) is one line quoting
// a bounded part of it (drivertest.CheckRefusal).
func FuzzRefusal(f *testing.F) {
	for _, s := range drivertest.RefusalBodies {
		f.Add(403, []byte(s))
	}
	f.Add(400, []byte(`{"error":{"code":400,"status":"INVALID\nARGUMENT","message":"a\u001b[2J `+strings.Repeat("é", 200)+`"}}`))
	f.Add(404, []byte(`{"error":{"status":"NOT_FOUND","details":[{"reason":"SERVICE_DISABLED"}]}}`))
	team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: "https://x.example", AccountID: acct, TokenEnv: tokenEnv}, Token: "k"}
	d := newDriver(team, opts(nil), nil)
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 400 || status > 599 {
			return
		}
		re := &httpc.RequestError{Platform: Platform, Method: "GET", Path: "/v1alpha/accounts/100/accessBindings", Status: status, Body: body}
		se := &StatusError{HTTP: status, req: re}
		if s, ok := parseStatus(body); ok {
			se.Status, se.Message, se.Reasons = s.Error.Status, s.Error.Message, s.reasons()
		}
		// Roster's own words (what to do) run to some 300 bytes.
		drivertest.CheckRefusal(t, d.apiErr(se, model.Address{}, true, "the binding"), body, 400)
	})
}
