package main

// Reliability tests (issue 8): they run the real roster binary as child
// processes and try to break its promises — atomic applies that survive
// SIGKILL, one writer at a time, readers that are never shut out, damaged
// files reported as such, private file modes and atomic replacement.
//
// The binary is built by `go build` into each test's temporary directory
// (the Go build cache makes every build after the first a link only): the
// test binary itself is testscript's, see TestMain.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// rosterBin builds cmd/roster into a temporary directory of t and returns
// the binary's path.
func rosterBin(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build roster with: %v", err)
	}
	out := filepath.Join(t.TempDir(), "roster")
	cmd := exec.Command(goTool, "build", "-o", out, "./cmd/roster")
	cmd.Dir = filepath.Join("..", "..") // the module root
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/roster: %v\n%s", err, msg)
	}
	return out
}

// runner runs the roster binary as a child process.
type runner struct {
	bin string
	env []string
	// umask, when set (as an octal string), is set in a shell before roster
	// is executed.
	umask string
}

// testCommit is the commit every apply records ($GITHUB_SHA), so that
// roster does not run git.
const testCommit = "0123456789abcdef0123456789abcdef01234567"

// testNow is --now for every command that plans.
const testNow = "2026-12-01"

func newRunner(t *testing.T) *runner {
	return &runner{
		bin: rosterBin(t),
		env: []string{
			"PATH=" + os.Getenv("PATH"),
			"HOME=" + t.TempDir(),
			"TMPDIR=" + os.TempDir(),
			"NO_COLOR=1",
			"ROSTER_ACTOR=tester",
			"GITHUB_SHA=" + testCommit,
		},
	}
}

// withUmask returns a runner that starts roster under umask mask.
func (r *runner) withUmask(mask string) *runner {
	c := *r
	c.umask = mask
	return &c
}

// command is the child process for args, run in dir, in its own process
// group; cancelling ctx kills the whole group.
func (r *runner) command(ctx context.Context, dir string, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	if r.umask != "" {
		script := fmt.Sprintf(`umask %s && exec "$0" "$@"`, r.umask)
		cmd = exec.CommandContext(ctx, "sh", append([]string{"-c", script, r.bin}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, r.bin, args...)
	}
	cmd.Dir = dir
	cmd.Env = r.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// result is what one roster run did.
type result struct {
	args           []string
	stdout, stderr string
	code           int
	pid            int
	start, end     time.Time
}

func (r result) String() string {
	return fmt.Sprintf("roster %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, clipText(r.stdout), clipText(r.stderr))
}

func (r result) dur() time.Duration { return r.end.Sub(r.start) }

func clipText(s string) string {
	if len(s) > 3000 {
		return s[:1500] + "\n…\n" + s[len(s)-1500:]
	}
	return s
}

// hangLimit is how long any one roster command may take before the test
// calls it hung and kills it. It is a guard, not a performance target.
const hangLimit = 120 * time.Second

// run runs roster and waits for it; it fails the test when roster hangs
// (past timeout), cannot start, or prints a Go panic or stack trace.
func (r *runner) run(t *testing.T, timeout time.Duration, dir string, args ...string) result {
	t.Helper()
	res, err := r.try(t, timeout, dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// try is run for other goroutines than the test's: a hang or a failure to
// start is an error, not the end of the test.
func (r *runner) try(t *testing.T, timeout time.Duration, dir string, args ...string) (result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := r.command(ctx, dir, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	res := result{args: args, start: time.Now()}
	err := cmd.Run()
	res.end = time.Now()
	res.stdout, res.stderr = stdout.String(), stderr.String()
	if cmd.Process != nil {
		res.pid = cmd.Process.Pid
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("roster %s hung: killed after %s\nstderr:\n%s", strings.Join(args, " "), timeout, clipText(res.stderr))
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	default:
		return res, fmt.Errorf("running roster %s: %v", strings.Join(args, " "), err)
	}
	checkNoPanic(t, res)
	return res, nil
}

// checkNoPanic fails the test when roster printed a Go panic or stack.
func checkNoPanic(t *testing.T, res result) {
	t.Helper()
	for _, s := range []string{"panic:", "goroutine ", "runtime error", "SIGSEGV", ".go:"} {
		if strings.Contains(res.stderr, s) {
			t.Errorf("stderr shows a Go panic or stack trace (%q):\n%s", s, res)
			return
		}
	}
}

// ok runs roster and fails the test unless it exits 0.
func (r *runner) ok(t *testing.T, dir string, args ...string) result {
	t.Helper()
	res := r.run(t, hangLimit, dir, args...)
	if res.code != 0 {
		t.Fatalf("want exit 0:\n%s", res)
	}
	return res
}

// --- configurations ---

// gen describes a generated configuration: one Plausible team "acme" with
// two owners, sites site000… and guests guestNNNN@agency.example
// numbered [guestLo, guestHi), each with grants grants on consecutive sites.
type gen struct {
	sites            int
	guestLo, guestHi int
	grants           int
	role             string // of every grant; "viewer" when empty
	extra            string // more HCL, appended
	extraAddrs       []string
}

func siteName(i int) string { return fmt.Sprintf("site%03d.example.com", i) }

func guestEmail(i int) string { return fmt.Sprintf("guest%04d@agency.example", i) }

// guestSite is the site of grant k of guest g.
func (g gen) guestSite(guest, k int) int { return (guest*7 + k) % g.sites }

// write writes the configuration as main.hcl into dir (made if missing)
// and returns the addresses it declares, sorted.
func (g gen) write(t testing.TB, dir string) []string {
	t.Helper()
	if g.grants > g.sites {
		t.Fatalf("gen: %d grants per guest on %d sites", g.grants, g.sites)
	}
	role := g.role
	if role == "" {
		role = "viewer"
	}
	var b strings.Builder
	b.Grow(200 + 60*g.sites + (g.guestHi-g.guestLo)*(140+50*g.grants))
	addrs := []string{"team/acme", "member/acme/owner1@acme.com", "member/acme/owner2@acme.com"}
	b.WriteString("team \"acme\" {\n  platform = \"plausible\"\n}\n\n")
	b.WriteString("member \"owner1@acme.com\" {\n  team = \"acme\"\n  role = \"owner\"\n}\n\n")
	b.WriteString("member \"owner2@acme.com\" {\n  team = \"acme\"\n  role = \"owner\"\n}\n\n")
	for i := range g.sites {
		fmt.Fprintf(&b, "site %q {\n  team = \"acme\"\n}\n\n", siteName(i))
		addrs = append(addrs, "site/acme/"+siteName(i))
	}
	for gi := g.guestLo; gi < g.guestHi; gi++ {
		fmt.Fprintf(&b, "guest %q {\n  team    = \"acme\"\n  reason  = \"Quarterly analysis\"\n  ticket  = \"OPS-%d\"\n  expires = \"2030-01-01\"\n\n", guestEmail(gi), gi)
		for k := range g.grants {
			s := siteName(g.guestSite(gi, k))
			fmt.Fprintf(&b, "  grant %q { role = %q }\n", s, role)
			addrs = append(addrs, "grant/acme/"+s+"/"+guestEmail(gi))
		}
		b.WriteString("}\n\n")
	}
	b.WriteString(g.extra)
	addrs = append(addrs, g.extraAddrs...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	slices.Sort(addrs)
	return addrs
}

// symDiff counts the addresses in exactly one of two sorted lists: the
// changes between them when no object is updated.
func symDiff(a, b []string) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			i++
			j++
		case a[i] < b[j]:
			n++
			i++
		default:
			n++
			j++
		}
	}
	return n + len(a) - i + len(b) - j
}

// --- reading roster's answers ---

// lines splits output into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

var verifiedRE = regexp.MustCompile(`(?m)^Evidence verified: (\d+) records(?:, head ([0-9a-f]{64}))?\.$`)

// verifyCount runs `evidence verify` and returns the number of records.
func (r *runner) verifyCount(t *testing.T, dir, statePath string) int {
	t.Helper()
	res := r.ok(t, dir, "evidence", "verify", "--state", statePath)
	m := verifiedRE.FindStringSubmatch(res.stdout)
	if m == nil {
		t.Fatalf("evidence verify: no count in its output:\n%s", res)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// stateList runs `state list` and returns the addresses.
func (r *runner) stateList(t *testing.T, dir, statePath string) []string {
	t.Helper()
	return lines(r.ok(t, dir, "state", "list", "--state", statePath).stdout)
}

// historyEntry is one entry of `history --json`.
type historyEntry struct {
	Serial  uint64 `json:"serial"`
	Actor   string `json:"actor"`
	Add     int    `json:"add"`
	Change  int    `json:"change"`
	Remove  int    `json:"remove"`
	Changes []struct {
		Address string `json:"address"`
		Action  string `json:"action"`
	} `json:"changes"`
}

func (r *runner) history(t *testing.T, dir, statePath string) []historyEntry {
	t.Helper()
	res := r.ok(t, dir, "history", "--json", "--state", statePath)
	var h []historyEntry
	if err := json.Unmarshal([]byte(res.stdout), &h); err != nil {
		t.Fatalf("history --json: %v\n%s", err, res)
	}
	return h
}

var applyCompleteRE = regexp.MustCompile(`(?m)^Apply complete: (\d+) applied, (\d+) manual steps, 0 failed\. Evidence: (\d+) records, head [0-9a-f]{64}\.$`)

// waitingUnion is what the state lists after an offline apply from a to b
// (both sorted), before anyone confirms: removals wait as manual steps, so
// it holds a's objects as well as b's.
func waitingUnion(a, b []string) []string {
	u := append(slices.Clone(a), b...)
	slices.Sort(u)
	return slices.Compact(u)
}

// appliedCount reads the changes an apply recorded, made and left as
// manual steps ("Apply complete: N applied, N manual steps"), from its
// output; -1 when the line is missing.
func appliedCount(stdout string) int {
	m := applyCompleteRE.FindStringSubmatch(stdout)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	k, _ := strconv.Atoi(m[2])
	return n + k
}

var lockedRE = regexp.MustCompile(`state is locked by pid (\d+) on (.+) \((\S+) since (\S+)\)`)

// checkLocked checks that res is a refusal because the lock is held, with
// a message naming the holder: a pid of holders, this host, operation
// apply and a time at or after notBefore. It returns the pid named.
func checkLocked(t *testing.T, res result, holders map[int]bool, notBefore time.Time) int {
	t.Helper()
	m := lockedRE.FindStringSubmatch(res.stderr)
	if res.code != 1 || m == nil {
		t.Errorf("want exit 1 and %q:\n%s", "state is locked by pid PID on HOST (apply since TIME)", res)
		return 0
	}
	pid, _ := strconv.Atoi(m[1])
	if !holders[pid] {
		t.Errorf("the lock message names pid %d, which is none of the applies that got the lock %v:\n%s", pid, holders, res)
	}
	if host, _ := os.Hostname(); host != "" && m[2] != host {
		t.Errorf("the lock message names host %q, want %q:\n%s", m[2], host, res)
	}
	if m[3] != "apply" {
		t.Errorf("the lock message names operation %q, want apply:\n%s", m[3], res)
	}
	since, err := time.Parse(time.RFC3339, m[4])
	if err != nil || since.Before(notBefore.Add(-time.Second).Truncate(time.Second)) || since.After(time.Now().Add(time.Minute)) {
		t.Errorf("the lock message's time %q is not an RFC 3339 time during the test:\n%s", m[4], res)
	}
	return pid
}

// strayFiles lists the files in dir that are not in keep.
func strayFiles(t *testing.T, dir string, keep ...string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if !slices.Contains(keep, e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

// --- 1. crash safety ---

// TestCrashDuringApply's trials: at least crashMinTrials, then more until
// crashBudget has passed since the test began (no new trial starts after
// it, so the test takes about this long plus one trial), at most
// crashMaxTrials.
const (
	crashBudget    = 45 * time.Second
	crashMinTrials = 4
	crashMaxTrials = 12
)

// TestCrashDuringApply kills `roster apply --auto-approve` of a 20,000-grant
// change with SIGKILL at random moments (crashLoop), on a bbolt state.
// Trials alternate between a first apply to an empty state (the state
// file is created aside and linked into place) and a change of an
// existing state (20,000 grants deleted and created in place).
func TestCrashDuringApply(t *testing.T) {
	if testing.Short() {
		t.Skip("long: kills applies of 20,000 grants")
	}
	began := time.Now()
	stateDir := filepath.Join(t.TempDir(), "state")
	statePath := filepath.Join(stateDir, "state.db")
	crashLoop(t, began, crashStore{
		state:    statePath,
		probe:    func() bool { return committing(stateDir, statePath) },
		inCommit: "in the commit",
		empty: func() {
			// From an empty state: the first commit creates the file.
			if err := os.Remove(statePath); err != nil {
				t.Fatal(err)
			}
		},
		// A kill during the first commit leaves the file it was building
		// beside the state: name those, then clear them for the next trial.
		afterKill: func() string {
			s := strayFiles(t, stateDir, "state.db", "state.db.lock")
			for _, name := range s {
				os.Remove(filepath.Join(stateDir, name))
			}
			if len(s) == 0 {
				return ""
			}
			return fmt.Sprintf("left behind in the state directory: %v", s)
		},
		budget: crashBudget, minTrials: crashMinTrials, maxTrials: crashMaxTrials, seedStream: 8,
	})
}

// crashStore is a kind of state as crashLoop kills applies on it.
type crashStore struct {
	state    string      // the --state argument
	probe    func() bool // whether an apply's commit is under way now
	inCommit string      // how a trial killed during the commit is named
	empty    func()      // makes the state empty, for a trial from nothing
	// afterKill waits for, checks or clears what a kill may leave, once
	// the outcome is read; it says what it found, "" for nothing.
	afterKill func() string
	// The trials: at least minTrials, then more until budget has passed
	// since the test began (no new trial starts after it), at most
	// maxTrials.
	budget               time.Duration
	minTrials, maxTrials int
	seedStream           uint64 // the random stream of the kill moments
}

// crashLoop kills `roster apply --auto-approve` of a 20,000-grant change
// on st with SIGKILL at random moments, half of them during its commit.
// After each kill the state holds either none or all of the change (state
// list, evidence verify, history), no stale lock is left, and a fresh
// apply completes and a plan then has nothing to do. Every third trial
// starts from an empty state.
func crashLoop(t *testing.T, began time.Time, st crashStore) {
	r := newRunner(t)
	root := t.TempDir()
	// A: guests 0–1999; B: guests 1000–2999. A→B deletes 10,000 grants
	// and creates 10,000.
	cfgs := []struct {
		dir   string
		addrs []string
	}{{dir: filepath.Join(root, "a")}, {dir: filepath.Join(root, "b")}}
	cfgs[0].addrs = gen{sites: 200, guestLo: 0, guestHi: 2000, grants: 10}.write(t, cfgs[0].dir)
	cfgs[1].addrs = gen{sites: 200, guestLo: 1000, guestHi: 3000, grants: 10}.write(t, cfgs[1].dir)
	t.Logf("A: %d objects, B: %d objects, A→B: %d changes", len(cfgs[0].addrs), len(cfgs[1].addrs), symDiff(cfgs[0].addrs, cfgs[1].addrs))

	probe := st.probe
	apply := func(dir string) []string {
		// A→B removes half the guests on purpose: the mass-removal rail is
		// lifted (schema/language.md, policy additions).
		return []string{"apply", "--auto-approve", "--allow-mass-removal", "--now", testNow, "--state", st.state, "--chdir", dir}
	}

	// The time of a whole apply, measured on the first one, bounds the
	// random moments; each later uninterrupted apply of the same kind
	// updates it.
	first, commitAt := runWatched(t, r, cfgs[0].dir, probe, apply(cfgs[0].dir)...)
	if n := appliedCount(first.stdout); first.code != 0 || n != len(cfgs[0].addrs) {
		t.Fatalf("the first apply applied %d changes, want %d:\n%s", n, len(cfgs[0].addrs), first)
	}
	took := map[string]time.Duration{"create": first.dur(), "change": first.dur()}
	w := first.end.Sub(commitAt)
	commitTook := map[string]time.Duration{"create": w, "change": w}
	t.Logf("a whole apply of A from empty took %s, its commit about %s", first.dur().Round(time.Millisecond), w.Round(time.Millisecond))

	cur := 0 // the configuration the state holds
	curAddrs := cfgs[0].addrs
	records := r.verifyCount(t, cfgs[0].dir, st.state)
	if records != len(cfgs[0].addrs) {
		t.Fatalf("evidence verify: %d records after the first apply, want %d", records, len(cfgs[0].addrs))
	}
	// The changes wait as manual steps (an offline team); a person
	// confirms them, and the state holds A.
	r.ok(t, cfgs[0].dir, "confirm", "--all", "--state", st.state)
	records = r.verifyCount(t, cfgs[0].dir, st.state)
	entries := len(r.history(t, cfgs[0].dir, st.state))

	seed := uint64(time.Now().UnixNano())
	rnd := rand.New(rand.NewPCG(seed, st.seedStream))
	t.Logf("random seed %d", seed)
	outcomes := map[string]int{}
	trials := 0
	for trial := 0; trial < st.maxTrials && (trial < st.minTrials || time.Since(began) < st.budget); trial++ {
		trials++
		trialStart := time.Now()
		kind := "change"
		target := 1 - cur
		if trial%3 == 2 {
			kind = "create"
			st.empty()
			curAddrs, records, entries = nil, 0, 0
		}
		tgt := cfgs[target]
		changes := symDiff(curAddrs, tgt.addrs)

		// Half the kills at a random moment of the whole apply, half at a
		// random moment of its commit, which the watcher sees begin.
		full, window := took[kind], commitTook[kind]
		k := randomKill(rnd, trial, full, window)
		targeted, delay := k.targeted, k.delay
		killed, err := runKilled(t, r, tgt.dir, probe, k, apply(tgt.dir)...)
		if err != nil {
			t.Fatalf("trial %d: the apply failed before it was killed: %v", trial, err)
		}
		baseKind := kind
		if targeted {
			kind += " " + st.inCommit
		}
		left := st.afterKill()

		// All or nothing.
		got := r.stateList(t, tgt.dir, st.state)
		var outcome string
		switch {
		case slices.Equal(got, curAddrs):
			outcome = "none"
		case slices.Equal(got, waitingUnion(curAddrs, tgt.addrs)):
			// Removals wait as manual steps: until confirmed, the
			// state holds what goes as well as what comes.
			outcome = "all"
		default:
			t.Fatalf("trial %d (%s, killed after %s): state list has %d addresses, neither the %d before the apply nor the %d after it",
				trial, kind, delay, len(got), len(curAddrs), len(tgt.addrs))
		}
		if !killed {
			outcome = "finished"
			if !slices.Equal(got, waitingUnion(curAddrs, tgt.addrs)) {
				t.Fatalf("trial %d: the apply finished, but the state does not hold its objects", trial)
			}
		}
		outcomes[kind+" "+outcome]++
		wantRecords, wantEntries := records, entries
		if outcome != "none" {
			wantRecords, wantEntries = records+changes, entries+1
		}
		if n := r.verifyCount(t, tgt.dir, st.state); n != wantRecords {
			t.Fatalf("trial %d (%s, killed after %s, state holds %s of the change): evidence verify counts %d records, want %d",
				trial, kind, delay, outcome, n, wantRecords)
		}
		if n := len(r.history(t, tgt.dir, st.state)); n != wantEntries {
			t.Fatalf("trial %d: history has %d entries, want %d", trial, n, wantEntries)
		}

		// No stale lock: the next apply (--lock-timeout 0) completes.
		res, commitAt := runWatched(t, r, tgt.dir, probe, apply(tgt.dir)...)
		if strings.Contains(res.stderr, "state is locked") {
			t.Fatalf("trial %d: the apply after the kill found a stale lock:\n%s", trial, res)
		}
		if res.code != 0 {
			t.Fatalf("trial %d: the apply after the kill failed:\n%s", trial, res)
		}
		if outcome == "none" {
			if n := appliedCount(res.stdout); n != changes {
				t.Fatalf("trial %d: the apply after the kill applied %d changes, want %d:\n%s", trial, n, changes, res)
			}
			took[baseKind], commitTook[baseKind] = res.dur(), res.end.Sub(commitAt)
		}
		plan := r.ok(t, tgt.dir, "plan", "--now", testNow, "--state", st.state)
		if !strings.Contains(plan.stdout, "No changes.") {
			t.Fatalf("trial %d: the plan after the apply has changes:\n%s", trial, plan)
		}
		r.ok(t, tgt.dir, "confirm", "--all", "--state", st.state)
		cur, curAddrs = target, tgt.addrs
		records, entries = r.verifyCount(t, tgt.dir, st.state), len(r.history(t, tgt.dir, st.state))
		of := full
		if targeted {
			of = window
		}
		if left != "" {
			left = "; " + left
		}
		t.Logf("trial %d: %s, killed after %s of about %s: %s (trial took %s%s)", trial, kind, delay.Round(time.Millisecond), of.Round(time.Millisecond), outcome,
			time.Since(trialStart).Round(time.Millisecond), left)
	}
	if got := r.stateList(t, cfgs[cur].dir, st.state); !slices.Equal(got, curAddrs) {
		t.Errorf("at the end the state holds %d addresses, want %d", len(got), len(curAddrs))
	}
	if n := r.verifyCount(t, cfgs[cur].dir, st.state); n != records {
		t.Errorf("at the end evidence verify counts %d records, want %d", n, records)
	}
	t.Logf("%d trials in %s: %v", trials, time.Since(began).Round(time.Millisecond), outcomes)
}

// watched is an apply running under the eye of a commit watcher.
type watched struct {
	cmd    *exec.Cmd
	out    *bytes.Buffer
	done   chan error
	commit <-chan time.Time // receives once, when the commit is seen to begin
}

// startWatched starts roster with args and a watcher that reports when
// probe first says the commit has begun.
func startWatched(t *testing.T, r *runner, dir string, probe func() bool, args ...string) *watched {
	t.Helper()
	w := &watched{cmd: r.command(context.Background(), dir, args...), out: new(bytes.Buffer), done: make(chan error, 1)}
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		err := w.cmd.Wait()
		close(exited)
		w.done <- err
	}()
	commit := make(chan time.Time, 1)
	w.commit = commit
	go func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-exited:
				return
			case <-tick.C:
			}
			if probe() {
				commit <- time.Now()
				return
			}
		}
	}()
	return w
}

// committing reports whether a commit to the state is under way: the
// file a first commit builds is beside the state, or a writer holds bbolt's
// exclusive lock on the state file.
func committing(stateDir, statePath string) bool {
	if ents, err := os.ReadDir(stateDir); err == nil {
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "."+filepath.Base(statePath)+".new") {
				return true
			}
		}
	}
	f, err := os.Open(statePath)
	if err != nil {
		return false
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return false
	}
	return errors.Is(err, syscall.EWOULDBLOCK)
}

// runWatched runs roster to its end and returns when its commit was seen
// to begin (its end when it was not seen).
func runWatched(t *testing.T, r *runner, dir string, probe func() bool, args ...string) (result, time.Time) {
	t.Helper()
	res := result{args: args, start: time.Now()}
	w := startWatched(t, r, dir, probe, args...)
	var commitAt time.Time
	var err error
	timeout := time.After(hangLimit)
wait:
	for {
		select {
		case at := <-w.commit:
			commitAt = at
			w.commit = nil
		case err = <-w.done:
			break wait
		case <-timeout:
			_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
			t.Fatalf("roster %s hung: killed after %s", strings.Join(args, " "), hangLimit)
		}
	}
	res.end = time.Now()
	res.stdout, res.stderr = w.out.String(), w.out.String()
	res.pid = w.cmd.Process.Pid
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	default:
		t.Fatal(err)
	}
	checkNoPanic(t, res)
	if commitAt.IsZero() {
		commitAt = res.end
	}
	return res, commitAt
}

// crashKill is when a crash trial kills roster: delay after it starts,
// or, targeted, delay after the watcher sees its commit (or the write
// the probe watches) begin.
type crashKill struct {
	targeted bool
	delay    time.Duration
}

// randomKill draws the kill of trial: odd trials are targeted, at a
// random moment of window (the commit, as measured on a whole run); even
// ones at a random moment of full (the whole run).
func randomKill(rnd *rand.Rand, trial int, full, window time.Duration) crashKill {
	if trial%2 == 1 {
		return crashKill{targeted: true, delay: time.Duration(rnd.Int64N(int64(window) + 1))}
	}
	return crashKill{delay: time.Duration(rnd.Int64N(int64(full) + 1))}
}

func (k crashKill) String() string {
	if k.targeted {
		return fmt.Sprintf("%s into its commit", k.delay)
	}
	return k.delay.String()
}

// runKilled runs roster with args under the watcher probe, and kills its
// process group with SIGKILL at k. killed is false when roster ended
// first, and then err is how it ended (nil for exit 0, else with its
// output).
func runKilled(t *testing.T, r *runner, dir string, probe func() bool, k crashKill, args ...string) (killed bool, err error) {
	t.Helper()
	w := startWatched(t, r, dir, probe, args...)
	var timer <-chan time.Time
	if !k.targeted {
		timer = time.After(k.delay)
	}
	guard := time.After(hangLimit)
	for {
		select {
		case err := <-w.done:
			if err != nil {
				err = fmt.Errorf("%w\n%s", err, clipText(w.out.String()))
			}
			return false, err
		case <-w.commit:
			w.commit = nil
			if k.targeted {
				timer = time.After(k.delay)
			}
		case <-timer:
			_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
			<-w.done
			return true, nil
		case <-guard:
			_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
			t.Fatalf("roster %s hung: killed after %s\n%s", strings.Join(args, " "), hangLimit, clipText(w.out.String()))
		}
	}
}

// --- 2. concurrency ---

// workerConfig is the shared base (team, two owners, 20 sites) plus one
// guest of worker i with five grants: every worker adds different objects.
func workerConfig(t *testing.T, dir string, i int) (addrs, own []string) {
	t.Helper()
	email := fmt.Sprintf("worker%02d@agency.example", i)
	var extra strings.Builder
	fmt.Fprintf(&extra, "guest %q {\n  team    = \"acme\"\n  reason  = \"Concurrency test\"\n  ticket  = \"OPS-%d\"\n  expires = \"2030-01-01\"\n\n", email, i)
	for k := range 5 {
		s := siteName((i*3 + k) % 20)
		fmt.Fprintf(&extra, "  grant %q { role = \"viewer\" }\n", s)
		own = append(own, "grant/acme/"+s+"/"+email)
	}
	extra.WriteString("}\n")
	slices.Sort(own)
	addrs = gen{sites: 20, extra: extra.String(), extraAddrs: own}.write(t, dir)
	return addrs, own
}

// TestConcurrentApplies runs several applies on one state file at once.
// With --lock-timeout 0 each either gets the lock and succeeds, or exits 1
// naming the holder; with --lock-timeout 30s all succeed one after the
// other, each planning under the lock against the state the previous one
// left. Either way nothing is lost or doubled: one history entry and one
// evidence record per change, and each entry's changes are exactly the
// step from the previous worker's configuration to its own.
func TestConcurrentApplies(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (concurrent apply loop): skipped under -short; make test runs it")
	}
	r := newRunner(t)
	for _, tc := range []struct {
		name        string
		workers     int
		lockTimeout string
		fromEmpty   bool
	}{
		{"2 no wait, empty state", 2, "0s", true},
		{"8 no wait", 8, "0s", false},
		{"2 wait", 2, "30s", false},
		{"8 wait, empty state", 8, "30s", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			concurrentApplies(t, r, filepath.Join(t.TempDir(), "state", "state.db"), tc.workers, tc.lockTimeout, tc.fromEmpty)
		})
	}
}

// concurrentApplies runs workers applies at once on the state (a file or a
// postgres:// URL), each adding its own guest to a shared base, and checks
// that exactly the lock holders succeed, the others name the holder, and
// nothing is lost or doubled: one history entry and one evidence record
// per change, each entry the step from the previous worker's configuration
// to its own, and the state the last one's.
func concurrentApplies(t *testing.T, r *runner, state string, workers int, lockTimeout string, fromEmpty bool) {
	root := t.TempDir()
	baseDir := filepath.Join(root, "base")
	base := gen{sites: 20}.write(t, baseDir)
	configs := map[string][]string{} // actor → addresses
	configs["base"] = base
	if !fromEmpty {
		r.ok(t, baseDir, "apply", "--auto-approve", "--now", testNow, "--state", state, "--actor", "base")
	}
	dirs := make([]string, workers)
	for i := range workers {
		dirs[i] = filepath.Join(root, fmt.Sprintf("w%d", i))
		configs[fmt.Sprintf("worker%d", i)], _ = workerConfig(t, dirs[i], i)
	}

	started := time.Now()
	results := make([]result, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			var err error
			results[i], err = r.try(t, hangLimit, dirs[i], "apply", "--auto-approve", "--now", testNow, "--state", state,
				"--lock-timeout", lockTimeout, "--actor", fmt.Sprintf("worker%d", i))
			if err != nil {
				t.Error(err)
				results[i].code = -1
			}
		})
	}
	wg.Wait()

	succeeded := map[string]int{} // actor → changes applied
	holders := map[int]bool{}
	for i, res := range results {
		if res.code == 0 {
			n := appliedCount(res.stdout)
			if n <= 0 {
				t.Errorf("worker %d exited 0 without applying anything:\n%s", i, res)
			}
			succeeded[fmt.Sprintf("worker%d", i)] = n
			holders[res.pid] = true
		}
	}
	locked := 0
	for i, res := range results {
		if res.code == 0 {
			continue
		}
		if lockTimeout != "0s" {
			t.Errorf("worker %d failed although it could wait for the lock:\n%s", i, res)
			continue
		}
		checkLocked(t, res, holders, started)
		locked++
	}
	t.Logf("%d applied, %d found the state locked", len(succeeded), locked)
	if len(succeeded) == 0 {
		t.Fatal("no apply succeeded")
	}
	if len(succeeded)+locked != workers {
		t.Fatalf("%d successes and %d lock failures of %d applies", len(succeeded), locked, workers)
	}

	// History: the base's entry, then one per success, in the
	// order they ran; each is the step from the previous
	// configuration to its own.
	hist := r.history(t, baseDir, state)
	want := len(succeeded)
	if !fromEmpty {
		want++
	}
	if len(hist) != want {
		t.Fatalf("history has %d entries, want %d (one per successful apply)", len(hist), want)
	}
	prev := []string(nil)
	if !fromEmpty {
		prev = base
		hist = hist[1:]
	}
	seen := map[string]bool{}
	for _, h := range hist {
		n, ok := succeeded[h.Actor]
		if !ok || seen[h.Actor] {
			t.Fatalf("history entry %d is by %q, which is not one of the successful applies (or is there twice): %v", h.Serial, h.Actor, succeeded)
		}
		seen[h.Actor] = true
		mine := configs[h.Actor]
		if got := h.Add + h.Change + h.Remove; got != n || len(h.Changes) != n {
			t.Errorf("history entry %d (%s): %d changes, but its apply said %d", h.Serial, h.Actor, got, n)
		}
		if d := symDiff(prev, mine); d != n {
			t.Errorf("history entry %d (%s): %d changes, want %d, the step from the previous state to its configuration", h.Serial, h.Actor, n, d)
		}
		for _, c := range h.Changes {
			_, inMine := slices.BinarySearch(mine, c.Address)
			_, inPrev := slices.BinarySearch(prev, c.Address)
			if (c.Action == "create" && (!inMine || inPrev)) || (c.Action == "delete" && (inMine || !inPrev)) || c.Action == "update" {
				t.Errorf("history entry %d (%s): %s %s is not a step from the previous state to its configuration", h.Serial, h.Actor, c.Action, c.Address)
			}
		}
		prev = mine
	}
	total := 0 // records: one per change of every apply
	if !fromEmpty {
		total = len(base)
	}
	for _, n := range succeeded {
		total += n
	}
	if n := r.verifyCount(t, baseDir, state); n != total {
		t.Errorf("evidence verify counts %d records, want %d (one per change applied)", n, total)
	}
	// Nothing lost: once a person confirmed every manual step (an offline
	// team's changes are steps, sync.md), the state is exactly the last
	// apply's configuration.
	r.ok(t, baseDir, "confirm", "--all", "--state", state)
	if got := r.stateList(t, baseDir, state); !slices.Equal(got, prev) {
		t.Errorf("the state holds %v\nwant the last apply's configuration %v", got, prev)
	}
	if lockTimeout != "0s" && len(succeeded) != workers {
		t.Errorf("%d of %d applies succeeded with --lock-timeout %s", len(succeeded), workers, lockTimeout)
	}
}

// TestReadersDuringApply runs plan, show --json and evidence list --json in
// loops while an apply of 20,000 grants runs on a small state. Each
// answers (exit 0), none hangs, at least one answers while the apply is
// still running, and none sees half a change: each count is the one
// before the apply or the one after it.
func TestReadersDuringApply(t *testing.T) {
	if testing.Short() {
		t.Skip("long: an apply of 20,000 grants")
	}
	r := newRunner(t)
	root := t.TempDir()
	statePath := filepath.Join(root, "state.db")
	small := filepath.Join(root, "small")
	big := filepath.Join(root, "big")
	before := gen{sites: 200, guestLo: 0, guestHi: 10, grants: 10}.write(t, small)
	after := gen{sites: 200, guestLo: 0, guestHi: 2000, grants: 10}.write(t, big)
	r.ok(t, small, "apply", "--auto-approve", "--now", testNow, "--state", statePath)
	change := symDiff(before, after)
	wantPlan := fmt.Sprintf("Plan: %d to add, 0 to change, 0 to remove.", change)

	applyCmd := r.command(context.Background(), big, "apply", "--auto-approve", "--now", testNow, "--state", statePath)
	var applyOut bytes.Buffer
	applyCmd.Stdout, applyCmd.Stderr = &applyOut, &applyOut
	applyStart := time.Now()
	if err := applyCmd.Start(); err != nil {
		t.Fatal(err)
	}
	applyDone := make(chan struct{})
	var applyEnd time.Time
	var applyErr error
	go func() {
		applyErr = applyCmd.Wait()
		applyEnd = time.Now()
		close(applyDone)
	}()

	type reading struct {
		kind       string
		start, end time.Time
		count      int // objects, records, or 0/1 for plan: changes or not
	}
	var (
		mu       sync.Mutex
		readings []reading
	)
	readers := []struct {
		kind  string
		args  []string
		count func(t *testing.T, res result) int
	}{
		{"plan", []string{"plan", "--now", testNow, "--state", statePath}, func(t *testing.T, res result) int {
			switch {
			case strings.Contains(res.stdout, "No changes."):
				return len(after)
			case strings.Contains(res.stdout, wantPlan):
				return len(before)
			}
			t.Errorf("plan during the apply: neither %q nor No changes.:\n%s", wantPlan, res)
			return -1
		}},
		{"show", []string{"show", "--json", "--state", statePath}, func(t *testing.T, res result) int {
			var s struct {
				Objects []jsontext.Value `json:"objects"`
			}
			if err := json.Unmarshal([]byte(res.stdout), &s); err != nil {
				t.Errorf("show --json during the apply: %v", err)
				return -1
			}
			return len(s.Objects)
		}},
		{"evidence", []string{"evidence", "list", "--json", "--state", statePath}, func(t *testing.T, res result) int {
			var recs []jsontext.Value
			if err := json.Unmarshal([]byte(res.stdout), &recs); err != nil {
				t.Errorf("evidence list --json during the apply: %v", err)
				return -1
			}
			return len(recs)
		}},
	}
	var wg sync.WaitGroup
	for _, rd := range readers {
		wg.Go(func() {
			for {
				res, err := r.try(t, hangLimit, big, rd.args...)
				if err != nil {
					t.Error(err)
					return
				}
				if res.code != 0 {
					t.Errorf("%s during the apply failed:\n%s", rd.kind, res)
					return
				}
				mu.Lock()
				readings = append(readings, reading{rd.kind, res.start, res.end, rd.count(t, res)})
				mu.Unlock()
				select {
				case <-applyDone:
					return
				default:
				}
			}
		})
	}
	wg.Wait()
	<-applyDone
	if applyErr != nil {
		t.Fatalf("the apply failed: %v\n%s", applyErr, applyOut.String())
	}
	if n := appliedCount(applyOut.String()); n != change {
		t.Fatalf("the apply applied %d changes, want %d", n, change)
	}

	within := 0
	var slowest time.Duration
	for _, rd := range readings {
		// Every change creates an object and its record, so objects and
		// records count alike, and plan's answer was mapped to them.
		if rd.count != len(before) && rd.count != len(after) {
			t.Errorf("%s saw %d, neither the %d before the apply nor the %d after it: half a change", rd.kind, rd.count, len(before), len(after))
		}
		if rd.start.After(applyStart) && rd.end.Before(applyEnd) {
			within++
		}
		slowest = max(slowest, rd.end.Sub(rd.start))
	}
	t.Logf("the apply took %s; %d readings, %d of them wholly during the apply; the slowest took %s",
		applyEnd.Sub(applyStart).Round(time.Millisecond), len(readings), within, slowest.Round(time.Millisecond))
	if within == 0 {
		t.Error("no reader answered while the apply was running: readers wait for the writer")
	}
}
