package boltstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/roster-dev/roster/internal/state"
)

var (
	// busyWait is how long one operation waits for other processes'
	// transactions on the file (bbolt's own file lock: shared for readers,
	// exclusive for the one writer) before it gives up. A transaction is
	// short, even a 100,000-object commit, so this is only ever reached
	// when something is wrong.
	busyWait = 60 * time.Second
	// attemptTimeout is bbolt's lock timeout for one try; between tries the
	// context is checked.
	attemptTimeout = 100 * time.Millisecond
)

// errMissing says the state file does not exist: an empty state.
var errMissing = errors.New("state file does not exist")

type openMode int

const (
	modeRead   openMode = iota // an existing file, read-only
	modeWrite                  // an existing file, read-write
	modeCreate                 // a new, empty file made by create
)

// damaged builds the error for a damaged state file.
func (s *Store) damaged(format string, args ...any) *state.DamagedError {
	return &state.DamagedError{Where: s.Describe(), Reason: fmt.Sprintf(format, args...), Err: state.ErrDamaged}
}

// withDB opens the file at path, runs fn in one transaction (a read
// transaction for modeRead, else a write transaction that commits when fn
// returns nil) and closes the file again.
//
// A missing file is errMissing. Anything that shows the file is damaged is a
// *state.DamagedError: the checks of precheck, bbolt's refusal to open it,
// and any panic or memory fault while bbolt reads it (bbolt trusts the
// bytes of its memory map; debug.SetPanicOnFault turns a fault on a page
// beyond a truncated file into a panic that is recovered here).
//
// growBy is about how many bytes a write will add: the file is mapped that
// much larger from the start, because each time bbolt outgrows its map it
// copies every changed value out of it before mapping the file again.
func (s *Store) withDB(ctx context.Context, path string, mode openMode, growBy int64, fn func(tx *bolt.Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	var size int64
	if mode != modeCreate {
		if size, err = s.check(path, mode == modeWrite); err != nil {
			return err
		}
	}

	var (
		file    *os.File
		db      *bolt.DB
		openErr error
	)
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		// bbolt may have panicked holding its own mutexes, so its Close
		// could block: release the file lock and the descriptor directly,
		// and let Close unmap the file in the background if it can.
		if file != nil {
			_ = unlockFile(file)
			_ = file.Close()
		}
		if db != nil {
			go func(db *bolt.DB) {
				defer func() { _ = recover() }()
				_ = db.Close()
			}(db)
		}
		err = s.damaged("its pages are damaged (%v)", r)
	}()

	opts := &bolt.Options{
		ReadOnly:     mode == modeRead,
		Timeout:      attemptTimeout,
		FreelistType: bolt.FreelistMapType,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			if mode != modeCreate {
				// Never let bbolt create (and initialise) a file that
				// vanished since it was checked.
				flag &^= os.O_CREATE
			}
			f, err := os.OpenFile(name, flag, perm)
			if err != nil {
				openErr = err
				return nil, err
			}
			if mode == modeWrite {
				private(f) // an existing file roster writes is 0600 too
			}
			file = f
			return f, nil
		},
	}
	if mode != modeRead && growBy > 4<<20 {
		opts.InitialMmapSize = int(min(size+growBy*3/2, 1<<40))
	}
	deadline := time.Now().Add(busyWait)
	for {
		file, openErr = nil, nil
		db, err = bolt.Open(path, 0o600, opts)
		if err == nil {
			break
		}
		switch {
		case openErr != nil && errors.Is(openErr, fs.ErrNotExist):
			return errMissing
		case openErr != nil:
			return fmt.Errorf("cannot open %s: %w", s.Describe(), openErr)
		case !errors.Is(err, berrors.ErrTimeout):
			return s.openDamage(err)
		case time.Now().After(deadline):
			return fmt.Errorf("%s is busy: another roster process has been using it for over %s; try again when it has finished", s.Describe(), busyWait)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}

	if mode == modeRead {
		err = db.View(fn)
	} else {
		err = db.Update(fn)
	}
	cerr := db.Close()
	db, file = nil, nil
	if err == nil && cerr != nil {
		err = fmt.Errorf("closing %s: %w", s.Describe(), cerr)
	}
	return err
}

// check looks at the file before bbolt maps it.
// It returns the file's size.
func (s *Store) check(path string, deep bool) (int64, error) {
	// Look before opening: opening a named pipe would wait for a writer
	// for ever, and a dangling link would read as a missing state.
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return 0, s.damaged("it is a directory, not a file")
		}
		return 0, s.damaged("it is not a regular file")
	} else if errors.Is(err, fs.ErrNotExist) {
		if li, lerr := os.Lstat(path); lerr == nil && li.Mode()&fs.ModeSymlink != 0 {
			return 0, s.damaged("it is a symbolic link to a file that does not exist")
		}
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, errMissing
	}
	if err != nil {
		return 0, fmt.Errorf("cannot open %s: %w", s.Describe(), err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("cannot read %s: %w", s.Describe(), err)
	}
	switch {
	case fi.IsDir():
		return 0, s.damaged("it is a directory, not a file")
	case !fi.Mode().IsRegular():
		return 0, s.damaged("it is not a regular file")
	case fi.Size() == 0:
		return 0, s.damaged("the file is empty")
	}
	reason, err := precheck(f, deep)
	if err != nil {
		return 0, fmt.Errorf("cannot read %s: %w", s.Describe(), err)
	}
	if reason != "" {
		return 0, s.damaged("%s", reason)
	}
	return fi.Size(), nil
}

// openDamage explains why bbolt refused to open the file.
func (s *Store) openDamage(err error) error {
	switch {
	case errors.Is(err, berrors.ErrInvalid):
		return s.damaged("it is not a bbolt database")
	case errors.Is(err, berrors.ErrVersionMismatch):
		return s.damaged("it is a bbolt database of an unknown format version")
	case errors.Is(err, berrors.ErrChecksum):
		return s.damaged("both of its header pages are damaged (checksum mismatch)")
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		// The system refused a lock or a memory map: not the file's fault.
		return fmt.Errorf("cannot open %s: %w", s.Describe(), err)
	}
	return s.damaged("bbolt cannot open it (%v)", err)
}
