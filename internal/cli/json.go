package cli

import (
	"io"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// jsonOpts are the options the command line's own JSON documents (show
// --json, history --json, evidence list --json, platforms --json) are
// written with, in json/v2: indented by two spaces, <, > and & escaped
// as \u003c, \u003e and \u0026, U+2028 and U+2029 escaped, invalid UTF-8
// written as U+FFFD and nil lists and maps written as null, as
// encoding/json wrote them before.
var jsonOpts = json.JoinOptions(
	jsontext.WithIndent("  "),
	jsontext.EscapeForHTML(true),
	jsontext.EscapeForJS(true),
	jsontext.AllowInvalidUTF8(true),
	json.FormatNilSliceAsNull(true),
	json.FormatNilMapAsNull(true),
)

// writeJSON writes v as one indented JSON document and a newline.
func writeJSON(w io.Writer, v any) error {
	if err := json.MarshalWrite(w, v, jsonOpts); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
