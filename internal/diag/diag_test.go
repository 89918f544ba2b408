package diag

import (
	"bytes"
	"strings"
	"testing"

	json "github.com/go-json-experiment/json"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

func TestWriteText(t *testing.T) {
	src := []byte("member \"a@b.c\" {\n  expires = \"2026-13-01\"\n}\n")
	f, _ := hclparse.NewParser().ParseHCL(src, "main.hcl")
	r := hcl.Range{Filename: "main.hcl", Start: hcl.Pos{Line: 2, Column: 13, Byte: 29}, End: hcl.Pos{Line: 2, Column: 25, Byte: 41}}
	diags := hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "Invalid date in expires", Detail: "The value is not a date.", Subject: &r},
		{Severity: hcl.DiagWarning, Summary: "No internal domains", Detail: "Nobody is external."},
	}
	var b bytes.Buffer
	if err := WriteText(&b, diags, map[string]*hcl.File{"main.hcl": f}); err != nil {
		t.Fatal(err)
	}
	want := "Error: main.hcl:2:13: Invalid date in expires\n\nThe value is not a date.\n\n" +
		"  2:   expires = \"2026-13-01\"\n" +
		"                 ^^^^^^^^^^^^\n" +
		"\nWarning: No internal domains\n\nNobody is external.\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestWriteJSON(t *testing.T) {
	r := hcl.Range{Filename: "x.hcl", Start: hcl.Pos{Line: 1, Column: 2, Byte: 1}, End: hcl.Pos{Line: 1, Column: 4, Byte: 3}}
	var b bytes.Buffer
	if err := WriteJSON(&b, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "S", Detail: "D", Subject: &r}}); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["valid"] != false || doc["error_count"].(float64) != 1 || doc["warning_count"].(float64) != 0 {
		t.Errorf("counts wrong: %s", b.String())
	}
	if !strings.Contains(b.String(), `"filename": "x.hcl"`) {
		t.Errorf("range missing: %s", b.String())
	}
	b.Reset()
	WriteJSON(&b, nil)
	if !strings.Contains(b.String(), `"diagnostics": []`) || !strings.Contains(b.String(), `"valid": true`) {
		t.Errorf("empty document wrong: %s", b.String())
	}
}
