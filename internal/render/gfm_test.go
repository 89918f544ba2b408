package render

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/roster-dev/roster/internal/mdtext/gfmtest"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// The markdown plan is read by reviewers as GitHub renders it, and a
// pull-request author controls much of its text (addresses, roles,
// reasons, tickets, whys, diagnostics, manual steps). These tests render
// plans with cmark-gfm, GitHub's own Markdown renderer (github/cmark-gfm),
// rather than checking the escaping against our reading of GFM: whatever the
// author writes, every change keeps its row, the <details> block holds every
// change and ends the comment, the text reads as written, and no text
// becomes an element (a link, an image, raw HTML, a comment, a table).

// planElements are the elements the markdown plan's template makes, with
// the attributes each may carry. Anything else in the rendered comment came
// from the plan's text.
var planElements = gfmtest.Allow{
	"h3": nil, "h4": nil, "p": nil, "strong": nil, "ul": nil, "li": nil,
	"table": nil, "thead": nil, "tbody": nil, "tr": nil,
	"th": {"align": ""}, "td": {"align": ""},
	"code": {"class": "language-diff"}, "pre": nil, "details": nil, "summary": nil,
	// Only as an autolink of an email (checked by gfmtest.Body): its
	// text is its target, so it hides nothing.
	"a": {"href": ""},
}

// checkGFMPlan renders p's markdown through cmark-gfm and checks the whole
// comment, block by block, against the plan: each list shows its first
// items as written, and its cut line says how many more there are.
func checkGFMPlan(t *testing.T, bin string, p *plan.Plan, md []byte) {
	t.Helper()
	v := newView(p)
	blocks := gfmtest.NewBlocks(t, gfmtest.Body(t, bin, md, planElements), "the comment")
	next := blocks.Next
	// cutAt is how many of total items a cut line next in b leaves out
	// (consuming it), 0 without one; what is the cut line's noun.
	cutAt := func(b *gfmtest.Blocks, what string, total int) int {
		t.Helper()
		n := b.Peek("p")
		if n == nil {
			return 0
		}
		m := cutRE.FindStringSubmatch(gfmtest.Text(n))
		if m == nil || m[0] != gfmtest.Text(n) || m[2] != what {
			return 0
		}
		b.Take("p")
		left, _ := strconv.Atoi(m[1])
		if left <= 0 || left > total {
			t.Errorf("cut line %q of %d %s", m[0], total, what)
		}
		return left
	}
	same := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s reads\n%q\nwant\n%q", what, got, want)
		}
	}
	// list checks a section's list, or its cut line alone: its items
	// read as want(k) for the first ones.
	list := func(what string, total int, want func(k int) string) {
		t.Helper()
		var items []*html.Node
		if ul := blocks.Take("ul"); ul != nil {
			items = gfmtest.Children(ul, "li")
		}
		if shown := total - cutAt(blocks, what, total); len(items) != shown {
			t.Errorf("%d %s shown, want %d", len(items), what, shown)
		}
		for k := range min(len(items), total) {
			same(what+" "+strconv.Itoa(k), gfmtest.Text(items[k]), want(k))
		}
	}
	// rows are a table's rows below its header, each with want cells.
	rows := func(table *html.Node, what string, want int) [][]*html.Node {
		t.Helper()
		var out [][]*html.Node
		for _, sec := range gfmtest.Children(table, "") {
			for _, tr := range gfmtest.Children(sec, "tr") {
				cells := gfmtest.Children(tr, "")
				if len(cells) != want {
					t.Errorf("%s: row %q has %d cells, want %d", what, gfmtest.Text(tr), len(cells), want)
				}
				if sec.Data == "tbody" {
					out = append(out, cells)
				}
			}
		}
		return out
	}

	same("heading", gfmtest.Text(next("h3", "heading")), "roster plan")
	same("summary", gfmtest.Text(next("p", "summary")), summaryLine(v))

	if len(p.Changes) > 0 {
		risks := 0
		for _, n := range v.riskCounts {
			if n > 0 {
				risks++
			}
		}
		want := []string{"create", "update", "delete"}
		if v.mov > 0 {
			want = append(want, "move")
		}
		want = append(want, "total")
		body := rows(next("table", "counts"), "counts", 2+risks)
		if len(body) != len(want) {
			t.Errorf("counts table has %d rows, want %d", len(body), len(want))
		}
		for k := range min(len(body), len(want)) {
			same("counts row", gfmtest.Text(body[k][0]), want[k])
		}
	}

	if len(p.Diagnostics) > 0 {
		same("warnings heading", gfmtest.Text(next("h4", "warnings")), "Warnings and notes")
		list("warnings and notes", len(p.Diagnostics), func(k int) string {
			d := &p.Diagnostics[k]
			want := string(d.Severity)
			if d.Range != nil {
				want += " " + gfmtest.CodeOf(d.Range.Filename+":"+strconv.Itoa(d.Range.Start.Line))
			}
			want += ": " + gfmtest.TextOf(d.Summary)
			if d.Detail != "" {
				want += " — " + gfmtest.TextOf(d.Detail)
			}
			return strings.TrimRight(want, " ")
		})
	}

	var risky []int
	for _, i := range v.changes {
		if len(v.changeRiskSort[i]) > 0 {
			risky = append(risky, i)
		}
	}
	if len(risky) > 0 {
		same("risky heading", gfmtest.Text(next("h4", "risky")), "Risky changes")
		var body [][]*html.Node
		if table := blocks.Take("table"); table != nil {
			body = rows(table, "risky changes", 5)
		}
		if shown := len(risky) - cutAt(blocks, "risky changes", len(risky)); len(body) != shown {
			t.Errorf("risky table has %d rows, want %d", len(body), shown)
		}
		for k := range min(len(body), len(risky)) {
			c := &p.Changes[risky[k]]
			cells := body[k]
			if len(cells) != 5 {
				continue
			}
			addr := v.changeAddrs[risky[k]]
			code := gfmtest.Children(cells[0], "code")
			if len(code) != 1 {
				t.Errorf("address cell %q of %q is not one code span", gfmtest.Text(cells[0]), addr)
			} else {
				same("address cell", gfmtest.Text(code[0]), gfmtest.CodeOf(addr))
			}
			same("action cell of "+addr, gfmtest.Text(cells[1]), string(c.Action))
			var rs []string
			for _, r := range v.changeRiskSort[risky[k]] {
				rs = append(rs, gfmtest.TextOf(string(r)))
			}
			same("risks cell of "+addr, gfmtest.Text(cells[2]), strings.Trim(strings.Join(rs, ", "), " "))
			role := "—"
			if c.Addr.Kind == model.KindMember || c.Addr.Kind == model.KindGrant {
				side := func(o *model.Object) string {
					if o == nil || o.Role == "" {
						return "—"
					}
					return gfmtest.CodeOf(o.Role)
				}
				role = side(c.Before) + " → " + side(c.After)
			}
			same("role cell of "+addr, gfmtest.Text(cells[3]), role)
			same("why cell of "+addr, gfmtest.Text(cells[4]), strings.Trim(gfmtest.TextOf(c.Why), " "))
		}
	}

	if len(v.followUps) > 0 {
		same("follow-up heading", gfmtest.Text(next("h4", "follow-ups")), "Follow-up tasks")
		list("follow-up tasks", len(v.followUps), func(k int) string {
			f := &p.FollowUps[v.followUps[k]]
			return gfmtest.CodeOf(v.followUpAddrs[v.followUps[k]]) + ": " + gfmtest.TextOf(f.Text) + " (" + gfmtest.CodeOf(f.Task) + ")"
		})
	}

	if len(p.Upcoming) > 0 {
		same("manual steps heading", gfmtest.Text(next("h4", "manual steps")), "Manual steps this plan makes")
		list("manual steps", len(p.Upcoming), func(k int) string {
			m := &p.Upcoming[k]
			return strings.TrimRight(gfmtest.CodeOf(m.Addr.String())+" ("+gfmtest.TextOf(m.Change)+"): "+gfmtest.TextOf(m.Text), " ")
		})
	}

	// block checks a ```diff block of the first of total items, or its cut
	// line alone, next in b.
	block := func(b *gfmtest.Blocks, what string, total int, item func(k int) []byte) {
		t.Helper()
		got := b.Take("pre")
		shown := total - cutAt(b, what, total)
		if got == nil {
			if shown != 0 {
				t.Errorf("no %s block, want %d", what, shown)
			}
			return
		}
		var want []byte
		for k := range shown {
			want = append(want, item(k)...)
		}
		same(what+" block", gfmtest.Text(got), string(want))
	}

	if len(v.drift) > 0 {
		same("drift heading", gfmtest.Text(next("h4", "drift")), "Changes outside roster")
		block(blocks, "changes outside roster", len(v.drift), func(k int) []byte {
			return appendDrift(nil, &p.Drift[v.drift[k]], v.driftAddrs[v.drift[k]], style{diff: true})
		})
	}

	if len(p.Manual) > 0 {
		same("manual line", gfmtest.Text(next("p", "manual line")), manualLine(len(p.Manual)))
	}

	if len(p.Changes) > 0 {
		parts := gfmtest.NewBlocks(t, next("details", "changes"), "the details block")
		same("details summary", gfmtest.Text(parts.Next("summary", "details summary")), plural(len(p.Changes), "change", "changes"))
		block(parts, "changes", len(v.changes), func(k int) []byte {
			var r []byte
			if k > 0 {
				r = append(r, '\n')
			}
			r, _ = appendChange(r, &p.Changes[v.changes[k]], v.changeAddrs[v.changes[k]], v.changeRiskSort[v.changes[k]], style{diff: true}, nil)
			return r
		})
		parts.End()
	}
	blocks.End()
}

// hostilePlan builds a plan with s in every field a configuration or a
// platform can set: addresses (team, site, email, group), roles, reasons,
// tickets, whys, risks, diagnostics and their file names, follow-ups,
// manual steps and drift. Change i is of a kind chosen by i.
func hostilePlan(ss []string) *plan.Plan {
	p := basePlan()
	for i, s := range ss {
		var c plan.Change
		switch i % 6 {
		case 0:
			c = create(team(s, func(o *model.Object) { o.Platform, o.DisplayName, o.SSO = "plausible", s, s }))
		case 1:
			c = modify(site("acme", s, func(o *model.Object) { o.Environment, o.RemoteID = s, "1" }),
				site("acme", s, func(o *model.Object) { o.Environment, o.RemoteID = s, s }))
		case 2:
			c = remove(member(s, s, s, func(o *model.Object) { o.Reason, o.Ticket, o.Expires = s, s, s }))
		case 3:
			c = modify(grant(s, s, s, "viewer", nil), grant(s, s, s, s, func(o *model.Object) { o.Reason, o.Ticket = s, s }))
		case 4:
			after := grant("acme", s, s+"@new", s, nil)
			before := grant("acme", s, s, s, nil)
			c = plan.Change{Addr: after.Addr, Action: plan.Move, Before: before, After: after,
				Moving: &plan.Moving{From: before.Addr, Carried: []*model.Object{member("acme", s, s, nil)}}}
		case 5:
			c = create(&model.Object{Addr: model.GroupGrantAddress(s, s, s), Role: s, HolderKind: model.HolderGroup, Status: model.StatusActive})
		}
		c.Why = s
		switch i % 4 {
		case 0:
			c.Risks = []plan.Risk{plan.RiskRemoval, plan.Risk(s)}
		case 1, 2:
			c.Risks = []plan.Risk{plan.RiskExternal}
		}
		p.Changes = append(p.Changes, c)

		d := plan.Diagnostic{Severity: plan.SeverityWarning, Summary: s}
		if i%2 == 0 {
			d.Severity, d.Detail = plan.SeverityNote, s
		}
		if i%3 != 0 {
			d.Range = &plan.Range{Filename: s, Start: plan.Pos{Line: i + 1}}
		}
		p.Diagnostics = append(p.Diagnostics, d)
		p.FollowUps = append(p.FollowUps, plan.FollowUp{Site: model.SiteAddress(s, s), Task: s, Text: s})
		p.Upcoming = append(p.Upcoming, plan.Manual{Addr: model.MemberAddress("acme", s), Change: s, Text: s})
		switch i % 3 {
		case 0:
			p.Drift = append(p.Drift, plan.Drift{Addr: model.MemberAddress(s, s),
				Before: member(s, s, s, nil), After: member(s, s, s+"x", nil)})
		case 1:
			p.Drift = append(p.Drift, plan.Drift{Addr: model.GroupAddress(s, s), After: group(s, s, s, s)})
		case 2:
			p.Drift = append(p.Drift, plan.Drift{Addr: model.SiteAddress(s, s), Before: site(s, s, func(o *model.Object) { o.RemoteID = s })})
		}
		p.Manual = append(p.Manual, plan.Manual{Addr: model.MemberAddress("acme", s), Change: "create", Text: s})
	}
	return p
}

// gfmUncut is a limit no test plan reaches, so every list is shown whole.
var gfmUncut = MarkdownOptions{Limit: 1 << 30}

func writeMarkdown(t testing.TB, p *plan.Plan, opts MarkdownOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, p, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGFMGolden: the golden plans read as they should on GitHub.
func TestGFMGolden(t *testing.T) {
	bin := gfmtest.Bin(t)
	for name, mk := range plans {
		t.Run(name, func(t *testing.T) {
			p := mk()
			checkGFMPlan(t, bin, p, writeMarkdown(t, p, MarkdownOptions{}))
		})
	}
}

// TestGFMHostile: all hostile strings in one plan, each in every field,
// then each alone ahead of the full plan, so that whatever follows a
// hostile text is checked too: all read as written, every change in place.
func TestGFMHostile(t *testing.T) {
	bin := gfmtest.Bin(t)
	p := hostilePlan(gfmtest.Hostile)
	checkGFMPlan(t, bin, p, writeMarkdown(t, p, gfmUncut))
	// Each string once more before an ordinary plan: nothing after it is lost.
	for k, s := range gfmtest.Hostile {
		if testing.Short() && k%4 != 0 {
			continue
		}
		t.Run(strconv.Itoa(k), func(t *testing.T) {
			p := fullPlan()
			h := hostilePlan([]string{s, s, s, s, s, s})
			p.Changes = append(h.Changes, p.Changes...)
			p.Diagnostics = append(h.Diagnostics, p.Diagnostics...)
			p.FollowUps = append(h.FollowUps, p.FollowUps...)
			p.Upcoming = append(h.Upcoming, p.Upcoming...)
			p.Drift = append(h.Drift, p.Drift...)
			checkGFMPlan(t, bin, p, writeMarkdown(t, p, gfmUncut))
		})
	}
}

// TestGFMHostileCut: cut to fit GitHub's limit or a small one, every
// list still shows its first items as written, then its cut line.
func TestGFMHostileCut(t *testing.T) {
	bin := gfmtest.Bin(t)
	for _, limit := range []int{0, 20000, 4000, 1000} {
		t.Run(strconv.Itoa(limit), func(t *testing.T) {
			p := hostilePlan(gfmtest.Hostile)
			md := writeMarkdown(t, p, MarkdownOptions{Limit: limit})
			if !cutRE.Match(md) {
				t.Fatalf("limit %d cut nothing", limit)
			}
			checkGFMPlan(t, bin, p, md)
		})
	}
}

// TestGFMRandomHostile: many random hostile strings, a plan of a few
// hundred per seed rendered in one cmark-gfm run, checked as above.
func TestGFMRandomHostile(t *testing.T) {
	bin := gfmtest.Bin(t)
	seeds, n := uint64(24), 300
	if testing.Short() {
		seeds = 4
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			p := hostilePlan(gfmtest.RandomHostile(seed, n))
			checkGFMPlan(t, bin, p, writeMarkdown(t, p, gfmUncut))
		})
	}
}
