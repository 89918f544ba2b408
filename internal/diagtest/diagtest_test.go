package diagtest

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestProblems(t *testing.T) {
	src := []byte("member \"a@b.c\" {\n  team = \"x\"\n  grants = [\n    \"a\",\n  ]\n}\n")
	rng := func(l1, c1, b1, l2, c2, b2 int) *hcl.Range {
		return &hcl.Range{Filename: "main.hcl", Start: hcl.Pos{Line: l1, Column: c1, Byte: b1}, End: hcl.Pos{Line: l2, Column: c2, Byte: b2}}
	}
	line2 := rng(2, 3, 19, 2, 13, 29)
	c := &Checker{Files: map[string][]byte{"main.hcl": src}, Words: map[string]bool{"team": true}}
	for _, tc := range []struct {
		name string
		d    hcl.Diagnostic
		want string // a problem's text, or "" for none
	}{
		{"good", hcl.Diagnostic{Summary: "Invalid team", Detail: "The team is bad.", Subject: line2}, ""},
		{"detail starts with a name", hcl.Diagnostic{Summary: "Invalid team", Detail: "team must be a string.", Subject: line2}, ""},
		{"detail starts with an email", hcl.Diagnostic{Summary: "Invalid team", Detail: "a@b.c has no team.", Subject: line2}, ""},
		{"detail starts with roster", hcl.Diagnostic{Summary: "Invalid team", Detail: "roster has no teams.", Subject: line2}, ""},
		{"multi-line attribute", hcl.Diagnostic{Summary: "Invalid grants", Detail: "Grants are bad.", Subject: rng(3, 12, 41, 5, 4, 54)}, ""},
		{"no subject", hcl.Diagnostic{Summary: "Invalid team", Detail: "The team is bad."}, "no Subject"},
		{"no file", hcl.Diagnostic{Summary: "Invalid team", Detail: "The team is bad.", Subject: &hcl.Range{}}, "names no file"},
		{"empty subject", hcl.Diagnostic{Summary: "Invalid team", Detail: "The team is bad.", Subject: rng(2, 3, 19, 2, 3, 19)}, "empty Subject"},
		{"whole block", hcl.Diagnostic{Summary: "Invalid team", Detail: "The team is bad.", Subject: rng(1, 1, 0, 6, 2, 57)}, "outside any one attribute"},
		{"long summary", hcl.Diagnostic{Summary: "Invalid team " + strings.Repeat("x", 60), Detail: "The team is bad.", Subject: line2}, "summary of 73 characters"},
		{"lower summary", hcl.Diagnostic{Summary: "invalid team", Detail: "The team is bad.", Subject: line2}, "starts without a capital"},
		{"summary period", hcl.Diagnostic{Summary: "Invalid team.", Detail: "The team is bad.", Subject: line2}, "ends with a period"},
		{"no detail", hcl.Diagnostic{Summary: "Invalid team", Subject: line2}, "no detail"},
		{"detail unfinished", hcl.Diagnostic{Summary: "Invalid team", Detail: "The team is bad", Subject: line2}, "does not end a sentence"},
		{"detail lower", hcl.Diagnostic{Summary: "Invalid team", Detail: "the team is bad.", Subject: line2}, "starts without a capital or a name"},
	} {
		got := strings.Join(c.Problems(&tc.d), "; ")
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s: problems %q, want %q", tc.name, got, tc.want)
		}
	}
}
