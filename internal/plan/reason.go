package plan

import "strings"

// Reason is why the planner made a change that the configuration did not
// ask for in so many words (as Terraform's ResourceInstanceChangeActionReason).
// Meaning lives here: StateOnly, follow-ups and the apply engine switch on
// it. Change.Why is its text, derived by Text, and is all a plan file or a
// JSON plan stores: ReasonOf reads it back, so plan files written before
// the enum existed keep their meaning (the texts are therefore fixed:
// TestReasonOfReleasedTexts).
type Reason uint8

// The reasons. The zero value is no reason (Why is empty).
const (
	ReasonNone Reason = iota
	// ReasonExpired: a declared object's expiry has passed; Why carries
	// the expiry as written ("expired 2026-06-01").
	ReasonExpired
	// ReasonInvitationExpired: a pending invitation lapsed and is sent
	// again.
	ReasonInvitationExpired
	// ReasonInvitationUpdated: the change updates a pending invitation.
	ReasonInvitationUpdated
	// ReasonForgotten: a connected team's site (or a grant on it) is no
	// longer declared; roster forgets it in the state only and changes
	// nothing on the platform (schema/sync.md). No risk, no follow-up.
	ReasonForgotten
	// ReasonConnected and ReasonDisconnected: a team update that only
	// records that its connection block came or went; the state alone
	// makes it.
	ReasonConnected
	ReasonDisconnected
	// ReasonNoAccessLeft: removing a person's membership of a connected
	// team whose access is declared nowhere and seen nowhere else.
	ReasonNoAccessLeft
	// ReasonWithdrawn: a manual step waiting is withdrawn because the
	// configuration declares the access that exists again; the state
	// alone makes it.
	ReasonWithdrawn
	// ReasonOther: a text that is none of the above (an adoption's or an
	// import's explanation carried on a change).
	ReasonOther
)

// Why texts of the reasons without a detail (schema/sync.md); the plan's text and
// JSON output show them as they are.
const (
	WhyInvitationExpired = "invitation expired"
	WhyInvitationUpdated = "invitation updated"
	WhyForgotten         = "no longer declared: forgotten in the state only, nothing changes on the platform"
	WhyConnected         = "connection added: recorded in the state only"
	WhyDisconnected      = "connection removed: recorded in the state only"
	WhyNoAccessLeft      = "no access left: declared nowhere in the team, and no access on sites the team does not declare"
	WhyWithdrawn         = "the manual step waiting is withdrawn: recorded in the state only"
)

const whyExpiredPrefix = "expired "

var reasonText = map[Reason]string{
	ReasonInvitationExpired: WhyInvitationExpired,
	ReasonInvitationUpdated: WhyInvitationUpdated,
	ReasonForgotten:         WhyForgotten,
	ReasonConnected:         WhyConnected,
	ReasonDisconnected:      WhyDisconnected,
	ReasonNoAccessLeft:      WhyNoAccessLeft,
	ReasonWithdrawn:         WhyWithdrawn,
}

// Text is the Why of a change for r. detail is the expiry as written for
// ReasonExpired and the whole text for ReasonOther; other reasons ignore it.
func (r Reason) Text(detail string) string {
	switch r {
	case ReasonNone:
		return ""
	case ReasonExpired:
		return whyExpiredPrefix + detail
	case ReasonOther:
		return detail
	}
	return reasonText[r]
}

// ReasonOf reads a Why text back into its reason.
func ReasonOf(why string) Reason {
	if why == "" {
		return ReasonNone
	}
	for r, text := range reasonText {
		if why == text {
			return r
		}
	}
	if strings.HasPrefix(why, whyExpiredPrefix) {
		return ReasonExpired
	}
	return ReasonOther
}

// SetReason gives c reason r and the Why text derived from it.
func (c *Change) SetReason(r Reason, detail string) {
	c.Reason = r
	c.Why = r.Text(detail)
}

// Because is c's reason: Reason, or for a change built with only a Why
// text (a plan read by an older decoder), the reason that text names.
func (c *Change) Because() Reason {
	if c.Reason != ReasonNone || c.Why == "" {
		return c.Reason
	}
	return ReasonOf(c.Why)
}
