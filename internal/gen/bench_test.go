package gen

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/roster-dev/roster/internal/state/boltstore"
)

// BenchmarkGenerate makes the 100k-grant workload of schema/performance.md (and
// 10k): the generator must never be what `make bench` waits for.
func BenchmarkGenerate(b *testing.B) {
	for _, n := range []struct {
		name   string
		grants int
	}{{"10k", 10_000}, {"100k", 100_000}} {
		b.Run(n.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c, err := Generate(Options{Grants: n.grants, Seed: 1})
				if err != nil || c.Stats.Grants != n.grants {
					b.Fatalf("%v, %d grants", err, c.Stats.Grants)
				}
			}
		})
	}
}

// BenchmarkEvidence appends 10,000 records to a fresh state file.
func BenchmarkEvidence(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := boltstore.Open(filepath.Join(b.TempDir(), "state.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := Evidence(context.Background(), st, EvidenceOptions{Records: 10_000, CheckEvery: -1})
		if err != nil || res.Seq != 10_000 {
			b.Fatalf("%v, head at %d", err, res.Seq)
		}
	}
}
