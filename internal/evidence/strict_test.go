package evidence

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzStrictMatchesScanner: the verifier's fast scanner (isCanonical,
// scanRecord) accepts exactly the bytes the strict check (jsontext:
// no duplicate names, byte-for-byte RFC 8785, safe integers) accepts, so
// keeping the fast path changes no verdict.
func FuzzStrictMatchesScanner(f *testing.F) {
	for _, rec := range sealed(f, 3) {
		f.Add(rec.JSON)
		f.Add([]byte(strings.Replace(string(rec.JSON), `"actor":"ci"`, `"actor":"mallory","actor":"ci"`, 1)))
	}
	for _, s := range []string{
		`{"a":[1,-2,"x\u0001"],"b":{}}`, `{"b":1,"a":2}`, `{"a":1,"a":1}`, `"\u2028"`, "\"\u2028\"", `1.0`, `1.5`, `1e3`, `-0`,
		"\"\xff\"", `{"\ud83d\ude00":1,"\uff21":2}`, "{\"a\":1,\"\U0001F600\":2,\"\uff21\":3}", `9007199254740993`,
		`9007199254740994`, `1e21`, `100000000000000000000`, ` {}`, `{} `, `"\u001F"`, `"\/"`, `{"\n":1,"\u0001":2}`,
		`{"a":{"b":1,"b":2}}`, `[{"x":1},{"x":1}]`, `{"A":1,"a":2}`, `{"a":1,"A":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast := isCanonical(data)
		err := CheckStrict(data)
		if fast != (err == nil) {
			t.Fatalf("%q: scanner says canonical=%v, strict check says %v", data, fast, err)
		}
		if len(data) > 0 && data[0] == '{' {
			var rf recordFields
			_, _, ok := scanRecord(data, &rf)
			if ok && err != nil {
				t.Fatalf("%q: scanRecord accepts what the strict check refuses: %v", data, err)
			}
		}
	})
}

func TestCheckStrict(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"actor":"mallory","actor":"demo"}`, `duplicate member "actor"`},
		{`{"a":{"r":1,"r":2}}`, `duplicate member "r" (in /a)`},
		{`{"b":1,"a":2}`, "canonical"},
		{`{"a":1.5}`, "not an integer"},
		{`{"a":9007199254740994}`, "not an integer"},
		{`{"a":`, "not valid JSON"},
		{"\"\xff\"", "not valid JSON"},
		{`{"a":1}`, ""},
		{`{"A":1,"a":2}`, ""}, // names compared exactly: two members
	}
	for _, c := range cases {
		err := CheckStrict([]byte(c.in))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.in, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want %q", c.in, err, c.want)
		}
	}
	deep := strings.Repeat("[", maxCanonicalDepth) + strings.Repeat("]", maxCanonicalDepth)
	if (CheckStrict([]byte(deep)) == nil) != isCanonical([]byte(deep)) || (CheckStrict([]byte("["+deep+"]")) == nil) != isCanonical([]byte("["+deep+"]")) {
		t.Error("the strict check and the scanner disagree at the nesting limit")
	}
}

func TestDecodeRefusesDuplicates(t *testing.T) {
	rec := sealed(t, 1)[0].JSON
	bad := bytes.Replace(rec, []byte(`"actor":"ci"`), []byte(`"actor":"mallory","actor":"ci"`), 1)
	if _, err := Decode(bad); err == nil || !strings.Contains(err.Error(), "actor") {
		t.Fatalf("Decode of a record with two actors: %v", err)
	}
	r, err := Decode(rec)
	if err != nil || r.Actor != "ci" {
		t.Fatalf("Decode of a genuine record: %+v, %v", r, err)
	}
}
