package fsx

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadFileLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("12345"), 0o600)
	if got, err := ReadFile(context.Background(), p, 5); err != nil || string(got) != "12345" {
		t.Fatalf("at the limit: %q %v", got, err)
	}
	_, err := ReadFile(context.Background(), p, 4)
	var tl *TooLargeError
	if !errors.As(err, &tl) || !strings.Contains(err.Error(), "4 bytes") {
		t.Fatalf("over the limit: %v", err)
	}
	_, err = ReadFile(context.Background(), filepath.Join(t.TempDir(), "missing"), 4)
	if err == nil || strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing file: %v (the path must not be repeated)", err)
	}
}

// An endless file (a link to /dev/zero) stops at the limit.
func TestReadFileEndless(t *testing.T) {
	_, err := ReadFile(context.Background(), "/dev/zero", 1<<20)
	var tl *TooLargeError
	if !errors.As(err, &tl) || !strings.Contains(err.Error(), "1 MiB") {
		t.Fatalf("got %v", err)
	}
}

// A FIFO nobody writes to is abandoned when the context ends.
func TestReadFileFIFOCancelled(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := ReadFile(ctx, p, 1<<20)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("got %v after %v", err, time.Since(start))
	}
	// Let the left-behind reader go.
	if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		f.Close()
	}
}
