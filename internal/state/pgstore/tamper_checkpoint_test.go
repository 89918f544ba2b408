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
// record's prev_hash and hash inside the JSON. Left as they were, the
// columns no longer match the records, and plain verification names the
// first such row; updated too, the chain is consistent and plain
// verification passes, but the checkpoint signed before the edit fails,
// with the public key and as a checkpoint kept elsewhere (cli.md "Signed
// evidence": "a rebuilt chain fails it, even one rebuilt by someone who
// could write the state"). With the columns left, every check passed
// while the checkpoint was compared with the hash column instead of the
// record.
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

	keys := []*checkpoint.PublicKey{signer.Public()}
	cp, err := checkpoint.Parse(kept)
	if err != nil {
		t.Fatal(err)
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
	// The columns left as they were.
	var ve *evidence.VerifyError
	if _, err := evidence.Verify(ctx, s); !errors.As(err, &ve) || ve.Seq != 2 || !strings.Contains(ve.Reason, "hash column") {
		t.Fatalf("plain verification, the columns left: %v; want record 2 named", err)
	}
	for _, opts := range []checkpoint.Options{{Keys: keys}, {External: []checkpoint.External{{Name: "kept.json", Checkpoint: cp}}}} {
		if _, err := checkpoint.Verify(ctx, s, opts); !errors.As(err, &ve) || ve.Seq != 2 {
			t.Fatalf("verify %+v, the columns left: %v; want record 2 named", opts, err)
		}
	}

	// The columns updated too.
	pgtest.Exec(t, `UPDATE "`+s.Schema()+`".evidence SET prev_hash = record->>'prev_hash', hash = record->>'hash'`)
	if res, err := evidence.Verify(ctx, s); err != nil || res.Count != 4 || res.Head != forged.Hash {
		t.Fatalf("plain verification: %+v, %v; want it to pass on the rebuilt chain, head %s", res, err, forged.Hash)
	}
	var ce *checkpoint.Error
	_, err = checkpoint.Verify(ctx, s, checkpoint.Options{Keys: keys})
	if !errors.As(err, &ce) || ce.Name != "checkpoint 1" || !strings.Contains(ce.Reason, "rewritten") {
		t.Fatalf("verify --public-key: %v; want checkpoint 1 named as rewritten", err)
	}
	_, err = checkpoint.Verify(ctx, s, checkpoint.Options{Keys: keys, External: []checkpoint.External{{Name: "kept.json", Checkpoint: cp}}, AllowUnsignedTail: true})
	if !errors.As(err, &ce) || ce.Name != "checkpoint 1" || ce.More != 1 {
		t.Fatalf("verify --checkpoint --public-key: %v; want both checkpoints to fail", err)
	}
	_, err = checkpoint.Verify(ctx, s, checkpoint.Options{External: []checkpoint.External{{Name: "kept.json", Checkpoint: cp}}})
	if !errors.As(err, &ce) || ce.Name != "kept.json" || !strings.Contains(ce.Reason, "rewritten") {
		t.Fatalf("verify --checkpoint: %v; want kept.json named as rewritten", err)
	}
}

// TestVerifyCatchesEditedHashColumns: a row's prev_hash and hash columns
// edited with SQL, its record left alone, fail evidence verify naming the
// record, as a write extending the chain refuses it (evidence.OpenChain):
// the row no longer says one thing.
func TestVerifyCatchesEditedHashColumns(t *testing.T) {
	pgtest.Base(t)
	for _, tc := range []struct {
		name, set string
		seq       uint64
		want      string
	}{
		{"hash", "hash = 'deadbeef'", 2, "hash column"},
		{"prev_hash", "prev_hash = ''", 3, "prev_hash column"},
		{"head's hash", "hash = 'deadbeef'", 3, "hash column"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			commitThree(t, s)
			if res, err := evidence.Verify(context.Background(), s); err != nil || res.Count != 3 {
				t.Fatalf("untouched: %+v, %v", res, err)
			}
			pgtest.Exec(t, `UPDATE "`+s.Schema()+`".evidence SET `+tc.set+` WHERE seq = `+string(rune('0'+tc.seq)))
			_, err := evidence.Verify(context.Background(), s)
			var ve *evidence.VerifyError
			if !errors.As(err, &ve) || ve.Seq != tc.seq || !strings.Contains(ve.Reason, tc.want) {
				t.Fatalf("got %v; want record %d named, mentioning %s", err, tc.seq, tc.want)
			}
		})
	}
}
