package evidence

import (
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
)

func TestHashes(t *testing.T) {
	recs := sealed(t, 2)
	tests := []struct {
		in, prev, hash string
	}{
		{string(recs[1].JSON), recs[1].PrevHash, recs[1].Hash}, // canonical: the scanner reads it
		{`{"hash":"h1","prev_hash":"","seq":1}`, "", "h1"},
		{`{"hash":"abc","prev_hash":"def"}`, "def", "abc"},
		{` { "a" : [1, {"hash":"x"}, "]"], "b":{"prev_hash":"y"}, "hash" : "z", "prev_hash":"p\"q" } `, `p"q`, "z"},
		{`{"hash":"\u0041b","prev_hash":"x","seq":1}`, "x", "Ab"},
		{`{"hash":null,"prev_hash":null}`, "", ""},
		{`{"Hash":"a","PREV_HASH":"b"}`, "", ""}, // names match exactly
		// What the strict decode refuses reads as neither.
		{`{"hash":1,"prev_hash":"p"}`, "", ""},
		{`{"hash":"a","hash":"b"}`, "", ""},
		{`{"hash":"a","prev_hash":"p","x":1,"x":2}`, "", ""},
		{`{"hash":"unterminated`, "", ""},
		{`{"prev_hash":"p","x":tru`, "", ""},
		{`{"hash":"h" "prev_hash":"p"}`, "", ""},
		{`{"hash":"h"} {}`, "", ""},
		{"{\"hash\":\"\xff\"}", "", ""},
		{`[]`, "", ""},
		{``, "", ""},
	}
	for _, tc := range tests {
		prev, hash := Hashes([]byte(tc.in))
		if prev != tc.prev || hash != tc.hash {
			t.Errorf("Hashes(%s) = %q %q, want %q %q", tc.in, prev, hash, tc.prev, tc.hash)
		}
	}
}

// FuzzHashesMatchDecode: Hashes, whose canonical records the scanner
// reads, returns exactly what the strict json/v2 decode reads, and "", ""
// where that decode refuses the bytes.
func FuzzHashesMatchDecode(f *testing.F) {
	for _, rec := range sealed(f, 2) {
		f.Add(rec.JSON)
	}
	for _, s := range []string{
		`{"hash":"h1","prev_hash":"","seq":1}`, `{"hash":"\ud83d\ude00","prev_hash":"a","seq":1}`,
		`{"hash":"a","hash":"b","prev_hash":"","seq":1}`, `{"Hash":"a","prev_hash":null}`,
		`{"a":{"hash":"x"},"hash":"h","prev_hash":"p","seq":2}`, `{"hash":"h","prev_hash":"p","seq":1.5}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		prev, hash := Hashes(data)
		var h recordHashes
		if err := jsonv2.Unmarshal(data, &h); err != nil {
			h = recordHashes{}
		}
		if prev != h.PrevHash || hash != h.Hash {
			t.Fatalf("%q: Hashes %q %q, strict decode %q %q", data, prev, hash, h.PrevHash, h.Hash)
		}
	})
}

// BenchmarkHashes reads the hashes of a stored record, as listing does
// for every record, beside the strict decode alone.
func BenchmarkHashes(b *testing.B) {
	rec := sealed(b, 2)[1].JSON
	for _, impl := range []struct {
		name string
		fn   func([]byte) (string, string)
	}{{"scanner", Hashes}, {"decode", func(data []byte) (string, string) {
		var h recordHashes
		if jsonv2.Unmarshal(data, &h) != nil {
			return "", ""
		}
		return h.PrevHash, h.Hash
	}}} {
		b.Run(impl.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, h := impl.fn(rec); h == "" {
					b.Fatal("no hash")
				}
			}
		})
	}
}

// BenchmarkCheck is the reason scan.go exists: the verifier checks every
// record's bytes, and the one-pass scanner does it about ten times faster
// than the strict path (parse, canonicalise, compare, which alone would
// decide the same: FuzzStrictMatchesScanner).
func BenchmarkCheck(b *testing.B) {
	rec := sealed(b, 2)[1].JSON
	for _, impl := range []struct {
		name string
		fn   func([]byte) error
	}{{"scanner", Check}, {"strict", CheckStrict}} {
		b.Run(impl.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(rec)))
			for b.Loop() {
				if err := impl.fn(rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
