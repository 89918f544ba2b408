package mdtext

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// special are the characters Text escapes: those that open inline
// constructs (code, emphasis, links, HTML, entities, strike-through, maths,
// autolinks, footnotes), end a table cell, or close a heading ("#" after a
// space: the review's headings end in a name). Text does
// not start a line, so the block markers that are not among them (-, +,
// 1.) are escaped by Line only.
//
// Autolinks need more: cmark-gfm (GitHub's renderer) links "http://..."
// and "www...." from the raw text, backslashes and all, so a link ending in
// the backslash of "\<" leaves the "<" unescaped and "www.a.com<img
// src=...>" would render an image. Text escapes the colon of "://" (a colon
// before a "/", or at the end of s, where the text after it may start with
// one: cmark-gfm's url_match in extensions/autolink.c needs "://") and the
// dot of "www." (a dot after "www", or after w's that start s, where the
// text before s may end in the rest), which keeps those links from
// forming. When s ends in "www", the text after it may start with the dot
// (the review writes "." after a site's name) and a letter cannot be
// backslash-escaped, so its last "w" is written as an entity. Other
// colons, as in "group:analysts", are left as they are. An email's
// autolink is made from the unescaped text and shows its own target, so
// it is harmless and is left alone: no escape stops it.
const special = "\\`*_[]<>|~&$#"

// plain marks the bytes Text writes as they are wherever they stand
// (but for the last "w" of a text ending in "www"): printable ASCII other
// than special, ':' and '.'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = strings.IndexByte(special+":.", byte(c)) < 0
	}
	return t
}()

// escapes reports whether Text escapes s[i], an ASCII character.
func escapes(s string, i int) bool {
	switch c := s[i]; c {
	case ':':
		return i+1 == len(s) || s[i+1] == '/'
	case '.':
		j := i
		for j > 0 && s[j-1]|0x20 == 'w' {
			j--
		}
		return i-j >= 3 || j == 0
	default:
		return strings.IndexByte(special, c) >= 0
	}
}

// wwwEnd reports whether s ends in "www", whatever its case.
func wwwEnd(s string) bool {
	return len(s) >= 3 && strings.EqualFold(s[len(s)-3:], "www")
}

// Text appends s as markdown text that cannot open any construct and
// stays on one line, so it is safe in a table cell or a list item: line
// breaks and tabs become spaces, and unprintable characters are shown as
// Printable shows them.
func Text(b []byte, s string) []byte {
	var last byte // written as an entity
	if wwwEnd(s) {
		s, last = s[:len(s)-1], s[len(s)-1]
	}
	for i := 0; i < len(s); {
		c := s[i]
		if plain[c] {
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch {
			case c == '\n' || c == '\r' || c == '\t':
				b = append(b, ' ')
			case c < 0x20 || c == 0x7f:
				b = Printable(b, s[i:i+1])
			case escapes(s, i):
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
	if last != 0 {
		b = fmt.Appendf(b, "&#%d;", last)
	}
	return b
}

// String is Text as a string: s itself when it needs no escape.
func String(s string) string {
	if wwwEnd(s) {
		return string(Text(make([]byte, 0, len(s)+8), s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !plain[c] && (c < 0x20 || c >= 0x7f || escapes(s, i)) {
			return string(Text(make([]byte, 0, len(s)+8), s))
		}
	}
	return s
}

// Line appends s as Text does, for text that starts a line or a list
// item's content, where GFM would read a leading "-", "+" or "1." as a
// list and four spaces as code: such a marker is escaped too, and leading
// white space, which GFM would not show, is dropped. Text that is only
// white space is written as the entity of a space: an empty list item
// cannot start a list after a paragraph, so GFM would join "1." and the
// items after it to the line above.
func Line(b []byte, s string) []byte {
	s = strings.TrimLeft(s, " \t\r\n")
	if s == "" {
		return append(b, "&#32;"...)
	}
	start := len(b)
	b = Text(b, s)
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	switch {
	case s[0] == '-' || s[0] == '+':
		b = slices.Insert(b, start, '\\')
	case digits > 0 && digits < len(s) && (s[digits] == '.' || s[digits] == ')'):
		// Text wrote the digits as they are, then the "." or ")".
		b = slices.Insert(b, start+digits, '\\')
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
