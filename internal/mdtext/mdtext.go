package mdtext

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// special are the characters Text escapes: those that open inline
// constructs (code, emphasis, links, HTML, entities, strike-through, maths,
// issue references, autolinks) or end a table cell. Text never starts a
// line, so block markers (-, +, 1.) need no escape.
//
// The colon is for autolinks: cmark-gfm (GitHub's renderer) links
// "http://..." and "www...." from the raw text, backslashes and all, so a
// link ending in the backslash of "\<" leaves the "<" unescaped and
// "www.a.com<img src=...>" would render an image. An escaped colon (and the
// dot of "www.", see Text) keeps those links from forming. An email's
// autolink is made from the unescaped text and shows its own target, so it
// is harmless and is left alone: no escape stops it.
const special = "\\`*_[]<>|~&$#:"

// Text appends s as markdown text that cannot open any construct and
// stays on one line, so it is safe in a table cell or a list item: line
// breaks and tabs become spaces, and unprintable characters are shown as
// Printable shows them.
func Text(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\n' || c == '\r' || c == '\t':
				b = append(b, ' ')
			case c < 0x20 || c == 0x7f:
				b = Printable(b, s[i:i+1])
			case strings.IndexByte(special, c) >= 0,
				c == '.' && i >= 3 && strings.EqualFold(s[i-3:i], "www"):
				b = append(b, '\\', c)
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		b = Printable(b, s[i:i+size])
		i += size
	}
	return b
}

// Code appends s as an inline code span: its fence is longer than any
// run of backticks in s, line breaks become spaces and a space pads each
// end when GFM would otherwise strip one or join a backtick to the fence.
// In a table cell, pipes are escaped too (GFM splits the row at unescaped
// pipes first and unescapes them inside code); anywhere else the backslash
// would show, so they are not.
func Code(b []byte, s string, cell bool) []byte {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	clean := Printable(nil, strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s))
	// GFM strips one space from each end of a code span that starts and
	// ends with one, unless it is only spaces.
	padded := len(clean) > 0 && (clean[0] == '`' || clean[len(clean)-1] == '`' ||
		clean[0] == ' ' && clean[len(clean)-1] == ' ' && strings.Trim(string(clean), " ") != "")
	b = append(b, fence...)
	if padded {
		b = append(b, ' ')
	}
	for _, c := range clean {
		if c == '|' && cell {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	if padded {
		b = append(b, ' ')
	}
	return append(b, fence...)
}

// Printable appends s for a terminal or a code block: printable text as it
// is, anything else (control characters, invalid UTF-8, invisible format
// characters) escaped as \xNN, \uNNNN or \UNNNNNNNN, so that no string can
// move the cursor, change colours or hide text.
func Printable(b []byte, s string) []byte {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return append(b, s...)
	}
	b = append(b, s[:i]...)
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = fmt.Appendf(b, `\x%02x`, s[i])
		case r == ' ' || strconv.IsPrint(r):
			b = append(b, s[i:i+size]...)
		case r < 0x80:
			b = fmt.Appendf(b, `\x%02x`, r)
		case r < 0x10000:
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = fmt.Appendf(b, `\U%08x`, r)
		}
		i += size
	}
	return b
}
