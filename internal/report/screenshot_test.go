package report

import (
	"bytes"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	json "github.com/go-json-experiment/json"
	"golang.org/x/net/html"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/testtool"
)

// The HTML review looked at in a real browser, headless Chromium (Debian's
// chromium package), rather than only through our own reading of HTML:
// a screenshot, the layout at common widths, the page as Chromium's parser
// builds it, and the printed PDF an auditor files. Skipped under -short
// (each start of Chromium takes a second or two). Without Chromium they
// skip, except under CI=true, where .ci/run installs it and its absence is
// a failure.

// chromium returns the path of the chromium command.
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starting Chromium takes seconds")
	}
	return testtool.Need(t, "chromium", "chromium")
}

// runChromium runs headless Chromium on the page file with more flags
// (those the machine's closed network needs included) and returns its
// standard output.
func runChromium(t *testing.T, browser, page string, flags ...string) []byte {
	t.Helper()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}, flags...)
	cmd := exec.Command(browser, append(args, "file://"+page)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(flags, " "), err, stderr.Bytes())
	}
	return out
}

// writePage writes page into the test's output folder (ROSTER_SCREENSHOT_DIR,
// else a temporary one) under name and returns its path.
func writePage(t *testing.T, name string, page []byte) string {
	t.Helper()
	dir := os.Getenv("ROSTER_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, page, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReviewHTMLScreenshot renders an attested review and checks that a
// page came out: a PNG of the window's width with ink on it. The PNG is
// left beside the page to look at.
func TestReviewHTMLScreenshot(t *testing.T) {
	browser := chromium(t)
	doc := testReview()
	doc.Attestation = &Attestation{Reviewer: "officer@acme.com", Time: "2026-11-24T11:00:00Z", Format: "html", Digest: PlaceholderDigest}
	page := render(t, func(w io.Writer) error { return WriteReviewHTML(w, doc) })
	sealed, digest, ok := SealAttested(page)
	if !ok || !CheckAttested(sealed, digest) {
		t.Fatal("the attested page does not show its digest")
	}
	path := writePage(t, "review.html", sealed)
	shot := strings.TrimSuffix(path, ".html") + ".png"
	os.Remove(shot)
	runChromium(t, browser, path, "--screenshot="+shot, "--window-size=1200,1800")
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1200 {
		t.Fatalf("screenshot %v, want the window's width", b)
	}
	ink := 0
	for y := 0; y < 200; y++ {
		for x := 0; x < 1200; x += 3 {
			if r, g, b, _ := img.At(x, y).RGBA(); r < 0x8000 && g < 0x8000 && b < 0x8000 {
				ink++
			}
		}
	}
	if ink < 200 {
		t.Errorf("the top of the page is blank (%d dark pixels): the review did not render", ink)
	}
	t.Logf("rendered %s to %s", path, shot)
}

// wideReview is the review of the fixture with one more guest whose
// address, ticket and reason are long runs with no place to break, and
// whose texts look like markup.
func wideReview() *ReviewDoc {
	in := testInput()
	email := strings.Repeat("verylongname", 12) + "@" + strings.Repeat("sub", 20) + ".example"
	g := grant("acme", "mysite.com", email, "viewer", model.HolderGuest, strings.Repeat("TICKET", 30))
	g.Reason = `</td></tr></table><script>document.title="pwned"</script><!-- ` + strings.Repeat("because-", 40)
	in.Objects = append(in.Objects, g)
	model.SortObjects(in.Objects)
	return Review(in, ReviewOptions{GeneratedAt: testNow})
}

// probe is what the probe script reads off the page as Chromium laid it
// out: the page's scroll and client widths, the table cells whose content
// is wider than the cell, the number of each element, and the title.
type probe struct {
	ScrollWidth int            `json:"sw"`
	ClientWidth int            `json:"cw"`
	Overflowing []string       `json:"overflowing"`
	Counts      map[string]int `json:"counts"`
	Title       string         `json:"title"`
}

// probedTags are the elements whose numbers Chromium's page and
// golang.org/x/net/html's parse must agree on.
var probedTags = []string{"section", "table", "tr", "th", "td", "span", "code", "script", "h2", "h3", "li"}

// probeScript measures the laid-out page and writes a probe, as JSON, into
// the body's data-probe attribute, where --dump-dom shows it. It is put in
// a copy of the page only (the review itself runs no script).
var probeScript = `<script>
(function () {
  var d = document.documentElement, over = [], counts = {};
  document.querySelectorAll("td, th").forEach(function (c) {
    if (c.scrollWidth > c.clientWidth + 1) over.push(c.textContent.slice(0, 60));
  });
  ["` + strings.Join(probedTags, `", "`) + `"].forEach(function (tag) { counts[tag] = document.getElementsByTagName(tag).length; });
  document.body.setAttribute("data-probe", JSON.stringify({sw: d.scrollWidth, cw: d.clientWidth, overflowing: over, counts: counts, title: document.title}));
})();
</script>`

var probeAttr = regexp.MustCompile(`data-probe="([^"]*)"`)

// TestReviewHTMLInChromium lays the review out in Chromium at the widths
// of a laptop and a desktop: nothing is wider than the window (no
// sideways scrolling of the page) and no cell's text spills out of its
// cell, even for values with no place to break. Chromium's parse of the
// page holds as many of each element as golang.org/x/net/html's (which
// the other tests read), and markup in a reason stays text: the page's
// only script is the probe and its title is its own.
func TestReviewHTMLInChromium(t *testing.T) {
	browser := chromium(t)
	page := render(t, func(w io.Writer) error { return WriteReviewHTML(w, wideReview()) })
	probed := bytes.Replace(page, []byte("</body>"), []byte(probeScript+"</body>"), 1)
	if bytes.Equal(probed, page) {
		t.Fatal("the page has no </body> to put the probe before")
	}
	path := writePage(t, "review-probe.html", probed)
	want := countTags(t, probed)
	if want["td"] == 0 || want["script"] != 1 {
		t.Fatalf("x/net/html reads %v: want cells, and one script (the probe)", want)
	}
	for _, width := range []int{1024, 1440} {
		t.Run(strconv.Itoa(width), func(t *testing.T) {
			dom := runChromium(t, browser, path, "--dump-dom", fmt.Sprintf("--window-size=%d,1000", width))
			m := probeAttr.FindSubmatch(dom)
			if m == nil {
				t.Fatalf("no probe in the page Chromium built:\n%.2000s", dom)
			}
			var p probe
			if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &p); err != nil {
				t.Fatalf("probe %s: %v", m[1], err)
			}
			if p.ClientWidth == 0 || p.ClientWidth > width {
				t.Fatalf("client width %d in a window %d wide", p.ClientWidth, width)
			}
			if p.ScrollWidth > p.ClientWidth {
				t.Errorf("the page is %d px wide in a window of %d px: it scrolls sideways", p.ScrollWidth, p.ClientWidth)
			}
			if len(p.Overflowing) > 0 {
				t.Errorf("%d cells spill out of their column, e.g. %q", len(p.Overflowing), p.Overflowing[0])
			}
			for _, tag := range probedTags {
				if p.Counts[tag] != want[tag] {
					t.Errorf("Chromium's page has %d <%s>, x/net/html's %d", p.Counts[tag], tag, want[tag])
				}
			}
			if p.Title != "Access review 2026-11-24" {
				t.Errorf("title %q: markup in a reason ran", p.Title)
			}
		})
	}
}

// countTags counts the elements of probedTags in page as
// golang.org/x/net/html parses it.
func countTags(t *testing.T, page []byte) map[string]int {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			counts[n.Data]++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return counts
}

var pdfPage = regexp.MustCompile(`/Type\s*/Page\b`)

// TestReviewHTMLPrint prints the review to PDF, as an auditor files it:
// a PDF comes out, and each team starts a page of its own (the print
// style's break-before). The teams are small, so that without that rule
// the whole review would fit on one or two pages.
func TestReviewHTMLPrint(t *testing.T) {
	browser := chromium(t)
	var in Input
	for _, name := range []string{"acme", "beta", "gamma"} {
		in.Objects = append(in.Objects, team(name, "plausible"), member(name, "owner@"+name+".example", "owner", "IAM-1", model.StatusActive))
	}
	model.SortObjects(in.Objects)
	in.Platforms, in.Now = testPlatforms(), testNow
	doc := Review(in, ReviewOptions{GeneratedAt: testNow})
	page := render(t, func(w io.Writer) error { return WriteReviewHTML(w, doc) })
	path := writePage(t, "review-print.html", page)
	pdf := strings.TrimSuffix(path, ".html") + ".pdf"
	os.Remove(pdf)
	runChromium(t, browser, path, "--no-pdf-header-footer", "--print-to-pdf="+pdf)
	data, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("%s is not a PDF: %.20q", pdf, data)
	}
	pages, teams := len(pdfPage.FindAll(data, -1)), len(doc.Teams)
	if teams != 3 || pages != teams+1 {
		t.Errorf("%d pages for %d teams: want the summary's page, then each team on a page of its own", pages, teams)
	}
	t.Logf("printed %s to %s: %d pages", path, pdf, pages)
}
