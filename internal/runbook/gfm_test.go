package runbook

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/roster-dev/roster/internal/mdtext/gfmtest"
	"github.com/roster-dev/roster/internal/model"
)

// The markdown runbook goes into a ticket, read as GitHub renders it, and
// its titles and steps name people, teams and sites from the
// configuration and the state. These tests render runbooks with cmark-gfm
// (gfmtest): whatever those names hold, every item is one checkbox with
// its title and address, every step one numbered line that reads as
// written, and no text becomes an element.

// runbookElements are the elements the runbook's markdown template makes.
var runbookElements = gfmtest.Allow{
	"h3": nil, "p": nil, "ul": nil, "ol": nil, "li": nil, "strong": nil, "code": nil,
	"input": {"type": "checkbox", "disabled": ""},
	// Only as an email's autolink (checked by gfmtest.Body).
	"a": {"href": ""},
}

// checkGFMRunbook renders items' markdown through cmark-gfm and checks
// it item by item and step by step.
func checkGFMRunbook(t *testing.T, bin string, items []Item, md []byte) {
	t.Helper()
	kids := gfmtest.Children(gfmtest.Body(t, bin, md, runbookElements), "")
	same := func(what, got, want string) {
		t.Helper()
		if strings.Trim(got, " \n") != strings.Trim(want, " ") {
			t.Errorf("%s reads\n%q\nwant\n%q", what, got, want)
		}
	}
	want := 2
	if len(kids) != want || kids[0].Data != "h3" || kids[1].Data != "ul" && kids[1].Data != "p" {
		var got []string
		for _, k := range kids {
			got = append(got, k.Data)
		}
		t.Fatalf("the runbook is %v, want a heading and a list", got)
	}
	same("heading", gfmtest.Text(kids[0]), "roster runbook")
	if len(items) == 0 {
		same("no steps", gfmtest.Text(kids[1]), "No open manual steps.")
		return
	}
	lis := gfmtest.Children(kids[1], "li")
	if kids[1].Data != "ul" || len(lis) != len(items) {
		t.Fatalf("%d items shown, want %d", len(lis), len(items))
	}
	for k, li := range lis {
		it := &items[k]
		what := "item " + strconv.Itoa(k)
		// The item's own line: the checkbox, the title, the address;
		// then its steps.
		var head strings.Builder
		var steps []*html.Node
		box := false
		for c := li.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.ElementNode && c.Data == "ol":
				if steps != nil {
					t.Errorf("%s: more than one list of steps", what)
				}
				steps = gfmtest.Children(c, "li")
				if steps == nil {
					steps = []*html.Node{}
				}
			case c.Type == html.ElementNode && c.Data == "input":
				box = head.Len() == 0 && steps == nil
			case steps != nil:
				if strings.TrimSpace(gfmtest.Text(c)) == "" {
					continue
				}
				t.Errorf("%s: %q after its steps", what, gfmtest.Text(c))
			default:
				head.WriteString(gfmtest.Text(c))
			}
		}
		if !box {
			t.Errorf("%s does not start with its checkbox", what)
		}
		title := strings.Trim(gfmtest.TextOf(it.Title), " ")
		key := gfmtest.CodeOf(it.Key())
		if strings.Contains(strings.ToLower(key), "[x]") {
			key = gfmtest.TextOf(it.Key())
		}
		same(what, head.String(), title+" ("+key+")")
		if len(steps) != len(it.Steps) {
			t.Errorf("%s: %d steps shown, want %d", what, len(steps), len(it.Steps))
		}
		for j := range min(len(steps), len(it.Steps)) {
			same(what+" step "+strconv.Itoa(j+1), gfmtest.Text(steps[j]), strings.Trim(gfmtest.TextOf(it.Steps[j]), " "))
		}
	}
}

// hostileItems are runbook items with s in every text, for each s of ss:
// every kind of step on every platform for a person, a guest and a site
// named s, and an item whose title and steps are s alone.
func hostileItems(ss []string) []Item {
	var items []Item
	for k, s := range ss {
		platform := []string{"plausible", "posthog", "piwikpro", "matomo", "ga4"}[k%5]
		m := &model.Object{Addr: model.MemberAddress(s, s), Role: s}
		g := &model.Object{Addr: model.PersonGrantAddress(s, s, s), Role: s, HolderKind: model.HolderGuest}
		items = append(items,
			ForChange(platform, "create", nil, m),
			ForChange(platform, "update", m, m),
			ForChange(platform, "delete", g, nil),
			ForTask(platform, model.SiteAddress(s, s), "rotate_api_key", s),
			Item{Addr: model.MemberAddress(s, s), Title: s, Steps: []string{s, "Enter " + s + " here", s + " ends it"}},
		)
	}
	return items
}

func runbookMarkdown(t *testing.T, items []Item) []byte { return written(t, WriteMarkdown, items) }

// written is what write prints for items.
func written(t *testing.T, write func(io.Writer, []Item) error, items []Item) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b, items); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGFMGolden: every platform's runbook, and an empty one, read as they
// should on GitHub.
func TestGFMGolden(t *testing.T) {
	bin := gfmtest.Bin(t)
	for _, p := range []string{"plausible", "posthog", "piwikpro", "matomo", "ga4", "none"} {
		t.Run(p, func(t *testing.T) {
			items := kinds(p)
			if p == "none" {
				items = nil
			}
			checkGFMRunbook(t, bin, items, runbookMarkdown(t, items))
		})
	}
}

// TestGFMHostile: every hostile string in every text of one runbook, then
// a few hundred random ones.
func TestGFMHostile(t *testing.T) {
	bin := gfmtest.Bin(t)
	gfmtest.EachHostile(t, func(t *testing.T, ss []string) {
		items := hostileItems(ss)
		checkGFMRunbook(t, bin, items, runbookMarkdown(t, items))
	})
}
