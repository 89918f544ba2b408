// Package gfmtest renders markdown with cmark-gfm, GitHub's own Markdown
// renderer (github/cmark-gfm), for tests: a document is read as GitHub
// shows it rather than checked against our reading of GFM. Body runs
// cmark-gfm and checks the HTML for elements the document's template does
// not make (raw HTML, comments, images, links other than an email's own);
// Text, Children and Blocks walk the result, TextOf and CodeOf say what
// mdtext's text and code spans read as. Only tests import it.
package gfmtest

import (
	"bytes"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/roster-dev/roster/internal/mdtext"
	"github.com/roster-dev/roster/internal/testtool"
)

// Args render as github.com does: its extensions, and --unsafe because
// GitHub keeps raw HTML such as <details> and sanitises it afterwards,
// tagfilter being its filter.
var Args = []string{"--extension", "table", "--extension", "strikethrough",
	"--extension", "autolink", "--extension", "tagfilter", "--extension", "tasklist",
	"--extension", "footnotes", "--unsafe"}

// Bin is the path of cmark-gfm. It skips the test when the tool is
// missing, except in CI (CI=true), which installs it: there it fails.
func Bin(t testing.TB) string {
	t.Helper()
	return testtool.Need(t, "cmark-gfm", "cmark-gfm")
}

// Allow are the elements a document's template makes, each with the
// attributes it may carry and the one value each must have ("" for any).
// Anything else in the rendered document came from its text. An "a" is
// always checked to be an email's autolink (see Body).
type Allow map[string]map[string]string

// Body renders md as GitHub does and returns the <body> of the parsed
// HTML, after checking the HTML tag by tag (the parser alone would drop a
// stray end tag such as </details>) and element by element against allow.
func Body(t testing.TB, bin string, md []byte, allow Allow) *html.Node {
	t.Helper()
	cmd := exec.Command(bin, Args...)
	cmd.Stdin = bytes.NewReader(md)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cmark-gfm: %v: %s", err, stderr.Bytes())
	}
	checkTokens(t, out, allow)
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var body *html.Node
	var find func(n *html.Node)
	find = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "body" {
			body = n
		}
		for c := n.FirstChild; c != nil && body == nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if body == nil {
		t.Fatalf("no body in %s", out)
	}
	checkElements(t, body, allow)
	return body
}

// voidElements have no end tag.
var voidElements = map[string]bool{"br": true, "hr": true, "img": true, "input": true}

// checkTokens checks cmark-gfm's output as tags: no comment, no doctype
// or processing instruction, only allowed tags, and every tag closed.
func checkTokens(t testing.TB, out []byte, allow Allow) {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(out))
	open := map[string]int{}
	end := 0 // of the token read, in out
	at := func() string { return string(out[max(0, end-200):min(len(out), end+40)]) }
	for {
		tt := z.Next()
		end += len(z.Raw())
		switch tt {
		case html.ErrorToken:
			for tag, n := range open {
				if n != 0 {
					t.Errorf("<%s> opened %d times more than closed", tag, n)
				}
			}
			return
		case html.CommentToken, html.DoctypeToken:
			t.Errorf("%v %q in rendered document, at:\n%s", tt, z.Token().Data, at())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if _, ok := allow[tok.Data]; !ok {
				t.Errorf("element <%s> in rendered document, at:\n%s", tok.Data, at())
				continue
			}
			switch {
			case tt == html.StartTagToken && !voidElements[tok.Data]:
				open[tok.Data]++
			case tt == html.EndTagToken:
				open[tok.Data]--
			}
		}
	}
}

// checkElements checks the parsed tree: allowed elements and attributes
// only, a code element with attributes only in a block (cmark-gfm gives
// inline code none), and every link an autolink whose text is its target.
func checkElements(t testing.TB, n *html.Node, allow Allow) {
	t.Helper()
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.CommentNode:
			t.Errorf("comment <!--%s--> in rendered document", c.Data)
		case html.ElementNode:
			attrs, ok := allow[c.Data]
			if !ok {
				t.Errorf("element <%s> (%q) in rendered document", c.Data, Text(c))
			}
			for _, a := range c.Attr {
				want, ok := attrs[a.Key]
				if !ok || want != "" && a.Val != want || c.Data == "code" && n.Data != "pre" {
					t.Errorf("<%s %s=%q> in rendered document", c.Data, a.Key, a.Val)
				}
			}
			if c.Data == "a" {
				checkAutolink(t, c)
			}
			checkElements(t, c, allow)
		}
	}
}

// checkAutolink: a link must be GFM's autolink of an email, whose target
// is the text shown (mailto:TEXT, or the text itself for mailto: and
// xmpp: forms). Links to web addresses are not made from a document's
// text.
func checkAutolink(t testing.TB, a *html.Node) {
	t.Helper()
	text := Text(a)
	for c := a.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.TextNode {
			t.Errorf("link %q holds <%s>", text, c.Data)
		}
	}
	var href string
	for _, at := range a.Attr {
		if at.Key == "href" {
			href = at.Val
		}
	}
	target, err := url.PathUnescape(href)
	if err != nil || !strings.Contains(text, "@") || target != "mailto:"+text && target != text {
		t.Errorf("link %q to %q: only an email's autolink may be a link", text, href)
	}
}

// Text is the text of n and its descendants, a <br> read as a line break.
func Text(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && n.Data == "br":
			b.WriteByte('\n')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// Children are the element children of n, those named tag unless tag is "".
func Children(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (tag == "" || c.Data == tag) {
			out = append(out, c)
		}
	}
	return out
}

// Blocks reads the blocks of a rendered document or element (its element
// children) in order, and fails the test where they are not what the
// document's template makes.
type Blocks struct {
	t    testing.TB
	of   string // what the blocks are of, for messages: "the review"
	kids []*html.Node
	i    int
}

// NewBlocks reads the element children of n, the blocks of what (for
// messages: "the comment").
func NewBlocks(t testing.TB, n *html.Node, what string) *Blocks {
	return &Blocks{t: t, of: what, kids: Children(n, "")}
}

// Next is the next block, which must be a tag element: the test stops
// where there is none or it is another.
func (b *Blocks) Next(tag, what string) *html.Node {
	b.t.Helper()
	if b.i >= len(b.kids) {
		b.t.Fatalf("%s: %s ends early", what, b.of)
	}
	n := b.kids[b.i]
	b.i++
	if n.Data != tag {
		b.t.Fatalf("%s: got <%s> %q, want <%s>", what, n.Data, Text(n), tag)
	}
	return n
}

// Peek is the next block when it is a tag element, else nil.
func (b *Blocks) Peek(tag string) *html.Node {
	if b.i < len(b.kids) && b.kids[b.i].Data == tag {
		return b.kids[b.i]
	}
	return nil
}

// Take is Peek, moving past the block it returns.
func (b *Blocks) Take(tag string) *html.Node {
	n := b.Peek(tag)
	if n != nil {
		b.i++
	}
	return n
}

// End fails the test when blocks are left after the last one read.
func (b *Blocks) End() {
	b.t.Helper()
	if b.i != len(b.kids) {
		n := b.kids[b.i]
		b.t.Errorf("%s goes on after its last block: %d more elements, first <%s> %q", b.of, len(b.kids)-b.i, n.Data, Text(n))
	}
}

// TextOf is what text written with mdtext.Text reads as: line breaks and
// tabs as spaces, unprintable characters as mdtext.Printable shows them.
func TextOf(s string) string {
	return string(mdtext.Printable(nil, strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(s)))
}

// CodeOf is what text written with mdtext.Code reads as.
func CodeOf(s string) string {
	return string(mdtext.Printable(nil, strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)))
}
