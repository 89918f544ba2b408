package termtext

import (
	"strconv"
	"strings"
	"unicode"
)

// Acts reports whether r, shown on a terminal, would act on it or start a
// line: a control character (C0, DEL and C1, whose U+009B starts an
// escape sequence as ESC [ does) or a line or paragraph separator.
func Acts(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }

// Escape is s with every character Acts on shown as its Go escape
// (\x1b, \n, \u2028), so that it stays on one line and acts on nothing.
func Escape(s string) string {
	if strings.IndexFunc(s, Acts) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if Acts(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
