package kit

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// DefaultParallelism is the reads in flight inside a team when
// driver.Options.Parallelism is 0 (schema/sync.md: --parallelism, default 4).
const DefaultParallelism = 4

// Limit is the reads in flight that a parallelism option allows: n, or
// DefaultParallelism when n ≤ 0.
func Limit(n int) int {
	if n <= 0 {
		return DefaultParallelism
	}
	return n
}

// Each runs job(0) … job(n-1), at most limit at a time (schema/sync.md,
// --parallelism bounds the reads in flight inside a team). The first
// error cancels the context the others see and is returned; a job
// started after it sees ctx's error.
func Each(ctx context.Context, limit, n int, job func(ctx context.Context, i int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(Limit(limit))
	for i := 0; i < n; i++ {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			return job(gctx, i)
		})
	}
	return g.Wait()
}

// TeamNotify prefixes each message with "team NAME: " (nil stays nil), so
// that a wait announced while several teams are read names its team.
func TeamNotify(team string, notify func(string)) func(string) {
	if notify == nil {
		return nil
	}
	return func(msg string) { notify("team " + team + ": " + msg) }
}
