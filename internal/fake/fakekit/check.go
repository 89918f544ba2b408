package fakekit

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Commands is what CheckCommands runs a fake's two commands with.
type Commands struct {
	Main, Call func(args []string) int // the fake's Main and Call
	Seed       string                  // a seed file's JSON
	Ok, Fails  []string                // admin calls (METHOD PATH BODY) that answer 2xx, and not
	Usage      []string                // args Call refuses with 2, "URLFILE" standing for the URL file; nil: not tried
}

// CheckCommands runs a fake's Main as the fake-NAME command does, with a
// seed file: the URL file it writes names a server on 127.0.0.1, Call
// exits 0 on a 2xx answer and 1 on another, and Main stops cleanly on
// SIGTERM; Main exits 2 without arguments and 1 on a missing seed file.
func CheckCommands(t *testing.T, c Commands) {
	t.Helper()
	dir := t.TempDir()
	urlFile := filepath.Join(dir, "url")
	seed := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(seed, []byte(c.Seed), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan int)
	go func() { done <- c.Main([]string{urlFile, "--seed", seed}) }()
	if code := c.Call(append([]string{urlFile}, c.Ok...)); code != 0 {
		t.Fatalf("call: %d", code)
	}
	if code := c.Call(append([]string{urlFile}, c.Fails...)); code != 1 {
		t.Errorf("failing call: %d", code)
	}
	data, err := os.ReadFile(urlFile)
	if err != nil || !strings.HasPrefix(string(data), "http://127.0.0.1:") {
		t.Fatalf("url file: %q %v", data, err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("Main returned %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Main did not stop on SIGTERM")
	}
	if code := c.Main(nil); code != 2 {
		t.Errorf("no args: %d", code)
	}
	if code := c.Main([]string{urlFile, "--seed", filepath.Join(dir, "missing.json")}); code != 1 {
		t.Errorf("missing seed: %d", code)
	}
	if c.Usage != nil {
		args := append([]string(nil), c.Usage...)
		for i, a := range args {
			if a == "URLFILE" {
				args[i] = urlFile
			}
		}
		if code := c.Call(args); code != 2 {
			t.Errorf("call usage: %d", code)
		}
	}
}

// RunAdminSteps makes steps' admin calls of the fake at base in order,
// each {METHOD, PATH, BODY, WANT}: the test stops at the first whose
// answer is not 200 with WANT in it.
func RunAdminSteps(t *testing.T, base string, steps [][4]string) {
	t.Helper()
	for _, st := range steps {
		method, path, body, want := st[0], st[1], st[2], st[3]
		if a := Ask(t, method, base+path, "", "", []byte(body)); a.Status != 200 || !strings.Contains(a.Raw, want) {
			t.Fatalf("%s %s: %d %s", method, path, a.Status, a.Raw)
		}
	}
}

// CheckBadSeeds has each seed file of bad (its JSON, and a substring of
// the error it must give) refused: by load, which reads a seed file, or
// else by start, which starts the fake with the seed.
func CheckBadSeeds[Seed any](t *testing.T, load func(path string) (Seed, error), start func(Seed) error, bad map[string]string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bad.json")
	for body, want := range bad {
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		seed, err := load(p)
		if err == nil {
			err = start(seed)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}

// Find is the first of items that match holds for (a fake's State, looked
// up by a test); the test stops, saying missing, when none does.
func Find[T any](t testing.TB, items []T, match func(T) bool, missing string) T {
	t.Helper()
	for _, x := range items {
		if match(x) {
			return x
		}
	}
	t.Fatal(missing)
	var zero T
	return zero
}
