package model

import (
	"testing"
	"unsafe"

	"github.com/hashicorp/hcl/v2"
)

// TestSpan: a span gives back the range it was made from, file name
// included; the zero range is the zero span; spans of one SpanFiles
// share their file names, so equal places compare equal.
func TestSpan(t *testing.T) {
	r := hcl.Range{Filename: "team-0001.hcl", Start: hcl.Pos{Line: 12, Column: 3, Byte: 401}, End: hcl.Pos{Line: 12, Column: 31, Byte: 429}}
	var f SpanFiles
	if got := f.Span(r).HCL(); got != r {
		t.Errorf("Span(%v).HCL() = %v", r, got)
	}
	if s := new(SpanFiles).Span(hcl.Range{}); s.HasFile() || s.HCL() != (hcl.Range{}) {
		t.Errorf("the zero range gives %+v", s)
	}
	a, b := f.Span(r), f.Span(r)
	other := r
	other.Filename = "main.hcl"
	c := f.Span(other)
	d := f.Span(r)
	if a != b || a != d || !a.HasFile() || a.HCL() != r || c.HCL() != other || c == a {
		t.Errorf("spans %+v %+v %+v %+v", a, b, c, d)
	}
	if f.Span(hcl.Range{}) != (Span{}) {
		t.Error("SpanFiles made a place of the zero range")
	}
	if n := unsafe.Sizeof(Span{}); n > unsafe.Sizeof(hcl.Range{})/2 {
		t.Errorf("a Span takes %d bytes, an hcl.Range %d", n, unsafe.Sizeof(hcl.Range{}))
	}
}

// TestDeclSize: a declared grant's Decl fits a 128-byte allocation, which
// it does only while what its holder's grants share stays in one shared
// HolderDecl (make bench's peak RSS at 100,000 grants counts on it).
func TestDeclSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("sizes are those of 64-bit platforms")
	}
	if n := unsafe.Sizeof(Decl{}); n > 128 {
		t.Errorf("a Decl takes %d bytes, over 128", n)
	}
}
