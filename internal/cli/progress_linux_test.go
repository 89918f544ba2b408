//go:build linux

package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	fake "github.com/roster-dev/roster/internal/fake/posthog"
)

// openPTY opens a pseudo-terminal pair: what is written to tty can be read
// from ctrl.
func openPTY(t *testing.T) (ctrl, tty *os.File) {
	t.Helper()
	ctrl, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(ctrl.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		ctrl.Close()
		t.Skipf("unlocking the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(int(ctrl.Fd()), unix.TIOCGPTN)
	if err != nil {
		ctrl.Close()
		t.Skipf("naming the pseudo-terminal: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		ctrl.Close()
		t.Skipf("opening the pseudo-terminal: %v", err)
	}
	return ctrl, tty
}

// onPTY runs run with the terminal end of a new pseudo-terminal and
// returns its exit code and everything it wrote to the terminal.
func onPTY(t *testing.T, run func(tty *os.File) int) (int, string) {
	t.Helper()
	ctrl, tty := openPTY(t)
	defer ctrl.Close()
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(ctrl) // ends with EIO once tty is closed
		got <- b
	}()
	code := run(tty)
	tty.Close()
	return code, string(<-got)
}

// TestProgressLineOnTerminal: a connected apply shows its progress on
// standard error when that is a terminal (issue 10: a progress line on a
// terminal), one rewritten line per change, cleared at the end; and never
// when standard error is not a terminal.
func TestProgressLineOnTerminal(t *testing.T) {
	srv := fake.New(fake.Options{Seed: fake.Seed{
		OrgID: "0190a1b2-0000-7000-8000-000000000001",
		Keys:  map[string]string{"phx_progress_key": "ada@lumen.app"},
		Members: []fake.SeedMember{
			{Email: "ada@lumen.app", Level: 15},
			{Email: "grace@lumen.app", Level: 15},
		},
		Projects: []fake.SeedProject{{ID: 1, Name: "Production", DefaultAccessLevel: "none"}},
	}})
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	config := func(newMembers ...string) {
		var b strings.Builder
		fmt.Fprintf(&b, "team \"lumen\" {\n  platform = \"posthog\"\n  connection {\n    endpoint   = \"https://posthog.invalid\"\n    account_id = %q\n  }\n}\n\nsite \"Production\" {\n  team = \"lumen\"\n}\n", srv.OrgID())
		for _, m := range append([]string{"ada@lumen.app", "grace@lumen.app"}, newMembers...) {
			role := "member"
			if strings.HasPrefix(m, "ada") || strings.HasPrefix(m, "grace") {
				role = "owner"
			}
			fmt.Fprintf(&b, "\nmember %q {\n  team = \"lumen\"\n  role = %q\n}\n", m, role)
		}
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("ROSTER_STATE", filepath.Join(dir, "state.db"))
	t.Setenv("ROSTER_TOKEN_LUMEN", "phx_progress_key")
	t.Setenv("ROSTER_ENDPOINT_LUMEN", srv.URL)
	args := []string{"--chdir", dir, "apply", "--auto-approve", "--now", "2026-12-01"}

	config("ann@lumen.app", "bob@lumen.app")
	var out bytes.Buffer
	code, term := onPTY(t, func(tty *os.File) int { return Run(args, strings.NewReader(""), &out, tty) })
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out.String(), term)
	}
	// The team and its site are created first (state only), then the two
	// invitations.
	for _, want := range []string{"\r\033[K[1/4] team/lumen", "\r\033[K[3/4] member/lumen/ann@lumen.app", "\r\033[K[4/4] member/lumen/bob@lumen.app"} {
		if !strings.Contains(term, want) {
			t.Errorf("the terminal shows no %q:\n%q", want, term)
		}
	}
	if !strings.HasSuffix(strings.TrimRight(term, "\r\n"), "\r\033[K") {
		t.Errorf("the progress line is not cleared at the end:\n%q", term)
	}
	if strings.Contains(out.String(), "\033[K") {
		t.Errorf("the progress line reached standard output:\n%q", out.String())
	}

	// Not a terminal: no progress line.
	config("ann@lumen.app", "bob@lumen.app", "cy@lumen.app")
	var errb bytes.Buffer
	if code := Run(args, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("second apply: exit %d\n%s", code, errb.String())
	}
	if strings.Contains(errb.String(), "\033[K") || strings.Contains(errb.String(), "[1/1]") {
		t.Errorf("a progress line went to a non-terminal:\n%q", errb.String())
	}

	// A failed apply clears the progress line before its errors: dan's
	// invitation is made, cy's invitation update fails; "Error:" starts a line of
	// its own, never the end of "[1/2] member/lumen/dan@lumen.app".
	config("ann@lumen.app", "bob@lumen.app", "dan@lumen.app")
	cfg, err := os.ReadFile(filepath.Join(dir, "main.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	cfg = append(cfg, "\nmember \"cy@lumen.app\" {\n  team = \"lumen\"\n  role = \"admin\"\n}\n"...)
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	srv.Fail(fake.FailRule{Method: "DELETE", Status: 400, Body: `{"detail":"no"}`})
	out.Reset()
	code, term = onPTY(t, func(tty *os.File) int { return Run(args, strings.NewReader(""), &out, tty) })
	if code != 1 || !strings.Contains(term, "[1/2] member/lumen/dan@lumen.app") {
		t.Fatalf("failing apply: exit %d\n%s\n%q", code, out.String(), term)
	}
	for i := strings.Index(term, "Error:"); i >= 0; i = next(term, "Error:", i) {
		if !strings.HasSuffix(term[:i], "\n") && !strings.HasSuffix(term[:i], "\r\033[K") {
			t.Errorf("an error follows the progress line on the same line:\n%q", term)
			break
		}
	}
}

// next is the index of the next sub in s after index i, or -1.
func next(s, sub string, i int) int {
	j := strings.Index(s[i+1:], sub)
	if j < 0 {
		return -1
	}
	return i + 1 + j
}
