package pgstore

import (
	"context"
	"testing"

	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/pgstore/pgtest"
	"github.com/roster-dev/roster/internal/state/statetest"
)

// BenchmarkPGCommit100k is the apply of 100,000 grants and their 100,000
// evidence records into an empty state: one transaction.
func BenchmarkPGCommit100k(b *testing.B) {
	pgtest.Base(b)
	cs := statetest.BenchChangeset(100_000)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := openTest(b)
		if err := s.ensureTables(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := s.Commit(ctx, cs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPGCommitReplace100k is an apply that changes all 100,000
// grants of a state that holds them.
func BenchmarkPGCommitReplace100k(b *testing.B) {
	pgtest.Base(b)
	cs := statetest.BenchChangeset(100_000)
	ctx := context.Background()
	s := openTest(b)
	if _, err := s.Commit(ctx, cs); err != nil {
		b.Fatal(err)
	}
	change := &state.Changeset{Lineage: "bench", Put: cs.Put}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		change.BaseSerial = uint64(i + 1)
		if _, err := s.Commit(ctx, change); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPGSnapshot100k reads a state of 100,000 grants: what every plan
// does first.
func BenchmarkPGSnapshot100k(b *testing.B) {
	pgtest.Base(b)
	ctx := context.Background()
	s := openTest(b)
	if _, err := s.Commit(ctx, statetest.BenchChangeset(100_000)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		snap, err := s.Snapshot(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(snap.Objects) != 100_000 {
			b.Fatalf("%d objects", len(snap.Objects))
		}
	}
}

// BenchmarkPGEvidence100k walks 100,000 evidence records, as evidence
// verify does.
func BenchmarkPGEvidence100k(b *testing.B) {
	pgtest.Base(b)
	ctx := context.Background()
	s := openTest(b)
	if _, err := s.Commit(ctx, statetest.BenchChangeset(100_000)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		if err := s.Evidence(ctx, 1, func(state.EvidenceRecord) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 100_000 {
			b.Fatalf("%d records", n)
		}
	}
}
