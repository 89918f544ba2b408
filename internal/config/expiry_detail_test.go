package config

import (
	"strings"
	"testing"
)

// TestExpiryDetailFromParseError: an invalid expires names the field
// time.Parse found out of range, and nothing else of Go's parse error; a
// value that merely contains the words "out of range" is not mistaken for
// one.
func TestExpiryDetailFromParseError(t *testing.T) {
	for _, c := range []struct {
		value     string
		want, not string
	}{
		{value: "2026-02-30", want: "(day out of range)."},
		{value: "2026-13-01", want: "(month out of range)."},
		{value: "2026-06-01T25:00:00Z", want: "(hour out of range)."},
		{value: "out of range", not: "("},
		{value: "next week", not: "("},
	} {
		t.Run(c.value, func(t *testing.T) {
			src := `team "acme" {
  platform = "plausible"
}

member "a@acme.com" {
  team    = "acme"
  role    = "viewer"
  expires = "` + c.value + `"
}
`
			res := LoadSources([]Source{{Name: "main.hcl", Data: []byte(src)}})
			var detail string
			for _, d := range res.Diags {
				if d.Summary == "Invalid date in expires" {
					detail = d.Detail
				}
			}
			if detail == "" {
				t.Fatalf("no Invalid date in expires among %v", res.Diags)
			}
			// The part after the quoted value: what the detail adds.
			rest := detail[strings.Index(detail, "\"2026-06-01T12:00:00Z\"")+len("\"2026-06-01T12:00:00Z\""):]
			if c.want != "" && rest != " "+c.want {
				t.Errorf("detail ends %q, want %q\n%s", rest, c.want, detail)
			}
			if c.not != "" && strings.Contains(rest, c.not) {
				t.Errorf("detail ends %q, which holds %q\n%s", rest, c.not, detail)
			}
		})
	}
}
