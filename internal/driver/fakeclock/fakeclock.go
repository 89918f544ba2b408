// Package fakeclock is the driver.Clock of tests: time stands still until
// a test or a sleep moves it, and a sleep moves it at once, so pacing,
// backoff and expiry are tested without waiting. It imports nothing of
// roster's, so every driver package's tests (httpc and kit included) can
// use it.
package fakeclock

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Clock is a driver.Clock that moves only when told. Safe for concurrent
// use.
type Clock struct {
	// OnSleep, when set, is told of each sleep after the clock moved
	// (e.g. to move a fake server's clock with it).
	OnSleep func(time.Duration)

	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

// New is a clock at t.
func New(t time.Time) *Clock { return &Clock{now: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep notes d, moves the clock by d at once and returns ctx's error.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	onSleep := c.OnSleep
	c.mu.Unlock()
	if onSleep != nil {
		onSleep(d)
	}
	return ctx.Err()
}

// Advance moves the clock by d, as time passing between calls does.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Slept is every sleep so far, in order.
func (c *Clock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.slept)
}
