package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// forge edits a saved plan's bytes and recomputes its sha256 digest, as
// someone who can write the plan file but holds no key would.
func forge(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s does not hold %q", path, old)
	}
	data = bytes.Replace(data, []byte(old), []byte(new), 1)
	i := bytes.Index(data, []byte(`"plan":`)) + len(`"plan":`)
	end := bytes.LastIndex(data, []byte(`,"signature":`))
	if end < 0 {
		end = bytes.LastIndex(data, []byte("}"))
	}
	sum := sha256.Sum256(data[i:end])
	data = regexp.MustCompile(`"digest":"sha256:[0-9a-f]{64}"`).ReplaceAll(data, []byte(`"digest":"sha256:`+hex.EncodeToString(sum[:])+`"`))
	os.WriteFile(path, data, 0o600)
}

func runErr(t *testing.T, want int, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := Run(args, strings.NewReader(""), &out, &errb); code != want {
		t.Fatalf("roster %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out.String(), errb.String())
	}
	return errb.String()
}

// TestForgedPlanRefused: a saved plan made from another configuration,
// or with its config_digest edited, is refused; with a signing key set, a
// plan edited by hand with its digest recomputed (editor → owner), an
// unsigned one and one signed by another key are refused too (issue 19,
// point 7). Without the checks every one of them applied.
func TestForgedPlanRefused(t *testing.T) {
	t.Setenv("ROSTER_ACTOR", "ci")
	t.Setenv("ROSTER_SIGNING_KEY", "")
	dir := t.TempDir()
	cfg := strings.Replace(schemaConfig, `role   = "owner"`, `role   = "editor"`, 1)
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o644)
	g := []string{"--chdir", dir, "--now", "2026-12-01"}
	with := func(args ...string) []string { return append(args, g...) }
	planFile := filepath.Join(t.TempDir(), "p.plan")

	// The configuration digest: a plan made from a configuration that
	// says owner, applied where the configuration on disk says editor.
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(schemaConfig), 0o644)
	runCLI(t, 0, with("plan", "--out", planFile)...)
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o644)
	if err := runErr(t, 1, with("apply", planFile)...); !strings.Contains(err, "Error: plan file "+planFile+": stale plan: made from a different configuration") {
		t.Fatalf("plan of another configuration: %s", err)
	}
	// The same, its config_digest edited by hand and the digest recomputed.
	runCLI(t, 0, with("plan", "--out", planFile)...)
	forge(t, planFile, `"config_digest":"sha256:`, `"config_digest":"sha256:0`)
	if err := runErr(t, 1, with("apply", planFile)...); !strings.Contains(err, "stale plan: made from a different configuration") {
		t.Fatalf("plan with an edited config_digest: %s", err)
	}

	// The signature: the forger also copies the configuration digest (it
	// is in the genuine plan), but cannot sign.
	key := filepath.Join(t.TempDir(), "roster.key")
	runCLI(t, 0, "keygen", "--out", key)
	t.Setenv("ROSTER_SIGNING_KEY", key)
	runCLI(t, 0, with("plan", "--out", planFile)...)
	if data, _ := os.ReadFile(planFile); !bytes.Contains(data, []byte(`"signature":{"key_id":"`)) {
		t.Fatalf("plan --out with a signing key wrote no signature: %s", data)
	}
	genuine, _ := os.ReadFile(planFile)
	forge(t, planFile, `"role":"editor"`, `"role":"owner"`)
	if err := runErr(t, 1, with("apply", planFile)...); !strings.Contains(err, "signature does not verify") {
		t.Fatalf("forged signed plan: %s", err)
	}
	// Unsigned: the signature member removed.
	os.WriteFile(planFile, regexp.MustCompile(`,"signature":\{[^}]*\}`).ReplaceAll(genuine, nil), 0o600)
	if err := runErr(t, 1, with("apply", planFile)...); !strings.Contains(err, "not signed") {
		t.Fatalf("unsigned plan: %s", err)
	}
	// Signed by another key.
	other := filepath.Join(t.TempDir(), "other.key")
	runCLI(t, 0, "keygen", "--out", other)
	t.Setenv("ROSTER_SIGNING_KEY", other)
	os.WriteFile(planFile, genuine, 0o600)
	if err := runErr(t, 1, with("apply", planFile)...); !strings.Contains(err, "signed by key") {
		t.Fatalf("plan signed by another key: %s", err)
	}
	// The genuine plan applies, with its key.
	t.Setenv("ROSTER_SIGNING_KEY", key)
	out := string(runCLI(t, 0, with("apply", planFile)...))
	if !strings.Contains(out, "Apply complete") {
		t.Fatalf("genuine signed plan: %s", out)
	}
}
