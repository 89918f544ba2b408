package gfmtest

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// Hostile are texts an author might write to hide something from the
// reader of a rendered document: raw HTML, comments, links and autolinks,
// table and block markers, code fences, entities, control and invisible
// characters.
var Hostile = []string{
	"a | b", "|", "||", `\|`, "`", "``", "```", "````x````", "` a `", " lead and trail ",
	"<!--", "-->", "<!-- hidden", "x -->", "</details>", "<details>", "<details open>", "</summary>",
	"<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<a href=http://e>x</a>", "<iframe src=//e>",
	"[x](http://e)", "![i](http://e/i.png)", "[x]: http://e", "<http://e>", "http://autolink.example",
	"https://e.example/p?q=1", "www.x.com", "mailto:a@b.c", "xmpp:a@b.c", "jane@agency.com",
	"www.a.com<img src=http://e/x.png>", "http://a.com<a href=http://evil>click</a>",
	"www.a.com<details open=x>", "www.a.com<b x=y>bold</b>", "x www.a.com<!-- z -->",
	"*", "**b**", "_", "__u__", "~~s~~", "~", `\`, `trailing\`, `\\`, "&lt;", "&#124;", "&amp;", "&#x3C;script&#x3E;",
	"a\nb", "a\r\nb", "\r", "\n\n# heading", "a\tb", "\x00", "\x01\x1b[31m", "\x7f", "\u2028", "\u2029", "\u202e",
	"\u200b", "\ufeff", "\xff\xfe", "# h", "> q", "- l", "+ l", "1. l", "1) l", ":--", "| --- |", "---", "===",
	"$x$", "$$", "#123", "@someone", ":smile:", "<", ">", "&", "\"'", "    indented", "\t\ttabs",
	"a  ", "  ", strings.Repeat("x", 3000), strings.Repeat("`", 40), strings.Repeat("|", 50),
	strings.Repeat("<!--", 20), strings.Repeat("\\", 33),
	"ftp://e.example", "<?php x ?>", "<![CDATA[x]]>", "<!DOCTYPE x>", "[^1]", "[^1]: note", "~~~", "- [ ] task",
	"a\vb\fc\u0085d",

	"[X] done", "- [x] done", "group:x", "a: b", "http:", "ftp:/", "=HYPERLINK(\"http://e.example\",\"click\")",
	// "www" before a "." the template writes, or split across texts.
	"www", "(www", "x www", "ww", "w.x", ".com", `www\.a.com<b x=y>`, "www&#46;a.com<b x=y>",
	"www\u3002a.com", "\uff57\uff57\uff57.a.com", "xmpp:a@b.c/www.x<b x=y>", "a@b.c<b x=y>", "<a@b.c>", "HtTpS://x",
	"&#58;", "&colon;", "~~x~~", "[^1]:", "[a][b]", "| a | b |", "***", "___", "=", "1)", "<br>", "[X]", "```js",
	"\u00a0- x", "\u3000# x", "heading ends #",
}

// pieces are what random hostile strings are made of.
var pieces = []string{
	"|", `\`, "`", "``", "<", ">", "<!--", "-->", "<details>", "</details>", "<img src=x>", "<b x=y>",
	"[", "]", "(", ")", "!", "*", "_", "~", "&", "&lt;", "&#124;", ";", "#", "$", ":", "@", ".", "/",
	"http://", "https://", "www.", "mailto:", ".com", "a@b.c", "\n", "\r", "\t", " ", "  ", "\x00", "\x1b",
	"\u2028", "\u202e", "\u00a0", "é", "\xff", "-", "+", "1.", ">", "=", "\"", "'", "a", "x", "0",
	"ftp://", "WWW.", "www", "w", "\v", "\f", "\u0085", "<?", "<![CDATA[", "<!X", "</", "&#x3c;", "[^1]", "~~~", "]: ",
}

// RandomHostile returns n strings of up to 12 pieces each, from seed.
func RandomHostile(seed uint64, n int) []string {
	rng := rand.New(rand.NewPCG(seed, 0x6766))
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		out[i] = b.String()
	}
	return out
}

// EachHostile runs check on Hostile, then, each as a subtest, on four sets
// of 150 random hostile strings (RandomHostile, seeds 0 to 3).
func EachHostile(t *testing.T, check func(t *testing.T, ss []string)) {
	t.Helper()
	check(t, Hostile)
	for seed := range uint64(4) {
		t.Run("random"+strconv.FormatUint(seed, 10), func(t *testing.T) { check(t, RandomHostile(seed, 150)) })
	}
}
