package plan

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/model"
)

// The saved plan file's codec, json/v2 (github.com/go-json-experiment/json):
// its outer object and plan member here, the plan's elements as their own
// tagged types (types.go, diagnostic.go). Writing gives the bytes
// encoding/json wrote before (fixed member order, every array present,
// HTML-safe escapes), so digests of old and new plans agree; reading
// refuses repeated member names anywhere in the file, ignores unknown
// members, and checks every address, action, risk and object.

// encodeOpts escape strings as encoding/json did.
var encodeOpts = json.JoinOptions(jsontext.EscapeForHTML(true), jsontext.EscapeForJS(true), jsontext.AllowInvalidUTF8(true))

// planWire is the plan member of a saved plan file. Its elements are the
// plan's own types, whose tags say how they are written (types.go).
type planWire struct {
	CreatedAt        *string    `json:"created_at"`
	Now              *string    `json:"now"`
	Lineage          string     `json:"lineage"`
	Serial           uint64     `json:"serial"`
	ConfigDigest     string     `json:"config_digest"`
	AllowMassRemoval bool       `json:"allow_mass_removal"`
	Reinvite         bool       `json:"reinvite"`
	Commit           string     `json:"commit"`
	ChangeRequest    string     `json:"change_request"`
	Drift            []Drift    `json:"drift"`
	Changes          []Change   `json:"changes"`
	FollowUps        []FollowUp `json:"follow_ups"`
	Manual           []Manual   `json:"manual"`
	Cost             []Cost     `json:"cost"`
	// Seen is written only when there is any, so that the plans of
	// offline teams keep the bytes (and digests) they always had.
	Seen []Seen `json:"seen,omitempty"`
	// Diagnostics and Upcoming (the changes apply will record as manual
	// steps) are what the plan says besides its changes (schema/cli.md,
	// version 2 additions); written only when there are any, so that
	// other plans keep the bytes (and digests) they always had.
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
	Upcoming    []Manual     `json:"upcoming,omitempty"`
}

func timeString(t time.Time) *string {
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

// toWire returns p as written.
func toWire(p *Plan) *planWire {
	return &planWire{
		CreatedAt: timeString(p.CreatedAt), Now: timeString(p.Now), Lineage: p.Lineage, Serial: p.Serial,
		ConfigDigest: p.ConfigDigest, AllowMassRemoval: p.AllowMassRemoval, Reinvite: p.Reinvite,
		Commit: p.Commit, ChangeRequest: p.ChangeRequest,
		Drift: p.Drift, Changes: p.Changes, FollowUps: p.FollowUps, Manual: p.Manual, Cost: p.Cost,
		Seen: p.Seen, Diagnostics: p.Diagnostics, Upcoming: p.Upcoming,
	}
}

// appendPlan writes the plan member from its wire type: compact JSON in a
// fixed order, every array present, so that the same plan always gives
// the same bytes.
func appendPlan(b []byte, p *Plan) []byte {
	w := &appender{b}
	if err := json.MarshalWrite(w, toWire(p), encodeOpts); err != nil {
		panic(fmt.Sprintf("plan: encoding: %v", err)) // cannot happen: Encode checked the times
	}
	return w.b
}

// appender appends what is written to b. (Handed a *bytes.Buffer, json/v2
// grows it to keep a quarter free, copying a 100,000-change plan several
// times over; this keeps the one buffer encodedSize sized.)
type appender struct{ b []byte }

func (w *appender) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// appendSignature writes the "signature" member's value.
func appendSignature(b []byte, sig Signature) []byte {
	out, err := json.Marshal(&sig, encodeOpts)
	if err != nil {
		panic(fmt.Sprintf("plan: encoding the signature: %v", err)) // cannot happen: two strings
	}
	return append(b, out...)
}

// Decode reads a saved plan file, refusing anything that is not one, one
// made by a newer roster, and one whose plan no longer matches its digest
// (checked before the plan is read). It never panics.
func Decode(data []byte) (*Plan, error) {
	f, err := readFile(data)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errors.New("not a roster plan file: it is truncated (unexpected end of JSON input)")
		}
		return nil, fmt.Errorf("not a roster plan file: %v", err)
	}
	version := f.RosterPlan
	if len(version) == 0 || string(version) == "null" {
		return nil, errors.New(`not a roster plan file: it has no "roster_plan" version`)
	}
	v, err := strconv.ParseUint(string(version), 10, 32)
	if err != nil || v == 0 {
		return nil, fmt.Errorf("not a roster plan file: roster_plan is %s, expected a version number", truncate(string(version)))
	}
	if v > FileVersion {
		return nil, fmt.Errorf("plan file was made by a newer roster (plan file version %d; this roster reads version %d); upgrade roster, or make a new plan with roster plan --out", v, FileVersion)
	}
	if f.Digest == nil {
		return nil, errors.New(`not a roster plan file: it has no "digest"`)
	}
	if len(f.Plan) == 0 || string(f.Plan) == "null" {
		return nil, errors.New(`not a roster plan file: it has no "plan"`)
	}
	sum := sha256.Sum256(f.Plan)
	if *f.Digest != "sha256:"+hex.EncodeToString(sum[:]) {
		return nil, ErrModified
	}
	p, err := decodePlan(f.Plan)
	if err != nil {
		return nil, fmt.Errorf("plan file is damaged: %v; make a new plan with roster plan --out", err)
	}
	p.Signature = f.Signature
	return p, nil
}

// fileWire is the outer object of a saved plan file, as read: the
// version raw, for its own messages; the plan as the bytes in the file,
// for its digest.
type fileWire struct {
	RosterPlan jsontext.Value `json:"roster_plan"`
	Digest     *string        `json:"digest"`
	Plan       jsontext.Value `json:"plan"`
	Signature  *Signature     `json:"signature"` // null reads as none
}

// readFile reads the outer object: repeated names refused, names matched
// exactly, unknown members skipped, the whole text checked. Its raw
// members are the bytes in data, not copies (a 100,000-change plan is
// some 35 MB), and decodePlan reads the plan's.
func readFile(data []byte) (*fileWire, error) {
	f := &fileWire{}
	inData := json.UnmarshalFromFunc(func(dec *jsontext.Decoder, v *jsontext.Value) error {
		val, err := dec.ReadValue()
		end := int(dec.InputOffset())
		*v = data[end-len(val) : end : end]
		return err
	})
	if err := json.Unmarshal(data, f, json.WithUnmarshalers(inData)); err != nil {
		if se := (*json.SemanticError)(nil); errors.As(err, &se) && se.JSONPointer == "" {
			return nil, errors.New("the file is not a JSON object")
		}
		return nil, err
	}
	return f, nil
}

// decodePlan reads the plan member, checking every address, attribute,
// action and risk.
func decodePlan(data []byte) (*Plan, error) {
	var w planWire
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, addressError(err)
	}
	p := &Plan{Lineage: w.Lineage, Serial: w.Serial, ConfigDigest: w.ConfigDigest, AllowMassRemoval: w.AllowMassRemoval,
		Reinvite: w.Reinvite, Commit: w.Commit, ChangeRequest: w.ChangeRequest,
		Drift: orNil(w.Drift), Changes: orNil(w.Changes), FollowUps: orNil(w.FollowUps), Manual: orNil(w.Manual),
		Cost: orNil(w.Cost), Seen: orNil(w.Seen), Diagnostics: orNil(w.Diagnostics), Upcoming: orNil(w.Upcoming)}
	var err error
	if p.CreatedAt, err = decodeTime("created_at", w.CreatedAt); err != nil {
		return nil, err
	}
	if p.Now, err = decodeTime("now", w.Now); err != nil {
		return nil, err
	}
	checkEach(&err, "drift", p.Drift, checkDrift)
	checkEach(&err, "changes", p.Changes, checkChange)
	checkEach(&err, "follow_ups", p.FollowUps, checkFollowUp)
	checkEach(&err, "manual", p.Manual, checkManual)
	checkEach(&err, "seen", p.Seen, checkSeen)
	checkEach(&err, "diagnostics", p.Diagnostics, checkDiagnostic)
	checkEach(&err, "upcoming", p.Upcoming, checkManual)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// listNames name the elements of the plan's lists (by member name) in
// messages: "change 3".
var listNames = map[string]string{"drift": "drift", "changes": "change", "follow_ups": "follow-up",
	"manual": "manual step", "seen": "seen", "diagnostics": "diagnostic", "upcoming": "upcoming manual step"}

// addressError says which element holds an address that does not parse
// (model.Address.UnmarshalText) as the element's other problems are said:
// "change 3: invalid address ...". Any other error is err.
func addressError(err error) error {
	var se *json.SemanticError
	if !errors.As(err, &se) || se.GoType != reflect.TypeFor[model.Address]() || se.Err == nil {
		return err
	}
	parts := strings.Split(string(se.JSONPointer), "/") // "", list, index, ...
	n, nerr := strconv.Atoi(parts[min(2, len(parts)-1)])
	if what, ok := listNames[parts[min(1, len(parts)-1)]]; ok && nerr == nil {
		return fmt.Errorf("%s: %v", elem{what: what, n: n + 1}, se.Err)
	}
	return err
}

// checkEach checks the elements of the list named list with f, each named
// in messages as listNames says with its number from 1, stopping at the
// first error (in *err); nothing is checked once *err is set.
func checkEach[T any](err *error, list string, xs []T, f func(elem, *T) error) {
	for i := range xs {
		if *err != nil {
			return
		}
		*err = f(elem{what: listNames[list], n: i + 1}, &xs[i])
	}
}

// orNil is xs, or nil when it is empty: an empty list reads as nil, as
// Make leaves it.
func orNil[T any](xs []T) []T {
	if len(xs) == 0 {
		return nil
	}
	return xs
}

func checkDrift(e elem, d *Drift) error {
	e, err := e.of(d.Addr)
	switch {
	case err != nil:
		return err
	case d.Via != "" && d.Via != model.ViaAccount:
		return e.errorf("via %q is not %q", d.Via, model.ViaAccount)
	case d.Before == nil && d.After == nil:
		return e.errorf("neither before nor after is set")
	}
	return cmp.Or(e.at(d.Addr, "before", d.Before), e.at(d.Addr, "after", d.After))
}

func checkFollowUp(e elem, f *FollowUp) error {
	if !f.Site.IsZero() && f.Site.Kind != model.KindSite {
		return e.errorf("%s is not a site address", f.Site)
	}
	e, err := e.of(f.Site)
	if err == nil && f.Task == "" {
		err = e.errorf("it has no task")
	}
	return err
}

func checkManual(e elem, m *Manual) error {
	_, err := e.of(m.Addr)
	return err
}

func checkSeen(e elem, x *Seen) error {
	e, err := e.of(x.Addr)
	if err != nil {
		return err
	}
	x.Elsewhere = orNil(x.Elsewhere)
	return e.at(x.Addr, "object", x.Object)
}

func checkDiagnostic(e elem, d *Diagnostic) error {
	if d.Severity != SeverityWarning && d.Severity != SeverityNote {
		return e.errorf("unknown severity %q", truncate(string(d.Severity)))
	}
	return nil
}

// checkChange checks a change as read, and sets its Reason from its Why.
func checkChange(e elem, c *Change) error {
	e, err := e.of(c.Addr)
	if err != nil {
		return err
	}
	c.Reason = ReasonOf(c.Why)
	beforeAt := c.Addr
	if c.Moving != nil {
		if c.Action != Move {
			return e.errorf("only a move has a from or carried objects")
		}
		if c.From().IsZero() {
			return e.errorf("a move needs a from of the same kind, other than its address")
		}
		beforeAt = c.From() // a move's before is the object at its old address
		c.Moving.Carried = orNil(c.Moving.Carried)
		if slices.Contains(c.Carried(), nil) {
			return e.errorf("a carried object is null")
		}
	}
	if err := cmp.Or(e.at(beforeAt, "before", c.Before), e.at(c.Addr, "after", c.After)); err != nil {
		return err
	}
	for i, r := range c.Risks {
		if !slices.Contains(RiskOrder, r) {
			return e.errorf("unknown risk %q", truncate(string(r)))
		}
		if slices.Contains(c.Risks[:i], r) {
			return e.errorf("risk %q is listed twice", r)
		}
	}
	c.Risks = orNil(c.Risks)
	switch c.Action {
	case Create:
		if c.Before != nil || c.After == nil {
			return e.errorf("a create has no before and has an after")
		}
	case Update:
		if c.Before == nil || c.After == nil {
			return e.errorf("an update has both a before and an after")
		}
	case Delete:
		if c.Before == nil || c.After != nil {
			return e.errorf("a delete has a before and no after")
		}
	case Move:
		switch {
		case c.Before == nil || c.After == nil:
			return e.errorf("a move has both a before and an after")
		case c.From().IsZero() || c.From().Kind != c.Addr.Kind || c.From() == c.Addr:
			return e.errorf("a move needs a from of the same kind, other than its address")
		}
		for _, o := range c.Carried() {
			if _, under := model.Rekey(o.Addr, c.From(), c.Addr); !under || o.Addr == c.From() {
				return e.errorf("carried object %s is not under %s", o.Addr, c.From())
			}
		}
	default:
		return e.errorf("unknown action %q; expected create, update, delete or move", truncate(string(c.Action)))
	}
	return nil
}

func decodeTime(name string, s *string) (time.Time, error) {
	if s == nil {
		return time.Time{}, fmt.Errorf("%s is missing", name)
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not an RFC 3339 time", name, truncate(*s))
	}
	return t.UTC(), nil
}

// elem names an element of a list in messages: "change 3
// (member/acme/bob@acme.com)", or "change 3" before its address is known.
type elem struct {
	what string
	n    int
	addr model.Address
}

func (e elem) String() string {
	if e.addr.IsZero() {
		return fmt.Sprintf("%s %d", e.what, e.n)
	}
	return fmt.Sprintf("%s %d (%s)", e.what, e.n, e.addr)
}

// errorf is an error about the element.
func (e elem) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: %s", e, fmt.Sprintf(format, args...))
}

// of is the element named with its address a, or an error when it has
// none (a bad one is refused as it is read: model.Address.UnmarshalText).
func (e elem) of(a model.Address) (elem, error) {
	if a.IsZero() {
		return e, e.errorf("it has no address")
	}
	e.addr = a
	return e, nil
}

// at checks that an object read as the element's before, after or object
// (side) is at addr.
func (e elem) at(addr model.Address, side string, o *model.Object) error {
	if o != nil && o.Addr != addr {
		return e.errorf("%s is the object %s, not %s", side, o.Addr, addr)
	}
	return nil
}
