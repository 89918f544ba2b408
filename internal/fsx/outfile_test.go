package fsx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func write(t *testing.T, name string, data string, o Options) error {
	t.Helper()
	return WriteFile(name, []byte(data), o)
}

func TestRegularFileReplacedAtomically(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := write(t, p, "new", Options{}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	fi, _ := os.Stat(p)
	if string(got) != "new" || fi.Mode().Perm() != 0o600 {
		t.Fatalf("got %q mode %v, want new 0600", got, fi.Mode())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestKeepMode(t *testing.T) {
	p := filepath.Join(t.TempDir(), "main.hcl")
	os.WriteFile(p, []byte("old"), 0o640)
	if err := write(t, p, "new", Options{KeepMode: true}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v, want 0640", fi.Mode())
	}
}

// A FIFO read by a goroutine is written through and stays a FIFO.
func TestFIFOWrittenThrough(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(p)
		if err != nil {
			got <- "open: " + err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	if err := write(t, p, "through the pipe", Options{}); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "through the pipe" {
			t.Fatalf("reader got %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the reader got nothing")
	}
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode().Type() != fs.ModeNamedPipe {
		t.Fatalf("the FIFO did not survive: %v %v", fi.Mode(), err)
	}
}

// A character device of the test's own (root only; never the machine's
// /dev/null) is written to and stays a device.
func TestCharDeviceWrittenThrough(t *testing.T) {
	p := filepath.Join(t.TempDir(), "null")
	// 1,3 is the null device.
	if err := syscall.Mknod(p, syscall.S_IFCHR|0o600, 1<<8|3); err != nil {
		t.Skip("cannot make a device node here:", err)
	}
	if err := write(t, p, "into nothing", Options{}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode().Type()&fs.ModeCharDevice == 0 {
		t.Fatalf("the device did not survive: %v %v", fi.Mode(), err)
	}
}

func TestSymlinkTargetReplacedLinkKept(t *testing.T) {
	dir := t.TempDir()
	realDir := filepath.Join(dir, "real")
	os.Mkdir(realDir, 0o700)
	target := filepath.Join(realDir, "export.jsonl")
	os.WriteFile(target, []byte("old"), 0o600)
	link := filepath.Join(dir, "link.jsonl")
	if err := os.Symlink("real/export.jsonl", link); err != nil {
		t.Fatal(err)
	}
	if err := write(t, link, "new", Options{}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode().Type() != fs.ModeSymlink {
		t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if got, _ := os.ReadFile(target); string(got) != "new" {
		t.Fatalf("target holds %q", got)
	}
	// A dangling link gets its target created.
	dangling := filepath.Join(dir, "dangling")
	os.Symlink("real/new.txt", dangling)
	if err := write(t, dangling, "made", Options{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(realDir, "new.txt")); string(got) != "made" {
		t.Fatalf("dangling link's target holds %q", got)
	}
	if fi, _ := os.Lstat(dangling); fi.Mode().Type() != fs.ModeSymlink {
		t.Fatal("the dangling link was replaced")
	}
}

// A link to a FIFO is written through to the FIFO.
func TestSymlinkToFIFO(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	link := filepath.Join(dir, "out")
	os.Symlink(p, link)
	got := make(chan []byte, 1)
	go func() {
		f, _ := os.Open(p)
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	if err := write(t, link, "x", Options{}); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != "x" {
		t.Fatalf("got %q", b)
	}
	if fi, _ := os.Lstat(link); fi.Mode().Type() != fs.ModeSymlink {
		t.Fatal("link replaced")
	}
}

func TestDash(t *testing.T) {
	var buf bytes.Buffer
	if err := write(t, "-", "to stdout", Options{Stdout: &buf}); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "to stdout" {
		t.Fatalf("got %q", buf.String())
	}
	if _, err := os.Lstat("-"); err == nil {
		t.Fatal("a file named - was made")
	}
	if err := write(t, "-", "x", Options{}); err == nil {
		t.Fatal("- without a standard output was accepted")
	}
}

func TestRefusesDirectoryAndSocket(t *testing.T) {
	dir := t.TempDir()
	err := write(t, dir, "x", Options{})
	if !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "directory") {
		t.Fatalf("directory: %v", err)
	}
	sock := filepath.Join(dir, "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skip(err)
	}
	defer l.Close()
	err = write(t, sock, "x", Options{})
	if !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), "socket") {
		t.Fatalf("socket: %v", err)
	}
	if fi, _ := os.Lstat(sock); fi.Mode().Type() != fs.ModeSocket {
		t.Fatal("the socket was replaced")
	}
}

func TestDiscardLeavesTarget(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out")
	os.WriteFile(p, []byte("old"), 0o600)
	f, err := Create(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half"))
	f.Discard()
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Fatalf("target holds %q", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".out.tmp-*")); len(left) != 0 {
		t.Fatalf("left %v", left)
	}
}

func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(filepath.Join(dir, "out"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	RemoveTemps()
	if left, _ := filepath.Glob(filepath.Join(dir, ".out.tmp-*")); len(left) != 0 {
		t.Fatalf("left %v", left)
	}
	f.Discard()
}

func TestCleanStale(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, ".out.tmp-123")
	fresh := filepath.Join(dir, ".out.tmp-456")
	other := filepath.Join(dir, ".other.tmp-1")
	for _, p := range []string{old, fresh, other} {
		os.WriteFile(p, nil, 0o600)
	}
	oldDir := filepath.Join(dir, ".out.tmp-789")
	os.Mkdir(oldDir, 0o700)
	os.WriteFile(filepath.Join(oldDir, "evidence.jsonl"), nil, 0o600)
	past := time.Now().Add(-2 * StaleAfter)
	os.Chtimes(oldDir, past, past)
	os.Chtimes(old, past, past)
	os.Chtimes(other, past, past)
	if err := write(t, filepath.Join(dir, "out"), "x", Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); err == nil {
		t.Error("stale temporary file kept")
	}
	if _, err := os.Stat(oldDir); err == nil {
		t.Error("stale temporary directory kept")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("fresh temporary file (maybe another run's) removed")
	}
	if _, err := os.Stat(other); err != nil {
		t.Error("another target's temporary file removed")
	}
}

// Waiting for a reader of a FIFO ends with the context.
func TestFIFOWithoutReaderCancelled(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := WriteFile(p, []byte("x"), Options{Context: ctx})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("got %v after %v", err, time.Since(start))
	}
	// Let the left-behind open go.
	if f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
		f.Close()
	}
}

// TestMissingFolderNamed: a file in a folder that does not exist is
// refused naming the folder, not the temporary file roster would have
// written first (which the user never asked for).
func TestMissingFolderNamed(t *testing.T) {
	target := filepath.Join(t.TempDir(), "nope", "x.html")
	_, err := Create(target, Options{})
	if err == nil {
		t.Fatal("created a file in a folder that does not exist")
	}
	msg := err.Error()
	if strings.Contains(msg, ".tmp-") || !strings.Contains(msg, "cannot create a file in folder "+filepath.Dir(target)) ||
		!errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %q: want the folder named, the temporary file not, and fs.ErrNotExist kept", msg)
	}
}
