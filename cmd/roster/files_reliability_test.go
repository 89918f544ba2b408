package main

import (
	"bytes"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// checkMode fails the test unless path has permission bits want.
func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Error(err)
		return
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %04o, want %04o", path, got, want)
	}
}

// TestFileModes runs roster under umask 000 and 077: the state file and
// its lock are 0600, the directories roster makes for them 0700, saved
// plans and evidence exports 0600. A saved plan replaces an older file
// whole, and no temporary file is left beside it.
func TestFileModes(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (runs every writing command): skipped under -short; make test runs it")
	}
	base := newRunner(t)
	for _, mask := range []string{"000", "077", "022"} {
		t.Run("umask "+mask, func(t *testing.T) {
			r := base.withUmask(mask)
			dir := t.TempDir()
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			gen{sites: 5, guestLo: 0, guestHi: 5, grants: 2}.write(t, dir)

			// The default state, .roster/state.db, made by the first apply.
			r.ok(t, dir, "plan", "--now", testNow, "--out", "change.plan")
			checkMode(t, filepath.Join(dir, "change.plan"), 0o600)
			r.ok(t, dir, "apply", "change.plan")
			checkMode(t, filepath.Join(dir, ".roster"), 0o700)
			checkMode(t, filepath.Join(dir, ".roster", "state.db"), 0o600)
			checkMode(t, filepath.Join(dir, ".roster", "state.db.lock"), 0o600)
			if s := strayFiles(t, filepath.Join(dir, ".roster"), "state.db", "state.db.lock"); len(s) > 0 {
				t.Errorf("files left beside the state: %v", s)
			}

			// A state in directories that do not exist yet: each is made 0700.
			nested := filepath.Join(dir, "x", "y", "state.db")
			r.ok(t, dir, "apply", "--auto-approve", "--now", testNow, "--state", nested)
			checkMode(t, filepath.Join(dir, "x"), 0o700)
			checkMode(t, filepath.Join(dir, "x", "y"), 0o700)
			checkMode(t, nested, 0o600)
			checkMode(t, nested+".lock", 0o600)

			r.ok(t, dir, "evidence", "export", "--out", "evidence.jsonl")
			checkMode(t, filepath.Join(dir, "evidence.jsonl"), 0o600)

			// A saved plan over an existing file (mode 0644, other
			// content) replaces it whole.
			gen{sites: 5, guestLo: 0, guestHi: 7, grants: 2}.write(t, dir)
			old := filepath.Join(dir, "old.plan")
			if err := os.WriteFile(old, bytes.Repeat([]byte("an older file, longer than the new plan\n"), 1000), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(old, 0o644); err != nil {
				t.Fatal(err)
			}
			r.ok(t, dir, "plan", "--now", testNow, "--out", "old.plan")
			checkMode(t, old, 0o600)
			data, err := os.ReadFile(old)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, []byte("an older file")) || !bytes.HasSuffix(data, []byte("}\n")) {
				t.Errorf("old.plan is not a whole new plan: %d bytes, ending %q", len(data), data[max(0, len(data)-40):])
			}
			if res := r.ok(t, dir, "show", "old.plan"); !strings.Contains(res.stdout, "Plan: 4 to add") {
				t.Errorf("the replaced plan does not read as the new plan:\n%s", res)
			}
			if s := strayFiles(t, dir, "main.hcl", ".roster", "change.plan", "x", "evidence.jsonl", "old.plan"); len(s) > 0 {
				t.Errorf("files left in the configuration directory: %v", s)
			}

			// Files roster writes for the user: a starter configuration,
			// an imported register (it names people), a key pair, a
			// configuration that offboard writes elsewhere.
			fresh := filepath.Join(dir, "fresh")
			r.ok(t, dir, "init", "--chdir", fresh)
			checkMode(t, filepath.Join(fresh, "main.hcl"), 0o600)
			r.ok(t, dir, "keygen", "--out", "signing.pem")
			checkMode(t, filepath.Join(dir, "signing.pem"), 0o600)
			checkMode(t, filepath.Join(dir, "signing.pem.pub"), 0o600)
			reg := filepath.Join(dir, "register")
			if err := os.MkdirAll(reg, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, text := range map[string]string{
				"main.hcl":   "team \"acme\" {\n  platform = \"plausible\"\n}\n\nsite \"shop.example\" {\n  team = \"acme\"\n}\n",
				"people.csv": "email,site,role,ticket\nada@acme.com,,owner,IAM-1\njane@agency.com,shop.example,viewer,IAM-3\n",
			} {
				if err := os.WriteFile(filepath.Join(reg, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r.ok(t, reg, "import", "acme", "--csv", "people.csv", "--now", testNow, "--state", filepath.Join(reg, "state.db"))
			checkMode(t, filepath.Join(reg, "imported_acme.hcl"), 0o600)
			r.ok(t, reg, "offboard", "jane@agency.com", "--out", "after", "--now", testNow, "--state", filepath.Join(reg, "state.db"))
			checkMode(t, filepath.Join(reg, "after", "imported_acme.hcl"), 0o600)
		})
	}
}

// TestPlanOutKilled kills `roster plan --out FILE` over an existing saved
// plan at random moments: FILE is always either the old plan, byte for
// byte, or a whole new one.
func TestPlanOutKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("long: saves plans of 5,000 grants")
	}
	r := newRunner(t)
	dir := t.TempDir()
	statePath := filepath.Join(dir, "state", "state.db")
	gen{sites: 50, guestLo: 0, guestHi: 10, grants: 10}.write(t, dir)
	r.ok(t, dir, "plan", "--now", testNow, "--state", statePath, "--out", "saved.plan")
	old, err := os.ReadFile(filepath.Join(dir, "saved.plan"))
	if err != nil {
		t.Fatal(err)
	}
	gen{sites: 50, guestLo: 0, guestHi: 500, grants: 10}.write(t, dir)
	args := []string{"plan", "--now", testNow, "--state", statePath, "--out", "saved.plan"}
	full := r.ok(t, dir, args...).dur()
	newPlan, err := os.ReadFile(filepath.Join(dir, "saved.plan"))
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	rnd := rand.New(rand.NewPCG(seed, 9))
	t.Logf("a whole plan --out takes %s; random seed %d", full.Round(time.Millisecond), seed)
	// Half the kills anywhere, half while the new file is written: from
	// when its temporary file appears until roster exits.
	writing := func() bool {
		ents, _ := os.ReadDir(dir)
		return slices.ContainsFunc(ents, func(e os.DirEntry) bool { return strings.HasPrefix(e.Name(), ".saved.plan.tmp-") })
	}
	res, writeAt := runWatched(t, r, dir, writing, args...)
	window := res.end.Sub(writeAt)
	t.Logf("writing the file takes about %s", window.Round(time.Microsecond))
	outcomes := map[string]int{}
	for trial := range 10 {
		if err := os.WriteFile(filepath.Join(dir, "saved.plan"), old, 0o600); err != nil {
			t.Fatal(err)
		}
		k := randomKill(rnd, trial, full, window)
		delay := k.delay
		runKilled(t, r, dir, writing, k, args...)
		got, err := os.ReadFile(filepath.Join(dir, "saved.plan"))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case bytes.Equal(got, old):
			outcomes["old"]++
		case len(got) > len(newPlan)-10 && len(got) < len(newPlan)+10:
			// The same plan but for created_at (its length varies by a
			// few digits): show reads it whole, digest checked.
			if res := r.run(t, hangLimit, dir, "show", "--json", "saved.plan"); res.code != 0 {
				t.Fatalf("trial %d (killed after %s): saved.plan is not a whole plan:\n%s", trial, delay, res)
			}
			outcomes["new"]++
		default:
			t.Fatalf("trial %d (killed after %s): saved.plan has %d bytes, neither the old plan's %d nor the new plan's %d",
				trial, delay, len(got), len(old), len(newPlan))
		}
		if s := strayFiles(t, dir, "main.hcl", "state", "saved.plan"); len(s) > 0 {
			outcomes["left a temporary file"]++
			for _, name := range s {
				if !strings.HasPrefix(name, ".saved.plan.tmp-") {
					t.Errorf("trial %d: unexpected file %s", trial, name)
				}
				os.Remove(filepath.Join(dir, name))
			}
		}
	}
	t.Logf("outcomes: %v", outcomes)
	if outcomes["old"]+outcomes["new"] != 10 {
		t.Errorf("%v: not every trial ended with a whole plan", outcomes)
	}
}
