package config

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// The limits of schema/language.md. Each one passed is a diagnostic, never a crash.
const (
	// MaxFileSize is the largest configuration file read: 16 MiB.
	MaxFileSize = 16 << 20
	// MaxConfigSize is the largest configuration, all files together: 64 MiB.
	MaxConfigSize = 64 << 20
	// MaxDepth is how deeply expressions may nest.
	MaxDepth = 100
	// MaxElements is the largest number of elements in one value.
	MaxElements = 1_000_000

	// maxStringBytes bounds one evaluated string, so that a function such as
	// replace or format cannot build a value far larger than the files.
	maxStringBytes = MaxFileSize
	// maxParseNesting bounds what the HCL parser is handed: brackets, braces,
	// interpolations and the operators it parses by recursion. It is far
	// above any real configuration and far below what would exhaust the
	// stack; MaxDepth, checked on the syntax tree, is the rule users see.
	maxParseNesting = 256

	// MaxHeredocLines and MaxHeredocBytes bound one heredoc: HCL's parser
	// takes time proportional to a heredoc's lines times its bytes (20,000
	// lines: 3 s; 2,000 lines of 1,000 bytes: 1.1 s), so a long or
	// unterminated heredoc would hold loading for minutes.
	MaxHeredocLines = 1000
	MaxHeredocBytes = 256 << 10
)

func heredocTooLong(src []byte, start hcl.Pos, filename, what string) *hcl.Diagnostic {
	// The range is the heredoc's opening, <<MARKER to the end of its line.
	end := start
	for end.Byte < len(src) && src[end.Byte] != '\n' && src[end.Byte] != '\r' {
		_, n := utf8.DecodeRune(src[end.Byte:])
		end.Byte += n
		end.Column++
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Heredoc too long",
		Detail:   fmt.Sprintf("This heredoc is longer than %s, the limit of one heredoc (%d lines, %d KiB), or it is never closed; close it with its marker on a line of its own, or split the text.", what, MaxHeredocLines, MaxHeredocBytes>>10),
		Subject:  &hcl.Range{Filename: filename, Start: start, End: end},
	}
}

// charRange is the range of the character at p, for a problem found at a
// position: the character before it when p is at the end of a line or of
// src (an unclosed bracket found at the end of the file).
func charRange(src []byte, filename string, p hcl.Pos) hcl.Range {
	r := hcl.Range{Filename: filename, Start: p, End: p}
	switch {
	case p.Byte < len(src) && src[p.Byte] != '\n' && src[p.Byte] != '\r':
		_, n := utf8.DecodeRune(src[p.Byte:])
		r.End = hcl.Pos{Line: p.Line, Column: p.Column + 1, Byte: p.Byte + n}
	case p.Column > 1 && p.Byte > 0 && p.Byte <= len(src):
		_, n := utf8.DecodeLastRune(src[:p.Byte])
		r.Start = hcl.Pos{Line: p.Line, Column: p.Column - 1, Byte: p.Byte - n}
	}
	return r
}

func fileStart(name string) *hcl.Range {
	p := hcl.Pos{Line: 1, Column: 1, Byte: 0}
	return &hcl.Range{Filename: name, Start: p, End: p}
}

func tooDeep(rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Expression nested too deeply",
		Detail:   fmt.Sprintf("This expression is nested more than %d levels deep, the limit of the configuration language; split it into local values.", MaxDepth),
		Subject:  rng.Ptr(),
	}
}

// scanFrame is one level of nesting seen by scanNesting.
type scanFrame struct {
	kind   byte   // 'c' code (brackets, braces, interpolations), 's' quoted string, 'h' heredoc
	open   byte   // for code: the opening bracket, '$' for an interpolation, 0 at the top
	marker []byte // heredoc end marker
	ops    int    // unary operators, '?' and template directives parsed by recursion
	// A heredoc's start, and the lines and bytes it has so far.
	start        hcl.Pos
	lines, bytes int
}

// scanNesting is a light lexer run before the HCL parser, whose recursive
// descent would exhaust the stack on input nested millions of levels deep
// (a Go stack overflow cannot be recovered). It follows strings, heredocs,
// comments and interpolations well enough to count the nesting the parser
// recurses on, over-estimating rather than missing any. It reports the
// position where the count first passes limit.
func scanNesting(src []byte, filename string, limit int) *hcl.Diagnostic {
	d, _ := scanBlocks(src, filename, limit)
	return d
}

// scanBlocks is scanNesting that also returns where the file can be cut
// between top-level blocks: the offsets just after the line on which a
// top-level block's closing brace stands (see parseBlocks).
func scanBlocks(src []byte, filename string, limit int) (*hcl.Diagnostic, []int) {
	var cuts []int
	stack := []scanFrame{{kind: 'c'}}
	units := 0 // len(stack)-1 plus the ops of every frame
	line, col := 1, 1
	var last byte // last significant byte in code
	fail := func(i int) *hcl.Diagnostic {
		return tooDeep(charRange(src, filename, hcl.Pos{Line: line, Column: col, Byte: i}))
	}
	push := func(f scanFrame) { stack = append(stack, f); units++ }
	pop := func() {
		if len(stack) > 1 {
			units -= 1 + stack[len(stack)-1].ops
			stack = stack[:len(stack)-1]
		}
	}
	addOp := func(n int) {
		top := &stack[len(stack)-1]
		top.ops += n
		units += n
		if top.ops < 0 {
			units -= top.ops
			top.ops = 0
		}
	}
	resetOps := func() {
		top := &stack[len(stack)-1]
		units -= top.ops
		top.ops = 0
	}
	atLineStart := true
	for i := 0; i < len(src); i++ {
		b := src[i]
		if units > limit {
			return fail(i), nil
		}
		top := &stack[len(stack)-1]
		switch top.kind {
		case 'h':
			top.bytes++
			if atLineStart {
				top.lines++
			}
			if top.lines > MaxHeredocLines {
				return heredocTooLong(src, top.start, filename, fmt.Sprintf("%d lines", MaxHeredocLines)), nil
			}
			if top.bytes > MaxHeredocBytes {
				return heredocTooLong(src, top.start, filename, fmt.Sprintf("%d KiB", MaxHeredocBytes>>10)), nil
			}
			if atLineStart {
				j := i
				for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
					j++
				}
				k := j + len(top.marker)
				if k <= len(src) && string(src[j:k]) == string(top.marker) && (k == len(src) || src[k] == '\n' || src[k] == '\r') {
					col += k - i
					i = k - 1
					pop()
					last = 'x'
					atLineStart = false
					continue
				}
			}
			if d, skip := templateOpen(src, i); d != 0 {
				if d == 2 {
					addOp(directiveOps(src, i+2))
				}
				push(scanFrame{kind: 'c', open: '$'})
				i++
				col++
			} else {
				i += skip
				col += skip
			}
		case 's':
			switch b {
			case '\\':
				if i+1 < len(src) && src[i+1] != '\n' {
					i++
					col++
				}
			case '"':
				pop()
				last = '"'
			case '\n':
				pop() // an unterminated string; the parser will say so
			default:
				if d, skip := templateOpen(src, i); d != 0 {
					if d == 2 {
						addOp(directiveOps(src, i+2))
					}
					push(scanFrame{kind: 'c', open: '$'})
					i++
					col++
				} else {
					i += skip
					col += skip
				}
			}
		default: // code
			switch b {
			case '#':
				for i+1 < len(src) && src[i+1] != '\n' {
					i++
					col++
				}
			case '/':
				if i+1 < len(src) && src[i+1] == '/' {
					for i+1 < len(src) && src[i+1] != '\n' {
						i++
						col++
					}
				} else if i+1 < len(src) && src[i+1] == '*' {
					i += 2
					for i < len(src) && !(src[i] == '*' && i+1 < len(src) && src[i+1] == '/') {
						if src[i] == '\n' {
							line++
							col = 0
						}
						i++
						col++
					}
					i++
					col++
				} else {
					last = b
				}
			case '"':
				push(scanFrame{kind: 's'})
			case '<':
				if m, end := heredocStart(src, i); m != nil {
					push(scanFrame{kind: 'h', marker: m, start: hcl.Pos{Line: line, Column: col, Byte: i}})
					col += end - i - 1
					i = end - 1 // the newline is handled below
					last = 'x'
				} else {
					last = b
				}
			case '(', '[', '{':
				push(scanFrame{kind: 'c', open: b})
				last = b
			case ')', ']', '}':
				if b == '}' && len(stack) == 2 && stack[1].open == '{' {
					if nl := bytes.IndexByte(src[i:], '\n'); nl >= 0 {
						cuts = append(cuts, i+nl+1)
					}
				}
				pop()
				last = b
			case '!', '?':
				addOp(1)
				last = b
			case '-':
				if unaryContext(last) {
					addOp(1)
				}
				last = b
			case ',':
				resetOps()
				last = b
			case '\n':
				if top.open == 0 || top.open == '{' {
					// A newline ends an attribute at the top or in a body
					// or object; inside brackets it is only space.
					resetOps()
					last = 0
				}
			case ' ', '\t', '\r':
			default:
				last = b
			}
		}
		if i < len(src) && src[i] == '\n' {
			line++
			col = 1
			atLineStart = true
		} else {
			col++
			atLineStart = false
		}
	}
	if units > limit {
		return fail(len(src)), nil
	}
	return nil, cuts
}

// templateOpen reports whether src[i:] opens an interpolation (1) or a
// directive (2); skip is how many extra bytes an escaped "$${" or "%%{"
// takes.
func templateOpen(src []byte, i int) (kind, skip int) {
	b := src[i]
	if b != '$' && b != '%' {
		return 0, 0
	}
	if i+1 < len(src) && src[i+1] == b && i+2 < len(src) && src[i+2] == '{' {
		return 0, 2
	}
	if i+1 < len(src) && src[i+1] == '{' {
		if b == '$' {
			return 1, 0
		}
		return 2, 0
	}
	return 0, 0
}

// directiveOps is +1 for a template directive that opens a nested part
// (if, for) and -1 for one that closes it.
func directiveOps(src []byte, i int) int {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '~') {
		i++
	}
	word := func(w string) bool {
		return len(src)-i >= len(w) && string(src[i:i+len(w)]) == w
	}
	switch {
	case word("endif"), word("endfor"):
		return -1
	case word("if"), word("for"):
		return 1
	}
	return 0
}

// heredocStart recognises "<<EOT" or "<<-EOT" followed by a newline and
// returns the marker and the index of the newline.
func heredocStart(src []byte, i int) ([]byte, int) {
	j := i + 1
	if j >= len(src) || src[j] != '<' {
		return nil, 0
	}
	j++
	if j < len(src) && src[j] == '-' {
		j++
	}
	start := j
	for j < len(src) && (src[j] == '_' || src[j] == '-' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9' || src[j] >= 0x80) {
		j++
	}
	if j == start {
		return nil, 0
	}
	end := j
	if j < len(src) && src[j] == '\r' {
		j++
	}
	if j >= len(src) || src[j] != '\n' {
		return nil, 0
	}
	return src[start:end], j
}

// unaryContext reports whether a '-' after last starts a unary minus.
func unaryContext(last byte) bool {
	switch last {
	case 0, '=', '(', '[', '{', ',', '?', ':', '!', '-', '+', '*', '/', '%', '<', '>', '&', '|':
		return true
	}
	return false
}

// checkBodyDepth walks every expression of a parsed file and reports each
// attribute whose expression nests more than MaxDepth levels. The walk
// stops descending at the limit, so it is safe on any tree the parser
// builds (a chain of a million "+" is a tree a million levels deep).
func checkBodyDepth(body *hclsyntax.Body, diags hcl.Diagnostics) hcl.Diagnostics {
	for _, a := range body.Attributes {
		if n := exprDepth(a.Expr, 0); n > MaxDepth {
			diags = append(diags, tooDeep(a.Expr.Range()))
		}
	}
	for _, b := range body.Blocks {
		diags = checkBodyDepth(b.Body, diags)
	}
	return diags
}

// exprDepth is the nesting depth of e below level d, at most MaxDepth+1:
// how many expressions enclose one another. A leaf (a literal, a variable)
// nests nothing: "(((1)))" is nested 3 deep, and schema/language.md's "nested 100
// deep" is the last depth allowed.
func exprDepth(e hclsyntax.Expression, d int) int {
	switch e := e.(type) {
	case *hclsyntax.LiteralValueExpr, *hclsyntax.ScopeTraversalExpr, *hclsyntax.AnonSymbolExpr:
		return d
	case *hclsyntax.ObjectConsKeyExpr:
		// An object's key is part of its object, not a level of its own:
		// "{a = 1}" nests 1 deep, as "[1]" does.
		return exprDepth(e.Wrapped, d)
	}
	d++
	if d > MaxDepth {
		return d
	}
	max := d
	sub := func(c hclsyntax.Expression) {
		if c == nil || max > MaxDepth {
			return
		}
		if n := exprDepth(c, d); n > max {
			max = n
		}
	}
	switch e := e.(type) {
	case *hclsyntax.LiteralValueExpr, *hclsyntax.ScopeTraversalExpr, *hclsyntax.AnonSymbolExpr:
	case *hclsyntax.TemplateExpr:
		for _, p := range e.Parts {
			sub(p)
		}
	case *hclsyntax.TemplateWrapExpr:
		sub(e.Wrapped)
	case *hclsyntax.TemplateJoinExpr:
		sub(e.Tuple)
	case *hclsyntax.ParenthesesExpr:
		sub(e.Expression)
	case *hclsyntax.RelativeTraversalExpr:
		sub(e.Source)
	case *hclsyntax.FunctionCallExpr:
		for _, a := range e.Args {
			sub(a)
		}
	case *hclsyntax.ConditionalExpr:
		sub(e.Condition)
		sub(e.TrueResult)
		sub(e.FalseResult)
	case *hclsyntax.IndexExpr:
		sub(e.Collection)
		sub(e.Key)
	case *hclsyntax.TupleConsExpr:
		for _, x := range e.Exprs {
			sub(x)
		}
	case *hclsyntax.ObjectConsExpr:
		for _, it := range e.Items {
			sub(it.KeyExpr)
			sub(it.ValueExpr)
		}
	case *hclsyntax.ForExpr:
		sub(e.CollExpr)
		sub(e.KeyExpr)
		sub(e.ValExpr)
		sub(e.CondExpr)
	case *hclsyntax.SplatExpr:
		sub(e.Source)
		sub(e.Each)
	case *hclsyntax.BinaryOpExpr:
		sub(e.LHS)
		sub(e.RHS)
	case *hclsyntax.UnaryOpExpr:
		sub(e.Val)
	}
	return max
}

// countElements counts the elements of v and of every collection inside
// it, stopping once the count passes limit. It also refuses strings longer
// than maxStringBytes.
func countElements(v cty.Value, limit int) (n int, tooLong bool) {
	var walk func(v cty.Value)
	walk = func(v cty.Value) {
		if n > limit || tooLong || v.IsNull() || !v.IsKnown() {
			return
		}
		ty := v.Type()
		switch {
		case ty == cty.String:
			if len(v.AsString()) > maxStringBytes {
				tooLong = true
			}
		case ty.IsListType() || ty.IsSetType() || ty.IsMapType() || ty.IsTupleType() || ty.IsObjectType():
			n += v.LengthInt()
			if n > limit {
				return
			}
			if ty.IsSetType() && ty.ElementType().IsPrimitiveType() {
				// Iterating a set sorts it, at a cost (go-cty) that made a
				// 100,000-element toset take seconds. Its primitive
				// elements hold nothing more to count, and its strings
				// were bounded where they were made: by the file's size,
				// the guarded functions, or linearTo.
				return
			}
			for it := v.ElementIterator(); it.Next(); {
				_, e := it.Element()
				walk(e)
				if n > limit || tooLong {
					return
				}
			}
		}
	}
	v, _ = v.UnmarkDeep()
	walk(v)
	return n, tooLong
}

// checkValueSize reports a value with more than MaxElements elements or a
// string longer than the file limit.
func checkValueSize(v cty.Value, rng hcl.Range) *hcl.Diagnostic {
	n, long := countElements(v, MaxElements)
	switch {
	case n > MaxElements:
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Value too large",
			Detail:   fmt.Sprintf("This value has more than %d elements, the limit of one value in the configuration language.", MaxElements),
			Subject:  rng.Ptr(),
		}
	case long:
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Value too large",
			Detail:   fmt.Sprintf("This value holds a string longer than %d bytes, the limit of one file.", maxStringBytes),
			Subject:  rng.Ptr(),
		}
	}
	return nil
}
