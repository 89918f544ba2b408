package evidence

// The canonicaliser as it was before jsontext: encoding/json v1 into any,
// RFC 8785 written by hand. Kept only for FuzzCanonicalizeMatchesOld.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// CanonicalizeJSON rewrites JSON text in canonical form. It refuses
// duplicate keys and numbers that are not safe integers.
func oldCanonicalizeJSON(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	var b bytes.Buffer
	b.Grow(len(data))
	if err := oldWriteCanonical(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// oldMaxSafeInteger is 2^53: canonical numbers lie within ±oldMaxSafeInteger.
const oldMaxSafeInteger = 1 << 53

func oldWriteCanonical(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil || n > oldMaxSafeInteger || n < -oldMaxSafeInteger {
			return fmt.Errorf("number %s is not an integer within ±2^53", x)
		}
		b.WriteString(strconv.FormatInt(n, 10))
	case string:
		oldWriteString(b, x)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := oldWriteCanonical(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return oldLessUTF16(keys[i], keys[j]) })
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			oldWriteString(b, k)
			b.WriteByte(':')
			if err := oldWriteCanonical(b, x[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("unexpected JSON value %T", v)
	}
	return nil
}

// lessUTF16 orders keys as JCS does, by UTF-16 code units. UTF-8 byte
// order is code point order, which differs from UTF-16 order only between
// U+E000..U+FFFF and the runes beyond the Basic Multilingual Plane (whose
// surrogates D800..DFFF sort lower), so the bytes are compared directly
// and only a difference inside a non-ASCII rune looks at the runes.
func oldLessUTF16(a, b string) bool {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		return len(a) < len(b)
	}
	if a[i] < utf8.RuneSelf || b[i] < utf8.RuneSelf {
		return a[i] < b[i]
	}
	for i > 0 && !utf8.RuneStart(a[i]) {
		i--
	}
	ra, _ := utf8.DecodeRuneInString(a[i:])
	rb, _ := utf8.DecodeRuneInString(b[i:])
	return oldRuneLessUTF16(ra, rb)
}

// runeLessUTF16 compares two runes by their UTF-16 code units: first
// units, then (for two runes beyond the BMP with the same high surrogate)
// the low surrogates, which follow code point order.
func oldRuneLessUTF16(a, b rune) bool {
	ka, kb := oldUTF16Key(a), oldUTF16Key(b)
	if ka != kb {
		return ka < kb
	}
	return a < b
}

// utf16Key maps a rune to a value ordered like its first UTF-16 code unit.
func oldUTF16Key(r rune) uint32 {
	if r >= 0x10000 {
		return 0xD800 + uint32((r-0x10000)>>10)
	}
	return uint32(r)
}

const oldHexDigits = "0123456789abcdef"

// writeString writes s as JCS does (see appendString).
func oldWriteString(b *bytes.Buffer, s string) {
	b.Write(oldAppendString(b.AvailableBuffer(), s))
}

// appendString appends s as a canonical (RFC 8785) JSON string: only '"',
// '\\' and control characters are escaped, with JSON's short forms where
// it has them (\b \f \n \r \t) and \u00xx otherwise; everything else,
// non-ASCII included, is written as it is. A byte that is not valid UTF-8
// becomes U+FFFD, as encoding/json reads and writes it, so that what is
// written is the canonical form of what any JSON reader makes of s.
func oldAppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, "\uFFFD"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', oldHexDigits[c>>4], oldHexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// FuzzCanonicalizeMatchesOld: CanonicalizeJSON (jsontext) writes exactly
// what the old canonicaliser wrote for everything it accepts, and refuses
// what the old one accepted only where the old one was lenient: a member
// named twice (the last one won), invalid UTF-8 or an escaped lone
// surrogate (U+FFFD), or a stray ']' or '}' after the value.
func FuzzCanonicalizeMatchesOld(f *testing.F) {
	for _, s := range []string{`{"a":[1,-2,"x\u0001"],"b":{}}`, `{"b":1,"a":2}`, `"\u2028"`, `1.0`, "\"\xff\"",
		`{"\ud83d\ude00":1,"\uff21":2}`, ` {"a":-0} `, `{"a":1,"a":2}`, `{"a":1} ]`, `[9007199254740992,-9007199254740992]`,
		`9007199254740993`, `"\ud800"`, `{"x":"\u003c\u2028\/"}`, `[1e2]`, `{"a":{"b":null,"a":[true,false]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, errNew := CanonicalizeJSON(data)
		want, errOld := oldCanonicalizeJSON(data)
		switch {
		case errNew == nil && errOld != nil:
			t.Fatalf("%q: new accepts as %q, old refused: %v", data, got, errOld)
		case errNew == nil && !bytes.Equal(got, want):
			t.Fatalf("%q: new %q, old %q", data, got, want)
		case errNew != nil && errOld == nil:
			lenient := jsontext.Value(bytes.Clone(data))
			if lenient.Canonicalize(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)) == nil {
				return // a duplicate or invalid UTF-8
			}
			dec := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
			if _, err := dec.ReadValue(); err == nil {
				if rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n"); len(rest) > 0 && (rest[0] == ']' || rest[0] == '}') {
					return
				}
			}
			t.Fatalf("%q: new refuses (%v), old accepted as %q", data, errNew, want)
		}
	})
}
