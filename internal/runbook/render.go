package runbook

import (
	"fmt"
	"io"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/mdtext"
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

// WriteMarkdown prints the items as a checklist, for a ticket: each item
// a checkbox with its title in bold and its address as code, its steps
// numbered below it. Titles and steps name people, teams and sites from
// the configuration, so they are written with mdtext: GitHub shows them
// as written, each on its line, and they open nothing (no link, HTML,
// emphasis, list or code block; an email still links to itself).
func WriteMarkdown(w io.Writer, items []Item) error {
	b := []byte("### roster runbook\n\n")
	if len(items) == 0 {
		b = append(b, "No open manual steps.\n"...)
	}
	for _, it := range items {
		b = append(b, "- [ ] "...)
		// GFM would show the asterisks of "** x**" rather than bold text.
		if title := strings.Trim(it.Title, " \t\r\n"); title != "" {
			b = append(b, "**"...)
			b = mdtext.Text(b, title)
			b = append(b, "** "...)
		}
		b = append(b, '(')
		if key := it.Key(); strings.Contains(strings.ToLower(key), "[x]") {
			// cmark-gfm checks a task whose line holds "[x]" anywhere
			// (strstr in extensions/tasklist.c), and a code span cannot
			// escape it: such an address is written as text.
			b = mdtext.Text(b, key)
		} else {
			b = mdtext.Code(b, key, false)
		}
		b = append(b, ")\n"...)
		for j, s := range it.Steps {
			b = fmt.Appendf(b, "    %d. ", j+1)
			b = mdtext.Line(b, s)
			b = append(b, '\n')
		}
	}
	_, err := w.Write(b)
	return err
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
