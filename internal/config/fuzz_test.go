package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// FuzzLoad: whatever one file holds, loading gives a configuration and
// diagnostics, never a panic; every error has a summary and, but for
// file-level ones, a place in the file.
func FuzzLoad(f *testing.F) {
	for _, glob := range []string{"testdata/valid/*.hcl", "testdata/valid/*/*.hcl", "testdata/invalid/*.hcl", "testdata/invalid/*/*.hcl"} {
		paths, _ := filepath.Glob(glob)
		for _, p := range paths {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	for _, s := range []string{
		"",
		"team",
		`team "a" {`,
		`member "x" { for_each = {a = {b = 1}} email = each.value.b }`,
		"locals { a = \"${\"${local.a}\"}\" }",
		"guest \"g@x.y\" {\n team = \"t\"\n dynamic \"grant\" {\n for_each = local.x\n content {}\n }\n}\n",
		"x = <<EOT\n${a}\nEOT\n",
		"\xff\xfe\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res := LoadSources([]Source{{Name: "fuzz.hcl", Data: data}})
		if res.Config == nil {
			t.Fatal("no configuration")
		}
		for _, d := range res.Diags {
			if d.Summary == "" {
				t.Fatalf("diagnostic without summary: %+v", d)
			}
			if d.Summary == "Internal error" {
				t.Fatalf("decoding panicked: %s", d.Detail)
			}
			if d.Severity == hcl.DiagError && d.Subject == nil {
				t.Fatalf("error without a place: %s", d.Summary)
			}
		}
		if !res.Diags.HasErrors() {
			for _, o := range res.Config.Objects {
				if o.Decl == nil || o.Addr.String() == "" {
					t.Fatalf("object without address or Decl: %+v", o)
				}
			}
		}
		Format(data, "fuzz.hcl")
	})
}
