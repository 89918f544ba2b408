package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// oddPieces are the bits random strings are made of: everything JSON or
// JCS escapes, encoding/json's HTML escapes, non-ASCII, invalid UTF-8.
var oddPieces = []string{
	"", "a", "Zoe", "grant/acme/site/jane@agency.com", `"`, `\`, `\"`, "/", "\x00", "\x01", "\x1f", "\x7f",
	"\b", "\f", "\n", "\r", "\t", "é", "ü", "\u2028", "\u2029", "<", ">", "&", "\xff", "\xc3", "\xed\xa0\x80",
	"\U0001F600", "\uFFFD", "\uFF21", "\u00e9t\u00e9", " ", "0", "null", "{", "}", `],"hash":"`,
}

func randString(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.IntN(6) {
		b.WriteString(oddPieces[rng.IntN(len(oddPieces))])
	}
	return b.String()
}

func randStrings(rng *rand.Rand) []string {
	if rng.IntN(5) == 0 {
		return nil
	}
	out := make([]string, rng.IntN(4))
	for i := range out {
		out[i] = randString(rng)
	}
	return out
}

// randRaw is a before or after: null, an object's attributes as
// AttrsJSON writes them, JSON that is not canonical but means the same, or
// JSON holding what Seal looks for to find the hash member.
// v1Escapes write strings as encoding/json did: invalid UTF-8 let
// through (as U+FFFD), HTML and JavaScript line terminators escaped.
var v1Escapes = json.JoinOptions(jsontext.AllowInvalidUTF8(true), jsontext.EscapeForHTML(true), jsontext.EscapeForJS(true))

func randRaw(rng *rand.Rand) jsontext.Value {
	switch rng.IntN(9) {
	case 0:
		return nil
	case 1:
		return jsontext.Value("null")
	case 2, 3, 4:
		o := &model.Object{Addr: model.PersonGrantAddress("acme", "mysite.com", "jane@agency.com"),
			Role: randString(rng), HolderKind: model.HolderGuest, Status: model.StatusActive,
			Reason: randString(rng), Ticket: randString(rng)}
		if rng.IntN(2) == 0 {
			o.Addr = model.GroupAddress("acme", "analysts")
			o.Members = randStrings(rng)
		}
		return ObjectJSON(o)
	case 5:
		return jsontext.Value(` { "b" : 1 , "a" : [ true, null, "x\u00e9\/" ], "\u00e9": -0, "c": {"z":{},"y":[]} } `)
	case 6:
		k1, _ := json.Marshal(randString(rng), v1Escapes)
		v1, _ := json.Marshal(randString(rng), v1Escapes)
		return jsontext.Value(fmt.Sprintf(`{%s:%s,"n":9007199254740992,"m":-12}`, k1, v1))
	case 7:
		return jsontext.Value(`{"a":[],"hash":"","b":{"a":[[]],"hash":"x"}}`)
	}
	return jsontext.Value(`{"x":"\u003c\u2028\ud83d\ude00"}`)
}

func randRecord(rng *rand.Rand) Record {
	r := Record{
		Time: FormatTime(time.Unix(rng.Int64N(1<<32), 0)), Address: randString(rng), Action: randString(rng),
		Before: randRaw(rng), After: randRaw(rng), Risks: randStrings(rng), Why: randString(rng),
		Actor: randString(rng), Approvers: randStrings(rng), Commit: randString(rng),
		ChangeRequest: randString(rng), Reason: randString(rng), Ticket: randString(rng),
		PlanDigest: randString(rng), AllowMassRemoval: rng.IntN(2) == 0, Outcome: randString(rng),
		API: randStrings(rng), Note: randString(rng), ChangeTicket: randString(rng), PolicyDigest: randString(rng),
	}
	if rng.IntN(3) > 0 {
		for range rng.IntN(3) + 1 {
			r.FollowUps = append(r.FollowUps, FollowUp{Address: randString(rng), Task: randString(rng), Text: randString(rng)})
		}
	}
	return r
}

// TestSealCanonical: what Seal writes is a record in canonical form
// (CheckStrict: jsontext's RFC 8785 form, every member once), whose hash
// is the sha256 of its canonical JSON without the hash member (hashed here
// the generic way), and which reads back as the record sealed: its
// strings with U+FFFD for each byte that is not UTF-8, before and after in
// canonical form.
func TestSealCanonical(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	validUTF8 := cmp.Transformer("validUTF8", func(s string) string { return string([]rune(s)) })
	canonical := cmp.Transformer("canonical", func(raw jsontext.Value) string {
		v, err := CanonicalizeJSON(raw)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		return string(v)
	})
	var c Chain
	for i := range 3000 {
		r := randRecord(rng)
		got, err := c.Seal(&r)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if err := CheckStrict(got.JSON); err != nil {
			t.Fatalf("record %d is not canonical: %v\n%s", i, err, got.JSON)
		}
		if h := genericHash(t, got.JSON); got.Hash != h || r.Hash != h || got.Seq != uint64(i+1) || r.Seq != got.Seq {
			t.Fatalf("record %d: sealed as %d %s (record %d %s), want %d %s", i, got.Seq, got.Hash, r.Seq, r.Hash, i+1, h)
		}
		back, err := Decode(got.JSON)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(&r, back, validUTF8, canonical, cmpopts.EquateEmpty()); d != "" { // a nil list is written []
			t.Fatalf("record %d reads back differently (-sealed +read):\n%s", i, d)
		}
	}
}

// TestSealWritesEveryField: a record with nothing set is written with
// every member present, lists as [] and before and after as null, so
// every record has the same shape (schema/evidence.schema.json).
func TestSealWritesEveryField(t *testing.T) {
	var c Chain
	got, err := c.Seal(&Record{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"action":"","actor":"","address":"","after":null,"allow_mass_removal":false,"api":[],"approvers":[],` +
		`"before":null,"change_request":"","change_ticket":"","commit":"","follow_ups":[],"hash":"` + got.Hash + `",` +
		`"note":"","outcome":"","plan_digest":"","policy_digest":"","prev_hash":"","reason":"","risks":[],"seq":1,` +
		`"ticket":"","time":"","why":""}`
	if string(got.JSON) != want {
		t.Errorf("sealed\n%s\nwant\n%s", got.JSON, want)
	}
}

// TestSealRefuses: a before or after that cannot be canonicalised is
// refused, and the chain does not move.
func TestSealRefuses(t *testing.T) {
	for _, raw := range []string{`{"a":1.5}`, `{"a":`, `{"a":1}}`, `{"a":1e400}`, ``, `[1] [2]`, `{"a":9007199254740993}`} {
		c := Chain{Seq: 3, Hash: "abc"}
		r := Record{After: jsontext.Value(raw)}
		if _, err := c.Seal(&r); err == nil {
			t.Errorf("after %q was sealed", raw)
		}
		if _, err := CanonicalizeJSON([]byte(raw)); err == nil {
			t.Errorf("%q is canonicalised: the test is wrong", raw)
		}
		if c.Seq != 3 || c.Hash != "abc" {
			t.Errorf("after %q: the chain moved to %d %s", raw, c.Seq, c.Hash)
		}
	}
}

func TestIsCanonical(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{
		{`{}`, true}, {`[]`, true}, {`null`, true}, {`true`, true}, {`false`, true}, {`0`, true}, {`-1`, true},
		{`9007199254740992`, true}, {`-9007199254740992`, true}, {`9007199254740993`, false}, {`10000000000000000`, false},
		{`-0`, false}, {`01`, false}, {`1.0`, false}, {`1e3`, false}, {`+1`, false}, {`1 `, false}, {` 1`, false},
		{`{"a":1,"b":2}`, true}, {`{"b":1,"a":2}`, false}, {`{"a":1,"a":2}`, false}, {`{"a" :1}`, false},
		{`{"a":1,}`, false}, {`[1,]`, false}, {`[1,2]`, true}, {`[1 ,2]`, false},
		{`"a\"b\\c\n\t\r\b\f"`, true}, {`"\u001f"`, true}, {`"\u0000"`, true}, {`"\u000a"`, false}, {`"\u0008"`, false},
		{`"\u001F"`, false}, {`"\/"`, false}, {`"\u0041"`, false}, {`"\u2028"`, false}, {"\"\u2028\"", true},
		{`"<>&"`, true}, {`"\u003c"`, false}, {"\"\x01\"", false}, {"\"\xff\"", false}, {"\"\xed\xa0\x80\"", false},
		{"\"\U0001F600\"", true}, {`"\ud83d\ude00"`, false}, {`"abc`, false}, {``, false}, {`nul`, false},
		{"{\"a\":1,\"\U0001F600\":2,\"\uff21\":3}", true}, {"{\"a\":1,\"\uff21\":3,\"\U0001F600\":2}", false},
		{`{"\n":1,"\u0001":2}`, false}, {`{"\u0001":1,"\n":2}`, true},
	}
	for _, c := range cases {
		if got := isCanonical([]byte(c.in)); got != c.want {
			t.Errorf("isCanonical(%q) = %v, want %v", c.in, got, c.want)
		}
		if c.want {
			out, err := CanonicalizeJSON([]byte(c.in))
			if err != nil || string(out) != c.in {
				t.Errorf("%q is canonical but CanonicalizeJSON makes %q, %v", c.in, out, err)
			}
		}
	}
	deep := strings.Repeat("[", maxCanonicalDepth) + strings.Repeat("]", maxCanonicalDepth)
	if !isCanonical([]byte(deep)) || isCanonical([]byte("["+deep+"]")) {
		t.Error("the nesting limit is not encoding/json's")
	}
}

func TestLessUTF16(t *testing.T) {
	// In UTF-16 order: ASCII, then U+00E9, then U+1F600 and U+1F601 (high
	// surrogate D83D, then low DE00, DE01), then U+FF21.
	ordered := []string{"", "a", "ab", "b", "\u00e9", "\U0001F600", "\U0001F600a", "\U0001F601", "\uFF21"}
	for i, a := range ordered {
		for j, b := range ordered {
			if got := lessUTF16Bytes([]byte(a), []byte(b)); got != (i < j) {
				t.Errorf("lessUTF16Bytes(%q, %q) = %v", a, b, got)
			}
		}
	}
}

// FuzzCanonical: canonical bytes are what CanonicalizeJSON makes of them,
// and what it makes is canonical.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{`{"a":[1,-2,"x\u0001"],"b":{}}`, `{"b":1,"a":2}`, `"\u2028"`, `1.0`, "\"\xff\"", `{"\ud83d\ude00":1,"\uff21":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := CanonicalizeJSON(data)
		if isCanonical(data) && (err != nil || !bytes.Equal(out, data)) {
			t.Fatalf("%q passes as canonical but CanonicalizeJSON makes %q, %v", data, out, err)
		}
		if err == nil && !isCanonical(out) {
			t.Fatalf("CanonicalizeJSON makes %q, which does not pass as canonical", out)
		}
	})
}

// memStoreErr fails its walk after some records.
type memStoreErr struct {
	memStore
	after int
	err   error
}

func (m *memStoreErr) Evidence(ctx context.Context, from uint64, fn func(state.EvidenceRecord) error) error {
	for i, r := range m.recs {
		if i == m.after {
			return m.err
		}
		if err := fn(r); err != nil {
			return fmt.Errorf("walking: %w", err)
		}
	}
	return nil
}

// TestVerifyLongChain: over many batches, the first bad record in
// sequence order is reported, whatever follows it; an equivalent record
// that is not canonical is refused by name (schema/cli.md "Evidence, version 2");
// a store's error comes after any bad record before it.
func TestVerifyLongChain(t *testing.T) {
	const n = 5000
	recs := sealed(t, n)
	res, err := Verify(context.Background(), &memStore{recs: recs})
	if err != nil || res.Count != n || res.Head != recs[n-1].Hash {
		t.Fatalf("clean chain: %+v, %v", res, err)
	}
	alter := func(r []state.EvidenceRecord, i int) {
		r[i].JSON = []byte(strings.Replace(string(r[i].JSON), `"actor":"ci"`, `"actor":"eve"`, 1))
	}
	cases := []struct {
		name   string
		tamper func([]state.EvidenceRecord) []state.EvidenceRecord
		seq    uint64
		reason string
		count  uint64 // records verified before it
	}{
		{"altered, then deleted", func(r []state.EvidenceRecord) []state.EvidenceRecord {
			alter(r, 2999)
			return append(r[:4000:4000], r[4001:]...)
		}, 3000, "altered content", 2999},
		{"deleted, then altered", func(r []state.EvidenceRecord) []state.EvidenceRecord {
			alter(r, 4500)
			return append(r[:1500:1500], r[1501:]...)
		}, 1501, "missing", 1500},
		{"two altered", func(r []state.EvidenceRecord) []state.EvidenceRecord {
			alter(r, 4998)
			alter(r, 1024)
			return r
		}, 1025, "altered content", 1024},
		{"unreadable last", func(r []state.EvidenceRecord) []state.EvidenceRecord {
			r[n-1].JSON = []byte(`{`)
			return r
		}, n, "unreadable", n - 1},
		{"out of sequence", func(r []state.EvidenceRecord) []state.EvidenceRecord {
			r[3000].Seq = 17
			return r
		}, 17, "out of sequence", 3000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs := c.tamper(sealed(t, n))
			res, err := Verify(context.Background(), &memStore{recs: recs})
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Seq != c.seq || !strings.Contains(ve.Reason, c.reason) {
				t.Fatalf("got %v, want record %d mentioning %q", err, c.seq, c.reason)
			}
			if res.Count != c.count || res.Head != recs[c.count-1].Hash {
				t.Errorf("result %d %s, want the %d records before it", res.Count, res.Head, c.count)
			}
		})
	}

	t.Run("not canonical", func(t *testing.T) {
		recs := sealed(t, 3000)
		for _, i := range []int{0, 1024, 2999} {
			var m map[string]any
			if err := json.Unmarshal(recs[i].JSON, &m); err != nil {
				t.Fatal(err)
			}
			recs[i].JSON, _ = json.Marshal(m, json.Deterministic(true), jsontext.WithIndentPrefix(" "), jsontext.WithIndent("\t")) // keys sorted too, but indented
		}
		res, err := Verify(context.Background(), &memStore{recs: recs})
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Seq != 1 || !strings.Contains(ve.Reason, "canonical") || res.Count != 0 {
			t.Fatalf("%+v, %v; want record 1 refused as not canonical", res, err)
		}
	})

	storeErr := errors.New("disk on fire")
	t.Run("store error after a bad record", func(t *testing.T) {
		recs := sealed(t, 3000)
		alter(recs, 10)
		_, err := Verify(context.Background(), &memStoreErr{memStore{recs: recs}, 2500, storeErr})
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Seq != 11 {
			t.Fatalf("got %v, want record 11 named", err)
		}
	})
	t.Run("store error", func(t *testing.T) {
		_, err := Verify(context.Background(), &memStoreErr{memStore{recs: sealed(t, 3000)}, 2500, storeErr})
		if !errors.Is(err, storeErr) {
			t.Fatalf("got %v, want the store's error", err)
		}
	})
}

func BenchmarkSeal(b *testing.B) {
	o := &model.Object{Addr: model.PersonGrantAddress("acme", "mysite.com", "jane@agency.com"), Role: "viewer", HolderKind: model.HolderGuest, Status: model.StatusActive, Reason: "Support, phase 2", Ticket: "OPS-1234", Expires: "2026-06-01T23:59:59Z"}
	after := ObjectJSON(o)
	var c Chain
	b.ReportAllocs()
	for b.Loop() {
		r := &Record{Time: "2026-11-26T10:00:00Z", Address: o.Addr.String(), Action: "create", After: after, Actor: "ci",
			Risks: []string{"external"}, Approvers: []string{"lead@globex.com"}, Commit: "0123456789abcdef0123456789abcdef01234567",
			PlanDigest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", Outcome: OutcomeApplied}
		if _, err := c.Seal(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHashOf(b *testing.B) {
	recs := sealed(b, 1)
	b.ReportAllocs()
	b.SetBytes(int64(len(recs[0].JSON)))
	for b.Loop() {
		if _, _, _, _, err := HashOf(recs[0].JSON); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPlain8: the eight-byte test agrees with the byte table.
func TestPlain8(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	special := []byte{0, 0x1f, 0x20, 0x21, '"', 0x23, '\\', 0x5b, 0x5d, 0x7e, 0x7f, 0x80, 0xff, 'a'}
	for range 200000 {
		var w [8]byte
		want := true
		for i := range w {
			if rng.IntN(2) == 0 {
				w[i] = special[rng.IntN(len(special))]
			} else {
				w[i] = byte(rng.IntN(256))
			}
			want = want && plainByte[w[i]]
		}
		if got := plain8(binary.LittleEndian.Uint64(w[:])); got != want {
			t.Fatalf("plain8(%q) = %v, want %v", w, got, want)
		}
	}
}

// BenchmarkHashRecord is the verifier's per-record work: check, cut, hash.
func BenchmarkHashRecord(b *testing.B) {
	recs := sealed(b, 1)
	h := sha256.New()
	var out recordHash
	b.ReportAllocs()
	b.SetBytes(int64(len(recs[0].JSON)))
	for b.Loop() {
		if hashRecord(h, recs[0].JSON, &out); out.err != nil {
			b.Fatal(out.err)
		}
	}
}
