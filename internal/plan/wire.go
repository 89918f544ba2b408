package plan

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/model"
)

// The saved plan file's wire types and their one codec, json/v2
// (github.com/go-json-experiment/json). Writing gives the bytes
// encoding/json wrote before (fixed member order, every array present,
// HTML-safe escapes), so digests of old and new plans agree; reading
// refuses repeated member names anywhere in the file, ignores unknown
// members, and checks every address, action, risk and object.

// encodeOpts escape strings as encoding/json did.
var encodeOpts = json.JoinOptions(jsontext.EscapeForHTML(true), jsontext.EscapeForJS(true), jsontext.AllowInvalidUTF8(true))

type planWire struct {
	CreatedAt        *string        `json:"created_at"`
	Now              *string        `json:"now"`
	Lineage          string         `json:"lineage"`
	Serial           uint64         `json:"serial"`
	ConfigDigest     string         `json:"config_digest"`
	AllowMassRemoval bool           `json:"allow_mass_removal"`
	Reinvite         bool           `json:"reinvite"`
	Commit           string         `json:"commit"`
	ChangeRequest    string         `json:"change_request"`
	Drift            []driftWire    `json:"drift"`
	Changes          []changeWire   `json:"changes"`
	FollowUps        []followUpWire `json:"follow_ups"`
	Manual           []manualWire   `json:"manual"`
	Cost             []Cost         `json:"cost"`
	// Seen is written only when there is any, so that the plans of
	// offline teams keep the bytes (and digests) they always had.
	Seen []seenWire `json:"seen,omitempty"`
	// Diagnostics and Upcoming (the changes apply will record as manual
	// steps) are what the plan says besides its changes (schema/cli.md,
	// version 2 additions); written only when there are any, so that
	// other plans keep the bytes (and digests) they always had.
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
	Upcoming    []manualWire `json:"upcoming,omitempty"`
}

type driftWire struct {
	Address string        `json:"address"`
	Before  *model.Object `json:"before"`
	After   *model.Object `json:"after"`
	// Via is written only when set, so that other plans keep their bytes.
	Via model.Via `json:"via,omitempty"`
}

type changeWire struct {
	Address string `json:"address"`
	Action  Action `json:"action"`
	// From and Carried are written for moves only (omitzero: a move's
	// empty Carried is [], never left out), so other plans keep their
	// bytes.
	From    string          `json:"from,omitzero"`
	Carried []*model.Object `json:"carried,omitzero"`
	Before  *model.Object   `json:"before"`
	After   *model.Object   `json:"after"`
	Risks   []Risk          `json:"risks"` // nil is written []
	Why     string          `json:"why"`
}

type followUpWire struct {
	Address string `json:"address"`
	Task    string `json:"task"`
	Text    string `json:"text"`
}

type manualWire struct {
	Address string `json:"address"`
	Task    string `json:"task"`
	Change  string `json:"change"`
	Text    string `json:"text"`
}

type seenWire struct {
	Address    string        `json:"address"`
	Object     *model.Object `json:"object"`
	Undeclared bool          `json:"undeclared"`
	Elsewhere  []string      `json:"elsewhere"`
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
		Drift:       each(p.Drift, func(d *Drift) driftWire { return driftWire{d.Addr.String(), d.Before, d.After, d.Via} }),
		Changes:     each(p.Changes, changeToWire),
		FollowUps:   each(p.FollowUps, func(f *FollowUp) followUpWire { return followUpWire{f.Site.String(), f.Task, f.Text} }),
		Manual:      each(p.Manual, manualToWire),
		Cost:        p.Cost,
		Seen:        each(p.Seen, func(x *Seen) seenWire { return seenWire{x.Addr.String(), x.Object, x.Undeclared, x.Elsewhere} }),
		Diagnostics: p.Diagnostics,
		Upcoming:    each(p.Upcoming, manualToWire),
	}
}

// each converts every element of a list with f; an empty list gives an
// empty list, written as [].
func each[T, W any](xs []T, f func(*T) W) []W {
	out := make([]W, len(xs))
	for i := range xs {
		out[i] = f(&xs[i])
	}
	return out
}

func changeToWire(c *Change) changeWire {
	w := changeWire{Address: c.Addr.String(), Action: c.Action, Before: c.Before, After: c.After, Risks: c.Risks, Why: c.Why}
	if c.Action == Move {
		w.From = c.From().String()
		w.Carried = c.Carried()
		if w.Carried == nil {
			w.Carried = []*model.Object{}
		}
	}
	return w
}

func manualToWire(m *Manual) manualWire { return manualWire{m.Addr.String(), m.Task, m.Change, m.Text} }

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
		return nil, err
	}
	p := &Plan{Lineage: w.Lineage, Serial: w.Serial, ConfigDigest: w.ConfigDigest, AllowMassRemoval: w.AllowMassRemoval,
		Reinvite: w.Reinvite, Commit: w.Commit, ChangeRequest: w.ChangeRequest}
	var err error
	if p.CreatedAt, err = decodeTime("created_at", w.CreatedAt); err != nil {
		return nil, err
	}
	if p.Now, err = decodeTime("now", w.Now); err != nil {
		return nil, err
	}
	p.Drift = decodeEach(&err, w.Drift, decodeDrift)
	p.Changes = decodeEach(&err, w.Changes, decodeChange)
	p.FollowUps = decodeEach(&err, w.FollowUps, decodeFollowUp)
	p.Manual = decodeEach(&err, w.Manual, manualDecoder("manual step"))
	p.Cost = orNil(w.Cost)
	p.Seen = decodeEach(&err, w.Seen, decodeSeen)
	p.Diagnostics = decodeEach(&err, w.Diagnostics, decodeDiagnostic)
	p.Upcoming = decodeEach(&err, w.Upcoming, manualDecoder("upcoming manual step"))
	if err != nil {
		return nil, err
	}
	return p, nil
}

// decodeEach reads a list's elements with f, given each one's number from
// 1, stopping at the first error (in *err); nothing is read once *err is
// set. An empty list reads as nil, as Make leaves it.
func decodeEach[W, T any](err *error, ws []W, f func(n int, x *W) (T, error)) []T {
	if *err != nil || len(ws) == 0 {
		return nil
	}
	out := make([]T, len(ws))
	for i := range ws {
		if out[i], *err = f(i+1, &ws[i]); *err != nil {
			return nil
		}
	}
	return out
}

// orNil is xs, or nil when it is empty: an empty list reads as nil, as
// Make leaves it.
func orNil[T any](xs []T) []T {
	if len(xs) == 0 {
		return nil
	}
	return xs
}

func decodeDrift(n int, x *driftWire) (Drift, error) {
	e := elem{"drift", n, x.Address}
	addr, err := e.address()
	switch {
	case err != nil:
		return Drift{}, err
	case x.Via != "" && x.Via != model.ViaAccount:
		return Drift{}, e.errorf("via %q is not %q", x.Via, model.ViaAccount)
	}
	if err := cmp.Or(e.at(addr, "before", x.Before), e.at(addr, "after", x.After)); err != nil {
		return Drift{}, err
	}
	if x.Before == nil && x.After == nil {
		return Drift{}, e.errorf("neither before nor after is set")
	}
	return Drift{Addr: addr, Before: x.Before, After: x.After, Via: x.Via}, nil
}

func decodeFollowUp(n int, x *followUpWire) (FollowUp, error) {
	e := elem{"follow-up", n, x.Address}
	addr, err := e.address()
	switch {
	case err != nil:
		return FollowUp{}, err
	case addr.Kind != model.KindSite:
		return FollowUp{}, fmt.Errorf("%s: %s is not a site address", elem{what: e.what, n: n}, x.Address)
	case x.Task == "":
		return FollowUp{}, e.errorf("it has no task")
	}
	return FollowUp{Site: addr, Task: x.Task, Text: x.Text}, nil
}

// manualDecoder reads the manual steps of a list named what.
func manualDecoder(what string) func(int, *manualWire) (Manual, error) {
	return func(n int, x *manualWire) (Manual, error) {
		addr, err := elem{what, n, x.Address}.address()
		return Manual{Addr: addr, Task: x.Task, Change: x.Change, Text: x.Text}, err
	}
}

func decodeSeen(n int, x *seenWire) (Seen, error) {
	e := elem{"seen", n, x.Address}
	addr, err := e.address()
	if err != nil {
		return Seen{}, err
	}
	if err := e.at(addr, "object", x.Object); err != nil {
		return Seen{}, err
	}
	return Seen{Addr: addr, Object: x.Object, Undeclared: x.Undeclared, Elsewhere: orNil(x.Elsewhere)}, nil
}

func decodeDiagnostic(n int, d *Diagnostic) (Diagnostic, error) {
	if d.Severity != SeverityWarning && d.Severity != SeverityNote {
		return Diagnostic{}, fmt.Errorf("diagnostic %d: unknown severity %q", n, truncate(string(d.Severity)))
	}
	return *d, nil
}

func decodeChange(n int, x *changeWire) (Change, error) {
	e := elem{"change", n, x.Address}
	addr, err := e.address()
	if err != nil {
		return Change{}, err
	}
	c := Change{Addr: addr, Before: x.Before, After: x.After, Why: x.Why, Reason: ReasonOf(x.Why)}
	if err := checkChange(e, x, &c); err != nil {
		return Change{}, err
	}
	return c, nil
}

// checkChange fills in and checks what a change's wire form says besides
// its address.
func checkChange(e elem, x *changeWire, c *Change) error {
	addr := c.Addr
	beforeAt := addr
	if x.From != "" {
		from, err := model.ParseAddress(x.From)
		if err != nil {
			return e.errorf("from: %v", err)
		}
		c.Moving = &Moving{From: from}
		if x.Action == Move {
			beforeAt = from // a move's before is the object at its old address
		}
	}
	if x.Carried != nil {
		if c.Moving == nil {
			c.Moving = &Moving{}
		}
		c.Moving.Carried = orNil(x.Carried)
		if slices.Contains(x.Carried, nil) {
			return e.errorf("a carried object is null")
		}
	}
	if err := cmp.Or(e.at(beforeAt, "before", x.Before), e.at(addr, "after", x.After)); err != nil {
		return err
	}
	for i, r := range x.Risks {
		if !slices.Contains(RiskOrder, r) {
			return e.errorf("unknown risk %q", truncate(string(r)))
		}
		if slices.Contains(x.Risks[:i], r) {
			return e.errorf("risk %q is listed twice", r)
		}
	}
	c.Risks = orNil(x.Risks)
	switch c.Action = x.Action; c.Action {
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
		return e.errorf("unknown action %q; expected create, update, delete or move", truncate(string(x.Action)))
	}
	if c.Action != Move && (x.From != "" || x.Carried != nil) {
		return e.errorf("only a move has a from or carried objects")
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
// (member/acme/bob@acme.com)", or "change 3" when it has no address.
type elem struct {
	what string
	n    int
	addr string
}

func (e elem) String() string {
	if e.addr == "" {
		return fmt.Sprintf("%s %d", e.what, e.n)
	}
	return fmt.Sprintf("%s %d (%s)", e.what, e.n, e.addr)
}

// errorf is an error about the element.
func (e elem) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: %s", e, fmt.Sprintf(format, args...))
}

// address parses the element's address.
func (e elem) address() (model.Address, error) {
	if e.addr == "" {
		return model.Address{}, e.errorf("it has no address")
	}
	a, err := model.ParseAddress(e.addr)
	if err != nil {
		return model.Address{}, fmt.Errorf("%s: %v", elem{what: e.what, n: e.n}, err)
	}
	return a, nil
}

// at checks that an object read as the element's before, after or object
// (side) is at addr.
func (e elem) at(addr model.Address, side string, o *model.Object) error {
	if o != nil && o.Addr != addr {
		return e.errorf("%s is the object %s, not %s", side, o.Addr, addr)
	}
	return nil
}
