package piwikpro

import (
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/driver/httpc"
)

// FuzzRefusal: whatever an error answer's body holds, the refusal roster
// shows is one line quoting a bounded part of it (drivertest.CheckRefusal).
func FuzzRefusal(f *testing.F) {
	for _, s := range drivertest.RefusalBodies {
		f.Add(403, []byte(s))
	}
	f.Add(403, []byte(`{"detail":"API key missing required scope 'organization_member:write'\n\u001b[2J`+strings.Repeat("x", 400)+`"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 400 || status > 599 {
			return
		}
		for _, read := range []bool{true, false} {
			err := refusal(&httpc.RequestError{Platform: Platform, Method: "GET", Path: "/api/x", Status: status, Body: body}, read)
			drivertest.CheckRefusal(t, err, body, 300)
		}
	})
}
