package pgstore

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/pgstore/pgtest"
)

// TestOpenChainRefusesDamagedHead: in PostgreSQL as in bbolt, a write
// first checks the head it extends; a head edited with SQL gives an
// *evidence.HeadError naming the record (schema/cli.md "Evidence, version 2").
func TestOpenChainRefusesDamagedHead(t *testing.T) {
	pgtest.Base(t)
	cases := []struct {
		name   string
		sql    func(s string) string
		seq    uint64
		reason string
	}{
		{"intact", nil, 0, ""},
		{"head altered", func(s string) string {
			return `UPDATE ` + s + `.evidence SET record = replace(record::text, '"actor":"ci"', '"actor":"mallory"')::json WHERE seq = 3`
		}, 3, "altered content"},
		{"head holds a member twice", func(s string) string {
			return `UPDATE ` + s + `.evidence SET record = replace(record::text, '"actor":"ci"', '"actor":"mallory","actor":"ci"')::json WHERE seq = 3`
		}, 3, `duplicate member "actor"`},
		{"record before the head altered", func(s string) string {
			return `UPDATE ` + s + `.evidence SET record = replace(record::text, '"actor":"ci"', '"actor":"eve"')::json WHERE seq = 2`
		}, 2, "altered content"},
		{"record before the head deleted", func(s string) string {
			return `DELETE FROM ` + s + `.evidence WHERE seq = 2`
		}, 3, "broken link"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			chain := commitThree(t, s)
			if tc.sql != nil {
				pgtest.Exec(t, tc.sql(`"`+s.Schema()+`"`))
			}
			got, err := evidence.OpenChain(context.Background(), s)
			if tc.seq == 0 {
				if err != nil || got.Seq != 3 || got.Hash != chain.Hash {
					t.Fatalf("intact state: %+v, %v", got, err)
				}
				return
			}
			var he *evidence.HeadError
			if !errors.As(err, &he) || he.Seq != tc.seq || !strings.Contains(he.Reason, tc.reason) {
				t.Fatalf("got %+v, %v; want record %d refused mentioning %q", got, err, tc.seq, tc.reason)
			}
		})
	}
}

// commitThree commits three members and their sealed records to s in one
// changeset, and returns the chain they make.
func commitThree(t *testing.T, s *Store) *evidence.Chain {
	t.Helper()
	var chain evidence.Chain
	cs := &state.Changeset{Lineage: "l", History: &state.HistoryEntry{Actor: "ci"}}
	for i := range 3 {
		o := &model.Object{Addr: model.MemberAddress("acme", string(rune('a'+i))+"@acme.com"), Role: "viewer", Status: model.StatusActive}
		r, err := chain.Seal(&evidence.Record{Time: "2026-11-26T10:00:00Z", Address: o.Addr.String(), Action: "create", After: evidence.ObjectJSON(o), Actor: "ci"})
		if err != nil {
			t.Fatal(err)
		}
		cs.Put = append(cs.Put, o)
		cs.Evidence = append(cs.Evidence, r)
	}
	commit(t, s, cs)
	return &chain
}
