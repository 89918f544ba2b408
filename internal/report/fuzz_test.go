package report

import (
	"bytes"
	"encoding/csv"
	"io"
	"strings"
	"testing"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/model"
)

// FuzzReviewText puts arbitrary text in a grant's reason and ticket (the
// free text a user hands in) and checks every renderer keeps it in its
// cell: the CSV reads back to the same text (defused when formula-like),
// the markdown tables keep one line per row, and the JSON reads back to
// the same text (invalid UTF-8 aside).
func FuzzReviewText(f *testing.F) {
	for _, s := range []string{"", "plain", janeReason, oldTicket, oldReason, "a|b\\|c", "\r\n\n\r", "-1", "+x", "\t=1", "\"\"\"", "<br>", "ünï\u2028", "\xff"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, reason, ticket string) {
		in := testInput()
		o := grant("acme", "mysite.com", "fuzz@x.io", "viewer", model.HolderGuest, ticket)
		o.Reason = reason
		in.Objects = append(in.Objects, o)
		model.SortObjects(in.Objects)
		doc := Review(in, ReviewOptions{GeneratedAt: testNow})
		row := findRow(t, doc, "acme", "mysite.com", "fuzz@x.io", "guest")

		var out bytes.Buffer
		if err := WriteReviewCSV(&out, doc); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&out).ReadAll()
		if err != nil {
			t.Fatalf("CSV does not parse: %v", err)
		}
		found := false
		for _, rec := range recs {
			if rec[2] == "fuzz@x.io" {
				found = true
				// encoding/csv reads \r\n inside a quoted field as \n.
				want := strings.ReplaceAll(csvSafe(deref(row.Reason)), "\r\n", "\n")
				if rec[10] != want {
					t.Errorf("reason read back as %q, want %q", rec[10], want)
				}
			}
		}
		if !found {
			t.Fatal("the row is missing from the CSV")
		}

		out.Reset()
		if err := WriteReviewMarkdown(&out, doc); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.Contains(line, "fuzz@x.io") && !strings.HasSuffix(line, " |") {
				t.Errorf("the row's table line is broken: %q", line)
			}
		}

		out.Reset()
		if err := WriteReviewJSON(&out, doc); err != nil {
			t.Fatal(err)
		}
		var back ReviewDoc
		if err := json.Unmarshal(out.Bytes(), &back); err != nil {
			t.Fatalf("JSON does not parse: %v", err)
		}
		if err := WriteAccessText(io.Discard, Access(in, "fuzz@x.io")); err != nil {
			t.Fatal(err)
		}
	})
}
