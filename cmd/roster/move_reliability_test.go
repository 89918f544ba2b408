package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCrashDuringMove kills `roster apply` of a team relabel (language.md
// "moved": one move change that re-keys the team and its 10,000 objects)
// with SIGKILL at random moments. After each kill the state holds every
// object under the old team or every object under the new one, never a
// mix; evidence verifies, no stale lock is left, and the apply after it
// completes.
func TestCrashDuringMove(t *testing.T) {
	if testing.Short() {
		t.Skip("long: kills applies that move 10,000 objects")
	}
	r := newRunner(t)
	root := t.TempDir()
	stateDir := filepath.Join(root, "state")
	statePath := filepath.Join(stateDir, "state.db")
	base := filepath.Join(root, "base")
	acme := gen{sites: 100, guestLo: 0, guestHi: 1000, grants: 10}.write(t, base)
	src, err := os.ReadFile(filepath.Join(base, "main.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	globex := make([]string, len(acme))
	for i, a := range acme {
		globex[i] = strings.Replace(strings.Replace(a, "/acme/", "/globex/", 1), "team/acme", "team/globex", 1)
	}
	slices.Sort(globex)
	write := func(name, hcl string) string {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(hcl), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	cfgs := []struct {
		dir   string
		addrs []string
	}{
		{write("acme", string(src)+"moved {\n  from = team.globex\n  to   = team.acme\n}\n"), acme},
		{write("globex", strings.ReplaceAll(string(src), `"acme"`, `"globex"`)+"moved {\n  from = team.acme\n  to   = team.globex\n}\n"), globex},
	}
	apply := func(dir string) []string {
		return []string{"apply", "--auto-approve", "--now", testNow, "--state", statePath, "--chdir", dir}
	}
	probe := func() bool { return committing(stateDir, statePath) }

	first, _ := runWatched(t, r, cfgs[0].dir, probe, apply(cfgs[0].dir)...)
	if first.code != 0 {
		t.Fatalf("the first apply failed:\n%s", first)
	}
	records := r.verifyCount(t, cfgs[0].dir, statePath)
	// The time of one whole move bounds the random moments.
	moved, commitAt := runWatched(t, r, cfgs[1].dir, probe, apply(cfgs[1].dir)...)
	if n := appliedCount(moved.stdout); moved.code != 0 || n != 1 {
		t.Fatalf("the team relabel applied %d changes, want 1 move:\n%s", n, moved)
	}
	if got := r.stateList(t, cfgs[1].dir, statePath); !slices.Equal(got, globex) {
		t.Fatalf("after the move the state holds %d addresses, not the %d of the new team", len(got), len(globex))
	}
	records++
	took, window := moved.dur(), moved.end.Sub(commitAt)
	cur := 1

	seed := uint64(time.Now().UnixNano())
	rnd := rand.New(rand.NewPCG(seed, 23))
	t.Logf("random seed %d; one move of %d objects takes %s", seed, len(acme), took.Round(time.Millisecond))
	outcomes := map[string]int{}
	for trial := range 6 {
		target := 1 - cur
		tgt := cfgs[target]
		// Half the kills at a random moment of the whole apply, half at a
		// random moment of its commit, which the watcher sees begin.
		targeted := trial%2 == 1
		delay := time.Duration(rnd.Int64N(int64(took) + 1))
		if targeted {
			delay = time.Duration(rnd.Int64N(int64(window) + 1))
		}
		a := startWatched(t, r, tgt.dir, probe, apply(tgt.dir)...)
		killed := false
		var timer <-chan time.Time
		if !targeted {
			timer = time.After(delay)
		}
	wait:
		for {
			select {
			case err := <-a.done:
				if err != nil {
					t.Fatalf("trial %d: the apply failed before it was killed: %v\n%s", trial, err, a.out.String())
				}
				break wait
			case <-a.commit:
				a.commit = nil
				if targeted {
					timer = time.After(delay)
				}
			case <-timer:
				_ = syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
				<-a.done
				killed = true
				break wait
			}
		}
		got := r.stateList(t, tgt.dir, statePath)
		outcome := "all"
		switch {
		case slices.Equal(got, cfgs[cur].addrs):
			outcome = "none"
		case slices.Equal(got, tgt.addrs):
		default:
			t.Fatalf("trial %d (killed after %s): the state holds %d addresses, neither all under the old team nor all under the new: half-moved", trial, delay, len(got))
		}
		if !killed {
			outcome = "finished"
		}
		if targeted {
			outcome += " (killed in the commit)"
		}
		outcomes[outcome]++
		want := records
		if !strings.HasPrefix(outcome, "none") {
			want++
		}
		if n := r.verifyCount(t, tgt.dir, statePath); n != want {
			t.Fatalf("trial %d (%s): evidence verify counts %d records, want %d", trial, outcome, n, want)
		}
		for _, name := range strayFiles(t, stateDir, "state.db", "state.db.lock") {
			os.Remove(filepath.Join(stateDir, name))
		}
		res, _ := runWatched(t, r, tgt.dir, probe, apply(tgt.dir)...)
		if res.code != 0 || strings.Contains(res.stderr, "state is locked") {
			t.Fatalf("trial %d: the apply after the kill failed:\n%s", trial, res)
		}
		if got := r.stateList(t, tgt.dir, statePath); !slices.Equal(got, tgt.addrs) {
			t.Fatalf("trial %d: after the apply the state holds %d addresses, want the %d of the new team", trial, len(got), len(tgt.addrs))
		}
		plan := r.ok(t, tgt.dir, "plan", "--now", testNow, "--state", statePath)
		if !strings.Contains(plan.stdout, "No changes.") {
			t.Fatalf("trial %d: the plan after the move has changes:\n%s", trial, plan)
		}
		records++
		cur = target
	}
	t.Logf("outcomes: %v", outcomes)
}
