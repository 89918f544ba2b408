package state

import (
	"context"
	"runtime"

	"golang.org/x/sync/errgroup"
)

// chunkSize is how many items one call of InChunks's fn takes: large
// enough that a small state is one chunk, on one goroutine.
const chunkSize = 2048

// InChunks calls fn for consecutive chunks [lo, hi) of [0, n) on up to
// GOMAXPROCS goroutines (an errgroup with SetLimit): the stores' encoding
// and decoding of objects. It returns the first error fn returns; chunks
// not started by then are not. fn must write only to what its own chunk
// owns.
func InChunks(n int, fn func(lo, hi int) error) error {
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(runtime.GOMAXPROCS(0))
	for lo := 0; lo < n && ctx.Err() == nil; lo += chunkSize {
		hi := min(lo+chunkSize, n)
		g.Go(func() error { return fn(lo, hi) })
	}
	return g.Wait()
}
