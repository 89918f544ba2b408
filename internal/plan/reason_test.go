package plan

import (
	"testing"

	"github.com/roster-dev/roster/internal/model"
)

// Every reason's text reads back as that reason: a plan file stores only
// the text, so the enum must survive it.
func TestReasonTextRoundTrip(t *testing.T) {
	for r := ReasonNone; r <= ReasonOther; r++ {
		detail := ""
		switch r {
		case ReasonExpired:
			detail = "2026-06-01"
		case ReasonOther:
			detail = "found on the platform"
		}
		why := r.Text(detail)
		if r != ReasonNone && why == "" {
			t.Errorf("reason %d has no text", r)
		}
		if got := ReasonOf(why); got != r {
			t.Errorf("ReasonOf(%q) = %d, want %d", why, got, r)
		}
	}
	if got := ReasonExpired.Text("2026-06-01"); got != "expired 2026-06-01" {
		t.Errorf("expired text %q", got)
	}
}

// StateOnly follows the enum, and a change that carries only the text (as
// an older plan decoder left it) still means the same.
func TestStateOnlyFollowsReason(t *testing.T) {
	grant := model.PersonGrantAddress("acme", "shop", "jane@x.io")
	for _, tc := range []struct {
		r    Reason
		want bool
	}{
		{ReasonNone, false},
		{ReasonExpired, false},
		{ReasonForgotten, true},
		{ReasonConnected, true},
		{ReasonDisconnected, true},
		{ReasonNoAccessLeft, false},
		{ReasonOther, false},
	} {
		c := Change{Addr: grant, Action: Delete}
		c.SetReason(tc.r, "x")
		if got := c.StateOnly(); got != tc.want {
			t.Errorf("%v: StateOnly %v, want %v", tc.r, got, tc.want)
		}
		textOnly := Change{Addr: grant, Action: Delete, Why: c.Why}
		if got := textOnly.StateOnly(); got != tc.want {
			t.Errorf("%q without its reason: StateOnly %v, want %v", c.Why, got, tc.want)
		}
		// The enum decides, not the text.
		c.Why = "edited"
		if got := c.StateOnly(); got != tc.want && tc.r != ReasonNone {
			t.Errorf("%v with another text: StateOnly %v, want %v", tc.r, got, tc.want)
		}
	}
}
