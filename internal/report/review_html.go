package report

import (
	"bufio"
	"encoding/binary"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
)

// WriteReviewHTML writes the review as one self-contained HTML page
// (`roster review --format html`): inline CSS and inline SVG only, no
// script, font, image or link to anything outside the page, so it opens
// the same offline, in a mail attachment or from an auditor's folder.
//
// The page holds the summary, a table of the teams with when each was
// last reviewed, a "Needs attention" section (team findings, then every
// flagged row), then per team its findings, a bar chart of access by role
// per site (people with access; a group's own grant row is not counted,
// its members are) and a table of team-wide roles and one per site, each
// with flagged rows first. It prints on paper (@media print: one team per
// page, table headers repeated, rows kept whole).
//
// The page is an html/template (reviewTemplate): every text from the
// state is escaped by the template for where it lands (text, attribute,
// URL), so no value can become markup. Table cells are written by the
// same template set once per distinct value and reused (htmlMemo).
func WriteReviewHTML(w io.Writer, doc *ReviewDoc) error {
	pg, err := newHTMLPage(doc)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := reviewTemplate.Execute(bw, pg); err != nil {
		return err
	}
	return bw.Flush()
}

const reviewCSS = `
:root { --ink: #1d2430; --muted: #5b6473; --line: #d5d9e0; --flag: #fff4e5; --flag-line: #f0b35e; --bad: #b42318; --head: #f3f5f8; }
* { box-sizing: border-box; }
body { margin: 2rem auto; max-width: 78rem; padding: 0 1.5rem; color: var(--ink); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.8rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; padding-bottom: .3rem; border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
h2 .platform, h3 .env { color: var(--muted); font-weight: normal; }
p.meta, p.team-meta { color: var(--muted); margin: .2rem 0 .8rem; }
.summary { display: flex; flex-wrap: wrap; gap: .6rem; margin: 1rem 0; padding: 0; }
.summary div { flex: 1 1 8rem; border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; }
.summary dt { color: var(--muted); font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; }
.summary dd { margin: 0; font-size: 1.6rem; font-weight: 600; }
.summary div.warn dd { color: var(--bad); }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; font-size: .92rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid var(--line); }
th { background: var(--head); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.flagged td { background: var(--flag); }
tr.flagged td:first-child { box-shadow: inset 3px 0 0 var(--flag-line); }
.flag { display: inline-block; margin: 0 .2rem .15rem 0; padding: 0 .4rem; border-radius: 9px; border: 1px solid var(--flag-line);
  font-size: .78rem; background: #fff; }
.flag.expired, .flag.admin_on_production { border-color: var(--bad); color: var(--bad); }
.none { color: var(--muted); }
.findings { list-style: none; padding: 0; margin: .4rem 0 1rem; }
.findings li { border-left: 4px solid var(--bad); background: #fdf1f0; padding: .4rem .7rem; margin: .3rem 0; }
.findings code { font-weight: 600; }
.never { color: var(--bad); }
figure.chart { margin: .6rem 0 1rem; }
figure.chart svg { max-width: 100%; height: auto; }
figure.chart figcaption { color: var(--muted); font-size: .85rem; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--ink); }
svg .axis { stroke: var(--line); }
a { color: inherit; }
.flag code { font-size: .72rem; color: var(--muted); margin-left: .25rem; }
td { overflow-wrap: anywhere; min-width: 5.4rem; }
td:last-child { min-width: 10rem; }
.flag.violation { border-color: var(--bad); color: var(--bad); font-weight: 600; }
.changes { margin: .4rem 0 1rem; padding-left: 1.2rem; }
.changes li { margin: .15rem 0; }
section.signoff { margin: 2.5rem 0 1rem; border: 2px solid var(--ink); border-radius: 6px; padding: .8rem 1.2rem; break-inside: avoid; }
section.signoff h2 { border: 0; margin: 0 0 .6rem; }
section.signoff dl { display: grid; grid-template-columns: 9rem 1fr; gap: .5rem 1rem; margin: 0; }
section.signoff dt { color: var(--muted); }
section.signoff dd { margin: 0; min-height: 1.6rem; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
section.signoff dd code { font-size: .85rem; }
section.signoff p { color: var(--muted); font-size: .85rem; margin: .6rem 0 0; }
@page { margin: 14mm 14mm 18mm;
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt system-ui, sans-serif; color: #5b6473; }
  @bottom-left { content: "roster access review"; font: 8pt system-ui, sans-serif; color: #5b6473; } }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 9pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { text-decoration: none; }
  section.team { break-before: page; }
  h2, h3 { break-after: avoid; }
  thead { display: table-header-group; }
  tr, td, th, figure, .findings li, .summary div, .changes li, section.signoff { break-inside: avoid; }
  table { font-size: 8pt; }
}
`

// chartColors fill the role segments of the charts, in order.
var chartColors = []string{"#3b6fd8", "#e8853a", "#3fa66b", "#c4463d", "#8a5cc2", "#2aa3b3", "#b58f1c", "#d0609d", "#6b7280", "#1f4e8c"}

// reviewTemplate is the page. Its text is trusted markup; every value is
// escaped by html/template for its context. "text" shows a text with its
// line breaks as <br>; "cells" a run of a row's cells, or a whole row,
// which the code writes beforehand once per distinct run (htmlMemo), so
// that a row costs one action or two (a page may hold tens of thousands).
var reviewTemplate = template.Must(template.New("review").Funcs(template.FuncMap{
	"lines":      lines,
	"date":       datePart,
	"dash":       dashIfEmpty,
	"reviewed":   LastReviewedText,
	"changeText": changesText,
	"anchor":     func(team string) string { return "team-" + team },
	"digestRule": func() string { return AttestedDigestRule },
}).Parse(reviewPageHead + reviewCSS + reviewPageBody))

// reviewPageHead and reviewPageBody are the page around the CSS.
const reviewPageHead = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Access review {{.Date}}</title>
<style>`

const reviewPageBody = `</style>
</head>
<body>
<header>
<h1>Access review {{.Date}}</h1>
<p class="meta">Access as the state holds it at {{template "text" .Now}} (state serial {{.Serial}}, generated {{template "text" .GeneratedAt}}). <em>Expiring</em> means within {{.ExpiringWithinDays}} days.</p>
</header>
<dl class="summary">
{{range .Cards}}<div{{if .Warn}} class="warn"{{end}}><dt>{{.Label}}</dt><dd>{{.N}}</dd></div>
{{end}}</dl>
{{if not .Teams}}<p>No access in the state.</p>
{{else}}<section id="teams">
<h2>Teams</h2>
<table>
<thead><tr><th>team</th><th>platform</th><th class="num">sites</th><th class="num">access rows</th><th class="num">flagged rows</th><th class="num">findings</th><th>last reviewed</th></tr></thead>
<tbody>
{{range .Teams}}<tr><td><a href="#{{anchor .Team}}">{{template "text" .Team}}</a></td><td>{{template "text" (dash .Platform)}}</td><td class="num">{{len .Sites}}</td><td class="num">{{len .Rows}}</td><td class="num">{{.Flagged}}</td><td class="num">{{len .Findings}}</td><td>{{template "reviewed" .ReviewTeam}}</td></tr>
{{end}}</tbody>
</table>
</section>
<section id="attention">
<h2>Needs attention</h2>
{{if and (not .Summary.Findings) (not .Summary.FlaggedRows)}}<p>Nothing is flagged.</p>
{{end}}{{if .Summary.Findings}}<ul class="findings">
{{range .Teams}}{{$team := .Team}}{{range .Findings}}<li><strong>{{template "text" $team}}</strong> <code>{{template "text" .Code}}</code>: {{template "text" .Text}}</li>
{{end}}{{end}}</ul>
{{end}}{{if .Summary.FlaggedRows}}<table>
<thead><tr><th>team</th><th>site</th><th>person</th><th>role</th><th>via</th><th>status</th><th>expires</th><th>ticket</th><th>flags</th></tr></thead>
<tbody>
{{range .Flagged}}<tr class="flagged">{{.Head}}{{.Cells}}</tr>
{{end}}</tbody>
</table>
{{end}}</section>
{{range .Teams}}{{template "team" .}}{{end}}{{end}}{{template "signoff" .Attestation}}</body>
</html>
{{define "text"}}{{template "lines" (lines .)}}{{end}}
{{- define "lines"}}{{range $i, $l := .}}{{if $i}}<br>{{end}}{{$l}}{{end}}{{end}}
{{- define "reviewed"}}{{if .LastReview}}{{template "text" (reviewed .)}}{{else}}<span class="never">never</span>{{end}}{{end}}
{{- /* A run of cells, or a whole row; written once per distinct run (htmlMemo). */ -}}
{{- define "cells"}}{{if .Row}}<tr{{if .Flags}} class="flagged"{{end}}>{{end}}{{if .HasPerson}}<td>{{template "text" .Person}}{{if .HasSponsor}} <small>(sponsor {{template "text" .Sponsor}})</small>{{end}}</td>{{end}}
{{- range .Texts}}<td>{{if .Dash}}<span class="none">-</span>{{else if .Lines}}{{template "lines" .Lines}}{{else}}{{.Text}}{{end}}</td>{{end}}
{{- if .HasFlags}}<td>{{range .FlagList}}<span class="flag {{.Code}}{{if .Violation}} violation{{end}}">{{if .Word}}{{.Word}}<code>{{.Code}}</code>{{else}}{{.Code}}{{end}}</span>{{else}}<span class="none">-</span>{{end}}</td>{{end}}{{if .Row}}</tr>
{{end}}{{end}}
{{- define "signoff"}}<section class="signoff" id="signoff">
<h2>Sign-off</h2>
<dl>
{{if .}}<dt>Reviewer</dt><dd>{{template "text" .Reviewer}}</dd>
<dt>Date</dt><dd>{{template "text" .Time}}</dd>
<dt>Attested digest</dt><dd><code>{{template "text" .Digest}}</code></dd>
</dl>
<p>Recorded in roster's evidence (action review). The digest is {{digestRule}}.</p>
</section>
{{else}}<dt>Reviewer</dt><dd></dd>
<dt>Date</dt><dd></dd>
<dt>Signature</dt><dd></dd>
</dl>
<p>Not attested in roster's evidence: roster review --attest --reviewer EMAIL --format html --out FILE writes a page that is.</p>
</section>
{{end}}{{end}}
{{- define "team"}}<section class="team" id="{{anchor .Team}}">
<h2>Team {{template "text" .Team}}{{if .Platform}} <span class="platform">({{template "text" .Platform}})</span>{{end}}</h2>
<p class="team-meta">{{.Owners}}. {{template "text" .SitesLine}}. Last reviewed: {{template "reviewed" .ReviewTeam}}.</p>
{{with .Unseen}}<p class="team-meta">{{template "text" .}}</p>
{{end}}{{if .Findings}}<ul class="findings">
{{range .Findings}}<li><code>{{template "text" .Code}}</code>: {{template "text" .Text}}</li>
{{end}}</ul>
{{end}}{{with .LastReview}}<p class="team-meta">Since the last sign-off ({{template "text" (reviewed $.ReviewTeam)}}, digest <code>{{template "text" .ReviewDigest}}</code>){{if not $.ChangesSinceReview}}: no one added, removed or changed role.</p>
{{else}}:</p>
<ul class="changes">
{{range $.ChangesSinceReview}}<li>{{template "text" (changeText .)}} <span class="none">({{template "text" (date .Time)}}, evidence record {{.Seq}})</span></li>
{{end}}</ul>
{{end}}{{end}}{{with .Chart}}{{template "chart" .}}{{end}}<h3>Team-wide roles (every site)</h3>
{{template "rows" .TeamWide}}{{range .Sites}}<h3>Site {{template "text" .Name}}{{with .Environment}} <span class="env">({{template "text" .}})</span>{{end}}</h3>
{{template "rows" .Rows}}{{end}}</section>
{{end}}
{{- define "rows"}}{{if .Rows}}<table>
<thead><tr><th>person</th><th>role</th><th>kind</th><th>via</th><th>status</th><th>since</th><th>expires</th><th>ticket</th><th>reason</th><th>flags</th></tr></thead>
<tbody>
{{range .Rows}}{{.}}{{end}}</tbody>
</table>
{{else}}<p class="none">{{.Empty}}</p>
{{end}}{{end}}
{{- define "chart"}}<figure class="chart">
<svg role="img" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" aria-label="{{.Title}}">
<title>{{.Title}}</title>
{{range .Bars}}<text x="{{$.LabelX}}" y="{{.TextY}}" text-anchor="end">{{.Label}}<title>{{.Full}}</title></text>
{{range .Segments}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{$.BarH}}" fill="{{.Fill}}"><title>{{.Title}}</title></rect>
{{end}}<text x="{{.CountX}}" y="{{.TextY}}">{{.Total}}</text>
{{end}}<line class="axis" x1="{{.AxisX}}" y1="0" x2="{{.AxisX}}" y2="{{.AxisY2}}"/>
{{range .Legend}}<rect x="{{.X}}" y="{{.Y}}" width="12" height="12" fill="{{.Fill}}"/><text x="{{.TextX}}" y="{{.TextY}}">{{.Label}}</text>
{{end}}</svg>
<figcaption>People with access, by role, per site of team {{template "text" .Team}}; team roles cover every site.</figcaption>
</figure>
{{end}}`

// htmlRows is a table of rows, each as "cells" wrote it, or the sentence
// that says there are none.
type htmlRows struct {
	Rows  []template.HTML
	Empty string
}

// htmlRow is a row of the attention table (all flagged): its team and
// site cells (Head) and the person's cell and those after it (Cells), as
// "cells" wrote them.
type htmlRow struct {
	Head, Cells template.HTML
}

// htmlMemo writes runs of cells through reviewTemplate ("cells") once per
// distinct run and keeps what it wrote: a person holds the same role on
// many sites, and roles, dates, tickets and statuses recur thousands of
// times, while a template action costs reflection. Every text is still
// escaped by html/template, in the text context between table cells (or
// rows) where the page puts the run; the memo only keeps its output.
type htmlMemo struct {
	runs map[string]template.HTML // by htmlCells.appendKey
	key  []byte
	err  error // the first failed rendering
}

// htmlCells is a run of table cells: the person's when HasPerson, then
// Cells, then the flags cell when HasFlags; a whole row (<tr>, flagged
// when it has flags) when Row.
type htmlCells struct {
	Row             bool
	HasPerson       bool
	Person, Sponsor string
	HasSponsor      bool
	N               int
	Cells           [8]htmlCell
	// Flags are the row's flag codes (fixed identifiers, see Flags).
	Flags    []string
	HasFlags bool
}

// htmlCell is the text of one cell, or a muted - when it has no value.
type htmlCell struct {
	Text  string
	Dash  bool
	Lines []string // Text's lines when it has line breaks (set for "cells")
}

// htmlFlag is one flag of a row: its code, and its words if it has some.
type htmlFlag struct {
	Code, Word string
	Violation  bool
}

func newHTMLMemo() *htmlMemo { return &htmlMemo{runs: map[string]template.HTML{}} }

// run is the cells' markup, written by "cells".
func (m *htmlMemo) run(c *htmlCells) template.HTML {
	m.key = c.appendKey(m.key[:0])
	if h, ok := m.runs[string(m.key)]; ok {
		return h
	}
	var b strings.Builder
	data := *c // c stays on the caller's stack
	for i, x := range data.Texts() {
		if strings.ContainsAny(x.Text, "\r\n") {
			data.Cells[i].Lines = lines(x.Text)
		}
	}
	if err := reviewTemplate.ExecuteTemplate(&b, "cells", &data); err != nil && m.err == nil {
		m.err = err
	}
	h := template.HTML(b.String())
	m.runs[string(m.key)] = h
	return h
}

// appendKey appends what tells c from every other run: each part in
// order, a text as its length plus one (uvarint) and its bytes, an
// absent one as 0; a count (cells, flags) as one byte.
func (c *htmlCells) appendKey(b []byte) []byte {
	str := func(s string, ok bool) {
		if !ok {
			b = append(b, 0)
			return
		}
		b = binary.AppendUvarint(b, uint64(len(s))+1)
		b = append(b, s...)
	}
	b = append(b, boolByte(c.Row))
	str(c.Person, c.HasPerson)
	str(c.Sponsor, c.HasSponsor)
	b = append(b, byte(c.N))
	for _, x := range c.Cells[:c.N] {
		str(x.Text, !x.Dash)
	}
	if !c.HasFlags {
		return append(b, 0)
	}
	b = append(b, byte(len(c.Flags))+1) // at most len(Flags) flags
	for _, f := range c.Flags {
		str(f, true)
	}
	return b
}

// Texts are the cells in order, for "cells".
func (c *htmlCells) Texts() []htmlCell { return c.Cells[:c.N] }

// FlagList are the flags, for "cells".
func (c *htmlCells) FlagList() []htmlFlag {
	out := make([]htmlFlag, len(c.Flags))
	for i, f := range c.Flags {
		out[i] = htmlFlag{Code: f, Word: flagWords[f], Violation: violations[f]}
	}
	return out
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// cells is the markup of a run of cells: r's person, cs and r's flags
// when r is not nil.
func (m *htmlMemo) cells(r *ReviewRow, cs ...htmlCell) template.HTML {
	c := runOf(r, cs)
	return m.run(&c)
}

// row is the markup of r's whole row, its cells r's person, cs and r's
// flags.
func (m *htmlMemo) row(r *ReviewRow, cs ...htmlCell) template.HTML {
	c := runOf(r, cs)
	c.Row = true
	return m.run(&c)
}

func runOf(r *ReviewRow, cs []htmlCell) htmlCells {
	var c htmlCells
	c.N = copy(c.Cells[:], cs)
	if r != nil {
		c.HasPerson, c.Person = true, r.Person
		if r.Sponsor != nil {
			c.HasSponsor, c.Sponsor = true, *r.Sponsor
		}
		c.HasFlags, c.Flags = true, r.Flags
	}
	return c
}

func cell(s string) htmlCell { return htmlCell{Text: s} }

func optCell(s *string) htmlCell {
	if s == nil {
		return htmlCell{Dash: true}
	}
	return cell(*s)
}

func dateCell(s *string) htmlCell {
	if s == nil {
		return htmlCell{Dash: true}
	}
	return cell(datePart(*s))
}

// teamRows are the rows of a team's table: person, role, kind, via,
// status, since, expires, ticket, reason, flags.
func (m *htmlMemo) teamRows(rows []*ReviewRow) []template.HTML {
	out := make([]template.HTML, len(rows))
	for i, r := range rows {
		out[i] = m.row(r, cell(r.Role), cell(r.Kind), cell(r.Via), cell(statusText(r)),
			dateCell(r.Since), dateCell(r.Expires), optCell(r.Ticket), optCell(r.Reason))
	}
	return out
}

// attentionRows are the rows of the "Needs attention" table: team, site,
// person, role, via, status, expires, ticket, flags.
func (m *htmlMemo) attentionRows(rows []*ReviewRow) []htmlRow {
	out := make([]htmlRow, len(rows))
	for i, r := range rows {
		site := cell(r.Site)
		if isTeamWide(r) {
			site = cell("all sites")
		}
		out[i] = htmlRow{Head: m.cells(nil, cell(r.Team), site),
			Cells: m.cells(r, cell(r.Role), cell(r.Via), cell(statusText(r)), dateCell(r.Expires), optCell(r.Ticket))}
	}
	return out
}

// htmlPage is what the page template shows.
type htmlPage struct {
	*ReviewDoc
	Date    string
	Cards   []htmlCard
	Flagged []htmlRow // violations first, then the other flagged rows
	Teams   []htmlTeam
}

// htmlCard is one number of the summary.
type htmlCard struct {
	Label string
	N     int
	Warn  bool
}

// htmlTeam is a team's section.
type htmlTeam struct {
	*ReviewTeam
	Flagged   int
	Owners    string // "2 active owners, 1 invited"
	SitesLine string
	Unseen    string // access the platform's API does not show
	Chart     *htmlChart
	TeamWide  htmlRows
	Sites     []htmlSite
}

// htmlSite is a site's table.
type htmlSite struct {
	Name        string
	Environment *string
	Rows        htmlRows
}

func newHTMLPage(doc *ReviewDoc) (*htmlPage, error) {
	sm := doc.Summary
	pg := &htmlPage{ReviewDoc: doc, Date: datePart(doc.Now), Cards: []htmlCard{
		{"teams", sm.Teams, false}, {"people", sm.People, false}, {"access rows", sm.Rows, false},
		{"flagged rows", sm.FlaggedRows, sm.FlaggedRows > 0}, {"external people", sm.ExternalPeople, false},
		{"team findings", sm.Findings, sm.Findings > 0},
	}}
	memo := newHTMLMemo()
	// Violations first (expired but still held, no ticket), then the
	// other flagged rows, each in the review's order.
	var violating, flagged []*ReviewRow
	for i := range doc.Teams {
		t := &doc.Teams[i]
		for j := range t.Rows {
			r := &t.Rows[j]
			if len(r.Flags) == 0 {
				break // flagged rows come first
			}
			if isViolation(r) {
				violating = append(violating, r)
			} else {
				flagged = append(flagged, r)
			}
		}
		pg.Teams = append(pg.Teams, memo.newHTMLTeam(t))
	}
	pg.Flagged = memo.attentionRows(append(violating, flagged...))
	return pg, memo.err
}

func (m *htmlMemo) newHTMLTeam(t *ReviewTeam) htmlTeam {
	ht := htmlTeam{ReviewTeam: t, Flagged: flaggedRows(t), SitesLine: sitesLineText(t.Sites), Unseen: UnseenAccess[t.Platform]}
	ht.Owners = strconv.Itoa(t.Owners) + " active owners"
	if t.Owners == 1 {
		ht.Owners = "1 active owner"
	}
	if t.InvitedOwners > 0 {
		ht.Owners += ", " + strconv.Itoa(t.InvitedOwners) + " invited"
	}
	bySite := map[string][]*ReviewRow{}
	var teamWide []*ReviewRow
	for i := range t.Rows {
		r := &t.Rows[i]
		if isTeamWide(r) {
			teamWide = append(teamWide, r)
			continue
		}
		bySite[r.Site] = append(bySite[r.Site], r)
	}
	ht.TeamWide = htmlRows{m.teamRows(teamWide), "No members."}
	for _, s := range t.Sites {
		ht.Sites = append(ht.Sites, htmlSite{Name: s.Name, Environment: s.Environment, Rows: htmlRows{m.teamRows(bySite[s.Name]), "No grants on this site."}})
	}
	ht.Chart = newChart(t, teamWide, bySite)
	return ht
}

// flagWords says each flag in words; the raw code is shown beside it.
var flagWords = map[string]string{
	FlagExpired:           "Expired but still held",
	FlagNoTicket:          "No ticket",
	FlagExpiring:          "Expires soon",
	FlagExternal:          "External person",
	FlagAdminOrOwner:      "Administrator or owner",
	FlagAdminOnProduction: "Administrator on production",
	FlagInvited:           "Invitation not accepted",
	FlagSponsorLeft:       "Sponsor has left",
}

// violations are the flags that break a rule rather than ask for a look.
var violations = map[string]bool{FlagExpired: true, FlagNoTicket: true, FlagSponsorLeft: true}

func isViolation(r *ReviewRow) bool {
	for _, f := range r.Flags {
		if violations[f] {
			return true
		}
	}
	return false
}

func isTeamWide(r *ReviewRow) bool {
	return r.Site == TeamWide && strings.HasPrefix(r.Address, "member/")
}

// statusText is a row's status (statusWords), with the age of an open
// invitation.
func statusText(r *ReviewRow) string {
	s := statusWords(r.Status, r.Pending)
	switch {
	case r.InvitationAgeDays == nil:
		return s
	case *r.InvitationAgeDays == 1:
		return s + " (1 day)"
	}
	return s + " (" + strconv.Itoa(*r.InvitationAgeDays) + " days)"
}

// lines splits a text at its line breaks (CR LF, LF or CR), which the
// page shows as <br>.
func lines(s string) []string {
	return strings.Split(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"), "\n")
}

// sitesLineText is sitesLine without markdown escaping.
func sitesLineText(sites []ReviewSite) string {
	if len(sites) == 0 {
		return "No sites"
	}
	var b strings.Builder
	if len(sites) == 1 {
		b.WriteString("1 site: ")
	} else {
		b.WriteString(strconv.Itoa(len(sites)) + " sites: ")
	}
	for i, s := range sites {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s.Name)
		if s.Environment != nil {
			b.WriteString(" (" + *s.Environment + ")")
		}
	}
	return b.String()
}

// chartBar is one bar of a team's chart: a site (or the team-wide roles)
// and how many people hold each role there.
type chartBar struct {
	label  string
	counts map[string]int
	total  int
}

// Chart geometry, in SVG user units.
const (
	chartLabelW = 190
	chartBarW   = 520
	chartRowH   = 26
	chartBarH   = 16
	chartCountW = 50
)

// htmlChart is a team's access by role per site as a horizontal stacked
// bar chart, laid out in SVG user units.
type htmlChart struct {
	Team          string
	Width, Height int
	Title         string
	LabelX, BarH  int // where bar labels end; a bar's height
	Bars          []htmlBar
	AxisX, AxisY2 int
	Legend        []htmlLegend
}

// htmlBar is one bar: its label (cut to fit, Full in its tooltip), one
// segment per role and the total after it.
type htmlBar struct {
	Label, Full string
	TextY       int
	Segments    []htmlSegment
	CountX      string
	Total       int
}

type htmlSegment struct {
	X, W  string
	Y     int
	Fill  string
	Title string
}

type htmlLegend struct {
	X, Y, TextX, TextY int
	Fill, Label        string
}

// newChart lays out the team's chart: one bar per site (and one for the
// team-wide roles), one segment per role, sized by the people holding
// it; nil when nobody has access.
func newChart(t *ReviewTeam, teamWide []*ReviewRow, bySite map[string][]*ReviewRow) *htmlChart {
	count := func(label string, rows []*ReviewRow) chartBar {
		b := chartBar{label: label, counts: map[string]int{}}
		for _, r := range rows {
			if strings.HasPrefix(r.Person, "group:") {
				continue // the group's own row: its members are counted
			}
			b.counts[r.Role]++
			b.total++
		}
		return b
	}
	bars := []chartBar{count("all sites (team roles)", teamWide)}
	for _, s := range t.Sites {
		bars = append(bars, count(s.Name, bySite[s.Name]))
	}
	roleSet := map[string]bool{}
	most := 0
	for _, b := range bars {
		for r := range b.counts {
			roleSet[r] = true
		}
		most = max(most, b.total)
	}
	if most == 0 {
		return nil
	}
	roles := make([]string, 0, len(roleSet))
	for r := range roleSet {
		roles = append(roles, r)
	}
	slices.Sort(roles)
	color := map[string]string{}
	for i, r := range roles {
		color[r] = chartColors[i%len(chartColors)]
	}

	width := chartLabelW + chartBarW + chartCountW
	legendY := len(bars)*chartRowH + 12
	// The legend wraps: as many roles per line as fit.
	const legendItemW = 130
	perLine := max(1, width/legendItemW)
	legendLines := (len(roles) + perLine - 1) / perLine
	c := &htmlChart{Team: t.Team, LabelX: chartLabelW - 8, BarH: chartBarH, Width: width, Height: legendY + legendLines*20 + 4, Title: "Access by role per site, team " + t.Team,
		AxisX: chartLabelW, AxisY2: len(bars)*chartRowH - chartRowH + chartBarH}
	for i, b := range bars {
		y := i * chartRowH
		hb := htmlBar{Label: b.label, Full: b.label, TextY: y + chartBarH - 3, Total: b.total}
		if len([]rune(hb.Label)) > 28 {
			hb.Label = string([]rune(hb.Label)[:27]) + "…"
		}
		x := float64(chartLabelW)
		for _, r := range roles {
			n := b.counts[r]
			if n == 0 {
				continue
			}
			w := float64(n) * chartBarW / float64(most)
			people := "people"
			if n == 1 {
				people = "person"
			}
			hb.Segments = append(hb.Segments, htmlSegment{X: fmtUnits(x), W: fmtUnits(w), Y: y, Fill: color[r],
				Title: b.label + ": " + strconv.Itoa(n) + " " + people + " with role " + r})
			x += w
		}
		hb.CountX = fmtUnits(x + 6)
		c.Bars = append(c.Bars, hb)
	}
	for i, r := range roles {
		l := htmlLegend{X: (i % perLine) * legendItemW, Y: legendY + (i/perLine)*20, Fill: color[r], Label: r}
		l.TextX, l.TextY = l.X+17, l.Y+10
		if len([]rune(l.Label)) > 16 {
			l.Label = string([]rune(l.Label)[:15]) + "…"
		}
		c.Legend = append(c.Legend, l)
	}
	return c
}

// fmtUnits writes an SVG length with at most one decimal.
func fmtUnits(v float64) string {
	return strconv.FormatFloat(float64(int(v*10+0.5))/10, 'f', -1, 64)
}
