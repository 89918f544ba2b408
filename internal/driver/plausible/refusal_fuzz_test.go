package plausible

import (
	"testing"

	"github.com/roster-dev/roster/internal/driver/drivertest"
)

// FuzzRefusal: whatever an error answer's body holds, the refusal roster
// shows is one line quoting a bounded part of it (drivertest.FuzzRefusal).
func FuzzRefusal(f *testing.F) {
	drivertest.FuzzRefusal(f, Platform, 300, (&Client{}).refusal, `{"error":{"a":"\u001b[2J"}}`)
}
