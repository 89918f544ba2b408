package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The encoding/json implementations objects' JSON was first written with:
// the hand-written ones must write the same bytes and accept and refuse
// the same input.

type refObjectJSON struct {
	Address   string          `json:"address"`
	Attrs     json.RawMessage `json:"attrs"`
	Pending   *refPendingJSON `json:"pending,omitempty"`
	Connected bool            `json:"connected,omitempty"`
}

type refPendingJSON struct {
	Action string          `json:"action"`
	After  json.RawMessage `json:"after"`
	To     string          `json:"to,omitempty"` // a pending move's new address
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
			if o.PendingAction == "move" {
				j.Pending.To = o.Pending.Addr.String()
			}
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
		to := addr
		switch j.Pending.Action {
		case "create", "update", "delete":
			if j.Pending.To != "" {
				return fmt.Errorf("%s: a pending %s has no new address", addr, j.Pending.Action)
			}
		case "move":
			if to, err = ParseAddress(j.Pending.To); err != nil || to.Kind != addr.Kind || to == addr {
				return fmt.Errorf("%s: a pending move needs a new address of the same kind (to %q)", addr, j.Pending.To)
			}
		default:
			return fmt.Errorf("%s: unknown pending action %q", addr, j.Pending.Action)
		}
		o.PendingAction = j.Pending.Action
		if len(j.Pending.After) > 0 && string(j.Pending.After) != "null" {
			o.Pending = &Object{Addr: to}
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
// non-ASCII, invalid UTF-8.
var jsonPieces = []string{
	"", "a", "viewer", "jane@agency.com", `"`, `\`, "/", "\x00", "\x1f", "\x7f", "\b", "\f", "\n", "\r", "\t",
	"é", "\u2028", "\u2029", "<", ">", "&", "\xff", "\xed\xa0\x80", "\U0001F600", "\uFFFD", " ", "2026-06-01T23:59:59Z",
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
	`{"address":"member/acme/a@acme.com","pending":{"action":"move","after":{"role":"admin"},"to":"member/acme/b@acme.com"}}`,
	`{"address":"member/acme/a@acme.com","pending":{"action":"move","after":{"role":"admin"},"to":"site/acme/b"}}`,
	`{"address":"member/acme/a@acme.com","pending":{"action":"move","after":{"role":"admin"}}}`,
	`{"address":"member/acme/a@acme.com","pending":{"action":"create","after":{"role":"admin"},"to":"member/acme/b@acme.com"}}`,
	`{"address":"member/acme/a@acme.com","pending":{"action":"move","TO":"member/acme/b@acme.com","to":null}}`,
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

// TestObjectReadMatchesReference: for each case, the same object or an
// error from both.
func TestObjectReadMatchesReference(t *testing.T) {
	accepted := 0
	for _, c := range readCases {
		if compareRead(t, []byte(c)) {
			accepted++
		}
	}
	if accepted < 20 || accepted == len(readCases) {
		t.Errorf("%d of %d cases accepted: the cases do not test both ways", accepted, len(readCases))
	}
}

// compareRead decodes data both ways and fails unless they agree; it
// reports whether data was accepted.
func compareRead(t *testing.T, data []byte) bool {
	t.Helper()
	var got, want Object
	err1 := got.UnmarshalJSON(data)
	err2 := refUnmarshalJSON(&want, data)
	if (err1 == nil) != (err2 == nil) {
		t.Fatalf("%.200q:\ngot  %v\nwant %v", data, err1, err2)
	}
	if err1 == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%.200q:\ngot  %+v\nwant %+v", data, got, want)
	}
	// SetAttrsJSON on its own, for each kind.
	for _, k := range Kinds {
		a, b := &Object{Addr: Address{Kind: k, Team: "t"}}, &Object{Addr: Address{Kind: k, Team: "t"}}
		e1, e2 := a.SetAttrsJSON(data), refSetAttrsJSON(b, data)
		if (e1 == nil) != (e2 == nil) || e1 == nil && !reflect.DeepEqual(a, b) {
			t.Fatalf("SetAttrsJSON(%.200q) on a %s:\ngot  %+v, %v\nwant %+v, %v", data, k, a, e1, b, e2)
		}
	}
	return err1 == nil
}

// FuzzObjectUnmarshal: the hand-written decoder accepts and refuses what
// encoding/json did, with the same object.
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
	}{{"hand", (*Object).UnmarshalJSON}, {"reference", refUnmarshalJSON}} {
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
	}{{"hand", (*Object).MarshalJSON}, {"reference", refMarshalJSON}} {
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
