package kit

import (
	"context"
	"sync"
	"time"

	"github.com/roster-dev/roster/internal/driver"
)

// PaceGuard widens the pacing window a little beyond a minute, for
// requests in flight and for the difference between our clock and the
// platform's: n requests in any minute plus this guard are at most n in
// any clock minute the platform counts.
const PaceGuard = time.Second

// Pacer lets at most n requests start in any window of a minute plus
// PaceGuard (NewPacerWindow: of any length), by a driver.Clock, so a
// platform's limits are kept without relying on its 429s. Retries that httpc makes are noted
// after the fact. Safe for concurrent use.
type Pacer struct {
	clock  driver.Clock
	n      int
	window time.Duration
	onWait func(time.Duration) // told of the first wait only

	mu        sync.Mutex
	times     []time.Time // start times within the window, oldest first
	announced bool
}

// NewPacer paces perMinute requests a minute by clock; onWait (may be
// nil) is told how long the first wait lasts, once.
func NewPacer(clock driver.Clock, perMinute int, onWait func(time.Duration)) *Pacer {
	return NewPacerWindow(clock, perMinute, time.Minute+PaceGuard, onWait)
}

// NewPacerWindow lets at most n requests start in any window (a rate
// given per second rather than per minute: Matomo's), by clock; onWait
// as NewPacer's.
func NewPacerWindow(clock driver.Clock, n int, window time.Duration, onWait func(time.Duration)) *Pacer {
	return &Pacer{clock: clock, n: max(n, 1), window: window, onWait: onWait}
}

// prune drops the start times that left the window (p.mu held).
func (p *Pacer) prune(now time.Time) {
	cut := 0
	for cut < len(p.times) && !p.times[cut].After(now.Add(-p.window)) {
		cut++
	}
	if cut > 0 {
		p.times = append(p.times[:0], p.times[cut:]...)
	}
}

// Wait takes room for one request, sleeping on the clock while the
// window is full.
func (p *Pacer) Wait(ctx context.Context) error {
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

// Note counts k more requests started now (httpc's retries of a call).
func (p *Pacer) Note(k int) {
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

// Pace waits for room in each of pacers in turn (a call's order: the
// tightest quota last, so that its count is taken when the request goes
// out). An interruption says so in words, naming the platform.
func Pace(ctx context.Context, platform string, pacers ...*Pacer) error {
	for _, p := range pacers {
		if err := p.Wait(ctx); err != nil {
			return Interrupted(platform+": interrupted while pacing the requests", err)
		}
	}
	return nil
}

// Paced is one paced request: it waits on pacers (Pace, in their order),
// then makes call, and tells every pacer of the retries among the
// requests call made (its request lines but the first: httpc retries on
// its own, after the pacers let the first one go). Its error is Pace's,
// and then call is not made; call keeps its own error.
func Paced(ctx context.Context, platform string, pacers []*Pacer, call func() (lines []string)) error {
	if err := Pace(ctx, platform, pacers...); err != nil {
		return err
	}
	lines := call()
	for _, p := range pacers {
		p.Note(len(lines) - 1)
	}
	return nil
}
