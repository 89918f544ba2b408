package model

import (
	"math"

	"github.com/hashicorp/hcl/v2"
)

// Span is where a declaration stands in a configuration file, as every
// declared object keeps it (Decl): an hcl.Range in half the space (32
// bytes instead of 64), the file name shared by pointer and the positions
// as 32-bit numbers (a configuration file is at most 16 MiB). HCL turns it
// back into an hcl.Range when a diagnostic is made. The zero Span is no
// place (HCL gives the zero hcl.Range).
type Span struct {
	file                           *string
	startLine, startCol, startByte uint32
	endLine, endCol, endByte       uint32
}

func newSpan(file *string, r hcl.Range) Span {
	return Span{file: file,
		startLine: clamp(r.Start.Line), startCol: clamp(r.Start.Column), startByte: clamp(r.Start.Byte),
		endLine: clamp(r.End.Line), endCol: clamp(r.End.Column), endByte: clamp(r.End.Byte)}
}

func clamp(n int) uint32 { return uint32(min(max(n, 0), math.MaxUint32)) }

// HCL is the span as an hcl.Range.
func (s Span) HCL() hcl.Range {
	if s.file == nil {
		return hcl.Range{}
	}
	return hcl.Range{Filename: *s.file,
		Start: hcl.Pos{Line: int(s.startLine), Column: int(s.startCol), Byte: int(s.startByte)},
		End:   hcl.Pos{Line: int(s.endLine), Column: int(s.endCol), Byte: int(s.endByte)}}
}

// HasFile reports whether the span names a file, as a range from the
// configuration always does (the zero Span does not).
func (s Span) HasFile() bool { return s.file != nil && *s.file != "" }

// SpanFiles makes spans whose file names are shared: one string per file
// for all the spans of a configuration. Its zero value is ready to use;
// it is not safe for concurrent use.
type SpanFiles struct {
	last  *string
	names map[string]*string
}

// Span is r as a Span, its file name shared with the other spans f made.
func (f *SpanFiles) Span(r hcl.Range) Span {
	if r == (hcl.Range{}) {
		return Span{}
	}
	if f.last == nil || *f.last != r.Filename {
		p, ok := f.names[r.Filename]
		if !ok {
			if f.names == nil {
				f.names = map[string]*string{}
			}
			name := r.Filename
			p = &name
			f.names[name] = p
		}
		f.last = p
	}
	return newSpan(f.last, r)
}
