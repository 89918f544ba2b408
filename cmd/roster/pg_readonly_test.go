package main

// docs/ci.md promises that CI jobs which only plan can use a PostgreSQL
// role that may only read (USAGE on the schema, SELECT on its tables), and
// that an apply with such a role writes nothing. This test holds it to that.

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/cli"
	"github.com/roster-dev/roster/internal/state/pgstore/pgtest"
)

func TestPGPlanWithReadOnlyRole(t *testing.T) {
	writer, _ := pgState(t)
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := func(state string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := cli.Run(append([]string{"--chdir", dir, "--state", state, "--now", "2026-12-01"}, args...), strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
	write("main.hcl", "team \"acme\" {\n  platform = \"plausible\"\n}\n\nsite \"a.com\" {\n  team = \"acme\"\n}\n\nmember \"alice@acme.com\" {\n  team = \"acme\"\n  role = \"owner\"\n}\n")
	if code, out, errs := run(writer, "apply", "--auto-approve"); code != 0 {
		t.Fatalf("apply as the writer: exit %d\n%s%s", code, out, errs)
	}

	// A role that may only read the state's schema.
	u, err := url.Parse(writer)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("schema")
	b := make([]byte, 4)
	rand.Read(b)
	role := "roster_reader_" + hex.EncodeToString(b)
	pgtest.Exec(t,
		`CREATE ROLE `+role+` LOGIN PASSWORD 'reader'`,
		`GRANT USAGE ON SCHEMA `+schema+` TO `+role,
		`GRANT SELECT ON ALL TABLES IN SCHEMA `+schema+` TO `+role,
	)
	t.Cleanup(func() { pgtest.Exec(t, `DROP OWNED BY `+role, `DROP ROLE `+role) })
	u.User = url.UserPassword(role, "reader")
	reader := u.String()

	write("bob.hcl", "member \"bob@acme.com\" {\n  team = \"acme\"\n  role = \"viewer\"\n}\n")
	code, out, errs := run(reader, "plan", "--out", filepath.Join(dir, "bob.plan"), "--format", "markdown")
	if code != 0 || !strings.Contains(out, "member/acme/bob@acme.com") {
		t.Fatalf("plan with the read-only role: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := run(reader, "evidence", "verify"); code != 0 {
		t.Errorf("evidence verify with the read-only role: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = run(reader, "apply", "--reviewed", filepath.Join(dir, "bob.plan"))
	if code != 1 || !strings.Contains(errs, "permission denied") {
		t.Errorf("apply with the read-only role: exit %d, want 1 and permission denied\n%s%s", code, out, errs)
	}
	if strings.Contains(out+errs, ":reader@") {
		t.Errorf("the password was printed:\n%s%s", out, errs)
	}
	// Nothing was written: the writer still plans bob.
	if code, out, errs := run(writer, "plan"); code != 0 || !strings.Contains(out, "member/acme/bob@acme.com") {
		t.Errorf("after the refused apply: exit %d\n%s%s", code, out, errs)
	}
}
