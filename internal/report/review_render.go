package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/mdtext"
	"github.com/roster-dev/roster/internal/model"
)

// WriteReviewJSON writes the review as schema/review.schema.json describes
// it: indented, every key present, every array [] when empty.
func WriteReviewJSON(w io.Writer, doc *ReviewDoc) error { return writeJSON(w, doc) }

// jsonOpts are the options every JSON report is written with: indented by
// two spaces, no HTML escaping, U+2028 and U+2029 escaped, as
// encoding/json wrote them before.
var jsonOpts = json.JoinOptions(jsontext.WithIndent("  "), jsontext.EscapeForJS(true), jsontext.AllowInvalidUTF8(true))

// writeJSON writes a report document, its tagged types being its wire
// types, with json/v2 (github.com/go-json-experiment/json), ending in a
// newline. The encoder hands its output to w as it goes, so a document of
// 100,000 rows is never held twice; a nil list is written as [].
func writeJSON(w io.Writer, v any) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := json.MarshalWrite(bw, v, jsonOpts); err != nil {
		return err
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// CSVHeader is the header row of WriteReviewCSV, one column per field of a
// row; flags are joined with ";". Columns are only ever added at the end,
// so a reader that takes them by position keeps working.
var CSVHeader = []string{"team", "site", "person", "role", "kind", "via", "status", "since", "expires", "ticket", "reason", "invitation_age_days", "flags", "address", "sponsor", "pending"}

// WriteReviewCSV writes one line per row of every team, after a header
// line (CSVHeader), with encoding/csv's quoting (RFC 4180: a cell holding a
// comma, a quote or a line break is quoted, quotes doubled). Empty values
// are empty cells.
//
// Spreadsheets run a cell that starts with =, +, -, @, a tab or a carriage
// return as a formula, so a reason or ticket such as =HYPERLINK(...) could
// act when the review is opened. Such cells are written with a leading
// apostrophe (OWASP's advice for CSV injection), which spreadsheets show
// as text; a program reading the file sees the apostrophe.
func WriteReviewCSV(w io.Writer, doc *ReviewDoc) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	rec := make([]string, len(CSVHeader))
	for _, t := range doc.Teams {
		for i := range t.Rows {
			r := &t.Rows[i]
			age := ""
			if r.InvitationAgeDays != nil {
				age = strconv.Itoa(*r.InvitationAgeDays)
			}
			rec[0], rec[1], rec[2], rec[3] = r.Team, r.Site, r.Person, r.Role
			rec[4], rec[5], rec[6] = r.Kind, r.Via, r.Status
			rec[7], rec[8], rec[9], rec[10] = deref(r.Since), deref(r.Expires), deref(r.Ticket), deref(r.Reason)
			rec[11], rec[12], rec[13], rec[14] = age, strings.Join(r.Flags, ";"), r.Address, deref(r.Sponsor)
			rec[15] = r.Pending
			for j := range rec {
				rec[j] = csvSafe(rec[j])
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	// What the table cannot hold: the serial, changes since each team's
	// last sign-off and the document's own sign-off, as rows after the
	// access rows whose first cell names them ("# …", never a team name).
	extra := [][]string{{"# serial", strconv.FormatUint(doc.Serial, 10)}}
	for _, t := range doc.Teams {
		if t.LastReview != nil {
			extra = append(extra, []string{"# last sign-off", t.Team, t.LastReview.Time, t.LastReview.Reviewer, t.LastReview.ReviewDigest})
		}
		for i := range t.ChangesSinceReview {
			c := &t.ChangesSinceReview[i]
			extra = append(extra, []string{"# changed since sign-off", t.Team, c.Site, c.Person, c.Change, c.RoleBefore, c.RoleAfter, c.Time})
		}
	}
	if a := doc.Attestation; a != nil {
		extra = append(extra, []string{signedOffMark, a.Reviewer, a.Time, a.Digest, AttestedDigestRule})
	}
	for _, row := range extra {
		for len(row) < len(CSVHeader) {
			row = append(row, "") // every row as wide as the header, for strict readers
		}
		for j := range row {
			if j > 0 {
				row[j] = csvSafe(row[j])
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// csvSafe defuses a cell a spreadsheet would run as a formula.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// WriteReviewMarkdown writes the review for a review ticket: a heading
// with the date, the summary, a "Needs attention" section (team findings,
// then a table of every flagged row), then a section per team with a table
// of its team-wide roles and one per site. Text from the configuration
// and the state is written with mdtext, so that GitHub shows it as written
// and it opens nothing (no link, HTML, emphasis or table cell; an email
// still links to itself); a line break becomes <br>, so a reason keeps its
// lines in its cell.
func WriteReviewMarkdown(w io.Writer, doc *ReviewDoc) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	s := doc.Summary
	fmt.Fprintf(bw, "# Access review %s\n\n", datePart(doc.Now))
	fmt.Fprintf(bw, "Access as the state holds it at %s (state serial %d, generated %s). *Expiring* means within %d days.\n\n", doc.Now, doc.Serial, doc.GeneratedAt, doc.ExpiringWithinDays)
	bw.WriteString("| teams | people | access rows | flagged rows | external people | team findings |\n")
	bw.WriteString("| ---: | ---: | ---: | ---: | ---: | ---: |\n")
	fmt.Fprintf(bw, "| %d | %d | %d | %d | %d | %d |\n\n", s.Teams, s.People, s.Rows, s.FlaggedRows, s.ExternalPeople, s.Findings)

	if len(doc.Teams) == 0 {
		bw.WriteString("No access in the state.\n")
		return bw.Flush()
	}

	bw.WriteString("| team | platform | sites | access rows | flagged rows | findings | last reviewed |\n")
	bw.WriteString("| --- | --- | ---: | ---: | ---: | ---: | --- |\n")
	for i := range doc.Teams {
		t := &doc.Teams[i]
		writeCells(bw, md(t.Team), md(dashIfEmpty(t.Platform)), strconv.Itoa(len(t.Sites)), strconv.Itoa(len(t.Rows)),
			strconv.Itoa(flaggedRows(t)), strconv.Itoa(len(t.Findings)), md(LastReviewedText(t)))
	}
	bw.WriteString("\n")

	bw.WriteString("## Needs attention\n\n")
	if s.Findings == 0 && s.FlaggedRows == 0 {
		bw.WriteString("Nothing is flagged.\n\n")
	}
	for _, t := range doc.Teams {
		for _, f := range t.Findings {
			fmt.Fprintf(bw, "- %s %s: %s\n", strong(t.Team), code(f.Code), md(f.Text))
		}
	}
	if s.Findings > 0 {
		bw.WriteString("\n")
	}
	if s.FlaggedRows > 0 {
		bw.WriteString("| team | site | person | role | via | status | expires | ticket | flags |\n")
		bw.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
		for _, t := range doc.Teams {
			for i := range t.Rows {
				r := &t.Rows[i]
				if len(r.Flags) == 0 {
					break // flagged rows come first
				}
				site := md(r.Site)
				if r.Site == TeamWide && strings.HasPrefix(r.Address, "member/") {
					site = "all sites"
				}
				writeCells(bw, md(r.Team), site, personCell(r), md(r.Role), md(r.Via), statusCell(r),
					mdDate(r.Expires), mdOpt(r.Ticket), flagsCell(r.Flags))
			}
		}
		bw.WriteString("\n")
	}

	for _, t := range doc.Teams {
		writeTeamMarkdown(bw, &t)
	}
	writeSignOffMarkdown(bw, doc.Attestation)
	return bw.Flush()
}

// writeSignOffMarkdown ends an attested review with its sign-off.
func writeSignOffMarkdown(bw *bufio.Writer, a *Attestation) {
	if a == nil {
		return
	}
	bw.WriteString("## Sign-off\n\n")
	fmt.Fprintf(bw, "Signed off by %s at %s.\n\n", md(a.Reviewer), a.Time)
	fmt.Fprintf(bw, attestedMark+": %s (%s)\n", code(a.Digest), AttestedDigestRule)
}

// AttestedDigestRule says how an attested document's digest is
// recomputed, in the words every format shows beside it.
const AttestedDigestRule = "the sha256 of this file with these 64 hex digits written as zeros"

// changesText says what changed in a team since its last sign-off, one
// line per change.
func changesText(c *ReviewChange) string {
	where := "the team"
	if c.Site != "" {
		where = c.Site
	}
	if group, ok := strings.CutPrefix(c.RoleAfter+c.RoleBefore, model.GroupHolderPrefix); ok && c.Site == "" {
		// A group's members changed (ChangesSinceReviews): the person
		// gains or loses what the group's grants give.
		if c.Change == ChangeAdded {
			return fmt.Sprintf("%s added to group %s", c.Person, group)
		}
		return fmt.Sprintf("%s removed from group %s", c.Person, group)
	}
	switch c.Change {
	case ChangeAdded:
		return fmt.Sprintf("%s added to %s as %s", c.Person, where, c.RoleAfter)
	case ChangeRemoved:
		return fmt.Sprintf("%s removed from %s (was %s)", c.Person, where, c.RoleBefore)
	}
	return fmt.Sprintf("%s on %s: role %s → %s", c.Person, where, c.RoleBefore, c.RoleAfter)
}

func writeTeamMarkdown(bw *bufio.Writer, t *ReviewTeam) {
	platform := t.Platform
	if platform == "" {
		platform = "unknown platform"
	}
	fmt.Fprintf(bw, "## Team %s (%s)\n\n", md(t.Team), md(platform))
	owners := fmt.Sprintf("%d active owners", t.Owners)
	if t.Owners == 1 {
		owners = "1 active owner"
	}
	if t.InvitedOwners > 0 {
		owners += fmt.Sprintf(", %d invited", t.InvitedOwners)
	}
	fmt.Fprintf(bw, "%s. %s. Last reviewed: %s.\n\n", owners, sitesLine(t.Sites), md(LastReviewedText(t)))
	if u := UnseenAccess[t.Platform]; u != "" {
		fmt.Fprintf(bw, "%s\n\n", mdtext.Line(nil, u))
	}
	for _, f := range t.Findings {
		fmt.Fprintf(bw, "> **%s**: %s\n\n", code(f.Code), md(f.Text))
	}
	if t.LastReview != nil {
		if len(t.ChangesSinceReview) == 0 {
			fmt.Fprintf(bw, "Since the last sign-off (%s, digest %s): no one added, removed or changed role.\n\n", md(LastReviewedText(t)), code(t.LastReview.ReviewDigest))
		} else {
			fmt.Fprintf(bw, "Since the last sign-off (%s, digest %s):\n\n", md(LastReviewedText(t)), code(t.LastReview.ReviewDigest))
			for i := range t.ChangesSinceReview {
				c := &t.ChangesSinceReview[i]
				fmt.Fprintf(bw, "- %s (%s, evidence record %d)\n", mdtext.Line(nil, changesText(c)), datePart(c.Time), c.Seq)
			}
			bw.WriteString("\n")
		}
	}

	// Group the rows by site, keeping their order (flagged first).
	bySite := map[string][]*ReviewRow{}
	var teamWide []*ReviewRow
	for i := range t.Rows {
		r := &t.Rows[i]
		if r.Site == TeamWide && strings.HasPrefix(r.Address, "member/") {
			teamWide = append(teamWide, r)
			continue
		}
		bySite[r.Site] = append(bySite[r.Site], r)
	}
	bw.WriteString("### Team-wide roles (every site)\n\n")
	writeRowTable(bw, teamWide, "No members.")
	for _, site := range t.Sites {
		heading := "### Site " + md(site.Name)
		if site.Environment != nil {
			heading += " (" + md(*site.Environment) + ")"
		}
		bw.WriteString(heading + "\n\n")
		writeRowTable(bw, bySite[site.Name], "No grants on this site.")
	}
}

// LastReviewedText says when a team was last reviewed and by whom:
// "2026-10-01 by rita@acme.com", or "never".
func LastReviewedText(t *ReviewTeam) string {
	if t.LastReview == nil {
		return "never"
	}
	return datePart(t.LastReview.Time) + " by " + t.LastReview.Reviewer
}

func flaggedRows(t *ReviewTeam) int {
	n := 0
	for i := range t.Rows {
		if len(t.Rows[i].Flags) == 0 {
			break // flagged rows come first
		}
		n++
	}
	return n
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sitesLine(sites []ReviewSite) string {
	if len(sites) == 0 {
		return "No sites"
	}
	var b strings.Builder
	if len(sites) == 1 {
		b.WriteString("1 site: ")
	} else {
		fmt.Fprintf(&b, "%d sites: ", len(sites))
	}
	for i, s := range sites {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(md(s.Name))
		if s.Environment != nil {
			b.WriteString(" (" + md(*s.Environment) + ")")
		}
	}
	return b.String()
}

func writeRowTable(bw *bufio.Writer, rows []*ReviewRow, empty string) {
	if len(rows) == 0 {
		bw.WriteString(empty + "\n\n")
		return
	}
	bw.WriteString("| person | role | kind | via | status | since | expires | ticket | reason | flags |\n")
	bw.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		writeCells(bw, personCell(r), md(r.Role), r.Kind, md(r.Via), statusCell(r), mdDate(r.Since), mdDate(r.Expires),
			mdOpt(r.Ticket), mdOpt(r.Reason), flagsCell(r.Flags))
	}
	bw.WriteString("\n")
}

// writeCells writes one table row of cells already escaped.
func writeCells(bw *bufio.Writer, cells ...string) {
	for _, c := range cells {
		bw.WriteString("| ")
		bw.WriteString(c)
		bw.WriteByte(' ')
	}
	bw.WriteString("|\n")
}

func flagsCell(flags []string) string {
	switch len(flags) {
	case 0:
		return "-"
	case 1:
		return flags[0]
	}
	return strings.Join(flags, ", ")
}

func statusCell(r *ReviewRow) string { return md(statusText(r)) }

// datePart is the date of an RFC 3339 time.
func datePart(s string) string {
	if len(s) >= 10 {
		return s[:10]
	}
	return s
}

func mdDate(s *string) string {
	if s == nil {
		return "-"
	}
	return md(datePart(*s))
}

func mdOpt(s *string) string {
	if s == nil {
		return "-"
	}
	return md(*s)
}

// md is text from the configuration or the state as markdown text
// (mdtext.Text), each line break a <br>.
func md(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return mdtext.String(s)
	}
	var b []byte
	for i, l := range lines(s) {
		if i > 0 {
			b = append(b, "<br>"...)
		}
		b = mdtext.Text(b, l)
	}
	return string(b)
}

// strong is s in bold, without the white space at its ends: GFM would
// show the asterisks of "** x**" rather than bold text.
func strong(s string) string {
	if s = strings.Trim(s, " \t\r\n"); s == "" {
		return ""
	}
	return "**" + md(s) + "**"
}

// code is s as an inline code span, outside a table.
func code(s string) string { return string(mdtext.Code(nil, s, false)) }

// personCell is the person, with their sponsor where one is named.
func personCell(r *ReviewRow) string {
	if r.Sponsor == nil {
		return md(r.Person)
	}
	return md(r.Person) + " (sponsor " + md(*r.Sponsor) + ")"
}
