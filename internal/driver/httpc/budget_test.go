package httpc

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roster-dev/roster/internal/driver/fakeclock"
)

// TestBudgetPacing drives 1,500 requests through a 600-an-hour budget on a
// fake clock starting at 13:59:00, each request taking 50 ms of fake time.
func TestBudgetPacing(t *testing.T) {
	fc := fakeclock.New(t0)
	var mu sync.Mutex
	perHour := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		perHour[fc.Now().Format("15")]++
		fc.Advance(50 * time.Millisecond)
		mu.Unlock()
	}))
	defer srv.Close()
	var notes []string
	b := NewBudget(600, fc)
	c := newTest(srv.URL, fc, Options{Platform: "Plausible", Budget: b, Notify: func(m string) { notes = append(notes, m) }})
	for i := range 1500 {
		if _, err := c.Do(context.Background(), "GET", "/api/v1/sites", nil, nil, ""); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	// 13:59:00 + 600×50ms = 13:59:30: wait 35s, till 14:00:05 (the guard);
	// 14:00:05 + 30s: wait 59m30s, till 15:00:05.
	if diff := cmp.Diff(map[string]int{"13": 600, "14": 600, "15": 300}, perHour); diff != "" {
		t.Errorf("requests per clock hour (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{35 * time.Second, 59*time.Minute + 30*time.Second}, fc.Slept()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if got := slept(fc); got != time.Hour+5*time.Second {
		t.Errorf("total wait %v, want 1h0m5s", got)
	}
	want := []string{
		"Plausible allows 600 requests an hour; waiting 35s for the next hour (14:00 UTC)",
		"Plausible allows 600 requests an hour; waiting 59m30s for the next hour (15:00 UTC)",
	}
	if diff := cmp.Diff(want, notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	if b.Used() != 300 || b.PerHour() != 600 {
		t.Errorf("Used = %d, PerHour = %d", b.Used(), b.PerHour())
	}
}

// stepClock is a fake clock for concurrent tests: time moves only when
// every worker sleeps (or is done), to the earliest wake-up, so no request
// is in flight while the hour turns.
type stepClock struct {
	mu      sync.Mutex
	cond    *sync.Cond
	now     time.Time
	workers int // still running
	waiting map[*time.Time]bool
}

func newStepClock(t time.Time, workers int) *stepClock {
	c := &stepClock{now: t, workers: workers, waiting: map[*time.Time]bool{}}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	wake := c.now.Add(d)
	c.waiting[&wake] = true
	c.advance()
	for c.now.Before(wake) {
		c.cond.Wait()
	}
	delete(c.waiting, &wake)
	return ctx.Err()
}

// done says a worker has finished.
func (c *stepClock) done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.workers--
	c.advance()
}

// advance moves time to the earliest wake-up once every running worker
// sleeps. Called with mu held.
func (c *stepClock) advance() {
	asleep := 0
	var first time.Time
	for w := range c.waiting {
		if c.now.Before(*w) {
			asleep++
			if first.IsZero() || w.Before(first) {
				first = *w
			}
		}
	}
	if asleep > 0 && asleep == c.workers {
		c.now = first
		c.cond.Broadcast()
	}
}

func TestBudgetConcurrent(t *testing.T) {
	const workers, each, perHour = 4, 30, 50
	sc := newStepClock(t0, workers)
	var mu sync.Mutex
	byHour := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		byHour[sc.Now().Format("15")]++
		mu.Unlock()
	}))
	defer srv.Close()
	var notes sync.Map
	c := New(Options{BaseURL: srv.URL, Clock: sc, Budget: NewBudget(perHour, sc), Notify: func(m string) {
		if _, dup := notes.LoadOrStore(m, true); dup {
			t.Errorf("said twice: %s", m)
		}
	}})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			defer sc.done()
			for range each {
				if _, err := c.Do(context.Background(), "GET", "/x", nil, nil, ""); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	want := map[string]int{"13": perHour, "14": perHour, "15": workers*each - 2*perHour}
	if diff := cmp.Diff(want, byHour); diff != "" {
		t.Errorf("requests per clock hour (-want +got):\n%s", diff)
	}
	n := 0
	notes.Range(func(any, any) bool { n++; return true })
	if n != 2 {
		t.Errorf("%d notes, want 2 (one per full hour)", n)
	}
}

func TestBudgetGuard(t *testing.T) {
	at := func(hms string) time.Time {
		tm, err := time.Parse("15:04:05", hms)
		if err != nil {
			t.Fatal(err)
		}
		return time.Date(2026, 3, 2, tm.Hour(), tm.Minute(), tm.Second(), 0, time.UTC)
	}
	b := NewBudget(2, fakeclock.New(at("13:00:00")))
	cases := []struct {
		at       string
		wantWait time.Duration
		wantNext string
	}{
		{"13:59:00", 0, ""},                                   // hour 13: 1
		{"13:59:57", 0, ""},                                   // within 5 s of 14:00: hour 13: 2, hour 14: 1
		{"13:59:58", 7 * time.Second, "14:00"},                // 13 is full: wait till 14:00:05
		{"14:00:03", 2 * time.Second, "14:00"},                // 13 is still within 5 s
		{"14:00:05", 0, ""},                                   // hour 14: 2
		{"14:10:00", 50*time.Minute + 5*time.Second, "15:00"}, // 14 is full: 14:00:05 and 13:59:57
	}
	for _, c := range cases {
		wait, next, _ := b.take(at(c.at))
		gotNext := ""
		if !next.IsZero() {
			gotNext = next.Format("15:04")
		}
		if wait != c.wantWait || gotNext != c.wantNext {
			t.Errorf("take at %s = %v, %q; want %v, %q", c.at, wait, gotNext, c.wantWait, c.wantNext)
		}
	}
}

func TestBudget429(t *testing.T) {
	start := time.Date(2026, 3, 2, 13, 45, 0, 0, time.UTC)
	const plausible429 = "Too many API requests. Your API key is limited to 600 requests per hour."
	tests := []struct {
		name      string
		maxWait   time.Duration
		steps     []step
		wantAPI   []string
		wantSleep []time.Duration
		wantErr   string
		wantNotes int
	}{
		{"waits for the next hour", 0, []step{{status: 429, body: plausible429}, {status: 200}},
			[]string{"GET /x 429", "GET /x 200"}, []time.Duration{15*time.Minute + 5*time.Second}, "", 1},
		{"gives up past MaxWait", 10 * time.Minute, []step{{status: 429, body: plausible429}},
			[]string{"GET /x 429"}, nil,
			"Plausible: GET /x stopped: the hourly API budget is used up (600 requests an hour); waited 0s of the 10m0s allowed (--max-wait), and waiting for the next hour (14:00 UTC) would take 15m5s more. Run the command again after 14:00 UTC, or raise --max-wait.", 0},
		{"second hour past MaxWait", 0, []step{{status: 429}},
			[]string{"GET /x 429", "GET /x 429"}, []time.Duration{15*time.Minute + 5*time.Second},
			"waited 15m5s of the 1h5m0s allowed (--max-wait), and waiting for the next hour (15:00 UTC) would take 1h0m0s more", 1},
		{"never wait", -1, []step{{status: 429}},
			[]string{"GET /x 429"}, nil, "the hourly API budget is used up", 0},
		{"Retry-After wins", 0, []step{{status: 429, header: map[string]string{"Retry-After": "5"}}, {status: 200}},
			[]string{"GET /x 429", "GET /x 200"}, []time.Duration{5 * time.Second}, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := script(t, tt.steps...)
			fc := fakeclock.New(start)
			var notes []string
			c := newTest(srv.URL, fc, Options{Platform: "Plausible", Budget: NewBudget(600, fc), MaxWait: tt.maxWait,
				Notify: func(m string) { notes = append(notes, m) }})
			res, err := c.Do(context.Background(), "GET", "/x", nil, nil, "")
			var api []string
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				api = res.API
			} else {
				var re *RequestError
				if !errors.As(err, &re) || !errors.Is(err, ErrBudgetUsedUp) {
					t.Fatalf("err = %v, want ErrBudgetUsedUp", err)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q\ndoes not contain %q", err, tt.wantErr)
				}
				if re.Status != 429 {
					t.Errorf("Status = %d", re.Status)
				}
				api = re.API
			}
			if diff := cmp.Diff(tt.wantAPI, api); diff != "" {
				t.Errorf("API (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSleep, fc.Slept()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			if len(notes) != tt.wantNotes {
				t.Errorf("notes %q, want %d", notes, tt.wantNotes)
			}
			if tt.wantNotes > 0 && !strings.Contains(notes[0], "(Retry-After)") && notes[0] != "Plausible refused a request because the hourly API budget is used up (600 requests an hour); waiting 15m5s for the next hour (14:00 UTC)" {
				t.Errorf("note = %q", notes[0])
			}
		})
	}
}

func TestBudgetExhaustedBeforeSending(t *testing.T) {
	srv := script(t, step{status: 200})
	fc := fakeclock.New(t0)
	c := newTest(srv.URL, fc, Options{Budget: NewBudget(2, fc), MaxWait: 30 * time.Second})
	for range 2 {
		if _, err := c.Do(context.Background(), "GET", "/x", nil, nil, ""); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.Do(context.Background(), "GET", "/x", nil, nil, "")
	var re *RequestError
	if !errors.As(err, &re) || !errors.Is(err, ErrBudgetUsedUp) || len(re.API) != 0 || re.Status != 0 {
		t.Fatalf("err = %v", err)
	}
	if len(srv.Hits()) != 2 || len(fc.Slept()) != 0 {
		t.Errorf("hits %d, sleeps %v", len(srv.Hits()), fc.Slept())
	}
	// A cancel while waiting for the hour stops at once.
	ctx, cancel := context.WithCancel(context.Background())
	fc.OnSleep = func(time.Duration) { cancel() }
	c = newTest(srv.URL, fc, Options{Budget: NewBudget(2, fc)})
	c.budget.exhaust(fc.Now())
	if _, err := c.Do(ctx, "GET", "/x", nil, nil, ""); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "waiting for the next hour") {
		t.Errorf("err = %v", err)
	}
	if NewBudget(0, nil) != nil {
		t.Error("NewBudget(0) is not nil")
	}
	var nb *Budget
	if nb.PerHour() != 0 || nb.Used() != 0 {
		t.Error("nil Budget methods")
	}
}
