package report

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"slices"
	"sort"
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
// page, table headers repeated, rows kept whole). Every text from the
// state is HTML-escaped.
func WriteReviewHTML(w io.Writer, doc *ReviewDoc) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	hw := &htmlWriter{w: bw}
	hw.page(doc)
	if hw.err != nil {
		return hw.err
	}
	return bw.Flush()
}

type htmlWriter struct {
	w   *bufio.Writer
	err error
}

// s writes raw markup.
func (h *htmlWriter) s(parts ...string) {
	for _, p := range parts {
		if h.err != nil {
			return
		}
		_, h.err = h.w.WriteString(p)
	}
}

// esc is text for HTML, line breaks as <br>.
func esc(s string) string {
	e := html.EscapeString(s)
	if strings.ContainsAny(e, "\r\n") {
		e = strings.NewReplacer("\r\n", "<br>", "\n", "<br>", "\r", "<br>").Replace(e)
	}
	return e
}

func escOpt(s *string) string {
	if s == nil {
		return `<span class="none">-</span>`
	}
	return esc(*s)
}

func dateOpt(s *string) string {
	if s == nil {
		return `<span class="none">-</span>`
	}
	return esc(datePart(*s))
}

// anchor is a team's id in the page. Team names are [a-z0-9_-], so the
// id needs no escaping beyond what esc does.
func anchor(team string) string { return "team-" + team }

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
  font-size: .78rem; white-space: nowrap; background: #fff; }
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

func (h *htmlWriter) page(doc *ReviewDoc) {
	date := datePart(doc.Now)
	h.s("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
		"<title>Access review ", esc(date), "</title>\n<style>", reviewCSS, "</style>\n</head>\n<body>\n")
	h.s("<header>\n<h1>Access review ", esc(date), "</h1>\n<p class=\"meta\">Access as the state holds it at ", esc(doc.Now),
		" (state serial ", strconv.FormatUint(doc.Serial, 10), ", generated ", esc(doc.GeneratedAt), "). <em>Expiring</em> means within ", strconv.Itoa(doc.ExpiringWithinDays), " days.</p>\n</header>\n")

	sm := doc.Summary
	h.s("<dl class=\"summary\">\n")
	for _, c := range []struct {
		label string
		n     int
		warn  bool
	}{
		{"teams", sm.Teams, false}, {"people", sm.People, false}, {"access rows", sm.Rows, false},
		{"flagged rows", sm.FlaggedRows, sm.FlaggedRows > 0}, {"external people", sm.ExternalPeople, false},
		{"team findings", sm.Findings, sm.Findings > 0},
	} {
		class := ""
		if c.warn {
			class = ` class="warn"`
		}
		h.s("<div", class, "><dt>", c.label, "</dt><dd>", strconv.Itoa(c.n), "</dd></div>\n")
	}
	h.s("</dl>\n")

	if len(doc.Teams) == 0 {
		h.s("<p>No access in the state.</p>\n")
		h.signOff(doc.Attestation)
		h.s("</body>\n</html>\n")
		return
	}

	h.s("<section id=\"teams\">\n<h2>Teams</h2>\n<table>\n<thead><tr><th>team</th><th>platform</th><th class=\"num\">sites</th>",
		"<th class=\"num\">access rows</th><th class=\"num\">flagged rows</th><th class=\"num\">findings</th><th>last reviewed</th></tr></thead>\n<tbody>\n")
	for i := range doc.Teams {
		t := &doc.Teams[i]
		h.s("<tr><td><a href=\"#", esc(anchor(t.Team)), "\">", esc(t.Team), "</a></td><td>", esc(dashIfEmpty(t.Platform)),
			"</td><td class=\"num\">", strconv.Itoa(len(t.Sites)), "</td><td class=\"num\">", strconv.Itoa(len(t.Rows)),
			"</td><td class=\"num\">", strconv.Itoa(flaggedRows(t)), "</td><td class=\"num\">", strconv.Itoa(len(t.Findings)),
			"</td><td>", lastReviewedHTML(t), "</td></tr>\n")
	}
	h.s("</tbody>\n</table>\n</section>\n")

	h.s("<section id=\"attention\">\n<h2>Needs attention</h2>\n")
	if sm.Findings == 0 && sm.FlaggedRows == 0 {
		h.s("<p>Nothing is flagged.</p>\n")
	}
	if sm.Findings > 0 {
		h.s("<ul class=\"findings\">\n")
		for i := range doc.Teams {
			t := &doc.Teams[i]
			for _, f := range t.Findings {
				h.s("<li><strong>", esc(t.Team), "</strong> <code>", esc(f.Code), "</code>: ", esc(f.Text), "</li>\n")
			}
		}
		h.s("</ul>\n")
	}
	if sm.FlaggedRows > 0 {
		h.s("<table>\n<thead><tr><th>team</th><th>site</th><th>person</th><th>role</th><th>via</th><th>status</th><th>expires</th><th>ticket</th><th>flags</th></tr></thead>\n<tbody>\n")
		// Violations first (expired but still held, no ticket), then the
		// other flagged rows, each in the review's order.
		var flagged []*ReviewRow
		for i := range doc.Teams {
			t := &doc.Teams[i]
			for j := range t.Rows {
				if len(t.Rows[j].Flags) == 0 {
					break // flagged rows come first
				}
				flagged = append(flagged, &t.Rows[j])
			}
		}
		sort.SliceStable(flagged, func(i, j int) bool { return isViolation(flagged[i]) && !isViolation(flagged[j]) })
		for _, r := range flagged {
			{
				h.s("<tr class=\"flagged\"><td>", esc(r.Team), "</td><td>", siteCell(r), "</td><td>", personHTML(r), "</td><td>", esc(r.Role),
					"</td><td>", esc(r.Via), "</td><td>", statusHTML(r), "</td><td>", dateOpt(r.Expires), "</td><td>", escOpt(r.Ticket),
					"</td><td>", flagsHTML(r.Flags), "</td></tr>\n")
			}
		}
		h.s("</tbody>\n</table>\n")
	}
	h.s("</section>\n")

	for i := range doc.Teams {
		h.team(&doc.Teams[i])
	}
	h.signOff(doc.Attestation)
	h.s("</body>\n</html>\n")
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

// signOff is the block an officer signs: filled in with the attestation
// (reviewer, time, digest) when the document is the one attested, blank
// lines to sign on paper otherwise.
func (h *htmlWriter) signOff(a *Attestation) {
	h.s("<section class=\"signoff\" id=\"signoff\">\n<h2>Sign-off</h2>\n<dl>\n")
	if a != nil {
		h.s("<dt>Reviewer</dt><dd>", esc(a.Reviewer), "</dd>\n<dt>Date</dt><dd>", esc(a.Time), "</dd>\n",
			"<dt>Attested digest</dt><dd><code>", esc(a.Digest), "</code></dd>\n</dl>\n",
			"<p>Recorded in roster's evidence (action review). The digest is ", AttestedDigestRule, ".</p>\n</section>\n")
		return
	}
	h.s("<dt>Reviewer</dt><dd></dd>\n<dt>Date</dt><dd></dd>\n<dt>Signature</dt><dd></dd>\n</dl>\n",
		"<p>Not attested in roster's evidence: roster review --attest --reviewer EMAIL --format html --out FILE writes a page that is.</p>\n</section>\n")
}

func lastReviewedHTML(t *ReviewTeam) string {
	if t.LastReview == nil {
		return `<span class="never">never</span>`
	}
	return esc(LastReviewedText(t))
}

func isTeamWide(r *ReviewRow) bool {
	return r.Site == TeamWide && strings.HasPrefix(r.Address, "member/")
}

func siteCell(r *ReviewRow) string {
	if isTeamWide(r) {
		return "all sites"
	}
	return esc(r.Site)
}

func statusHTML(r *ReviewRow) string {
	s := esc(r.Status)
	if r.InvitationAgeDays != nil {
		if *r.InvitationAgeDays == 1 {
			s += " (1 day)"
		} else {
			s += fmt.Sprintf(" (%d days)", *r.InvitationAgeDays)
		}
	}
	return s
}

func flagsHTML(flags []string) string {
	if len(flags) == 0 {
		return `<span class="none">-</span>`
	}
	var b strings.Builder
	for _, f := range flags {
		b.WriteString(`<span class="flag `)
		b.WriteString(esc(f))
		if violations[f] {
			b.WriteString(` violation`)
		}
		b.WriteString(`">`)
		if w, ok := flagWords[f]; ok {
			b.WriteString(esc(w))
			b.WriteString(`<code>`)
			b.WriteString(esc(f))
			b.WriteString(`</code>`)
		} else {
			b.WriteString(esc(f))
		}
		b.WriteString(`</span>`)
	}
	return b.String()
}

func (h *htmlWriter) team(t *ReviewTeam) {
	h.s("<section class=\"team\" id=\"", esc(anchor(t.Team)), "\">\n<h2>Team ", esc(t.Team))
	if t.Platform != "" {
		h.s(" <span class=\"platform\">(", esc(t.Platform), ")</span>")
	}
	h.s("</h2>\n")
	owners := fmt.Sprintf("%d active owners", t.Owners)
	if t.Owners == 1 {
		owners = "1 active owner"
	}
	if t.InvitedOwners > 0 {
		owners += fmt.Sprintf(", %d invited", t.InvitedOwners)
	}
	h.s("<p class=\"team-meta\">", owners, ". ", esc(sitesLineText(t.Sites)), ". Last reviewed: ", lastReviewedHTML(t), ".</p>\n")
	if u := UnseenAccess[t.Platform]; u != "" {
		h.s("<p class=\"team-meta\">", esc(u), "</p>\n")
	}
	if len(t.Findings) > 0 {
		h.s("<ul class=\"findings\">\n")
		for _, f := range t.Findings {
			h.s("<li><code>", esc(f.Code), "</code>: ", esc(f.Text), "</li>\n")
		}
		h.s("</ul>\n")
	}
	if t.LastReview != nil {
		h.s("<p class=\"team-meta\">Since the last sign-off (", esc(LastReviewedText(t)), ", digest <code>", esc(t.LastReview.ReviewDigest), "</code>)")
		if len(t.ChangesSinceReview) == 0 {
			h.s(": no one added, removed or changed role.</p>\n")
		} else {
			h.s(":</p>\n<ul class=\"changes\">\n")
			for i := range t.ChangesSinceReview {
				c := &t.ChangesSinceReview[i]
				h.s("<li>", esc(changesText(c)), " <span class=\"none\">(", esc(datePart(c.Time)), ", evidence record ", strconv.FormatUint(c.Seq, 10), ")</span></li>\n")
			}
			h.s("</ul>\n")
		}
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
	h.chart(t, teamWide, bySite)

	h.s("<h3>Team-wide roles (every site)</h3>\n")
	h.rowTable(teamWide, "No members.")
	for _, site := range t.Sites {
		h.s("<h3>Site ", esc(site.Name))
		if site.Environment != nil {
			h.s(" <span class=\"env\">(", esc(*site.Environment), ")</span>")
		}
		h.s("</h3>\n")
		h.rowTable(bySite[site.Name], "No grants on this site.")
	}
	h.s("</section>\n")
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
		fmt.Fprintf(&b, "%d sites: ", len(sites))
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

func (h *htmlWriter) rowTable(rows []*ReviewRow, empty string) {
	if len(rows) == 0 {
		h.s("<p class=\"none\">", empty, "</p>\n")
		return
	}
	h.s("<table>\n<thead><tr><th>person</th><th>role</th><th>kind</th><th>via</th><th>status</th><th>since</th><th>expires</th><th>ticket</th><th>reason</th><th>flags</th></tr></thead>\n<tbody>\n")
	for _, r := range rows {
		if len(r.Flags) > 0 {
			h.s("<tr class=\"flagged\">")
		} else {
			h.s("<tr>")
		}
		h.s("<td>", personHTML(r), "</td><td>", esc(r.Role), "</td><td>", esc(r.Kind), "</td><td>", esc(r.Via), "</td><td>", statusHTML(r),
			"</td><td>", dateOpt(r.Since), "</td><td>", dateOpt(r.Expires), "</td><td>", escOpt(r.Ticket), "</td><td>", escOpt(r.Reason),
			"</td><td>", flagsHTML(r.Flags), "</td></tr>\n")
		if h.err != nil {
			return
		}
	}
	h.s("</tbody>\n</table>\n")
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

// chart writes the team's access by role per site as a horizontal stacked
// bar chart: one bar per site (and one for the team-wide roles), one
// segment per role, sized by the people holding it.
func (h *htmlWriter) chart(t *ReviewTeam, teamWide []*ReviewRow, bySite map[string][]*ReviewRow) {
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
		return
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
	height := legendY + legendLines*20 + 4
	title := "Access by role per site, team " + t.Team
	h.s("<figure class=\"chart\">\n<svg role=\"img\" width=\"", strconv.Itoa(width), "\" height=\"", strconv.Itoa(height),
		"\" viewBox=\"0 0 ", strconv.Itoa(width), " ", strconv.Itoa(height), "\" aria-label=\"", esc(title), "\">\n<title>", esc(title), "</title>\n")
	for i, b := range bars {
		y := i * chartRowH
		label := b.label
		if len([]rune(label)) > 28 {
			label = string([]rune(label)[:27]) + "…"
		}
		h.s("<text x=\"", strconv.Itoa(chartLabelW-8), "\" y=\"", strconv.Itoa(y+chartBarH-3), "\" text-anchor=\"end\">", esc(label), "<title>", esc(b.label), "</title></text>\n")
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
			h.s("<rect x=\"", fmtUnits(x), "\" y=\"", strconv.Itoa(y), "\" width=\"", fmtUnits(w), "\" height=\"", strconv.Itoa(chartBarH),
				"\" fill=\"", color[r], "\"><title>", esc(b.label), ": ", strconv.Itoa(n), " ", people, " with role ", esc(r), "</title></rect>\n")
			x += w
		}
		h.s("<text x=\"", fmtUnits(x+6), "\" y=\"", strconv.Itoa(y+chartBarH-3), "\">", strconv.Itoa(b.total), "</text>\n")
	}
	h.s("<line class=\"axis\" x1=\"", strconv.Itoa(chartLabelW), "\" y1=\"0\" x2=\"", strconv.Itoa(chartLabelW), "\" y2=\"", strconv.Itoa(len(bars)*chartRowH-chartRowH+chartBarH), "\"/>\n")
	for i, r := range roles {
		x := (i % perLine) * legendItemW
		y := legendY + (i/perLine)*20
		label := r
		if len([]rune(label)) > 16 {
			label = string([]rune(label)[:15]) + "…"
		}
		h.s("<rect x=\"", strconv.Itoa(x), "\" y=\"", strconv.Itoa(y), "\" width=\"12\" height=\"12\" fill=\"", color[r], "\"/>",
			"<text x=\"", strconv.Itoa(x+17), "\" y=\"", strconv.Itoa(y+10), "\">", esc(label), "</text>\n")
	}
	h.s("</svg>\n<figcaption>People with access, by role, per site of team ", esc(t.Team), "; team roles cover every site.</figcaption>\n</figure>\n")
}

// fmtUnits writes an SVG length with at most one decimal.
func fmtUnits(v float64) string {
	return strconv.FormatFloat(float64(int(v*10+0.5))/10, 'f', -1, 64)
}

// personHTML is the person, with their sponsor where one is named.
func personHTML(r *ReviewRow) string {
	if r.Sponsor == nil {
		return esc(r.Person)
	}
	return esc(r.Person) + " <small>(sponsor " + esc(*r.Sponsor) + ")</small>"
}
