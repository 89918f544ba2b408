package config

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/diagtest"
)

// schemaWords are the attribute and block names of the language, the
// words a diagnostic's detail may begin with uncapitalised.
func schemaWords() map[string]bool {
	out := map[string]bool{}
	for _, names := range SchemaNames() {
		for _, n := range names {
			out[n] = true
		}
	}
	return out
}

// TestDiagnosticStandard: every diagnostic of every invalid case has a
// tight Subject in a file, a short summary and a full-sentence detail
// (the rules of internal/diagtest).
func TestDiagnosticStandard(t *testing.T) {
	words := schemaWords()
	for _, c := range cases(t, "testdata/invalid") {
		t.Run(c.name, func(t *testing.T) {
			checkStandard(t, &diagtest.Checker{Files: c.files(t), Words: words}, c.load(t).Diags)
		})
	}
}

func checkStandard(t *testing.T, c *diagtest.Checker, diags hcl.Diagnostics) {
	t.Helper()
	for _, d := range diags {
		for _, p := range c.Problems(d) {
			t.Errorf("%s: %s", diagText(d), p)
		}
	}
}

// TestLimitDiagnosticsStandard: the limits found before parsing (nesting,
// heredocs), which know a position rather than a range, still underline
// the character or the line they are about.
func TestLimitDiagnosticsStandard(t *testing.T) {
	rep := strings.Repeat
	for name, src := range map[string]string{
		"parens 300":             "locals {\n  x = " + rep("(", 300) + "1" + rep(")", 300) + "\n}\n",
		"unclosed at the end":    "locals {\n  x = " + rep("[", 300),
		"unclosed at a line end": "locals {\n  x = " + rep("[\n", 300),
		"heredoc unterminated":   "team \"a\" {\n  platform = <<EOT\n" + rep("x\n", MaxHeredocLines+1),
	} {
		t.Run(name, func(t *testing.T) {
			res := LoadSources([]Source{{Name: "limit.hcl", Data: []byte(src)}})
			if !res.Diags.HasErrors() {
				t.Fatal("no error")
			}
			checkStandard(t, &diagtest.Checker{Files: map[string][]byte{"limit.hcl": []byte(src)}, Words: schemaWords()}, res.Diags)
		})
	}
}

// TestAllAtOnce: a file with unrelated errors in four blocks reports each
// of them in the one run, not the first alone.
func TestAllAtOnce(t *testing.T) {
	data, err := os.ReadFile("testdata/invalid/all_at_once.hcl")
	if err != nil {
		t.Fatal(err)
	}
	res := LoadSources([]Source{{Name: "all_at_once.hcl", Data: data}})
	var got []string
	for _, d := range res.Diags {
		got = append(got, fmt.Sprintf("%d: %s", d.Subject.Start.Line, d.Summary))
	}
	want := []string{
		"5: Unsupported argument",
		"15: Invalid date in expires",
		"20: Unknown site in grant",
		"27: Invalid value for min_owners",
	}
	if !slices.Equal(got, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSyntaxDiagnosticsStandard: the parser's diagnostics on the usual
// slips (each file stops at its syntax error, so each is a file of its
// own) keep the standard too: roster tightens the ranges HCL gives that
// are empty or run onto the next line.
func TestSyntaxDiagnosticsStandard(t *testing.T) {
	for name, src := range map[string]string{
		"unclosed block":       "team \"a\" {\n  platform = \"plausible\"\n",
		"unclosed string":      "team \"a\" {\n  platform = \"plausible\n}\n",
		"missing equals":       "team \"a\" {\n  platform \"plausible\"\n}\n",
		"missing equals crlf":  "team \"a\" {\r\n  platform \"plausible\"\r\n}\r\n",
		"stray brace":          "team \"a\" {\n  platform = \"plausible\"\n}\n}\n",
		"no label":             "team {\n  platform = \"plausible\"\n}\n",
		"attribute at the top": "platform = \"plausible\"\n",
		"unclosed list":        "group \"g\" {\n  team = \"a\"\n  members = [\"a@b.c\",\n",
		"bad character":        "team \"a\" {\n  platform = @\n}\n",
		"unclosed heredoc":     "team \"a\" {\n  platform = <<EOT\nx\n",
		"bad interpolation":    "locals {\n  a = \"${\"\n}\n",
		"comment after equals": "team \"a\" {\n  platform = # none\n}\n",
	} {
		t.Run(name, func(t *testing.T) {
			res := LoadSources([]Source{{Name: "x.hcl", Data: []byte(src)}})
			if !res.Diags.HasErrors() {
				t.Fatal("no error")
			}
			checkStandard(t, &diagtest.Checker{Files: map[string][]byte{"x.hcl": []byte(src)}, Words: schemaWords()}, res.Diags)
		})
	}
}
