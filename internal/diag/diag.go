package diag

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/hashicorp/hcl/v2"
)

// Errorf builds an error diagnostic with no source range, for problems that
// do not come from a file (a missing state, a bad flag value).
func Errorf(summary, detailFormat string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detailFormat, args...)}
}

// Place renders a range as FILE:LINE:COL.
func Place(r *hcl.Range) string {
	if r == nil || r.Filename == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

func severity(d *hcl.Diagnostic) string {
	if d.Severity == hcl.DiagWarning {
		return "Warning"
	}
	return "Error"
}

// WriteText writes every diagnostic: a first line
// `Error: main.hcl:9:13: Summary`, then the detail, then (when the source is
// in files) the line it points at with the range underlined. Diagnostics are
// separated by a blank line.
func WriteText(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File) error {
	bw := bufio.NewWriter(w)
	for i, d := range diags {
		if i > 0 {
			bw.WriteByte('\n')
		}
		head := severity(d) + ": "
		if p := Place(d.Subject); p != "" {
			head += p + ": "
		}
		bw.WriteString(head + d.Summary + "\n")
		if d.Detail != "" {
			bw.WriteString("\n" + d.Detail + "\n")
		}
		if snip := snippet(d.Subject, files); snip != "" {
			bw.WriteString("\n" + snip)
		}
	}
	return bw.Flush()
}

// snippet returns the source line of r with its range underlined, or "".
func snippet(r *hcl.Range, files map[string]*hcl.File) string {
	if r == nil || files == nil {
		return ""
	}
	f := files[r.Filename]
	if f == nil || r.Start.Byte < 0 || r.Start.Byte > len(f.Bytes) {
		return ""
	}
	src := f.Bytes
	start := r.Start.Byte
	for start > 0 && src[start-1] != '\n' {
		start--
	}
	end := r.Start.Byte
	for end < len(src) && src[end] != '\n' {
		end++
	}
	line := string(src[start:end])
	if len(line) > 200 {
		return ""
	}
	line = strings.ReplaceAll(line, "\t", " ")
	prefix := fmt.Sprintf("  %d: ", r.Start.Line)
	col := r.Start.Byte - start
	width := r.End.Byte - r.Start.Byte
	if r.End.Line != r.Start.Line || col+width > len(line) {
		width = len(line) - col
	}
	if width < 1 {
		width = 1
	}
	return prefix + line + "\n" + strings.Repeat(" ", len(prefix)+runeWidth(line[:min(col, len(line))])) + strings.Repeat("^", runeWidth(line[min(col, len(line)):min(col+width, len(line))])) + "\n"
}

func runeWidth(s string) int { return len([]rune(s)) }

// JSON is the document of `validate --json`: the shape of Terraform's
// `validate -json`.
type JSON struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	Diagnostics   []DiagnosticJSON `json:"diagnostics"`
}

// DiagnosticJSON is one diagnostic in JSON.
type DiagnosticJSON struct {
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail"`
	Range    *RangeJSON `json:"range,omitempty"`
}

// RangeJSON is a source range: file name and start and end positions.
type RangeJSON struct {
	Filename string  `json:"filename"`
	Start    PosJSON `json:"start"`
	End      PosJSON `json:"end"`
}

// PosJSON is a position: line and column from 1, byte offset from 0.
type PosJSON struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// NewJSON converts diagnostics to the JSON document.
func NewJSON(diags hcl.Diagnostics) *JSON {
	doc := &JSON{FormatVersion: "1.0", Diagnostics: []DiagnosticJSON{}}
	for _, d := range diags {
		dj := DiagnosticJSON{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			dj.Severity = "warning"
			doc.WarningCount++
		} else {
			doc.ErrorCount++
		}
		if r := d.Subject; r != nil && r.Filename != "" {
			dj.Range = &RangeJSON{
				Filename: r.Filename,
				Start:    PosJSON{r.Start.Line, r.Start.Column, r.Start.Byte},
				End:      PosJSON{r.End.Line, r.End.Column, r.End.Byte},
			}
		}
		doc.Diagnostics = append(doc.Diagnostics, dj)
	}
	doc.Valid = doc.ErrorCount == 0
	return doc
}

// WriteJSON writes the JSON document, indented, with a final newline: the
// bytes encoding/json wrote ('<', '>', '&', U+2028 and U+2029 escaped).
func WriteJSON(w io.Writer, diags hcl.Diagnostics) error {
	return json.MarshalEncode(jsontext.NewEncoder(w, jsontext.Multiline(true), jsontext.WithIndent("  "),
		jsontext.EscapeForHTML(true), jsontext.EscapeForJS(true), jsontext.AllowInvalidUTF8(true)), NewJSON(diags))
}
