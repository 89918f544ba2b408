package httpc

import (
	"sync"
	"time"

	"github.com/roster-dev/roster/internal/driver"
)

// hourGuard widens each request's moment when counting it: a request
// taken at t counts in every clock hour that [t-hourGuard, t+hourGuard]
// touches. A request sent just before the hour may arrive just after it,
// and the platform's clock may differ a little from ours; without the
// guard, such a request would spend the next hour's budget unseen and a
// 429 would cost a wait of up to an hour.
const hourGuard = 5 * time.Second

// Budget paces requests within an hourly allowance counted in fixed clock
// hours (UTC), as Plausible counts its 600 requests an hour per key, where
// rejected calls count too. Every try takes one request from the current
// hour (from both hours within 5 s of the hour); when the hour is used up,
// the client waits for the next one, plus those 5 s. Share one Budget among
// the clients that use the same key. A nil *Budget means no pacing. Safe
// for concurrent use.
type Budget struct {
	perHour int
	clock   driver.Clock

	mu       sync.Mutex
	used     map[time.Time]int // requests counted, by the hour's start
	notified time.Time         // the full hour whose wait was announced
}

// NewBudget is a budget of perHour requests per clock hour, read on clock
// (nil: driver.RealClock). perHour ≤ 0 means no budget (nil).
func NewBudget(perHour int, clock driver.Clock) *Budget {
	if perHour <= 0 {
		return nil
	}
	if clock == nil {
		clock = driver.RealClock{}
	}
	return &Budget{perHour: perHour, clock: clock, used: map[time.Time]int{}}
}

// PerHour is the hourly allowance (0 for a nil Budget).
func (b *Budget) PerHour() int {
	if b == nil {
		return 0
	}
	return b.perHour
}

// Used is how many requests the current clock hour has counted.
func (b *Budget) Used() int {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used[hourOf(b.clock.Now())]
}

func hourOf(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }

// take counts one request at now when every hour it touches has room
// (wait 0). Otherwise it counts nothing and returns how long to wait, the
// start of the hour waited for, and whether this is the first wait
// announced for the full hour (to say so once).
func (b *Budget) take(now time.Time) (wait time.Duration, next time.Time, announce bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	lo, hi := hourOf(now.Add(-hourGuard)), hourOf(now.Add(hourGuard))
	for h := range b.used {
		if h.Before(lo) {
			delete(b.used, h)
		}
	}
	var full time.Time // the latest full hour touched
	for h := lo; !h.After(hi); h = h.Add(time.Hour) {
		if b.used[h] >= b.perHour {
			full = h
		}
	}
	if full.IsZero() {
		for h := lo; !h.After(hi); h = h.Add(time.Hour) {
			b.used[h]++
		}
		return 0, time.Time{}, false
	}
	next = full.Add(time.Hour)
	announce = !b.notified.Equal(full)
	b.notified = full
	return next.Add(hourGuard).Sub(now), next, announce
}

// exhaust marks the hour of now as used up: the platform refused a
// request (429), so someone else spends the same key.
func (b *Budget) exhaust(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := hourOf(now)
	b.used[h] = max(b.used[h], b.perHour)
}
