package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/state"
)

// errLockBusy is tryLock's answer when another open file holds the lock.
var errLockBusy = errors.New("the lock is held")

// lockRetry is how often Lock tries again while it waits.
const lockRetry = 75 * time.Millisecond

// LockPath is the writer's lock file of the state file at path.
func LockPath(path string) string { return path + ".lock" }

// Lock takes the writer's lock: an exclusive flock on STATE.lock, which the
// system releases when the process dies, so no stale lock can remain. The
// holder's details are written into the file for the message of whoever
// finds it locked. Two Locks in one process exclude each other too: each
// opens the file anew, and flock locks belong to the open file.
func (s *Store) Lock(ctx context.Context, operation string, timeout time.Duration) (state.Unlocker, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lp := LockPath(s.path)
	if err := mkdirPrivate(filepath.Dir(lp)); err != nil {
		return nil, fmt.Errorf("cannot create the directory of %s: %w", s.Describe(), err)
	}
	f, created, err := openLockFile(lp)
	if err != nil {
		return nil, fmt.Errorf("cannot open the lock file of %s: %w", s.Describe(), err)
	}
	deadline := time.Now().Add(timeout)
	// The holder writes its details just after taking the lock, and clears
	// them just before releasing it: finding none means the lock is being
	// taken or given up this very moment, so try again shortly (for up to
	// a second) rather than report an unknown holder.
	unknownUntil := time.Now().Add(time.Second)
	for {
		err := tryLock(f)
		if err == nil {
			if current(f, lp) {
				break
			}
			// The holder removed the file as it let go (see Unlock):
			// this lock is on a file nobody else will look at. Lock
			// the file at the path now.
			f.Close()
			if f, created, err = openLockFile(lp); err != nil {
				return nil, fmt.Errorf("cannot open the lock file of %s: %w", s.Describe(), err)
			}
			continue
		}
		if !errors.Is(err, errLockBusy) {
			f.Close()
			return nil, fmt.Errorf("cannot lock %s: %w", lp, err)
		}
		holder, known := readHolder(f)
		if !known && time.Now().Before(unknownUntil) {
			if err := sleepCtx(ctx, 10*time.Millisecond); err != nil {
				f.Close()
				return nil, err
			}
			continue
		}
		locked := &state.LockedError{Holder: holder}
		left := time.Until(deadline)
		if left <= 0 {
			f.Close()
			return nil, locked
		}
		t := time.NewTimer(min(lockRetry, left))
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("%w: %w", ctx.Err(), locked)
		case <-t.C:
		}
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown host"
	}
	info, _ := json.Marshal(state.LockInfo{PID: os.Getpid(), Host: host, Operation: operation, Since: time.Now().UTC()}, jsontext.AllowInvalidUTF8(true))
	if err := writeHolder(f, append(info, '\n')); err != nil {
		_ = unlockFile(f)
		f.Close()
		return nil, fmt.Errorf("cannot write the lock file %s: %w", lp, err)
	}
	return &unlocker{f: f, s: s, path: lp, created: created}, nil
}

// writeHolder writes the holder's details over the old ones and then cuts
// the file to their length, so a reader always finds one JSON value at the
// start (see readHolder).
func writeHolder(f *os.File, info []byte) error {
	if _, err := f.WriteAt(info, 0); err != nil {
		return err
	}
	return f.Truncate(int64(len(info)))
}

// current reports whether f is still the file at lp.
func current(f *os.File, lp string) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	pi, err := os.Stat(lp)
	return err == nil && os.SameFile(fi, pi)
}

// openLockFile opens (or creates, mode 0600 whatever the umask; an
// existing one is made 0600, private) the lock file; created says it did not exist. It is never the state file itself:
// bbolt takes its own flock on that for every transaction.
func openLockFile(lp string) (*os.File, bool, error) {
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, false, err
		}
		return f, true, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, false, err
	}
	f, err = os.OpenFile(lp, os.O_RDWR, 0)
	if err == nil {
		private(f)
	}
	return f, false, err
}

// private makes a file roster is about to write, found with wider
// permissions (made by hand, or by a tool with another umask), mode 0600:
// it names people and their access. A file its owner keeps from us (the
// chmod is refused) stays as its owner set it.
func private(f *os.File) {
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		_ = f.Chmod(0o600) // best effort: see above
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// readHolder reads the holder's details from the lock file. The holder may
// just be writing them, so an unreadable file is read again a few times;
// known is false when no details could be read.
func readHolder(f *os.File) (info state.LockInfo, known bool) {
	buf := make([]byte, 4096)
	for try := 0; ; try++ {
		n, _ := f.ReadAt(buf, 0)
		if info, ok := parseHolder(buf[:n]); ok {
			return info, true
		}
		if try == 4 {
			return state.LockInfo{Host: "unknown host", Operation: "unknown operation"}, false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// parseHolder reads the holder's details from the start of a lock file.
// Only the first JSON value is read (a repeated name refused): what follows
// it may be the tail of an older holder's details, not yet cut off. Details
// without a pid are not believed. (What the details say is shown escaped:
// state.LockedError.)
func parseHolder(b []byte) (info state.LockInfo, ok bool) {
	if len(b) == 0 || json.UnmarshalDecode(jsontext.NewDecoder(bytes.NewReader(b)), &info) != nil || info.PID <= 0 {
		return state.LockInfo{}, false
	}
	return info, true
}

// unlocker releases the lock once.
type unlocker struct {
	once    sync.Once
	f       *os.File
	err     error
	s       *Store
	path    string
	created bool // this Lock made the lock file
}

// Unlock clears the holder's details, releases the lock and closes the
// file. A lock file this Lock made is removed again when the store wrote
// nothing (a command that failed beside a missing, damaged or odd state
// path leaves no file behind); Lock's check that it holds the file at the
// path keeps this safe for a writer waiting on the removed file.
func (u *unlocker) Unlock() error {
	u.once.Do(func() {
		if u.created && !u.s.wrote.Load() {
			os.Remove(u.path)
		}
		terr := u.f.Truncate(0)
		lerr := unlockFile(u.f)
		cerr := u.f.Close()
		u.err = errors.Join(terr, lerr, cerr)
		if u.err != nil {
			u.err = fmt.Errorf("releasing the state lock: %w", u.err)
		}
	})
	return u.err
}
