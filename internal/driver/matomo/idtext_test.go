package matomo

import (
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// TestIDText: an id given as a string is decoded, escapes and all; a
// number is its digits.
func TestIDText(t *testing.T) {
	for in, want := range map[string]string{`7`: "7", `"7"`: "7", `"\u0031"`: "1", `"12"`: "12"} {
		if got := idText(jsontext.Value(in)); got != want {
			t.Errorf("idText(%s) = %q, want %q", in, got, want)
		}
	}
}
