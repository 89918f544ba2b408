package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

func TestCanonicalStable(t *testing.T) {
	// Maps in Go iterate in random order; the canonical form must not.
	m := map[string]any{"b": 1, "a": []any{"x", map[string]any{"z": true, "y": nil}}, "c": "é\"\\\n\u0001<>&\u2028"}
	first, err := Canonical(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":["x",{"y":null,"z":true}],"b":1,"c":"é\"\\\n\u0001<>&` + "\u2028" + `"}`
	if string(first) != want {
		t.Fatalf("got  %s\nwant %s", first, want)
	}
	for i := 0; i < 50; i++ {
		again, _ := Canonical(m)
		if string(again) != string(first) {
			t.Fatalf("run %d differs: %s", i, again)
		}
	}
	if _, err := CanonicalizeJSON([]byte(`{"a":1.5}`)); err == nil {
		t.Error("a fraction was accepted")
	}
	if _, err := CanonicalizeJSON([]byte(`{"a":1} x`)); err == nil {
		t.Error("trailing data was accepted")
	}
}

// TestCanonicalizeRefusesDuplicates: a member named twice, at any depth
// and however its name is escaped, is refused by name. The encoding/json
// canonicaliser this replaced kept the last one (its comment claimed it
// refused them), so a tampered record's before or after, or a checkpoint,
// could say two things and still be put in canonical form.
func TestCanonicalizeRefusesDuplicates(t *testing.T) {
	for _, c := range []struct{ in, name string }{
		{`{"a":1,"a":2}`, "a"},
		{`{"after":{"role":"viewer","role":"admin"}}`, "role"},
		{`[{"b":"","c":0,"b":""}]`, "b"},
		{`{"\u0061":1,"a":1}`, "a"},
	} {
		out, err := CanonicalizeJSON([]byte(c.in))
		var se *StrictError
		if !errors.As(err, &se) || se.Duplicate != c.name {
			t.Errorf("%s: got %q, %v; want duplicate %q refused", c.in, out, err, c.name)
		}
		if _, err := Canonical(jsontext.Value(c.in)); err == nil {
			t.Errorf("Canonical accepted %s", c.in)
		}
	}
}

func TestCanonicalKeyOrderUTF16(t *testing.T) {
	// RFC 8785 sorts by UTF-16 code units: U+1F600 (surrogates D83D…) sorts
	// before U+FF21 although its code point is larger.
	got, err := CanonicalizeJSON([]byte(`{"\uff21":1,"\ud83d\ude00":2,"a":3}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\"a\":3,\"\U0001F600\":2,\"\uff21\":1}"; string(got) != want {
		t.Errorf("got %s want %s", got, want)
	}
}

// memStore keeps evidence in memory: just enough of state.Store for Verify.
type memStore struct {
	state.Store
	recs []state.EvidenceRecord
}

func (m *memStore) Evidence(_ context.Context, from uint64, fn func(state.EvidenceRecord) error) error {
	for _, r := range m.recs {
		if r.Seq >= from {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func sealed(t testing.TB, n int) []state.EvidenceRecord {
	t.Helper()
	var c Chain
	var out []state.EvidenceRecord
	for i := 0; i < n; i++ {
		o := &model.Object{Addr: model.PersonGrantAddress("acme", "mysite.com", "jane@agency.com"), Role: "viewer", HolderKind: model.HolderGuest, Status: model.StatusActive, Reason: "Support, \"phase 2\""}
		r := &Record{Time: FormatTime(time.Date(2026, 11, 26, 10, 0, i, 0, time.UTC)), Address: o.Addr.String(), Action: "create", After: ObjectJSON(o), Actor: "ci", Outcome: OutcomeApplied}
		rec, err := c.Seal(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return out
}

func TestSealAndVerify(t *testing.T) {
	recs := sealed(t, 5)
	if recs[0].PrevHash != "" || recs[1].PrevHash != recs[0].Hash {
		t.Fatal("chain links wrong")
	}
	// The hash is the sha256 of the canonical JSON without "hash".
	var m map[string]any
	json.Unmarshal(recs[2].JSON, &m)
	delete(m, "hash")
	body, _ := Canonical(m)
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != recs[2].Hash {
		t.Fatal("hash is not over the canonical JSON without hash")
	}
	canon, _ := CanonicalizeJSON(recs[2].JSON)
	if string(canon) != string(recs[2].JSON) {
		t.Fatal("stored bytes are not canonical")
	}
	res, err := Verify(context.Background(), &memStore{recs: recs})
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != 5 || res.Head != recs[4].Hash {
		t.Fatalf("got %+v", res)
	}
}

func TestVerifyCatchesTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func([]state.EvidenceRecord) []state.EvidenceRecord
		seq    uint64
		reason string
	}{
		{"changed field", func(r []state.EvidenceRecord) []state.EvidenceRecord {
			r[2].JSON = []byte(strings.Replace(string(r[2].JSON), `"actor":"ci"`, `"actor":"mallory"`, 1))
			return r
		}, 3, "altered content"},
		{"deleted record", func(r []state.EvidenceRecord) []state.EvidenceRecord {
			return append(r[:2:2], r[3:]...)
		}, 3, "missing"},
		{"reordered records", func(r []state.EvidenceRecord) []state.EvidenceRecord {
			r[1].JSON, r[2].JSON = r[2].JSON, r[1].JSON
			return r
		}, 2, "reordered"},
		{"changed prev_hash", func(r []state.EvidenceRecord) []state.EvidenceRecord {
			r[3].JSON = []byte(strings.Replace(string(r[3].JSON), r[2].Hash, strings.Repeat("0", 64), 1))
			return r
		}, 4, "broken link"},
		{"duplicate member, last one genuine", func(r []state.EvidenceRecord) []state.EvidenceRecord {
			// The attack of issue 19: a reader that keeps the last value
			// hashes the genuine record; one that keeps the first shows
			// mallory.
			r[2].JSON = []byte(strings.Replace(string(r[2].JSON), `"actor":"ci"`, `"actor":"mallory","actor":"ci"`, 1))
			return r
		}, 3, `duplicate member "actor"`},
		{"duplicate member inside before", func(r []state.EvidenceRecord) []state.EvidenceRecord {
			r[1].JSON = []byte(strings.Replace(string(r[1].JSON), `"before":null`, `"before":{"role":"owner","role":"viewer"}`, 1))
			return r
		}, 2, `duplicate member "role"`},
		{"whitespace around the record", func(r []state.EvidenceRecord) []state.EvidenceRecord {
			r[3].JSON = append(append([]byte(" "), r[3].JSON...), '\n')
			return r
		}, 4, "canonical"},
		{"escaped where JSON needs no escape", func(r []state.EvidenceRecord) []state.EvidenceRecord {
			r[0].JSON = []byte(strings.Replace(string(r[0].JSON), `"actor":"ci"`, `"actor":"\u0063i"`, 1))
			return r
		}, 1, "canonical"},
		{"members reordered", func(r []state.EvidenceRecord) []state.EvidenceRecord {
			r[4].JSON = []byte(strings.Replace(string(r[4].JSON), `{"action":"create","actor":"ci",`, `{"actor":"ci","action":"create",`, 1))
			return r
		}, 5, "canonical"},
		{"not JSON", func(r []state.EvidenceRecord) []state.EvidenceRecord {
			r[0].JSON = []byte("{garbage")
			return r
		}, 1, "unreadable"},
	}
	for _, c := range cases {
		for _, json := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/EvidenceJSON=%t", c.name, json), func(t *testing.T) {
				recs := c.tamper(sealed(t, 5))
				var st state.Store = &memStore{recs: recs}
				if json {
					st = &jsonStore{t: t, memStore: memStore{recs: recs}}
				}
				_, err := Verify(context.Background(), st)
				ve, ok := err.(*VerifyError)
				if !ok {
					t.Fatalf("got %v, want a VerifyError", err)
				}
				if ve.Seq != c.seq || !strings.Contains(ve.Reason, c.reason) {
					t.Fatalf("got record %d %q, want record %d mentioning %q", ve.Seq, ve.Reason, c.seq, c.reason)
				}
			})
		}
	}
}

// jsonStore is a memStore that walks its records without their hashes
// (state.EvidenceJSONReader), as boltstore can; its Evidence is not to be
// used by Verify.
type jsonStore struct {
	t *testing.T
	memStore
}

func (m *jsonStore) Evidence(context.Context, uint64, func(state.EvidenceRecord) error) error {
	m.t.Error("Verify walked the store's Evidence, which reads every record's hashes, instead of EvidenceJSON")
	return errors.New("not this walk")
}

func (m *jsonStore) EvidenceJSON(ctx context.Context, from uint64, fn func(state.EvidenceRecord) error) error {
	return m.memStore.Evidence(ctx, from, func(r state.EvidenceRecord) error {
		r.PrevHash, r.Hash = "", ""
		return fn(r)
	})
}

// TestVerifyWithoutStoredHashes: Verify reads the hashes from each
// record's JSON, so it takes the walk that leaves them out where the
// store has one.
func TestVerifyWithoutStoredHashes(t *testing.T) {
	recs := sealed(t, 5)
	res, err := Verify(context.Background(), &jsonStore{t: t, memStore: memStore{recs: recs}})
	if err != nil || res.Count != 5 || res.Head != recs[4].Hash {
		t.Fatalf("Verify: %+v, %v; want 5 records, head %s", res, err, recs[4].Hash)
	}
}

// FuzzHashOf: whatever the bytes, HashOf accepts exactly the records
// CheckStrict accepts that have a positive seq and a prev_hash and hash
// that are strings without escapes, and gives what a generic decode reads
// of them and the hash genericHash computes.
func FuzzHashOf(f *testing.F) {
	var c Chain
	rec, _ := c.Seal(&Record{Address: "team/acme", Action: "create"})
	f.Add(rec.JSON)
	rec2, _ := c.Seal(&Record{Address: "grant/acme/s/x@y.z", Action: "update", Before: []byte(`{"a":"\u0001\n"}`), FollowUps: []FollowUp{{Task: "t"}}})
	f.Add(rec2.JSON)
	f.Add([]byte(`{"hash":"x","prev_hash":"","seq":1}`))
	f.Add([]byte(`{"a":1,"hash":"x","prev_hash":"","seq":1}`))
	f.Add([]byte(`{"hash":"x\n","prev_hash":"","seq":1}`))
	f.Add([]byte(`{"hash":"x","prev_hash":null,"seq":1}`))
	f.Add([]byte(`{"hash":"x","prev_hash":"","seq":0}`))
	f.Add([]byte(` {"hash":"x","prev_hash":"y","seq":12} `))
	f.Add([]byte(`{"seq":1,"prev_hash":"","hash":""}`))
	f.Add([]byte(`{"seq":1e400}`))
	f.Add([]byte(`[1]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		hash, seq, prev, stated, err := HashOf(data)
		if CheckStrict(data) != nil {
			if err == nil {
				t.Fatalf("%q is not canonical but hashed", data)
			}
			return
		}
		var m map[string]jsontext.Value
		var wantSeq uint64
		var wantPrev, wantStated string
		plain := func(v jsontext.Value, s *string) bool {
			return v.Kind() == '"' && !bytes.Contains(v, []byte{'\\'}) && json.Unmarshal(v, s) == nil
		}
		ok := json.Unmarshal(data, &m) == nil && m["seq"].Kind() == '0' && json.Unmarshal(m["seq"], &wantSeq) == nil &&
			wantSeq >= 1 && plain(m["prev_hash"], &wantPrev) && plain(m["hash"], &wantStated)
		if ok != (err == nil) {
			t.Fatalf("%q: HashOf says %v, the generic reading %v", data, err, ok)
		}
		if ok && (hash != genericHash(t, data) || seq != wantSeq || prev != wantPrev || stated != wantStated) {
			t.Fatalf("%q: HashOf %s %d %q %q, generic %s %d %q %q", data, hash, seq, prev, stated, genericHash(t, data), wantSeq, wantPrev, wantStated)
		}
	})
}

// genericHash is a record's hash computed the generic way: decode its
// members, drop hash, marshal, canonicalise, sha256.
func genericHash(t testing.TB, data []byte) string {
	t.Helper()
	var members map[string]jsontext.Value
	if err := json.Unmarshal(data, &members); err != nil {
		t.Fatal(err)
	}
	delete(members, "hash")
	rest, err := json.Marshal(members)
	if err != nil {
		t.Fatal(err)
	}
	v := jsontext.Value(rest)
	if err := v.Canonicalize(); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(v)
	return hex.EncodeToString(sum[:])
}
