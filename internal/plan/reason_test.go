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

// TestReasonOfReleasedTexts: a saved plan file carries a change's reason
// only as its why text, and `apply PLANFILE` takes a file an earlier
// roster wrote (re-encoding it must give its bytes back, for its digest
// and signature, so the file cannot simply gain a reason member). These
// texts are in such files: each must keep reading as its reason, or
// a forgotten site read from an old file would be deleted on the
// platform. Reword a Why only with its old text still read here.
func TestReasonOfReleasedTexts(t *testing.T) {
	for why, want := range map[string]Reason{
		"":                   ReasonNone,
		"expired 2026-06-01": ReasonExpired,
		"invitation expired": ReasonInvitationExpired,
		"invitation updated": ReasonInvitationUpdated,
		"no longer declared: forgotten in the state only, nothing changes on the platform":               ReasonForgotten,
		"connection added: recorded in the state only":                                                   ReasonConnected,
		"connection removed: recorded in the state only":                                                 ReasonDisconnected,
		"no access left: declared nowhere in the team, and no access on sites the team does not declare": ReasonNoAccessLeft,
		"the manual step waiting is withdrawn: recorded in the state only":                               ReasonWithdrawn,
		"adopted from the platform":                                                                      ReasonOther,
	} {
		if got := ReasonOf(why); got != want {
			t.Errorf("ReasonOf(%q) = %d, want %d", why, got, want)
		}
	}
}
