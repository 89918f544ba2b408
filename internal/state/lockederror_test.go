package state

import (
	"strings"
	"testing"
	"time"
)

// TestLockedErrorEscapes: the holder's host and operation come from a lock
// file or row anyone who can write there may have written; the message
// shows a control character, or a line or paragraph separator, in them as
// its escape, on one line, and plain names as they are.
func TestLockedErrorEscapes(t *testing.T) {
	since := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	e := &LockedError{Holder: LockInfo{PID: 42, Host: "ci-7\x1b]0;owned\x07", Operation: "apply\u009b2J\u2028x\n", Since: since}}
	want := `state is locked by pid 42 on ci-7\x1b]0;owned\a (apply\u009b2J\u2028x\n since 2026-12-07T10:00:00Z)`
	if got := e.Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	plain := &LockedError{Holder: LockInfo{PID: 7, Host: "büro-host", Operation: "plan", Since: since}}
	if got := plain.Error(); !strings.Contains(got, "on büro-host (plan since") {
		t.Errorf("a plain holder: %s", got)
	}
}
