package kit

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/driver/fakeclock"
)

var paceT0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func TestPacer(t *testing.T) {
	c := fakeclock.New(paceT0)
	var told []time.Duration
	p := NewPacer(c, 3, func(d time.Duration) { told = append(told, d) })
	for i := 0; i < 7; i++ {
		if err := p.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			p.Note(1) // a retry
			c.Advance(10 * time.Second)
		}
	}
	// 3 at t0 (one a retry), 3 a minute later, 1 a minute after that.
	want := []time.Duration{time.Minute + PaceGuard - 10*time.Second, time.Minute + PaceGuard}
	if !slices.Equal(c.Slept(), want) {
		t.Errorf("slept %v, want %v", c.Slept(), want)
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

// A pacer by any window: Matomo's 5 a second.
func TestPacerWindow(t *testing.T) {
	c := fakeclock.New(paceT0)
	p := NewPacerWindow(c, 2, time.Second, nil)
	for i := 0; i < 5; i++ {
		if err := p.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if want := []time.Duration{time.Second, time.Second}; !slices.Equal(c.Slept(), want) {
		t.Errorf("slept %v, want %v", c.Slept(), want)
	}
}

// Paced waits on every pacer, makes the call, and counts its retries in
// every pacer; a pacing interruption is its error and no call is made.
func TestPaced(t *testing.T) {
	c := fakeclock.New(paceT0)
	a, b := NewPacer(c, 3, nil), NewPacer(c, 3, nil)
	calls := 0
	call := func() []string { calls++; return []string{"GET /x 503", "GET /x 200"} }
	if err := Paced(context.Background(), "P", []*Pacer{a, b}, call); err != nil || calls != 1 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
	// Two requests started in each: the call and its retry.
	for _, p := range []*Pacer{a, b} {
		if len(p.times) != 2 {
			t.Errorf("%d requests counted, want 2", len(p.times))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a.Note(1) // a full window, so that pacing waits
	err := Paced(ctx, "P", []*Pacer{a}, call)
	if err == nil || calls != 1 || err.Error() != "P: interrupted while pacing the requests: "+Why(context.Canceled) {
		t.Errorf("a cancelled pacing: %v, %d calls", err, calls)
	}
}
