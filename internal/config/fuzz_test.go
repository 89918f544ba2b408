package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/model"
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

// FuzzLoadFiles: two files read as one configuration (blocks that refer
// to each other across files, duplicates across them), with FuzzLoad's
// checks, and the same result whichever order they are handed in.
func FuzzLoadFiles(f *testing.F) {
	multi, _ := filepath.Glob("testdata/valid/multi/*.hcl")
	var parts [][]byte
	for _, p := range multi {
		if data, err := os.ReadFile(p); err == nil {
			parts = append(parts, data)
		}
	}
	for i := range parts {
		f.Add(parts[i], parts[(i+1)%len(parts)])
	}
	f.Add([]byte("team \"a\" {\n  platform = \"plausible\"\n}\n"), []byte("team \"a\" {\n  platform = \"plausible\"\n}\nmember \"x@a.com\" {\n  team = \"a\"\n  role = \"owner\"\n}\n"))
	f.Add([]byte("locals {\n  a = local.b\n}\n"), []byte("locals {\n  b = local.a\n}\n"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		res := LoadSources([]Source{{Name: "a.hcl", Data: a}, {Name: "b.hcl", Data: b}})
		if res.Config == nil {
			t.Fatal("no configuration")
		}
		for _, d := range res.Diags {
			if d.Summary == "" || d.Summary == "Internal error" {
				t.Fatalf("diagnostic %+v", d)
			}
			if d.Severity == hcl.DiagError && d.Subject == nil {
				t.Fatalf("error without a place: %s", d.Summary)
			}
		}
		again := LoadSources([]Source{{Name: "b.hcl", Data: b}, {Name: "a.hcl", Data: a}})
		if again.Diags.Error() != res.Diags.Error() || len(again.Config.Objects) != len(res.Config.Objects) {
			t.Fatalf("the order the files are handed in changes the result:\n%s\n%s", res.Diags.Error(), again.Diags.Error())
		}
	})
}

// FuzzDirectory: whatever the policy's directory file holds, as CSV or as
// JSON Lines, reading it gives people and diagnostics, never a panic;
// every diagnostic names the file and a line, and every person read has a
// normalised email and one of the three statuses.
func FuzzDirectory(f *testing.F) {
	for _, s := range []string{
		"email,status,name,manager\nann@acme.com,active,Ann,\nBob@Acme.com,left,Bob,ann@acme.com\n",
		"\ufeffLogin,Email,Status,Display Name\nann@acme.com,ann@acme.com,ACTIVE,Ann\n",
		"userPrincipalName,displayName,Block sign in\nann@acme.com,Ann,Yes\n",
		"email\n\"ann@acme.com\nbob\n",
		"email,status\nann@acme.com,gone\nann@acme.com,active\n",
		"{\"email\":\"ann@acme.com\",\"status\":\"active\"}\n{\"email\":\"x\",\"email\":\"y\"}\n[1]\n",
		"",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, jsonl bool) {
		file := "people.csv"
		if jsonl {
			file = "people.jsonl"
		}
		l := newLoader()
		d := l.parseDirectory(data, file)
		for _, diag := range l.diags {
			if diag.Summary == "" || diag.Detail == "" || diag.Subject == nil || diag.Subject.Filename != file || diag.Subject.Start.Line < 0 {
				t.Fatalf("diagnostic without summary, detail or place in %s: %+v", file, diag)
			}
		}
		if d == nil {
			t.Fatal("no directory")
		}
		for email, p := range d.People {
			if e, err := model.ParseEmail(email); err != nil || e != email || p.Email != email {
				t.Fatalf("person %q read with the email %q (%v)", email, p.Email, err)
			}
			switch p.Status {
			case model.PersonActive, model.PersonSuspended, model.PersonLeft:
			default:
				t.Fatalf("%s has the status %q", email, p.Status)
			}
		}
	})
}

// FuzzFormat: roster fmt leaves a file it cannot parse alone, and what it
// writes is already formatted (roster fmt --check passes after roster
// fmt) and loads as the file did: the same objects, the same problems.
func FuzzFormat(f *testing.F) {
	for _, glob := range []string{"testdata/valid/*.hcl", "testdata/valid/*/*.hcl", "testdata/invalid/*.hcl"} {
		paths, _ := filepath.Glob(glob)
		for _, p := range paths {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	for _, s := range []string{
		"team \"a\"{\nplatform=\"plausible\"\n}\n",
		"locals {\n  a = [1,\n2]\n  b = { x = 1, yy = 2 }\n}\n",
		"x = <<EOT\n  ${a}\nEOT\n",
		"# c\n\n\n\nteam \"a\" {} # d\n",
		"a = \"${\"${b}\"}\"\n",
		"a = b ? c : d\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		out, diags := Format(src, "fuzz.hcl")
		if diags.HasErrors() {
			if out != nil {
				t.Fatalf("a file that does not parse formatted as %q", out)
			}
			return
		}
		again, diags := Format(out, "fuzz.hcl")
		if diags.HasErrors() {
			t.Fatalf("%q formatted as %q, which does not parse: %s", src, out, diags.Error())
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("%q formatted as %q, and again as %q", src, out, again)
		}
		before := LoadSources([]Source{{Name: "fuzz.hcl", Data: src}})
		after := LoadSources([]Source{{Name: "fuzz.hcl", Data: out}})
		if a, b := loadSummary(before), loadSummary(after); a != b {
			t.Fatalf("%q formatted as %q loads differently:\n%s\nformatted:\n%s", src, out, a, b)
		}
	})
}

// loadSummary is what a load gives, without the places in the file.
func loadSummary(res *Result) string {
	var b strings.Builder
	for _, d := range res.Diags {
		fmt.Fprintf(&b, "%d %s: %s\n", d.Severity, d.Summary, d.Detail)
	}
	for _, o := range res.Config.Objects {
		fmt.Fprintf(&b, "%s %s %s\n", o.Addr, o.Role, o.Reason)
	}
	return b.String()
}
