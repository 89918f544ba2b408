package runbook

import (
	"fmt"
	"io"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// WriteText prints the items as numbered steps.
func WriteText(w io.Writer, items []Item) error {
	if len(items) == 0 {
		_, err := fmt.Fprintln(w, "No open manual steps.")
		return err
	}
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%d. %s (%s)\n", i+1, it.Title, it.Key())
		for j, s := range it.Steps {
			fmt.Fprintf(&b, "   %d.%d %s\n", i+1, j+1, s)
		}
	}
	fmt.Fprintf(&b, "\n%s open. Confirm each when done: roster confirm ADDRESS [--note TEXT], or roster confirm --all.\n", count(len(items)))
	_, err := io.WriteString(w, b.String())
	return err
}

func count(n int) string {
	if n == 1 {
		return "1 item"
	}
	return fmt.Sprintf("%d items", n)
}

// WriteMarkdown prints the items as a checklist, for a ticket.
func WriteMarkdown(w io.Writer, items []Item) error {
	var b strings.Builder
	b.WriteString("### roster runbook\n\n")
	if len(items) == 0 {
		b.WriteString("No open manual steps.\n")
	}
	for _, it := range items {
		fmt.Fprintf(&b, "- [ ] **%s** (`%s`)\n", esc(it.Title), it.Key())
		for j, s := range it.Steps {
			fmt.Fprintf(&b, "    %d. %s\n", j+1, esc(s))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func esc(s string) string {
	r := strings.NewReplacer("\\", "\\\\", "*", "\\*", "_", "\\_", "<", "&lt;", ">", "&gt;", "\n", " ")
	return r.Replace(s)
}

// ItemJSON is one item in `runbook --format json`.
type ItemJSON struct {
	Address  string   `json:"address"`
	Task     string   `json:"task"`
	Change   string   `json:"change"`
	Platform string   `json:"platform"`
	Title    string   `json:"title"`
	Steps    []string `json:"steps"`
}

// WriteJSON prints {"format_version": "1", "items": [...]}, indented,
// as encoding/json wrote it (U+2028 and U+2029 escaped).
func WriteJSON(w io.Writer, items []Item) error {
	out := struct {
		FormatVersion string     `json:"format_version"`
		Items         []ItemJSON `json:"items"`
	}{FormatVersion: "1", Items: make([]ItemJSON, 0, len(items))}
	for _, it := range items {
		steps := it.Steps
		if steps == nil {
			steps = []string{}
		}
		out.Items = append(out.Items, ItemJSON{Address: it.Addr.String(), Task: it.Task, Change: it.Change, Platform: it.Platform, Title: it.Title, Steps: steps})
	}
	return json.MarshalEncode(jsontext.NewEncoder(w, jsontext.Multiline(true), jsontext.WithIndent("  "),
		jsontext.EscapeForJS(true), jsontext.AllowInvalidUTF8(true)), out)
}
