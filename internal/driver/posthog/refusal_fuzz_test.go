package posthog

import (
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/driver/drivertest"
)

// FuzzRefusal: whatever an error answer's body holds, the refusal roster
// shows is one line quoting a bounded part of it (drivertest.FuzzRefusal).
func FuzzRefusal(f *testing.F) {
	drivertest.FuzzRefusal(f, Platform, 300, refusal,
		`{"detail":"API key missing required scope 'organization_member:write'\n\u001b[2J`+strings.Repeat("x", 400)+`"}`)
}
