package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/report"
)

// lastReviewAfter is the after of the newest review record.
func lastReviewAfter(t *testing.T, g []string) report.AttestedReview {
	t.Helper()
	var recs []jsontext.Value
	if err := json.Unmarshal(runCLI(t, 0, append([]string{"evidence", "list", "--json"}, g...)...), &recs); err != nil {
		t.Fatal(err)
	}
	for i := len(recs) - 1; i >= 0; i-- {
		r, err := evidence.Decode(recs[i])
		if err != nil {
			t.Fatal(err)
		}
		if r.Action == evidence.ActionReview {
			var a report.AttestedReview
			if err := json.Unmarshal(r.After, &a); err != nil {
				t.Fatal(err)
			}
			return a
		}
	}
	t.Fatal("no review record")
	return report.AttestedReview{}
}

// signOffConfig is a configuration directory holding schemaConfig, the
// actor an auditor and no signing key; with adds --chdir to a command.
func signOffConfig(t *testing.T) (dir string, with func(args ...string) []string) {
	t.Helper()
	t.Setenv("ROSTER_ACTOR", "auditor-test")
	t.Setenv("ROSTER_SIGNING_KEY", "")
	dir = t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(schemaConfig), 0o644)
	return dir, func(args ...string) []string { return append(args, "--chdir", dir) }
}

// TestSignOffBindsWhatWasSeen: review --attest --out FILE attests that
// file, which shows the digest, and the digest can be recomputed from the
// file alone (with sed and sha256sum too); --from attests a saved review
// as it is, with the serial it states; a future --now is refused; the
// next review shows what changed since the sign-off (issue 19, point 6).
func TestSignOffBindsWhatWasSeen(t *testing.T) {
	dir, with := signOffConfig(t)
	runCLI(t, 0, with("apply", "--auto-approve", "--now", "2026-12-01")...)
	runCLI(t, 0, with("confirm", "--all")...) // offline: the steps were made by hand
	out := t.TempDir()

	for _, format := range []string{"html", "markdown", "csv", "json"} {
		file := filepath.Join(out, "review."+format)
		runCLI(t, 0, with("review", "--attest", "--reviewer", "rita@acme.com", "--format", format, "--out", file)...)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		a := lastReviewAfter(t, with())
		if a.Format != format || a.Serial == 0 || !strings.HasPrefix(a.ReviewDigest, "sha256:") {
			t.Fatalf("%s: record after %+v", format, a)
		}
		if !strings.Contains(string(data), a.ReviewDigest) {
			t.Errorf("%s: the file does not show the digest %s it is attested under", format, a.ReviewDigest)
		}
		if !report.CheckAttested(data, a.ReviewDigest) {
			t.Errorf("%s: the digest cannot be recomputed from the file", format)
		}
		// By hand: the hex written as zeros, then sha256.
		hexSum := strings.TrimPrefix(a.ReviewDigest, "sha256:")
		sum := sha256.Sum256([]byte(strings.ReplaceAll(string(data), hexSum, strings.Repeat("0", 64))))
		if hex.EncodeToString(sum[:]) != hexSum {
			t.Errorf("%s: the documented recomputation gives another digest", format)
		}
		if _, err := exec.LookPath("sed"); err == nil {
			cmd := exec.Command("sh", "-c", `sed "s/$HEX/$(printf '0%.0s' $(seq 64))/g" "$FILE" | sha256sum`)
			cmd.Env = append(os.Environ(), "HEX="+hexSum, "FILE="+file)
			if got, err := cmd.Output(); err != nil || !strings.HasPrefix(string(got), hexSum) {
				t.Errorf("%s: sed | sha256sum printed %q, %v; want %s", format, got, err, hexSum)
			}
		}
		// An edited copy no longer matches.
		if report.CheckAttested([]byte(strings.Replace(string(data), "alice@acme.com", "alicf@acme.com", 1)), a.ReviewDigest) {
			t.Errorf("%s: an edited file still matches its digest", format)
		}
	}

	// A future --now is refused with --attest.
	var o, e strings.Builder
	if code := Run(with("review", "--attest", "--reviewer", "rita@acme.com", "--now", "2099-01-01"), strings.NewReader(""), &o, &e); code != 1 || !strings.Contains(e.String(), "later than the wall clock") {
		t.Errorf("future --now: exit %d, %q", code, e.String())
	}

	// --from: a review saved earlier, attested as it is.
	for _, name := range []string{"saved.json", "saved.md", "saved.csv", "saved.html"} {
		format := map[string]string{".json": "json", ".md": "markdown", ".csv": "csv", ".html": "html"}[filepath.Ext(name)]
		saved := filepath.Join(out, name)
		runCLI(t, 0, with("review", "--format", format, "--out", saved)...)
		data, _ := os.ReadFile(saved)
		runCLI(t, 0, with("review", "--attest", "--reviewer", "sam@acme.com", "--from", saved)...)
		a := lastReviewAfter(t, with())
		if a.ReviewDigest != report.ReviewDigest(data) || a.From != name || a.Format != format || a.Serial == 0 || a.Reviewer != "sam@acme.com" {
			t.Errorf("--from %s: record after %+v, want the file's sha256 %s", name, a, report.ReviewDigest(data))
		}
	}
	noSerial := filepath.Join(out, "old.md")
	os.WriteFile(noSerial, []byte("# Access review\n\n## Team acme (plausible)\n"), 0o600)
	for _, c := range []struct{ file, want string }{
		{noSerial, "does not state the serial"},
		{filepath.Join(out, "review.html"), "attested already"},
		{filepath.Join(out, "nope.json"), "reading the review to sign off, " + filepath.Join(out, "nope.json") + ": "},
	} {
		var o, e strings.Builder
		if code := Run(with("review", "--attest", "--reviewer", "sam@acme.com", "--from", c.file), strings.NewReader(""), &o, &e); code != 1 || !strings.Contains(e.String(), c.want) {
			t.Errorf("--from %s: exit %d, %q; want %q", c.file, code, e.String(), c.want)
		}
	}

	// What changed since the last sign-off, per team.
	os.WriteFile(filepath.Join(dir, "zoe.hcl"), []byte("member \"zoe@acme.com\" {\n  team = \"acme\"\n  role = \"viewer\"\n  ticket = \"IAM-9\"\n}\n"), 0o644)
	runCLI(t, 0, with("apply", "--auto-approve")...)
	runCLI(t, 0, with("confirm", "--all")...)
	var doc report.ReviewDoc
	if err := json.Unmarshal(runCLI(t, 0, with("review", "--format", "json")...), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Teams) != 1 || len(doc.Teams[0].ChangesSinceReview) != 1 {
		t.Fatalf("changes since the sign-off: %+v", doc.Teams)
	}
	if c := doc.Teams[0].ChangesSinceReview[0]; c.Person != "zoe@acme.com" || c.Change != report.ChangeAdded || c.RoleAfter != "viewer" {
		t.Errorf("change %+v", c)
	}
	md := string(runCLI(t, 0, with("review")...))
	if !strings.Contains(md, "zoe@acme.com added to the team as viewer") || !strings.Contains(md, "Since the last sign-off") {
		t.Errorf("the markdown review does not say what changed since the sign-off:\n%s", md)
	}
}

// TestSignOffFromStaleReview: a review saved at one serial and signed off
// with --from after the state moved on would cover access its reader never
// saw, and the next review would show that access as reviewed, with no
// change since the sign-off (mallory added as owner in between). The
// sign-off is refused; the same file signed off before anything changed is
// accepted.
func TestSignOffFromStaleReview(t *testing.T) {
	dir, with := signOffConfig(t)
	runCLI(t, 0, with("apply", "--auto-approve")...)
	runCLI(t, 0, with("confirm", "--all")...)
	saved := filepath.Join(t.TempDir(), "saved.json")
	runCLI(t, 0, with("review", "--format", "json", "--out", saved)...)

	os.WriteFile(filepath.Join(dir, "m.hcl"), []byte("member \"mallory@acme.com\" {\n  team = \"acme\"\n  role = \"owner\"\n}\n"), 0o644)
	runCLI(t, 0, with("apply", "--auto-approve")...)
	runCLI(t, 0, with("confirm", "--all")...)

	var o, e strings.Builder
	code := Run(with("review", "--attest", "--reviewer", "rita@acme.com", "--from", saved), strings.NewReader(""), &o, &e)
	if code != 1 || !strings.Contains(e.String(), "the state has changed since") {
		t.Errorf("--from a review made before the state changed: exit %d, %q", code, e.String())
	}
	var doc report.ReviewDoc
	if err := json.Unmarshal(runCLI(t, 0, with("review", "--format", "json")...), &doc); err != nil {
		t.Fatal(err)
	}
	if lr := doc.Teams[0].LastReview; lr != nil {
		t.Errorf("the team reads as reviewed (%+v) with changes %+v, but nobody saw mallory's access", lr, doc.Teams[0].ChangesSinceReview)
	}

	// Saved again, at the current serial: signed off.
	runCLI(t, 0, with("review", "--format", "json", "--out", saved)...)
	runCLI(t, 0, with("review", "--attest", "--reviewer", "rita@acme.com", "--from", saved)...)
}
