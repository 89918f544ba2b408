package posthog

import "testing"

// TestFlexInt: an id given as a JSON number or string, escapes decoded.
func TestFlexInt(t *testing.T) {
	for in, want := range map[string]int{`7`: 7, `"7"`: 7, `"\u0031"`: 1} {
		var f flexInt
		if err := f.UnmarshalJSON([]byte(in)); err != nil || int(f) != want {
			t.Errorf("flexInt(%s) = %d, %v; want %d", in, f, err, want)
		}
	}
	var f flexInt
	if err := f.UnmarshalJSON([]byte(`"x"`)); err == nil {
		t.Error(`flexInt("x") took a non-number`)
	}
}
