package cli

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/state/pgstore/pgtest"
)

// run runs roster in-process and returns its status, stdout and stderr.
func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func lastField(s string) string {
	f := strings.Fields(s)
	return strings.TrimSuffix(f[len(f)-1], ".")
}

// TestMigrateRoundTrip: state migrate bolt → PostgreSQL → bolt keeps the
// same objects and history, and evidence verify passes everywhere with the
// same head hash (issue 13).
func TestMigrateRoundTrip(t *testing.T) {
	pg := pgtest.URL(t)
	t.Setenv("ROSTER_ACTOR", "migrator")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(schemaConfig), 0o644)
	bolt1, bolt2 := filepath.Join(dir, "one.db"), filepath.Join(dir, "two.db")
	g := func(state string, args ...string) []string {
		return append(args, "--chdir", dir, "--now", "2026-12-01", "--state", state)
	}
	runCLI(t, 0, g(bolt1, "apply", "--auto-approve")...)
	os.WriteFile(filepath.Join(dir, "more.hcl"), []byte("member \"zoe@acme.com\" {\n  team = \"acme\"\n  role = \"viewer\"\n}\n"), 0o644)
	runCLI(t, 0, g(bolt1, "apply", "--auto-approve")...)

	head := lastField(string(runCLI(t, 0, g(bolt1, "evidence", "verify")...)))
	list := string(runCLI(t, 0, g(bolt1, "state", "list")...))
	hist := string(runCLI(t, 0, g(bolt1, "history", "--json")...))

	out := string(runCLI(t, 0, g(bolt1, "state", "migrate", "--to", pg)...))
	if !strings.Contains(out, "verified, head "+head) {
		t.Errorf("migrate to PostgreSQL said %q", out)
	}
	// A non-empty target is refused.
	if code, _, errs := run(g(bolt1, "state", "migrate", "--to", pg)...); code != 1 || !strings.Contains(errs, "empty") {
		t.Errorf("a second migrate into a non-empty store: %d %q", code, errs)
	}
	if got := lastField(string(runCLI(t, 0, g(pg, "evidence", "verify")...))); got != head {
		t.Errorf("PostgreSQL head %s, want %s", got, head)
	}
	if got := string(runCLI(t, 0, g(pg, "state", "list")...)); got != list {
		t.Errorf("PostgreSQL state list differs:\n%s\nwant\n%s", got, list)
	}
	// And back to a file.
	runCLI(t, 0, g(pg, "state", "migrate", "--to", bolt2)...)
	if got := lastField(string(runCLI(t, 0, g(bolt2, "evidence", "verify")...))); got != head {
		t.Errorf("round-trip head %s, want %s", got, head)
	}
	if got := string(runCLI(t, 0, g(bolt2, "state", "list")...)); got != list {
		t.Errorf("round-trip state list differs")
	}
	if got := string(runCLI(t, 0, g(bolt2, "history", "--json")...)); got != hist {
		t.Errorf("round-trip history differs:\n%s\nwant\n%s", got, hist)
	}
	// The PostgreSQL state plans as the file did: nothing to do.
	if out := string(runCLI(t, 0, g(pg, "plan")...)); !strings.Contains(out, "No changes.") {
		t.Errorf("plan on PostgreSQL: %s", out)
	}
}

// TestPostgresPasswordNeverShown runs commands that succeed and commands
// that fail against PostgreSQL URLs holding a password: the password shows
// in no output and no error.
func TestPostgresPasswordNeverShown(t *testing.T) {
	good := pgtest.URL(t)
	const secret = "Sup3r-S3cret-PW"
	u, _ := url.Parse(good)
	u.User = url.UserPassword(u.User.Username(), secret)
	withPW := u.String()
	bad, _ := url.Parse(withPW)
	bad.Host = "127.0.0.1:1" // nothing listens there
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(schemaConfig), 0o644)
	for _, args := range [][]string{
		{"apply", "--auto-approve", "--state", withPW},
		{"show", "--state", withPW},
		{"history", "--state", withPW},
		{"evidence", "verify", "--state", withPW},
		{"plan", "--state", bad.String()},
		{"state", "list", "--state", bad.String()},
		{"state", "migrate", "--to", bad.String(), "--state", withPW},
		{"plan", "--state", "postgres://user:" + secret + "@[::1"},
	} {
		args = append(args, "--chdir", dir, "--now", "2026-12-01")
		code, out, errs := run(args...)
		if strings.Contains(out+errs, secret) {
			t.Errorf("roster %s (exit %d) showed the password:\n%s%s", strings.Join(args, " "), code, out, errs)
		}
	}
}
