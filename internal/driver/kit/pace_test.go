package kit

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

var paceT0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// paceClock is a driver.Clock whose Sleep moves it at once.
type paceClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *paceClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *paceClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *paceClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestPacer(t *testing.T) {
	c := &paceClock{now: paceT0}
	var told []time.Duration
	p := NewPacer(c, 3, func(d time.Duration) { told = append(told, d) })
	for i := 0; i < 7; i++ {
		if err := p.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			p.Note(1) // a retry
			c.advance(10 * time.Second)
		}
	}
	// 3 at t0 (one a retry), 3 a minute later, 1 a minute after that.
	want := []time.Duration{time.Minute + PaceGuard - 10*time.Second, time.Minute + PaceGuard}
	if !slices.Equal(c.slept, want) {
		t.Errorf("slept %v, want %v", c.slept, want)
	}
	// Only the first wait is announced.
	if !slices.Equal(told, want[:1]) {
		t.Errorf("told %v, want %v", told, want[:1])
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p.Note(5)
	if err := p.Wait(ctx); err == nil {
		t.Error("a cancelled wait succeeded")
	}
}
