package boltstore

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// sealedState writes a state file with n sealed evidence records, as
// roster's apply does.
func sealedState(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var chain evidence.Chain
	cs := &state.Changeset{Lineage: "lineage-1"}
	for i := 0; i < n; i++ {
		o := &model.Object{Addr: model.MemberAddress("acme", string(rune('a'+i))+"@acme.com"), Role: "viewer", Status: model.StatusActive}
		cs.Put = append(cs.Put, o)
		rec, err := chain.Seal(&evidence.Record{Time: "2026-11-26T10:00:00Z", Address: o.Addr.String(), Action: "create", After: evidence.ObjectJSON(o), Actor: "ci", Outcome: "applied"})
		if err != nil {
			t.Fatal(err)
		}
		cs.Evidence = append(cs.Evidence, rec)
	}
	if _, err := st.Commit(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	return path
}

// tamper edits the evidence bucket directly with bbolt, as an attacker with
// write access to the file would.
func tamper(t *testing.T, path string, fn func(b *bolt.Bucket)) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { fn(tx.Bucket([]byte("evidence"))); return nil }); err != nil {
		t.Fatal(err)
	}
}

func key(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

func get(b *bolt.Bucket, seq uint64) []byte { return append([]byte{}, b.Get(key(seq))...) }

// TestVerifyCatchesTamperedFile alters a real state file through bbolt and
// checks that evidence.Verify names the first bad record and why.
func TestVerifyCatchesTamperedFile(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(b *bolt.Bucket)
		seq    uint64
		reason string
	}{
		{"changed field", func(b *bolt.Bucket) {
			b.Put(key(3), []byte(strings.Replace(string(get(b, 3)), `"actor":"ci"`, `"actor":"mallory"`, 1)))
		}, 3, "altered content"},
		{"duplicate member (issue 19)", func(b *bolt.Bucket) {
			// The hash of what a last-wins reader sees is genuine; a
			// first-wins reader sees mallory. Neither may pass.
			b.Put(key(3), []byte(strings.Replace(string(get(b, 3)), `"actor":"ci"`, `"actor":"mallory","actor":"ci"`, 1)))
		}, 3, `duplicate member "actor"`},
		{"deleted record", func(b *bolt.Bucket) { b.Delete(key(2)) }, 2, "missing"},
		{"deleted last record is invisible to the chain but not to the count", func(b *bolt.Bucket) {
			// Removing the head leaves a valid shorter chain: only a head
			// hash kept elsewhere shows it. Verify still passes here.
			b.Delete(key(5))
		}, 0, ""},
		{"reordered records", func(b *bolt.Bucket) {
			r2, r3 := get(b, 2), get(b, 3)
			b.Put(key(2), r3)
			b.Put(key(3), r2)
		}, 2, "reordered"},
		{"changed prev_hash", func(b *bolt.Bucket) {
			r4 := string(get(b, 4))
			i := strings.Index(r4, `"prev_hash":"`) + len(`"prev_hash":"`)
			b.Put(key(4), []byte(r4[:i]+strings.Repeat("0", 64)+r4[i+64:]))
		}, 4, "broken link"},
		{"rehashed edit without relinking", func(b *bolt.Bucket) {
			// The attacker edits record 2 and recomputes its hash, but the
			// next record still points at the old one.
			rec, _ := evidence.Decode(get(b, 2))
			rec.Actor = "mallory"
			chain := evidence.Chain{Seq: 1, Hash: rec.PrevHash}
			sealed, _ := chain.Seal(rec)
			b.Put(key(2), sealed.JSON)
		}, 3, "broken link"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := sealedState(t, 5)
			st, _ := Open(path)
			if res, err := evidence.Verify(context.Background(), st); err != nil || res.Count != 5 {
				t.Fatalf("untouched state: %+v %v", res, err)
			}
			tamper(t, path, c.edit)
			res, err := evidence.Verify(context.Background(), st)
			if c.seq == 0 {
				if err != nil || res.Count != 4 {
					t.Fatalf("got %+v %v", res, err)
				}
				return
			}
			ve, ok := err.(*evidence.VerifyError)
			if !ok {
				t.Fatalf("got %v, want a VerifyError", err)
			}
			if ve.Seq != c.seq || !strings.Contains(ve.Reason, c.reason) {
				t.Errorf("got record %d %q, want record %d mentioning %q", ve.Seq, ve.Reason, c.seq, c.reason)
			}
		})
	}
}

// TestOpenChainRefusesDamagedHead: a write first checks the head it
// extends (schema/cli.md "Evidence, version 2"); a real state file edited
// through bbolt at its head gives an *evidence.HeadError naming the
// record, so apply refuses instead of sealing onto a chain verify fails.
func TestOpenChainRefusesDamagedHead(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(b *bolt.Bucket)
		seq    uint64
		reason string
	}{
		{"intact", func(b *bolt.Bucket) {}, 0, ""},
		{"head altered", func(b *bolt.Bucket) {
			b.Put(key(5), []byte(strings.Replace(string(get(b, 5)), `"actor":"ci"`, `"actor":"mallory"`, 1)))
		}, 5, "altered content"},
		{"record before the head altered", func(b *bolt.Bucket) {
			b.Put(key(4), []byte(strings.Replace(string(get(b, 4)), `"actor":"ci"`, `"actor":"mallory"`, 1)))
		}, 4, "altered content"},
		{"head holds a member twice", func(b *bolt.Bucket) {
			b.Put(key(5), []byte(strings.Replace(string(get(b, 5)), `"actor":"ci"`, `"actor":"mallory","actor":"ci"`, 1)))
		}, 5, "duplicate member"},
		{"record before the head deleted", func(b *bolt.Bucket) { b.Delete(key(4)) }, 5, "broken link"},
		{"head rehashed without relinking", func(b *bolt.Bucket) {
			rec, _ := evidence.Decode(get(b, 5))
			rec.Actor = "mallory"
			chain := evidence.Chain{Seq: 4, Hash: strings.Repeat("0", 64)}
			sealed, _ := chain.Seal(rec)
			b.Put(key(5), sealed.JSON)
		}, 5, "broken link"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := sealedState(t, 5)
			tamper(t, path, c.edit)
			st, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			chain, err := evidence.OpenChain(context.Background(), st)
			if c.seq == 0 {
				if err != nil || chain.Seq != 5 || len(chain.Hash) != 64 {
					t.Fatalf("intact state: %+v, %v", chain, err)
				}
				return
			}
			he, ok := err.(*evidence.HeadError)
			if !ok {
				t.Fatalf("got %+v, %v; want a HeadError", chain, err)
			}
			if he.Seq != c.seq || !strings.Contains(he.Reason, c.reason) {
				t.Errorf("got record %d %q, want record %d mentioning %q", he.Seq, he.Reason, c.seq, c.reason)
			}
		})
	}
}

// TestDecodeAndCheckRefuseTamperedRecords: what evidence list and the
// exports read (evidence.Decode, then evidence.Check) refuses a record
// holding a member twice or not in canonical form, so neither ever prints
// one of two values, nor a record verify refuses.
func TestDecodeAndCheckRefuseTamperedRecords(t *testing.T) {
	path := sealedState(t, 3)
	tamper(t, path, func(b *bolt.Bucket) {
		b.Put(key(2), []byte(strings.Replace(string(get(b, 2)), `"actor":"ci"`, `"actor":"mallory","actor":"ci"`, 1)))
		b.Put(key(3), append([]byte(" "), get(b, 3)...))
	})
	st, _ := Open(path)
	defer st.Close()
	var errs []string
	st.Evidence(context.Background(), 1, func(rec state.EvidenceRecord) error {
		_, err := evidence.Decode(rec.JSON)
		if err == nil {
			err = evidence.Check(rec.JSON)
		}
		if err != nil {
			errs = append(errs, err.Error())
		} else {
			errs = append(errs, "")
		}
		return nil
	})
	if len(errs) != 3 || errs[0] != "" || !strings.Contains(errs[1], "actor") || !strings.Contains(errs[2], "canonical") {
		t.Fatalf("got %q", errs)
	}
}
