package evidence

import (
	"testing"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// TestKeepRaisedTexts: a task raised again while open keeps naming
// everyone it was raised for, whether the new text is new (appended) or
// already in it (kept whole, not cut back to the new text alone).
func TestKeepRaisedTexts(t *testing.T) {
	site := model.SiteAddress("acme", "shop")
	task := func(text string) state.Task { return state.Task{Site: site, Name: "review_shared_links", Text: text} }
	for _, c := range []struct{ open, raised, want string }{
		{"jane.", "zed.", "jane. zed."},
		{"jane. zed.", "zed.", "jane. zed."},
		{"jane.", "jane.", "jane."},
	} {
		changes := []state.TaskChange{{Task: task(c.raised)}}
		keepRaisedTexts([]state.Task{task(c.open)}, changes)
		if got := changes[0].Task.Text; got != c.want {
			t.Errorf("open %q, raised %q: %q, want %q", c.open, c.raised, got, c.want)
		}
	}
	// A task closed and raised in one commit starts afresh.
	changes := []state.TaskChange{{Task: task(""), Close: true}, {Task: task("zed.")}}
	keepRaisedTexts([]state.Task{task("jane.")}, changes)
	if got := changes[1].Task.Text; got != "zed." {
		t.Errorf("closed then raised: %q, want %q", got, "zed.")
	}
}
