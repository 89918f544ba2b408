package apply

import "testing"

// TestOneLine: a platform's words reach the evidence note and the
// terminal (the manual step's runbook) as one line without control
// characters: C0, DEL and the C1 controls some terminals obey (U+009B is
// CSI), and the Unicode line and paragraph separators.
func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain words, é and 日本":                   "plain words, é and 日本",
		"a\nb\r\tc\x00d\x7fe":                     "a b  c d e",
		"red \x1b[31mtext":                        "red  [31mtext",
		"csi \u009b2J and nel \u0085end":          "csi  2J and nel  end",
		"line\u2028separator\u2029paragraph done": "line separator paragraph done",
	} {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
