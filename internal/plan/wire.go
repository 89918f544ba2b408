package plan

import (
	"bytes"
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
	Cost             []costWire     `json:"cost"`
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
	Action  string `json:"action"`
	// From and Carried are written for moves only (omitzero: a move's
	// empty Carried is [], never left out), so other plans keep their
	// bytes.
	From    string          `json:"from,omitzero"`
	Carried []*model.Object `json:"carried,omitzero"`
	Before  *model.Object   `json:"before"`
	After   *model.Object   `json:"after"`
	Risks   []string        `json:"risks"`
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

type costWire struct {
	Team          string `json:"team"`
	Requests      int    `json:"requests"`
	BudgetPerHour *int   `json:"budget_per_hour"`
	ETASeconds    *int   `json:"eta_seconds"`
	Estimate      bool   `json:"estimate,omitzero"`
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
	w := &planWire{
		CreatedAt: timeString(p.CreatedAt), Now: timeString(p.Now), Lineage: p.Lineage, Serial: p.Serial,
		ConfigDigest: p.ConfigDigest, AllowMassRemoval: p.AllowMassRemoval, Reinvite: p.Reinvite,
		Commit: p.Commit, ChangeRequest: p.ChangeRequest,
		Drift: make([]driftWire, len(p.Drift)), Changes: make([]changeWire, len(p.Changes)),
		FollowUps: make([]followUpWire, len(p.FollowUps)), Manual: make([]manualWire, len(p.Manual)),
		Cost: make([]costWire, len(p.Cost)), Seen: make([]seenWire, len(p.Seen)),
		Diagnostics: p.Diagnostics,
	}
	for i, d := range p.Drift {
		w.Drift[i] = driftWire{d.Addr.String(), d.Before, d.After, d.Via}
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		risks := make([]string, len(c.Risks))
		for k, r := range c.Risks {
			risks[k] = string(r)
		}
		w.Changes[i] = changeWire{Address: c.Addr.String(), Action: string(c.Action), Before: c.Before, After: c.After, Risks: risks, Why: c.Why}
		if c.Action == Move {
			w.Changes[i].From = c.From.String()
			w.Changes[i].Carried = c.Carried
			if c.Carried == nil {
				w.Changes[i].Carried = []*model.Object{}
			}
		}
	}
	for i, f := range p.FollowUps {
		w.FollowUps[i] = followUpWire{f.Site.String(), f.Task, f.Text}
	}
	for i, m := range p.Manual {
		w.Manual[i] = manualWire{m.Addr.String(), m.Task, m.Change, m.Text}
	}
	for i, c := range p.Cost {
		w.Cost[i] = costWire{c.Team, c.Requests, c.BudgetPerHour, c.ETASeconds, c.Estimate}
	}
	for i, x := range p.Seen {
		w.Seen[i] = seenWire{x.Addr.String(), x.Object, x.Undeclared, x.Elsewhere}
	}
	for _, m := range p.Upcoming {
		w.Upcoming = append(w.Upcoming, manualWire{m.Addr.String(), m.Task, m.Change, m.Text})
	}
	return w
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
	out, err := json.Marshal(signatureWire{KeyID: sig.KeyID, Value: sig.Value}, encodeOpts)
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
	if f.Signature != nil {
		p.Signature = &Signature{KeyID: f.Signature.KeyID, Value: f.Signature.Value}
	}
	return p, nil
}

// fileWire is the outer object of a saved plan file, as read: the
// version raw, for its own messages; the plan as the bytes in the file,
// for its digest.
type fileWire struct {
	RosterPlan jsontext.Value
	Digest     *string
	Plan       []byte
	Signature  *signatureWire
}

// signatureWire is the "signature" member (file.go); null reads as none.
type signatureWire struct {
	KeyID string `json:"key_id"`
	Value string `json:"value"`
}

// readFile reads the outer object with the json/v2 tokenizer (repeated
// names refused, the whole text checked); the plan member is not copied,
// only checked, and decodePlan reads it.
func readFile(data []byte) (*fileWire, error) {
	f := &fileWire{}
	dec := jsontext.NewDecoder(bytes.NewBuffer(data))
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	if tok.Kind() != '{' {
		return nil, fmt.Errorf("the file is a JSON %s, not an object", kindName(tok.Kind()))
	}
	for {
		name, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		if name.Kind() == '}' {
			break
		}
		switch name.String() {
		case "roster_plan":
			v, err := dec.ReadValue()
			if err != nil {
				return nil, err
			}
			f.RosterPlan = v.Clone()
		case "digest":
			v, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			if v.Kind() != '"' {
				return nil, fmt.Errorf("digest is a JSON %s, not a string", kindName(v.Kind()))
			}
			s := v.String()
			f.Digest = &s
		case "plan":
			v, err := dec.ReadValue()
			if err != nil {
				return nil, err
			}
			end := int(dec.InputOffset())
			f.Plan = data[end-len(v) : end]
		case "signature":
			if err := json.UnmarshalDecode(dec, &f.Signature); err != nil {
				return nil, err
			}
		default:
			if err := dec.SkipValue(); err != nil {
				return nil, err
			}
		}
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		if err == nil {
			err = errors.New("more data after the object")
		}
		return nil, err
	}
	return f, nil
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "bool"
	case '"':
		return "string"
	case '0':
		return "number"
	case '[', ']':
		return "array"
	}
	return "object"
}

var knownRisks = func() map[string]Risk {
	m := map[string]Risk{}
	for _, r := range RiskOrder {
		m[string(r)] = r
	}
	return m
}()

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
	// Empty lists read as nil, as Make leaves them.
	if len(w.Drift) > 0 {
		p.Drift = make([]Drift, len(w.Drift))
	}
	for i, x := range w.Drift {
		d := &p.Drift[i]
		addr, err := address("drift", i+1, x.Address)
		if err != nil {
			return nil, err
		}
		if x.Via != "" && x.Via != model.ViaAccount {
			return nil, fmt.Errorf("drift %d (%s): via %q is not %q", i+1, x.Address, x.Via, model.ViaAccount)
		}
		*d = Drift{Addr: addr, Before: x.Before, After: x.After, Via: x.Via}
		if err := checkAt("drift", i+1, x.Address, addr, "before", x.Before); err != nil {
			return nil, err
		}
		if err := checkAt("drift", i+1, x.Address, addr, "after", x.After); err != nil {
			return nil, err
		}
		if x.Before == nil && x.After == nil {
			return nil, fmt.Errorf("%s: neither before nor after is set", where("drift", i+1, x.Address))
		}
	}
	if len(w.Changes) > 0 {
		p.Changes = make([]Change, len(w.Changes))
	}
	for i := range w.Changes {
		if err := decodeChange(i+1, &w.Changes[i], &p.Changes[i]); err != nil {
			return nil, err
		}
	}
	if len(w.FollowUps) > 0 {
		p.FollowUps = make([]FollowUp, len(w.FollowUps))
	}
	for i, x := range w.FollowUps {
		addr, err := address("follow-up", i+1, x.Address)
		switch {
		case err != nil:
			return nil, err
		case addr.Kind != model.KindSite:
			return nil, fmt.Errorf("%s: %s is not a site address", where("follow-up", i+1, ""), x.Address)
		case x.Task == "":
			return nil, fmt.Errorf("%s: it has no task", where("follow-up", i+1, x.Address))
		}
		p.FollowUps[i] = FollowUp{Site: addr, Task: x.Task, Text: x.Text}
	}
	if len(w.Manual) > 0 {
		p.Manual = make([]Manual, len(w.Manual))
	}
	for i, x := range w.Manual {
		addr, err := address("manual step", i+1, x.Address)
		if err != nil {
			return nil, err
		}
		p.Manual[i] = Manual{Addr: addr, Task: x.Task, Change: x.Change, Text: x.Text}
	}
	if len(w.Cost) > 0 {
		p.Cost = make([]Cost, len(w.Cost))
	}
	for i, x := range w.Cost {
		p.Cost[i] = Cost{Team: x.Team, Requests: x.Requests, BudgetPerHour: x.BudgetPerHour, ETASeconds: x.ETASeconds, Estimate: x.Estimate}
	}
	if len(w.Seen) > 0 {
		p.Seen = make([]Seen, len(w.Seen))
	}
	for i, x := range w.Seen {
		addr, err := address("seen", i+1, x.Address)
		if err != nil {
			return nil, err
		}
		if err := checkAt("seen", i+1, x.Address, addr, "object", x.Object); err != nil {
			return nil, err
		}
		if len(x.Elsewhere) == 0 {
			x.Elsewhere = nil
		}
		p.Seen[i] = Seen{Addr: addr, Object: x.Object, Undeclared: x.Undeclared, Elsewhere: x.Elsewhere}
	}
	for i, d := range w.Diagnostics {
		if d.Severity != SeverityWarning && d.Severity != SeverityNote {
			return nil, fmt.Errorf("diagnostic %d: unknown severity %q", i+1, truncate(string(d.Severity)))
		}
	}
	if len(w.Diagnostics) > 0 {
		p.Diagnostics = w.Diagnostics
	}
	for i, x := range w.Upcoming {
		addr, err := address("upcoming manual step", i+1, x.Address)
		if err != nil {
			return nil, err
		}
		p.Upcoming = append(p.Upcoming, Manual{Addr: addr, Task: x.Task, Change: x.Change, Text: x.Text})
	}
	return p, nil
}

func decodeChange(n int, x *changeWire, c *Change) error {
	addr, err := address("change", n, x.Address)
	if err != nil {
		return err
	}
	*c = Change{Addr: addr, Before: x.Before, After: x.After, Why: x.Why, Reason: ReasonOf(x.Why)}
	at := where("change", n, x.Address)
	beforeAt := addr
	if x.From != "" {
		from, err := model.ParseAddress(x.From)
		if err != nil {
			return fmt.Errorf("%s: from: %v", at, err)
		}
		c.From = from
		if Action(x.Action) == Move {
			beforeAt = from // a move's before is the object at its old address
		}
	}
	if x.Carried != nil {
		c.Carried = x.Carried
		if len(c.Carried) == 0 {
			c.Carried = nil
		}
		for _, o := range x.Carried {
			if o == nil {
				return fmt.Errorf("%s: a carried object is null", at)
			}
		}
	}
	if err := checkAt("change", n, x.Address, beforeAt, "before", x.Before); err != nil {
		return err
	}
	if err := checkAt("change", n, x.Address, addr, "after", x.After); err != nil {
		return err
	}
	for _, s := range x.Risks {
		r, known := knownRisks[s]
		if !known {
			return fmt.Errorf("%s: unknown risk %q", at, truncate(s))
		}
		if slices.Contains(c.Risks, r) {
			return fmt.Errorf("%s: risk %q is listed twice", at, r)
		}
		c.Risks = append(c.Risks, r)
	}
	switch Action(x.Action) {
	case Create:
		c.Action = Create
		if c.Before != nil || c.After == nil {
			return fmt.Errorf("%s: a create has no before and has an after", at)
		}
	case Update:
		c.Action = Update
		if c.Before == nil || c.After == nil {
			return fmt.Errorf("%s: an update has both a before and an after", at)
		}
	case Delete:
		c.Action = Delete
		if c.Before == nil || c.After != nil {
			return fmt.Errorf("%s: a delete has a before and no after", at)
		}
	case Move:
		c.Action = Move
		switch {
		case c.Before == nil || c.After == nil:
			return fmt.Errorf("%s: a move has both a before and an after", at)
		case c.From.IsZero() || c.From.Kind != c.Addr.Kind || c.From == c.Addr:
			return fmt.Errorf("%s: a move needs a from of the same kind, other than its address", at)
		}
		for _, o := range c.Carried {
			if _, under := model.Rekey(o.Addr, c.From, c.Addr); !under || o.Addr == c.From {
				return fmt.Errorf("%s: carried object %s is not under %s", at, o.Addr, c.From)
			}
		}
	default:
		return fmt.Errorf("%s: unknown action %q; expected create, update, delete or move", at, truncate(x.Action))
	}
	if c.Action != Move && (x.From != "" || x.Carried != nil) {
		return fmt.Errorf("%s: only a move has a from or carried objects", at)
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

// where names an element in messages: "change 3 (member/acme/bob@acme.com)".
func where(what string, n int, addr string) string {
	if addr == "" {
		return fmt.Sprintf("%s %d", what, n)
	}
	return fmt.Sprintf("%s %d (%s)", what, n, addr)
}

// address parses an element's address.
func address(what string, n int, s string) (model.Address, error) {
	if s == "" {
		return model.Address{}, fmt.Errorf("%s: it has no address", where(what, n, ""))
	}
	a, err := model.ParseAddress(s)
	if err != nil {
		return model.Address{}, fmt.Errorf("%s: %v", where(what, n, ""), err)
	}
	return a, nil
}

// checkAt checks that an object read as before, after or object is at the
// element's address.
func checkAt(what string, n int, addrStr string, addr model.Address, side string, o *model.Object) error {
	if o != nil && o.Addr != addr {
		return fmt.Errorf("%s: %s is the object %s, not %s", where(what, n, addrStr), side, o.Addr, addr)
	}
	return nil
}
