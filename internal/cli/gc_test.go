package cli

import (
	"runtime/debug"
	"testing"
)

// TestTuneGCForApply: apply PLANFILE collects with a target of 400,
// unless GOGC is set, which wins.
func TestTuneGCForApply(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "")
	tuneGCForApply()
	if got := debug.SetGCPercent(100); got != 400 {
		t.Errorf("GOGC unset: target %d after tuneGCForApply, want 400", got)
	}
	t.Setenv("GOGC", "150")
	tuneGCForApply()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set: target %d after tuneGCForApply, want it left alone (100)", got)
	}
}
