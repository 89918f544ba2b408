package mdtext

import (
	"bytes"
	"regexp"
	"testing"
)

var unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)

// cells is the number of cells of a table row.
func cells(row string) int { return len(unescapedPipe.FindAllStringIndex(row, -1)) - 1 }

// TestTextNoURLAutolink: cmark-gfm links "www.…" and "http://…" from
// the raw markdown, escapes and all, so a link would end in the backslash of
// "\\<" and leave the "<" to open raw HTML (an image, here). The colon and
// the dot of "www." are escaped so that no such link forms
// (render's gfm_test.go shows it with cmark-gfm itself).
func TestTextNoURLAutolink(t *testing.T) {
	for in, want := range map[string]string{
		"www.a.com<img src=http://e/x.png>": `www\.a.com\<img src=http\://e/x.png\>`,
		"WWW.a.com":                         `WWW\.a.com`,
		"see http://a.com<b x=y>":           `see http\://a.com\<b x=y\>`,
		// The text after s may start with the dot, or the text before
		// it end in w's: the review writes "www. Last reviewed" for a
		// site named "www".
		"www":   "ww&#119;",
		"x WWW": "x WW&#87;",
		"wwww":  "www&#119;",
		".com":  `\.com`,
		"w.com": `w\.com`,
		"a.com": "a.com",
	} {
		if got := string(Text(nil, in)); got != want {
			t.Errorf("Text(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestCodeSpan(t *testing.T) {
	tests := []struct {
		in, want string
		cell     bool
	}{
		{"plain", "`plain`", true},
		{"a`b", "``a`b``", true},
		{"`x", "`` `x ``", true},
		{"a|b", "`a\\|b`", true},
		// Outside a table, GFM would show the backslash of an escaped pipe.
		{"a|b", "`a|b`", false},
		{"a\nb", "`a b`", true},
		{" a ", "`  a  `", true},
		// Padded by what is printed, not by what was given: GFM would strip
		// the spaces the line breaks become.
		{"\na\n", "`  a  `", true},
		// Only spaces: GFM strips nothing, so no padding.
		{"  ", "`  `", true},
		{"", "``", true},
	}
	for _, tt := range tests {
		if got := string(Code(nil, tt.in, tt.cell)); got != tt.want {
			t.Errorf("Code(%q, %v) = %s, want %s", tt.in, tt.cell, got, tt.want)
		}
	}
}

// FuzzCell: whatever a reason or address holds, a table cell stays
// one line with no unescaped pipe.
func FuzzCell(f *testing.F) {
	for _, s := range []string{"", "a|b", "`", "x\ny", "\\|", "é\u2028|\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range [][]byte{Text(nil, s), Code(nil, s, true)} {
			if bytes.ContainsAny(out, "\n\r") {
				t.Fatalf("%q gives a cell with a line break: %q", s, out)
			}
			row := "| " + string(out) + " |"
			if cells(row) != 1 {
				t.Fatalf("%q gives a cell with an unescaped pipe: %q", s, out)
			}
		}
	})
}

func TestLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain":        "plain",
		"- l":          `\- l`,
		"+ l":          `\+ l`,
		"1. l":         `1\. l`,
		"12) l":        `12\) l`,
		"1.":           `1\.`,
		"1.5 GB":       `1\.5 GB`,
		"    indented": "indented",
		"\t\n- l":      `\- l`,
		"# h":          `\# h`,
		"a - b":        "a - b",
		"":             "&#32;",
		" \t":          "&#32;",
	} {
		if got := string(Line([]byte("x"), in)); got != "x"+want {
			t.Errorf("Line(%q) = %s, want %s", in, got[1:], want)
		}
	}
}

func TestString(t *testing.T) {
	for _, s := range []string{"plain", "a|b", "www.a", "é", "a\nb", "\x7f", "1. x", "", "x www", ".a"} {
		if got, want := String(s), string(Text(nil, s)); got != want {
			t.Errorf("String(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestTextColon: only a colon that could start "://" is escaped.
func TestTextColon(t *testing.T) {
	for in, want := range map[string]string{
		"group:analysts": "group:analysts",
		"a: b":           "a: b",
		"http://e":       `http\://e`,
		"ftp:/":          `ftp\:/`,
		"ends in http:":  `ends in http\:`,
		"mailto:a@b.c":   "mailto:a@b.c",
	} {
		if got := string(Text(nil, in)); got != want {
			t.Errorf("Text(%q) = %s, want %s", in, got, want)
		}
	}
}

func BenchmarkString(b *testing.B) {
	for b.Loop() {
		for _, s := range []string{"alice@acme.com", "group:analysts", "Post-implementation support, phase 2", "IAM-1234"} {
			_ = String(s)
		}
	}
}

// TestTextMaths: GitHub renders $…$ and $$…$$ as maths, which cmark-gfm
// does not (so gfmtest cannot see it): the dollars are escaped.
func TestTextMaths(t *testing.T) {
	for in, want := range map[string]string{"$x$": `\$x\$`, "$$a$$": `\$\$a\$\$`, "US$5": `US\$5`} {
		if got := string(Text(nil, in)); got != want {
			t.Errorf("Text(%q) = %s, want %s", in, got, want)
		}
	}
}
