package render

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/roster-dev/roster/internal/diag"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// FormatVersion is the version of the JSON plan document. It changes only
// when a field is removed or changes meaning; new fields may be added to
// version "1".
const FormatVersion = "1"

// PlanJSON is the JSON plan of schema/cli.md ("JSON plan"), as `plan --format json`
// and `show --json PLANFILE` print it. Every slice is non-nil, so it is
// written as [] when empty.
type PlanJSON struct {
	FormatVersion    string           `json:"format_version"`
	RosterVersion    string           `json:"roster_version"`
	CreatedAt        string           `json:"created_at"`
	Now              string           `json:"now"`
	State            StateJSON        `json:"state"`
	ConfigDigest     string           `json:"config_digest"`
	AllowMassRemoval bool             `json:"allow_mass_removal"`
	Drift            []DriftJSON      `json:"drift"`
	Changes          []ChangeJSON     `json:"changes"`
	FollowUps        []FollowUpJSON   `json:"follow_ups"`
	Manual           []ManualJSON     `json:"manual"`
	Cost             []CostJSON       `json:"cost"`
	Diagnostics      []DiagnosticJSON `json:"diagnostics"`
	Summary          SummaryJSON      `json:"summary"`
}

// DiagnosticJSON is a warning of the configuration or a note of the
// planning, as the text plan prints them on stderr; Range is null when
// the diagnostic points nowhere in the configuration.
type DiagnosticJSON struct {
	Severity plan.Severity   `json:"severity"`
	Summary  string          `json:"summary"`
	Detail   string          `json:"detail"`
	Range    *diag.RangeJSON `json:"range"`
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
	From    string      `json:"from,omitempty"` // a move's old address
	Before  Attrs       `json:"before"`
	After   Attrs       `json:"after"`
	Risks   []plan.Risk `json:"risks"`
	Why     string      `json:"why"`
}

// FollowUpJSON is a task a person must do on a site after the apply.
type FollowUpJSON struct {
	Address string `json:"address"`
	Task    string `json:"task"`
	Text    string `json:"text"`
}

// ManualJSON is a manual step: Task is set for a follow-up, Change (the
// pending change's action) for a change; the other is "". Planned is true
// for a change of this plan that apply will record as a step, false for a
// step already open.
type ManualJSON struct {
	Address string `json:"address"`
	Task    string `json:"task"`
	Change  string `json:"change"`
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
	Move   int `json:"move,omitempty"`
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

// MarshalJSON writes the attributes as one compact JSON object, keys in
// order.
func (a Attrs) MarshalJSON() ([]byte, error) {
	if a == nil {
		return []byte("null"), nil
	}
	b := []byte{'{'}
	for i, at := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, at.Name)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, at.Value, -1); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// timeString prints t in UTC, seconds precision, with a "Z".
func timeString(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// NewPlanJSON builds the JSON document of p. json.Marshal of the result,
// indented by two spaces and without HTML escaping, is exactly what
// WriteJSON writes; WriteJSON is faster for large plans.
func NewPlanJSON(p *plan.Plan, rosterVersion string) *PlanJSON {
	v := newView(p)
	j := &PlanJSON{
		FormatVersion:    FormatVersion,
		RosterVersion:    rosterVersion,
		CreatedAt:        timeString(p.CreatedAt),
		Now:              timeString(p.Now),
		State:            StateJSON{Lineage: p.Lineage, Serial: p.Serial},
		ConfigDigest:     p.ConfigDigest,
		AllowMassRemoval: p.AllowMassRemoval,
		Drift:            make([]DriftJSON, 0, len(p.Drift)),
		Changes:          make([]ChangeJSON, 0, len(p.Changes)),
		FollowUps:        make([]FollowUpJSON, 0, len(p.FollowUps)),
		Manual:           make([]ManualJSON, 0, len(p.Manual)+len(p.Upcoming)),
		Cost:             make([]CostJSON, 0, len(p.Cost)),
		Diagnostics:      make([]DiagnosticJSON, 0, len(p.Diagnostics)),
		Summary:          SummaryJSON{Add: v.add, Change: v.chg, Remove: v.rmv, Move: v.mov},
	}
	for _, i := range v.drift {
		d := &p.Drift[i]
		j.Drift = append(j.Drift, DriftJSON{Address: v.driftAddrs[i], Before: AttrsOf(d.Before), After: AttrsOf(d.After), Via: d.Via})
	}
	for _, i := range v.changes {
		c := &p.Changes[i]
		risks := v.changeRiskSort[i]
		if risks == nil {
			risks = []plan.Risk{}
		}
		j.Changes = append(j.Changes, ChangeJSON{
			Address: v.changeAddrs[i],
			Kind:    c.Addr.Kind,
			Action:  c.Action,
			From:    fromOf(c),
			Before:  AttrsOf(c.Before),
			After:   AttrsOf(c.After),
			Risks:   risks,
			Why:     c.Why,
		})
	}
	for _, i := range v.followUps {
		f := &p.FollowUps[i]
		j.FollowUps = append(j.FollowUps, FollowUpJSON{Address: v.followUpAddrs[i], Task: f.Task, Text: f.Text})
	}
	for _, i := range v.manual {
		m := &p.Manual[i]
		j.Manual = append(j.Manual, ManualJSON{Address: v.manualAddrs[i], Task: m.Task, Change: m.Change, Text: m.Text})
	}
	for _, m := range p.Upcoming {
		j.Manual = append(j.Manual, ManualJSON{Address: m.Addr.String(), Task: m.Task, Change: m.Change, Text: m.Text, Planned: true})
	}
	for _, d := range p.Diagnostics {
		j.Diagnostics = append(j.Diagnostics, diagnosticJSON(d))
	}
	for _, i := range v.cost {
		c := &p.Cost[i]
		j.Cost = append(j.Cost, CostJSON{Team: c.Team, Requests: c.Requests, BudgetPerHour: c.BudgetPerHour, ETASeconds: c.ETASeconds, Estimate: c.Estimate})
	}
	return j
}

func diagnosticJSON(d plan.Diagnostic) DiagnosticJSON {
	dj := DiagnosticJSON{Severity: d.Severity, Summary: d.Summary, Detail: d.Detail}
	if r := d.Range; r != nil {
		dj.Range = &diag.RangeJSON{Filename: r.Filename,
			Start: diag.PosJSON{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte},
			End:   diag.PosJSON{Line: r.End.Line, Column: r.End.Column, Byte: r.End.Byte}}
	}
	return dj
}

// flushAt is the size at which the JSON and text writers hand their buffer
// to the underlying writer.
const flushAt = 64 << 10

// sink collects output in a buffer and hands it to w in large chunks,
// keeping the first write error. The JSON and text writers append to b.
type sink struct {
	w   io.Writer
	b   []byte
	err error
}

func (e *sink) flush() {
	if e.err == nil && len(e.b) > 0 {
		_, e.err = e.w.Write(e.b)
	}
	e.b = e.b[:0]
}

func (e *sink) maybeFlush() {
	if len(e.b) >= flushAt {
		e.flush()
	}
}

func newline(b []byte, depth int) []byte {
	b = append(b, '\n')
	for range depth {
		b = append(b, ' ', ' ')
	}
	return b
}

// key starts the member k of an object at depth: the separator, the
// indentation, the quoted key and ": ".
func key(b []byte, depth int, first bool, k string) []byte {
	if !first {
		b = append(b, ',')
	}
	b = newline(b, depth)
	b = append(b, '"')
	b = append(b, k...) // keys are plain ASCII
	return append(b, '"', ':', ' ')
}

func strMember(b []byte, depth int, first bool, k, v string) []byte {
	b = key(b, depth, first, k)
	return appendJSONString(b, v)
}

// intMember writes a number member that is not the first of its object.
func intMember(b []byte, depth int, k string, v int) []byte {
	b = key(b, depth, false, k)
	return strconv.AppendInt(b, int64(v), 10)
}

func intPtr(b []byte, v *int) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(*v), 10)
}

// appendValue writes one attribute value. depth < 0 writes compactly;
// otherwise lists are indented as encoding/json indents them at depth.
func appendValue(b []byte, v any, depth int) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case []string:
		if x == nil {
			return append(b, "null"...), nil
		}
		if len(x) == 0 {
			return append(b, '[', ']'), nil
		}
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if depth >= 0 {
				b = newline(b, depth+1)
			}
			b = appendJSONString(b, s)
		}
		if depth >= 0 {
			b = newline(b, depth)
		}
		return append(b, ']'), nil
	}
	// Not a value Object.Attrs makes; encode it the general way.
	raw, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	if depth >= 0 {
		var buf []byte
		if buf, err = indentJSON(raw, depth); err != nil {
			return b, err
		}
		raw = buf
	}
	return append(b, raw...), nil
}

func indentJSON(raw []byte, depth int) ([]byte, error) {
	prefix := make([]byte, 0, 2*depth)
	for range depth {
		prefix = append(prefix, ' ', ' ')
	}
	var out bytes.Buffer
	err := json.Indent(&out, raw, string(prefix), "  ")
	return out.Bytes(), err
}

// appendAttrs writes an object's attributes as an indented object at depth
// (the depth of its own braces), or null.
func appendAttrs(b []byte, o *model.Object, depth int) ([]byte, error) {
	if o == nil {
		return append(b, "null"...), nil
	}
	attrs := o.Attrs()
	if len(attrs) == 0 {
		return append(b, '{', '}'), nil
	}
	b = append(b, '{')
	for i := range attrs {
		b = key(b, depth+1, i == 0, attrs[i].Name)
		var err error
		if b, err = appendValue(b, attrs[i].Value, depth+1); err != nil {
			return b, err
		}
	}
	b = newline(b, depth)
	return append(b, '}'), nil
}

// WriteJSON writes the JSON plan of p, indented by two spaces, ending in a
// newline. The same plan always gives the same bytes.
func WriteJSON(w io.Writer, p *plan.Plan, rosterVersion string) error {
	v := newView(p)
	e := &sink{w: w, b: make([]byte, 0, flushAt+4096)}
	b := append(e.b, '{')
	b = strMember(b, 1, true, "format_version", FormatVersion)
	b = strMember(b, 1, false, "roster_version", rosterVersion)
	b = strMember(b, 1, false, "created_at", timeString(p.CreatedAt))
	b = strMember(b, 1, false, "now", timeString(p.Now))
	b = key(b, 1, false, "state")
	b = append(b, '{')
	b = strMember(b, 2, true, "lineage", p.Lineage)
	b = key(b, 2, false, "serial")
	b = strconv.AppendUint(b, p.Serial, 10)
	b = newline(b, 1)
	b = append(b, '}')
	b = strMember(b, 1, false, "config_digest", p.ConfigDigest)
	b = key(b, 1, false, "allow_mass_removal")
	b = strconv.AppendBool(b, p.AllowMassRemoval)
	e.b = b

	var err error
	e.array("drift", v.drift, func(b []byte, i int) []byte {
		d := &p.Drift[i]
		b = strMember(b, 3, true, "address", v.driftAddrs[i])
		b = key(b, 3, false, "before")
		if b, err = appendAttrs(b, d.Before, 3); err != nil {
			return b
		}
		b = key(b, 3, false, "after")
		b, err = appendAttrs(b, d.After, 3)
		if d.Via != "" {
			b = strMember(b, 3, false, "via", string(d.Via))
		}
		return b
	})
	e.array("changes", v.changes, func(b []byte, i int) []byte {
		c := &p.Changes[i]
		b = strMember(b, 3, true, "address", v.changeAddrs[i])
		b = strMember(b, 3, false, "kind", string(c.Addr.Kind))
		b = strMember(b, 3, false, "action", string(c.Action))
		if c.Action == plan.Move {
			b = strMember(b, 3, false, "from", c.From.String())
		}
		b = key(b, 3, false, "before")
		if b, err = appendAttrs(b, c.Before, 3); err != nil {
			return b
		}
		b = key(b, 3, false, "after")
		if b, err = appendAttrs(b, c.After, 3); err != nil {
			return b
		}
		b = key(b, 3, false, "risks")
		risks := v.changeRiskSort[i]
		if len(risks) == 0 {
			b = append(b, '[', ']')
		} else {
			b = append(b, '[')
			for k, r := range risks {
				if k > 0 {
					b = append(b, ',')
				}
				b = newline(b, 4)
				b = appendJSONString(b, string(r))
			}
			b = newline(b, 3)
			b = append(b, ']')
		}
		return strMember(b, 3, false, "why", c.Why)
	})
	e.array("follow_ups", v.followUps, func(b []byte, i int) []byte {
		f := &p.FollowUps[i]
		b = strMember(b, 3, true, "address", v.followUpAddrs[i])
		b = strMember(b, 3, false, "task", f.Task)
		return strMember(b, 3, false, "text", f.Text)
	})
	// The open steps, then the changes of this plan that will be steps.
	manual := slices.Clone(v.manual)
	for k := range p.Upcoming {
		manual = append(manual, len(p.Manual)+k)
	}
	e.array("manual", manual, func(b []byte, i int) []byte {
		planned := i >= len(p.Manual)
		var m *plan.Manual
		var addr string
		if planned {
			m = &p.Upcoming[i-len(p.Manual)]
			addr = m.Addr.String()
		} else {
			m, addr = &p.Manual[i], v.manualAddrs[i]
		}
		b = strMember(b, 3, true, "address", addr)
		b = strMember(b, 3, false, "task", m.Task)
		b = strMember(b, 3, false, "change", m.Change)
		b = strMember(b, 3, false, "text", m.Text)
		b = key(b, 3, false, "planned")
		return strconv.AppendBool(b, planned)
	})
	e.array("cost", v.cost, func(b []byte, i int) []byte {
		c := &p.Cost[i]
		b = strMember(b, 3, true, "team", c.Team)
		b = intMember(b, 3, "requests", c.Requests)
		b = key(b, 3, false, "budget_per_hour")
		b = intPtr(b, c.BudgetPerHour)
		b = key(b, 3, false, "eta_seconds")
		b = intPtr(b, c.ETASeconds)
		b = key(b, 3, false, "estimate")
		return strconv.AppendBool(b, c.Estimate)
	})
	diags := make([]int, len(p.Diagnostics))
	for k := range diags {
		diags[k] = k
	}
	e.array("diagnostics", diags, func(b []byte, i int) []byte {
		d := diagnosticJSON(p.Diagnostics[i])
		b = strMember(b, 3, true, "severity", string(d.Severity))
		b = strMember(b, 3, false, "summary", d.Summary)
		b = strMember(b, 3, false, "detail", d.Detail)
		b = key(b, 3, false, "range")
		if d.Range == nil {
			return append(b, "null"...)
		}
		b = append(b, '{')
		b = strMember(b, 4, true, "filename", d.Range.Filename)
		for _, pos := range []struct {
			name string
			p    diag.PosJSON
		}{{"start", d.Range.Start}, {"end", d.Range.End}} {
			b = key(b, 4, false, pos.name)
			b = append(b, '{')
			b = key(b, 5, true, "line")
			b = strconv.AppendInt(b, int64(pos.p.Line), 10)
			b = intMember(b, 5, "column", pos.p.Column)
			b = intMember(b, 5, "byte", pos.p.Byte)
			b = newline(b, 4)
			b = append(b, '}')
		}
		b = newline(b, 3)
		return append(b, '}')
	})
	if err != nil {
		return err
	}
	b = key(e.b, 1, false, "summary")
	b = append(b, '{')
	b = key(b, 2, true, "add")
	b = strconv.AppendInt(b, int64(v.add), 10)
	b = intMember(b, 2, "change", v.chg)
	b = intMember(b, 2, "remove", v.rmv)
	if v.mov > 0 {
		b = intMember(b, 2, "move", v.mov)
	}
	b = newline(b, 1)
	b = append(b, '}', '\n', '}', '\n')
	e.b = b
	e.flush()
	return e.err
}

// array writes the member name: [ {...}, ... ] of the top-level object, one
// element per index, each written by elem inside its braces at depth 2.
func (e *sink) array(name string, idx []int, elem func(b []byte, i int) []byte) {
	b := key(e.b, 1, false, name)
	if len(idx) == 0 {
		e.b = append(b, '[', ']')
		return
	}
	b = append(b, '[')
	for k, i := range idx {
		if k > 0 {
			b = append(b, ',')
		}
		b = newline(b, 2)
		b = append(b, '{')
		b = elem(b, i)
		b = newline(b, 2)
		b = append(b, '}')
		e.b = b
		e.maybeFlush()
		b = e.b
	}
	b = newline(b, 1)
	e.b = append(b, ']')
}

// fromOf is a move's old address, "" for other changes.
func fromOf(c *plan.Change) string {
	if c.Action != plan.Move {
		return ""
	}
	return c.From.String()
}
