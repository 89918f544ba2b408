package pgstore

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/pgstore/pgtest"
)

// TestCheckpointsCatchChainRebuiltInSQL: a table row keeps a record's
// seq, prev_hash and hash in columns beside its JSON. An attacker who can
// write the database edits record 2's JSON and recomputes every later
// record's prev_hash and hash inside the JSON, leaving the columns as
// they were. The chain the JSON makes is consistent, so plain
// verification passes; but the checkpoint signed before the edit must
// fail, with the public key and as a checkpoint kept elsewhere (cli.md
// "Signed evidence": "a rebuilt chain fails it, even one rebuilt by
// someone who could write the state"). It passed while the checkpoint
// was compared with the hash column instead of the record.
func TestCheckpointsCatchChainRebuiltInSQL(t *testing.T) {
	pgtest.Base(t)
	ctx := context.Background()
	signer, err := checkpoint.NewSigner(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)))
	if err != nil {
		t.Fatal(err)
	}
	s := openTest(t)
	var chain evidence.Chain
	cs := &state.Changeset{Lineage: "l", History: &state.HistoryEntry{Actor: "ci"}}
	for i := range 4 {
		o := &model.Object{Addr: model.MemberAddress("acme", string(rune('a'+i))+"@acme.com"), Role: "viewer", Status: model.StatusActive}
		r, err := chain.Seal(&evidence.Record{Time: "2026-11-26T10:00:00Z", Address: o.Addr.String(), Action: "create", After: evidence.ObjectJSON(o), Actor: "ci", Outcome: "applied"})
		if err != nil {
			t.Fatal(err)
		}
		cs.Put = append(cs.Put, o)
		cs.Evidence = append(cs.Evidence, r)
	}
	kept, err := signer.SignAfter(nil, chain.Seq, chain.Hash, time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	cs.Checkpoints = [][]byte{kept}
	commit(t, s, cs)

	// The attack: records 2 to 4 resealed, only their JSON rewritten.
	var recs []state.EvidenceRecord
	if err := s.Evidence(ctx, 1, func(r state.EvidenceRecord) error {
		recs = append(recs, state.EvidenceRecord{Seq: r.Seq, Hash: r.Hash, JSON: bytes.Clone(r.JSON)})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	forged := evidence.Chain{Seq: 1, Hash: recs[0].Hash}
	for _, r := range recs[1:] {
		rec, err := evidence.Decode(r.JSON)
		if err != nil {
			t.Fatal(err)
		}
		if r.Seq == 2 {
			rec.Actor = "mallory"
		}
		sealed, err := forged.Seal(rec)
		if err != nil {
			t.Fatal(err)
		}
		pgtest.Exec(t, `UPDATE "`+s.Schema()+`".evidence SET record = '`+string(sealed.JSON)+`'::json WHERE seq = `+string(rune('0'+r.Seq)))
	}

	if res, err := evidence.Verify(ctx, s); err != nil || res.Count != 4 || res.Head != forged.Hash {
		t.Fatalf("plain verification: %+v, %v; want it to pass on the rebuilt chain, head %s", res, err, forged.Hash)
	}
	keys := []*checkpoint.PublicKey{signer.Public()}
	var ce *checkpoint.Error
	_, err = checkpoint.Verify(ctx, s, checkpoint.Options{Keys: keys})
	if !errors.As(err, &ce) || ce.Name != "checkpoint 1" || !strings.Contains(ce.Reason, "rewritten") {
		t.Fatalf("verify --public-key: %v; want checkpoint 1 named as rewritten", err)
	}
	cp, err := checkpoint.Parse(kept)
	if err != nil {
		t.Fatal(err)
	}
	_, err = checkpoint.Verify(ctx, s, checkpoint.Options{Keys: keys, External: []checkpoint.External{{Name: "kept.json", Checkpoint: cp}}, AllowUnsignedTail: true})
	if !errors.As(err, &ce) || ce.Name != "checkpoint 1" || ce.More != 1 {
		t.Fatalf("verify --checkpoint --public-key: %v; want both checkpoints to fail", err)
	}
	_, err = checkpoint.Verify(ctx, s, checkpoint.Options{External: []checkpoint.External{{Name: "kept.json", Checkpoint: cp}}})
	if !errors.As(err, &ce) || ce.Name != "kept.json" || !strings.Contains(ce.Reason, "rewritten") {
		t.Fatalf("verify --checkpoint: %v; want kept.json named as rewritten", err)
	}
	// Every reader sees the hashes the records hold, as in bbolt.
	if err := s.Evidence(ctx, 1, func(r state.EvidenceRecord) error {
		if prev, hash := evidence.Hashes(r.JSON); r.PrevHash != prev || r.Hash != hash {
			t.Errorf("record %d: Evidence gives prev_hash %s hash %s, its JSON holds %s %s", r.Seq, r.PrevHash, r.Hash, prev, hash)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
