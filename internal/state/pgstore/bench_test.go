package pgstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/pgstore/pgtest"
)

// benchChangeset is the apply of the 100,000-grant workload: n grants
// (10 sites per guest, as in schema/performance.md) and one evidence record of
// about 400 bytes per grant, as boltstore's benchmark has it.
func benchChangeset(n int) *state.Changeset {
	cs := &state.Changeset{Lineage: "bench", History: &state.HistoryEntry{Actor: "bench", Add: n}}
	prev := ""
	for i := range n {
		g := &model.Object{
			Addr:       model.PersonGrantAddress("acme", fmt.Sprintf("site%d.example.com", i%10), fmt.Sprintf("guest%06d@agency.example", i/10)),
			Role:       "viewer",
			HolderKind: model.HolderGuest,
			Status:     model.StatusActive,
			Expires:    "2027-06-01T00:00:00Z",
			Reason:     "quarterly analysis",
			Ticket:     "OPS-1234",
		}
		cs.Put = append(cs.Put, g)
		hash := fmt.Sprintf("%064x", i+1)
		json := fmt.Sprintf(`{"action":"create","actor":"ci","address":%q,"after":{"role":"viewer"},"approvers":[],"before":null,"change_request":"","commit":"%040x","hash":%q,"plan_digest":"","prev_hash":%q,"reason":"","risks":[],"seq":%d,"ticket":"OPS-1","time":"2026-11-26T09:00:00Z"}`,
			g.Addr.String(), i, hash, prev, i+1)
		cs.Evidence = append(cs.Evidence, state.EvidenceRecord{Seq: uint64(i + 1), PrevHash: prev, Hash: hash, JSON: []byte(json)})
		prev = hash
	}
	return cs
}

// BenchmarkPGCommit100k is the apply of 100,000 grants and their 100,000
// evidence records into an empty state: one transaction.
func BenchmarkPGCommit100k(b *testing.B) {
	pgtest.Base(b)
	cs := benchChangeset(100_000)
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
	cs := benchChangeset(100_000)
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
	if _, err := s.Commit(ctx, benchChangeset(100_000)); err != nil {
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
	if _, err := s.Commit(ctx, benchChangeset(100_000)); err != nil {
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
