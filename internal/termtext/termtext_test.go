package termtext

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain büro-host":        "plain büro-host",
		"a\x1b]0;owned\x07":      `a\x1b]0;owned\a`,
		"apply\u009b2J":          `apply\u009b2J`,
		"one\ntwo\r\u2028\u2029": `one\ntwo\r\u2028\u2029`,
		"tab\there\x7f":          `tab\there\x7f`,
	} {
		got := Escape(in)
		if got != want || strings.IndexFunc(got, Acts) >= 0 {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzEscape: whatever text is given, nothing a terminal acts on is left,
// and text with nothing to escape is kept as it is.
func FuzzEscape(f *testing.F) {
	f.Add("a\x1b[2Jb\u009bc\u2028")
	f.Add("plain")
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s)
		if strings.IndexFunc(got, Acts) >= 0 {
			t.Fatalf("Escape(%q) = %q", s, got)
		}
		if strings.IndexFunc(s, Acts) < 0 && got != s {
			t.Fatalf("Escape(%q) changed it to %q", s, got)
		}
	})
}
