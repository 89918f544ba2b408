package evidence

import (
	"encoding/binary"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
)

// This file checks that bytes are canonical JSON (RFC 8785 as Canonical
// writes it) in one pass, without decoding them. Stored records are
// canonical, so the verifier can hash their bytes as they are and decode
// nothing; bytes the scanner does not take go to CheckStrict, which
// accepts exactly the same bytes (FuzzStrictMatchesScanner) and says why
// it refuses the others.
//
// Canonical here means exactly what CanonicalizeJSON writes: no
// whitespace; object keys strictly increasing in UTF-16 order (so no
// duplicates); strings valid UTF-8 with only '"', '\\' and control
// characters escaped, with the short forms where JSON has them and
// lower-case \u00xx otherwise; numbers integers within ±2^53 without a
// leading zero, plus sign, fraction or exponent, and no "-0".

// maxCanonicalDepth bounds nesting as encoding/json does: deeper input is
// not canonical (the slow path then refuses it).
const maxCanonicalDepth = 10000

// plainByte marks the bytes a string may hold as they are without a
// closer look: printable ASCII other than '"' and '\\'.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plain8 reports whether all eight bytes of w are plainByte: none is
// below 0x20, '"', '\\' or at or above 0x80.
func plain8(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	// The classic "has a zero byte" test, on w and on w with '"' and
	// '\\' turned into zeros; with no byte at or above 0x80 (w's own high
	// bits) each is exact.
	q, b := w^('"'*ones), w^('\\'*ones)
	below := (w - 0x20*ones) &^ w
	quote := (q - ones) &^ q
	slash := (b - ones) &^ b
	return (below|quote|slash|w)&highs == 0
}

// canonScanner walks canonical JSON.
type canonScanner struct {
	d []byte
	i int
}

// isCanonical reports whether data is one canonical JSON value and nothing
// else.
func isCanonical(data []byte) bool {
	s := canonScanner{d: data}
	return s.value(0) && s.i == len(data)
}

// value scans one value at s.i.
func (s *canonScanner) value(depth int) bool {
	if s.i >= len(s.d) {
		return false
	}
	switch s.d[s.i] {
	case '{':
		return s.object(depth+1, nil)
	case '[':
		return s.array(depth + 1)
	case '"':
		_, ok := s.str()
		return ok
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	return s.number()
}

func (s *canonScanner) literal(lit string) bool {
	if len(s.d)-s.i < len(lit) || string(s.d[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// number scans an integer within ±2^53 as strconv.FormatInt writes it.
func (s *canonScanner) number() bool {
	d, i := s.d, s.i
	neg := d[i] == '-'
	if neg {
		i++
	}
	start := i
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	n := i - start
	switch {
	case n == 0, n > 16:
		return false
	case d[start] == '0' && (n > 1 || neg):
		return false
	case n == 16 && string(d[start:i]) > "9007199254740992":
		return false
	}
	if i < len(d) && (d[i] == '.' || d[i] == 'e' || d[i] == 'E') {
		return false
	}
	s.i = i
	return true
}

// str scans a string at s.i (its opening quote) and says whether it holds
// an escape.
func (s *canonScanner) str() (escaped, ok bool) {
	d := s.d
	i := s.i + 1
	for {
		for i+8 <= len(d) && plain8(binary.LittleEndian.Uint64(d[i:])) {
			i += 8
		}
		for i < len(d) && plainByte[d[i]] {
			i++
		}
		if i >= len(d) {
			return false, false
		}
		switch c := d[i]; {
		case c == '"':
			s.i = i + 1
			return escaped, true
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				return false, false
			}
			switch d[i+1] {
			case '"', '\\', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				// Only control characters without a short form.
				if i+6 > len(d) || d[i+2] != '0' || d[i+3] != '0' || (d[i+4] != '0' && d[i+4] != '1') {
					return false, false
				}
				v := hexValue(d[i+5])
				if v < 0 {
					return false, false
				}
				if d[i+4] == '0' {
					switch v {
					case '\b', '\f', '\n', '\r', '\t':
						return false, false
					}
				}
				i += 6
			default:
				return false, false
			}
		case c < 0x20:
			return false, false
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				return false, false
			}
			i += size
		}
	}
}

// hexValue is the value of a lower-case hex digit, -1 for anything else.
func hexValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

func (s *canonScanner) array(depth int) bool {
	if depth > maxCanonicalDepth {
		return false
	}
	s.i++ // '['
	if s.i < len(s.d) && s.d[s.i] == ']' {
		s.i++
		return true
	}
	for {
		if !s.value(depth) || s.i >= len(s.d) {
			return false
		}
		switch s.d[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return true
		default:
			return false
		}
	}
}

// recordFields are where the members the chain needs sit in a record's
// bytes. A field is found only when its value has the expected type and
// no escape; otherwise the record takes the slow path.
type recordFields struct {
	seqFound, prevFound, hashFound bool
	seq                            uint64
	prev, hash                     []byte
	// hashStart and hashEnd delimit the hash member ("hash":"...") and
	// hashFirst says whether it is the object's first member.
	hashStart, hashEnd int
	hashFirst          bool
}

// object scans an object at s.i. With top set it also notes the members
// the chain needs.
func (s *canonScanner) object(depth int, top *recordFields) bool {
	if depth > maxCanonicalDepth {
		return false
	}
	d := s.d
	s.i++ // '{'
	if s.i < len(d) && d[s.i] == '}' {
		s.i++
		return true
	}
	var prev []byte
	for first := true; ; first = false {
		if s.i >= len(d) || d[s.i] != '"' {
			return false
		}
		ks := s.i
		escaped, ok := s.str()
		if !ok {
			return false
		}
		key := d[ks+1 : s.i-1]
		if escaped {
			key = unescapeCanonical(key)
		}
		if !first && !lessUTF16Bytes(prev, key) {
			return false
		}
		prev = key
		if s.i >= len(d) || d[s.i] != ':' {
			return false
		}
		s.i++
		vs := s.i
		if !s.value(depth) {
			return false
		}
		if top != nil && !escaped {
			top.note(key, d[vs:s.i], ks, s.i, first)
		}
		if s.i >= len(d) {
			return false
		}
		switch d[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

// note records a top-level member of a record if it is one the chain
// needs; val is its (canonical) value, start and end the member's extent.
func (f *recordFields) note(key []byte, val []byte, start, end int, first bool) {
	switch string(key) {
	case "seq":
		if val[0] < '1' || val[0] > '9' {
			return // 0, negative or not a number: the slow path says why
		}
		var n uint64
		for _, c := range val {
			if c < '0' || c > '9' {
				return
			}
			n = n*10 + uint64(c-'0')
		}
		f.seq, f.seqFound = n, true
	case "prev_hash":
		if v, ok := plainString(val); ok {
			f.prev, f.prevFound = v, true
		}
	case "hash":
		if v, ok := plainString(val); ok {
			f.hash, f.hashFound = v, true
			f.hashStart, f.hashEnd, f.hashFirst = start, end, first
		}
	}
}

// plainString returns the content of a canonical string value without
// escapes.
func plainString(val []byte) ([]byte, bool) {
	if len(val) < 2 || val[0] != '"' {
		return nil, false
	}
	v := val[1 : len(val)-1]
	for _, c := range v {
		if c == '\\' {
			return nil, false
		}
	}
	return v, true
}

// unescapeCanonical decodes the content of a canonical string (escapes
// checked by str).
func unescapeCanonical(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		switch s[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			out = append(out, byte((s[i+3]-'0')<<4|byte(hexValue(s[i+4]))))
			i += 4
		default: // '"', '\\'
			out = append(out, s[i])
		}
	}
	return out
}

// scanRecord checks that data is a canonical JSON object, byte for byte
// (nothing around it), and finds the members the chain needs. ok is false
// when the record is not canonical or lacks one of those members. body is
// the object's extent in data.
func scanRecord(data []byte, f *recordFields) (bodyStart, bodyEnd int, ok bool) {
	i := 0
	if len(data) == 0 || data[0] != '{' {
		return 0, 0, false
	}
	s := canonScanner{d: data, i: i}
	if !s.object(1, f) {
		return 0, 0, false
	}
	if s.i != len(data) {
		return 0, 0, false
	}
	if !f.seqFound || !f.prevFound || !f.hashFound {
		return 0, 0, false
	}
	return i, s.i, true
}

// recordHashes are the members of a record that Hashes reads.
type recordHashes struct {
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// Hashes returns a record's "prev_hash" and "hash" as the strict json/v2
// decode of it reads them: "", "" for bytes that decode refuses (not one
// JSON object, a repeated name, a hash that is not a string). A state
// store calls it for every record it lists (a million of them for
// evidence verify), so a record in canonical form, as every record is
// stored, is read by the verifier's scanner without decoding
// (FuzzHashesMatchDecode holds the two equal); anything else is decoded.
func Hashes(data []byte) (prev, hash string) {
	var f recordFields
	if _, _, ok := scanRecord(data, &f); ok {
		return string(f.prev), string(f.hash)
	}
	var h recordHashes
	if err := jsonv2.Unmarshal(data, &h); err != nil {
		return "", ""
	}
	return h.PrevHash, h.Hash
}

// lessUTF16Bytes orders keys as RFC 8785 does, by UTF-16 code units.
// UTF-8 byte order is code point order, which differs from UTF-16 order
// only between U+E000..U+FFFF and the runes beyond the Basic Multilingual
// Plane (whose surrogates D800..DFFF sort lower), so the bytes are
// compared directly and only a difference inside a non-ASCII rune looks at
// the runes.
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
