package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// goodStateFile makes a real state with two applies (600 grants, then 100
// more) and returns the configuration directory and the state's bytes.
func goodStateFile(t *testing.T, r *runner) (dir string, data []byte) {
	t.Helper()
	root := t.TempDir()
	statePath := filepath.Join(root, "state.db")
	first := filepath.Join(root, "first")
	dir = filepath.Join(root, "config")
	gen{sites: 30, guestLo: 0, guestHi: 60, grants: 10}.write(t, first)
	gen{sites: 30, guestLo: 0, guestHi: 70, grants: 10}.write(t, dir)
	r.ok(t, first, "apply", "--auto-approve", "--now", testNow, "--state", statePath)
	r.ok(t, dir, "apply", "--auto-approve", "--now", testNow, "--state", statePath)
	data, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	return dir, data
}

// boltDataEnd is where the pages in use of a bbolt file end, read from its
// newer header page (bbolt's meta: page size at 24, high-water page id at
// 56, transaction id at 64, little-endian).
func boltDataEnd(t *testing.T, data []byte) int {
	t.Helper()
	if len(data) < 2*4096 {
		t.Fatal("the state file is shorter than its two header pages")
	}
	meta := func(off int) (pageSize, pgid, txid uint64) {
		le := binary.LittleEndian
		return uint64(le.Uint32(data[off+24:])), le.Uint64(data[off+56:]), le.Uint64(data[off+64:])
	}
	ps0, pg0, tx0 := meta(0)
	ps1, pg1, tx1 := meta(4096)
	if tx1 > tx0 {
		ps0, pg0 = ps1, pg1
	}
	end := int(ps0 * pg0)
	if ps0 != 4096 || end <= 2*4096 || end > len(data) {
		t.Fatalf("cannot read the state file's header pages (page size %d, end %d of %d bytes)", ps0, end, len(data))
	}
	return end
}

// stateCommands are the commands that read (and, apply, write) the state.
var stateCommands = [][]string{
	{"plan", "--now", testNow},
	{"apply", "--auto-approve", "--now", testNow},
	{"show"},
	{"state", "list"},
	{"history"},
	{"evidence", "verify"},
}

// isDamageMessage reports whether stderr says the state is damaged and
// what to do about it.
func isDamageMessage(stderr, statePath string) bool {
	return (strings.Contains(stderr, "damaged") || strings.Contains(stderr, "not a roster state")) &&
		(strings.Contains(stderr, "backup") || strings.Contains(stderr, "restore")) &&
		strings.Contains(stderr, statePath)
}

// TestDamagedState runs every command that reads the state on damaged
// state files: truncated, overwritten with random bytes, replaced by other
// files. Where the damage is certain (truncation into the pages in use,
// both header pages overwritten, not a database at all) every command exits
// 1 saying the file is damaged and to restore it from a backup, and leaves
// the file as it was. Wherever random bytes land, no command panics or
// hangs, and any failure is reported as damage (or, by evidence verify, as
// a failed verification).
func TestDamagedState(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (damage loop): skipped under -short; make test runs it")
	}
	r := newRunner(t)
	dir, good := goodStateFile(t, r)
	end := boltDataEnd(t, good)
	t.Logf("the state file has %d bytes, %d in use", len(good), end)
	rnd := rand.New(rand.NewPCG(8, 8))
	garbage := func(off, n int) []byte {
		d := bytes.Clone(good)
		for i := off; i < off+n && i < len(d); i++ {
			d[i] = byte(rnd.Uint32())
		}
		return d
	}
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"), make([]byte, 5000)...)
	for i := 40; i < len(png); i++ {
		png[i] = byte(rnd.Uint32())
	}
	const (
		damaged = "damaged" // every command reports damage
		sane    = "sane"    // each command succeeds or reports damage
		someBad = "some"    // sane, and at least one command reports damage
	)
	tests := []struct {
		name string
		data []byte
		dir  bool // replace the state by a directory
		want string
	}{
		{"good", good, false, sane},
		{"truncated to 100 bytes", good[:100], false, damaged},
		{"truncated to one page", good[:4096], false, damaged},
		{"truncated to two pages", good[:8192], false, damaged},
		{"truncated to three pages", good[:3*4096], false, damaged},
		{"truncated to half the data", good[:end/2], false, damaged},
		{"last data page cut off", good[:end-4096], false, damaged},
		{"last data byte cut off", good[:end-1], false, damaged},
		{"random bytes over both header pages", garbage(0, 8192), false, damaged},
		{"random bytes over the start", garbage(0, 64<<10), false, damaged},
		{"random bytes over one header page", garbage(0, 4096), false, sane},
		{"random bytes in the middle", garbage(end/2, 4096), false, sane},
		{"random bytes over the last data page", garbage(end-4096, 4096), false, sane},
		{"random bytes at the end of the file", garbage(len(good)-4096, 4096), false, sane},
		{"random bytes over half the data", garbage(end/4, end/2), false, someBad},
		{"empty file", nil, false, damaged},
		{"text file", []byte("team \"acme\" {\n  platform = \"plausible\"\n}\n"), false, damaged},
		{"PNG image", png, false, damaged},
		{"zeros", make([]byte, 64<<10), false, damaged},
		{"directory", nil, true, damaged},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Each command gets its own copy: an apply that succeeds on a
			// damaged but readable file must not change what the others read.
			results := make([]result, len(stateCommands))
			paths := make([]string, len(stateCommands))
			var wg sync.WaitGroup
			for i, args := range stateCommands {
				paths[i] = filepath.Join(t.TempDir(), "state.db")
				if tc.dir {
					if err := os.Mkdir(paths[i], 0o700); err != nil {
						t.Fatal(err)
					}
				} else if err := os.WriteFile(paths[i], tc.data, 0o600); err != nil {
					t.Fatal(err)
				}
				wg.Go(func() {
					res, err := r.try(t, hangLimitDamaged, dir, append(slices.Clone(args), "--state", paths[i])...)
					if err != nil {
						t.Error(err)
						res.code = -1
					}
					results[i] = res
				})
			}
			wg.Wait()
			reported := 0
			var summary []string
			for i, res := range results {
				summary = append(summary, fmt.Sprintf("%s: %d", strings.Join(stateCommands[i][:min(2, len(stateCommands[i]))], " "), res.code))
				if res.code == -1 {
					continue
				}
				isDamage := res.code == 1 && isDamageMessage(res.stderr, paths[i])
				if isDamage {
					reported++
				}
				switch {
				case tc.want == damaged && !isDamage:
					t.Errorf("want exit 1 and a message that the file is damaged and to restore it from a backup:\n%s", res)
				case res.code == 0, isDamage:
				case res.args[0] == "evidence" && res.code == 1 && strings.Contains(res.stderr, "verification failed"):
					reported++
				default:
					t.Errorf("want success or a message that the file is damaged:\n%s", res)
				}
				if tc.want == damaged && !tc.dir {
					if after, _ := os.ReadFile(paths[i]); !bytes.Equal(after, tc.data) {
						t.Errorf("roster %s changed the damaged file", strings.Join(res.args, " "))
					}
				}
			}
			if tc.want == someBad && reported == 0 {
				t.Error("no command reported the damage")
			}
			if tc.name == "good" && reported > 0 {
				t.Error("the good state is reported as damaged")
			}
			t.Logf("%d of %d commands reported damage (exit statuses: %s)", reported, len(results), strings.Join(summary, ", "))
		})
	}
}

// hangLimitDamaged is how long a command on a damaged file may take before
// the test calls it hung.
const hangLimitDamaged = hangLimit / 4

// planMember finds the plan member of a saved plan file.
func planMember(t *testing.T, data []byte) (start, end int) {
	t.Helper()
	start = bytes.Index(data, []byte(`,"plan":`))
	if start < 0 || !bytes.HasSuffix(data, []byte("}\n")) {
		t.Fatalf("not the saved plan layout this test knows: %.100q", data)
	}
	return start + len(`,"plan":`), len(data) - 2
}

// reseal sets the digest of a saved plan to match its (edited) plan member,
// as someone who knows the format could.
func reseal(t *testing.T, data []byte) []byte {
	t.Helper()
	start, end := planMember(t, data)
	sum := sha256.Sum256(data[start:end])
	i := bytes.Index(data, []byte(`"digest":"sha256:`))
	if i < 0 {
		t.Fatal("no digest in the saved plan")
	}
	out := bytes.Clone(data)
	i += len(`"digest":"sha256:`)
	copy(out[i:i+64], hex.EncodeToString(sum[:]))
	return out
}

// replaceIn replaces the first old after offset from by new.
func replaceIn(t *testing.T, data []byte, from int, old, new string) []byte {
	t.Helper()
	i := bytes.Index(data[from:], []byte(old))
	if i < 0 {
		t.Fatalf("the plan has no %q", old)
	}
	i += from
	return slices.Concat(data[:i], []byte(new), data[i+len(old):])
}

// TestDamagedPlan applies saved plans that were edited by hand, truncated,
// made against another state, or are not plans at all: each is refused
// with exit 1 and a message saying what is wrong, and the state is left
// exactly as it was. The untouched plan then applies.
func TestDamagedPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (damage loop): skipped under -short; make test runs it")
	}
	r := newRunner(t)
	root := t.TempDir()
	stateA := filepath.Join(root, "a", "state.db")
	stateB := filepath.Join(root, "b", "state.db")
	stateEmpty := filepath.Join(root, "empty", "state.db")
	first := filepath.Join(root, "first")
	second := filepath.Join(root, "second")
	firstAddrs := gen{sites: 10, guestLo: 0, guestHi: 20, grants: 3}.write(t, first)
	secondAddrs := gen{sites: 10, guestLo: 0, guestHi: 25, grants: 3}.write(t, second)
	r.ok(t, first, "apply", "--auto-approve", "--now", testNow, "--state", stateA)
	r.ok(t, first, "apply", "--auto-approve", "--now", testNow, "--state", stateB) // same serial, another lineage

	planPath := filepath.Join(root, "change.plan")
	r.ok(t, second, "plan", "--now", testNow, "--state", stateA, "--out", planPath)
	good, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	emptyPlan := filepath.Join(root, "from-empty.plan")
	r.ok(t, second, "plan", "--now", testNow, "--state", stateEmpty, "--out", emptyPlan)
	fromEmpty, err := os.ReadFile(emptyPlan)
	if err != nil {
		t.Fatal(err)
	}
	start, end := planMember(t, good)

	tests := []struct {
		name  string
		data  []byte
		state string
		want  []string // each must be in stderr
	}{
		{"a role edited by hand", replaceIn(t, good, start, `"role":"viewer"`, `"role":"editor"`), stateA, []string{"modified", "roster plan --out"}},
		{"an address edited by hand", replaceIn(t, good, start, "guest0021@", "guest0099@"), stateA, []string{"modified"}},
		{"one digit of the digest changed", flipDigest(t, good), stateA, []string{"modified"}},
		{"serial edited and resealed", reseal(t, replaceIn(t, good, start, `"serial":1`, `"serial":7`)), stateA, []string{"stale plan"}},
		{"an invalid address, resealed", reseal(t, replaceIn(t, good, start, `"address":"grant/`, `"address":"grunt/`)), stateA, []string{"damaged", "roster plan --out"}},
		{"an unknown action, resealed", reseal(t, replaceIn(t, good, start, `"action":"create"`, `"action":"upsert"`)), stateA, []string{"damaged"}},
		{"truncated to half", good[:len(good)/2], stateA, []string{"not a roster plan", "truncated"}},
		{"last byte cut off", good[:len(good)-2], stateA, []string{"not a roster plan"}},
		{"truncated to 10 bytes", good[:10], stateA, []string{"not a roster plan"}},
		{"plan member only", good[start:end], stateA, []string{"not a roster plan"}},
		{"made against another state of the same serial", good, stateB, []string{"stale plan"}},
		{"made against an empty state", fromEmpty, stateA, []string{"stale plan"}},
		{"not JSON", []byte("this is not a plan\n"), stateA, []string{"not a roster plan"}},
		{"a PNG image", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"), stateA, []string{"not a roster plan"}},
		{"an empty file", nil, stateA, []string{"not a roster plan"}},
		{"a JSON array", []byte("[1,2,3]\n"), stateA, []string{"not a roster plan"}},
		{"a newer plan file version", replaceIn(t, good, 0, `"roster_plan":1`, `"roster_plan":2`), stateA, []string{"newer roster"}},
	}
	stateBytes := func(path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "edited.plan")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			before := stateBytes(tc.state)
			listBefore := r.stateList(t, root, tc.state)
			res := r.run(t, hangLimitDamaged, root, "apply", path, "--state", tc.state)
			if res.code != 1 {
				t.Errorf("want exit 1:\n%s", res)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, res)
				}
			}
			if strings.Contains(res.stdout, "Apply complete") {
				t.Errorf("the plan was applied:\n%s", res)
			}
			if !bytes.Equal(stateBytes(tc.state), before) {
				t.Error("the refused apply changed the state file")
			}
			if got := r.stateList(t, root, tc.state); !slices.Equal(got, listBefore) {
				t.Errorf("state list changed: %d addresses, %d before", len(got), len(listBefore))
			}
		})
	}

	t.Run("missing file", func(t *testing.T) {
		res := r.run(t, hangLimitDamaged, root, "apply", filepath.Join(root, "no.plan"), "--state", stateA)
		if res.code != 1 || !strings.Contains(res.stderr, "no.plan") {
			t.Errorf("want exit 1 naming the file:\n%s", res)
		}
	})

	// The untouched plan still applies: the refusals above were the edits'.
	res := r.ok(t, second, "apply", planPath, "--state", stateA)
	change := symDiff(firstAddrs, secondAddrs)
	if n := appliedCount(res.stdout); n != change {
		t.Errorf("the saved plan applied %d changes, want %d:\n%s", n, change, res)
	}
	if n := r.verifyCount(t, root, stateA); n != len(firstAddrs)+change {
		t.Errorf("evidence verify counts %d records after both applies, want %d", n, len(firstAddrs)+change)
	}
}

// flipDigest changes the first hex digit of a saved plan's digest.
func flipDigest(t *testing.T, data []byte) []byte {
	t.Helper()
	i := bytes.Index(data, []byte(`"digest":"sha256:`))
	if i < 0 {
		t.Fatal("no digest in the saved plan")
	}
	out := bytes.Clone(data)
	i += len(`"digest":"sha256:`)
	if out[i] == '0' {
		out[i] = '1'
	} else {
		out[i] = '0'
	}
	return out
}
