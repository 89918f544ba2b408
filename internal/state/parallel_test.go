package state

import (
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestInChunks: every index is handed to exactly one chunk; the first
// error is returned, and chunks not yet started then never start.
func TestInChunks(t *testing.T) {
	for _, n := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 5*chunkSize + 7} {
		seen := make([]atomic.Int32, n)
		if err := InChunks(n, func(lo, hi int) error {
			for i := lo; i < hi; i++ {
				seen[i].Add(1)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for i := range seen {
			if c := seen[i].Load(); c != 1 {
				t.Fatalf("n=%d: index %d handed %d times", n, i, c)
			}
		}
	}

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	boom := errors.New("boom")
	var calls atomic.Int32
	err := InChunks(100*chunkSize, func(lo, hi int) error {
		calls.Add(1)
		if lo == 0 {
			return boom
		}
		time.Sleep(2 * time.Millisecond) // real chunks take time
		return nil
	})
	if !errors.Is(err, boom) {
		t.Errorf("InChunks: %v, want %v", err, boom)
	}
	// Chunk 0 fails at once: a few chunks run while its goroutine starts,
	// not the hundred.
	if c := calls.Load(); c > 10 {
		t.Errorf("%d chunks ran after the first failed", c)
	}
}
