package plan

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jdec is a small JSON reader for the plan file: a saved plan of 100,000
// changes decodes several times faster than through encoding/json's
// reflection, and apply reads one for every run. It accepts exactly RFC
// 8259 JSON (strings as encoding/json reads them: invalid UTF-8 and lone
// surrogates become U+FFFD) and stops at the first problem, which d.err
// describes; nothing it is given can make it panic.
type jdec struct {
	b     []byte
	i     int
	err   error
	eof   bool // the error is the input ending early
	depth int
}

const maxDepth = 10000

func (d *jdec) fail(err error) bool {
	if d.err == nil {
		d.err = err
	}
	return false
}

func (d *jdec) failf(format string, args ...any) bool {
	return d.fail(fmt.Errorf(format, args...))
}

// syntax reports a syntax error at the current position.
func (d *jdec) syntax(expected string) bool {
	if d.i >= len(d.b) {
		d.eof = true
		return d.failf("unexpected end of JSON input")
	}
	return d.failf("invalid character %s at byte %d, expected %s", quoteChar(d.b[d.i]), d.i, expected)
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	if c >= utf8.RuneSelf {
		s = fmt.Sprintf("0x%02x", c)
		return s
	}
	return "'" + s[1:len(s)-1] + "'"
}

func (d *jdec) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte, 0 at the end.
func (d *jdec) peek() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// kind names the JSON type of the next value, for type errors.
func (d *jdec) kind() string {
	switch c := d.peek(); {
	case c == '"':
		return "string"
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == 't' || c == 'f':
		return "bool"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "number"
	}
	return "value"
}

// typeErr reports that the value of name has the wrong type. A syntax
// error there is reported as such.
func (d *jdec) typeErr(name, want string) bool {
	k := d.kind()
	if k == "value" {
		return d.syntax(want)
	}
	return d.failf("%s is a JSON %s, expected %s", name, k, want)
}

// end checks that nothing but whitespace follows the top-level value.
func (d *jdec) end() bool {
	if d.err != nil {
		return false
	}
	if d.ws(); d.i != len(d.b) {
		return d.failf("invalid character %s at byte %d after the top-level value", quoteChar(d.b[d.i]), d.i)
	}
	return true
}

// Objects and arrays are read with iterators rather than callbacks, so a
// large plan makes no closure per element:
//
//	if !d.enterObject("the plan") { ... }
//	for first := true; ; {
//		key, more := d.nextKey(&first)
//		if !more { break }     // '}' read, or d.err set
//		... read the value ...
//	}

// enterObject consumes the '{' of the value of name.
func (d *jdec) enterObject(name string) bool {
	if d.err != nil {
		return false
	}
	if d.peek() != '{' {
		return d.typeErr(name, "an object")
	}
	if d.depth++; d.depth > maxDepth {
		return d.failf("JSON nested more than %d deep", maxDepth)
	}
	d.i++
	return true
}

// nextKey reads the next member's key and colon; false at the closing '}'
// (consumed) or on an error.
func (d *jdec) nextKey(first *bool) ([]byte, bool) {
	if d.err != nil {
		return nil, false
	}
	c := d.peek()
	if *first {
		*first = false
		if c == '}' {
			d.i++
			d.depth--
			return nil, false
		}
	} else {
		switch c {
		case ',':
			d.i++
			c = d.peek()
		case '}':
			d.i++
			d.depth--
			return nil, false
		default:
			return nil, d.syntax("',' or '}'")
		}
	}
	if c != '"' {
		return nil, d.syntax("a string (an object key)")
	}
	key, ok := d.strBytes()
	if !ok {
		return nil, false
	}
	if d.peek() != ':' {
		return nil, d.syntax("':'")
	}
	d.i++
	return key, true
}

// enterArray consumes the '[' of the value of name.
func (d *jdec) enterArray(name string) bool {
	if d.err != nil {
		return false
	}
	if d.peek() != '[' {
		return d.typeErr(name, "an array")
	}
	if d.depth++; d.depth > maxDepth {
		return d.failf("JSON nested more than %d deep", maxDepth)
	}
	d.i++
	return true
}

// nextElem reports whether another element follows; false at the closing
// ']' (consumed) or on an error.
func (d *jdec) nextElem(first *bool) bool {
	if d.err != nil {
		return false
	}
	c := d.peek()
	if *first {
		*first = false
		if c == ']' {
			d.i++
			d.depth--
			return false
		}
	} else {
		switch c {
		case ',':
			d.i++
		case ']':
			d.i++
			d.depth--
			return false
		default:
			return d.syntax("',' or ']'")
		}
	}
	if d.peek() == 0 {
		return d.syntax("a value")
	}
	return true
}

// ok reports whether no error happened.
func (d *jdec) ok() bool { return d.err == nil }

// null consumes a null if one is next.
func (d *jdec) null() bool {
	if d.peek() == 'n' {
		return d.literal("null")
	}
	return false
}

func (d *jdec) literal(lit string) bool {
	if len(d.b)-d.i >= len(lit) && string(d.b[d.i:d.i+len(lit)]) == lit {
		d.i += len(lit)
		return true
	}
	for k := 0; k < len(lit); k++ { // point at the first wrong byte
		if d.i+k >= len(d.b) || d.b[d.i+k] != lit[k] {
			d.i += k
			return d.syntax(fmt.Sprintf("%q", lit))
		}
	}
	return false
}

// str reads a string (null reads as "", as encoding/json leaves it).
func (d *jdec) str(name string) (string, bool) {
	if d.null() {
		return "", true
	}
	if d.err != nil {
		return "", false
	}
	if d.peek() != '"' {
		return "", d.typeErr(name, "a string")
	}
	b, ok := d.strBytes()
	return string(b), ok
}

func (d *jdec) boolean(name string) (bool, bool) {
	switch d.peek() {
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return false, d.literal("null")
	}
	return false, d.typeErr(name, "true or false")
}

// number reads a JSON number and returns its text.
func (d *jdec) number() ([]byte, bool) {
	start := d.i
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	digits := func() bool {
		n := d.i
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
		}
		return d.i > n
	}
	switch {
	case d.i < len(d.b) && d.b[d.i] == '0':
		d.i++
	case !digits():
		return nil, d.syntax("a digit")
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if !digits() {
			return nil, d.syntax("a digit")
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if !digits() {
			return nil, d.syntax("a digit")
		}
	}
	return d.b[start:d.i], true
}

// integer reads a whole number that fits bits (signed or not); null is 0.
func (d *jdec) integer(name string, signed bool, bits int) (int64, uint64, bool) {
	if d.null() {
		return 0, 0, true
	}
	if d.err != nil {
		return 0, 0, false
	}
	if c := d.peek(); c != '-' && (c < '0' || c > '9') {
		return 0, 0, d.typeErr(name, "a number")
	}
	raw, ok := d.number()
	if !ok {
		return 0, 0, false
	}
	if signed {
		n, err := strconv.ParseInt(string(raw), 10, bits)
		if err != nil {
			return 0, 0, d.failf("%s is %s, expected a whole number", name, truncate(string(raw)))
		}
		return n, 0, true
	}
	n, err := strconv.ParseUint(string(raw), 10, bits)
	if err != nil {
		return 0, 0, d.failf("%s is %s, expected a whole number of at least 0", name, truncate(string(raw)))
	}
	return 0, n, true
}

// skip reads and checks any value, keeping nothing.
func (d *jdec) skip() bool {
	switch c := d.peek(); {
	case c == '{':
		d.enterObject("")
		for first := true; ; {
			if _, more := d.nextKey(&first); !more || !d.skip() {
				break
			}
		}
		return d.ok()
	case c == '[':
		d.enterArray("")
		for first := true; d.nextElem(&first) && d.skip(); {
		}
		return d.ok()
	case c == '"':
		_, ok := d.strBytes()
		return ok
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		_, ok := d.number()
		return ok
	}
	return d.syntax("a value")
}

// anyValue reads a value as SetAttr takes it: nil, string, bool, []any of
// anything, json.Number, or map[string]any for an object (its content is
// not kept: an attribute is never an object).
func (d *jdec) anyValue() (any, bool) {
	switch c := d.peek(); {
	case c == 'n':
		return nil, d.literal("null")
	case c == '"':
		b, ok := d.strBytes()
		return string(b), ok
	case c == 't' || c == 'f':
		return d.boolean("")
	case c == '[':
		l := []any{}
		d.enterArray("")
		for first := true; d.nextElem(&first); {
			v, ok := d.anyValue()
			if !ok {
				break
			}
			l = append(l, v)
		}
		return l, d.ok()
	case c == '{':
		return map[string]any{}, d.skip()
	case c == '-' || (c >= '0' && c <= '9'):
		raw, ok := d.number()
		return json.Number(raw), ok
	}
	return nil, d.syntax("a value")
}

// strBytes reads a string at '"' and returns its content, unescaped. The
// result may share the input's memory; copy it to keep it.
func (d *jdec) strBytes() ([]byte, bool) {
	d.i++ // the opening quote
	start := d.i
	ascii := true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			if !ascii && !utf8.Valid(s) {
				return []byte(string([]rune(string(s)))), true // invalid bytes become U+FFFD
			}
			return s, true
		case c == '\\':
			return d.strSlow(start)
		case c < 0x20:
			return nil, d.failf("invalid control character 0x%02x in a string at byte %d", c, d.i)
		case c >= utf8.RuneSelf:
			ascii = false
		}
		d.i++
	}
	return nil, d.syntax(`'"'`)
}

// strSlow finishes a string that has escapes, from its start.
func (d *jdec) strSlow(start int) ([]byte, bool) {
	out := make([]byte, 0, d.i-start+16)
	d.i = start
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return out, true
		case c < 0x20:
			return nil, d.failf("invalid control character 0x%02x in a string at byte %d", c, d.i)
		case c == '\\':
			d.i++
			if d.i >= len(d.b) {
				return nil, d.syntax("an escape")
			}
			e := d.b[d.i]
			d.i++
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
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
				r, ok := d.hex4()
				if !ok {
					return nil, false
				}
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if d.i+1 < len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
						save := d.i
						d.i += 2
						if r2, ok = d.hex4(); !ok {
							return nil, false
						}
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							r = dec
						} else {
							d.i = save // not a pair: the second escape stands alone
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				d.i--
				return nil, d.syntax("an escape character")
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			d.i++
		default:
			r, size := utf8.DecodeRune(d.b[d.i:])
			d.i += size
			out = utf8.AppendRune(out, r) // RuneError for invalid bytes
		}
	}
	return nil, d.syntax(`'"'`)
}

func (d *jdec) hex4() (rune, bool) {
	if len(d.b)-d.i < 4 {
		d.i = len(d.b)
		return 0, d.syntax("four hex digits")
	}
	var r rune
	for k := 0; k < 4; k++ {
		c := d.b[d.i]
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, d.syntax("a hex digit")
		}
		r = r<<4 | rune(v)
		d.i++
	}
	return r, true
}
