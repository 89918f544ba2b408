package config

import (
	"fmt"
	"strings"
	"testing"
)

// TestParseFilesInOrder: files are parsed concurrently, but diagnostics,
// files and the digest come out as a parse in file order gives them,
// run after run.
func TestParseFilesInOrder(t *testing.T) {
	var srcs []Source
	for i := range 40 {
		var data string
		switch i % 4 {
		case 0:
			data = fmt.Sprintf("team \"t%d\" {\n  platform = \"plausible\"\n", i) // unclosed block
		case 1:
			data = "x = " + strings.Repeat("(", maxParseNesting+5) + "1" + strings.Repeat(")", maxParseNesting+5) + "\n"
		case 2:
			data = fmt.Sprintf("team \"t%d\" {\n  platform = \"plausible\"\n}\n", i)
		default:
			data = "@@@\n"
		}
		srcs = append(srcs, Source{Name: fmt.Sprintf("f%02d.hcl", i), Data: []byte(data)})
	}
	first := LoadSources(srcs)
	if len(first.Diags) < 30 {
		t.Fatalf("%d diagnostics, want one or more for each broken file", len(first.Diags))
	}
	last := -1
	for _, d := range first.Diags {
		if d.Subject == nil {
			continue
		}
		var n int
		fmt.Sscanf(d.Subject.Filename, "f%02d.hcl", &n)
		if n < last {
			t.Fatalf("diagnostics out of file order: %s after f%02d.hcl", d.Subject.Filename, last)
		}
		last = n
	}
	for range 5 {
		again := LoadSources(srcs)
		if again.Diags.Error() != first.Diags.Error() || again.Config.Digest != first.Config.Digest || len(again.Files) != len(first.Files) {
			t.Fatalf("a second load differs:\n%s\n%s", again.Diags.Error(), first.Diags.Error())
		}
	}
}
