//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestApplyAsksOnTerminal: apply without a plan file and without
// --auto-approve plans and asks on a terminal (schema/cli.md); only "yes"
// approves, anything else changes nothing and exits 1.
func TestApplyAsksOnTerminal(t *testing.T) {
	dir := t.TempDir()
	cfg := "team \"acme\" {\n  platform = \"plausible\"\n}\n\nmember \"ann@acme.com\" {\n  team = \"acme\"\n  role = \"owner\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state.db")
	t.Setenv("ROSTER_STATE", state)
	apply := func(answer string) (int, string, string) {
		t.Helper()
		ctrl, tty := openPTY(t)
		defer ctrl.Close()
		defer tty.Close()
		if _, err := ctrl.WriteString(answer + "\n"); err != nil {
			t.Fatal(err)
		}
		var out, errb strings.Builder
		code := Run([]string{"--chdir", dir, "apply", "--now", "2026-12-01"}, tty, &out, &errb)
		return code, out.String(), errb.String()
	}

	code, out, errs := apply("no")
	if code != 1 || !strings.Contains(errs, "apply cancelled") {
		t.Errorf("answered no: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "Plan: 2 to add, 0 to change, 0 to remove.") || !strings.Contains(out, "Only 'yes' will be accepted to approve.") {
		t.Errorf("answered no: the plan and the question are not shown:\n%s", out)
	}
	if _, err := os.Stat(state); err == nil {
		t.Error("answered no: the state was written")
	}

	// -input=false never asks, as with terraform: even "yes" on the
	// terminal is not read.
	ctrl, tty := openPTY(t)
	defer ctrl.Close()
	defer tty.Close()
	ctrl.WriteString("yes\n")
	var o, e strings.Builder
	if code := Run([]string{"--chdir", dir, "apply", "-input=false", "--now", "2026-12-01"}, tty, &o, &e); code != 1 || !strings.Contains(e.String(), "--auto-approve") {
		t.Errorf("-input=false: exit %d\n%s\n%s", code, o.String(), e.String())
	}
	if _, err := os.Stat(state); err == nil {
		t.Error("-input=false: the state was written")
	}

	code, out, errs = apply("yes")
	if code != 0 || !strings.Contains(out, "Apply complete: 1 applied, 1 manual steps, 0 failed.") {
		t.Errorf("answered yes: exit %d\n%s\n%s", code, out, errs)
	}
}
