package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/testtool"
)

// needTools skips a test that runs a bundle's verify.sh where its tools
// are missing (fails it under CI=true, where .ci/run installs them).
func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range [][2]string{{"sh", "dash"}, {"jq", "jq"}, {"sha256sum", "coreutils"}, {"openssl", "openssl"}} {
		testtool.Need(t, tool[0], tool[1])
	}
}

// runVerifySh runs a bundle's verify.sh from another folder, as an auditor
// would, and returns its exit status and output.
func runVerifySh(t *testing.T, bundle string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("sh", append([]string{filepath.Join(bundle, "verify.sh")}, args...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	}
	t.Fatalf("verify.sh did not run: %v", err)
	return 0, ""
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, _ := d.Info()
		return os.WriteFile(filepath.Join(to, rel), data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

func writeLines(t *testing.T, path string, ls [][]byte) {
	t.Helper()
	var b bytes.Buffer
	for _, l := range ls {
		b.Write(l)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// setManifest rewrites members of a bundle's MANIFEST.json, canonical, as
// an attacker covering their tracks would.
func setManifest(t *testing.T, bundle string, set map[string]any) {
	t.Helper()
	path := filepath.Join(bundle, "MANIFEST.json")
	data, _ := os.ReadFile(path)
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range set {
		m[k] = v
	}
	out, err := evidence.Canonical(m)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, append(out, '\n'), 0o600)
}

func hashOf(t *testing.T, line []byte) string {
	t.Helper()
	r, err := evidence.Decode(line)
	if err != nil {
		t.Fatal(err)
	}
	return r.Hash
}

// TestBundleAttacks: a genuine bundle, its evidence signed by two keys in
// turn, passes verify.sh (POSIX sh with sha256sum, jq and openssl only)
// and roster evidence verify --bundle; one tampered copy per attack fails
// both, never one without the other (issue 19, point 3).
func TestBundleAttacks(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (runs verify.sh over every attacked bundle): skipped under -short; make test runs it")
	}
	needTools(t)
	_, g, key, _ := signedState(t)
	with := func(args ...string) []string { return append(args, g...) }
	// A key rotation: the next apply is signed by a second key.
	key2 := filepath.Join(t.TempDir(), "second.key")
	runCLI(t, 0, "keygen", "--out", key2)
	t.Setenv("ROSTER_SIGNING_KEY", key2)
	dir := g[1]
	os.WriteFile(filepath.Join(dir, "yan.hcl"), []byte("member \"yan@acme.com\" {\n  team = \"acme\"\n  role = \"viewer\"\n  ticket = \"IAM-10\"\n}\n"), 0o644)
	runCLI(t, 0, with("apply", "--auto-approve")...)
	kept := filepath.Join(t.TempDir(), "kept.json")
	os.WriteFile(kept, runCLI(t, 0, with("evidence", "checkpoint", "--json")...), 0o600)

	genuine := filepath.Join(t.TempDir(), "bundle")
	out := string(runCLI(t, 0, with("evidence", "export", "--format", "bundle", "--out", genuine, "--public-key", key+".pub")...))
	if !strings.Contains(out, "2 keys") {
		t.Fatalf("export: %s", out)
	}
	keyFiles, _ := filepath.Glob(filepath.Join(genuine, "keys", "*.pub"))
	if len(keyFiles) != 2 {
		t.Fatalf("the bundle holds keys %v, want both keys that signed", keyFiles)
	}
	if code, out := runVerifySh(t, genuine); code != 0 || !strings.Contains(out, "PASS  the bundle verifies") {
		t.Fatalf("verify.sh on the genuine bundle: exit %d\n%s", code, out)
	}
	if code, out := runVerifySh(t, genuine, kept); code != 0 || !strings.Contains(out, "ok    kept checkpoint") {
		t.Fatalf("verify.sh with a kept checkpoint: exit %d\n%s", code, out)
	}
	runCLI(t, 0, "evidence", "verify", "--bundle", genuine)
	runCLI(t, 0, "evidence", "verify", "--bundle", genuine, "--checkpoint", kept, "--public-key", key+".pub", "--public-key", key2+".pub")

	records := lines(t, filepath.Join(genuine, "evidence.jsonl"))
	cps := lines(t, filepath.Join(genuine, "checkpoints.jsonl"))
	n := len(records)
	// firstCP is the first checkpoint, and the number of records it covers.
	firstSeq := 0
	if m := regexp.MustCompile(`"seq":(\d+)`).FindSubmatch(cps[0]); m != nil {
		for _, c := range m[1] {
			firstSeq = firstSeq*10 + int(c-'0')
		}
	}
	otherKey := filepath.Join(t.TempDir(), "other.key")
	runCLI(t, 0, "keygen", "--out", otherKey)

	// rebuild reseals the genuine records with record 2's actor edited,
	// as someone who could write the state would: the chain, its records'
	// bytes, and each record's new hash by seq.
	rebuild := func() (*evidence.Chain, [][]byte, map[uint64]string) {
		var chain evidence.Chain
		var recs [][]byte
		hashes := map[uint64]string{}
		for i, l := range records {
			r, err := evidence.Decode(l)
			if err != nil {
				t.Fatal(err)
			}
			if i == 1 {
				r.Actor = "mallory"
			}
			sealed, err := chain.Seal(r)
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, sealed.JSON)
			hashes[sealed.Seq] = sealed.Hash
		}
		return &chain, recs, hashes
	}

	// resign rebuilds the chain with record 2 edited and signs every
	// checkpoint again with otherKey, as someone holding a key of their own
	// would: the bundle is consistent, but no checkpoint is by a genuine
	// key. keys/ holds the other key only; the manifest names the keys
	// given.
	resign := func(b string, manifestKeys func(other string) []string) {
		pemData, err := os.ReadFile(otherKey)
		if err != nil {
			t.Fatal(err)
		}
		signer, err := checkpoint.ParsePrivateKeyPEM(pemData)
		if err != nil {
			t.Fatal(err)
		}
		chain, recs, hashes := rebuild()
		var out [][]byte
		var prev []byte
		for _, l := range cps {
			cp, err := checkpoint.Parse(l)
			if err != nil {
				t.Fatal(err)
			}
			at, _ := time.Parse(time.RFC3339, cp.Time)
			raw, err := signer.SignAfter(prev, cp.Seq, hashes[cp.Seq], at)
			if err != nil {
				t.Fatal(err)
			}
			out, prev = append(out, raw), raw
		}
		writeLines(t, filepath.Join(b, "evidence.jsonl"), recs)
		writeLines(t, filepath.Join(b, "checkpoints.jsonl"), out)
		os.RemoveAll(filepath.Join(b, "keys"))
		os.Mkdir(filepath.Join(b, "keys"), 0o700)
		os.WriteFile(filepath.Join(b, "keys", signer.KeyID()+".pub"), signer.Public().PEM(), 0o600)
		var latest any
		json.Unmarshal(prev, &latest)
		setManifest(t, b, map[string]any{"head": chain.Hash, "latest_checkpoint": latest, "keys": manifestKeys(signer.KeyID())})
	}
	var manifest struct {
		Keys []string `json:"keys"`
	}
	if data, err := os.ReadFile(filepath.Join(genuine, "MANIFEST.json")); err != nil || json.Unmarshal(data, &manifest) != nil || len(manifest.Keys) != 2 {
		t.Fatalf("the genuine manifest's keys: %v, %v", manifest.Keys, err)
	}
	keptTwice := filepath.Join(t.TempDir(), "kept-twice.json")
	// More arguments for roster evidence verify --bundle: the auditor's
	// own copies of the genuine keys.
	rosterArgs := map[string][]string{
		"re-sign with another key, the manifest naming the genuine keys": {"--public-key", key + ".pub", "--public-key", key2 + ".pub"},
	}

	attacks := []struct {
		name   string
		tamper func(b string)
		args   []string // verify.sh's arguments (a kept checkpoint)
		want   string   // in verify.sh's FAIL line
	}{
		{"re-sign with another key, the manifest naming the genuine keys", func(b string) {
			resign(b, func(string) []string { return manifest.Keys })
		}, nil, "manifest: it names the keys"},
		{"a kept checkpoint naming a member twice", func(b string) {
			// A first-wins reader takes seq 1; jq, the last one.
			data, err := os.ReadFile(kept)
			if err != nil {
				t.Fatal(err)
			}
			twice := regexp.MustCompile(`"seq":\d+`).ReplaceAllFunc(data, func(m []byte) []byte { return append([]byte(`"seq":1,`), m...) })
			os.WriteFile(keptTwice, twice, 0o600)
		}, []string{keptTwice}, "names a member twice"},
		{"name other keys in the manifest", func(b string) {
			setManifest(t, b, map[string]any{"keys": []string{manifest.Keys[1], manifest.Keys[0]}})
		}, nil, "manifest: it names the keys"},
		{"change the manifest's checkpoint count", func(b string) {
			setManifest(t, b, map[string]any{"checkpoints": len(cps) + 1})
		}, nil, "manifest: it says " + strconv.Itoa(len(cps)+1) + " checkpoints"},
		{"edit the latest signature where base64 ignores the bits", func(b string) {
			// The last base64 digit before "==" carries 2 bits of the
			// signature and 4 zero bits that a lenient decoder ignores:
			// A, Q, g or w becomes B, R, h or x.
			last := cps[len(cps)-1]
			i := bytes.Index(last, []byte(`=="`)) - 1
			edited := bytes.Clone(last)
			edited[i]++
			all := append(append([][]byte{}, cps[:len(cps)-1]...), edited)
			writeLines(t, filepath.Join(b, "checkpoints.jsonl"), all)
			var latest any
			json.Unmarshal(edited, &latest)
			setManifest(t, b, map[string]any{"latest_checkpoint": latest})
		}, nil, "its signature is not"},
		{"edit a value", func(b string) {
			recs := lines(t, filepath.Join(b, "evidence.jsonl"))
			recs[1] = bytes.Replace(recs[1], []byte(`"actor":"auditor-test"`), []byte(`"actor":"mallory-test"`), 1)
			writeLines(t, filepath.Join(b, "evidence.jsonl"), recs)
		}, nil, "record 2: its content hashes to"},
		{"duplicate a key", func(b string) {
			recs := lines(t, filepath.Join(b, "evidence.jsonl"))
			recs[1] = bytes.Replace(recs[1], []byte(`"actor":"auditor-test"`), []byte(`"actor":"mallory","actor":"auditor-test"`), 1)
			writeLines(t, filepath.Join(b, "evidence.jsonl"), recs)
		}, nil, "record 2: not its own canonical JSON"},
		{"delete a record", func(b string) {
			writeLines(t, filepath.Join(b, "evidence.jsonl"), append(records[:2:2], records[3:]...))
		}, nil, "record 3: says seq 4"},
		{"reorder records", func(b string) {
			recs := append([][]byte{}, records...)
			recs[1], recs[2] = recs[2], recs[1]
			writeLines(t, filepath.Join(b, "evidence.jsonl"), recs)
		}, nil, "record 2: says seq 3"},
		{"truncate the tail, its checkpoints kept", func(b string) {
			writeLines(t, filepath.Join(b, "evidence.jsonl"), records[:n-1])
		}, nil, "manifest: it says"},
		{"truncate the tail with its checkpoints", func(b string) {
			writeLines(t, filepath.Join(b, "evidence.jsonl"), records[:firstSeq])
			writeLines(t, filepath.Join(b, "checkpoints.jsonl"), cps[:1])
		}, nil, "manifest: it says"},
		{"truncate the tail with its checkpoints and the manifest, a checkpoint kept elsewhere", func(b string) {
			writeLines(t, filepath.Join(b, "evidence.jsonl"), records[:firstSeq])
			writeLines(t, filepath.Join(b, "checkpoints.jsonl"), cps[:1])
			var latest any
			json.Unmarshal(cps[0], &latest)
			first, err := checkpoint.Parse(cps[0])
			if err != nil {
				t.Fatal(err)
			}
			setManifest(t, b, map[string]any{"records": firstSeq, "last_seq": firstSeq, "head": hashOf(t, records[firstSeq-1]), "latest_checkpoint": latest, "checkpoints": 1, "keys": []string{first.KeyID}})
		}, []string{kept}, "kept checkpoint"},
		{"rebuild the chain", func(b string) {
			chain, out, _ := rebuild()
			writeLines(t, filepath.Join(b, "evidence.jsonl"), out)
			setManifest(t, b, map[string]any{"head": chain.Hash})
		}, nil, "no longer has the hash it signed"},
		{"replace a key", func(b string) {
			pem, _ := os.ReadFile(otherKey + ".pub")
			os.WriteFile(filepath.Join(b, "keys", filepath.Base(keyFiles[0])), pem, 0o600)
		}, nil, "(the key was replaced)"},
		{"drop the final newline", func(b string) {
			data, _ := os.ReadFile(filepath.Join(b, "evidence.jsonl"))
			os.WriteFile(filepath.Join(b, "evidence.jsonl"), bytes.TrimSuffix(data, []byte("\n")), 0o600)
		}, nil, "no final newline"},
		{"append an unsigned record", func(b string) {
			last, _ := evidence.Decode(records[n-1])
			chain := evidence.Chain{Seq: last.Seq, Hash: last.Hash}
			sealed, err := chain.Seal(&evidence.Record{Time: last.Time, Address: "review/acme", Action: "review", Actor: "mallory", Note: "forged sign-off"})
			if err != nil {
				t.Fatal(err)
			}
			writeLines(t, filepath.Join(b, "evidence.jsonl"), append(append([][]byte{}, records...), sealed.JSON))
			setManifest(t, b, map[string]any{"records": n + 1, "last_seq": n + 1, "head": sealed.Hash})
		}, nil, "covered by no signature"},
		{"drop the checkpoints", func(b string) {
			os.WriteFile(filepath.Join(b, "checkpoints.jsonl"), nil, 0o600)
		}, nil, "checkpoints: none"},
		{"remove a checkpoint", func(b string) {
			writeLines(t, filepath.Join(b, "checkpoints.jsonl"), append(cps[:1:1], cps[2:]...))
		}, nil, "prev_checkpoint is not the digest"},
		{"a file missing", func(b string) { os.Remove(filepath.Join(b, "MANIFEST.json")) }, nil, "file MANIFEST.json is missing"},
		{"a key missing", func(b string) { os.Remove(filepath.Join(b, "keys", filepath.Base(keyFiles[1]))) }, nil, ".pub is missing"},
	}
	for _, at := range attacks {
		t.Run(at.name, func(t *testing.T) {
			if testing.Short() && at.name != "duplicate a key" && at.name != "append an unsigned record" {
				t.Skip("-short: verify.sh runs hundreds of processes per attack; two attacks stand for all")
			}
			b := filepath.Join(t.TempDir(), "bundle")
			copyDir(t, genuine, b)
			at.tamper(b)
			code, out := runVerifySh(t, b, at.args...)
			if code == 0 || !strings.Contains(out, "FAIL  ") || !strings.Contains(out, at.want) {
				t.Errorf("verify.sh: exit %d, want non-zero with a FAIL line mentioning %q\n%s", code, at.want, out)
			}
			if strings.Count(out, "FAIL") != 1 || strings.Contains(out, "PASS") {
				t.Errorf("verify.sh did not stop at the first failure:\n%s", out)
			}
			args := append([]string{"evidence", "verify", "--bundle", b}, rosterArgs[at.name]...)
			if len(at.args) > 0 {
				args = append(args, "--checkpoint", at.args[0])
			}
			var o, e bytes.Buffer
			// roster refuses a kept checkpoint it cannot read before it
			// verifies anything, naming the file.
			if code := Run(args, strings.NewReader(""), &o, &e); code != 1 || !(strings.Contains(e.String(), "verification failed") || len(at.args) > 0 && strings.Contains(e.String(), "checkpoint file "+at.args[0]+": ")) {
				t.Errorf("roster evidence verify --bundle: exit %d, want 1 (verify.sh failed)\n%s%s", code, o.String(), e.String())
			}
			t.Logf("verify.sh: %s\nroster: %s", lastLine(out), strings.TrimSpace(e.String()))
		})
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}
