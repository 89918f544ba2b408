//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestColorOnlyOnTerminal: the text plan is coloured on a terminal only,
// and not even there with --no-color or NO_COLOR set (schema/cli.md,
// global flags); /dev/null, a character device, is no terminal.
func TestColorOnlyOnTerminal(t *testing.T) {
	dir := t.TempDir()
	cfg := "team \"acme\" {\n  platform = \"plausible\"\n}\n\nmember \"ann@acme.com\" {\n  team = \"acme\"\n  role = \"owner\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ROSTER_STATE", filepath.Join(dir, "state.db"))
	onTerminal := func(noColorEnv string, extra ...string) string {
		t.Helper()
		t.Setenv("NO_COLOR", noColorEnv)
		var errb strings.Builder
		args := append([]string{"--chdir", dir, "plan", "--now", "2026-12-01"}, extra...)
		code, out := onPTY(t, func(tty *os.File) int { return Run(args, strings.NewReader(""), tty, &errb) })
		if code != 0 {
			t.Fatalf("plan %v: exit %d\n%s\n%s", extra, code, out, errb.String())
		}
		if !strings.Contains(out, "2 to add, 0 to change, 0 to remove.") {
			t.Fatalf("plan %v: no plan on the terminal:\n%q", extra, out)
		}
		return out
	}
	if out := onTerminal(""); !strings.Contains(out, "\x1b[") {
		t.Errorf("no colour on a terminal:\n%q", out)
	}
	if out := onTerminal("", "--no-color"); strings.Contains(out, "\x1b[") {
		t.Errorf("colour on a terminal with --no-color:\n%q", out)
	}
	if out := onTerminal("1"); strings.Contains(out, "\x1b[") {
		t.Errorf("colour on a terminal with NO_COLOR set:\n%q", out)
	}

	t.Setenv("NO_COLOR", "")
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	a := &app{}
	for name, f := range map[string]*os.File{os.DevNull: null, "a pipe": w} {
		if a.color(f) {
			t.Errorf("output to %s is coloured", name)
		}
	}
	if a.color(&strings.Builder{}) {
		t.Error("output to a buffer is coloured")
	}
}
