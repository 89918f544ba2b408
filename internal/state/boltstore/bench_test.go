package boltstore

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/gen"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/statetest"
)

func BenchmarkCommit100k(b *testing.B) {
	cs := statetest.BenchChangeset(100_000)
	size := 0
	for _, r := range cs.Evidence {
		size += len(r.JSON)
	}
	b.Logf("evidence records average %d bytes", size/len(cs.Evidence))
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, _ := Open(filepath.Join(b.TempDir(), "state.db"))
		b.StartTimer()
		if _, err := s.Commit(ctx, cs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCommitSmallOnLarge is a small apply on a large state: one
// change and its record on 100,000 grants.
func BenchmarkCommitSmallOnLarge(b *testing.B) {
	cs := statetest.BenchChangeset(100_000)
	s, _ := Open(filepath.Join(b.TempDir(), "state.db"))
	ctx := context.Background()
	if _, err := s.Commit(ctx, cs); err != nil {
		b.Fatal(err)
	}
	prev := cs.Evidence[len(cs.Evidence)-1].Hash
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		seq := uint64(100_001 + i)
		hash := fmt.Sprintf("n%d", seq)
		small := &state.Changeset{Lineage: "bench", BaseSerial: uint64(1 + i),
			Put:      []*model.Object{{Addr: model.TeamAddress(fmt.Sprintf("t%d", i)), Platform: "plausible"}},
			Evidence: []state.EvidenceRecord{rec(seq, prev, hash)}}
		if _, err := s.Commit(ctx, small); err != nil {
			b.Fatal(err)
		}
		prev = hash
	}
}

func BenchmarkSnapshot100k(b *testing.B) {
	s, _ := Open(filepath.Join(b.TempDir(), "state.db"))
	ctx := context.Background()
	if _, err := s.Commit(ctx, statetest.BenchChangeset(100_000)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		snap, err := s.Snapshot(ctx)
		if err != nil || len(snap.Objects) != 100_000 {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeObjects100k is Snapshot's decoding alone, on one core,
// to tell it apart from reading the file.
func BenchmarkDecodeObjects100k(b *testing.B) {
	var vals [][]byte
	for _, o := range statetest.BenchChangeset(100_000).Put {
		v, _ := o.MarshalJSON()
		vals = append(vals, v)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, v := range vals {
			var o model.Object
			if err := o.UnmarshalJSON(v); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkEvidence100k(b *testing.B) {
	s, _ := Open(filepath.Join(b.TempDir(), "state.db"))
	ctx := context.Background()
	if _, err := s.Commit(ctx, statetest.BenchChangeset(100_000)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		err := s.Evidence(ctx, 0, func(r state.EvidenceRecord) error {
			if !strings.HasPrefix(r.Hash, "0") {
				return fmt.Errorf("record %d: hash %q", r.Seq, r.Hash)
			}
			n++
			return nil
		})
		if err != nil || n != 100_000 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkVerify100k is `roster evidence verify` over 100,000 sealed
// records (internal/gen, as roster-bench builds them), beside the store's
// walk alone (Evidence, as the verifier drives it).
func BenchmarkVerify100k(b *testing.B) {
	s, _ := Open(filepath.Join(b.TempDir(), "state.db"))
	ctx := context.Background()
	if _, err := gen.Evidence(ctx, s, gen.EvidenceOptions{Records: 100_000, Seed: 1, CheckEvery: -1}); err != nil {
		b.Fatal(err)
	}
	b.Run("verify", func(b *testing.B) {
		cpu := cpuTime()
		for b.Loop() {
			if res, err := evidence.Verify(ctx, s); err != nil || res.Count != 100_000 {
				b.Fatal(res.Count, err)
			}
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	})
	b.Run("walk", func(b *testing.B) {
		cpu := cpuTime()
		for b.Loop() {
			n := 0
			if err := s.Evidence(ctx, 1, func(state.EvidenceRecord) error { n++; return nil }); err != nil || n != 100_000 {
				b.Fatal(n, err)
			}
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	})
}
