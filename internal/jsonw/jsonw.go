// Package jsonw owns writing JSON strings fast, byte for byte as
// encoding/json writes them, for the hand-written encoders of large
// outputs (plans, plan files, reports) that encoding/json would make slow.
// It is a leaf.
package jsonw

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// safe[html][c] reports whether the ASCII byte c is written as itself.
var safe = func() (t [2][utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		ok := c != '"' && c != '\\'
		t[0][c] = ok
		t[1][c] = ok && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// AppendString appends s as a JSON string exactly as encoding/json writes
// it with HTML escaping off: \" and \\, short escapes for \b \f \n \r \t,
// \u00XX for other control characters, U+2028 and U+2029 escaped, and
// invalid UTF-8 replaced by U+FFFD.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = AppendStringBody(b, s, false)
	return append(b, '"')
}

// AppendStringHTML is AppendString as json.Marshal writes it: <, > and &
// escaped too.
func AppendStringHTML(b []byte, s string) []byte {
	b = append(b, '"')
	b = AppendStringBody(b, s, true)
	return append(b, '"')
}

// AppendStringBody appends the escaped content of s without quotes.
func AppendStringBody(b []byte, s string, html bool) []byte {
	ok := &safe[0]
	if html {
		ok = &safe[1]
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if ok[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
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
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
