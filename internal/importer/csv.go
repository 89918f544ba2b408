package importer

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// record is one row of a sheet: its fields, trimmed, and the line it starts
// on (the header is line 1).
type record struct {
	Line   int
	Fields []string
}

// SheetError is a problem with one line of a sheet.
type SheetError struct {
	Line int
	Msg  string
}

func (e *SheetError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// readCSV splits a sheet into records with the habits of spreadsheet
// exports: a UTF-8 byte order mark, CRLF (or CR) line ends, spaces around
// values and around quoted fields, quoted fields holding the delimiter,
// quotes ("" inside quotes) and line breaks. The delimiter is ',' unless the
// header line holds more ';' or tabs (locales whose spreadsheets export
// with ';'). Blank lines and rows of empty fields are left out. A quote
// left open, text after a closing quote, a sheet in UTF-16 or bytes that are
// not UTF-8 are errors naming the line.
func readCSV(data []byte) ([]record, error) {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return nil, &SheetError{Line: 1, Msg: "the file is UTF-16 text; save the sheet as \"CSV UTF-8\" and try again"}
	}
	data = bytes.TrimPrefix(data, []byte{0xef, 0xbb, 0xbf})
	delim := delimiter(data)
	var out []record
	line := 1
	i := 0
	n := len(data)
	fields := make([]string, 0, 8)
	var field []byte
	for i < n {
		start := line
		fields = fields[:0]
		for {
			// One field: skip leading blanks.
			for i < n && (data[i] == ' ' || data[i] == '\t' && delim != '\t') {
				i++
			}
			field = field[:0]
			if i < n && data[i] == '"' {
				open := line
				i++
				closed := false
				for i < n {
					c := data[i]
					if c == '"' {
						if i+1 < n && data[i+1] == '"' {
							field = append(field, '"')
							i += 2
							continue
						}
						i++
						closed = true
						break
					}
					if c == '\n' || (c == '\r' && (i+1 >= n || data[i+1] != '\n')) {
						line++
					}
					field = append(field, c)
					i++
				}
				if !closed {
					return nil, &SheetError{Line: open, Msg: "a quoted value is not closed (a '\"' is missing)"}
				}
				for i < n && (data[i] == ' ' || data[i] == '\t' && delim != '\t') {
					i++
				}
				if i < n && data[i] != delim && data[i] != '\n' && data[i] != '\r' {
					return nil, &SheetError{Line: line, Msg: fmt.Sprintf("text after a closing quote; a value with quotes is written \"like \"\"this\"\"\" (near %q)", snippet(data[i:]))}
				}
			} else {
				for i < n && data[i] != delim && data[i] != '\n' && data[i] != '\r' {
					field = append(field, data[i])
					i++
				}
				field = bytes.TrimRight(field, " \t")
			}
			if !utf8.Valid(field) {
				return nil, &SheetError{Line: line, Msg: "the line holds bytes that are not UTF-8 text; save the sheet as \"CSV UTF-8\" and try again"}
			}
			fields = append(fields, string(bytes.TrimSpace(field)))
			if i < n && data[i] == delim {
				i++
				continue
			}
			break
		}
		// End of the record: consume the line end.
		if i < n && data[i] == '\r' {
			i++
			if i < n && data[i] == '\n' {
				i++
			}
			line++
		} else if i < n && data[i] == '\n' {
			i++
			line++
		}
		if !allEmpty(fields) {
			out = append(out, record{Line: start, Fields: append([]string(nil), fields...)})
		}
	}
	return out, nil
}

// delimiter picks ',' unless the first line holds more ';' or tabs.
func delimiter(data []byte) byte {
	end := bytes.IndexAny(data, "\r\n")
	if end < 0 {
		end = len(data)
	}
	first := data[:end]
	best, count := byte(','), bytes.Count(first, []byte{','})
	for _, d := range []byte{';', '\t'} {
		if c := bytes.Count(first, []byte{d}); c > count {
			best, count = d, c
		}
	}
	return best
}

func allEmpty(fields []string) bool {
	for _, f := range fields {
		if f != "" {
			return false
		}
	}
	return true
}

func snippet(b []byte) string {
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	if len(b) > 20 {
		b = b[:20]
	}
	return string(b)
}
