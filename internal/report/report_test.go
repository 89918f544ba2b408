package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/schematest"
	"github.com/roster-dev/roster/internal/streamtest"
)

func render(t *testing.T, write func(io.Writer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	in := testInput()
	review := testReview()
	erin := Access(in, "erin@acme.com")
	jane := Access(in, " Jane@Agency.com ")
	nobody := Access(in, "nobody@acme.com")
	managers := WhoCan(in, model.ManageMembers, WhoCanFilter{})
	production := WhoCan(in, model.ViewReports, WhoCanFilter{Site: "Production"})
	none := WhoCan(in, model.TransferSite, WhoCanFilter{Team: "piwik-acme"})
	tests := []struct {
		file  string
		write func(io.Writer) error
	}{
		{"review.md", func(w io.Writer) error { return WriteReviewMarkdown(w, review) }},
		{"review.csv", func(w io.Writer) error { return WriteReviewCSV(w, review) }},
		{"review.json", func(w io.Writer) error { return WriteReviewJSON(w, review) }},
		{"review-empty.md", func(w io.Writer) error {
			return WriteReviewMarkdown(w, Review(Input{Now: testNow}, ReviewOptions{GeneratedAt: testNow}))
		}},
		{"access-erin.txt", func(w io.Writer) error { return WriteAccessText(w, erin) }},
		{"access-erin.json", func(w io.Writer) error { return WriteAccessJSON(w, erin) }},
		{"access-jane.txt", func(w io.Writer) error { return WriteAccessText(w, jane) }},
		{"access-nobody.txt", func(w io.Writer) error { return WriteAccessText(w, nobody) }},
		{"access-nobody.json", func(w io.Writer) error { return WriteAccessJSON(w, nobody) }},
		{"who-can-manage_members.txt", func(w io.Writer) error { return WriteWhoCanText(w, managers) }},
		{"who-can-manage_members.json", func(w io.Writer) error { return WriteWhoCanJSON(w, managers) }},
		{"who-can-view_reports-Production.txt", func(w io.Writer) error { return WriteWhoCanText(w, production) }},
		{"who-can-nobody.txt", func(w io.Writer) error { return WriteWhoCanText(w, none) }},
		{"who-can-nobody.json", func(w io.Writer) error { return WriteWhoCanJSON(w, none) }},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := render(t, tt.write)
			golden(t, tt.file, got)
			// The same input gives byte-identical output.
			if again := render(t, tt.write); !bytes.Equal(got, again) {
				t.Errorf("%s: a second rendering differs", tt.file)
			}
		})
	}
}

// findRow returns the review row of person at site via via.
func findRow(t *testing.T, doc *ReviewDoc, team, site, person, via string) *ReviewRow {
	t.Helper()
	for i := range doc.Teams {
		for j := range doc.Teams[i].Rows {
			r := &doc.Teams[i].Rows[j]
			if r.Team == team && r.Site == site && r.Person == person && r.Via == via {
				return r
			}
		}
	}
	t.Fatalf("no row for %s %s %s via %s", team, site, person, via)
	return nil
}

func TestReviewRows(t *testing.T) {
	doc := testReview()
	tests := []struct {
		team, site, person, via string
		kind, status            string
		flags                   []string
		age                     int // -1: no invitation age
	}{
		{"acme", "*", "alice@acme.com", "member", "member", "active", []string{"admin_or_owner", "admin_on_production"}, -1},
		{"acme", "*", "bob@acme.com", "member", "member", "active", []string{"admin_or_owner", "admin_on_production", "no_ticket"}, -1},
		{"acme", "mysite.com", "jane@agency.com", "guest", "guest", "active", []string{"external", "expiring"}, -1},
		{"acme", "staging.mysite.com", "old@agency.com", "guest", "guest", "active", []string{"external", "expired"}, -1},
		{"piwik-acme", "*", "carol@acme.com", "member", "member", "active", []string{"admin_or_owner", "admin_on_production"}, -1},
		{"piwik-acme", "*", "dan@acme.com", "member", "member", "invited", []string{"admin_or_owner", "admin_on_production", "invited"}, 12},
		{"piwik-acme", "*", "erin@acme.com", "member", "member", "active", []string{}, -1},
		{"piwik-acme", "shop-app", "erin@acme.com", "member", "member", "active", []string{}, -1},
		{"piwik-acme", "shop-app", "erin@acme.com", "group:analysts", "group", "active", []string{}, -1},
		{"piwik-acme", "shop-app", "frank@acme.com", "group:analysts", "group", "active", []string{}, -1},
		{"piwik-acme", "shop-app", "group:analysts", "group:analysts", "group", "active", []string{}, -1},
		{"piwik-acme", "blog-app", "group:analysts", "group:analysts", "group", "active", []string{}, -1},
		{"piwik-acme", "blog-app", "gus@partner.io", "guest", "guest", "active", []string{"external", "admin_or_owner"}, -1},
		{"bw-posthog", "*", "judy@acme.com", "member", "member", "active", []string{"admin_or_owner", "admin_on_production"}, -1},
		{"bw-posthog", "*", "kim@acme.com", "member", "member", "active", []string{}, -1},
		{"bw-posthog", "Staging", "kim@acme.com", "member", "member", "active", []string{"admin_or_owner"}, -1},
		{"bw-posthog", "Production", "kim@acme.com", "member", "member", "active", []string{}, -1},
		{"bw-posthog", "Production", "lee@consult.example", "guest", "guest", "invited", []string{"external", "invited"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.team+"/"+tt.site+"/"+tt.person+"/"+tt.via, func(t *testing.T) {
			r := findRow(t, doc, tt.team, tt.site, tt.person, tt.via)
			if r.Kind != tt.kind || r.Status != tt.status {
				t.Errorf("kind %s status %s, want %s %s", r.Kind, r.Status, tt.kind, tt.status)
			}
			if !slices.Equal(r.Flags, tt.flags) {
				t.Errorf("flags %v, want %v", r.Flags, tt.flags)
			}
			switch {
			case tt.age < 0 && r.InvitationAgeDays != nil:
				t.Errorf("invitation age %d, want none", *r.InvitationAgeDays)
			case tt.age >= 0 && (r.InvitationAgeDays == nil || *r.InvitationAgeDays != tt.age):
				t.Errorf("invitation age %v, want %d", r.InvitationAgeDays, tt.age)
			}
		})
	}
	var n int
	for _, team := range doc.Teams {
		n += len(team.Rows)
	}
	if n != len(tests)+5 { // plus heidi, ivan, frank's team role and blog-app's erin, frank via the group
		t.Errorf("%d rows, want %d", n, len(tests)+5)
	}
}

func TestReviewTeams(t *testing.T) {
	doc := testReview()
	type teamSummary struct {
		Team, Platform   string
		Owners, Invited  int
		Findings         []string
		FirstUnflagged   int
		TeamWideFirstRow string
	}
	var got []teamSummary
	for _, team := range doc.Teams {
		s := teamSummary{Team: team.Team, Platform: team.Platform, Owners: team.Owners, Invited: team.InvitedOwners, Findings: []string{}, FirstUnflagged: len(team.Rows)}
		for _, f := range team.Findings {
			s.Findings = append(s.Findings, f.Code)
		}
		for i, r := range team.Rows {
			if len(r.Flags) == 0 {
				s.FirstUnflagged = i
				break
			}
		}
		for i, r := range team.Rows {
			if i >= s.FirstUnflagged {
				break
			}
			if i > 0 && len(r.Flags) == 0 {
				t.Errorf("%s: unflagged row %d before a flagged one", team.Team, i)
			}
		}
		s.TeamWideFirstRow = team.Rows[0].Person
		got = append(got, s)
	}
	want := []teamSummary{
		{"acme", "plausible", 1, 0, []string{"below_two_owners"}, 4, "alice@acme.com"},
		{"bw-posthog", "posthog", 2, 0, []string{"not_reviewed_90_days"}, 5, "heidi@acme.com"},
		{"piwik-acme", "piwikpro", 1, 1, []string{"below_two_owners", "not_reviewed_90_days"}, 3, "carol@acme.com"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("teams (-want +got):\n%s", d)
	}
	wantSummary := ReviewSummary{Teams: 3, People: 14, Rows: 23, FlaggedRows: 12, ExternalPeople: 4, Findings: 4}
	if doc.Summary != wantSummary {
		t.Errorf("summary %+v, want %+v", doc.Summary, wantSummary)
	}
	if !strings.Contains(doc.Teams[2].Findings[0].Text, "1 active owner (and 1 invited") {
		t.Errorf("finding text: %s", doc.Teams[2].Findings[0].Text)
	}
}

func TestReviewExpiringWindow(t *testing.T) {
	tests := []struct {
		days  int
		flags []string
	}{
		{0, []string{"external", "expiring"}}, // default 30
		{5, []string{"external"}},
		{11, []string{"external", "expiring"}},
		{30, []string{"external", "expiring"}},
	}
	for _, tt := range tests {
		doc := Review(testInput(), ReviewOptions{ExpiringWithinDays: tt.days, GeneratedAt: testNow})
		r := findRow(t, doc, "acme", "mysite.com", "jane@agency.com", "guest")
		if !slices.Equal(r.Flags, tt.flags) {
			t.Errorf("within %d days: flags %v, want %v", tt.days, r.Flags, tt.flags)
		}
	}
	// gus expires on 2027-01-31: 68 days away.
	doc := Review(testInput(), ReviewOptions{ExpiringWithinDays: 90, GeneratedAt: testNow})
	if r := findRow(t, doc, "piwik-acme", "blog-app", "gus@partner.io", "guest"); !slices.Contains(r.Flags, FlagExpiring) {
		t.Errorf("gus within 90 days: flags %v", r.Flags)
	}
	if doc.ExpiringWithinDays != 90 {
		t.Errorf("expiring_within_days %d", doc.ExpiringWithinDays)
	}
}

// The CSV must read back, with encoding/csv, into exactly the rows'
// fields, the formula-like cells defused with an apostrophe.
func TestReviewCSVRoundTrip(t *testing.T) {
	doc := testReview()
	out := render(t, func(w io.Writer) error { return WriteReviewCSV(w, doc) })
	recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	if !slices.Equal(recs[0], CSVHeader) {
		t.Fatalf("header %v", recs[0])
	}
	var want [][]string
	for _, team := range doc.Teams {
		for _, r := range team.Rows {
			age := ""
			if r.InvitationAgeDays != nil {
				age = strconv.Itoa(*r.InvitationAgeDays)
			}
			want = append(want, []string{r.Team, r.Site, r.Person, r.Role, r.Kind, r.Via, r.Status, deref(r.Since), deref(r.Expires),
				deref(r.Ticket), deref(r.Reason), age, strings.Join(r.Flags, ";"), r.Address, deref(r.Sponsor), r.Pending})
		}
	}
	for _, rec := range want {
		for i, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				rec[i] = "'" + cell
			}
		}
	}
	// After the access rows: rows whose first cell starts with "#" (the
	// serial, sign-offs and changes since them).
	rows := recs[1:]
	for len(rows) > 0 && strings.HasPrefix(rows[len(rows)-1][0], "# ") {
		rows = rows[:len(rows)-1]
	}
	if got := recs[len(recs)-1]; len(recs) < 2 || got[0] != "# serial" && !strings.HasPrefix(got[0], "# ") {
		t.Errorf("no serial row at the end: %v", got)
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("CSV rows (-want +got):\n%s", d)
	}
	// The fixture's tricky cells, checked by name.
	var jane, old []string
	for _, rec := range recs {
		switch rec[2] {
		case "jane@agency.com":
			jane = rec
		case "old@agency.com":
			old = rec
		}
	}
	if jane == nil || jane[10] != janeReason {
		t.Errorf("jane's reason read back as %q", jane)
	}
	if old == nil || old[9] != "'"+oldTicket || old[10] != "'"+oldReason {
		t.Errorf("old's ticket and reason read back as %q", old)
	}
	if !bytes.Contains(out, []byte(`"Post-implementation support, ""phase 2""`+"\n"+`until the contract ends"`)) {
		t.Errorf("the reason is not quoted as RFC 4180 says:\n%s", out)
	}
}

func TestCSVSafe(t *testing.T) {
	tests := map[string]string{
		"":          "",
		"IAM-1":     "IAM-1",
		"=1+2":      "'=1+2",
		"+1":        "'+1",
		"-1":        "'-1",
		"@SUM(A1)":  "'@SUM(A1)",
		"\tx":       "'\tx",
		"\rx":       "'\rx",
		"a=b":       "a=b",
		"'already":  "'already",
		"*":         "*",
		"2026-06-0": "2026-06-0",
	}
	for in, want := range tests {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownEscape(t *testing.T) {
	tests := map[string]string{
		"plain text":         "plain text",
		"a|b":                `a\|b`,
		"line1\nline2":       "line1<br>line2",
		"crlf\r\nend":        "crlf<br>end",
		`back\slash`:         `back\\slash`,
		"<script>x</script>": `\<script\>x\</script\>`,
		"[link](http://x)":   `\[link\](http\://x)`,
		"*bold* `code`":      "\\*bold\\* \\`code\\`",
	}
	for in, want := range tests {
		if got := md(in); got != want {
			t.Errorf("md(%q) = %q, want %q", in, got, want)
		}
	}
	// No line of the review's tables is broken by the fixture's reason.
	out := string(render(t, func(w io.Writer) error { return WriteReviewMarkdown(w, testReview()) }))
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "until the contract") {
			t.Errorf("a newline in a reason broke a table row: %q", line)
		}
	}
	if !strings.Contains(out, `Post-implementation support, "phase 2"<br>until the contract ends`) {
		t.Error("the reason is not in the markdown as one cell")
	}
}

func TestSinceFromEvidence(t *testing.T) {
	const a, b = "grant/acme/mysite.com/jane@agency.com", "member/acme/alice@acme.com"
	rec := func(tm, action, addr string) *evidence.Record {
		return &evidence.Record{Time: tm, Action: action, Address: addr}
	}
	day := func(d int) time.Time { return time.Date(2026, 1, d, 12, 0, 0, 0, time.UTC) }
	ts := func(d int) string { return day(d).Format(time.RFC3339) }
	tests := []struct {
		name    string
		records []*evidence.Record
		want    map[string]time.Time
	}{
		{"none", nil, map[string]time.Time{}},
		{"create", []*evidence.Record{rec(ts(1), "create", a)}, map[string]time.Time{a: day(1)}},
		{"update keeps the earlier since", []*evidence.Record{rec(ts(1), "create", a), rec(ts(5), "update", a)}, map[string]time.Time{a: day(1)}},
		{"update alone starts it", []*evidence.Record{rec(ts(3), "update", a)}, map[string]time.Time{a: day(3)}},
		{"delete forgets", []*evidence.Record{rec(ts(1), "create", a), rec(ts(2), "delete", a)}, map[string]time.Time{}},
		{"delete then re-create", []*evidence.Record{rec(ts(1), "create", a), rec(ts(2), "delete", a), rec(ts(7), "create", a), rec(ts(9), "update", a)}, map[string]time.Time{a: day(7)}},
		{"addresses apart", []*evidence.Record{rec(ts(1), "create", a), rec(ts(2), "create", b), rec(ts(3), "delete", a)}, map[string]time.Time{b: day(2)}},
		{"adopt, import and confirm start access", []*evidence.Record{rec(ts(4), "adopt", a), rec(ts(5), "import", b), rec(ts(6), "confirm", a)}, map[string]time.Time{a: day(4), b: day(5)}},
		{"review records and bad times are skipped", []*evidence.Record{rec(ts(1), "review", ""), rec("yesterday", "create", a), rec(ts(2), "update", a), nil}, map[string]time.Time{a: day(2)}},
		{"offset times become UTC", []*evidence.Record{rec("2026-01-01T13:00:00+01:00", "create", a)}, map[string]time.Time{a: day(1)}},
		{"a move keeps the old address's since", []*evidence.Record{rec(ts(1), "create", b),
			{Time: ts(5), Action: "move", Address: "member/acme/alice@new.com", Why: "moved from " + b}}, map[string]time.Time{"member/acme/alice@new.com": day(1)}},
		{"forget forgets", []*evidence.Record{rec(ts(1), "create", a), rec(ts(2), "forget", a)}, map[string]time.Time{}},
		{"a failed attempt changes nothing", []*evidence.Record{rec(ts(1), "create", a), {Time: ts(2), Action: "delete", Address: a, Outcome: "failed"},
			{Time: ts(3), Action: "create", Address: b, Outcome: "failed"}}, map[string]time.Time{a: day(1)}},
		{"a removal waiting as a manual step keeps the access", []*evidence.Record{rec(ts(1), "create", a),
			{Time: ts(2), Action: "delete", Address: a, Outcome: "manual"}}, map[string]time.Time{a: day(1)}},
		{"a withdrawn removal keeps the since", []*evidence.Record{rec(ts(1), "create", a),
			{Time: ts(2), Action: "delete", Address: a, Outcome: "manual"}, rec(ts(3), "update", a)}, map[string]time.Time{a: day(1)}},
		{"a move waiting for the person keeps the since at both addresses", []*evidence.Record{rec(ts(1), "create", b),
			{Time: ts(5), Action: "move", Address: "member/acme/alice@new.com", Why: "moved from " + b, Outcome: "manual"}},
			map[string]time.Time{b: day(1), "member/acme/alice@new.com": day(1)}},
		{"a waiting move confirmed leaves the old address", []*evidence.Record{rec(ts(1), "create", b),
			{Time: ts(5), Action: "move", Address: "member/acme/alice@new.com", Why: "moved from " + b, Outcome: "manual"},
			{Time: ts(6), Action: "confirm", Address: b, Before: jsontext.Value(`{"role":"viewer"}`), After: jsontext.Value(`{"role":"viewer"}`)},
			rec(ts(9), "create", b)}, map[string]time.Time{b: day(9), "member/acme/alice@new.com": day(1)}},
		{"a grant waiting as a manual step begins when it is confirmed", []*evidence.Record{
			{Time: ts(2), Action: "create", Address: a, Outcome: "manual"},
			{Time: ts(4), Action: "create", Address: b, Outcome: "manual"},
			{Time: ts(6), Action: "confirm", Address: a, Before: jsontext.Value("null"), After: jsontext.Value(`{"role":"viewer"}`)}},
			map[string]time.Time{a: day(6)}},
		{"a removal confirmed ends it", []*evidence.Record{rec(ts(1), "create", a),
			{Time: ts(2), Action: "delete", Address: a, Outcome: "manual"},
			{Time: ts(3), Action: "confirm", Address: a, Before: jsontext.Value(`{"role":"viewer"}`), After: jsontext.Value("null")},
			rec(ts(8), "create", a)}, map[string]time.Time{a: day(8)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SinceFromEvidence(tt.records)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// A person's capabilities on a site are the union of their team role's,
// their own grant's and their groups' grants there.
func TestCapabilityUnion(t *testing.T) {
	in := testInput()
	tests := []struct {
		email, team, site string
		caps              string
		sources           string // how:role, in order
	}{
		{"erin@acme.com", "piwik-acme", "shop-app",
			"view_reports,export_data,edit_dashboards,edit_settings,manage_goals,manage_tags",
			"member:view group:analysts:edit"},
		{"erin@acme.com", "piwik-acme", "blog-app", "view_reports,export_data", "group:analysts:view"},
		{"frank@acme.com", "piwik-acme", "shop-app",
			"view_reports,export_data,edit_dashboards,edit_settings,manage_goals,manage_tags", "group:analysts:edit"},
		{"carol@acme.com", "piwik-acme", "shop-app",
			"view_reports,export_data,edit_dashboards,edit_settings,manage_goals,manage_integrations,manage_tags,publish_tags,manage_members,delete_site,create_sites",
			"member:owner"},
		{"kim@acme.com", "bw-posthog", "Production", "view_reports", "member:viewer"},
		{"kim@acme.com", "bw-posthog", "Staging",
			"view_reports,export_data,create_shared_links,edit_dashboards,edit_settings,manage_integrations,manage_members", "member:admin"},
		{"judy@acme.com", "bw-posthog", "Staging",
			"view_reports,export_data,create_shared_links,edit_dashboards,edit_settings,manage_integrations,manage_members,create_sites", "member:admin"},
		{"alice@acme.com", "acme", "staging.mysite.com", strings.Join(model.AllCaps.Strings(), ","), "member:owner"},
		{"jane@agency.com", "acme", "mysite.com", "view_reports,export_data,create_shared_links", "guest:viewer"},
		{"gus@partner.io", "piwik-acme", "blog-app",
			"view_reports,export_data,edit_dashboards,edit_settings,manage_goals,manage_tags,publish_tags,manage_members", "guest:manage"},
	}
	for _, tt := range tests {
		t.Run(tt.email+"/"+tt.site, func(t *testing.T) {
			doc := Access(in, tt.email)
			var s *AccessSite
			for _, team := range doc.Teams {
				for i := range team.Sites {
					if team.Team == tt.team && team.Sites[i].Site == tt.site {
						s = &team.Sites[i]
					}
				}
			}
			if s == nil {
				t.Fatalf("no access to %s/%s in %+v", tt.team, tt.site, doc.Teams)
			}
			if got := strings.Join(s.Capabilities, ","); got != tt.caps {
				t.Errorf("capabilities\n got %s\nwant %s", got, tt.caps)
			}
			var src []string
			for _, x := range s.Sources {
				src = append(src, x.How+":"+x.Role)
			}
			if got := strings.Join(src, " "); got != tt.sources {
				t.Errorf("sources %s, want %s", got, tt.sources)
			}
		})
	}
}

func TestAccessShape(t *testing.T) {
	in := testInput()
	// A member whose team role gives nothing sees only the sites where a
	// grant gives something; kim's team role is listed once per team.
	kim := Access(in, "KIM@acme.com")
	if kim.Email != "kim@acme.com" || len(kim.Teams) != 1 || kim.Teams[0].TeamRole == nil || kim.Teams[0].TeamRole.Role != "member" {
		t.Fatalf("kim: %+v", kim)
	}
	if len(kim.Teams[0].Sites) != 2 {
		t.Errorf("kim's sites: %+v", kim.Teams[0].Sites)
	}
	// An owner's team role covers every site of the team.
	alice := Access(in, "alice@acme.com")
	if len(alice.Teams) != 1 || len(alice.Teams[0].Sites) != 2 {
		t.Errorf("alice: %+v", alice.Teams)
	}
	// A guest has no team role; an invited one is marked.
	lee := Access(in, "lee@consult.example")
	if !lee.External || lee.Teams[0].TeamRole != nil || lee.Teams[0].Sites[0].Sources[0].Status != "invited" {
		t.Errorf("lee: %+v", lee.Teams)
	}
	// Expired access still in the state is shown as expired.
	old := Access(in, "old@agency.com")
	if src := old.Teams[0].Sites[0].Sources[0]; !src.Expired {
		t.Errorf("old's expired grant: %+v", src)
	}
	// Groups are listed.
	if frank := Access(in, "frank@acme.com"); !slices.Equal(frank.Teams[0].Groups, []string{"analysts"}) {
		t.Errorf("frank's groups: %v", frank.Teams[0].Groups)
	}
	nobody := Access(in, "nobody@acme.com")
	if len(nobody.Teams) != 0 || nobody.Teams == nil {
		t.Errorf("nobody: %+v", nobody)
	}
	text := render(t, func(w io.Writer) error { return WriteAccessText(w, nobody) })
	if string(text) != "nobody@acme.com has no access in the state.\n" {
		t.Errorf("no-access text: %q", text)
	}
}

func TestWhoCan(t *testing.T) {
	in := testInput()
	tests := []struct {
		name   string
		cap    model.Capability
		filter WhoCanFilter
		want   []string // person team site via status
	}{
		{"manage_members everywhere", model.ManageMembers, WhoCanFilter{}, []string{
			"alice@acme.com acme * member active",
			"bob@acme.com acme * member active",
			"heidi@acme.com bw-posthog * member active",
			"ivan@acme.com bw-posthog * member active",
			"judy@acme.com bw-posthog * member active",
			"kim@acme.com bw-posthog Staging member active",
			"carol@acme.com piwik-acme * member active",
			"dan@acme.com piwik-acme * member invited",
			"gus@partner.io piwik-acme blog-app guest active",
		}},
		{"team filter", model.ManageMembers, WhoCanFilter{Team: "bw-posthog"}, []string{
			"heidi@acme.com bw-posthog * member active",
			"ivan@acme.com bw-posthog * member active",
			"judy@acme.com bw-posthog * member active",
			"kim@acme.com bw-posthog Staging member active",
		}},
		{"bare site name: team roles show the site", model.ViewReports, WhoCanFilter{Site: "Production"}, []string{
			"heidi@acme.com bw-posthog Production member active",
			"ivan@acme.com bw-posthog Production member active",
			"judy@acme.com bw-posthog Production member active",
			"kim@acme.com bw-posthog Production member active",
			"lee@consult.example bw-posthog Production guest invited",
		}},
		{"TEAM/SITE", model.EditDashboards, WhoCanFilter{Site: "piwik-acme/shop-app"}, []string{
			"carol@acme.com piwik-acme shop-app member active",
			"dan@acme.com piwik-acme shop-app member invited",
			"erin@acme.com piwik-acme shop-app group:analysts active",
			"frank@acme.com piwik-acme shop-app group:analysts active",
		}},
		{"site and team disagree", model.ViewReports, WhoCanFilter{Team: "acme", Site: "piwik-acme/shop-app"}, nil},
		{"site not in team", model.ViewReports, WhoCanFilter{Team: "acme", Site: "Production"}, nil},
		{"wildcard: every capability", model.Wildcard, WhoCanFilter{}, []string{
			"alice@acme.com acme * member active",
		}},
		{"guest grant", model.CreateSharedLinks, WhoCanFilter{Site: "acme/mysite.com"}, []string{
			"alice@acme.com acme mysite.com member active",
			"bob@acme.com acme mysite.com member active",
			"jane@agency.com acme mysite.com guest active",
		}},
		{"nobody", model.TransferSite, WhoCanFilter{Team: "piwik-acme"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := WhoCan(in, tt.cap, tt.filter)
			var got []string
			for _, r := range doc.Rows {
				got = append(got, strings.Join([]string{r.Person, r.Team, r.Site, r.Via, r.Status}, " "))
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if doc.Rows == nil {
				t.Error("rows is nil; JSON needs []")
			}
		})
	}
	text := render(t, func(w io.Writer) error {
		return WriteWhoCanText(w, WhoCan(in, model.TransferSite, WhoCanFilter{Site: "Production"}))
	})
	if string(text) != "Nobody holds transfer_site.\n" {
		t.Errorf("empty who-can text: %q", text)
	}
}

// A state the platforms do not describe (a team on an unknown platform, a
// grant on a site or of a group the state lacks, a role the profile does
// not have) still gives a report, never a panic.
func TestIncompleteState(t *testing.T) {
	objs := []*model.Object{
		team("odd", "matomo"),
		member("odd", "a@acme.com", "superuser", "T-1", ""),
		grant("odd", "ghost-site", "b@x.io", "view", model.HolderGuest, ""),
		groupGrant("odd", "ghost-site", "nogroup", "view", ""),
		member("orphan", "c@acme.com", "owner", "", model.StatusActive),
		grant("acme", "mysite.com", "d@acme.com", "no_such_role", model.HolderMember, "T-2"),
		team("acme", "plausible"),
	}
	model.SortObjects(objs)
	in := Input{Objects: objs, Platforms: testPlatforms(), Now: testNow}
	doc := Review(in, ReviewOptions{GeneratedAt: testNow})
	if len(doc.Teams) != 3 || doc.Summary.Rows != 5 {
		t.Fatalf("teams %d rows %d", len(doc.Teams), doc.Summary.Rows)
	}
	for _, team := range doc.Teams {
		if len(team.Findings) != 0 && team.Team != "acme" {
			t.Errorf("%s: findings %v on a platform without a known owner role", team.Team, team.Findings)
		}
	}
	if doc.Teams[0].Team != "acme" || len(doc.Teams[0].Sites) != 1 || doc.Teams[0].Sites[0].Name != "mysite.com" {
		t.Errorf("the grant's missing site is not shown: %+v", doc.Teams[0].Sites)
	}
	if r := findRow(t, doc, "odd", "*", "a@acme.com", "member"); r.Status != "active" {
		t.Errorf("a missing status reads as %q, want active", r.Status)
	}
	if w := WhoCan(in, model.ViewReports, WhoCanFilter{}); len(w.Rows) != 0 {
		t.Errorf("unknown roles give capabilities: %+v", w.Rows)
	}
	d := Access(in, "d@acme.com")
	if len(d.Teams) != 1 || len(d.Teams[0].Sites) != 1 || len(d.Teams[0].Sites[0].Capabilities) != 0 {
		t.Errorf("d: %+v", d.Teams)
	}
	for _, w := range []func(io.Writer) error{
		func(w io.Writer) error { return WriteReviewMarkdown(w, doc) },
		func(w io.Writer) error { return WriteReviewCSV(w, doc) },
		func(w io.Writer) error { return WriteAccessText(w, d) },
	} {
		render(t, w)
	}
}

// The JSON reports escape what JSON must and U+2028 and U+2029, nothing
// else (HTML stays as it is), and read back as the document they were
// written from, invalid UTF-8 turned into U+FFFD.
func TestJSONEscapesAndReadsBack(t *testing.T) {
	nasty := []string{
		"plain", "", `quote " and \ backslash`, "<b>&amp;</b>", "tab\tnl\ncr\rbs\bff\f", "\x00\x01\x1f\x7f",
		"ünïcødé ✓ 🙂", "line\u2028para\u2029", "bad \xff\xfe utf8", "trunc \xe2\x82",
	}
	in := testInput()
	for i, s := range nasty {
		o := grant("acme", "mysite.com", fmt.Sprintf("n%d@x.io", i), "viewer", model.HolderGuest, s)
		o.Reason = s
		o.Role = s
		in.Objects = append(in.Objects, o)
	}
	model.SortObjects(in.Objects)
	// Each byte of invalid UTF-8 becomes one U+FFFD, as strings.Map does.
	valid := func(s string) string { return strings.Map(func(r rune) rune { return r }, s) }
	review := Review(in, ReviewOptions{GeneratedAt: testNow})
	out := render(t, func(w io.Writer) error { return WriteReviewJSON(w, review) })
	for _, want := range []string{`"<b>&amp;</b>"`, `"line\u2028para\u2029"`, `"tab\tnl\ncr\rbs\bff\f"`, `"\u0000\u0001\u001f` + "\x7f\""} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("review JSON lacks %s", want)
		}
	}
	var back ReviewDoc
	if err := jsonv2.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	for _, team := range review.Teams {
		for i := range team.Rows {
			r := &team.Rows[i]
			r.Role = valid(r.Role)
			for _, p := range []*string{r.Reason, r.Ticket} {
				if p != nil {
					*p = valid(*p)
				}
			}
		}
	}
	if diff := cmp.Diff(review, &back); diff != "" {
		t.Errorf("review read back (-wrote +read):\n%s", diff)
	}
	who := WhoCan(in, model.ViewReports, WhoCanFilter{})
	out = render(t, func(w io.Writer) error { return WriteWhoCanJSON(w, who) })
	var whoBack WhoCanDoc
	if err := jsonv2.Unmarshal(out, &whoBack); err != nil {
		t.Fatal(err)
	}
	for i := range who.Rows {
		who.Rows[i].Role = valid(who.Rows[i].Role)
	}
	if diff := cmp.Diff(who, &whoBack); diff != "" {
		t.Errorf("who-can read back (-wrote +read):\n%s", diff)
	}
}

// failWriter fails after n bytes.
type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, io.ErrClosedPipe
	}
	f.n -= len(p)
	return len(p), nil
}

func TestWriteErrors(t *testing.T) {
	doc := Review(bigInput(2, 50, 5), ReviewOptions{GeneratedAt: testNow})
	in := testInput()
	for name, write := range map[string]func(io.Writer) error{
		"review json":     func(w io.Writer) error { return WriteReviewJSON(w, doc) },
		"review csv":      func(w io.Writer) error { return WriteReviewCSV(w, doc) },
		"review markdown": func(w io.Writer) error { return WriteReviewMarkdown(w, doc) },
		"who-can json":    func(w io.Writer) error { return WriteWhoCanJSON(w, WhoCan(in, model.ViewReports, WhoCanFilter{})) },
		"who-can text":    func(w io.Writer) error { return WriteWhoCanText(w, WhoCan(in, model.ViewReports, WhoCanFilter{})) },
		"access json":     func(w io.Writer) error { return WriteAccessJSON(w, Access(in, "erin@acme.com")) },
		"access text":     func(w io.Writer) error { return WriteAccessText(w, Access(in, "erin@acme.com")) },
	} {
		if err := write(&failWriter{n: 100}); err == nil {
			t.Errorf("%s: a failing writer gave no error", name)
		}
	}
}

// Each source adds its own capabilities: a team role, an own grant and two
// groups' grants, on a declared platform where every role differs.
func TestCapabilityUnionThreeSources(t *testing.T) {
	custom := &model.Platform{
		Name: "custom", Groups: true, MemberGrants: true,
		TeamRoles: []*model.Role{role("analyst", model.TeamRole, 0, model.ViewReports)},
		SiteRoles: []*model.Role{
			role("exporter", model.SiteRole, 0, model.ExportData),
			role("tagger", model.SiteRole, 1, model.ManageTags),
			role("linker", model.SiteRole, 2, model.CreateSharedLinks, model.ExportData),
		},
	}
	objs := []*model.Object{
		team("c", "custom"),
		site("c", "s1", ""),
		site("c", "s2", ""),
		member("c", "p@acme.com", "analyst", "T", model.StatusActive),
		{Addr: model.GroupAddress("c", "g1"), Members: []string{"P@Acme.com"}},
		{Addr: model.GroupAddress("c", "g2"), Members: []string{"p@acme.com", "q@acme.com"}},
		grant("c", "s1", "p@acme.com", "exporter", model.HolderMember, "T"),
		groupGrant("c", "s1", "g1", "tagger", "T"),
		groupGrant("c", "s1", "g2", "linker", "T"),
		groupGrant("c", "s2", "g2", "tagger", "T"),
	}
	model.SortObjects(objs)
	in := Input{Objects: objs, Platforms: map[string]*model.Platform{"custom": custom}, Now: testNow}
	tests := []struct {
		email, site string
		caps        string
		sources     string
	}{
		{"p@acme.com", "s1", "view_reports,export_data,create_shared_links,manage_tags", "member:analyst member:exporter group:g1:tagger group:g2:linker"},
		{"p@acme.com", "s2", "view_reports,manage_tags", "member:analyst group:g2:tagger"},
		{"q@acme.com", "s1", "export_data,create_shared_links", "group:g2:linker"},
		{"q@acme.com", "s2", "manage_tags", "group:g2:tagger"},
	}
	for _, tt := range tests {
		doc := Access(in, tt.email)
		if len(doc.Teams) != 1 {
			t.Fatalf("%s: teams %+v", tt.email, doc.Teams)
		}
		var found bool
		for _, s := range doc.Teams[0].Sites {
			if s.Site != tt.site {
				continue
			}
			found = true
			var src []string
			for _, x := range s.Sources {
				src = append(src, x.How+":"+x.Role)
			}
			if got := strings.Join(s.Capabilities, ","); got != tt.caps {
				t.Errorf("%s on %s: capabilities %s, want %s", tt.email, tt.site, got, tt.caps)
			}
			if got := strings.Join(src, " "); got != tt.sources {
				t.Errorf("%s on %s: sources %s, want %s", tt.email, tt.site, got, tt.sources)
			}
		}
		if !found {
			t.Errorf("%s: no access to %s", tt.email, tt.site)
		}
	}
	// who-can agrees: p holds manage_tags on s1 through g1 and on s2
	// through g2, q on s2.
	var got []string
	for _, r := range WhoCan(in, model.ManageTags, WhoCanFilter{}).Rows {
		got = append(got, r.Person+" "+r.Site+" "+r.Via)
	}
	want := []string{"p@acme.com s1 group:g1", "p@acme.com s2 group:g2", "q@acme.com s2 group:g2"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("who-can manage_tags (-want +got):\n%s", d)
	}
}

// TestReviewSponsors: review shows each person's sponsor, and flags
// the rows of people whose sponsor is no longer an active person of the
// directory (schema/language.md, sponsor_required).
func TestReviewSponsors(t *testing.T) {
	in := testInput()
	in.Sponsors = map[string]string{"jane@agency.com": "carol@acme.com", "lee@consult.example": "erin@acme.com"}
	in.People = &model.Directory{File: "people.csv", People: map[string]model.DirectoryPerson{
		"carol@acme.com": {Email: "carol@acme.com", Status: model.PersonLeft},
		"erin@acme.com":  {Email: "erin@acme.com", Status: model.PersonActive},
	}}
	doc := Review(in, ReviewOptions{GeneratedAt: testNow})
	seen := map[string]bool{}
	for _, team := range doc.Teams {
		for _, r := range team.Rows {
			want, named := in.Sponsors[r.Person]
			switch {
			case !named && r.Sponsor != nil:
				t.Errorf("%s: sponsor %q, none named", r.Address, *r.Sponsor)
			case named && (r.Sponsor == nil || *r.Sponsor != want):
				t.Errorf("%s: sponsor %v, want %s", r.Address, r.Sponsor, want)
			}
			left := slices.Contains(r.Flags, FlagSponsorLeft)
			if left != (named && want == "carol@acme.com") {
				t.Errorf("%s: flags %v", r.Address, r.Flags)
			}
			if named {
				seen[r.Person] = true
			}
		}
	}
	if !seen["jane@agency.com"] || !seen["lee@consult.example"] {
		t.Fatalf("the fixture's sponsored people are missing: %v", seen)
	}
	// Without a directory nobody is flagged, but sponsors still show.
	in.People = nil
	for _, team := range Review(in, ReviewOptions{GeneratedAt: testNow}).Teams {
		for _, r := range team.Rows {
			if slices.Contains(r.Flags, FlagSponsorLeft) {
				t.Errorf("%s flagged sponsor_left without a directory", r.Address)
			}
		}
	}
	md := render(t, func(w io.Writer) error { return WriteReviewMarkdown(w, doc) })
	if !bytes.Contains(md, []byte("jane@agency.com (sponsor carol@acme.com)")) || !bytes.Contains(md, []byte("sponsor_left")) {
		t.Errorf("the markdown review does not show jane's sponsor and flag:\n%s", md)
	}
	js := render(t, func(w io.Writer) error { return WriteReviewJSON(w, doc) })
	if err := schematest.Compile(t, "review.schema.json").Validate(schematest.Instance(t, js)); err != nil {
		t.Errorf("the review with sponsors does not match its schema: %v", err)
	}
}

// The JSON reports stream: a review of 10,000 rows reaches the writer in
// many pieces, none of them anywhere near the whole document.
func TestJSONStreams(t *testing.T) {
	in := bigInput(10, 100, 10)
	for name, doc := range map[string]any{
		"review":  Review(in, ReviewOptions{GeneratedAt: testNow}),
		"who-can": WhoCan(in, model.ViewReports, WhoCanFilter{}),
	} {
		var w streamtest.Writer
		if err := writeJSON(&w, doc); err != nil {
			t.Fatal(err)
		}
		if !w.Streamed() {
			t.Errorf("%s: %v: the document was not streamed", name, &w)
		}
	}
}
