package cli

import (
	"runtime/debug"
	"testing"
)

// TestTuneGCForApply: apply PLANFILE collects with a target of 400,
// unless GOGC is set, which wins; in the small-heap phase (tuneGC) the
// target waits for the hand-over, which then gives 400, not 100.
func TestTuneGCForApply(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	reset := func(handedOver bool) {
		gc.Lock()
		gc.percent, gc.handedOver = 0, handedOver
		gc.Unlock()
	}
	defer reset(false)

	t.Setenv("GOGC", "")
	reset(true)
	tuneGCForApply()
	if got := debug.SetGCPercent(100); got != 400 {
		t.Errorf("GOGC unset: target %d after tuneGCForApply, want 400", got)
	}

	// Still in the small-heap phase: nothing changes until the hand-over.
	reset(false)
	debug.SetGCPercent(-1)
	tuneGCForApply()
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Errorf("small heap: target %d after tuneGCForApply, want it left off (-1) until the hand-over", got)
	}
	floorHeapHandOver()
	if got := debug.SetGCPercent(100); got != 400 {
		t.Errorf("after the hand-over: target %d, want 400", got)
	}

	t.Setenv("GOGC", "150")
	reset(true)
	tuneGCForApply()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set: target %d after tuneGCForApply, want it left alone (100)", got)
	}
}
