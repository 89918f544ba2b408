package boltstore

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/roster-dev/roster/internal/model"
)

// storedBuckets are the buckets whose values roster reads back.
var storedBuckets = []string{"meta", "objects", "history", "evidence", "checkpoints", "tasks"}

// FuzzStoredValues: a state file that bbolt reads whole but whose value
// under one key is anything (an edit, a bug of another version, a
// damaged page inside a value). FuzzOpenDamaged mostly breaks bbolt's own
// pages; here every value roster decodes is reached: every operation
// works or reports the state damaged, never panics, and a snapshot read
// holds objects that are written back as they were read.
func FuzzStoredValues(f *testing.F) {
	good := goodState(f, 20)
	serial := binary.BigEndian.AppendUint64(nil, 2)
	grant := model.PersonGrantAddress("acme", "s1.com", "user1@x.com").String()
	for i, c := range []struct{ key, val string }{
		{"serial", "3"}, {"version", "99"}, {"lineage", ""},
		{grant, `{"role":"viewer","holder_kind":"guest","status":"active"}`}, {"team/acme", `{"platform":7}`}, {grant, `{"address":"team/x"}`},
		{string(serial), `{"serial":2,"time":"x"}`}, {string(serial), `{"serial":1}`},
		{string(serial), `{"hash":"h","prev_hash":"","seq":2}`}, {string(serial), `{"seq":"2"}`},
		{string(serial), `{}`},
		{"site/acme/s1.com\x00task", "text"}, {"nosite\x00t", ""},
	} {
		f.Add(uint8([]int{0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 5, 5}[i]), []byte(c.key), []byte(c.val))
	}
	f.Fuzz(func(t *testing.T, bucket uint8, key, val []byte) {
		if len(key) == 0 || len(key) > bolt.MaxKeySize || len(val) > 1<<16 {
			return
		}
		name := storedBuckets[int(bucket)%len(storedBuckets)]
		data := edit(t, good, func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte(name))
			if err != nil {
				return err
			}
			return b.Put(key, val)
		})
		if res := outcome(t, data); res["Snapshot"] != "ok" {
			return
		}
		path := filepath.Join(t.TempDir(), "state.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, _ := Open(path)
		snap, err := s.Snapshot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range snap.Objects {
			raw, err := o.MarshalJSON()
			if err != nil {
				t.Fatalf("%s read from %q under %q is not written back: %v", o.Addr, val, key, err)
			}
			var back model.Object
			if err := back.UnmarshalJSON(raw); err != nil {
				t.Fatalf("%s read from %q under %q is written back as %s, which is refused: %v", o.Addr, val, key, raw, err)
			}
		}
	})
}
