package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/roster-dev/roster/internal/apply"
	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/gen"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/policy"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/boltstore"
)

// largeEnv turns on the 100k sizes and the 1,000,000-record chain.
const largeEnv = "ROSTER_BENCH_LARGE"

// now is the --now every workload is planned at.
var now = gen.DefaultNow

var ctx = context.Background()

// sizes are the configurations benchmarked, in grants.
var sizes = []struct {
	name   string
	grants int
}{{"1k", 1_000}, {"10k", 10_000}, {"100k", 100_000}}

// large reports whether a size runs only with ROSTER_BENCH_LARGE=1.
func large(n int) bool { return n >= 100_000 }

func largeOn() bool { return os.Getenv(largeEnv) == "1" }

func skipLarge(b *testing.B, n int, what string) {
	if large(n) && !largeOn() {
		b.Skipf("%s is a large workload: set %s=1 to run it", what, largeEnv)
	}
}

// root holds every workload's files for the whole run; TestMain removes
// it. (A benchmark's b.TempDir would go at its end, and the workloads are
// shared between benchmarks.)
var root string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "roster-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: cannot make a temporary directory:", err)
		os.Exit(1)
	}
	root = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// workload is one generated configuration and what the stages make of it,
// each made on first use and kept for the run.
type workload struct {
	grants int
	cfg    *gen.Config
	dir    string

	res   *config.Result
	empty *plan.Plan // from empty state
	file  []byte     // empty, as a saved plan file
	state string     // a state file with empty applied
	prior *state.Snapshot
}

var workloads = map[int]*workload{}

// get generates the configuration of n grants into root, once.
func get(tb testing.TB, n int) *workload {
	tb.Helper()
	if w := workloads[n]; w != nil {
		return w
	}
	c, err := gen.Generate(gen.Options{Grants: n, Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	dir := filepath.Join(root, fmt.Sprintf("config-%d", n))
	if err := c.WriteDir(dir); err != nil {
		tb.Fatal(err)
	}
	w := &workload{grants: n, cfg: c, dir: dir}
	workloads[n] = w
	return w
}

// loaded is the configuration loaded from disk, checked to be clean.
func (w *workload) loaded(tb testing.TB) *config.Result {
	tb.Helper()
	if w.res == nil {
		res := config.Load(w.dir)
		if len(res.Diags) > 0 {
			tb.Fatalf("generated %d-grant configuration: %s", w.grants, res.Diags.Error())
		}
		if len(res.Config.Objects) != w.cfg.Stats.Objects {
			tb.Fatalf("loaded %d objects, generated %d", len(res.Config.Objects), w.cfg.Stats.Objects)
		}
		w.res = res
	}
	return w.res
}

func (w *workload) input(prior *state.Snapshot) plan.Input {
	cfg := w.res.Config
	in := plan.Input{
		Desired:      cfg.Objects,
		Platforms:    cfg.Platforms,
		Policy:       cfg.Policy,
		Now:          now,
		ConfigDigest: cfg.Digest,
		CreatedAt:    now,
	}
	if prior != nil {
		in.Prior, in.Lineage, in.Serial = prior.Objects, prior.Lineage, prior.Serial
	}
	return in
}

// planEmpty is the plan from empty state: one create per object.
func (w *workload) planEmpty(tb testing.TB) *plan.Plan {
	tb.Helper()
	if w.empty == nil {
		w.loaded(tb)
		p := plan.Make(w.input(nil))
		if len(p.Changes) != w.cfg.Stats.Objects {
			tb.Fatalf("plan from empty state: %d changes, want %d", len(p.Changes), w.cfg.Stats.Objects)
		}
		w.empty = p
	}
	return w.empty
}

// planFile is planEmpty saved as `plan --out` saves it.
func (w *workload) planFile(tb testing.TB) []byte {
	tb.Helper()
	if w.file == nil {
		data, err := plan.Encode(w.planEmpty(tb))
		if err != nil {
			tb.Fatal(err)
		}
		w.file = data
	}
	return w.file
}

var meta = apply.Meta{Actor: "bench", Approvers: []string{"lead@globex.com"}, Commit: "0123456789abcdef0123456789abcdef01234567", Time: now}

// applied is a state file holding planEmpty applied, and its snapshot.
func (w *workload) applied(tb testing.TB) (string, *state.Snapshot) {
	tb.Helper()
	if w.prior == nil {
		path := filepath.Join(root, fmt.Sprintf("applied-%d.db", w.grants))
		st, err := boltstore.Open(path)
		if err != nil {
			tb.Fatal(err)
		}
		p := w.planEmpty(tb)
		if _, err := apply.Apply(ctx, st, p, meta); err != nil {
			tb.Fatal(err)
		}
		snap, err := st.Snapshot(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		if len(snap.Objects) != len(p.Changes) {
			tb.Fatalf("state holds %d objects after applying %d creates", len(snap.Objects), len(p.Changes))
		}
		w.state, w.prior = path, snap
	}
	return w.state, w.prior
}

// evidenceStates caches state files holding n evidence records.
var evidenceStates = map[int]string{}

func evidenceState(tb testing.TB, n int) string {
	tb.Helper()
	if p, ok := evidenceStates[n]; ok {
		return p
	}
	path := filepath.Join(root, fmt.Sprintf("evidence-%d.db", n))
	st, err := boltstore.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := gen.Evidence(ctx, st, gen.EvidenceOptions{Records: n, Seed: 1}); err != nil {
		tb.Fatal(err)
	}
	evidenceStates[n] = path
	return path
}

// checkPolicy runs every policy rule as plan does, and fails on any
// diagnostic: generated configurations are clean.
func checkPolicy(tb testing.TB, cfg *model.Config, p *plan.Plan) {
	diags := policy.Check(cfg, now)
	diags = append(diags, policy.CheckPlan(cfg, p)...)
	if len(diags) > 0 {
		tb.Fatalf("policy: %s", diags.Error())
	}
}

// TestWorkload runs the 1k workload through every stage once: it loads
// clean, plans one create per object, applies, verifies, and then plans
// nothing. The benchmarks rely on all of it.
func TestWorkload(t *testing.T) {
	w := get(t, 1_000)
	res := w.loaded(t)
	p := w.planEmpty(t)
	checkPolicy(t, res.Config, p)
	back, err := plan.Decode(w.planFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if back.Digest() != p.Digest() {
		t.Errorf("the plan file reads back as another plan")
	}
	path, snap := w.applied(t)
	if again := plan.Make(w.input(snap)); len(again.Changes) != 0 {
		t.Errorf("plan after apply: %d changes, first %s; want none", len(again.Changes), again.Changes[0].Addr)
	}
	st, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := verify(st); err != nil || got != uint64(len(p.Changes)) {
		t.Errorf("verify: %d records, %v; want %d, nil", got, err, len(p.Changes))
	}
}
