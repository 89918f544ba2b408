package importer

import (
	"bytes"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/roster-dev/roster/internal/model"
)

// Notes are comment lines to write above blocks, by BlockKey.
type Notes map[string][]string

// BlockKey names a top-level block: its type and its label, as
// `member "ada@lumen.app"`.
func BlockKey(typ, label string) string { return typ + " " + strconv.Quote(label) }

// HCL writes the declarations as one configuration file: the header as
// comment lines, then the site blocks, the group blocks and the people
// (members and guests by email), each with its grants nested, laid out as
// `roster fmt` lays them out, with notes as comments above the blocks they
// name.
//
// The file is built from hclwrite tokens, values and labels encoded by
// hclwrite (so quotes, escapes and template sequences come out right),
// with the spacing that hclwrite's formatter would give them: indentation,
// one space around '=', and the '=' of consecutive attributes aligned.
// Building the tokens formatted saves hclwrite's syntax tree and its
// formatting pass, which are most of an import's time at 10,000 rows; the
// tests check that the result is exactly what roster fmt keeps.
func (r *Result) HCL(header []string, notes Notes) []byte {
	w := &tokenWriter{}
	if len(header) > 0 {
		w.comments(header)
	}
	first := len(header) == 0
	block := func(typ, label string, extra []string) {
		if !first {
			w.newline()
		}
		first = false
		if lines := append(slicesClone(notes[BlockKey(typ, label)]), extra...); len(lines) > 0 {
			w.comments(lines)
		}
		w.open(0, typ, label)
	}
	for _, s := range r.Sites {
		var extra []string
		if s.Name != s.Label {
			extra = append(extra, "The platform names this site "+strconv.Quote(s.Name)+".")
		}
		block("site", s.Label, extra)
		w.attrs(1, attr{"team", str(r.Team)}, attr{"remote_id", str(s.RemoteID)})
		w.close(0)
	}
	for _, g := range r.Groups {
		var extra []string
		if g.Name != g.Label {
			extra = append(extra, "The platform names this group "+strconv.Quote(g.Name)+".")
		}
		block("group", g.Label, extra)
		members := cty.ListValEmpty(cty.String)
		if len(g.Members) > 0 {
			vals := make([]cty.Value, len(g.Members))
			for i, m := range g.Members {
				vals[i] = cty.StringVal(m)
			}
			members = cty.ListVal(vals)
		}
		w.attrs(1, attr{"team", str(r.Team)}, attr{"members", members}, attr{"remote_id", str(g.RemoteID)})
		w.grants(g.Grants, "", "", "")
		w.close(0)
	}
	for _, p := range r.People {
		block(string(p.Kind), p.Email, nil)
		role := cty.NilVal
		if p.Kind == model.HolderMember {
			role = str(p.Role)
		}
		w.attrs(1, attr{"team", str(r.Team)}, attr{"role", role}, attr{"reason", str(p.Reason)},
			attr{"ticket", str(p.Ticket)}, attr{"expires", str(p.Expires)})
		w.grants(p.Grants, p.Expires, p.Reason, p.Ticket)
		w.close(0)
	}
	var b bytes.Buffer
	b.Grow(len(w.toks) * 8)
	w.toks.WriteTo(&b) //nolint:errcheck // a bytes.Buffer does not fail
	return b.Bytes()
}

// attr is one attribute to write; a null value (cty.NilVal) is left out.
type attr struct {
	name  string
	value cty.Value
}

// str is v as a value, null when empty.
func str(v string) cty.Value {
	if v == "" {
		return cty.NilVal
	}
	return cty.StringVal(v)
}

// tokenWriter appends formatted tokens.
type tokenWriter struct {
	toks hclwrite.Tokens
}

func (w *tokenWriter) add(t hclsyntax.TokenType, b string, spaces int) {
	w.toks = append(w.toks, &hclwrite.Token{Type: t, Bytes: []byte(b), SpacesBefore: spaces})
}

func (w *tokenWriter) newline() { w.add(hclsyntax.TokenNewline, "\n", 0) }

func (w *tokenWriter) comments(lines []string) { w.toks = append(w.toks, commentTokens(lines)...) }

// open writes `TYPE "LABEL" {` at the given depth.
func (w *tokenWriter) open(depth int, typ, label string) {
	w.add(hclsyntax.TokenIdent, typ, 2*depth)
	w.value(cty.StringVal(label))
	w.add(hclsyntax.TokenOBrace, "{", 1)
	w.newline()
}

// close writes the closing brace of a block at the given depth.
func (w *tokenWriter) close(depth int) {
	w.add(hclsyntax.TokenCBrace, "}", 2*depth)
	w.newline()
}

// value appends v as hclwrite encodes it, spaced as the formatter spaces
// it: one space before it, and one after each comma of a list.
func (w *tokenWriter) value(v cty.Value) {
	toks := hclwrite.TokensForValue(v)
	for i, t := range toks {
		switch {
		case i == 0:
			t.SpacesBefore = 1
		case toks[i-1].Type == hclsyntax.TokenComma:
			t.SpacesBefore = 1
		default:
			t.SpacesBefore = 0
		}
	}
	w.toks = append(w.toks, toks...)
}

// attrs writes the attributes that are set, one per line at the given
// depth, their '=' aligned.
func (w *tokenWriter) attrs(depth int, as ...attr) {
	width := 0
	for _, a := range as {
		if !a.value.IsNull() {
			width = max(width, len(a.name))
		}
	}
	for _, a := range as {
		if a.value.IsNull() {
			continue
		}
		w.add(hclsyntax.TokenIdent, a.name, 2*depth)
		w.add(hclsyntax.TokenEqual, "=", width-len(a.name)+1)
		w.value(a.value)
		w.newline()
	}
}

// grants writes the grant blocks, each after a blank line, with expires,
// reason and ticket only where they differ from the holder's.
func (w *tokenWriter) grants(grants []Grant, expires, reason, ticket string) {
	for _, g := range grants {
		w.newline()
		w.open(1, "grant", g.Site)
		as := []attr{{"role", str(g.Role)}}
		if len(g.Capabilities) > 0 {
			vals := make([]cty.Value, len(g.Capabilities))
			for i, c := range g.Capabilities {
				vals[i] = cty.StringVal(c)
			}
			as = append(as, attr{"capabilities", cty.ListVal(vals)})
		}
		if g.Reason != reason {
			as = append(as, attr{"reason", str(g.Reason)})
		}
		if g.Ticket != ticket {
			as = append(as, attr{"ticket", str(g.Ticket)})
		}
		if g.Expires != expires {
			as = append(as, attr{"expires", str(g.Expires)})
		}
		w.attrs(2, as...)
		w.close(1)
	}
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

// commentTokens turns lines into `# line` comments. Control characters,
// which a comment cannot hold, become spaces.
func commentTokens(lines []string) hclwrite.Tokens {
	var toks hclwrite.Tokens
	for _, l := range lines {
		l = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 {
				return ' '
			}
			return r
		}, l)
		text := "#"
		if l = strings.TrimRight(l, " "); l != "" {
			text += " " + l
		}
		toks = append(toks, &hclwrite.Token{Type: hclsyntax.TokenComment, Bytes: []byte(text + "\n")})
	}
	return toks
}

// Annotate finds, for each diagnostic whose subject lies in the file src
// (named filename, as the diagnostics name it), the top-level block that
// holds it, and returns comment lines for those blocks: the diagnostic's
// summary and detail, wrapped. Diagnostics elsewhere are left out.
func Annotate(src []byte, filename string, diags hcl.Diagnostics) Notes {
	f, pd := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if pd.HasErrors() {
		return nil
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	notes := Notes{}
	seen := map[string]bool{}
	for _, d := range diags {
		if d.Subject == nil || d.Subject.Filename != filename {
			continue
		}
		at := d.Subject.Start.Byte
		i := sort.Search(len(body.Blocks), func(i int) bool { return body.Blocks[i].Range().End.Byte > at })
		if i == len(body.Blocks) || body.Blocks[i].Range().Start.Byte > at || len(body.Blocks[i].Labels) == 0 {
			continue
		}
		blk := body.Blocks[i]
		key := BlockKey(blk.Type, blk.Labels[0])
		line := d.Summary + "."
		// One note per finding: the summary names the rule, the detail
		// the grant or person (a guest's two grants, two notes).
		if seen[key+"\x00"+line+"\x00"+d.Detail] {
			continue
		}
		seen[key+"\x00"+line+"\x00"+d.Detail] = true
		notes[key] = append(notes[key], line)
		for _, w := range wrap(d.Detail, 74) {
			notes[key] = append(notes[key], "  "+w)
		}
	}
	return notes
}

// wrap breaks text into lines of at most width characters at spaces.
func wrap(text string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, w := range strings.Fields(text) {
		if cur.Len() > 0 && cur.Len()+1+len(w) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
