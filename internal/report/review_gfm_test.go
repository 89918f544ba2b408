package report

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/roster-dev/roster/internal/mdtext/gfmtest"
)

// The review's markdown goes into a review ticket, read as GitHub renders
// it, and much of its text comes from the configuration and the state
// (team, site and person names, roles, tickets, reasons, sponsors,
// reviewers). These tests render reviews with cmark-gfm (gfmtest): whatever
// that text holds, every table keeps its rows and cells, every text reads
// as written (a line break as a <br>), and no text becomes an element.

// reviewElements are the elements the review's markdown template makes.
var reviewElements = gfmtest.Allow{
	"h1": nil, "h2": nil, "h3": nil, "p": nil, "em": nil, "strong": nil, "code": nil,
	"ul": nil, "li": nil, "blockquote": nil, "br": nil,
	"table": nil, "thead": nil, "tbody": nil, "tr": nil, "th": {"align": ""}, "td": {"align": ""},
	// Only as an email's autolink (checked by gfmtest.Body).
	"a": {"href": ""},
}

// mdRead is what text written with md reads as: each line as mdtext.Text
// shows it, a line break between lines.
func mdRead(s string) string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = gfmtest.TextOf(l)
	}
	return strings.Join(lines, "\n")
}

// normRead drops what GFM does not show: the spaces at the ends of a
// block and around a line break.
func normRead(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Trim(l, " ")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// checkGFMReview renders the review's markdown through cmark-gfm and
// checks it block by block against doc.
func checkGFMReview(t *testing.T, bin string, doc *ReviewDoc, md []byte) {
	t.Helper()
	blocks := gfmtest.NewBlocks(t, gfmtest.Body(t, bin, md, reviewElements), "the review")
	next := blocks.Next
	same := func(what, got, want string) {
		t.Helper()
		if normRead(got) != normRead(want) {
			t.Errorf("%s reads\n%q\nwant\n%q", what, got, want)
		}
	}
	// table checks a table's header and body rows, cell by cell.
	table := func(what string, header []string, want [][]string) {
		t.Helper()
		tbl := next("table", what)
		var got [][]*html.Node
		for _, sec := range gfmtest.Children(tbl, "") {
			for _, tr := range gfmtest.Children(sec, "tr") {
				got = append(got, gfmtest.Children(tr, ""))
			}
		}
		want = append([][]string{header}, want...)
		if len(got) != len(want) {
			t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
		}
		for r := range min(len(got), len(want)) {
			if len(got[r]) != len(want[r]) {
				t.Errorf("%s: row %d has %d cells, want %d", what, r, len(got[r]), len(want[r]))
				continue
			}
			for c := range got[r] {
				same(fmt.Sprintf("%s: row %d cell %d", what, r, c), gfmtest.Text(got[r][c]), want[r][c])
			}
		}
	}
	opt := func(s *string, f func(string) string) string {
		if s == nil {
			return "-"
		}
		return mdRead(f(*s))
	}
	id := func(s string) string { return s }
	person := func(r *ReviewRow) string {
		if r.Sponsor == nil {
			return mdRead(r.Person)
		}
		return mdRead(r.Person) + " (sponsor " + mdRead(*r.Sponsor) + ")"
	}
	status := func(r *ReviewRow) string {
		s := mdRead(r.Status)
		if d := r.InvitationAgeDays; d != nil {
			s += " (" + strconv.Itoa(*d) + map[bool]string{true: " day)", false: " days)"}[*d == 1]
		}
		return s
	}
	teamWide := func(r *ReviewRow) bool { return r.Site == TeamWide && strings.HasPrefix(r.Address, "member/") }
	s := doc.Summary

	same("title", gfmtest.Text(next("h1", "title")), "Access review "+datePart(doc.Now))
	same("intro", gfmtest.Text(next("p", "intro")), fmt.Sprintf("Access as the state holds it at %s (state serial %d, generated %s). Expiring means within %d days.",
		doc.Now, doc.Serial, doc.GeneratedAt, doc.ExpiringWithinDays))
	table("summary", []string{"teams", "people", "access rows", "flagged rows", "external people", "team findings"},
		[][]string{{strconv.Itoa(s.Teams), strconv.Itoa(s.People), strconv.Itoa(s.Rows), strconv.Itoa(s.FlaggedRows), strconv.Itoa(s.ExternalPeople), strconv.Itoa(s.Findings)}})
	if len(doc.Teams) == 0 {
		same("no access", gfmtest.Text(next("p", "no access")), "No access in the state.")
	} else {
		var teams [][]string
		for k := range doc.Teams {
			tm := &doc.Teams[k]
			teams = append(teams, []string{mdRead(tm.Team), mdRead(dashIfEmpty(tm.Platform)), strconv.Itoa(len(tm.Sites)), strconv.Itoa(len(tm.Rows)),
				strconv.Itoa(flaggedRows(tm)), strconv.Itoa(len(tm.Findings)), mdRead(LastReviewedText(tm))})
		}
		table("teams", []string{"team", "platform", "sites", "access rows", "flagged rows", "findings", "last reviewed"}, teams)

		same("attention heading", gfmtest.Text(next("h2", "attention")), "Needs attention")
		if s.Findings == 0 && s.FlaggedRows == 0 {
			same("nothing flagged", gfmtest.Text(next("p", "nothing flagged")), "Nothing is flagged.")
		}
		if s.Findings > 0 {
			items := gfmtest.Children(next("ul", "findings"), "li")
			k := 0
			for _, tm := range doc.Teams {
				for _, f := range tm.Findings {
					if k < len(items) {
						same("finding", gfmtest.Text(items[k]), mdRead(strings.Trim(tm.Team, " \t\r\n"))+" "+f.Code+": "+mdRead(f.Text))
					}
					k++
				}
			}
			if len(items) != k {
				t.Errorf("%d findings listed, want %d", len(items), k)
			}
		}
		if s.FlaggedRows > 0 {
			var rows [][]string
			for _, tm := range doc.Teams {
				for k := range tm.Rows {
					r := &tm.Rows[k]
					if len(r.Flags) == 0 {
						break
					}
					site := mdRead(r.Site)
					if teamWide(r) {
						site = "all sites"
					}
					rows = append(rows, []string{mdRead(r.Team), site, person(r), mdRead(r.Role), mdRead(r.Via), status(r),
						opt(r.Expires, datePart), opt(r.Ticket, id), strings.Join(r.Flags, ", ")})
				}
			}
			table("flagged rows", []string{"team", "site", "person", "role", "via", "status", "expires", "ticket", "flags"}, rows)
		}
	}

	rowHeader := []string{"person", "role", "kind", "via", "status", "since", "expires", "ticket", "reason", "flags"}
	rowTable := func(what string, rows []*ReviewRow, empty string) {
		t.Helper()
		if len(rows) == 0 {
			same(what, gfmtest.Text(next("p", what)), empty)
			return
		}
		var want [][]string
		for _, r := range rows {
			flags := "-"
			if len(r.Flags) > 0 {
				flags = strings.Join(r.Flags, ", ")
			}
			want = append(want, []string{person(r), mdRead(r.Role), r.Kind, mdRead(r.Via), status(r), opt(r.Since, datePart), opt(r.Expires, datePart),
				opt(r.Ticket, id), opt(r.Reason, id), flags})
		}
		table(what, rowHeader, want)
	}
	for k := range doc.Teams {
		tm := &doc.Teams[k]
		team := "team " + strconv.Itoa(k)
		platform := tm.Platform
		if platform == "" {
			platform = "unknown platform"
		}
		same(team+" heading", gfmtest.Text(next("h2", team)), "Team "+mdRead(tm.Team)+" ("+mdRead(platform)+")")
		owners := next("p", team+" owners")
		var sites []string
		for _, site := range tm.Sites {
			name := mdRead(site.Name)
			if site.Environment != nil {
				name += " (" + mdRead(*site.Environment) + ")"
			}
			sites = append(sites, name)
		}
		sitesText := "No sites"
		if len(sites) == 1 {
			sitesText = "1 site: " + sites[0]
		} else if len(sites) > 1 {
			sitesText = strconv.Itoa(len(sites)) + " sites: " + strings.Join(sites, ", ")
		}
		ownersText := strconv.Itoa(tm.Owners) + " active owners"
		if tm.Owners == 1 {
			ownersText = "1 active owner"
		}
		if tm.InvitedOwners > 0 {
			ownersText += ", " + strconv.Itoa(tm.InvitedOwners) + " invited"
		}
		same(team+" owners", gfmtest.Text(owners), ownersText+". "+sitesText+". Last reviewed: "+mdRead(LastReviewedText(tm))+".")
		if u := UnseenAccess[tm.Platform]; u != "" {
			same(team+" unseen access", gfmtest.Text(next("p", team+" unseen access")), u)
		}
		for _, f := range tm.Findings {
			ps := gfmtest.Children(next("blockquote", team+" finding"), "")
			if len(ps) != 1 || ps[0].Data != "p" {
				t.Errorf("%s: a finding's quote holds %d blocks, want one paragraph", team, len(ps))
				continue
			}
			same(team+" finding", gfmtest.Text(ps[0]), f.Code+": "+mdRead(f.Text))
		}
		if lr := tm.LastReview; lr != nil {
			since := "Since the last sign-off (" + mdRead(LastReviewedText(tm)) + ", digest " + lr.ReviewDigest + ")"
			if len(tm.ChangesSinceReview) == 0 {
				same(team+" since", gfmtest.Text(next("p", team+" since")), since+": no one added, removed or changed role.")
			} else {
				same(team+" since", gfmtest.Text(next("p", team+" since")), since+":")
				items := gfmtest.Children(next("ul", team+" changes"), "li")
				if len(items) != len(tm.ChangesSinceReview) {
					t.Errorf("%s: %d changes listed, want %d", team, len(items), len(tm.ChangesSinceReview))
				}
				for c := range min(len(items), len(tm.ChangesSinceReview)) {
					ch := &tm.ChangesSinceReview[c]
					same(team+" change", gfmtest.Text(items[c]), gfmtest.TextOf(changesText(ch))+" ("+datePart(ch.Time)+", evidence record "+strconv.FormatUint(ch.Seq, 10)+")")
				}
			}
		}
		bySite := map[string][]*ReviewRow{}
		var wide []*ReviewRow
		for k := range tm.Rows {
			if r := &tm.Rows[k]; teamWide(r) {
				wide = append(wide, r)
			} else {
				bySite[r.Site] = append(bySite[r.Site], r)
			}
		}
		same(team+" team-wide heading", gfmtest.Text(next("h3", team+" team-wide")), "Team-wide roles (every site)")
		rowTable(team+" team-wide roles", wide, "No members.")
		for _, site := range tm.Sites {
			heading := "Site " + mdRead(site.Name)
			if site.Environment != nil {
				heading += " (" + mdRead(*site.Environment) + ")"
			}
			same(team+" site heading", gfmtest.Text(next("h3", team+" site")), heading)
			rowTable(team+" site "+site.Name, bySite[site.Name], "No grants on this site.")
		}
	}
	if a := doc.Attestation; a != nil {
		same("sign-off heading", gfmtest.Text(next("h2", "sign-off")), "Sign-off")
		same("signed off by", gfmtest.Text(next("p", "signed off")), "Signed off by "+mdRead(a.Reviewer)+" at "+a.Time+".")
		same("digest", gfmtest.Text(next("p", "digest")), "Attested digest: "+a.Digest+" ("+AttestedDigestRule+")")
	}
	blocks.End()
}

// hostileReview is a review with s in every text of team k, for each s of
// ss: its name, platform, sites and environments, findings, last reviewer,
// changes since then, and every field of its rows (flagged, team-wide and
// per site); the first is the reviewer who signed it off.
func hostileReview(ss []string) *ReviewDoc {
	doc := &ReviewDoc{FormatVersion: "1", GeneratedAt: "2026-11-24T10:00:00Z", Now: "2026-11-24T10:00:00Z", ExpiringWithinDays: 30, Serial: 7}
	for k, s := range ss {
		// Every other team's site s has no environment and ends the
		// sites line: the text written after it is ". Last reviewed".
		env := &s
		if k%2 == 1 {
			env = nil
		}
		t := ReviewTeam{Team: s, Platform: s, Owners: k % 3, InvitedOwners: k % 2,
			Sites:    []ReviewSite{{Name: s + "2"}, {Name: s, Environment: env}},
			Findings: []Finding{{Code: "below_two_owners", Text: s}},
		}
		if k%4 == 1 {
			t.Platform = "ga4"
		}
		if k%2 == 0 {
			t.LastReview = &LastReview{Time: "2026-10-01T00:00:00Z", Reviewer: s, ReviewDigest: strings.Repeat("ab", 32), Seq: 3}
			t.ChangesSinceReview = []ReviewChange{
				{Seq: 4, Time: "2026-10-02T00:00:00Z", Person: s, Site: s, Change: ChangeAdded, RoleAfter: s},
				{Seq: 5, Time: "2026-10-03T00:00:00Z", Person: s, Change: ChangeRemoved, RoleBefore: s},
				{Seq: 6, Time: "2026-10-04T00:00:00Z", Person: s, Site: s, Change: ChangeRoleChanged, RoleBefore: s, RoleAfter: s},
			}
		}
		age := k % 3
		t.Rows = []ReviewRow{
			{Team: s, Site: TeamWide, Person: s, Role: s, Kind: KindMember, Via: s, Status: s, Since: &s, Expires: &s, Ticket: &s, Reason: &s,
				InvitationAgeDays: &age, Flags: []string{"external", "no_ticket"}, Address: "member/" + s, Sponsor: &s},
			{Team: s, Site: s, Person: s, Role: s, Kind: KindGuest, Via: s, Status: s, Expires: &s, Reason: &s,
				Flags: []string{"expired"}, Address: "grant/" + s},
			{Team: s, Site: s + "2", Person: s, Role: s, Kind: KindGuest, Via: s, Status: s, Since: &s, Ticket: &s, Address: "grant/" + s, Flags: []string{}},
		}
		doc.Teams = append(doc.Teams, t)
		doc.Summary.Teams++
		doc.Summary.Rows += len(t.Rows)
		doc.Summary.FlaggedRows += 2
		doc.Summary.Findings += len(t.Findings)
	}
	if len(ss) > 0 {
		doc.Attestation = &Attestation{Reviewer: ss[0], Time: "2026-11-24T10:00:00Z", Format: "markdown", Digest: strings.Repeat("0", 64)}
	}
	return doc
}

func reviewMarkdown(t *testing.T, doc *ReviewDoc) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteReviewMarkdown(&b, doc); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestReviewGFMGolden: the golden reviews read as they should on GitHub.
func TestReviewGFMGolden(t *testing.T) {
	bin := gfmtest.Bin(t)
	for name, doc := range map[string]*ReviewDoc{
		"review": testReview(),
		"empty":  Review(Input{Now: testNow}, ReviewOptions{GeneratedAt: testNow}),
	} {
		t.Run(name, func(t *testing.T) { checkGFMReview(t, bin, doc, reviewMarkdown(t, doc)) })
	}
}

// TestReviewGFMHostile: every hostile string in every text of one
// review, then a few hundred random ones: all read as written, every row
// in its table, nothing an element.
func TestReviewGFMHostile(t *testing.T) {
	bin := gfmtest.Bin(t)
	gfmtest.EachHostile(t, func(t *testing.T, ss []string) {
		doc := hostileReview(ss)
		checkGFMReview(t, bin, doc, reviewMarkdown(t, doc))
	})
}
