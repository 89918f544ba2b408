package evidence

import (
	"bytes"
	"context"
	"testing"

	"github.com/roster-dev/roster/internal/state"
)

// FuzzVerify hands Verify a chain of arbitrary records, one per line, as a
// damaged or hostile state would: it must report, never panic or hang.
// The seed corpus is in testdata/fuzz/FuzzVerify.
func FuzzVerify(f *testing.F) {
	var chain Chain
	var good [][]byte
	for i := 0; i < 3; i++ {
		rec, err := chain.Seal(&Record{Address: "team/acme", Action: "create", Actor: "ci", Reason: "a \"quoted\" <reason>"})
		if err != nil {
			f.Fatal(err)
		}
		good = append(good, rec.JSON)
	}
	f.Add(bytes.Join(good, []byte("\n")))
	f.Add(bytes.Join([][]byte{good[0], good[2]}, []byte("\n")))
	f.Add([]byte(`{"seq":1,"prev_hash":"","hash":"00"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var recs []state.EvidenceRecord
		for i, line := range bytes.Split(data, []byte("\n")) {
			recs = append(recs, state.EvidenceRecord{Seq: uint64(i + 1), JSON: line})
		}
		res, err := Verify(context.Background(), &memStore{recs: recs})
		if err == nil && res.Count != uint64(len(recs)) {
			t.Fatalf("verified %d of %d records without an error", res.Count, len(recs))
		}
	})
}
