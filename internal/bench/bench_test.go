package bench

import (
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/roster-dev/roster/internal/apply"
	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/policy"
	"github.com/roster-dev/roster/internal/render"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/boltstore"
)

// rosterVersion is what the JSON plan names as its maker.
const rosterVersion = "bench"

// forSizes runs fn as one sub-benchmark per size, skipping the large ones
// unless asked for, and reports ns/grant beside ns/op.
func forSizes(b *testing.B, fn func(b *testing.B, w *workload)) {
	for _, s := range sizes {
		b.Run(s.name, func(b *testing.B) {
			skipLarge(b, s.grants, s.name+" grants")
			w := get(b, s.grants)
			b.ReportAllocs()
			fn(b, w)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(s.grants), "ns/grant")
		})
	}
}

// BenchmarkParse is P: hclparse.ParseHCLFile over every file, nothing
// else. Every other figure is read against it.
func BenchmarkParse(b *testing.B) {
	forSizes(b, func(b *testing.B, w *workload) {
		for b.Loop() {
			p := hclparse.NewParser() // a parser caches files by name
			for _, f := range w.cfg.Files {
				if _, diags := p.ParseHCLFile(filepath.Join(w.dir, f.Name)); diags.HasErrors() {
					b.Fatal(diags.Error())
				}
			}
		}
	})
}

// BenchmarkLoad reads, parses and decodes the configuration directory
// (config.Load): parse plus decode, as every command starts.
func BenchmarkLoad(b *testing.B) {
	forSizes(b, func(b *testing.B, w *workload) {
		for b.Loop() {
			res := config.Load(w.dir)
			if res.Diags.HasErrors() || len(res.Config.Objects) != w.cfg.Stats.Objects {
				b.Fatalf("%d objects, %d diagnostics", len(res.Config.Objects), len(res.Diags))
			}
		}
	})
}

// BenchmarkLoadSources decodes the configuration from memory, without
// the file system.
func BenchmarkLoadSources(b *testing.B) {
	forSizes(b, func(b *testing.B, w *workload) {
		srcs := w.cfg.Sources()
		for b.Loop() {
			res := config.LoadSources(srcs)
			if res.Diags.HasErrors() || len(res.Config.Objects) != w.cfg.Stats.Objects {
				b.Fatalf("%d objects, %d diagnostics", len(res.Config.Objects), len(res.Diags))
			}
		}
	})
}

// BenchmarkChecks runs every policy rule over the configuration and over
// the plan from empty state, as plan and apply do.
func BenchmarkChecks(b *testing.B) {
	forSizes(b, func(b *testing.B, w *workload) {
		cfg := w.loaded(b).Config
		p := w.planEmpty(b)
		for b.Loop() {
			checkPolicy(b, cfg, p)
		}
	})
}

// BenchmarkPlan is plan.Make from empty state (every object created) and
// with the configuration already applied (nothing to change).
func BenchmarkPlan(b *testing.B) {
	b.Run("empty", func(b *testing.B) {
		forSizes(b, func(b *testing.B, w *workload) {
			w.loaded(b)
			in := w.input(nil)
			for b.Loop() {
				if p := plan.Make(in); len(p.Changes) != w.cfg.Stats.Objects {
					b.Fatalf("%d changes, want %d", len(p.Changes), w.cfg.Stats.Objects)
				}
			}
		})
	})
	b.Run("no-change", func(b *testing.B) {
		forSizes(b, func(b *testing.B, w *workload) {
			_, snap := w.applied(b)
			in := w.input(snap)
			for b.Loop() {
				if p := plan.Make(in); len(p.Changes) != 0 {
					b.Fatalf("%d changes, want none", len(p.Changes))
				}
			}
		})
	})
}

// BenchmarkRender prints the plan from empty state as text and as JSON.
func BenchmarkRender(b *testing.B) {
	b.Run("text", func(b *testing.B) {
		forSizes(b, func(b *testing.B, w *workload) {
			p := w.planEmpty(b)
			for b.Loop() {
				if err := render.WriteText(io.Discard, p, render.TextOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("json", func(b *testing.B) {
		forSizes(b, func(b *testing.B, w *workload) {
			p := w.planEmpty(b)
			for b.Loop() {
				if err := render.WriteJSON(io.Discard, p, rosterVersion); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkPlanFile saves the plan from empty state (plan --out) and
// reads it back (apply PLANFILE).
func BenchmarkPlanFile(b *testing.B) {
	b.Run("encode", func(b *testing.B) {
		forSizes(b, func(b *testing.B, w *workload) {
			p := w.planEmpty(b)
			for b.Loop() {
				if _, err := plan.Encode(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("decode", func(b *testing.B) {
		forSizes(b, func(b *testing.B, w *workload) {
			data := w.planFile(b)
			for b.Loop() {
				if p, err := plan.Decode(data); err != nil || len(p.Changes) != w.cfg.Stats.Objects {
					b.Fatalf("decode: %v", err)
				}
			}
		})
	})
}

// BenchmarkApply applies the plan from empty state into a fresh state
// file: objects, history and one evidence record per change, in one
// transaction. Opening the fresh store is not timed.
func BenchmarkApply(b *testing.B) {
	forSizes(b, func(b *testing.B, w *workload) {
		p := w.planEmpty(b)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			st, err := boltstore.Open(filepath.Join(b.TempDir(), "state.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			res, err := apply.Apply(ctx, st, p, meta)
			if err != nil {
				b.Fatal(err)
			}
			// Offline changes a person makes are recorded as manual steps
			// (schema/sync.md): every change is one or the other.
			if res.Applied+res.Manual != len(p.Changes) || res.Records != len(p.Changes) {
				b.Fatalf("applied %d and %d manual steps with %d records, want %d", res.Applied, res.Manual, res.Records, len(p.Changes))
			}
		}
	})
}

// BenchmarkSnapshot reads the applied state back, as every plan does.
func BenchmarkSnapshot(b *testing.B) {
	forSizes(b, func(b *testing.B, w *workload) {
		path, prior := w.applied(b)
		st, err := boltstore.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			snap, err := st.Snapshot(ctx)
			if err != nil || len(snap.Objects) != len(prior.Objects) {
				b.Fatalf("snapshot: %v", err)
			}
		}
	})
}

func verify(st state.Store) (uint64, error) {
	res, err := evidence.Verify(ctx, st)
	return res.Count, err
}

// BenchmarkVerify is `evidence verify` over chains of 1k to 1M records.
func BenchmarkVerify(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			skipLarge(b, n, fmt.Sprintf("a chain of %d records", n))
			st, err := boltstore.Open(evidenceState(b, n))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if got, err := verify(st); err != nil || got != uint64(n) {
					b.Fatalf("verify: %d records, %v", got, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/record")
		})
	}
}

// BenchmarkPlanCommand is `roster plan --format json` in process: load,
// read the state, plan, check the policy, print JSON. "empty" plans
// against a missing state; "no-change" against the applied one.
func BenchmarkPlanCommand(b *testing.B) {
	run := func(b *testing.B, w *workload, statePath string, want int) {
		st, err := boltstore.Open(statePath)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			res := config.Load(w.dir)
			if res.Diags.HasErrors() {
				b.Fatal(res.Diags.Error())
			}
			snap, err := st.Snapshot(ctx)
			if err != nil {
				b.Fatal(err)
			}
			in := plan.Input{
				Desired: res.Config.Objects, Prior: snap.Objects, Platforms: res.Config.Platforms,
				Policy: res.Config.Policy, Now: now, Lineage: snap.Lineage, Serial: snap.Serial,
				ConfigDigest: res.Config.Digest, CreatedAt: now,
			}
			p := plan.Make(in)
			if len(p.Changes) != want {
				b.Fatalf("%d changes, want %d", len(p.Changes), want)
			}
			diags := policy.Check(res.Config, now)
			diags = append(diags, policy.CheckPlan(res.Config, p)...)
			if diags.HasErrors() {
				b.Fatal(diags.Error())
			}
			if err := render.WriteJSON(io.Discard, p, rosterVersion); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("empty", func(b *testing.B) {
		forSizes(b, func(b *testing.B, w *workload) {
			run(b, w, filepath.Join(root, "missing", "state.db"), w.cfg.Stats.Objects)
		})
	})
	b.Run("no-change", func(b *testing.B) {
		forSizes(b, func(b *testing.B, w *workload) {
			path, _ := w.applied(b)
			run(b, w, path, 0)
		})
	})
}

// BenchmarkApplyCommand is `roster apply PLANFILE` in process: read the
// saved plan, apply it into a fresh state (opening it not timed).
func BenchmarkApplyCommand(b *testing.B) {
	forSizes(b, func(b *testing.B, w *workload) {
		data := w.planFile(b)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			st, err := boltstore.Open(filepath.Join(b.TempDir(), "state.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			p, err := plan.Decode(data)
			if err != nil {
				b.Fatal(err)
			}
			lock, err := st.Lock(ctx, "apply", 0)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := apply.Apply(ctx, st, p, meta); err != nil {
				b.Fatal(err)
			}
			lock.Unlock()
		}
	})
}
