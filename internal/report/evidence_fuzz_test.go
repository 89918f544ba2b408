package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
)

// FuzzEvidenceExport hands `evidence list` and `evidence export` a stored
// record as a damaged or hostile state holds it: whatever record the
// reading accepts (evidence.Decode and evidence.Check, as ops.records
// reads them, the chain unverified), the JSON Lines export is the record
// on one line, the CSV reads back to the record's row, and the markdown
// table keeps the record on one line of 13 cells.
func FuzzEvidenceExport(f *testing.F) {
	var c evidence.Chain
	grant := &model.Object{Addr: model.PersonGrantAddress("acme", "mysite.com", "jane@agency.com"), Role: "viewer", HolderKind: model.HolderGuest, Status: model.StatusActive}
	for _, r := range []*evidence.Record{
		{Address: "team/acme", Action: "create", Actor: "ci", Reason: "a \"quoted\" <reason>"},
		{Address: grant.Addr.String(), Action: "update", Before: evidence.ObjectJSON(grant), After: evidence.ObjectJSON(grant),
			Risks: []string{"admin"}, Approvers: []string{"ann", "=bob"}, Reason: "x|y\nz", Ticket: "-1", API: []string{"POST /a"},
			FollowUps: []evidence.FollowUp{{Address: "team/acme", Task: "t"}}},
	} {
		rec, err := c.Seal(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(rec.JSON)
	}
	for _, s := range []string{
		`{"hash":"ab|cd\nef` + "`" + `","prev_hash":"","seq":1}`,
		`{"address":"grant/a/b/c@d.e","hash":"é","seq":2}`,
		`{"before":{"role":"a|b"},"hash":"","seq":1}`,
		`{"seq":1}`, `null`, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := evidence.Decode(raw)
		if err != nil || evidence.Check(raw) != nil {
			return
		}
		if got := exportRaw(t, EvidenceJSONL, raw, r); !bytes.Equal(got, append(bytes.Clone(raw), '\n')) || bytes.Count(got, []byte("\n")) != 1 {
			t.Fatalf("%q exported as JSON Lines %q", raw, got)
		}

		out := exportRaw(t, EvidenceCSV, raw, r)
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out, []byte("\ufeff")))).ReadAll()
		if err != nil || len(recs) != 2 {
			t.Fatalf("%q exported as CSV that does not read back as a header and a row (%v): %q", raw, err, out)
		}
		want := csvRow(r)
		for i := range want {
			// encoding/csv reads \r\n inside a quoted field as \n.
			want[i] = strings.ReplaceAll(want[i], "\r\n", "\n")
		}
		if !slices.Equal(recs[1], want) {
			t.Fatalf("%q exported as CSV read back as\n%q, want\n%q", raw, recs[1], want)
		}

		out = exportRaw(t, EvidenceMarkdown, raw, r)
		lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if len(lines) != 5 {
			t.Fatalf("%q exported as a markdown table of %d lines, want 4 and the record's:\n%s", raw, len(lines), out)
		}
		if n := tableCells(lines[4]); n != 13 {
			t.Fatalf("%q exported as a markdown row of %d cells, want 13: %s", raw, n, lines[4])
		}
	})
}

// exportRaw is one stored record, raw and decoded, exported in format.
func exportRaw(t *testing.T, format EvidenceFormat, raw []byte, r *evidence.Record) []byte {
	t.Helper()
	var out bytes.Buffer
	w := NewEvidenceWriter(&out, format)
	if err := w.Write(raw, r); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// tableCells counts the cells of a GFM table row written "| a | b |": its
// pipes that no backslash escapes (GFM splits cells on them even inside a
// code span), less one.
func tableCells(row string) int {
	pipes, escaped := 0, false
	for i := 0; i < len(row); i++ {
		switch {
		case escaped:
			escaped = false
		case row[i] == '\\':
			escaped = true
		case row[i] == '|':
			pipes++
		}
	}
	return pipes - 1
}
