package report

import (
	"bytes"
	"encoding/csv"
	"io"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/schematest"
)

// pendingInput is a Plausible team whose manual steps wait both ways: ann's
// removal (she still holds her access until a person confirms it), ben's
// grant (not made yet) and cy's guest grant (not made yet), beside an
// owner with nothing waiting.
func pendingInput() Input {
	ann := member("acme", "ann@acme.com", "admin", "IAM-1", model.StatusManual)
	ann.PendingAction = "delete"
	ben := member("acme", "ben@acme.com", "viewer", "IAM-2", model.StatusManual)
	ben.PendingAction = "create"
	cy := grant("acme", "mysite.com", "cy@agency.com", "viewer", model.HolderGuest, "IAM-3")
	cy.Status, cy.PendingAction = model.StatusManual, "create"
	objs := []*model.Object{team("acme", "plausible"), site("acme", "mysite.com", "production"),
		member("acme", "owner@acme.com", "owner", "IAM-0", model.StatusActive), ann, ben, cy}
	model.SortObjects(objs)
	return Input{Objects: objs, Platforms: testPlatforms(), InternalDomains: []string{"acme.com"}, Now: testNow}
}

// TestManualSaysWhatWaits: "manual" alone does not tell an auditor whether
// access is coming or going. Every report says which change a manual step
// waits for: the JSON documents in "pending" (valid against their
// schemas), the text, markdown and HTML in words.
func TestManualSaysWhatWaits(t *testing.T) {
	in := pendingInput()
	review := Review(in, ReviewOptions{GeneratedAt: testNow})
	want := map[string]string{"ann@acme.com": "delete", "ben@acme.com": "create", "cy@agency.com": "create", "owner@acme.com": ""}
	seen := map[string]bool{}
	for _, tm := range review.Teams {
		for _, r := range tm.Rows {
			if w, ok := want[r.Person]; ok {
				seen[r.Person] = true
				if r.Pending != w {
					t.Errorf("review row %s %s: pending %q, want %q", r.Person, r.Address, r.Pending, w)
				}
			}
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("review rows for %v only", seen)
	}
	texts := map[string]func(io.Writer) error{
		"review markdown": func(w io.Writer) error { return WriteReviewMarkdown(w, review) },
		"review html":     func(w io.Writer) error { return WriteReviewHTML(w, review) },
		"who-can":         func(w io.Writer) error { return WriteWhoCanText(w, WhoCan(in, model.ViewReports, WhoCanFilter{})) },
		"access ann":      func(w io.Writer) error { return WriteAccessText(w, Access(in, "ann@acme.com")) },
	}
	for name, write := range texts {
		out := string(render(t, write))
		if !strings.Contains(out, "manual: removal waiting") {
			t.Errorf("%s does not say ann's removal waits:\n%s", name, out)
		}
		if name != "access ann" && !strings.Contains(out, "manual: grant waiting") {
			t.Errorf("%s does not say ben's and cy's grants wait:\n%s", name, out)
		}
	}
	// The CSV: a "pending" column, the last.
	recs, err := csv.NewReader(bytes.NewReader(render(t, func(w io.Writer) error { return WriteReviewCSV(w, review) }))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if last := len(CSVHeader) - 1; CSVHeader[last] != "pending" {
		t.Fatalf("the CSV's last column is %q, not pending", CSVHeader[last])
	}
	csvSeen := map[string]bool{}
	for _, rec := range recs[1:] {
		if w, ok := want[rec[2]]; ok && !strings.HasPrefix(rec[0], "# ") {
			csvSeen[rec[2]] = true
			if got := rec[len(rec)-1]; got != w {
				t.Errorf("review CSV row %s %s: pending %q, want %q", rec[2], rec[13], got, w)
			}
		}
	}
	if len(csvSeen) != len(want) {
		t.Errorf("review CSV rows for %v only", csvSeen)
	}
	for name, c := range map[string]struct {
		schema string
		write  func(io.Writer) error
	}{
		"review":  {"review.schema.json", func(w io.Writer) error { return WriteReviewJSON(w, review) }},
		"who-can": {"who-can.schema.json", func(w io.Writer) error { return WriteWhoCanJSON(w, WhoCan(in, model.ViewReports, WhoCanFilter{})) }},
		"access":  {"access.schema.json", func(w io.Writer) error { return WriteAccessJSON(w, Access(in, "ann@acme.com")) }},
	} {
		out := render(t, c.write)
		if !strings.Contains(string(out), `"pending": "delete"`) {
			t.Errorf("%s JSON has no pending delete:\n%s", name, out)
		}
		if err := schematest.Compile(t, c.schema).Validate(schematest.Instance(t, out)); err != nil {
			t.Errorf("%s JSON does not match schema/%s: %v", name, c.schema, err)
		}
	}
}

func TestStatusWords(t *testing.T) {
	for _, c := range [][3]string{
		{"active", "", "active"},
		{"invited", "", "invited"},
		{"manual", "", "manual"},
		{"manual", "create", "manual: grant waiting"},
		{"manual", "update", "manual: change waiting"},
		{"manual", "delete", "manual: removal waiting"},
		{"manual", "move", "manual: rename waiting"},
		{"active", "delete", "active"},
	} {
		if got := statusWords(c[0], c[1]); got != c[2] {
			t.Errorf("statusWords(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}
