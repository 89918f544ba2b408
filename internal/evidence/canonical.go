package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Canonical returns the RFC 8785 (JCS) canonical JSON of v: object keys
// sorted, no insignificant whitespace, strings escaped only where JSON
// requires it. v is first marshalled with encoding/json, so any JSON-able
// value works. Numbers must be integers that fit 2^53 exactly: roster's
// records hold no others, and this keeps `jq -cS` in agreement.
func Canonical(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return CanonicalizeJSON(raw)
}

// CanonicalizeJSON rewrites JSON text in canonical form. It refuses
// duplicate keys and numbers that are not safe integers.
func CanonicalizeJSON(data []byte) ([]byte, error) {
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
	if err := writeCanonical(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// maxSafeInteger is 2^53: canonical numbers lie within ±maxSafeInteger.
const maxSafeInteger = 1 << 53

func writeCanonical(b *bytes.Buffer, v any) error {
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
		if err != nil || n > maxSafeInteger || n < -maxSafeInteger {
			return fmt.Errorf("number %s is not an integer within ±2^53", x)
		}
		b.WriteString(strconv.FormatInt(n, 10))
	case string:
		writeString(b, x)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeCanonical(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return lessUTF16(keys[i], keys[j]) })
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			if err := writeCanonical(b, x[k]); err != nil {
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
func lessUTF16(a, b string) bool {
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
	return runeLessUTF16(ra, rb)
}

// lessUTF16Bytes is lessUTF16 for byte slices.
func lessUTF16Bytes(a, b []byte) bool {
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
	ra, _ := utf8.DecodeRune(a[i:])
	rb, _ := utf8.DecodeRune(b[i:])
	return runeLessUTF16(ra, rb)
}

// runeLessUTF16 compares two runes by their UTF-16 code units: first
// units, then (for two runes beyond the BMP with the same high surrogate)
// the low surrogates, which follow code point order.
func runeLessUTF16(a, b rune) bool {
	ka, kb := utf16Key(a), utf16Key(b)
	if ka != kb {
		return ka < kb
	}
	return a < b
}

// utf16Key maps a rune to a value ordered like its first UTF-16 code unit.
func utf16Key(r rune) uint32 {
	if r >= 0x10000 {
		return 0xD800 + uint32((r-0x10000)>>10)
	}
	return uint32(r)
}

const hexDigits = "0123456789abcdef"

// writeString writes s as JCS does (see appendString).
func writeString(b *bytes.Buffer, s string) {
	b.Write(appendString(b.AvailableBuffer(), s))
}

// appendString appends s as a canonical (RFC 8785) JSON string: only '"',
// '\\' and control characters are escaped, with JSON's short forms where
// it has them (\b \f \n \r \t) and \u00xx otherwise; everything else,
// non-ASCII included, is written as it is. A byte that is not valid UTF-8
// becomes U+FFFD, as encoding/json reads and writes it, so that what is
// written is the canonical form of what any JSON reader makes of s.
func appendString(b []byte, s string) []byte {
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
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
