package report

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/goldenfile"
	"github.com/roster-dev/roster/internal/model"
)

// exportEvidence is recs exported in format.
func exportEvidence(t *testing.T, format EvidenceFormat, recs []*evidence.Record) []byte {
	t.Helper()
	var out bytes.Buffer
	w := NewEvidenceWriter(&out, format)
	for _, r := range recs {
		if err := w.Write(nil, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestEvidenceCSV pins the CSV export: quotes, commas and newlines in a
// reason stay inside their cell, and a cell that a spreadsheet would run as
// a formula is defused, so the file opens correctly in a spreadsheet.
func TestEvidenceCSV(t *testing.T) {
	grant := &model.Object{Addr: model.PersonGrantAddress("acme", "mysite.com", "jane@agency.com"), Role: "viewer", HolderKind: model.HolderGuest, Status: model.StatusActive}
	recs := []*evidence.Record{
		{Seq: 1, Time: "2026-11-26T10:00:00Z", Address: grant.Addr.String(), Action: "create", Before: evidence.ObjectJSON(nil), After: evidence.ObjectJSON(grant),
			Risks: []string{"external", "production"}, Actor: "ci", Approvers: []string{"rita@acme.com", "sam@acme.com"},
			Reason: "Support, phase \"two\"\nand beyond", Ticket: "IAM-1234", Outcome: "applied", PrevHash: "", Hash: "aa"},
		{Seq: 2, Time: "2026-11-26T10:00:01Z", Address: "member/acme/x@acme.com", Action: "delete", Before: []byte(`{"role":"admin"}`), After: evidence.ObjectJSON(nil),
			Risks: []string{"removal"}, Actor: "ci", Reason: "=HYPERLINK(\"http://evil\")", Ticket: "+1", Outcome: "applied", PrevHash: "aa", Hash: "bb",
			FollowUps: []evidence.FollowUp{{Address: "site/acme/mysite.com", Task: "rotate_api_key", Text: "Rotate…"}}},
	}
	out := exportEvidence(t, EvidenceCSV, recs)
	// A byte-order mark first, so that spreadsheets read UTF-8.
	b, ok := bytes.CutPrefix(out, []byte("\ufeff"))
	if !ok {
		t.Fatalf("no byte-order mark: %q", out[:min(8, len(out))])
	}
	golden := filepath.Join("testdata", "evidence.csv.golden")
	if *goldenfile.Update {
		os.WriteFile(golden, b, 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("CSV differs from %s:\n%s", golden, b)
	}
	// Read back, a spreadsheet sees the same cells.
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || len(rows[1]) != len(csvHeader) {
		t.Fatalf("got %d rows of %d cells", len(rows), len(rows[1]))
	}
	col := func(name string) int {
		for i, h := range csvHeader {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	if got := rows[1][col("reason")]; got != "Support, phase \"two\"\nand beyond" {
		t.Errorf("reason cell = %q", got)
	}
	if got := rows[2][col("reason")]; got != "'=HYPERLINK(\"http://evil\")" {
		t.Errorf("formula not defused: %q", got)
	}
	if got := rows[2][col("role_before")]; got != "admin" {
		t.Errorf("role_before = %q", got)
	}
	if got := rows[1][col("person")]; got != "jane@agency.com" {
		t.Errorf("person = %q", got)
	}
}

// TestEvidenceMarkdownCells: no field of a record can break the markdown
// table's row: a pipe or a line break in any cell is escaped or flattened.
func TestEvidenceMarkdownCells(t *testing.T) {
	r := &evidence.Record{Seq: 1, Time: "2026-11-26T10:00:00Z|x", Address: "member/acme/a|b@acme.com", Action: "create\nx",
		Before: evidence.ObjectJSON(nil), After: evidence.ObjectJSON(nil), Risks: []string{"external|x"}, Actor: "ci",
		Outcome: "applied|x", Hash: "aa"}
	out := exportEvidence(t, EvidenceMarkdown, []*evidence.Record{r})
	lines := bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n"))
	row := lines[len(lines)-1]
	if n := bytes.Count(bytes.ReplaceAll(row, []byte(`\|`), nil), []byte("|")); n != 14 {
		t.Errorf("the row has %d cell separators, want 14: %s", n, row)
	}
	if len(lines) != 5 {
		t.Errorf("%d lines, want 5 (title, blank, header, rule, one row):\n%s", len(lines), out)
	}
}

// TestEvidenceCSVTabAndCarriageReturn: a cell that starts with a tab or a
// carriage return before a formula is defused too, as the review's CSV
// does (OWASP's CSV injection list): a sign-off's --note or a confirm's
// note is free text, and $ROSTER_ACTOR is whatever the environment says.
// Before, only = + - @ were defused here.
func TestEvidenceCSVTabAndCarriageReturn(t *testing.T) {
	recs := []*evidence.Record{{Seq: 1, Time: "2026-11-26T10:00:00Z", Address: "team/acme", Action: evidence.ActionReview,
		Actor: "\r=cmd|' /C calc'!A0", Note: "\t=HYPERLINK(\"http://evil\",\"open\")", Hash: "aa"}}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(exportEvidence(t, EvidenceCSV, recs), []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range csvHeader {
		if (h == "note" || h == "actor") && !strings.HasPrefix(rows[1][i], "'") {
			t.Errorf("%s cell %q is not defused", h, rows[1][i])
		}
	}
}
