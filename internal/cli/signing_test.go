package cli

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/report"
	"github.com/roster-dev/roster/internal/schematest"
)

// signedState applies schemaConfig with a signing key set and signs the
// review off twice (each sign-off ends with a signed checkpoint, as every
// apply does once apply signs), returning the configuration directory,
// the global flags, the key's path and the verified head hash.
func signedState(t *testing.T) (dir string, g []string, key, head string) {
	t.Helper()
	t.Setenv("ROSTER_ACTOR", "auditor-test")
	t.Setenv("GITHUB_SHA", "")
	dir = t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(schemaConfig), 0o644)
	key = filepath.Join(t.TempDir(), "roster.key")
	runCLI(t, 0, "keygen", "--out", key)
	t.Setenv("ROSTER_SIGNING_KEY", key)
	g = []string{"--chdir", dir, "--now", "2026-12-01"}
	with := func(args ...string) []string { return append(args, g...) }
	runCLI(t, 0, with("apply", "--auto-approve")...)
	runCLI(t, 0, with("review", "--attest", "--reviewer", "rita@acme.com", "--note", "Q4")...)
	os.WriteFile(filepath.Join(dir, "more.hcl"), []byte("member \"zoe@acme.com\" {\n  team = \"acme\"\n  role = \"viewer\"\n  ticket = \"IAM-9\"\n}\n"), 0o644)
	runCLI(t, 0, with("apply", "--auto-approve")...)
	runCLI(t, 0, with("review", "--attest", "--reviewer", "sam@acme.com")...)
	out := string(runCLI(t, 0, with("evidence", "verify", "--public-key", key+".pub")...))
	m := regexp.MustCompile(`head ([0-9a-f]{64})\.`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("verify printed %q", out)
	}
	return dir, g, key, m[1]
}

func lines(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
}

func TestBundleExport(t *testing.T) {
	dir, g, key, _ := signedState(t)
	with := func(args ...string) []string { return append(args, g...) }
	base := t.TempDir()

	// Without --public-key, the key of $ROSTER_SIGNING_KEY is the one
	// that signed: the bundle holds it, and the README says how to check.
	bundle := filepath.Join(base, "b1")
	runCLI(t, 0, with("evidence", "export", "--format", "bundle", "--out", bundle)...)
	if keys, _ := filepath.Glob(filepath.Join(bundle, "keys", "*.pub")); len(keys) != 1 {
		t.Errorf("keys in the bundle: %v, want the one that signed", keys)
	}
	readme, _ := os.ReadFile(filepath.Join(bundle, "README.md"))
	if !strings.Contains(string(readme), "sh verify.sh") || !strings.Contains(string(readme), "What each check proves") {
		t.Error("the README does not say how to run verify.sh and what it proves")
	}
	if st, err := os.Stat(filepath.Join(bundle, "verify.sh")); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("verify.sh: %v %v, want mode 0700", st, err)
	}
	// Without the key anywhere, export refuses: the bundle would hold a
	// checkpoint nobody could check.
	t.Setenv("ROSTER_SIGNING_KEY", "")
	var o, e bytes.Buffer
	if code := Run(with("evidence", "export", "--format", "bundle", "--out", filepath.Join(base, "nokey")), strings.NewReader(""), &o, &e); code != 1 || !strings.Contains(e.String(), "whose public key was not given") {
		t.Errorf("export without the key: exit %d, %q", code, e.String())
	}
	t.Setenv("ROSTER_SIGNING_KEY", key)
	// The records exactly as stored, one per line.
	stored := runCLI(t, 0, with("evidence", "export", "--format", "jsonl")...)
	if got, _ := os.ReadFile(filepath.Join(bundle, "evidence.jsonl")); !bytes.Equal(got, stored) {
		t.Error("evidence.jsonl differs from the jsonl export")
	}
	// The checkpoints as stored; the last is what evidence checkpoint
	// --json prints, and it matches its schema.
	last := runCLI(t, 0, with("evidence", "checkpoint", "--json")...)
	cps := lines(t, filepath.Join(bundle, "checkpoints.jsonl"))
	if !bytes.Equal(append(cps[len(cps)-1], '\n'), last) {
		t.Errorf("the last checkpoint %s is not the one printed %s", cps[len(cps)-1], last)
	}
	sch := schematest.Compile(t, "checkpoint.schema.json")
	for i, c := range cps {
		validateJSON(t, sch, "checkpoint "+strconv.Itoa(i+1), c)
	}
	// The review records match the evidence schema.
	rec := schematest.Compile(t, "evidence.schema.json")
	sc := bufio.NewScanner(bytes.NewReader(stored))
	sc.Buffer(nil, 1<<20)
	reviews := 0
	for sc.Scan() {
		if bytes.Contains(sc.Bytes(), []byte(`"action":"review"`)) {
			reviews++
			validateJSON(t, rec, "review record", sc.Bytes())
		}
	}
	if reviews != 2 {
		t.Errorf("%d review records, want 2 (one team, two sign-offs)", reviews)
	}
	// review --format json validates with last_review set.
	validateJSON(t, schematest.Compile(t, "review.schema.json"), "review --format json", runCLI(t, 0, with("review", "--format", "json")...))

	// Refusals.
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--out", bundle}, "already exists and is not empty"},
		{[]string{}, "needs --out DIR"},
		{[]string{"--out", filepath.Join(base, "b2"), "--public-key", filepath.Join(dir, "main.hcl")}, "not PEM"},
	} {
		var out, errb bytes.Buffer
		args := with(append([]string{"evidence", "export", "--format", "bundle"}, c.args...)...)
		if code := Run(args, strings.NewReader(""), &out, &errb); code != 1 || !strings.Contains(errb.String(), c.msg) {
			t.Errorf("%v: exit %d, %q; want 1 and %q", c.args, code, errb.String(), c.msg)
		}
	}
	// Another key than the checkpoints': refused.
	other := filepath.Join(base, "other.key")
	runCLI(t, 0, "keygen", "--out", other)
	var out, errb bytes.Buffer
	if code := Run(with("evidence", "export", "--format", "bundle", "--out", filepath.Join(base, "b3"), "--public-key", other+".pub"), strings.NewReader(""), &out, &errb); code != 1 || !strings.Contains(errb.String(), "but the checkpoints are signed by") {
		t.Errorf("exit %d, %q", code, errb.String())
	}
	// An empty folder is fine.
	empty := filepath.Join(base, "empty")
	os.Mkdir(empty, 0o755)
	runCLI(t, 0, with("evidence", "export", "--format", "bundle", "--out", empty, "--public-key", key+".pub")...)
	if _, err := os.Stat(filepath.Join(empty, "MANIFEST.json")); err != nil {
		t.Error(err)
	}
	if left, _ := filepath.Glob(filepath.Join(base, ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary folders left behind: %v", left)
	}
}

// The digest a sign-off records is the sha256 of exactly the review JSON
// it printed, generated_at included.
func TestReviewAttestDigest(t *testing.T) {
	t.Setenv("ROSTER_ACTOR", "tester")
	t.Setenv("ROSTER_SIGNING_KEY", "")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(schemaConfig), 0o644)
	g := []string{"--chdir", dir, "--now", "2026-12-01"}
	runCLI(t, 0, append([]string{"apply", "--auto-approve"}, g...)...)
	var out, errb bytes.Buffer
	if code := Run(append([]string{"review", "--attest", "--reviewer", "rita@acme.com", "--format", "json"}, g...), strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	sum := sha256.Sum256(out.Bytes())
	digest := "sha256:" + hex.EncodeToString(sum[:])
	if !strings.Contains(errb.String(), "digest "+digest+".") {
		t.Errorf("stderr %q does not name the printed JSON's digest %s", errb.String(), digest)
	}
	recs := runCLI(t, 0, append([]string{"evidence", "list", "--team", "acme", "--json"}, g...)...)
	var list []evidence.Record
	if err := json.Unmarshal(recs, &list); err != nil {
		t.Fatal(err)
	}
	last := list[len(list)-1]
	var after report.AttestedReview
	json.Unmarshal(last.After, &after)
	if last.Action != "review" || after.ReviewDigest != digest || after.Reviewer != "rita@acme.com" {
		t.Errorf("the review record holds %s %+v, want the digest %s", last.Action, after, digest)
	}
	// The JSON's generated_at is the record's time.
	var doc struct {
		GeneratedAt string `json:"generated_at"`
	}
	json.Unmarshal(out.Bytes(), &doc)
	if doc.GeneratedAt != last.Time {
		t.Errorf("generated_at %s, record time %s", doc.GeneratedAt, last.Time)
	}
}

// Each run reads $ROSTER_SIGNING_KEY afresh: two runs in one process
// (as Run allows) with different keys each sign with their own.
func TestSigningKeyPerRun(t *testing.T) {
	t.Setenv("ROSTER_ACTOR", "tester")
	for i := 0; i < 2; i++ {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(schemaConfig), 0o644)
		key := filepath.Join(dir, "k.pem")
		runCLI(t, 0, "keygen", "--out", key)
		t.Setenv("ROSTER_SIGNING_KEY", key)
		g := []string{"--chdir", dir, "--now", "2026-12-01"}
		runCLI(t, 0, append([]string{"apply", "--auto-approve"}, g...)...)
		out := string(runCLI(t, 0, append([]string{"evidence", "verify", "--public-key", key + ".pub"}, g...)...))
		if !strings.Contains(out, "Checkpoints verified: 1 checkpoint by key") {
			t.Fatalf("run %d: apply did not sign with the key set for it: %s", i+1, out)
		}
	}
}
