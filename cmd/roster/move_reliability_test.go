package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	write := func(name, hcl string) string { return writeMain(t, filepath.Join(root, name), hcl) }
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
		k := randomKill(rnd, trial, took, window)
		killed, err := runKilled(t, r, tgt.dir, probe, k, apply(tgt.dir)...)
		if err != nil {
			t.Fatalf("trial %d: the apply failed before it was killed: %v", trial, err)
		}
		got := r.stateList(t, tgt.dir, statePath)
		outcome := moveOutcome(t, trial, k, killed, got, cfgs[cur].addrs, tgt.addrs, "under the old team nor all under the new")
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

// writeMain writes hcl as dir/main.hcl (dir made if missing) and returns
// dir.
func writeMain(t *testing.T, dir, hcl string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(hcl), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestCrashDuringConfirmMove kills `roster confirm --all` of offline email
// moves with SIGKILL at random moments: each of 200 guests changed their
// email (sync.md, Renames: a person's move is a manual step, kept at the
// old address until confirmed), and the confirm re-keys every one of
// their 2,000 grants in one commit. After each kill the state holds every
// grant at its old address, still waiting, or every one at its new
// address, active: never a person half-moved. Evidence verifies, no stale
// lock is left, and the confirm after the kill closes every step.
func TestCrashDuringConfirmMove(t *testing.T) {
	if testing.Short() {
		t.Skip("long: kills confirms that move 2,000 grants")
	}
	r := newRunner(t)
	root := t.TempDir()
	stateDir := filepath.Join(root, "state")
	statePath := filepath.Join(stateDir, "state.db")
	const guests = 200
	g := gen{sites: 50, guestLo: 0, guestHi: guests, grants: 10}
	agency := g.write(t, filepath.Join(root, "base"))
	src, err := os.ReadFile(filepath.Join(root, "base", "main.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	client := make([]string, len(agency))
	for i, a := range agency {
		client[i] = strings.Replace(a, "@agency.example", "@client.example", 1)
	}
	slices.Sort(client)
	// Each configuration declares the guests under its domain, with a
	// moved block from the other's for each of them.
	config := func(from, to string) string {
		var b strings.Builder
		b.WriteString(strings.ReplaceAll(string(src), "@agency.example", "@"+to))
		for i := range guests {
			user := strings.TrimSuffix(guestEmail(i), "@agency.example")
			fmt.Fprintf(&b, "moved {\n  from = guest.acme[%q]\n  to   = guest.acme[%q]\n}\n\n", user+"@"+from, user+"@"+to)
		}
		return b.String()
	}
	cfgs := []struct {
		dir   string
		addrs []string
	}{
		{writeMain(t, filepath.Join(root, "agency"), config("client.example", "agency.example")), agency},
		{writeMain(t, filepath.Join(root, "client"), config("agency.example", "client.example")), client},
	}
	at := func(dir string, args ...string) []string {
		return append(args, "--state", statePath, "--chdir", dir)
	}
	probe := func() bool { return committing(stateDir, statePath) }

	// The guests under their agency emails, confirmed.
	r.ok(t, cfgs[0].dir, at(cfgs[0].dir, "apply", "--auto-approve", "--now", testNow)...)
	r.ok(t, cfgs[0].dir, at(cfgs[0].dir, "confirm", "--all")...)
	// moveTo applies the moves to cfgs[i]: one waiting step per guest, the
	// state unchanged but for the pending moves.
	moveTo := func(i int) {
		t.Helper()
		res := r.ok(t, cfgs[i].dir, at(cfgs[i].dir, "apply", "--auto-approve", "--now", testNow)...)
		if n := appliedCount(res.stdout); n != guests*g.grants {
			t.Fatalf("the moves recorded %d changes, want %d manual steps:\n%s", n, guests*g.grants, res)
		}
		if got := r.stateList(t, cfgs[i].dir, statePath); !slices.Equal(got, cfgs[1-i].addrs) {
			t.Fatalf("with the moves waiting, the state holds %d addresses, not the %d it held", len(got), len(cfgs[1-i].addrs))
		}
	}
	// The time of one whole confirm bounds the random moments.
	moveTo(1)
	confirmed, commitAt := runWatched(t, r, cfgs[1].dir, probe, at(cfgs[1].dir, "confirm", "--all")...)
	if confirmed.code != 0 {
		t.Fatalf("the confirm failed:\n%s", confirmed)
	}
	if got := r.stateList(t, cfgs[1].dir, statePath); !slices.Equal(got, client) {
		t.Fatalf("after the confirm the state holds %d addresses, not the %d of the new emails", len(got), len(client))
	}
	took, window := confirmed.dur(), confirmed.end.Sub(commitAt)
	cur := 1

	seed := uint64(time.Now().UnixNano())
	rnd := rand.New(rand.NewPCG(seed, 2323))
	t.Logf("random seed %d; one confirm of %d grants' moves takes %s, its commit about %s", seed, guests*g.grants, took.Round(time.Millisecond), window.Round(time.Millisecond))
	outcomes := map[string]int{}
	for trial := range 6 {
		target := 1 - cur
		tgt := cfgs[target]
		moveTo(target)
		records := r.verifyCount(t, tgt.dir, statePath)

		k := randomKill(rnd, trial, took, window)
		killed, err := runKilled(t, r, tgt.dir, probe, k, at(tgt.dir, "confirm", "--all")...)
		if err != nil {
			t.Fatalf("trial %d: the confirm failed before it was killed: %v", trial, err)
		}
		got := r.stateList(t, tgt.dir, statePath)
		outcome := moveOutcome(t, trial, k, killed, got, cfgs[cur].addrs, tgt.addrs, "at the old emails nor all at the new")
		want := records + guests*g.grants
		if slices.Equal(got, cfgs[cur].addrs) {
			want = records
		}
		outcomes[outcome]++
		if n := r.verifyCount(t, tgt.dir, statePath); n != want {
			t.Fatalf("trial %d (%s): evidence verify counts %d records, want %d", trial, outcome, n, want)
		}
		for _, name := range strayFiles(t, stateDir, "state.db", "state.db.lock") {
			os.Remove(filepath.Join(stateDir, name))
		}
		// No stale lock, and the steps still open are whole: the confirm
		// after the kill closes every one (nothing is open when the
		// killed one committed).
		res := r.run(t, hangLimit, tgt.dir, at(tgt.dir, "confirm", "--all")...)
		switch {
		case strings.Contains(res.stderr, "state is locked"):
			t.Fatalf("trial %d: the confirm after the kill found a stale lock:\n%s", trial, res)
		case strings.HasPrefix(outcome, "none") && res.code != 0:
			t.Fatalf("trial %d: the confirm after the kill failed:\n%s", trial, res)
		case !strings.HasPrefix(outcome, "none") && (res.code != 1 || !strings.Contains(res.stderr, "nothing is open")):
			t.Fatalf("trial %d (%s): the confirm after the kill found steps open:\n%s", trial, outcome, res)
		}
		if got := r.stateList(t, tgt.dir, statePath); !slices.Equal(got, tgt.addrs) {
			t.Fatalf("trial %d: after the confirm the state holds %d addresses, want the %d of the new emails", trial, len(got), len(tgt.addrs))
		}
		if rb := r.ok(t, tgt.dir, at(tgt.dir, "runbook")...); !strings.Contains(rb.stdout, "No open manual steps.") {
			t.Fatalf("trial %d: steps are open after the confirm:\n%s", trial, rb)
		}
		plan := r.ok(t, tgt.dir, "plan", "--now", testNow, "--state", statePath)
		if !strings.Contains(plan.stdout, "No changes.") {
			t.Fatalf("trial %d: the plan after the confirm has changes:\n%s", trial, plan)
		}
		cur = target
	}
	t.Logf("outcomes: %v", outcomes)
}

// moveOutcome names what a killed move left in the state: "none" (got is
// before, every address old), "all" (got is after), or "finished" (the
// run was not killed), with " (killed in the commit)" for a targeted
// kill. A state that is neither is a half-done move, and fails the test;
// neither says what the two sides are.
func moveOutcome(t *testing.T, trial int, k crashKill, killed bool, got, before, after []string, neither string) string {
	t.Helper()
	outcome := "all"
	switch {
	case slices.Equal(got, before):
		outcome = "none"
	case slices.Equal(got, after):
	default:
		t.Fatalf("trial %d (killed after %s): the state holds %d addresses, neither all %s: half-moved", trial, k, len(got), neither)
	}
	if !killed {
		outcome = "finished"
	}
	if k.targeted {
		outcome += " (killed in the commit)"
	}
	return outcome
}
