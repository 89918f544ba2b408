package cli

import (
	"testing"
	"time"
)

// FuzzParseNow: whatever --now is given, it is refused or read as a UTC
// time that roster's records can state: written as RFC 3339 (as plans and
// evidence write times), it reads back as --now to the same instant.
func FuzzParseNow(f *testing.F) {
	for _, s := range []string{"2026-06-01", "2026-06-01T12:00:00Z", "2026-06-01T12:00:00.5+02:00", "0000-01-01T00:00:00+01:00",
		"9999-12-31T23:59:59-01:00", "2026-02-30", "2026-06-01 12:00", "", "today"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		now, err := ParseNow(s)
		if err != nil {
			return
		}
		if now.Location() != time.UTC {
			t.Fatalf("--now %q read as %v, not UTC", s, now)
		}
		text := now.Format(time.RFC3339Nano)
		back, err := ParseNow(text)
		if err != nil || !back.Equal(now) {
			t.Fatalf("--now %q read as %v, written as %q, which reads back as %v (%v)", s, now, text, back, err)
		}
	})
}
