package render

import (
	"fmt"
	"io"
	"strconv"

	"github.com/roster-dev/roster/internal/mdtext"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// TextOptions say how the text plan is printed.
type TextOptions struct {
	// Color adds ANSI colours. The CLI turns it on only for a terminal
	// without --no-color and without NO_COLOR.
	Color bool
}

// ANSI escape codes.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

// style is how change lines are drawn: for a terminal (optionally in
// colour) or for a markdown ```diff block, where the action marker moves to
// the first column and an update's "~" becomes "!" so that the block is
// highlighted.
type style struct {
	color bool
	diff  bool
}

func (st style) indent(b []byte) []byte {
	if st.diff {
		return b
	}
	return append(b, ' ', ' ')
}

func (st style) paint(b []byte, code string, s string) []byte {
	if !st.color {
		return append(b, s...)
	}
	b = append(b, code...)
	b = append(b, s...)
	return append(b, ansiReset...)
}

func (st style) paintClean(b []byte, code string, s string) []byte {
	if st.color {
		b = append(b, code...)
	}
	b = mdtext.Printable(b, s)
	if st.color {
		b = append(b, ansiReset...)
	}
	return b
}

type marker struct {
	text, diff, color string
}

var (
	markCreate = marker{"+", "+", ansiGreen}
	markUpdate = marker{"~", "!", ansiYellow}
	markDelete = marker{"-", "-", ansiRed}
)

func markerOf(a plan.Action) marker {
	switch a {
	case plan.Create:
		return markCreate
	case plan.Delete:
		return markDelete
	}
	return markUpdate
}

func (st style) mark(b []byte, m marker) []byte {
	if st.diff {
		return append(b, m.diff...)
	}
	return st.paint(b, m.color, m.text)
}

var riskColor = map[plan.Risk]string{
	plan.RiskEscalation: ansiRed,
	plan.RiskExternal:   ansiYellow,
	plan.RiskProduction: ansiYellow,
	plan.RiskOwner:      ansiRed,
	plan.RiskRemoval:    ansiRed,
	plan.RiskExpired:    ansiYellow,
	plan.RiskDrift:      ansiYellow,
}

func verb(a plan.Action) string {
	switch a {
	case plan.Create:
		return "created"
	case plan.Update:
		return "updated"
	case plan.Delete:
		return "removed"
	case plan.Move:
		return "moved"
	}
	return "changed (" + string(a) + ")"
}

// appendTextValue appends an attribute value as the text plan shows it: null,
// true/false, a quoted string, or a list ["a", "b"].
func appendTextValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return strconv.AppendQuote(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case []string:
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',', ' ')
			}
			b = strconv.AppendQuote(b, s)
		}
		return append(b, ']')
	}
	return strconv.AppendQuote(b, fmt.Sprint(v))
}

func attrsOf(o *model.Object) []model.Attr {
	if o == nil {
		return nil
	}
	return o.Attrs()
}

// attrDiff is one attribute of a change as printed.
type attrDiff struct {
	name          string
	before, after any
}

// changedAttrs lists the attributes whose values differ between before and
// after (either may be nil), in attribute order.
func changedAttrs(before, after *model.Object, dst []attrDiff) []attrDiff {
	ba, aa := attrsOf(before), attrsOf(after)
	find := func(list []model.Attr, i int, name string) any {
		if i < len(list) && list[i].Name == name {
			return list[i].Value
		}
		for _, a := range list {
			if a.Name == name {
				return a.Value
			}
		}
		return nil
	}
	names := aa
	if len(ba) > len(aa) {
		names = ba
	}
	for i, a := range names {
		x, y := find(ba, i, a.Name), find(aa, i, a.Name)
		if !model.AttrEqual(x, y) {
			dst = append(dst, attrDiff{a.Name, x, y})
		}
	}
	return dst
}

const spaces = "                                                                "

func pad(b []byte, n int) []byte {
	for n > len(spaces) {
		b = append(b, spaces...)
		n -= len(spaces)
	}
	return append(b, spaces[:max(n, 0)]...)
}

// appendChange appends the lines of one change, each ending in a newline:
// the comment line, the address line and the attributes.
func appendChange(b []byte, c *plan.Change, addr string, risks []plan.Risk, st style, scratch []attrDiff) ([]byte, []attrDiff) {
	m := markerOf(c.Action)

	// # ADDR will be created (WHY)  [risk, risk]
	b = st.indent(b)
	b = append(b, '#', ' ')
	b = st.paintClean(b, ansiBold, addr)
	b = append(b, " will be "...)
	b = append(b, verb(c.Action)...)
	if c.Action == plan.Move {
		b = append(b, " from "...)
		b = mdtext.Printable(b, c.From().String())
	}
	if c.Why != "" {
		b = append(b, ' ', '(')
		b = mdtext.Printable(b, c.Why)
		b = append(b, ')')
	}
	if len(risks) > 0 {
		b = append(b, ' ', ' ', '[')
		for i, r := range risks {
			if i > 0 {
				b = append(b, ',', ' ')
			}
			code, ok := riskColor[r]
			if !ok {
				code = ansiYellow
			}
			b = st.paintClean(b, code, string(r))
		}
		b = append(b, ']')
	}
	b = append(b, '\n')

	// + ADDR
	b = st.indent(b)
	b = st.mark(b, m)
	b = append(b, ' ')
	b = st.paintClean(b, ansiBold, addr)
	b = append(b, '\n')

	// Attributes.
	scratch = scratch[:0]
	switch c.Action {
	case plan.Create, plan.Delete:
		o := c.After
		if c.Action == plan.Delete {
			o = c.Before
		}
		for _, a := range attrsOf(o) {
			if a.Value != nil {
				scratch = append(scratch, attrDiff{name: a.Name, after: a.Value})
			}
		}
	default:
		scratch = changedAttrs(c.Before, c.After, scratch)
	}
	width := 0
	for _, a := range scratch {
		width = max(width, len(a.name))
	}
	for _, a := range scratch {
		if st.diff {
			b = append(b, m.diff...)
			b = append(b, "     "...)
		} else {
			b = append(b, "      "...)
			b = st.mark(b, m)
			b = append(b, ' ')
		}
		b = append(b, a.name...)
		b = pad(b, width-len(a.name))
		b = append(b, " = "...)
		if c.Action == plan.Update || c.Action == plan.Move {
			b = appendTextValue(b, a.before)
			b = append(b, " → "...)
		}
		b = appendTextValue(b, a.after)
		b = append(b, '\n')
	}
	return b, scratch
}

// headline is the attribute a drift line shows for an object that only one
// side has.
var headline = map[model.Kind]string{
	model.KindMember: "role",
	model.KindGrant:  "role",
	model.KindGroup:  "members",
	model.KindSite:   "remote_id",
	model.KindTeam:   "platform",
}

// appendDrift appends one line of "Changes outside roster:".
func appendDrift(b []byte, d *plan.Drift, addr string, st style) []byte {
	b = st.indent(b)
	switch {
	case d.Before == nil && d.After != nil:
		b = st.mark(b, markCreate)
		b = append(b, ' ')
		b = st.paintClean(b, ansiBold, addr)
		b = append(b, ": not in state"...)
		attrs := d.After.Attrs()
		name := headline[d.After.Addr.Kind]
		shown := 0
		for _, a := range attrs {
			if a.Name == name && a.Value != nil {
				b = append(b, ", live "...)
				b = append(b, a.Name...)
				b = append(b, ' ')
				b = appendTextValue(b, a.Value)
				shown++
			}
		}
		if shown == 0 {
			// No headline attribute: show what is set.
			for _, a := range attrs {
				if a.Value == nil {
					continue
				}
				if shown == 0 {
					b = append(b, ", live "...)
				} else {
					b = append(b, ", "...)
				}
				b = append(b, a.Name...)
				b = append(b, ' ')
				b = appendTextValue(b, a.Value)
				shown++
			}
		}
		if shown == 0 {
			b = append(b, ", found live"...)
		}
	case d.Before != nil && d.After == nil:
		b = st.mark(b, markDelete)
		b = append(b, ' ')
		b = st.paintClean(b, ansiBold, addr)
		b = append(b, ": in state, gone from the platform"...)
	default:
		b = st.mark(b, markUpdate)
		b = append(b, ' ')
		b = st.paintClean(b, ansiBold, addr)
		b = append(b, ':')
		diffs := changedAttrs(d.Before, d.After, nil)
		if len(diffs) == 0 {
			b = append(b, " no attribute differs"...)
		}
		for i, a := range diffs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, ' ')
			b = append(b, a.name...)
			b = append(b, ' ')
			b = appendTextValue(b, a.before)
			b = append(b, " → "...)
			b = appendTextValue(b, a.after)
		}
	}
	if d.Via == model.ViaAccount {
		b = append(b, viaAccountText...)
	}
	return append(b, '\n')
}

// viaAccountText ends a drift line of access held through an account
// binding (GA4): it is the person's access on every site of the team.
const viaAccountText = "; via account: the account binding covers every property"

// appendFollowUp appends "  - SITE: TEXT (TASK)".
func appendFollowUp(b []byte, f *plan.FollowUp, addr string) []byte {
	b = append(b, "  - "...)
	b = mdtext.Printable(b, addr)
	b = append(b, ':', ' ')
	b = mdtext.Printable(b, f.Text)
	b = append(b, ' ', '(')
	b = mdtext.Printable(b, f.Task)
	return append(b, ')', '\n')
}

// manualLine is the line that points at the runbook, worded as schema/sync.md
// writes it ("N manual steps await confirmation; see roster runbook"),
// whatever N, so that scripts can match one pattern.
func manualLine(n int) string {
	return strconv.Itoa(n) + " manual steps await confirmation; see roster runbook"
}

// summaryLine is "Plan: N to add, N to change, N to remove." (with ", N to
// move" before the period when there are moves) or "No changes.".
func summaryLine(v *view) string {
	if len(v.p.Changes) == 0 {
		return "No changes."
	}
	line := "Plan: " + strconv.Itoa(v.add) + " to add, " + strconv.Itoa(v.chg) + " to change, " + strconv.Itoa(v.rmv) + " to remove"
	if v.mov > 0 {
		line += ", " + strconv.Itoa(v.mov) + " to move"
	}
	return line + "."
}

// WriteText writes the text plan: drift under "Changes outside roster:",
// each change with its attributes and risks, follow-up tasks, the count of
// open manual steps, and the summary line last.
func WriteText(w io.Writer, p *plan.Plan, opts TextOptions) error {
	v := newView(p)
	st := style{color: opts.Color}
	tw := &sink{w: w, b: make([]byte, 0, flushAt+4096)}
	b := tw.b

	if len(v.drift) > 0 {
		b = st.paint(b, ansiBold, "Changes outside roster:")
		b = append(b, '\n')
		for _, i := range v.drift {
			b = appendDrift(b, &p.Drift[i], v.driftAddrs[i], st)
		}
		b = append(b, '\n')
	}

	var scratch []attrDiff
	for _, i := range v.changes {
		b, scratch = appendChange(b, &p.Changes[i], v.changeAddrs[i], v.changeRiskSort[i], st, scratch)
		b = append(b, '\n')
		if len(b) >= flushAt {
			tw.b = b
			tw.flush()
			b = tw.b
		}
	}

	if len(v.followUps) > 0 {
		b = st.paint(b, ansiBold, "Follow-up tasks:")
		b = append(b, '\n')
		for _, i := range v.followUps {
			b = appendFollowUp(b, &p.FollowUps[i], v.followUpAddrs[i])
		}
		b = append(b, '\n')
	}

	if len(p.Manual) > 0 {
		b = append(b, manualLine(len(p.Manual))...)
		b = append(b, '\n', '\n')
	}

	if len(p.Changes) == 0 {
		b = st.paint(b, ansiBold+ansiGreen, "No changes.")
	} else {
		b = st.paint(b, ansiBold, "Plan:")
		b = append(b, summaryLine(v)[len("Plan:"):]...)
	}
	b = append(b, '\n')
	tw.b = b
	tw.flush()
	return tw.err
}

// flushAt is the size at which the text writer hands its buffer to the
// underlying writer.
const flushAt = 64 << 10

// sink collects output in a buffer and hands it to w in large chunks,
// keeping the first write error. The text writer appends to b.
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
