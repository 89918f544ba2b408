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
)

// benchChangeset is the apply of the 100,000-grant workload: n grants
// (10 sites per guest, as in schema/performance.md) and one evidence record of
// about 400 bytes per grant.
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

func BenchmarkCommit100k(b *testing.B) {
	cs := benchChangeset(100_000)
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
	cs := benchChangeset(100_000)
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
	if _, err := s.Commit(ctx, benchChangeset(100_000)); err != nil {
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
	for _, o := range benchChangeset(100_000).Put {
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
	if _, err := s.Commit(ctx, benchChangeset(100_000)); err != nil {
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
