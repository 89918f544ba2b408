package boltstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/statetest"
)

// TestLockOtherProcess: a lock held by another process is reported with
// that process's pid, and a killed holder leaves no stale lock.
func TestLockOtherProcess(t *testing.T) {
	s := openTemp(t)
	statetest.LockOtherProcess(t, s, s.path, 10*time.Second)
}

// TestLockSameProcess: two Locks in one process exclude each other, also
// through two Store values for the same file.
func TestLockSameProcess(t *testing.T) {
	s1 := openTemp(t)
	s2, _ := Open(s1.path)
	ctx := context.Background()
	u, err := s1.Lock(ctx, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	var le *state.LockedError
	if _, err := s2.Lock(ctx, "plan", 0); !errors.As(err, &le) || le.Holder.PID != os.Getpid() || le.Holder.Operation != "apply" {
		t.Errorf("second Lock: %v, want a LockedError naming this process's apply", err)
	}
	if err := u.Unlock(); err != nil {
		t.Fatal(err)
	}
	u2, err := s2.Lock(ctx, "plan", 0)
	if err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	// Unlock cleared the details of the first holder; the file now names
	// the second.
	data, _ := os.ReadFile(LockPath(s1.path))
	if !strings.Contains(string(data), `"operation":"plan"`) {
		t.Errorf("lock file holds %q, want the second holder's details", data)
	}
	u2.Unlock()
	if data, _ := os.ReadFile(LockPath(s1.path)); len(data) != 0 {
		t.Errorf("lock file holds %q after Unlock, want it empty", data)
	}
}

// TestLockStaleDetails: details left by a dead holder (the file is not
// locked) do not stop anyone.
func TestLockStaleDetails(t *testing.T) {
	s := openTemp(t)
	if err := mkdirPrivate(filepath.Dir(s.path)); err != nil {
		t.Fatal(err)
	}
	stale := `{"pid":999999,"host":"gone","operation":"apply","since":"2020-01-01T00:00:00Z"}` + "\n" + "garbage tail"
	if err := os.WriteFile(LockPath(s.path), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	u, err := s.Lock(context.Background(), "apply", 0)
	if err != nil {
		t.Fatalf("Lock with stale details: %v", err)
	}
	defer u.Unlock()
	_, err = s.Lock(context.Background(), "apply", 0)
	var le *state.LockedError
	if !errors.As(err, &le) || le.Holder.PID != os.Getpid() {
		t.Errorf("second Lock: %v, want a LockedError naming this process", err)
	}
}

// TestWriteHolderReportsFailure: details that cannot be written (here, a
// file open only for reading) are an error, which Lock reports, never a
// lock held with the last holder's details in its file.
func TestWriteHolderReportsFailure(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lock")
	if err := os.WriteFile(p, []byte(`{"pid":1,"host":"old"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := writeHolder(f, []byte(`{"pid":2}`+"\n")); err == nil {
		t.Error("writing to a read-only file: no error")
	}
	rw, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	if err := writeHolder(rw, []byte(`{"pid":2}`+"\n")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != `{"pid":2}`+"\n" {
		t.Errorf("the file holds %q, want the new details alone", b)
	}
}

// TestLockUnreadableDetails: a holder whose details cannot be read is still
// reported as a LockedError.
func TestLockUnreadableDetails(t *testing.T) {
	s := openTemp(t)
	u, err := s.Lock(context.Background(), "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Unlock()
	if err := os.WriteFile(LockPath(s.path), []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = s.Lock(context.Background(), "apply", 0)
	var le *state.LockedError
	if !errors.As(err, &le) || le.Holder.Operation != "unknown operation" {
		t.Errorf("Lock: %v, want a LockedError with an unknown holder", err)
	}
}

// FuzzParseHolder: whatever a lock file holds, details are believed only
// with a pid, and the message naming the holder then holds no control
// character (state.LockedError escapes them); believed details read back
// the same when written again.
func FuzzParseHolder(f *testing.F) {
	f.Add([]byte(`{"pid":42,"host":"h","operation":"apply","since":"2020-01-01T00:00:00Z"}` + "\n" + `tail`))
	f.Add([]byte(`{"pid":42,"host":"h\u001b","operation":"apply"}`))
	f.Add([]byte(`{"pid":1,"pid":2}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, ok := parseHolder(b)
		if !ok {
			if info != (state.LockInfo{}) {
				t.Fatalf("%q: not believed, yet %+v", b, info)
			}
			return
		}
		msg := (&state.LockedError{Holder: info}).Error()
		if info.PID <= 0 || strings.IndexFunc(msg, unicode.IsControl) >= 0 {
			t.Fatalf("%q: believed %+v: %q", b, info, msg)
		}
		again, err := json.Marshal(info)
		if err != nil {
			t.Fatal(err)
		}
		if back, ok := parseHolder(again); !ok || !back.Since.Equal(info.Since) || back.PID != info.PID || back.Host != info.Host || back.Operation != info.Operation {
			t.Fatalf("%q: %+v written as %s reads back as %+v (%t)", b, info, again, back, ok)
		}
	})
}

// TestReadHolder: the holder's details are the first JSON value in the
// lock file, whatever older tail follows; details naming a member twice
// are not believed.
func TestReadHolder(t *testing.T) {
	for _, c := range []struct {
		text  string
		known bool
		pid   int
	}{
		{`{"pid":42,"host":"h","operation":"apply","since":"2020-01-01T00:00:00Z"}` + "\n" + `ration":"plan"}`, true, 42},
		{`{"pid":42,"host":"h","operation":"apply","pid":7,"since":"2020-01-01T00:00:00Z"}`, false, 0},
		{`{"PID":42,"host":"h"}`, false, 0},
		// Believed, whatever the host and operation hold: the message
		// shows them escaped (state.LockedError).
		{`{"pid":42,"host":"\u001b]0;owned\u0007","operation":"apply","since":"2020-01-01T00:00:00Z"}`, true, 42},
	} {
		f, err := os.CreateTemp(t.TempDir(), "lock")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(c.text); err != nil {
			t.Fatal(err)
		}
		info, known := readHolder(f)
		f.Close()
		if known != c.known || info.PID != c.pid {
			t.Errorf("%s: read %+v (known %t), want pid %d (known %t)", c.text, info, known, c.pid, c.known)
		}
	}
}
