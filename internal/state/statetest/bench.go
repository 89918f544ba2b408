package statetest

import (
	"fmt"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// BenchChangeset is the apply of the 100,000-grant workload as the stores'
// benchmarks commit it: n grants (10 sites per guest, as in
// schema/performance.md) and one evidence record of about 400 bytes per
// grant.
func BenchChangeset(n int) *state.Changeset {
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
