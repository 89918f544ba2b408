package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"

	"github.com/roster-dev/roster/internal/jsonw"
)

// The review and who-can documents can hold a row per grant (100,000 and
// more), which encoding/json's indenting encoder handles slowly and all in
// memory. Their rows are written here by hand, streaming, byte for byte as
// encoding/json with SetIndent("", "  ") and SetEscapeHTML(false) would
// write them (TestJSONMatchesEncodingJSON holds the two equal); the small
// parts (sites, findings, summary) go through encoding/json.

// appendJSONString appends s as a JSON string exactly as encoding/json
// writes it with HTML escaping off: \" and \\, short escapes for \b \f \n
// \r \t, \u00XX for other control characters, U+2028 and U+2029 escaped,
// and invalid UTF-8 replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte { return jsonw.AppendString(b, s) }

func appendOptString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

// appendKey appends a newline, the indent and "key": .
func appendKey(b []byte, indent, key string) []byte {
	b = append(b, '\n')
	b = append(b, indent...)
	b = append(b, '"')
	b = append(b, key...)
	return append(b, `": `...)
}

// appendStrings appends a list of strings as encoding/json indents it, the
// items at indent plus two spaces.
func appendStrings(b []byte, indent string, l []string) []byte {
	if len(l) == 0 {
		return append(b, "[]"...)
	}
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		b = append(b, indent...)
		b = append(b, "  "...)
		b = appendJSONString(b, s)
	}
	b = append(b, '\n')
	b = append(b, indent...)
	return append(b, ']')
}

// appendIndent appends encoding/json's indented form of v with prefix,
// without HTML escaping and without the trailing newline.
func (rw *rowsWriter) appendIndent(b []byte, v any, prefix string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil && rw.err == nil {
		rw.err = err
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// rowsWriter streams a list of rows: flush writes what is buffered once it
// grows.
type rowsWriter struct {
	w   *bufio.Writer
	b   []byte
	err error
}

func (rw *rowsWriter) flush(force bool) {
	if rw.err != nil || (!force && len(rw.b) < 32<<10) {
		return
	}
	_, rw.err = rw.w.Write(rw.b)
	rw.b = rw.b[:0]
}

func writeReviewJSONFast(w io.Writer, doc *ReviewDoc) error {
	rw := &rowsWriter{w: bufio.NewWriterSize(w, 64<<10), b: make([]byte, 0, 64<<10)}
	b := append(rw.b, '{')
	b = appendKey(b, "  ", "format_version")
	b = appendJSONString(b, doc.FormatVersion)
	b = append(b, ',')
	b = appendKey(b, "  ", "generated_at")
	b = appendJSONString(b, doc.GeneratedAt)
	b = append(b, ',')
	b = appendKey(b, "  ", "now")
	b = appendJSONString(b, doc.Now)
	b = append(b, ',')
	b = appendKey(b, "  ", "expiring_within_days")
	b = strconv.AppendInt(b, int64(doc.ExpiringWithinDays), 10)
	b = append(b, ',')
	b = appendKey(b, "  ", "serial")
	b = strconv.AppendUint(b, doc.Serial, 10)
	b = append(b, ',')
	b = appendKey(b, "  ", "teams")
	if len(doc.Teams) == 0 {
		b = append(b, "[]"...)
	} else {
		b = append(b, '[')
	}
	for ti := range doc.Teams {
		t := &doc.Teams[ti]
		if ti > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    {"...)
		b = appendKey(b, "      ", "team")
		b = appendJSONString(b, t.Team)
		b = append(b, ',')
		b = appendKey(b, "      ", "platform")
		b = appendJSONString(b, t.Platform)
		b = append(b, ',')
		b = appendKey(b, "      ", "owners")
		b = strconv.AppendInt(b, int64(t.Owners), 10)
		b = append(b, ',')
		b = appendKey(b, "      ", "invited_owners")
		b = strconv.AppendInt(b, int64(t.InvitedOwners), 10)
		b = append(b, ',')
		b = appendKey(b, "      ", "last_review")
		b = rw.appendIndent(b, t.LastReview, "      ")
		b = append(b, ',')
		b = appendKey(b, "      ", "changes_since_review")
		b = rw.appendIndent(b, nonNil(t.ChangesSinceReview), "      ")
		b = append(b, ',')
		b = appendKey(b, "      ", "sites")
		b = rw.appendIndent(b, nonNil(t.Sites), "      ")
		b = append(b, ',')
		b = appendKey(b, "      ", "findings")
		b = rw.appendIndent(b, nonNil(t.Findings), "      ")
		b = append(b, ',')
		b = appendKey(b, "      ", "rows")
		if len(t.Rows) == 0 {
			b = append(b, "[]"...)
		} else {
			b = append(b, '[')
		}
		for i := range t.Rows {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendReviewRow(b, &t.Rows[i])
			rw.b = b
			rw.flush(false)
			if rw.err != nil {
				return rw.err
			}
			b = rw.b
		}
		if len(t.Rows) > 0 {
			b = append(b, "\n      ]"...)
		}
		b = append(b, "\n    }"...)
	}
	if len(doc.Teams) > 0 {
		b = append(b, "\n  ]"...)
	}
	b = append(b, ',')
	b = appendKey(b, "  ", "summary")
	b = rw.appendIndent(b, doc.Summary, "  ")
	b = append(b, ',')
	b = appendKey(b, "  ", "attestation")
	b = rw.appendIndent(b, doc.Attestation, "  ")
	b = append(b, "\n}\n"...)
	rw.b = b
	rw.flush(true)
	if rw.err != nil {
		return rw.err
	}
	return rw.w.Flush()
}

func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

func appendReviewRow(b []byte, r *ReviewRow) []byte {
	const in = "          "
	b = append(b, "\n        {"...)
	b = appendKey(b, in, "team")
	b = appendJSONString(b, r.Team)
	b = append(b, ',')
	b = appendKey(b, in, "site")
	b = appendJSONString(b, r.Site)
	b = append(b, ',')
	b = appendKey(b, in, "person")
	b = appendJSONString(b, r.Person)
	b = append(b, ',')
	b = appendKey(b, in, "role")
	b = appendJSONString(b, r.Role)
	b = append(b, ',')
	b = appendKey(b, in, "kind")
	b = appendJSONString(b, r.Kind)
	b = append(b, ',')
	b = appendKey(b, in, "via")
	b = appendJSONString(b, r.Via)
	b = append(b, ',')
	b = appendKey(b, in, "status")
	b = appendJSONString(b, r.Status)
	b = append(b, ',')
	b = appendKey(b, in, "since")
	b = appendOptString(b, r.Since)
	b = append(b, ',')
	b = appendKey(b, in, "expires")
	b = appendOptString(b, r.Expires)
	b = append(b, ',')
	b = appendKey(b, in, "ticket")
	b = appendOptString(b, r.Ticket)
	b = append(b, ',')
	b = appendKey(b, in, "reason")
	b = appendOptString(b, r.Reason)
	b = append(b, ',')
	b = appendKey(b, in, "invitation_age_days")
	if r.InvitationAgeDays == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(*r.InvitationAgeDays), 10)
	}
	b = append(b, ',')
	b = appendKey(b, in, "flags")
	b = appendStrings(b, in, r.Flags)
	b = append(b, ',')
	b = appendKey(b, in, "address")
	b = appendJSONString(b, r.Address)
	b = append(b, ',')
	b = appendKey(b, in, "sponsor")
	b = appendOptString(b, r.Sponsor)
	return append(b, "\n        }"...)
}

func writeWhoCanJSONFast(w io.Writer, doc *WhoCanDoc) error {
	rw := &rowsWriter{w: bufio.NewWriterSize(w, 64<<10), b: make([]byte, 0, 64<<10)}
	b := append(rw.b, '{')
	b = appendKey(b, "  ", "format_version")
	b = appendJSONString(b, doc.FormatVersion)
	b = append(b, ',')
	b = appendKey(b, "  ", "capability")
	b = appendJSONString(b, doc.Capability)
	b = append(b, ',')
	b = appendKey(b, "  ", "team")
	b = appendOptString(b, doc.Team)
	b = append(b, ',')
	b = appendKey(b, "  ", "site")
	b = appendOptString(b, doc.Site)
	b = append(b, ',')
	b = appendKey(b, "  ", "rows")
	if len(doc.Rows) == 0 {
		b = append(b, "[]"...)
	} else {
		b = append(b, '[')
	}
	const in = "      "
	for i := range doc.Rows {
		r := &doc.Rows[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    {"...)
		b = appendKey(b, in, "person")
		b = appendJSONString(b, r.Person)
		b = append(b, ',')
		b = appendKey(b, in, "team")
		b = appendJSONString(b, r.Team)
		b = append(b, ',')
		b = appendKey(b, in, "site")
		b = appendJSONString(b, r.Site)
		b = append(b, ',')
		b = appendKey(b, in, "role")
		b = appendJSONString(b, r.Role)
		b = append(b, ',')
		b = appendKey(b, in, "kind")
		b = appendJSONString(b, r.Kind)
		b = append(b, ',')
		b = appendKey(b, in, "via")
		b = appendJSONString(b, r.Via)
		b = append(b, ',')
		b = appendKey(b, in, "status")
		b = appendJSONString(b, r.Status)
		b = append(b, ',')
		b = appendKey(b, in, "expires")
		b = appendOptString(b, r.Expires)
		b = append(b, ',')
		b = appendKey(b, in, "address")
		b = appendJSONString(b, r.Address)
		b = append(b, "\n    }"...)
		rw.b = b
		rw.flush(false)
		if rw.err != nil {
			return rw.err
		}
		b = rw.b
	}
	if len(doc.Rows) > 0 {
		b = append(b, "\n  ]"...)
	}
	b = append(b, "\n}\n"...)
	rw.b = b
	rw.flush(true)
	if rw.err != nil {
		return rw.err
	}
	return rw.w.Flush()
}
