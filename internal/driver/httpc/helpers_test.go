package httpc

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeClock is a driver.Clock whose Sleep records the wait and moves time
// on at once. Concurrent sleepers wake at the latest of their targets, as
// real sleepers would.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	sleeps  []time.Duration
	onSleep func() // called after each sleep, before it returns
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	f.sleeps = append(f.sleeps, d)
	// Without a sleeper waking between, two waits for the same moment
	// end at the same moment.
	if target := f.now.Add(d); target.After(f.now) {
		f.now = target
	}
	hook := f.onSleep
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	return ctx.Err()
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

func (f *fakeClock) Total() time.Duration {
	var t time.Duration
	for _, d := range f.Sleeps() {
		t += d
	}
	return t
}

var t0 = time.Date(2026, 3, 2, 13, 59, 0, 0, time.UTC)

// step is one scripted answer.
type step struct {
	status int
	header map[string]string
	body   string
}

// hit is one request the scripted server saw.
type hit struct {
	Method, Path, Query, Auth, UA, ContentType, Body string
}

type scripted struct {
	*httptest.Server
	mu    sync.Mutex
	steps []step
	hits  []hit
}

// script serves the steps in order, repeating the last one.
func script(t *testing.T, steps ...step) *scripted {
	t.Helper()
	s := &scripted{steps: steps}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, r.ContentLength)
		if r.ContentLength > 0 {
			_, _ = r.Body.Read(b)
		}
		s.mu.Lock()
		n := len(s.hits)
		s.hits = append(s.hits, hit{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), r.UserAgent(), r.Header.Get("Content-Type"), string(b)})
		st := s.steps[min(n, len(s.steps)-1)]
		s.mu.Unlock()
		for k, v := range st.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(st.status)
		_, _ = w.Write([]byte(st.body))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scripted) Hits() []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]hit(nil), s.hits...)
}

// newTest is a client on base with a fake clock and no jitter (each wait
// is its backoff ceiling), so waits are exact.
func newTest(base string, fc *fakeClock, o Options) *Client {
	o.BaseURL = base
	o.Clock = fc
	if o.Platform == "" {
		o.Platform = "Testing"
	}
	c := New(o)
	c.jitter = func(d time.Duration) time.Duration { return d }
	return c
}
