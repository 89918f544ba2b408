package report

import (
	"strconv"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/mdtext/gfmtest"
	"github.com/roster-dev/roster/internal/model"
)

// TestEvidenceMarkdownGFM: the markdown evidence export read as GitHub
// renders it (gfmtest): whatever a record's texts hold (the hostile
// strings in every one), the table keeps a row a record and its cells,
// each cell reads as written, and no text becomes an element.
func TestEvidenceMarkdownGFM(t *testing.T) {
	bin := gfmtest.Bin(t)
	var records []*evidence.Record
	for k, s := range gfmtest.Hostile {
		o := &model.Object{Addr: model.MemberAddress("acme", "a@acme.com"), Role: s}
		records = append(records, &evidence.Record{Seq: uint64(k + 1), Time: s, Address: s, Action: s,
			Before: evidence.ObjectJSON(o), After: evidence.ObjectJSON(o), Risks: []string{s, s}, Actor: s,
			Approvers: []string{s, s}, Reason: s, Ticket: s, Outcome: s, Hash: strings.Repeat("ab", 32)})
	}
	md := exportEvidence(t, EvidenceMarkdown, records)
	blocks := gfmtest.NewBlocks(t, gfmtest.Body(t, bin, md, gfmtest.Allow{
		"h1": nil, "table": nil, "thead": nil, "tbody": nil, "tr": nil, "th": nil, "td": nil, "code": nil,
		// Only as an email's autolink (checked by gfmtest.Body).
		"a": {"href": ""},
	}), "the export")
	if got := gfmtest.Text(blocks.Next("h1", "title")); got != "roster evidence" {
		t.Errorf("title %q", got)
	}
	var rows [][]string
	for _, sec := range gfmtest.Children(blocks.Next("table", "records"), "") {
		for _, tr := range gfmtest.Children(sec, "tr") {
			var cells []string
			for _, c := range gfmtest.Children(tr, "") {
				cells = append(cells, strings.Trim(gfmtest.Text(c), " "))
			}
			rows = append(rows, cells)
		}
	}
	blocks.End()
	if len(rows) != 1+len(records) {
		t.Fatalf("%d rows, want a header and %d records", len(rows), len(records))
	}
	text := func(s string) string { return strings.Trim(gfmtest.TextOf(s), " ") }
	for k, r := range records {
		s := r.Reason
		// The role as stored: JSON holds invalid UTF-8 as U+FFFD.
		role := text(roleIn(r.Before))
		if role == "" && text(s) != "" {
			t.Fatalf("record %d: no role in %s", k+1, r.Before)
		}
		two := text(s + ", " + s)
		want := []string{strconv.Itoa(k + 1), text(s), text(s), strings.Trim(gfmtest.CodeOf(s), " "), role, role, text(s), two, text(s), text(s), two, text(s), r.Hash[:12]}
		got := rows[k+1]
		if len(got) != len(want) {
			t.Errorf("record %d (%q): %d cells, want %d", k+1, s, len(got), len(want))
			continue
		}
		for c := range want {
			if got[c] != want[c] {
				t.Errorf("record %d, cell %d reads %q, want %q", k+1, c, got[c], want[c])
			}
		}
	}
}
