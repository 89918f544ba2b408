package plan

import (
	"slices"
	"time"

	"github.com/roster-dev/roster/internal/model"
)

// Action is what a change does to an object.
type Action string

// The actions of schema/cli.md.
const (
	Create Action = "create"
	Update Action = "update"
	Delete Action = "delete"
	// Move re-keys an object stored under From(), and what depends on it
	// (Carried()), under Addr (language.md "moved"; sync.md "Renames").
	Move Action = "move"
)

// Risk is a tag on a change that a reviewer should weigh.
type Risk string

// The risk tags of schema/cli.md, in the order they are always listed.
const (
	RiskEscalation Risk = "escalation"
	RiskExternal   Risk = "external"
	RiskProduction Risk = "production"
	RiskOwner      Risk = "owner"
	RiskRemoval    Risk = "removal"
	// RiskPolicyWeakened: the plan is made under a policy that removes or
	// relaxes a rule of the one in force at the last apply (schema/cli.md
	// "Evidence, version 2"); every change of such a plan carries it.
	RiskPolicyWeakened Risk = "policy_weakened"
	RiskExpired        Risk = "expired"
	RiskDrift          Risk = "drift"
)

// RiskOrder lists every risk in its fixed order.
var RiskOrder = []Risk{RiskEscalation, RiskExternal, RiskProduction, RiskOwner, RiskRemoval, RiskPolicyWeakened, RiskExpired, RiskDrift}

// Change is one planned change. Before is nil for a create, After for a
// delete. Risks are in RiskOrder.
//
// The tags of Change and of the other elements of a plan are the saved
// plan file's (wire.go): fields in the order it writes them, a nil list
// written [].
type Change struct {
	Addr   model.Address `json:"address"`
	Action Action        `json:"action"`
	// Moving is what a move says besides its new address; nil for other
	// actions (most changes: a pointer keeps a 100,000-change plan small).
	// A plan file writes its members inside the change's, for moves only.
	Moving *Moving       `json:",embed"`
	Before *model.Object `json:"before"`
	After  *model.Object `json:"after"`
	Risks  []Risk        `json:"risks"`
	// Reason is why the planner made a change the configuration did not
	// ask for in so many words; Why is its text ("expired 2026-06-01",
	// "invitation expired", ...), derived from it by SetReason, and is
	// what plan files and output carry (a plan file's reads back as
	// Reason by ReasonOf).
	Why    string `json:"why"`
	Reason Reason `json:"-"`
	// Note is, on a manual step an apply reports, the platform's words on
	// why it left the change to a person (driver.Result.Note); "" on
	// every change of a plan, and never written to a plan file.
	Note string `json:"-"`
}

// Moving is where a moved object was and what moves with it.
type Moving struct {
	// From is the old address (Change.Before is the object stored there).
	From model.Address `json:"from"`
	// Carried are the stored objects under From that move with it (a
	// site's grants, a person's grants, everything in a team), at their
	// old addresses: model.Rekey gives their new ones.
	Carried []*model.Object `json:"carried"`
}

// From is a move's old address, the zero Address for other changes.
func (c *Change) From() model.Address {
	if c.Moving == nil {
		return model.Address{}
	}
	return c.Moving.From
}

// Carried are the objects a move carries (Moving.Carried), nil for other
// changes.
func (c *Change) Carried() []*model.Object {
	if c.Moving == nil {
		return nil
	}
	return c.Moving.Carried
}

// IsPersonMove reports whether c moves a member or a guest's grant: a new
// email for the same person, which no platform API can make (schema/sync.md).
func (c *Change) IsPersonMove() bool {
	if c.Action != Move {
		return false
	}
	return c.Addr.Kind == model.KindMember || c.Addr.Kind == model.KindGrant && c.Addr.Group == ""
}

// HasRisk reports whether the change carries r.
func (c *Change) HasRisk(r Risk) bool { return slices.Contains(c.Risks, r) }

// StateOnly reports whether the state alone makes c, with no driver: roster
// never creates or deletes a team or a site through an API, forgets what is
// no longer declared on a connected team, and records a connection that
// came or went (schema/sync.md). Drivers are never told of such changes
// and they cost no request. None is a step for a person, but for a team
// declared with settings (SettingsByHand): its settings are.
func (c *Change) StateOnly() bool {
	switch c.Because() {
	case ReasonForgotten, ReasonConnected, ReasonDisconnected, ReasonWithdrawn:
		return true
	}
	if c.Action == Move {
		// A site, team or group keeps its platform id: only the state
		// changes (sync.md, Renames). A person's move is not the state's.
		return !c.IsPersonMove()
	}
	return c.Addr.Kind == model.KindSite || c.Addr.Kind == model.KindTeam && c.Action != Update
}

// SettingsByHand reports whether c declares a team whose settings a person
// must set or check: roster never creates a team through an API (the
// creation is StateOnly: it adopts a team that exists), and no platform
// has an API for team settings (schema/sync.md, "Offline and connected
// teams"), so a team created with a display_name, require_2fa = true or
// an sso setting is a manual step on every platform, offline or connected.
// The state records the team at once, its settings waiting until roster
// confirm.
func (c *Change) SettingsByHand() bool {
	if c.Action != Create || c.Addr.Kind != model.KindTeam || c.After == nil {
		return false
	}
	switch c.Because() {
	case ReasonForgotten, ReasonConnected, ReasonDisconnected, ReasonWithdrawn:
		return false
	}
	return declaresSettings(c.After)
}

// declaresSettings reports whether team o is declared with settings a
// person checks: a name, two-factor authentication enforced, or single
// sign-on (require_2fa = false is every platform's default).
func declaresSettings(o *model.Object) bool {
	return o.DisplayName != "" || o.Require2FA != nil && *o.Require2FA || o.SSO != ""
}

// Follow-up tasks of schema/platforms.md.
const (
	TaskRotateAPIKey      = "rotate_api_key"
	TaskReviewSharedLinks = "review_shared_links"
)

// FollowUp is a task a person must do on a site after the plan is applied.
type FollowUp struct {
	Site model.Address `json:"address"` // a site address
	Task string        `json:"task"`
	Text string        `json:"text"`
}

// Drift is live access that differs from the stored state (schema/sync.md).
type Drift struct {
	Addr   model.Address `json:"address"`
	Before *model.Object `json:"before"` // as stored; nil when the state lacks it
	After  *model.Object `json:"after"`  // as live; nil when it is gone
	// Via is how the member's access is held where that is not plain
	// membership: model.ViaAccount for a member of a platform whose team
	// role is an account binding covering every site (GA4), "" otherwise
	// (and then not written, so other plans keep their bytes).
	Via model.Via `json:"via,omitempty"`
}

// Manual is an open manual step (schema/sync.md): a change or task waiting for a
// person to do it.
type Manual struct {
	Addr   model.Address `json:"address"`
	Task   string        `json:"task"`   // a follow-up task, or "" for a change
	Change string        `json:"change"` // the pending change's action, or "" for a task
	Text   string        `json:"text"`
}

// Seen is what the plan saw, live, of something a change of a connected
// team depends on without changing it (schema/sync.md, apply on connected teams):
// a grant's holder's membership, a group's grants when its members change,
// the access of a person whose membership is removed. `apply PLANFILE`
// refuses the plan as stale when any of it moved.
type Seen struct {
	Addr model.Address `json:"address"`
	// Object is the object at Addr as the plan saw it (nil: none).
	Object *model.Object `json:"object"`
	// Undeclared marks the record of a person's access on the sites the
	// team does not declare: Addr is their membership, Elsewhere those
	// sites' platform names, sorted (Object is then nil and not compared).
	Undeclared bool     `json:"undeclared"`
	Elsewhere  []string `json:"elsewhere"`
}

// Cost is what applying the plan will cost against a team's API budget.
type Cost struct {
	Team          string `json:"team"`
	Requests      int    `json:"requests"`
	BudgetPerHour *int   `json:"budget_per_hour"`
	ETASeconds    *int   `json:"eta_seconds"`
	// Estimate is true when the cost comes from the state alone, the
	// platform unread (plan --refresh=false): its pages and ids unknown.
	// A saved plan writes it only when true.
	Estimate bool `json:"estimate,omitzero"`
}

// Plan is the result of planning, and what a saved plan file holds.
type Plan struct {
	// CreatedAt is when the plan was made; Now the moment used for expiry.
	CreatedAt time.Time
	Now       time.Time
	// Lineage and Serial are the state the plan was made against.
	Lineage string
	Serial  uint64
	// ConfigDigest is "sha256:…" of the configuration files.
	ConfigDigest     string
	AllowMassRemoval bool
	// Reinvite allows deleting and inviting again an accepted guest whose
	// role changes where the platform cannot change it (Plausible); it is
	// kept in a saved plan (schema/sync.md).
	Reinvite bool
	// Commit and ChangeRequest are known at plan time (schema/cli.md): apply uses
	// them unless its own flags say otherwise.
	Commit        string
	ChangeRequest string
	// Signature is a saved plan file's signature of its digest (schema/cli.md
	// "Evidence, version 2"), as Decode read it; nil when unsigned. It is
	// not part of the plan the digest covers.
	Signature *Signature

	Drift     []Drift
	Changes   []Change
	FollowUps []FollowUp
	Manual    []Manual
	// Upcoming are the changes of this plan that apply will record as
	// manual steps (Change set); Diagnostics the warnings and notes of
	// its making. A saved plan keeps both, written only when there are
	// any.
	Upcoming    []Manual
	Diagnostics []Diagnostic
	Cost        []Cost
	// Seen is what the changes of connected teams depend on, as the plan
	// saw it; empty for offline teams.
	Seen []Seen

	// Held are changes planned but left out by Input.Only (apply --only):
	// not made, not saved, and not to be overwritten by what a refresh
	// read; they stay for the next plan.
	Held []Change
}

// Moves counts the move changes (the summary's "N to move").
func (p *Plan) Moves() int {
	n := 0
	for i := range p.Changes {
		if p.Changes[i].Action == Move {
			n++
		}
	}
	return n
}

// Summary counts the changes by action: add, change, remove (moves are
// counted by Moves).
func (p *Plan) Summary() (add, change, remove int) {
	for i := range p.Changes {
		switch p.Changes[i].Action {
		case Create:
			add++
		case Update:
			change++
		case Delete:
			remove++
		}
	}
	return
}

// Empty reports whether the plan has nothing to do.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }
