// Package diagtest checks that diagnostics keep the project's standard for
// configuration problems: each is an hcl.Diagnostic with a tight Subject, a
// short summary and a full-sentence detail. It is for tests only.
//
// The rules, each a problem Problems reports:
//
//   - Subject: present, naming a file, not empty (Start before End), and
//     tight: on one line, or inside one attribute of the file (a value
//     written over several lines), never a whole block.
//   - Summary: at most MaxSummary characters, one line, starting with a
//     capital letter and not ending with a period.
//   - Detail: one line of one or more sentences ending with '.', '?' or
//     '!'. The first word is capitalised, or is a quoted value, or is a
//     token the user wrote or will type: a name the language accepts
//     (Words), an email, an address or reference (holding '@', '/' or
//     '.'), or "roster", the program's name, which is never capitalised.
package diagtest

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// MaxSummary is the longest summary, in characters.
const MaxSummary = 60

// Checker holds what the rules need besides a diagnostic: the sources of
// the files diagnostics point into, and the names of the language that a
// detail may begin with.
type Checker struct {
	// Files are the sources by file name, as in Subject.Filename.
	Files map[string][]byte
	// Words are the attribute and block names of the language.
	Words map[string]bool

	attrs map[string][]hcl.Range
}

// Problems returns what is wrong with d, each a short phrase; none when d
// keeps the standard.
func (c *Checker) Problems(d *hcl.Diagnostic) []string {
	var out []string
	out = append(out, c.subject(d.Subject)...)
	out = append(out, summary(d.Summary)...)
	out = append(out, c.detail(d.Detail)...)
	return out
}

func (c *Checker) subject(r *hcl.Range) []string {
	switch {
	case r == nil:
		return []string{"no Subject"}
	case r.Filename == "":
		return []string{"Subject names no file"}
	case r.End.Byte <= r.Start.Byte:
		return []string{fmt.Sprintf("empty Subject %s", place(r))}
	case r.Start.Line == r.End.Line:
		return nil
	}
	for _, a := range c.attributes(r.Filename) {
		if a.ContainsOffset(r.Start.Byte) && r.End.Byte <= a.End.Byte {
			return nil
		}
	}
	return []string{fmt.Sprintf("Subject %s spans lines %d-%d outside any one attribute", place(r), r.Start.Line, r.End.Line)}
}

func place(r *hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// attributes lists the ranges of every attribute of a file, at any depth.
func (c *Checker) attributes(name string) []hcl.Range {
	if rs, ok := c.attrs[name]; ok {
		return rs
	}
	if c.attrs == nil {
		c.attrs = map[string][]hcl.Range{}
	}
	var rs []hcl.Range
	if src, ok := c.Files[name]; ok {
		f, _ := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
		if body, ok := f.Body.(*hclsyntax.Body); ok {
			var walk func(*hclsyntax.Body)
			walk = func(b *hclsyntax.Body) {
				for _, a := range b.Attributes {
					rs = append(rs, a.SrcRange)
				}
				for _, blk := range b.Blocks {
					walk(blk.Body)
				}
			}
			walk(body)
		}
	}
	c.attrs[name] = rs
	return rs
}

func summary(s string) []string {
	var out []string
	if n := utf8.RuneCountInString(s); n == 0 || n > MaxSummary {
		out = append(out, fmt.Sprintf("summary of %d characters (1 to %d)", n, MaxSummary))
	}
	if strings.ContainsAny(s, "\n\t") {
		out = append(out, "summary of more than one line")
	}
	if r, _ := utf8.DecodeRuneInString(s); !unicode.IsUpper(r) {
		out = append(out, fmt.Sprintf("summary %q starts without a capital", s))
	}
	if strings.HasSuffix(s, ".") {
		out = append(out, fmt.Sprintf("summary %q ends with a period", s))
	}
	return out
}

func (c *Checker) detail(s string) []string {
	if strings.TrimSpace(s) == "" {
		return []string{"no detail"}
	}
	var out []string
	if strings.Contains(s, "\n") {
		out = append(out, "detail of more than one line")
	}
	if !strings.ContainsAny(s[len(s)-1:], ".?!") {
		out = append(out, fmt.Sprintf("detail %q does not end a sentence", s))
	}
	if !c.sentenceStart(s) {
		out = append(out, fmt.Sprintf("detail %q starts without a capital or a name", s))
	}
	return out
}

func (c *Checker) sentenceStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	if unicode.IsUpper(r) || unicode.IsDigit(r) || r == '"' || r == '`' || r == '\'' {
		return true
	}
	word, _, _ := strings.Cut(s, " ")
	word = strings.TrimRight(word, ",;:")
	return word == "roster" || c.Words[word] || strings.ContainsAny(word, "@/.")
}
