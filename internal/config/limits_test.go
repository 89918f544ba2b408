package config

import (
	"bytes"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/diagtest"
)

func hasDiag(diags hcl.Diagnostics, summary string) *hcl.Diagnostic {
	for _, d := range diags {
		if d.Severity == hcl.DiagError && strings.Contains(d.Summary, summary) {
			return d
		}
	}
	return nil
}

func TestNoConfigurationFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("# not config"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.hcl.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(dir, ".#main.hcl"), []byte("junk"), 0o644)
	os.Mkdir(filepath.Join(dir, "dir.hcl"), 0o755)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "team.hcl"), []byte(`team "a" { platform = "plausible" }`), 0o644)

	for name, res := range map[string]*Result{"Load": Load(dir), "LoadSources": LoadSources(nil)} {
		d := hasDiag(res.Diags, "No configuration files")
		if d == nil || len(res.Diags) != 1 {
			t.Errorf("%s: diagnostics %v, want one saying No configuration files", name, res.Diags)
			continue
		}
		if d.Detail == "" {
			t.Errorf("%s: no detail", name)
		}
		if res.Config == nil || len(res.Config.Objects) != 0 || len(res.Config.Platforms) != len(BuiltinNames()) {
			t.Errorf("%s: config %+v", name, res.Config)
		}
	}
}

func TestUnreadableDirectory(t *testing.T) {
	res := Load(filepath.Join(t.TempDir(), "missing"))
	if res.Config != nil || hasDiag(res.Diags, "Cannot read the configuration directory") == nil {
		t.Errorf("got config %v, diagnostics %v", res.Config, res.Diags)
	}
}

func TestRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"team", "member", "guest", "grant", "site", "dynamic", "for_each", "locals", "local.", "each.", "\"", "{", "}", "[", "]", "(", ")",
		"=", "\n", " ", "${", "%{", "if", "endif", "<<EOT\n", "EOT\n", "#", "/*", "*/", "!", "-", "?", ":", ",", "1", "a@b.c", "\\", "\x00", "é"}
	for i := 0; i < 300; i++ {
		var b bytes.Buffer
		n := rng.Intn(400)
		if i%2 == 0 {
			buf := make([]byte, n*4)
			rng.Read(buf)
			b.Write(buf)
		} else {
			for j := 0; j < n; j++ {
				b.WriteString(alphabet[rng.Intn(len(alphabet))])
			}
		}
		res := LoadSources([]Source{{Name: "random.hcl", Data: b.Bytes()}})
		if res.Config == nil {
			t.Fatalf("case %d: no configuration", i)
		}
		for _, d := range res.Diags {
			if d.Summary == "" {
				t.Fatalf("case %d: diagnostic without summary: %+v", i, d)
			}
		}
		Format(b.Bytes(), "random.hcl")
	}
	// Random bytes that are surely not HCL give a diagnostic.
	res := LoadSources([]Source{{Name: "bin.hcl", Data: []byte("\x00\x01\x02{{{\"")}})
	if !res.Diags.HasErrors() {
		t.Error("binary junk loaded without error")
	}
}

func TestHugeFile(t *testing.T) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("# padding padding padding padding padding padding\n"), 17<<20/50+1)
	if err := os.WriteFile(filepath.Join(dir, "huge.hcl"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(`team "a" { platform = "plausible" }`), 0o644)
	for name, res := range map[string]*Result{
		"Load":        Load(dir),
		"LoadSources": LoadSources([]Source{{Name: "huge.hcl", Data: big}}),
	} {
		d := hasDiag(res.Diags, "Configuration file too large")
		if d == nil || d.Subject == nil || d.Subject.Filename != "huge.hcl" || d.Subject.Start.Line != 1 {
			t.Errorf("%s: diagnostics %v", name, res.Diags)
		}
		if res.Files["huge.hcl"] != nil {
			t.Errorf("%s: the huge file was parsed", name)
		}
	}
}

func TestConfigurationTooLarge(t *testing.T) {
	part := bytes.Repeat([]byte("#\n"), 14<<20/2) // 14 MiB of comments
	var srcs []Source
	for _, n := range []string{"a.hcl", "b.hcl", "c.hcl", "d.hcl", "e.hcl"} {
		srcs = append(srcs, Source{Name: n, Data: part})
	}
	res := LoadSources(srcs)
	d := hasDiag(res.Diags, "Configuration too large")
	if d == nil || d.Subject.Filename != "e.hcl" {
		t.Fatalf("diagnostics %v", res.Diags)
	}
	if len(res.Files) != 0 {
		t.Errorf("files were parsed past the limit: %d", len(res.Files))
	}
}

func TestDeepNesting(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (nesting a million deep): skipped under -short; make test runs it")
	}
	rep := strings.Repeat
	for name, src := range map[string]string{
		"parens 150":          "locals {\n  x = " + rep("(", 150) + "1" + rep(")", 150) + "\n}\n",
		"lists 150":           "locals {\n  x = " + rep("[", 150) + rep("]", 150) + "\n}\n",
		"parens 100000":       "locals {\n  x = " + rep("(", 100000) + "1" + rep(")", 100000) + "\n}\n",
		"unclosed 1000000":    "locals {\n  x = " + rep("[", 1000000) + "\n}\n",
		"not 1000000":         "locals {\n  x = " + rep("!", 1000000) + "true\n}\n",
		"minus 1000000":       "locals {\n  x = " + rep("-", 1000000) + "1\n}\n",
		"plus 200000":         "locals {\n  x = 1" + rep("+1", 200000) + "\n}\n",
		"ternary 100000":      "locals {\n  x = " + rep("true ? 1 : ", 100000) + "1\n}\n",
		"interpolation 10000": "locals {\n  x = \"" + rep("${\"", 10000) + rep("\"}", 10000) + "\"\n}\n",
		"directives 10000":    "locals {\n  x = \"" + rep("%{ if true }", 10000) + "x" + rep("%{ endif }", 10000) + "\"\n}\n",
		"heredoc 10000":       "locals {\n  x = <<EOT\n" + rep("${[", 10000) + rep("]}", 10000) + "\nEOT\n}\n",
		"blocks 100000":       rep("team \"a\" {\n", 100000) + rep("}\n", 100000),
		"objects 1000":        "locals {\n  x = " + rep("{a = ", 1000) + "1" + rep("}", 1000) + "\n}\n",
		"index 20000":         "locals {\n  x = local.y" + rep("[local.z]", 20000) + "\n}\n",
		"splat 150":           "locals {\n  x = local.y" + rep("[*].a", 150) + "\n}\n",
		"for 150":             "locals {\n  x = " + rep("[for a in ", 150) + "[]" + rep(": a]", 150) + "\n}\n",
		"parens 101":          "locals {\n  x = " + rep("(", 101) + "1" + rep(")", 101) + "\n}\n",
		"tuples 101":          "locals {\n  x = " + rep("[", 101) + rep("]", 101) + "\n}\n",
		"objects 101":         "locals {\n  x = " + rep("{a = ", 101) + "1" + rep("}", 101) + "\n}\n",
	} {
		t.Run(name, func(t *testing.T) {
			res := LoadSources([]Source{{Name: "deep.hcl", Data: []byte(src)}})
			d := hasDiag(res.Diags, "nested too deeply")
			if d == nil || d.Subject == nil || d.Subject.Filename != "deep.hcl" {
				t.Fatalf("diagnostics %v", res.Diags)
			}
			checkStandard(t, &diagtest.Checker{Files: map[string][]byte{"deep.hcl": []byte(src)}, Words: schemaWords()}, res.Diags)
			if out, _ := Format([]byte(src), "deep.hcl"); out != nil && strings.Count(src, "(") > 1000 {
				t.Error("Format formatted a file nested beyond the parser's limit")
			}
		})
	}
	for name, src := range map[string]string{
		"parens 50":    "locals {\n  x = " + rep("(", 50) + "1" + rep(")", 50) + "\n}\n",
		"parens 100":   "locals {\n  x = " + rep("(", 100) + "1" + rep(")", 100) + "\n}\n",
		"tuples 100":   "locals {\n  x = " + rep("[", 100) + rep("]", 100) + "\n}\n",
		"objects 100":  "locals {\n  x = " + rep("{a = ", 100) + "1" + rep("}", 100) + "\n}\n",
		"comments":     "# " + rep("((((", 1000) + "\n/* " + rep("[[", 1000) + " */\nlocals {\n  x = \"" + rep("(", 1000) + "\"\n  y = \"$${" + rep("{", 300) + "\"\n}\n",
		"many minuses": "locals {\n" + rep("  x = -1\n", 0) + "  a = [" + rep("-1, ", 1000) + "-1]\n  b = 1 - 2 - 3 - 4 - 5\n}\n",
		"heredoc text": "locals {\n  x = <<-EOT\n    " + rep("(((", 500) + "\n    EOT\n}\n",
	} {
		t.Run(name, func(t *testing.T) {
			res := LoadSources([]Source{{Name: "ok.hcl", Data: []byte(src)}})
			if res.Diags.HasErrors() {
				t.Fatalf("diagnostics %v", res.Diags)
			}
		})
	}
}

func TestValueTooLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (builds a million-element value): skipped under -short; make test runs it")
	}
	res := LoadSources([]Source{{Name: "big.hcl", Data: []byte(`locals {
  big = [for i in range(1000) : [for j in range(1001) : true]]
}
`)}})
	d := hasDiag(res.Diags, "Value too large")
	if d == nil || d.Subject.Start.Line != 2 || !strings.Contains(d.Detail, "1000000") {
		t.Fatalf("diagnostics %v", res.Diags)
	}
	checkStandard(t, &diagtest.Checker{Files: map[string][]byte{"big.hcl": res.Files["big.hcl"].Bytes}}, res.Diags)
	res = LoadSources([]Source{{Name: "range.hcl", Data: []byte(`locals {
  big = range(1000001)
}
`)}})
	if !res.Diags.HasErrors() || res.Diags[0].Subject.Start.Line != 2 {
		t.Fatalf("diagnostics %v", res.Diags)
	}
	// The limit is passed only beyond it: exactly 1,000,000 elements
	// (1,000 lists and their 999,000 elements) load.
	res = LoadSources([]Source{{Name: "edge.hcl", Data: []byte(`locals {
  big = [for i in range(1000) : [for j in range(999) : true]]
}
`)}})
	if res.Diags.HasErrors() {
		t.Fatalf("exactly %d elements: %v", MaxElements, res.Diags)
	}
	for name, expr := range map[string]string{
		"format width": `format("%999999999d", 1)`,
		"replace":      `replace(join("", [for i in range(1000) : "aaaaaaaaaa"]), "a", join("", [for i in range(1000) : "bbbbbbbbbbbbbbbbbbbbbbbb"]))`,
		"join":         `join(join("", [for i in range(1000) : "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]), range(1000))`,
	} {
		res := LoadSources([]Source{{Name: "f.hcl", Data: []byte("locals {\n  x = " + expr + "\n}\n")}})
		if !res.Diags.HasErrors() {
			t.Errorf("%s: no diagnostic", name)
		}
	}
}

func TestScanNestingPositions(t *testing.T) {
	src := "locals {\n  a = 1\n  b = " + strings.Repeat("(", 300) + "\n}\n"
	d := scanNesting([]byte(src), "x.hcl", maxParseNesting)
	if d == nil || d.Subject.Start.Line != 3 {
		t.Fatalf("got %v", d)
	}
	if d := scanNesting([]byte("a = \"((((\"\n"), "x.hcl", 2); d != nil {
		t.Errorf("brackets inside a string counted: %v", d)
	}
	if d := scanNesting([]byte("a = \"${(((\"\n"), "x.hcl", 2); d == nil {
		t.Error("brackets inside an interpolation not counted")
	}
}

// TestSizeLimitsAtTheEdge: the size limits are "when passed": a file of
// exactly 16 MiB, and files of exactly 64 MiB together, load.
func TestSizeLimitsAtTheEdge(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (parses 64 MiB): skipped under -short; make test runs it")
	}
	team := []byte("team \"a\" {\n  platform = \"plausible\"\n}\n")
	full := append(bytes.Repeat([]byte("#"), MaxFileSize-len(team)-1), '\n')
	full = append(full, team...)
	if len(full) != MaxFileSize {
		t.Fatalf("built %d bytes", len(full))
	}
	res := LoadSources([]Source{{Name: "full.hcl", Data: full}})
	if res.Diags.HasErrors() || len(res.Config.Objects) != 1 {
		t.Fatalf("a file of exactly %d bytes: %v", MaxFileSize, res.Diags)
	}
	comments := append(bytes.Repeat([]byte("#"), MaxFileSize-1), '\n')
	srcs := []Source{{Name: "a.hcl", Data: full}}
	for _, n := range []string{"b.hcl", "c.hcl", "d.hcl"} {
		srcs = append(srcs, Source{Name: n, Data: comments})
	}
	res = LoadSources(srcs)
	if res.Diags.HasErrors() || len(res.Config.Objects) != 1 {
		t.Fatalf("files of exactly %d bytes together: %v", MaxConfigSize, res.Diags)
	}
	srcs = append(srcs, Source{Name: "e.hcl", Data: []byte("\n")})
	if d := hasDiag(LoadSources(srcs).Diags, "Configuration too large"); d == nil || d.Subject.Filename != "e.hcl" {
		t.Fatal("one byte past the configuration's limit loads")
	}
}
