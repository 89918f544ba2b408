package fsx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// StaleAfter is the age past which a temporary file of roster's naming
// (".NAME.tmp-*") beside a target is taken as left by a killed run and
// removed by the next write to that target.
const StaleAfter = time.Hour

// maxLinks bounds the symlinks followed to a target, as the kernel does.
const maxLinks = 40

// Options say how a file is written.
type Options struct {
	// Stdout receives what is written to "-"; nil refuses "-".
	Stdout io.Writer
	// Mode is the permission of a new or replaced file (default 0600).
	Mode fs.FileMode
	// KeepMode keeps an existing regular file's permission instead.
	KeepMode bool
	// Context, when set, ends the wait for a reader to open a FIFO.
	Context context.Context
}

// File is one output being written. Write to it, then Commit; Discard
// (deferred) removes what Commit did not finish.
type File struct {
	name   string // as the user gave it, for messages
	target string // the regular file renamed over; "" when written directly
	w      io.Writer
	f      *os.File // the temporary file, or the device/FIFO opened directly
	tmp    string
	done   bool
}

// Error is a refusal or failure to write path.
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("writing %s: %v", e.Path, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// ErrUnsafe marks a path roster refuses to write (a directory, a socket,
// a block device).
var ErrUnsafe = errors.New("not a file roster can write safely")

type unsafeError struct{ what string }

func (e *unsafeError) Error() string {
	return "it is " + e.what + ", not a file; give the path of a file (or - for standard output)"
}
func (e *unsafeError) Unwrap() error { return ErrUnsafe }

// Create opens name for writing as the package doc says.
func Create(name string, o Options) (*File, error) {
	if name == "-" {
		if o.Stdout == nil {
			return nil, &Error{name, errors.New("standard output is not available here")}
		}
		return &File{name: name, w: o.Stdout}, nil
	}
	target, fi, err := resolve(name)
	if err != nil {
		return nil, &Error{name, err}
	}
	mode := o.Mode
	if mode == 0 {
		mode = 0o600
	}
	if fi != nil {
		switch t := fi.Mode().Type(); {
		case t&fs.ModeNamedPipe != 0, t&fs.ModeCharDevice != 0:
			// Written through, as a shell's > would: never replaced.
			f, err := openWriter(o.Context, target)
			if err != nil {
				return nil, &Error{name, err}
			}
			return &File{name: name, w: f, f: f}, nil
		case t&fs.ModeDir != 0:
			return nil, &Error{name, &unsafeError{"a directory"}}
		case t&fs.ModeSocket != 0:
			return nil, &Error{name, &unsafeError{"a socket"}}
		case t&fs.ModeDevice != 0:
			return nil, &Error{name, &unsafeError{"a block device"}}
		case t != 0:
			return nil, &Error{name, &unsafeError{"not a regular file (" + t.String() + ")"}}
		}
		if o.KeepMode {
			mode = fi.Mode().Perm()
		}
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	CleanStale(dir, base)
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, &Error{name, inFolder(dir, err)}
	}
	register(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		remove(tmp.Name())
		return nil, &Error{name, err}
	}
	return &File{name: name, target: target, w: tmp, f: tmp, tmp: tmp.Name()}, nil
}

// inFolder says why a file could not be made in dir without the name of
// the temporary file, which the user never asked for: "cannot create a
// file in folder DIR: no such file or directory".
func inFolder(dir string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("cannot create a file in folder %s: %w", filepath.Clean(dir), pe.Err)
	}
	return err
}

// openWriter opens a device or FIFO for writing. Opening a FIFO waits
// for a reader, in the system: with ctx, the wait is given up when ctx
// ends (the open is left behind; the command is ending).
func openWriter(ctx context.Context, path string) (*os.File, error) {
	if ctx == nil {
		return os.OpenFile(path, os.O_WRONLY, 0)
	}
	type result struct {
		f   *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		done <- result{f, err}
	}()
	select {
	case r := <-done:
		return r.f, r.err
	case <-ctx.Done():
		go func() { // close it should a reader come after all
			if r := <-done; r.f != nil {
				r.f.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// resolve follows symlinks from name to the path that is finally written,
// and returns its FileInfo (nil when it does not exist yet: a new file, or
// a dangling link's target).
func resolve(name string) (string, fs.FileInfo, error) {
	p := name
	for range maxLinks {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil, nil
		}
		if err != nil {
			return "", nil, err
		}
		if fi.Mode().Type()&fs.ModeSymlink == 0 {
			return p, fi, nil
		}
		link, err := os.Readlink(p)
		if err != nil {
			return "", nil, err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = link
	}
	return "", nil, fmt.Errorf("too many levels of symbolic links")
}

// Write writes to the output.
func (f *File) Write(p []byte) (int, error) { return f.w.Write(p) }

// Commit finishes the output: a temporary file is synced, closed and
// renamed over its target; a device or FIFO is closed.
func (f *File) Commit() error {
	if f.done {
		return nil
	}
	f.done = true
	if f.f == nil { // standard output
		return nil
	}
	if f.tmp == "" {
		if err := f.f.Close(); err != nil {
			return &Error{f.name, err}
		}
		return nil
	}
	err := f.f.Sync()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.tmp, f.target)
	}
	if err != nil {
		remove(f.tmp)
		return &Error{f.name, err}
	}
	unregister(f.tmp)
	if d, err := os.Open(filepath.Dir(f.target)); err == nil { // make the rename durable
		d.Sync()
		d.Close()
	}
	return nil
}

// Discard abandons an output Commit did not finish: the temporary file is
// removed and the target left as it was.
func (f *File) Discard() {
	if f.done {
		return
	}
	f.done = true
	if f.f != nil {
		f.f.Close()
	}
	if f.tmp != "" {
		remove(f.tmp)
	}
}

// WriteFile writes data to name as Create does.
func WriteFile(name string, data []byte, o Options) error {
	f, err := Create(name, o)
	if err != nil {
		return err
	}
	defer f.Discard()
	if _, err := f.Write(data); err != nil {
		return &Error{name, err}
	}
	return f.Commit()
}

// CleanStale removes the temporary files a killed run left beside base in
// dir: regular files (or directories) named ".BASE.tmp-*" (or
// ".BASE.new-*") older than StaleAfter. Fresh ones may belong to a run still going and are kept.
func CleanStale(dir, base string) {
	cutoff := time.Now().Add(-StaleAfter)
	for _, pat := range []string{"." + base + ".tmp-*", "." + base + ".new-*"} {
		matches, _ := filepath.Glob(filepath.Join(dir, globEscape(pat)))
		for _, m := range matches {
			fi, err := os.Lstat(m)
			if err != nil || fi.ModTime().After(cutoff) {
				continue
			}
			switch {
			case fi.Mode().IsRegular():
				os.Remove(m)
			case fi.IsDir():
				// A bundle being built (evidence export --format bundle).
				os.RemoveAll(m)
			}
		}
	}
}

// globEscape escapes the glob characters of a pattern except its final *.
func globEscape(pat string) string {
	body := strings.TrimSuffix(pat, "*")
	var b strings.Builder
	for _, r := range body {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String() + "*"
}

// --- temporary files of this run, for an immediate exit ---

var (
	tempsMu sync.Mutex
	temps   = map[string]struct{}{}
)

// Register records a temporary path (a file or a directory) that
// RemoveTemps removes if the process must exit before it is renamed or
// removed; Unregister forgets it.
func Register(path string)   { register(path) }
func Unregister(path string) { unregister(path) }

func register(p string) {
	tempsMu.Lock()
	temps[p] = struct{}{}
	tempsMu.Unlock()
}

func unregister(p string) {
	tempsMu.Lock()
	delete(temps, p)
	tempsMu.Unlock()
}

func remove(p string) {
	os.Remove(p)
	unregister(p)
}

// RemoveTemps removes every temporary file this process still has open
// for an output, for a command made to exit at once (a second Ctrl-C).
func RemoveTemps() {
	tempsMu.Lock()
	defer tempsMu.Unlock()
	for p := range temps {
		os.RemoveAll(p)
		delete(temps, p)
	}
}
