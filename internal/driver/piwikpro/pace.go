package piwikpro

import (
	"context"
	"sync"
	"time"

	"github.com/roster-dev/roster/internal/driver"
)

// paceGuard widens the pacing window a little beyond a minute, for
// requests in flight and for the difference between our clock and the
// platform's: n requests in any minute plus this guard are at most n in
// any clock minute the platform counts.
const paceGuard = time.Second

// pacer lets at most n requests start in any window of a minute (plus
// paceGuard), by a driver.Clock, so Piwik PRO's per-minute limits are kept
// without relying on its 429s. Retries that httpc makes are noted after
// the fact. Safe for concurrent use.
type pacer struct {
	clock  driver.Clock
	n      int
	window time.Duration
	onWait func(time.Duration) // told of the first wait only

	mu        sync.Mutex
	times     []time.Time // start times within the window, oldest first
	announced bool
}

func newPacer(clock driver.Clock, perMinute int, onWait func(time.Duration)) *pacer {
	return &pacer{clock: clock, n: perMinute, window: time.Minute + paceGuard, onWait: onWait}
}

// prune drops the start times that left the window (p.mu held).
func (p *pacer) prune(now time.Time) {
	cut := 0
	for cut < len(p.times) && !p.times[cut].After(now.Add(-p.window)) {
		cut++
	}
	if cut > 0 {
		p.times = append(p.times[:0], p.times[cut:]...)
	}
}

// wait takes room for one request, sleeping on the clock while the
// window is full.
func (p *pacer) wait(ctx context.Context) error {
	for {
		p.mu.Lock()
		now := p.clock.Now()
		p.prune(now)
		if len(p.times) < p.n {
			p.times = append(p.times, now)
			p.mu.Unlock()
			return nil
		}
		wait := p.times[len(p.times)-p.n].Add(p.window).Sub(now)
		announce := !p.announced && p.onWait != nil
		p.announced = true
		p.mu.Unlock()
		if announce {
			p.onWait(wait)
		}
		if err := p.clock.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// note counts k more requests started now (httpc's retries of a call).
func (p *pacer) note(k int) {
	if k <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	for i := 0; i < k; i++ {
		p.times = append(p.times, now)
	}
}
