package fsx

import (
	"context"
	"fmt"
	"io"
	"os"
)

// TooLargeError is a file longer than the limit its reader allows.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("it is larger than %s, the limit for this file", Size(e.Limit))
}

// Size is n bytes in binary units: "16 MiB", "30.1 MiB", "512 bytes".
func Size(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift {
			if n%(1<<u.shift) == 0 {
				return fmt.Sprintf("%d %s", n>>u.shift, u.name)
			}
			return fmt.Sprintf("%.1f %s", float64(n)/float64(int64(1)<<u.shift), u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

// ReadFile reads name whole, at most limit bytes (more is a
// *TooLargeError), and gives up when ctx ends: opening or reading a FIFO
// nobody writes to blocks in the system, so the read runs in a goroutine
// that is left behind (the process is ending) and ctx's error returned.
// Errors do not repeat name: the caller says which file it read.
func ReadFile(ctx context.Context, name string, limit int64) ([]byte, error) {
	return unlessDone(ctx, func() ([]byte, error) { return readLimited(name, limit) })
}

// ReadAll reads r to its end as ReadFile reads a file: at most limit
// bytes, and given up when ctx ends (standard input nobody closes).
func ReadAll(ctx context.Context, r io.Reader, limit int64) ([]byte, error) {
	return unlessDone(ctx, func() ([]byte, error) { return readAll(r, limit) })
}

// unlessDone runs read in a goroutine and returns its result, or ctx's
// error as soon as ctx ends: a read blocked in the system cannot be
// stopped, so it is left behind (the command is ending).
func unlessDone(ctx context.Context, read func() ([]byte, error)) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := read()
		done <- result{data, err}
	}()
	select {
	case r := <-done:
		return r.data, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, bare(err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > limit {
		return nil, &TooLargeError{Limit: limit} // without reading it
	}
	return readAll(f, limit)
}

func readAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, bare(err)
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{Limit: limit}
	}
	return data, nil
}

// bare drops the path from an *os.PathError ("open X: no such file" ->
// "no such file or directory").
func bare(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
