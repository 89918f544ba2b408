package httpc

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Retry limits (sync.md, apply on connected teams, point 6).
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
	// MaxRetryAfter caps a server's Retry-After: a longer one is waited
	// for this long only, then the request is tried again (and counts as
	// a try). An hourly budget is not paced through Retry-After but
	// through Budget and MaxWait.
	MaxRetryAfter = 60 * time.Second
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
// (relative to now), clamped to [0, MaxRetryAfter]. ok is false when the
// header is absent or unreadable.
func retryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n >= int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d = t.Sub(now)
	return max(0, min(d, MaxRetryAfter)), true
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
