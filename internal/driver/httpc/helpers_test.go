package httpc

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/driver/fakeclock"
)

// slept is the total of a fake clock's sleeps.
func slept(fc *fakeclock.Clock) time.Duration {
	var t time.Duration
	for _, d := range fc.Slept() {
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
func newTest(base string, fc *fakeclock.Clock, o Options) *Client {
	o.BaseURL = base
	o.Clock = fc
	if o.Platform == "" {
		o.Platform = "Testing"
	}
	c := New(o)
	c.jitter = func(d time.Duration) time.Duration { return d }
	return c
}
