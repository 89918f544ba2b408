package plan

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/roster-dev/roster/internal/model"
)

// This file holds the two ways apply narrows what it applies to what was
// decided before (schema/cli.md, "Command line, version 2 additions"):
// `apply --reviewed PLANFILE` applies a fresh plan only when its changes
// are exactly the reviewed ones (Compare), and `apply --only CAUSE` applies
// only the changes planned for a given cause (Input.Only).

// Difference is one address where a fresh plan's change is not the
// reviewed plan's. Reviewed or Fresh is nil when that plan has no change
// there.
type Difference struct {
	Addr     model.Address
	Reviewed *Change
	Fresh    *Change
}

// Compare lists, in address order, every address where the changes of
// fresh differ from those of reviewed: a change only one of them has, or
// one whose action, before or after differs. Risks and reasons are not
// compared (they follow from the rest and from the policy), nor is
// anything else of the plans (serial, time, commit): a reviewed change
// stays reviewed whatever the state did in between, as long as the fresh
// plan makes exactly it. Objects are compared as a saved plan holds them
// (every attribute, and the connection flag), so a plan read from a file
// compares equal to the one it was saved from; status aside (see
// sameObject).
func Compare(reviewed, fresh *Plan) []Difference {
	r, f := byAddress(reviewed.Changes), byAddress(fresh.Changes)
	var out []Difference
	i, j := 0, 0
	for i < len(r) || j < len(f) {
		switch {
		case j >= len(f) || i < len(r) && r[i].key < f[j].key:
			out = append(out, Difference{Addr: r[i].c.Addr, Reviewed: r[i].c})
			i++
		case i >= len(r) || f[j].key < r[i].key:
			out = append(out, Difference{Addr: f[j].c.Addr, Fresh: f[j].c})
			j++
		default:
			if !sameChange(r[i].c, f[j].c) {
				out = append(out, Difference{Addr: r[i].c.Addr, Reviewed: r[i].c, Fresh: f[j].c})
			}
			i++
			j++
		}
	}
	return out
}

type keyedChange struct {
	key string
	c   *Change
}

// byAddress pairs each change with its address string, sorted by it (plans
// are sorted already; a plan read from elsewhere is sorted here).
func byAddress(cs []Change) []keyedChange {
	out := make([]keyedChange, len(cs))
	sorted := true
	for i := range cs {
		out[i] = keyedChange{cs[i].Addr.String(), &cs[i]}
		if i > 0 && out[i].key < out[i-1].key {
			sorted = false
		}
	}
	if !sorted {
		slices.SortStableFunc(out, func(a, b keyedChange) int { return strings.Compare(a.key, b.key) })
	}
	return out
}

func sameChange(a, b *Change) bool {
	return a.Action == b.Action && sameObject(a.Before, b.Before) && sameObject(a.After, b.After)
}

// sameObject compares two objects as a saved plan holds them, status
// aside: an invitation accepted since the review changes no decision (the
// planner ignores status too, schema/sync.md).
func sameObject(a, b *model.Object) bool {
	if a != nil && b != nil && a.Status != b.Status {
		c := *b
		c.Status = a.Status
		b = &c
	}
	return bytes.Equal(objectJSON(a), objectJSON(b))
}

// String says how the fresh plan differs at d's address, in one line.
func (d Difference) String() string {
	switch {
	case d.Fresh == nil:
		return fmt.Sprintf("%s: the reviewed plan would %s it; the fresh plan does not", d.Addr, d.Reviewed.Action)
	case d.Reviewed == nil:
		return fmt.Sprintf("%s: the fresh plan would %s it; the reviewed plan did not%s", d.Addr, d.Fresh.Action, whyNote(d.Fresh))
	case d.Reviewed.Action != d.Fresh.Action:
		return fmt.Sprintf("%s: reviewed %s, now %s%s", d.Addr, d.Reviewed.Action, d.Fresh.Action, whyNote(d.Fresh))
	}
	var parts []string
	if s := attrDiff(d.Reviewed.Before, d.Fresh.Before); s != "" {
		parts = append(parts, "before: "+s)
	}
	if s := attrDiff(d.Reviewed.After, d.Fresh.After); s != "" {
		parts = append(parts, "after: "+s)
	}
	if len(parts) == 0 {
		parts = append(parts, "the connection of the object differs")
	}
	return fmt.Sprintf("%s: %s in both, but %s", d.Addr, d.Fresh.Action, strings.Join(parts, "; "))
}

// whyNote is the fresh change's reason, or drift, in parentheses.
func whyNote(c *Change) string {
	var notes []string
	if c.Why != "" {
		notes = append(notes, c.Why)
	}
	if c.HasRisk(RiskDrift) {
		notes = append(notes, "changed outside roster")
	}
	if len(notes) == 0 {
		return ""
	}
	return " (" + strings.Join(notes, ", ") + ")"
}

// attrDiff lists the attributes where fresh differs from reviewed:
// `role "viewer" reviewed, "editor" now`.
func attrDiff(reviewed, fresh *model.Object) string {
	switch {
	case reviewed == nil && fresh == nil:
		return ""
	case reviewed == nil:
		return "none reviewed, one now"
	case fresh == nil:
		return "one reviewed, none now"
	}
	r, f := reviewed.Attrs(), fresh.Attrs()
	var parts []string
	for i := range r {
		if i < len(f) && r[i].Name != "status" && !model.AttrEqual(r[i].Value, f[i].Value) {
			parts = append(parts, fmt.Sprintf("%s %s reviewed, %s now", r[i].Name, showAttr(r[i].Value), showAttr(f[i].Value)))
		}
	}
	return strings.Join(parts, ", ")
}

func showAttr(v any) string {
	switch v := v.(type) {
	case nil:
		return "unset"
	case string:
		return fmt.Sprintf("%q", v)
	case []string:
		return fmt.Sprintf("%q", v)
	}
	return fmt.Sprint(v)
}

// Cause is why a change was planned, as far as `apply --only` tells causes
// apart. It is read from the change's typed risks, never from its text.
type Cause string

// The causes of schema/cli.md's `apply --only`.
const (
	// CauseExpired: the deletion of a membership or grant whose expiry
	// passed (risk expired); the configuration decided it when the date
	// was reviewed.
	CauseExpired Cause = "expired"
	// CauseDrift: a change planned because live access differs from the
	// state (risk drift), i.e. the revert of a change made by hand.
	CauseDrift Cause = "drift"
)

// Causes lists every cause, in the order the CLI names them.
var Causes = []Cause{CauseExpired, CauseDrift}

// ParseCause reads a cause by its name.
func ParseCause(s string) (Cause, bool) {
	for _, c := range Causes {
		if string(c) == s {
			return c, true
		}
	}
	return "", false
}

// HasCause reports whether c was planned for cause k.
func (c *Change) HasCause(k Cause) bool {
	switch k {
	case CauseExpired:
		return c.HasRisk(RiskExpired)
	case CauseDrift:
		return c.HasRisk(RiskDrift)
	}
	return false
}

// splitCauses parts changes into those planned for one of causes and the
// rest, keeping their order.
func splitCauses(changes []Change, causes []Cause) (kept, held []Change) {
	for _, c := range changes {
		keep := false
		for _, k := range causes {
			keep = keep || c.HasCause(k)
		}
		if keep {
			kept = append(kept, c)
		} else {
			held = append(held, c)
		}
	}
	return kept, held
}

// ChangedError is the refusal of a fresh plan that is not the reviewed one
// (apply --reviewed): its message starts with "plan changed since review"
// and lists every difference.
type ChangedError struct {
	Diffs []Difference
}

func (e *ChangedError) Error() string {
	var b strings.Builder
	n := len(e.Diffs)
	noun := "changes"
	if n == 1 {
		noun = "change"
	}
	fmt.Fprintf(&b, "plan changed since review: the fresh plan differs from the reviewed plan in %d %s:", n, noun)
	for _, d := range e.Diffs {
		b.WriteString("\n  ")
		b.WriteString(d.String())
	}
	b.WriteString("\nNothing was applied. Another reviewed change may not be applied yet (apply it first, then run this again), or access changed since the review: make a new plan (roster plan) and have it reviewed.")
	return b.String()
}

// CheckReviewed returns a *ChangedError when fresh's changes are not
// exactly reviewed's, and nil when they are.
func CheckReviewed(reviewed, fresh *Plan) error {
	if d := Compare(reviewed, fresh); len(d) > 0 {
		return &ChangedError{Diffs: d}
	}
	return nil
}

// objectJSON is o's JSON, or null.
func objectJSON(o *model.Object) []byte {
	if o == nil {
		return []byte("null")
	}
	b, _ := o.MarshalJSON()
	return b
}
