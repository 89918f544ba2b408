package report

import (
	"bytes"
	"html/template"
	"io"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/roster-dev/roster/internal/model"
)

func TestReviewHTMLGolden(t *testing.T) {
	for _, c := range []struct {
		file string
		doc  *ReviewDoc
	}{
		{"review.html", testReview()},
		{"review-empty.html", Review(Input{Now: testNow}, ReviewOptions{GeneratedAt: testNow})},
	} {
		t.Run(c.file, func(t *testing.T) {
			got := render(t, func(w io.Writer) error { return WriteReviewHTML(w, c.doc) })
			golden(t, c.file, got)
			if again := render(t, func(w io.Writer) error { return WriteReviewHTML(w, c.doc) }); !bytes.Equal(got, again) {
				t.Error("a second rendering differs")
			}
			checkSelfContained(t, got)
		})
	}
}

// voidElements have no end tag.
var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// forbidden are elements that run code or fetch something.
var forbidden = map[string]bool{"script": true, "link": true, "img": true, "iframe": true, "object": true, "embed": true, "base": true,
	"frame": true, "audio": true, "video": true, "source": true, "image": true, "use": true, "foreignobject": true, "form": true}

// checkSelfContained tokenizes page: every element is closed in order
// (well-formed), and nothing runs a script or reaches outside the page.
func checkSelfContained(t *testing.T, page []byte) {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(page))
	var stack []string
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				t.Fatalf("tokenizer: %v", z.Err())
			}
			break
		}
		tok := z.Token()
		name := strings.ToLower(tok.Data)
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			if forbidden[name] {
				t.Errorf("forbidden element <%s>", name)
			}
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(key, "on"):
					t.Errorf("<%s> has an event handler %s", name, key)
				case key == "href" || strings.HasSuffix(key, ":href"):
					if !strings.HasPrefix(a.Val, "#") {
						t.Errorf("<%s> links outside the page: %s=%q", name, key, a.Val)
					}
				case key == "src" || key == "srcset" || key == "action" || key == "formaction" || key == "poster" || key == "data" || key == "style":
					t.Errorf("<%s> has attribute %s=%q", name, key, a.Val)
				case key == "http-equiv":
					t.Errorf("<meta http-equiv=%q>", a.Val)
				}
			}
			if tt == html.StartTagToken && !voidElements[name] {
				stack = append(stack, name)
			}
		case html.EndTagToken:
			if len(stack) == 0 || stack[len(stack)-1] != name {
				t.Fatalf("</%s> does not close the open element (open: %v)", name, stack)
			}
			stack = stack[:len(stack)-1]
		case html.TextToken:
			if len(stack) > 0 && stack[len(stack)-1] == "style" {
				css := strings.ToLower(tok.Data)
				for _, bad := range []string{"url(", "@import", "@font-face", "expression("} {
					if strings.Contains(css, bad) {
						t.Errorf("the style sheet uses %s", bad)
					}
				}
			}
		}
	}
	if len(stack) > 0 {
		t.Fatalf("elements left open: %v", stack)
	}
	if !bytes.HasPrefix(page, []byte("<!DOCTYPE html>\n")) {
		t.Error("no doctype")
	}
	if !bytes.Contains(page, []byte("@media print")) {
		t.Error("no print style")
	}
}

// parse parses page into a tree.
func parse(t *testing.T, page []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	for _, t := range findAll(n, func(n *html.Node) bool { return n.Type == html.TextNode }) {
		b.WriteString(t.Data)
	}
	return b.String()
}

func TestReviewHTMLStructure(t *testing.T) {
	page := render(t, func(w io.Writer) error { return WriteReviewHTML(w, testReview()) })
	root := parse(t, page)

	// The attention table comes first and holds only flagged rows; every
	// team table has its flagged rows first.
	sections := findAll(root, func(n *html.Node) bool { return n.DataAtom == atom.Section })
	if len(sections) != 6 || attr(sections[0], "id") != "teams" || attr(sections[1], "id") != "attention" || attr(sections[5], "id") != "signoff" {
		t.Fatalf("sections: got %d, want teams, attention, 3 teams and the sign-off block", len(sections))
	}
	// Violations (expired but still held, no ticket) come first in the
	// attention table; flags are words with the raw code beside them.
	seenOther := false
	for _, tr := range findAll(sections[1], func(n *html.Node) bool { return n.DataAtom == atom.Tr && n.Parent.DataAtom == atom.Tbody }) {
		v := strings.Contains(text(tr), "Expired but still heldexpired") || strings.Contains(text(tr), "No ticketno_ticket")
		if v && seenOther {
			t.Errorf("a violation after other flagged rows: %s", text(tr))
		}
		seenOther = seenOther || !v
	}
	if !strings.Contains(string(page), `<span class="flag expired violation">Expired but still held<code>expired</code></span>`) {
		t.Error("the expired flag is not written as words with its code beside them")
	}
	// The sign-off block: blank lines to sign when not attested.
	if !strings.Contains(text(sections[5]), "Reviewer") || !strings.Contains(text(sections[5]), "Signature") {
		t.Errorf("sign-off block: %s", text(sections[5]))
	}
	// The print stylesheet keeps cells whole and numbers pages.
	for _, css := range []string{`counter(page) " of " counter(pages)`, "tr, td, th, figure"} {
		if !strings.Contains(string(page), css) {
			t.Errorf("the print stylesheet lacks %q", css)
		}
	}
	attention := findAll(sections[1], func(n *html.Node) bool { return n.DataAtom == atom.Tr && n.Parent.DataAtom == atom.Tbody })
	if len(attention) != 12 {
		t.Errorf("attention table has %d rows, want the 12 flagged rows", len(attention))
	}
	for _, tr := range attention {
		if attr(tr, "class") != "flagged" {
			t.Errorf("unflagged row in the attention table: %s", text(tr))
		}
	}
	for _, tbody := range findAll(root, func(n *html.Node) bool { return n.DataAtom == atom.Tbody }) {
		seenPlain := false
		for tr := tbody.FirstChild; tr != nil; tr = tr.NextSibling {
			if tr.DataAtom != atom.Tr {
				continue
			}
			if attr(tr, "class") == "flagged" && seenPlain {
				t.Errorf("a flagged row after an unflagged one: %s", text(tr))
			}
			seenPlain = seenPlain || attr(tr, "class") != "flagged"
		}
	}

	// The teams table shows when each team was last reviewed.
	teams := findAll(sections[0], func(n *html.Node) bool { return n.DataAtom == atom.Tr && n.Parent.DataAtom == atom.Tbody })
	wantReviewed := []string{"2026-10-01 by rita@acme.com", "2026-07-01 by sam@acme.com", "never"}
	for i, tr := range teams {
		cells := findAll(tr, func(n *html.Node) bool { return n.DataAtom == atom.Td })
		if got := text(cells[len(cells)-1]); got != wantReviewed[i] {
			t.Errorf("team %d last reviewed %q, want %q", i, got, wantReviewed[i])
		}
	}

	// A chart per team: one bar per site plus the team roles, segments
	// sized by people per role.
	svgs := findAll(root, func(n *html.Node) bool { return n.DataAtom == atom.Svg })
	if len(svgs) != 3 {
		t.Fatalf("%d charts, want one per team", len(svgs))
	}
	titles := map[string]bool{}
	for _, n := range findAll(svgs[2], func(n *html.Node) bool { return n.Data == "title" && n.Parent.Data == "rect" }) {
		titles[text(n)] = true
	}
	// piwik-acme: shop-app has erin's own view grant and the analysts'
	// edit grant held by erin and frank (the group's own row is not a
	// person); blog-app the analysts' view and gus's manage.
	for _, want := range []string{
		"all sites (team roles): 2 people with role owner", "all sites (team roles): 2 people with role user",
		"shop-app: 2 people with role edit", "shop-app: 1 person with role view",
		"blog-app: 2 people with role view", "blog-app: 1 person with role manage",
	} {
		if !titles[want] {
			t.Errorf("no bar segment %q in %v", want, titles)
		}
	}
}

// Text from the state cannot add markup: hostile names, roles and reasons
// stay text.
func TestReviewHTMLEscapes(t *testing.T) {
	in := testInput()
	evil := grant("acme", "mysite.com", "x@evil.example", `"><script>alert(1)</script>`, model.HolderGuest, `<img src=x onerror=alert(1)>`)
	evil.Reason = "</td></tr></table><a href=\"https://evil.example\">click</a>\nline two"
	in.Objects = append(in.Objects, evil, site("acme", `<svg onload=alert(1)>`, `<style>`))
	model.SortObjects(in.Objects)
	page := render(t, func(w io.Writer) error { return WriteReviewHTML(w, Review(in, ReviewOptions{GeneratedAt: testNow})) })
	checkSelfContained(t, page)
	root := parse(t, page)
	if n := findAll(root, func(n *html.Node) bool { return n.DataAtom == atom.Script || n.DataAtom == atom.Img }); len(n) > 0 {
		t.Fatal("hostile text became markup")
	}
	if !strings.Contains(text(root), `"><script>alert(1)</script>`) || !bytes.Contains(page, []byte("click&lt;/a&gt;<br>line two")) {
		t.Error("hostile text was not kept as text")
	}
}

func BenchmarkReviewHTML(b *testing.B) {
	doc := Review(bigInput(4, 500, 20), ReviewOptions{GeneratedAt: testNow})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := WriteReviewHTML(io.Discard, doc); err != nil {
			b.Fatal(err)
		}
	}
}

// The memo tells apart runs of cells that a careless key would confuse:
// each is written as itself, however many runs came before.
func TestReviewHTMLMemoKeys(t *testing.T) {
	ticket, empty := "IAM-1", ""
	row := func(person string, sponsor *string, flags ...string) *ReviewRow {
		return &ReviewRow{Person: person, Sponsor: sponsor, Flags: flags}
	}
	runs := []struct {
		r     *ReviewRow
		cs    []htmlCell
		want  template.HTML
		whole bool // the whole row
	}{
		{nil, []htmlCell{cell("ab"), cell("c")}, `<td>ab</td><td>c</td>`, false},
		{nil, []htmlCell{cell("a"), cell("bc")}, `<td>a</td><td>bc</td>`, false},
		{nil, []htmlCell{cell("")}, `<td></td>`, false},
		{nil, []htmlCell{optCell(nil)}, `<td><span class="none">-</span></td>`, false},
		{nil, []htmlCell{optCell(&ticket)}, `<td>IAM-1</td>`, false},
		{nil, []htmlCell{cell("a\nb<")}, `<td>a<br>b&lt;</td>`, false},
		{row("a", nil), nil, `<td>a</td><td><span class="none">-</span></td>`, false},
		{row("a", &empty), nil, `<td>a <small>(sponsor )</small></td><td><span class="none">-</span></td>`, false},
		{row("a", nil, FlagExternal), nil, `<td>a</td><td><span class="flag external">External person<code>external</code></span></td>`, false},
		{row("a", nil, FlagExternal, FlagNoTicket), nil,
			`<td>a</td><td><span class="flag external">External person<code>external</code></span><span class="flag no_ticket violation">No ticket<code>no_ticket</code></span></td>`, false},
		{row(`"><b>`, nil), []htmlCell{cell("x")}, `<td>&#34;&gt;&lt;b&gt;</td><td>x</td><td><span class="none">-</span></td>`, false},
		{row("a", nil), nil, "<tr><td>a</td><td><span class=\"none\">-</span></td></tr>\n", true},
		{row("a", nil, FlagExpiring), nil, "<tr class=\"flagged\"><td>a</td><td><span class=\"flag expiring\">Expires soon<code>expiring</code></span></td></tr>\n", true},
	}
	m := newHTMLMemo()
	for round := range 2 { // the second round is answered from the memo
		for i, c := range runs {
			run := m.cells
			if c.whole {
				run = m.row
			}
			got := run(c.r, c.cs...)
			if got != c.want {
				t.Errorf("round %d, run %d: got %s, want %s", round, i, got, c.want)
			}
		}
	}
	if m.err != nil || len(m.runs) != len(runs) {
		t.Errorf("%d runs kept for %d distinct ones (err %v)", len(m.runs), len(runs), m.err)
	}
}
