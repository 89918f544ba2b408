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
