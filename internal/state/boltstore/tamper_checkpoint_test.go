package boltstore

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// signedBoltState writes a state file as three signed applies would: 4
// records and a checkpoint, 3 more and a checkpoint, 3 more and a
// checkpoint (at records 4, 7 and 10), then 2 unsigned records.
func signedBoltState(t *testing.T, s *checkpoint.Signer) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var chain evidence.Chain
	serial := uint64(0)
	n := 0
	var prev []byte
	for _, batch := range []struct {
		records int
		sign    bool
	}{{4, true}, {3, true}, {3, true}, {2, false}} {
		cs := &state.Changeset{Lineage: "lineage-cp", BaseSerial: serial}
		for i := 0; i < batch.records; i++ {
			n++
			o := &model.Object{Addr: model.MemberAddress("acme", fmt.Sprintf("p%02d@acme.com", n)), Role: "viewer", Status: model.StatusActive}
			cs.Put = append(cs.Put, o)
			rec, err := chain.Seal(&evidence.Record{Time: "2026-11-26T10:00:00Z", Address: o.Addr.String(), Action: "create", After: evidence.ObjectJSON(o), Actor: "ci", Outcome: "applied"})
			if err != nil {
				t.Fatal(err)
			}
			cs.Evidence = append(cs.Evidence, rec)
		}
		if batch.sign {
			raw, err := s.SignAfter(prev, chain.Seq, chain.Hash, time.Date(2026, 11, 26, 10, n, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			prev = raw
			cs.Checkpoints = append(cs.Checkpoints, raw)
		}
		if serial, err = st.Commit(ctx, cs); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func cpKey(n uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], n)
	return k[:]
}

// rewriteFrom edits record from through bbolt and recomputes every later
// record's prev_hash and hash, as an attacker with write access to the
// file (and no signing key) would: the chain stays consistent.
func rewriteFrom(t *testing.T, path string, from uint64) {
	t.Helper()
	editBolt(t, path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("evidence"))
		chain := evidence.Chain{Seq: from - 1}
		if from > 1 {
			prev, err := evidence.Decode(b.Get(cpKey(from - 1)))
			if err != nil {
				return err
			}
			chain.Hash = prev.Hash
		}
		for seq := from; ; seq++ {
			v := b.Get(cpKey(seq))
			if v == nil {
				return nil
			}
			r, err := evidence.Decode(v)
			if err != nil {
				return err
			}
			if seq == from {
				r.Actor = "mallory"
			}
			sealed, err := chain.Seal(r)
			if err != nil {
				return err
			}
			if err := b.Put(cpKey(seq), sealed.JSON); err != nil {
				return err
			}
		}
	})
}

func editBolt(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointsCatchRebuiltChain: an attacker edits a record of a real
// state file and recomputes every later hash. Plain verification passes;
// verification with the public key (every stored checkpoint) and with a
// checkpoint kept elsewhere both fail, naming the first checkpoint signed
// at or after the edited record.
func TestCheckpointsCatchRebuiltChain(t *testing.T) {
	s, err := checkpoint.NewSigner(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)))
	if err != nil {
		t.Fatal(err)
	}
	keys := []*checkpoint.PublicKey{s.Public()}
	ctx := context.Background()
	cases := []struct {
		name   string
		edit   func(t *testing.T, path string)
		stored string // the stored checkpoint named, "" when they all pass
		kept   int    // which checkpoint is kept outside (1-3)
		keptOK bool
		after  uint64 // records after the last good checkpoint, when all pass
	}{
		{"record 2 rewritten", func(t *testing.T, p string) { rewriteFrom(t, p, 2) }, "checkpoint 1", 1, false, 0},
		{"record 4, the first checkpoint's own", func(t *testing.T, p string) { rewriteFrom(t, p, 4) }, "checkpoint 1", 3, false, 0},
		{"record 6 rewritten", func(t *testing.T, p string) { rewriteFrom(t, p, 6) }, "checkpoint 2", 1, true, 0},
		{"record 11, after the last checkpoint", func(t *testing.T, p string) { rewriteFrom(t, p, 11) }, "", 3, true, 2},
		{"record 9 rewritten and the last checkpoint deleted", func(t *testing.T, p string) {
			rewriteFrom(t, p, 9)
			editBolt(t, p, func(tx *bolt.Tx) error { return tx.Bucket([]byte("checkpoints")).Delete(cpKey(3)) })
			// The stored checkpoints cannot tell; the one kept outside can.
		}, "", 3, false, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := signedBoltState(t, s)
			st, _ := Open(path)
			var kept []byte
			st.Checkpoints(ctx, func(n uint64, raw []byte) error {
				if n == uint64(c.kept) {
					kept = raw
				}
				return nil
			})
			c.edit(t, path)

			res, err := evidence.Verify(ctx, st)
			if err != nil || res.Count != 12 {
				t.Fatalf("plain verification: %+v, %v; want it to pass on the rebuilt chain", res, err)
			}

			got, err := checkpoint.Verify(ctx, st, checkpoint.Options{Keys: keys, AllowUnsignedTail: true})
			var ce *checkpoint.Error
			if c.stored == "" {
				if err != nil || got.After != c.after {
					t.Fatalf("verify --public-key: %+v, %v; want a pass with %d records after", got, err, c.after)
				}
			} else if !errors.As(err, &ce) || ce.Name != c.stored || !strings.Contains(ce.Reason, "rewritten") {
				t.Fatalf("verify --public-key: %v; want %s named", err, c.stored)
			}

			// verify --checkpoint FILE, FILE kept before the edit.
			cp, err := checkpoint.Parse(kept)
			if err != nil {
				t.Fatal(err)
			}
			ext := []checkpoint.External{{Name: "checkpoint file kept.json", Checkpoint: cp}}
			_, err = checkpoint.Verify(ctx, st, checkpoint.Options{External: ext})
			if c.keptOK {
				if err != nil {
					t.Fatalf("verify --checkpoint of a checkpoint before the edit: %v", err)
				}
			} else if !errors.As(err, &ce) || ce.Name != "checkpoint file kept.json" || ce.Seq != cp.Seq || !strings.Contains(ce.Reason, "rewritten") {
				t.Fatalf("verify --checkpoint: %v; want the kept checkpoint named", err)
			}
			// Both flags: passes only when both checks do.
			_, err = checkpoint.Verify(ctx, st, checkpoint.Options{Keys: keys, External: ext, AllowUnsignedTail: true})
			if pass := c.stored == "" && c.keptOK; pass != (err == nil) {
				t.Fatalf("verify --public-key --checkpoint: %v", err)
			}
		})
	}
}
