package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/mdtext"
	"github.com/roster-dev/roster/internal/model"
)

// EvidenceFormat is a format the evidence records are exported in
// (`evidence export --format`).
type EvidenceFormat int

const (
	// EvidenceJSONL is every record as stored, one a line.
	EvidenceJSONL EvidenceFormat = iota + 1
	// EvidenceCSV is a spreadsheet's rows: RFC 4180 line ends, a
	// byte-order mark, and no cell a spreadsheet would run as a formula.
	EvidenceCSV
	// EvidenceMarkdown is one table, a record a row.
	EvidenceMarkdown
)

// EvidenceWriter writes evidence records, in order, in one format.
type EvidenceWriter struct {
	format EvidenceFormat
	bw     *bufio.Writer
	cw     *csv.Writer
}

// NewEvidenceWriter starts writing records in format to w: it writes the
// format's header. Flush writes what is buffered.
func NewEvidenceWriter(w io.Writer, format EvidenceFormat) *EvidenceWriter {
	e := &EvidenceWriter{format: format, bw: bufio.NewWriter(w)}
	switch format {
	case EvidenceCSV:
		// A byte-order mark, so that spreadsheets read the file as UTF-8.
		e.bw.WriteString("\ufeff")
		e.cw = csv.NewWriter(e.bw)
		e.cw.UseCRLF = true
		e.cw.Write(csvHeader)
	case EvidenceMarkdown:
		fmt.Fprintln(e.bw, "# roster evidence")
		fmt.Fprintln(e.bw)
		fmt.Fprintln(e.bw, "| seq | time | action | address | before | after | actor | approvers | reason | ticket | risks | outcome | hash |")
		fmt.Fprintln(e.bw, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	}
	return e
}

// Write writes one record: raw as stored, r decoded.
func (e *EvidenceWriter) Write(raw []byte, r *evidence.Record) error {
	switch e.format {
	case EvidenceCSV:
		return e.cw.Write(csvRow(r))
	case EvidenceMarkdown:
		_, err := fmt.Fprintf(e.bw, "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			r.Seq, mdCell(r.Time), mdCell(r.Action), mdtext.Code(nil, r.Address, true), mdCell(roleIn(r.Before)), mdCell(roleIn(r.After)), mdCell(r.Actor),
			mdCell(strings.Join(r.Approvers, ", ")), mdCell(r.Reason), mdCell(r.Ticket), mdCell(strings.Join(r.Risks, ", ")), mdCell(r.Outcome), mdtext.Code(nil, shortHash(r.Hash), true))
		return err
	}
	e.bw.Write(raw)
	return e.bw.WriteByte('\n')
}

// shortHash is the start of a record's hash as the markdown export shows
// it: 12 characters, cut at a character's start (a record read from a
// damaged state may hold any text there, which mdtext.Code then quotes).
func shortHash(h string) string {
	if len(h) <= 12 {
		return h
	}
	n := 12
	for n > 0 && !utf8.RuneStart(h[n]) {
		n--
	}
	return h[:n]
}

// Flush writes what is buffered.
func (e *EvidenceWriter) Flush() error {
	if e.cw != nil {
		e.cw.Flush()
		if err := e.cw.Error(); err != nil {
			return err
		}
	}
	return e.bw.Flush()
}

var csvHeader = []string{"seq", "time", "address", "kind", "team", "site", "person", "action", "role_before", "role_after",
	"risks", "why", "actor", "approvers", "commit", "change_request", "reason", "ticket", "plan_digest",
	"allow_mass_removal", "outcome", "api", "note", "follow_ups", "prev_hash", "hash", "change_ticket", "policy_digest"}

// csvRow flattens a record into the columns of csvHeader.
func csvRow(r *evidence.Record) []string {
	addr, _ := model.ParseAddress(r.Address)
	fus := make([]string, len(r.FollowUps))
	for i, f := range r.FollowUps {
		fus[i] = f.Address + "#" + f.Task
	}
	row := []string{fmt.Sprint(r.Seq), r.Time, r.Address, addr.Kind.String(), addr.Team, addr.Site, addr.Holder(), r.Action,
		roleIn(r.Before), roleIn(r.After), strings.Join(r.Risks, " "), r.Why, r.Actor, strings.Join(r.Approvers, " "),
		r.Commit, r.ChangeRequest, r.Reason, r.Ticket, r.PlanDigest, fmt.Sprint(r.AllowMassRemoval), r.Outcome,
		strings.Join(r.API, "; "), r.Note, strings.Join(fus, " "), r.PrevHash, r.Hash, r.ChangeTicket, r.PolicyDigest}
	for i, cell := range row {
		row[i] = spreadsheetSafe(cell)
	}
	return row
}

// spreadsheetSafe stops a spreadsheet from reading a cell as a formula
// (a reason written as "=HYPERLINK(…)", a note starting with a tab before
// one): such cells get a leading ', as in the review's CSV (csvSafe).
func spreadsheetSafe(s string) string { return csvSafe(s) }

// mdCell is a record's text in a markdown table cell, written with
// mdtext as the review's text is: it reads as written and opens nothing.
func mdCell(s string) string { return mdtext.String(s) }
