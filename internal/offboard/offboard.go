package offboard

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/model"
	"github.com/zclconf/go-cty/cty"
)

var blankRuns = regexp.MustCompile(`\n{3,}`)

// ErrNotDeclared is returned when the person is declared nowhere.
var ErrNotDeclared = errors.New("not declared")

// Place is one spot in the configuration: what was removed there, or what
// a person must edit by hand.
type Place struct {
	File string
	Line int
	Text string
}

func (p Place) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Text) }

// Result is what removing a person from a configuration made.
type Result struct {
	// Changed are the files whose content changed, with the new content,
	// in file name order. Empty when Unsafe is not.
	Changed []config.Source
	// Removed says what was taken out, in file and line order.
	Removed []Place
	// Unsafe lists every declaration that still gives the person access
	// after the edits roster can make safely: expressions computed from
	// other values, for a person to edit. When it is not empty, nothing
	// may be written (all or nothing).
	Unsafe []Place
	// Config is the configuration as it loads after the edits (nil when
	// Unsafe is not empty).
	Config *config.Result
	// Sponsored are the external people the person sponsors (their
	// declarations name them as sponsor), sorted: their access needs a new
	// sponsor or an end.
	Sponsored []string
	// Moved are the person's other emails, sorted: those a move links to
	// the one asked for, either way (a moved block, or a move the state
	// keeps waiting for the person). Every one of them was removed too.
	Moved []string
}

// DiagError carries the configuration's own errors: a configuration that
// does not load cannot be edited safely.
type DiagError struct {
	Diags hcl.Diagnostics
	Files map[string]*hcl.File
}

func (e *DiagError) Error() string { return e.Diags.Error() }

// Remove takes email out of every declaration of the configuration srcs:
// member and guest blocks labelled with it, group member lists, for_each
// collections and locals written as literals (an element of a list, a
// key of a map, or an entry of a collection whose object names the
// person). It then loads the result and lists every declaration that
// still gives the person access as Unsafe. It never returns a half-edited
// configuration: either every declaration is gone (Changed) or none of
// the edits is returned (Unsafe).
//
// A renamed person is one person under all their emails (schema/language.md
// "moved", schema/sync.md "Renames"): the moved blocks of srcs and the
// moves stored keeps waiting (the state's objects; nil for none) link an
// old email to the new one, and Remove takes out every email so linked to
// email, whichever of them it is given. The moved blocks that name one of
// them go too: left, a moved block's to would name a person no longer
// declared, and the configuration would not load. The plan then removes
// the person wherever the state holds them, under the old email while
// their move waits.
func Remove(dir string, srcs []config.Source, email string, stored []*model.Object) (*Result, error) {
	email, err := model.ParseEmail(email)
	if err != nil {
		return nil, err
	}
	before := config.LoadSourcesAt(dir, srcs)
	if before.Diags.HasErrors() || before.Config == nil {
		return nil, &DiagError{Diags: before.Diags, Files: before.Files}
	}
	who := personOf(before.Config.Moves, stored, email)
	if len(declarations(before.Config, who)) == 0 {
		return nil, ErrNotDeclared
	}

	res := &Result{Sponsored: sponsoredBy(before.Config, who)}
	for _, e := range who {
		if e != email {
			res.Moved = append(res.Moved, e)
		}
	}
	sort.Strings(res.Moved)
	edited := make([]config.Source, len(srcs))
	var changed []config.Source
	for i, src := range srcs {
		edited[i] = src
		f, diags := hclwrite.ParseConfig(src.Data, src.Name, hcl.InitialPos)
		if diags.HasErrors() {
			return nil, &DiagError{Diags: diags, Files: before.Files}
		}
		syn, diags := hclsyntax.ParseConfig(src.Data, src.Name, hcl.InitialPos)
		if diags.HasErrors() {
			return nil, &DiagError{Diags: diags, Files: before.Files}
		}
		removed := removeFrom(f.Body(), syn.Body.(*hclsyntax.Body), src.Name, who)
		if len(removed) == 0 {
			continue
		}
		res.Removed = append(res.Removed, removed...)
		// A removed block leaves the blank lines around it: fold each run
		// into one, as fmt would have written the file.
		out := blankRuns.ReplaceAll(hclwrite.Format(f.Bytes()), []byte("\n\n"))
		if out = bytes.Trim(out, "\n"); len(out) > 0 {
			out = append(out, '\n')
		}
		edited[i] = config.Source{Name: src.Name, Data: out}
		changed = append(changed, edited[i])
	}

	after := config.LoadSourcesAt(dir, edited)
	if after.Diags.HasErrors() || after.Config == nil {
		// An edit that breaks the configuration is not safe: say where the
		// person is declared instead of writing it.
		for _, o := range declarations(before.Config, who) {
			res.Unsafe = append(res.Unsafe, placeOf(o, "roster could not remove this declaration without breaking the configuration"))
		}
		res.Removed = nil
		sortPlaces(res.Unsafe)
		return res, nil
	}
	for _, o := range declarations(after.Config, who) {
		res.Unsafe = append(res.Unsafe, placeOf(o, "the person comes from an expression computed from other values; edit it by hand"))
	}
	if len(res.Unsafe) > 0 {
		res.Removed = nil
		res.Unsafe = dedupe(res.Unsafe)
		return res, nil
	}
	sort.Slice(changed, func(i, j int) bool { return changed[i].Name < changed[j].Name })
	res.Changed = changed
	res.Config = after
	sortPlaces(res.Removed)
	return res, nil
}

// person is one person's emails, normalized: the one asked for first,
// then those moves link to it.
type person []string

// is reports whether s, normalized, is one of the person's emails.
func (p person) is(s string) bool { return slices.Contains(p, model.NormalizeEmail(s)) }

// personOf is email and every email a person's move links to it, either
// way and through chains: the configuration's moves of members and guests,
// and the moves stored keeps waiting for the person to make (an object
// with a pending move to a new email, schema/sync.md "Renames").
func personOf(moves []model.Move, stored []*model.Object, email string) person {
	var links [][2]string
	for _, mv := range moves {
		if mv.From.Kind == model.KindMember && mv.To.Kind == model.KindMember {
			links = append(links, [2]string{mv.From.Email, mv.To.Email})
		}
	}
	for _, o := range stored {
		if o.PendingAction == "move" && o.Pending != nil && o.Addr.Email != "" && o.Pending.Addr.Email != "" {
			links = append(links, [2]string{o.Addr.Email, o.Pending.Addr.Email})
		}
	}
	p := person{email}
	for grown := true; grown; {
		grown = false
		for _, l := range links {
			switch a, b := p.is(l[0]), p.is(l[1]); {
			case a && !b:
				p, grown = append(p, model.NormalizeEmail(l[1])), true
			case b && !a:
				p, grown = append(p, model.NormalizeEmail(l[0])), true
			}
		}
	}
	return p
}

// declarations are the declared objects that give the person access:
// their memberships and grants, and the groups that list them.
func declarations(cfg *model.Config, who person) []*model.Object {
	var out []*model.Object
	for _, o := range cfg.Objects {
		switch {
		case o.Addr.Email != "" && who.is(o.Addr.Email) && (o.Addr.Kind == model.KindMember || o.Addr.Kind == model.KindGrant):
			out = append(out, o)
		case o.Addr.Kind == model.KindGroup:
			for _, m := range o.Members {
				if who.is(m) {
					out = append(out, o)
					break
				}
			}
		}
	}
	return out
}

// sponsoredBy lists the people whose declarations name the person as
// sponsor.
func sponsoredBy(cfg *model.Config, who person) []string {
	var out []string
	for _, o := range cfg.Objects {
		if o.Decl != nil && o.Decl.Sponsor() != "" && who.is(o.Decl.Sponsor()) && o.Addr.Email != "" && !who.is(o.Addr.Email) && !slices.Contains(out, o.Addr.Email) {
			out = append(out, o.Addr.Email)
		}
	}
	sort.Strings(out)
	return out
}

func placeOf(o *model.Object, why string) Place {
	r := o.Decl.Range
	if o.Addr.Kind == model.KindGrant && o.Decl.HolderRange().HasFile() {
		r = o.Decl.HolderRange()
	}
	rng := r.HCL()
	return Place{File: rng.Filename, Line: rng.Start.Line, Text: fmt.Sprintf("%s: %s", o.Addr, why)}
}

func sortPlaces(ps []Place) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Line < ps[j].Line
	})
}

// dedupe keeps one place per file and line (a block's grants all point at
// their holder).
func dedupe(ps []Place) []Place {
	sortPlaces(ps)
	var out []Place
	for _, p := range ps {
		if n := len(out); n > 0 && out[n-1].File == p.File && out[n-1].Line == p.Line {
			continue
		}
		out = append(out, p)
	}
	return out
}

// removeFrom edits one file's top-level blocks and says what it removed.
// syn is the same file parsed by hclsyntax, for line numbers (hclwrite
// keeps none); both list the blocks in source order.
func removeFrom(body *hclwrite.Body, syn *hclsyntax.Body, file string, who person) []Place {
	var removed []Place
	blocks := body.Blocks()
	if len(blocks) != len(syn.Blocks) {
		return nil
	}
	for i, b := range blocks {
		sb := syn.Blocks[i]
		switch b.Type() {
		case "member", "guest":
			if b.Body().GetAttribute("for_each") == nil && len(b.Labels()) == 1 && who.is(b.Labels()[0]) {
				body.RemoveBlock(b)
				removed = append(removed, Place{File: file, Line: sb.TypeRange.Start.Line, Text: fmt.Sprintf("%s block %q removed", b.Type(), b.Labels()[0])})
				continue
			}
			removed = append(removed, removeItems(b.Body(), sb, "for_each", file, who, b.Type()+" for_each")...)
		case "moved":
			// A rename to or from the person goes with them: left, its to
			// would name an undeclared member (language.md "moved").
			if movedNames(sb, "to", who) || movedNames(sb, "from", who) {
				body.RemoveBlock(b)
				removed = append(removed, Place{File: file, Line: sb.TypeRange.Start.Line, Text: "moved block removed"})
			}
		case "group":
			removed = append(removed, removeItems(b.Body(), sb, "members", file, who, fmt.Sprintf("group %q members", strings.Join(b.Labels(), " ")))...)
		case "locals":
			names := slices.Sorted(maps.Keys(b.Body().Attributes()))
			for _, n := range names {
				removed = append(removed, removeItems(b.Body(), sb, n, file, who, "local."+n)...)
			}
		}
	}
	return removed
}

// removeItems removes from the literal collections of attribute name every
// entry that names the person, and says what it removed.
func removeItems(body *hclwrite.Body, sb *hclsyntax.Block, name, file string, who person, what string) []Place {
	attr := body.GetAttribute(name)
	if attr == nil {
		return nil
	}
	line := sb.TypeRange.Start.Line
	if sa, ok := sb.Body.Attributes[name]; ok {
		line = sa.SrcRange.Start.Line
	}
	toks := attr.Expr().BuildTokens(nil)
	var removed []Place
	for {
		next, email, ok := removeOne(toks, who)
		if !ok {
			break
		}
		toks = next
		removed = append(removed, Place{File: file, Line: line, Text: fmt.Sprintf("%s: %q removed", what, email)})
	}
	if len(removed) > 0 {
		body.SetAttributeRaw(name, toks)
	}
	return removed
}

// removeOne removes the first entry naming one of the person's emails
// from toks: a list element that is the quoted email, a map entry whose
// key is it, or the entry of an enclosing collection whose object holds it
// as a value (`{ email = "x" }`). It returns the email it removed, and
// reports false when there is no such entry.
func removeOne(toks hclwrite.Tokens, who person) (hclwrite.Tokens, string, bool) {
	for k, t := range toks {
		if t.Type != hclsyntax.TokenQuotedLit {
			continue
		}
		email, ok := emailLit(toks, k, who)
		if !ok {
			continue
		}
		// The quoted string spans k-1 .. k+1 (OQuote, QuotedLit, CQuote).
		open := enclosing(toks, k-1)
		for open >= 0 {
			start, end := itemBounds(toks, open, k-1)
			item := toks[start:end]
			switch {
			case toks[open].Type == hclsyntax.TokenOBrack && len(significant(item)) == 3:
				return cut(toks, open, start, end), email, true
			case toks[open].Type == hclsyntax.TokenOBrace && start == k-1:
				return cut(toks, open, start, end), email, true
			case toks[open].Type == hclsyntax.TokenOBrace:
				// A value inside an object: the entry is the object's
				// place in the collection around it.
				outer := enclosing(toks, open)
				if outer < 0 {
					return toks, "", false
				}
				s, e := itemBounds(toks, outer, open)
				if s > open || e <= open {
					return toks, "", false
				}
				return cut(toks, outer, s, e), email, true
			default:
				return toks, "", false
			}
		}
		return toks, "", false
	}
	return toks, "", false
}

// emailLit reports whether toks[k], a quoted literal, is exactly one of
// the person's emails (a whole string, not part of a template), and
// which, normalized.
func emailLit(toks hclwrite.Tokens, k int, who person) (string, bool) {
	if k == 0 || k+1 >= len(toks) || toks[k-1].Type != hclsyntax.TokenOQuote || toks[k+1].Type != hclsyntax.TokenCQuote {
		return "", false
	}
	s, err := strconv.Unquote(`"` + string(toks[k].Bytes) + `"`)
	if err != nil {
		s = string(toks[k].Bytes)
	}
	return model.NormalizeEmail(s), who.is(s)
}

// enclosing is the index of the innermost [ or { that holds toks[i], or -1.
func enclosing(toks hclwrite.Tokens, i int) int {
	depth := 0
	for j := i - 1; j >= 0; j-- {
		switch toks[j].Type {
		case hclsyntax.TokenCBrack, hclsyntax.TokenCBrace, hclsyntax.TokenCParen:
			depth++
		case hclsyntax.TokenOBrack, hclsyntax.TokenOBrace:
			if depth == 0 {
				return j
			}
			depth--
		case hclsyntax.TokenOParen:
			if depth > 0 {
				depth--
			}
		}
	}
	return -1
}

// itemBounds finds the entry of the collection opened at toks[open] that
// holds toks[i]: from just after the previous separator (a comma or a new
// line at the collection's own depth) to just before the next one.
func itemBounds(toks hclwrite.Tokens, open, i int) (start, end int) {
	start = open + 1
	depth := 0
	for j := open + 1; j < i; j++ {
		switch toks[j].Type {
		case hclsyntax.TokenOBrack, hclsyntax.TokenOBrace, hclsyntax.TokenOParen:
			depth++
		case hclsyntax.TokenCBrack, hclsyntax.TokenCBrace, hclsyntax.TokenCParen:
			depth--
		case hclsyntax.TokenComma, hclsyntax.TokenNewline:
			if depth == 0 {
				start = j + 1
			}
		case hclsyntax.TokenComment:
			if depth == 0 && endsLine(toks[j]) {
				start = j + 1
			}
		}
	}
	for start < i && toks[start].Type == hclsyntax.TokenNewline {
		start++
	}
	depth = 0
	end = len(toks)
	for j := i; j < len(toks); j++ {
		switch toks[j].Type {
		case hclsyntax.TokenOBrack, hclsyntax.TokenOBrace, hclsyntax.TokenOParen:
			depth++
		case hclsyntax.TokenCBrack, hclsyntax.TokenCBrace, hclsyntax.TokenCParen:
			if depth == 0 {
				return start, j
			}
			depth--
		case hclsyntax.TokenComma, hclsyntax.TokenNewline:
			if depth == 0 {
				return start, j
			}
		case hclsyntax.TokenComment:
			if depth == 0 {
				return start, j
			}
		}
	}
	return start, end
}

// significant drops newlines and comments.
func significant(ts hclwrite.Tokens) hclwrite.Tokens {
	var out hclwrite.Tokens
	for _, t := range ts {
		if t.Type != hclsyntax.TokenNewline && t.Type != hclsyntax.TokenComment {
			out = append(out, t)
		}
	}
	return out
}

// cut removes toks[start:end], the entry of the collection opened at
// toks[open], with one separator: the comma after it (and a comment on the
// same line), or else the comma before it.
func cut(toks hclwrite.Tokens, open, start, end int) hclwrite.Tokens {
	j := end
	if j < len(toks) && toks[j].Type == hclsyntax.TokenComma {
		j++
		if j < len(toks) && toks[j].Type == hclsyntax.TokenComment {
			j++ // a line comment carries its own new line
		} else if j < len(toks) && toks[j].Type == hclsyntax.TokenNewline {
			j++
		}
	} else if j < len(toks) && toks[j].Type == hclsyntax.TokenComment {
		j++
	} else if j < len(toks) && toks[j].Type == hclsyntax.TokenNewline && start > open+1 && toks[start-1].Type == hclsyntax.TokenNewline {
		j++ // an entry alone on its line takes its line with it
	} else {
		// The last entry without a trailing comma: take the comma before.
		k := start - 1
		for k > open && toks[k].Type == hclsyntax.TokenNewline {
			k--
		}
		if k > open && toks[k].Type == hclsyntax.TokenComma {
			start = k
		}
	}
	out := make(hclwrite.Tokens, 0, len(toks)-(j-start))
	out = append(out, toks[:start]...)
	out = append(out, toks[j:]...)
	return out
}

// endsLine reports whether a comment token ends its line (a # or //
// comment carries the new line that ends it).
func endsLine(t *hclwrite.Token) bool {
	return len(t.Bytes) > 0 && t.Bytes[len(t.Bytes)-1] == '\n'
}

// movedNames reports whether a moved block's attribute name is an address
// of the person: member.TEAM["EMAIL"], guest.TEAM["EMAIL"] or the printed
// "member/TEAM/EMAIL".
func movedNames(sb *hclsyntax.Block, name string, who person) bool {
	a := sb.Body.Attributes[name]
	if a == nil {
		return false
	}
	if tr, diags := hcl.AbsTraversalForExpr(a.Expr); !diags.HasErrors() {
		if len(tr) == 3 && (tr.RootName() == "member" || tr.RootName() == "guest") {
			if idx, ok := tr[2].(hcl.TraverseIndex); ok && idx.Key.Type() == cty.String && !idx.Key.IsNull() {
				return who.is(idx.Key.AsString())
			}
		}
		return false
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || v.Type() != cty.String || v.IsNull() || !v.IsKnown() {
		return false
	}
	addr, err := model.ParseAddress(v.AsString())
	return err == nil && addr.Kind == model.KindMember && who.is(addr.Email)
}
