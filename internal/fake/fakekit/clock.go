package fakekit

import (
	"fmt"
	"time"
)

// Clock is a fake's settable clock: fixed at a moment once Set (or
// seeded), else the wall clock or Source; Advance moves either forward.
// The zero Clock is the wall clock, in UTC.
type Clock struct {
	// Source, when set, replaces the wall clock (a test's fake clock);
	// Set then shifts the time from it instead of fixing it, and Seed
	// does nothing.
	Source func() time.Time

	fixed  time.Time // zero: the wall clock (or Source) plus offset
	offset time.Duration
}

// Now is the clock's time, in UTC.
func (c *Clock) Now() time.Time {
	if !c.fixed.IsZero() {
		return c.fixed
	}
	if c.Source != nil {
		return c.Source().UTC().Add(c.offset)
	}
	return time.Now().UTC().Add(c.offset)
}

// Set fixes the clock at t (with a Source: shifts it so that it reads t).
func (c *Clock) Set(t time.Time) {
	if c.Source != nil {
		c.offset = t.UTC().Sub(c.Source().UTC())
		return
	}
	c.fixed = t.UTC()
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	if !c.fixed.IsZero() {
		c.fixed = c.fixed.Add(d)
	} else {
		c.offset += d
	}
}

// Seed fixes the clock at now, a seed's RFC 3339 start time, unless now
// is empty, the clock is fixed already (a time given as an option wins
// over the seed's) or it has a Source.
func (c *Clock) Seed(now string) error {
	if now == "" || !c.fixed.IsZero() || c.Source != nil {
		return nil
	}
	t, err := SeedTime(now)
	if err != nil {
		return err
	}
	c.fixed = t
	return nil
}

// SeedTime parses a seed's RFC 3339 start time, in UTC.
func SeedTime(now string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, now)
	if err != nil {
		return time.Time{}, fmt.Errorf("seed: now %q is not an RFC 3339 time", now)
	}
	return t.UTC(), nil
}
