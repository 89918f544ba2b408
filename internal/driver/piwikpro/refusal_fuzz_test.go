package piwikpro

import (
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/driver/drivertest"
)

// FuzzRefusal: whatever an error answer's body holds, the refusal roster
// shows is one line quoting a bounded part of it (drivertest.FuzzRefusal).
func FuzzRefusal(f *testing.F) {
	// piwikpro.md, Errors (JSON:API): errors[].title and detail, here
	// with a line break, a terminal escape and a long word.
	drivertest.FuzzRefusal(f, Platform, 300, refusal,
		`{"errors":[{"status":"400","code":"error.default","title":"Invalid\nform","detail":"Invalid permission \u001b[2J`+strings.Repeat("x", 400)+`"}]}`)
}
