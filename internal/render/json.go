package render

import (
	"io"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// FormatVersion is the version of the JSON plan document. It changes only
// when a field is removed or changes meaning; new fields may be added to
// version "1".
const FormatVersion = "1"

// The JSON plan's wire types and their one codec, json/v2
// (github.com/go-json-experiment/json): indented by two spaces, no HTML
// escaping, U+2028 and U+2029 escaped, as encoding/json wrote it before.

// jsonOpts are the options the JSON plan is written with.
var jsonOpts = json.JoinOptions(jsontext.WithIndent("  "), jsontext.EscapeForJS(true), jsontext.AllowInvalidUTF8(true))

// PlanJSON is the JSON plan of schema/cli.md ("JSON plan"), as `plan --format json`
// and `show --json PLANFILE` print it. Every list is written as [] when
// empty.
type PlanJSON struct {
	FormatVersion    string                `json:"format_version"`
	RosterVersion    string                `json:"roster_version"`
	CreatedAt        string                `json:"created_at"`
	Now              string                `json:"now"`
	State            StateJSON             `json:"state"`
	ConfigDigest     string                `json:"config_digest"`
	AllowMassRemoval bool                  `json:"allow_mass_removal"`
	Drift            List[DriftJSON]       `json:"drift"`
	Changes          List[ChangeJSON]      `json:"changes"`
	FollowUps        List[plan.FollowUp]   `json:"follow_ups"`
	Manual           List[ManualJSON]      `json:"manual"`
	Cost             List[CostJSON]        `json:"cost"`
	Diagnostics      List[plan.Diagnostic] `json:"diagnostics"`
	Summary          SummaryJSON           `json:"summary"`
}

// List is a JSON array whose elements are made as they are written, one
// at a time, so that a plan of 100,000 changes is never held twice in
// memory.
type List[T any] struct {
	Len int
	// At returns the element i, 0 <= i < Len.
	At func(i int) T
}

// listOf is the List of n elements made by at.
func listOf[T any](n int, at func(int) T) List[T] { return List[T]{Len: n, At: at} }

// MarshalJSONTo writes the elements as one array.
func (l List[T]) MarshalJSONTo(enc *jsontext.Encoder) error {
	if err := enc.WriteToken(jsontext.BeginArray); err != nil {
		return err
	}
	var v T // one variable for every element: no allocation each
	for i := range l.Len {
		v = l.At(i)
		if err := json.MarshalEncode(enc, &v); err != nil {
			return err
		}
	}
	return enc.WriteToken(jsontext.EndArray)
}

// StateJSON is the state a plan was made against.
type StateJSON struct {
	Lineage string `json:"lineage"`
	Serial  uint64 `json:"serial"`
}

// DriftJSON is live access that differs from the state (schema/sync.md). Before is
// what the state holds, After what is live; either is null when absent.
type DriftJSON struct {
	Address string `json:"address"`
	Before  Attrs  `json:"before"`
	After   Attrs  `json:"after"`
	// Via is "account" where the access is an account binding covering
	// every site (GA4); left out otherwise.
	Via model.Via `json:"via,omitempty"`
}

// ChangeJSON is one planned change.
type ChangeJSON struct {
	Address string      `json:"address"`
	Kind    model.Kind  `json:"kind"`
	Action  plan.Action `json:"action"`
	From    string      `json:"from,omitzero"` // a move's old address
	Before  Attrs       `json:"before"`
	After   Attrs       `json:"after"`
	Risks   []plan.Risk `json:"risks"`
	Why     string      `json:"why"`
}

// ManualJSON is a manual step: Task is set for a follow-up, Change (the
// pending change's action) for a change; the other is left out (sync.md
// "JSON additions": task or change). Planned is true for a change of this
// plan that apply will record as a step, false for a step already open.
type ManualJSON struct {
	Address string `json:"address"`
	Task    string `json:"task,omitzero"`
	Change  string `json:"change,omitzero"`
	Text    string `json:"text"`
	Planned bool   `json:"planned"`
}

// CostJSON is what the apply will cost against a team's API budget;
// BudgetPerHour and ETASeconds are null when the team has no budget.
type CostJSON struct {
	Team          string `json:"team"`
	Requests      int    `json:"requests"`
	BudgetPerHour *int   `json:"budget_per_hour"`
	ETASeconds    *int   `json:"eta_seconds"`
	// Estimate is true when no platform was read (plan --refresh=false).
	Estimate bool `json:"estimate"`
}

// SummaryJSON counts the changes by action.
type SummaryJSON struct {
	Add    int `json:"add"`
	Change int `json:"change"`
	Remove int `json:"remove"`
	Move   int `json:"move,omitzero"`
}

// Attrs is an object's attributes as the JSON plan writes them: every
// attribute of its kind, in model.AttrNames order, null when unset. A nil
// Attrs (no object) is written as null.
type Attrs []model.Attr

// AttrsOf returns o's attributes, or nil when o is nil.
func AttrsOf(o *model.Object) Attrs {
	if o == nil {
		return nil
	}
	a := o.Attrs()
	if a == nil {
		a = []model.Attr{}
	}
	return Attrs(a)
}

// MarshalJSONTo writes the attributes as one object, keys in order.
func (a Attrs) MarshalJSONTo(enc *jsontext.Encoder) error {
	if a == nil {
		return enc.WriteToken(jsontext.Null)
	}
	if err := enc.WriteToken(jsontext.BeginObject); err != nil {
		return err
	}
	for _, at := range a {
		if err := enc.WriteToken(jsontext.String(at.Name)); err != nil {
			return err
		}
		if err := writeValue(enc, at.Value); err != nil {
			return err
		}
	}
	return enc.WriteToken(jsontext.EndObject)
}

// writeValue writes one attribute value: the kinds Object.Attrs makes as
// tokens, anything else the general way.
func writeValue(enc *jsontext.Encoder, v any) error {
	switch x := v.(type) {
	case nil:
		return enc.WriteToken(jsontext.Null)
	case string:
		return enc.WriteToken(jsontext.String(x))
	case bool:
		return enc.WriteToken(jsontext.Bool(x))
	case []string:
		if x == nil {
			return enc.WriteToken(jsontext.Null)
		}
		if err := enc.WriteToken(jsontext.BeginArray); err != nil {
			return err
		}
		for _, s := range x {
			if err := enc.WriteToken(jsontext.String(s)); err != nil {
				return err
			}
		}
		return enc.WriteToken(jsontext.EndArray)
	}
	return json.MarshalEncode(enc, v)
}

// timeString prints t in UTC, seconds precision, with a "Z".
func timeString(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// NewPlanJSON returns the JSON document of p, in the order every renderer
// prints it. Its lists read p as they are written: p must not change
// until then.
func NewPlanJSON(p *plan.Plan, rosterVersion string) *PlanJSON {
	v := newView(p)
	// The open steps, then the changes of this plan that will be steps.
	manual := func(k int) ManualJSON {
		if k < len(v.manual) {
			i := v.manual[k]
			m := &p.Manual[i]
			return ManualJSON{Address: v.manualAddrs[i], Task: m.Task, Change: m.Change, Text: m.Text}
		}
		m := &p.Upcoming[k-len(v.manual)]
		return ManualJSON{Address: m.Addr.String(), Task: m.Task, Change: m.Change, Text: m.Text, Planned: true}
	}
	return &PlanJSON{
		FormatVersion:    FormatVersion,
		RosterVersion:    rosterVersion,
		CreatedAt:        timeString(p.CreatedAt),
		Now:              timeString(p.Now),
		State:            StateJSON{Lineage: p.Lineage, Serial: p.Serial},
		ConfigDigest:     p.ConfigDigest,
		AllowMassRemoval: p.AllowMassRemoval,
		Drift: listOf(len(v.drift), func(k int) DriftJSON {
			i := v.drift[k]
			d := &p.Drift[i]
			return DriftJSON{Address: v.driftAddrs[i], Before: AttrsOf(d.Before), After: AttrsOf(d.After), Via: d.Via}
		}),
		Changes: listOf(len(v.changes), func(k int) ChangeJSON {
			i := v.changes[k]
			c := &p.Changes[i]
			risks := v.changeRiskSort[i]
			if risks == nil {
				risks = []plan.Risk{}
			}
			return ChangeJSON{Address: v.changeAddrs[i], Kind: c.Addr.Kind, Action: c.Action, From: fromOf(c),
				Before: AttrsOf(c.Before), After: AttrsOf(c.After), Risks: risks, Why: c.Why}
		}),
		// A task a person must do on a site after the apply: plan.FollowUp
		// with its tags (address, task, text), which the saved plan shares;
		// TestPlanSchema holds the JSON plan to schema/plan.schema.json,
		// so a change of those tags for the file fails there.
		FollowUps: listOf(len(v.followUps), func(k int) plan.FollowUp { return p.FollowUps[v.followUps[k]] }),
		Manual:    listOf(len(v.manual)+len(p.Upcoming), manual),
		Cost: listOf(len(v.cost), func(k int) CostJSON {
			c := &p.Cost[v.cost[k]]
			return CostJSON{Team: c.Team, Requests: c.Requests, BudgetPerHour: c.BudgetPerHour, ETASeconds: c.ETASeconds, Estimate: c.Estimate}
		}),
		// The warnings of the configuration and the notes of the planning,
		// as the text plan prints them on stderr (plan.Diagnostic's JSON).
		Diagnostics: listOf(len(p.Diagnostics), func(i int) plan.Diagnostic { return p.Diagnostics[i] }),
		Summary:     SummaryJSON{Add: v.add, Change: v.chg, Remove: v.rmv, Move: v.mov},
	}
}

// WriteJSON writes the JSON plan of p, indented by two spaces, ending in a
// newline. The same plan always gives the same bytes.
func WriteJSON(w io.Writer, p *plan.Plan, rosterVersion string) error {
	if err := json.MarshalWrite(w, NewPlanJSON(p, rosterVersion), jsonOpts); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// fromOf is a move's old address, "" for other changes.
func fromOf(c *plan.Change) string {
	if c.Action != plan.Move {
		return ""
	}
	return c.From().String()
}
