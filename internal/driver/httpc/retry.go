package httpc

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Retry limits (schema/sync.md, apply on connected teams, point 6).
const (
	// MaxTries is the most requests one call makes on 429, 5xx and
	// network errors. The single repeat after renewing the credential on
	// a 401 does not count against it.
	MaxTries = 5
	// FirstBackoff is the wait before the first retry; it doubles for
	// each further retry up to MaxBackoff, and the wait is drawn at
	// random in [0, backoff] (full jitter).
	FirstBackoff = 200 * time.Millisecond
	// MaxBackoff caps the backoff.
	MaxBackoff = 2 * time.Second
)

// backoff is the ceiling of the wait after the n-th failed try (n ≥ 1):
// 200 ms, 400 ms, 800 ms, 1.6 s, then 2 s.
func backoff(n int) time.Duration {
	d := FirstBackoff
	for i := 1; i < n && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

// fullJitter draws a wait in [0, max].
func fullJitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return rand.N(max + 1)
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date
// (relative to now; a past date is 0). ok is false when the header is
// absent or unreadable. The wait is not capped here: the call honours it
// up to MaxWait, and fails past that.
func retryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		const most = int64(1<<62) / int64(time.Second)
		return time.Duration(min(n, most)) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(0, t.Sub(now)), true
}

// idempotent methods are retried on 5xx and network errors; others
// (POST) only on 429.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}
