package model

import (
	"bytes"
	"encoding/json"

	"fmt"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The encoding/json implementations objects' JSON was first written with
// (the previous codec): the json/v2 codec must write the same bytes, and
// read every value the previous codec wrote to the same object. It is
// stricter on reading only where a writer of roster never goes: repeated
// member names, names in another case, invalid UTF-8 (see strictOnly).

type refObjectJSON struct {
	Address   string          `json:"address"`
	Attrs     json.RawMessage `json:"attrs"`
	Pending   *refPendingJSON `json:"pending,omitempty"`
	Connected bool            `json:"connected,omitempty"`
}

type refPendingJSON struct {
	Action string          `json:"action"`
	After  json.RawMessage `json:"after"`
}

func refAttrsJSON(o *Object) []byte {
	attrs := o.Attrs()
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].Name < attrs[j].Name })
	var b bytes.Buffer
	b.WriteByte('{')
	for i, a := range attrs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(a.Name)
		v, _ := json.Marshal(a.Value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

func refMarshalJSON(o *Object) ([]byte, error) {
	j := refObjectJSON{Address: o.Addr.String(), Attrs: refAttrsJSON(o), Connected: o.Connected}
	if o.PendingAction != "" {
		j.Pending = &refPendingJSON{Action: o.PendingAction, After: json.RawMessage("null")}
		if o.Pending != nil {
			j.Pending.After = refAttrsJSON(o.Pending)
		}
	}
	return json.Marshal(j)
}

func refUnmarshalJSON(o *Object, data []byte) error {
	var j refObjectJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	addr, err := ParseAddress(j.Address)
	if err != nil {
		return err
	}
	*o = Object{Addr: addr, Connected: j.Connected}
	if len(j.Attrs) > 0 {
		if err := refSetAttrsJSON(o, j.Attrs); err != nil {
			return err
		}
	}
	if j.Pending != nil {
		switch j.Pending.Action {
		case "create", "update", "delete":
		default:
			return fmt.Errorf("%s: unknown pending action %q", addr, j.Pending.Action)
		}
		o.PendingAction = j.Pending.Action
		if len(j.Pending.After) > 0 && string(j.Pending.After) != "null" {
			o.Pending = &Object{Addr: addr}
			if err := refSetAttrsJSON(o.Pending, j.Pending.After); err != nil {
				return err
			}
		}
	}
	return nil
}

func refSetAttrsJSON(o *Object, data []byte) error {
	var attrs map[string]any
	if err := json.Unmarshal(data, &attrs); err != nil {
		return fmt.Errorf("%s: attributes: %v", o.Addr, err)
	}
	for k, v := range attrs {
		if err := o.SetAttr(k, v); err != nil {
			return err
		}
	}
	return nil
}

// jsonPieces make up random strings: everything encoding/json escapes,
// non-ASCII. (Objects never hold invalid UTF-8: HCL and every JSON
// decoder roster reads with replace it; TestInvalidUTF8 covers it.)
var jsonPieces = []string{
	"", "a", "viewer", "jane@agency.com", `"`, `\`, "/", "\x00", "\x1f", "\x7f", "\b", "\f", "\n", "\r", "\t",
	"é", "\u2028", "\u2029", "<", ">", "&", "\U0001F600", "\uFFFD", " ", "2026-06-01T23:59:59Z",
}

func randJSONString(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.IntN(5) {
		b.WriteString(jsonPieces[rng.IntN(len(jsonPieces))])
	}
	return b.String()
}

func randObject(rng *rand.Rand, withPending bool) *Object {
	addrs := []Address{TeamAddress("acme"), SiteAddress("acme", "mysite.com"), MemberAddress("acme", "a@acme.com"),
		PersonGrantAddress("acme", "mysite.com", "j@x.io"), GroupGrantAddress("acme", "mysite.com", "g"), GroupAddress("acme", "g"), {}}
	s := func() string { return randJSONString(rng) }
	o := &Object{Addr: addrs[rng.IntN(len(addrs))], Platform: s(), DisplayName: s(), SSO: s(), Environment: s(),
		RemoteID: s(), Role: s(), HolderKind: HolderKind(s()), Status: Status(s()), Expires: s(), Reason: s(), Ticket: s(),
		DefaultAccess: s(), Connected: withPending && rng.IntN(2) == 0}
	if rng.IntN(3) > 0 {
		b := rng.IntN(2) == 0
		o.Require2FA = &b
	}
	if rng.IntN(3) > 0 {
		o.Members = []string{}
		for range rng.IntN(4) {
			o.Members = append(o.Members, s())
		}
	}
	if withPending && rng.IntN(2) == 0 {
		o.PendingAction = []string{"create", "update", "delete", s()}[rng.IntN(4)]
		if rng.IntN(2) == 0 {
			o.Pending = randObject(rng, false)
		}
	}
	return o
}

// TestObjectJSONMatchesReference: AttrsJSON and MarshalJSON write what
// the encoding/json versions wrote, byte for byte.
func TestObjectJSONMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 20000 {
		o := randObject(rng, true)
		if got, want := o.AttrsJSON(), refAttrsJSON(o); !bytes.Equal(got, want) {
			t.Fatalf("object %d: AttrsJSON\ngot  %q\nwant %q", i, got, want)
		}
		got, err1 := o.MarshalJSON()
		want, err2 := refMarshalJSON(o)
		if err1 != nil || err2 != nil || !bytes.Equal(got, want) {
			t.Fatalf("object %d: MarshalJSON\ngot  %q, %v\nwant %q, %v", i, got, err1, want, err2)
		}
		var back, refBack Object
		err1 = back.UnmarshalJSON(got)
		err2 = refUnmarshalJSON(&refBack, got)
		if (err1 == nil) != (err2 == nil) || err1 == nil && !reflect.DeepEqual(back, refBack) {
			t.Fatalf("object %d: reading %s back\ngot  %+v, %v\nwant %+v, %v", i, got, back, err1, refBack, err2)
		}
	}
}

// TestAttrsJSONKeys: each kind writes exactly its AttrNames, sorted.
func TestAttrsJSONKeys(t *testing.T) {
	for _, k := range Kinds {
		o := &Object{Addr: Address{Kind: k}}
		var m map[string]json.RawMessage
		dec := json.NewDecoder(bytes.NewReader(o.AttrsJSON()))
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, tok := range strings.Split(strings.Trim(string(o.AttrsJSON()), "{}"), ",") {
			keys = append(keys, strings.Trim(strings.SplitN(tok, ":", 2)[0], `"`))
		}
		want := slices.Sorted(slices.Values(AttrNames[k]))
		if !slices.Equal(keys, want) || len(m) != len(want) {
			t.Errorf("%s writes %v, want %v", k, keys, want)
		}
	}
}

// readCases are inputs where encoding/json's ways matter: folded key
// names, repeated keys, nulls, nesting, syntax.
var readCases = []string{
	`{"address":"team/acme","attrs":{"platform":"plausible","require_2fa":true}}`,
	`{"address":"team/acme","connected":true}`,
	`{"address":"team/acme","Connected":false,"connected":null}`,
	`{"address":"team/acme","connected":"yes"}`,
	`{"address":"team/acme","connected":1}`,
	`{"ADDRESS":"team/acme","Attrs":{"platform":"plausible"}}`,
	"{\"addre\u017fs\":\"team/acme\"}",           // long s folds to S
	"{\"\u212Aey\":1,\"address\":\"team/acme\"}", // Kelvin sign, an unknown key
	`{"addr\u0065ss":"team/acme","attrs":{"r\u006fle":"x"}}`,
	`{"address":"team/acme","address":null}`,
	`{"address":null,"address":"team/acme"}`,
	`{"address":"team/acme","attrs":null}`,
	`{"address":"team/acme","attrs":{"sso":1,"sso":"x"}}`,
	`{"address":"team/acme","attrs":{"sso":1e400,"sso":"x"}}`,
	`{"address":"team/acme","attrs":{"sso":"x"},"attrs":{"platform":"y"}}`,
	`{"address":"team/acme","attrs":[]}`,
	`{"address":"team/acme","attrs":"x"}`,
	`{"address":"team/acme","attrs":{"nope":null}}`,
	`{"address":"team/acme","extra":[1,{"a":1e400}],"attrs":{}}`,
	`{"address":"team/acme","extra":[1,}`,
	`{"address":"team/acme"} x`,
	` {"address":"team/acme"} `,
	`{"address":"team/acme",}`,
	`{"address":1}`,
	`{"address":["team/acme"]}`,
	`null`, `[1]`, `"x"`, ``, `{`, `{}`,
	`{"address":"group/acme/g","attrs":{"members":["a","b"]}}`,
	`{"address":"group/acme/g","attrs":{"members":[]}}`,
	`{"address":"group/acme/g","attrs":{"members":null}}`,
	`{"address":"group/acme/g","attrs":{"members":["a",1]}}`,
	`{"address":"group/acme/g","attrs":{"members":"a"}}`,
	`{"address":"member/acme/a@acme.com","attrs":{"expires":"2026-06-01T23:59:59Z"}}`,
	`{"address":"member/acme/a@acme.com","attrs":{"expires":"2026-06-01"}}`,
	`{"address":"member/acme/a@acme.com","pending":{"action":"update","after":{"role":"admin"}}}`,
	`{"address":"member/acme/a@acme.com","pending":{"action":"delete","after":null}}`,
	`{"address":"member/acme/a@acme.com","pending":{"action":"delete"}}`,
	`{"address":"member/acme/a@acme.com","pending":{}}`,
	`{"address":"member/acme/a@acme.com","pending":null}`,
	`{"address":"member/acme/a@acme.com","pending":{"action":"create"},"pending":{"after":{"role":"x"}}}`,
	`{"address":"member/acme/a@acme.com","pending":{"action":"create"},"pending":null}`,
	`{"address":"member/acme/a@acme.com","pending":{"ACTION":"create","AFTER":{}}}`,
	`{"address":"member/acme/a@acme.com","pending":{"action":null}}`,
	`{"address":"member/acme/a@acme.com","pending":{"action":"create","after":"x"}}`,
	`{"address":"member/acme/a@acme.com","pending":{"action":"create","after":{"nope":1}}}`,
	`{"address":"member/acme/a@acme.com","pending":"create"}`,
	`{"address":"member/acme/a@acme.com","pending":{"action":"create","x":[}}`,
	`{"address":"site/acme/s","attrs":{"environment":"\ud83d\ude00 \ud83d \u00e9 \/ \" \\"}}`,
	"{\"address\":\"site/acme/s\",\"attrs\":{\"environment\":\"\xff\xed\xa0\x80\"}}",
	"{\"address\":\"site/acme/s\",\"attrs\":{\"environment\":\"a\x01\"}}",
	`{"address":"site/acme/s","attrs":{"environment":"\x"}}`,
	`{"address":"site/acme/s","attrs":{"environment":"\u12"}}`,
	`{"address":"site/acme/s","attrs":{"environment":01}}`,
	`{"address":"site/acme/s","attrs":{"environment":-}}`,
	`{"address":"site/acme/s","attrs":{"environment":1.}}`,
	`{"address":"site/acme/s","attrs":{"environment":1e}}`,
	`{"address":"site/acme/s","attrs":{"environment":tru}}`,
	`{"address":"site/acme/s","attrs":{"environment":true}}`,
	`{"address":"site/acme/s","attrs":{"environment":{"a":1}}}`,
	"{\"address\":\"site/acme/s\",\"x\":" + strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + "}",
	"{\"address\":\"site/acme/s\",\"x\":" + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + "}",
	"{\"address\":\"site/acme/s\",\"x\":" + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "}",
}

// TestObjectReadMatchesReference: for each case, the same object as the
// previous codec read, or an error where the previous codec failed too or
// the input is one strictOnly names.
func TestObjectReadMatchesReference(t *testing.T) {
	accepted, strict := 0, 0
	for _, c := range readCases {
		acc, str := compareRead(t, []byte(c))
		if acc {
			accepted++
		}
		if str {
			strict++
		}
	}
	if accepted < 15 || accepted == len(readCases) || strict < 5 {
		t.Errorf("%d of %d cases accepted, %d refused only by the strict codec: the cases do not test every way", accepted, len(readCases), strict)
	}
}

// TestObjectReadRefusesDuplicates: a state value that says a thing twice
// is an error, at any level.
func TestObjectReadRefusesDuplicates(t *testing.T) {
	for _, c := range []string{
		`{"address":"team/acme","address":"team/evil"}`,
		`{"address":"team/acme","attrs":{"sso":"a","sso":"b"}}`,
		`{"address":"member/acme/a@acme.com","pending":{"action":"create","action":"delete"}}`,
		`{"address":"member/acme/a@acme.com","pending":{"action":"update","after":{"role":"a","role":"b"}}}`,
		`{"address":"team/acme","connected":true,"connected":false}`,
	} {
		var o Object
		if err := o.UnmarshalJSON([]byte(c)); err == nil || !strings.Contains(err.Error(), "duplicate") {
			t.Errorf("%s: got %v, want a duplicate-name error", c, err)
		}
	}
	o := &Object{Addr: TeamAddress("acme")}
	if err := o.SetAttrsJSON([]byte(`{"sso":"a","sso":"b"}`)); err == nil {
		t.Error("SetAttrsJSON accepted a repeated attribute")
	}
}

// TestInvalidUTF8: a string with invalid UTF-8 is written as valid JSON
// (U+FFFD in its place) and reads back.
func TestInvalidUTF8(t *testing.T) {
	o := &Object{Addr: SiteAddress("acme", "s"), Environment: "a\xffb"}
	data, err := o.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Object
	if err := back.UnmarshalJSON(data); err != nil {
		t.Fatal(err)
	}
	if back.Environment != "a\uFFFDb" {
		t.Errorf("got %q", back.Environment)
	}
}

// strictOnly reports whether err is a refusal the previous, encoding/json
// v1 reader did not make, for input roster never wrote: a member name
// repeated or in another case (v1 folded case), invalid UTF-8 or a lone
// surrogate (v1 replaced them).
func strictOnly(data []byte, err error) bool {
	for _, s := range []string{"duplicate object member name", "invalid UTF-8", "invalid surrogate"} {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	// Refused for another reason first, but invalid for the strict
	// codec all the same.
	if v := jsontext.Value(data); !v.IsValid() && v.IsValid(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)) {
		return true
	}
	return hasFoldedName(data)
}

// hasFoldedName reports whether data has a member name outside
// [a-z0-9_]: the previous reader matched such a name to a member in
// another case, the strict codec ignores it (top level) or refuses it
// (attributes).
func hasFoldedName(data []byte) bool {
	dec := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	for {
		tok, e := dec.ReadToken()
		if e != nil {
			return false
		}
		if k, n := dec.StackIndex(dec.StackDepth()); k == '{' && n%2 == 1 && tok.Kind() == '"' {
			if strings.ContainsFunc(tok.String(), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') }) {
				return true
			}
		}
	}
}

// compareRead decodes data with the strict codec and the previous one and
// fails unless they agree (or the strict one refuses what strictOnly
// names); it reports whether data was accepted, and whether only the
// strict codec refused it.
func compareRead(t *testing.T, data []byte) (accepted, strict bool) {
	t.Helper()
	var got, want, inPlace Object
	err1 := got.UnmarshalJSON(data)
	err2 := refUnmarshalJSON(&want, data)
	// Inside a larger document (a saved plan) the object is read by
	// UnmarshalJSONFrom, which must agree with UnmarshalJSON.
	err3 := jsonv2.Unmarshal(data, &inPlace)
	if (err1 == nil) != (err3 == nil) || err1 == nil && !reflect.DeepEqual(got, inPlace) {
		t.Fatalf("%.200q: UnmarshalJSON %+v, %v; UnmarshalJSONFrom %+v, %v", data, got, err1, inPlace, err3)
	}
	switch {
	case err1 == nil && err2 != nil:
		if !hasFoldedName(data) {
			t.Fatalf("%.200q: accepted, the previous codec said %v", data, err2)
		}
		strict = true
	case err1 != nil && err2 == nil:
		if !strictOnly(data, err1) {
			t.Fatalf("%.200q: refused (%v), the previous codec accepted it", data, err1)
		}
		strict = true
	case err1 == nil && err2 == nil && !reflect.DeepEqual(got, want) && !hasFoldedName(data):
		t.Fatalf("%.200q:\ngot  %+v\nwant %+v", data, got, want)
	}
	// SetAttrsJSON on its own, for each kind.
	for _, k := range Kinds {
		a, b := &Object{Addr: Address{Kind: k, Team: "t"}}, &Object{Addr: Address{Kind: k, Team: "t"}}
		e1, e2 := a.SetAttrsJSON(data), refSetAttrsJSON(b, data)
		switch {
		case e1 == nil && e2 != nil && !hasFoldedName(data):
			t.Fatalf("SetAttrsJSON(%.200q) on a %s: accepted, the previous codec said %v", data, k, e2)
		case e1 != nil && e2 == nil && !strictOnly(data, e1):
			t.Fatalf("SetAttrsJSON(%.200q) on a %s: refused (%v), the previous codec accepted it", data, k, e1)
		case e1 == nil && e2 == nil && !reflect.DeepEqual(a, b):
			t.Fatalf("SetAttrsJSON(%.200q) on a %s:\ngot  %+v\nwant %+v", data, k, a, b)
		}
	}
	return err1 == nil, strict
}

// FuzzObjectUnmarshal: what the codec accepts, the previous codec read to
// the same object; what it refuses, the previous codec refused too or
// strictOnly names.
func FuzzObjectUnmarshal(f *testing.F) {
	for _, c := range readCases[:len(readCases)-3] {
		f.Add([]byte(c))
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		data, _ := randObject(rng, true).MarshalJSON()
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareRead(t, data)
	})
}

// BenchmarkObjectUnmarshal reads a grant as state snapshots do, and
// with the encoding/json reference for comparison.
func BenchmarkObjectUnmarshal(b *testing.B) {
	o := &Object{Addr: PersonGrantAddress("acme", "mysite.com", "jane@agency.com"), Role: "viewer", HolderKind: HolderGuest,
		Status: StatusActive, Reason: "Support, phase 2", Ticket: "OPS-1234", Expires: "2026-06-01T23:59:59Z"}
	data, _ := o.MarshalJSON()
	for _, impl := range []struct {
		name string
		fn   func(*Object, []byte) error
	}{{"v2", (*Object).UnmarshalJSON}, {"reference", refUnmarshalJSON}} {
		b.Run(impl.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var back Object
				if err := impl.fn(&back, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkObjectMarshal writes a grant as applies do, and with the
// encoding/json reference for comparison.
func BenchmarkObjectMarshal(b *testing.B) {
	o := &Object{Addr: PersonGrantAddress("acme", "mysite.com", "jane@agency.com"), Role: "viewer", HolderKind: HolderGuest,
		Status: StatusActive, Reason: "Support, phase 2", Ticket: "OPS-1234", Expires: "2026-06-01T23:59:59Z"}
	for _, impl := range []struct {
		name string
		fn   func(*Object) ([]byte, error)
	}{{"v2", (*Object).MarshalJSON}, {"reference", refMarshalJSON}} {
		b.Run(impl.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := impl.fn(o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
