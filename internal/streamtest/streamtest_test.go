package streamtest

import (
	"bytes"
	"strings"
	"testing"
)

// TestStreamed: a document written in many small pieces is streamed; one
// held whole and written at once, in a few pieces, or with one piece of
// most of it, is not.
func TestStreamed(t *testing.T) {
	doc := []byte(strings.Repeat("x", 100_000))
	pieces := func(sizes ...int) *Writer {
		var w Writer
		rest := doc
		for _, n := range sizes {
			w.Write(rest[:n])
			rest = rest[n:]
		}
		for len(rest) > 0 {
			n := min(len(rest), 1000)
			w.Write(rest[:n])
			rest = rest[n:]
		}
		return &w
	}
	if w := pieces(); !w.Streamed() {
		t.Errorf("100 writes of 1000 bytes: %v, not streamed", w)
	}
	var whole Writer
	bytes.NewReader(doc).WriteTo(&whole)
	for name, w := range map[string]*Writer{
		"whole":      &whole,
		"few pieces": pieces(20_000, 20_000, 20_000, 20_000, 20_000),
		"one large":  pieces(50_000),
	} {
		if w.Streamed() {
			t.Errorf("%s: %v, streamed", name, w)
		}
	}
	if s := (&Writer{Writes: 2, Largest: 3, Total: 4}).String(); s != "4 bytes in 2 writes, the largest 3 bytes" {
		t.Errorf("String: %q", s)
	}
}
